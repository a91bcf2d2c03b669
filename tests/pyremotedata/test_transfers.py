"""IOHandler transfers, sync and the remote file index against a real server."""
from __future__ import annotations

import os
import time

import pytest

from pyremotedata import io_handler as io_module
from pyremotedata.errors import RemoteFileNotFoundError
from pyremotedata.implicit_mount import INDEX_NAME, IOHandler

from .conftest import files_under


def write(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())


@pytest.fixture
def commands(pyremotedata_io, monkeypatch):
    """The lftp commands the handler sends (observed, still executed)."""
    sent = []
    original = pyremotedata_io._run

    def spy(command, *args, **kwargs):
        sent.append(command)
        return original(command, *args, **kwargs)

    monkeypatch.setattr(pyremotedata_io, "_run", spy)
    return sent


@pytest.fixture
def sftp_calls(monkeypatch):
    calls = []
    real = io_module.sftp_transfer

    def recording(endpoint, direction, remote, local, **kwargs):
        calls.append((direction, remote, local))
        return real(endpoint, direction, remote, local, **kwargs)

    monkeypatch.setattr(io_module, "sftp_transfer", recording)
    return calls


def test_download_picks_get_pget_or_the_sftp_client_by_size(pyremotedata_io, pyremotedata_workspace, commands,
                                                             sftp_calls, monkeypatch, tmp_path) -> None:
    io = pyremotedata_io
    small, medium, large = os.urandom(1000), os.urandom(300_000), os.urandom(900_000)
    for name, data in (("small.bin", small), ("medium.bin", medium), ("large.bin", large)):
        write(pyremotedata_workspace.path(name), data)
    monkeypatch.setattr(io_module, "SEGMENT_THRESHOLD", 100_000)
    io.large_file_threshold = 500_000
    assert io.download("small.bin") == os.path.join(io.lpwd(), "small.bin")
    # the destination is a directory, created when missing, as upstream's; a file there is a clear error
    assert io.download("medium.bin", str(tmp_path / "m")) == str(tmp_path / "m" / "medium.bin")
    with pytest.raises(NotADirectoryError, match="destinations are directories"):
        io.download("small.bin", str(tmp_path / "m" / "medium.bin"))
    with pytest.raises(NotADirectoryError):
        io.download(["small.bin"], [str(tmp_path / "m" / "medium.bin")])
    assert io.download("large.bin", str(tmp_path)) == str(tmp_path / "large.bin")
    assert open(os.path.join(io.lpwd(), "small.bin"), "rb").read() == small
    assert (tmp_path / "m" / "medium.bin").read_bytes() == medium
    assert (tmp_path / "large.bin").read_bytes() == large
    assert any(c.startswith('get "small.bin"') for c in commands)
    assert any(c.startswith('pget -n 5 "medium.bin"') for c in commands)
    assert [call[0] for call in sftp_calls] == ["get"]
    assert sftp_calls[0][1] == str(pyremotedata_workspace.path("large.bin"))
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".in.")]
    with pytest.raises(RemoteFileNotFoundError):
        io.download("missing.bin")


def test_sftp_client_missing_falls_back_to_lftp(pyremotedata_io, pyremotedata_workspace, monkeypatch,
                                                sftp_calls) -> None:
    write(pyremotedata_workspace.path("big.bin"), b"z" * 2000)
    pyremotedata_io.large_file_threshold = 1000
    monkeypatch.setattr(io_module, "sftp_client_available", lambda: False)
    assert open(pyremotedata_io.download("big.bin"), "rb").read() == b"z" * 2000
    assert sftp_calls == []


def test_upload_file_large_file_list_and_folder(pyremotedata_io, pyremotedata_workspace, sftp_calls,
                                                tmp_path) -> None:
    io = pyremotedata_io
    folder = tmp_path / "folder"
    for relative in ("one.txt", "sub/two.txt", "sub/deeper/three.txt"):
        write(folder / relative, relative)
    write(tmp_path / "big.bin", os.urandom(50_000))
    root = io.pwd()  # uploads return absolute remote paths, as upstream
    assert io.upload(str(folder / "one.txt")) == f"{root}/one.txt"
    assert io.upload(str(folder / "one.txt"), "nested/dir") == f"{root}/nested/dir/one.txt"
    io.large_file_threshold = 10_000
    assert io.upload(str(tmp_path / "big.bin"), "blobs/") == f"{root}/blobs/big.bin"
    assert [call[0] for call in sftp_calls] == ["put"]
    assert io.upload([str(folder / "one.txt"), str(folder / "sub" / "two.txt")], "many") == \
        [f"{root}/many/one.txt", f"{root}/many/two.txt"]
    assert io.upload([str(folder / "one.txt"), str(folder / "sub" / "two.txt")], ["per/a", "per/b"]) == \
        [f"{root}/per/a/one.txt", f"{root}/per/b/two.txt"]
    assert io.put(str(folder / "one.txt"), "renamed.txt") == f"{root}/renamed.txt"  # put: a file path
    assert io.put(str(folder / "one.txt"), "many/../dotdot.txt") == f"{root}/dotdot.txt"  # normalised
    new = io.upload(str(folder), "tree")
    assert sorted(new) == ["tree/one.txt", "tree/sub/deeper/three.txt", "tree/sub/two.txt"]
    assert io.upload(str(folder), "tree") == []  # nothing changed
    server = pyremotedata_workspace.path()
    assert files_under(server) == sorted(["blobs/big.bin", "many/one.txt", "many/two.txt", "nested/dir/one.txt",
                                          "dotdot.txt", "one.txt", "per/a/one.txt", "per/b/two.txt",
                                          "renamed.txt", "tree/one.txt", "tree/sub/deeper/three.txt", "tree/sub/two.txt"])
    assert (server / "blobs/big.bin").read_bytes() == (tmp_path / "big.bin").read_bytes()
    assert (server / "tree/sub/deeper/three.txt").read_text() == "sub/deeper/three.txt"


def test_download_folder_and_lists_report_new_and_changed_files(pyremotedata_io, pyremotedata_workspace,
                                                               tmp_path) -> None:
    io = pyremotedata_io
    for relative in ("d/a.txt", "d/b/c.txt", "x/same.txt", "y/same.txt"):
        write(pyremotedata_workspace.path(relative), relative)
    target = tmp_path / "copy"
    new = io.download("d", str(target))
    assert sorted(new) == [str(target / "a.txt"), str(target / "b" / "c.txt")]
    assert io.download("d", str(target)) == []
    time.sleep(1.1)
    write(pyremotedata_workspace.path("d/a.txt"), "changed")
    assert io.download("d", str(target)) == [str(target / "a.txt")]
    assert (target / "a.txt").read_text() == "changed"
    both = io.download(["x/same.txt", "y/same.txt"], str(tmp_path / "pair"))
    assert both == [str(tmp_path / "pair" / "x" / "same.txt"), str(tmp_path / "pair" / "y" / "same.txt")]
    assert [open(p).read() for p in both] == ["x/same.txt", "y/same.txt"]
    apart = io.download(["x/same.txt", "y/same.txt"], [str(tmp_path / "d1"), str(tmp_path / "d2")])
    assert apart == [str(tmp_path / "d1" / "same.txt"), str(tmp_path / "d2" / "same.txt")]
    assert [open(p).read() for p in apart] == ["x/same.txt", "y/same.txt"]
    assert io.mget(["x/same.txt", "y/same.txt"], str(tmp_path / "mget")) == \
        [str(tmp_path / "mget" / "x" / "same.txt"), str(tmp_path / "mget" / "y" / "same.txt")]
    with pytest.raises(RemoteFileNotFoundError, match="no files found"):
        io.mget(["*.txt"], str(tmp_path / "glob"), glob=True)  # nothing at the top level
    assert io.mget(["d/*.txt"], str(tmp_path / "glob"), glob=True) == [str(tmp_path / "glob" / "a.txt")]


def test_background_transfers_and_wait(pyremotedata_io, pyremotedata_workspace, tmp_path) -> None:
    write(pyremotedata_workspace.path("d/a.txt"), "a")
    write(pyremotedata_workspace.path("f.txt"), "f")
    assert pyremotedata_io.download("d", str(tmp_path / "bg"), blocking=False) is None
    assert pyremotedata_io.download("f.txt", str(tmp_path), blocking=False) is None
    pyremotedata_io.wait()
    assert (tmp_path / "bg" / "a.txt").read_text() == "a"
    assert (tmp_path / "f.txt").read_text() == "f"


def test_file_index_build_read_legacy_filters_and_update(pyremotedata_io, pyremotedata_workspace) -> None:
    io = pyremotedata_io
    for relative in ("b/2.jpg", "a/1.jpg", "a/notes.txt", "c"):
        write(pyremotedata_workspace.path(relative), "x")
    assert io.get_file_index() == ["a/1.jpg", "a/notes.txt", "b/2.jpg", "c"]
    index_file = pyremotedata_workspace.path(INDEX_NAME)
    assert index_file.read_text() == "a/1.jpg\na/notes.txt\nb/2.jpg\nc\n"
    write(pyremotedata_workspace.path("d/new.jpg"), "x")
    assert "d/new.jpg" not in io.get_file_index()  # the stored index is used as it is
    assert "d/new.jpg" in io.get_file_index(override=True)
    assert io.get_file_index(pattern=r"\.jpg$") == ["a/1.jpg", "b/2.jpg", "d/new.jpg"]
    assert io.get_file_index(skip=1, nmax=2) == ["a/notes.txt", "b/2.jpg"]
    with pytest.raises(ValueError):
        io.get_file_index(override=True, store=False)
    index_file.rename(pyremotedata_workspace.path("folder_index.txt"))  # upstream's old name
    assert io.get_file_index() == ["a/1.jpg", "a/notes.txt", "b/2.jpg", "c", "d/new.jpg"]
    assert index_file.exists() and not pyremotedata_workspace.path("folder_index.txt").exists()
    io.update_file_index(["e/added.jpg", "a/1.jpg"])
    assert index_file.read_text().splitlines() == ["a/1.jpg", "a/notes.txt", "b/2.jpg", "c", "d/new.jpg", "e/added.jpg"]
    io.cache_file_index()
    assert io.cache[io.pwd()] == index_file.read_text().splitlines()
    index_file.unlink()
    assert io.get_file_index(store=False) == ["a/1.jpg", "a/notes.txt", "b/2.jpg", "c", "d/new.jpg"]
    assert not index_file.exists()


def test_sync_down_up_both_and_replace_local(pyremotedata_io, pyremotedata_workspace, tmp_path) -> None:
    io = pyremotedata_io
    for relative in ("r1.txt", "dir/r2.txt"):
        write(pyremotedata_workspace.path(relative), relative)
    local = tmp_path / "mirror"
    first = io.sync(str(local))
    assert first == first.downloaded == ["dir/r2.txt", "r1.txt"]  # a list, as upstream
    assert files_under(local) == ["dir/r2.txt", "r1.txt"]
    assert io.sync(str(local), direction="Down").downloaded == []  # direction is case-insensitive
    write(local / "l1.txt", "local one")
    io.get_file_index()  # an index exists: uploads must be merged into it
    result = io.sync(str(local), direction="UP")
    assert result == result.uploaded == ["l1.txt"]
    assert pyremotedata_workspace.path("l1.txt").read_text() == "local one"
    assert "l1.txt" in pyremotedata_workspace.path(INDEX_NAME).read_text().splitlines()
    time.sleep(1.1)
    write(pyremotedata_workspace.path("r1.txt"), "changed remotely")
    write(local / "dir" / "l2.txt", "local two")
    result = io.sync(str(local), direction="both")
    assert result.uploaded == ["dir/l2.txt"] and result.downloaded == ["r1.txt"]
    assert result == ["dir/l2.txt", "r1.txt"]
    assert (local / "r1.txt").read_text() == "changed remotely"
    write(local / "stray.txt", "only here")
    pyremotedata_workspace.path("l1.txt").unlink()
    result = io.sync(str(local), direction="down", replace_local=True)
    assert "stray.txt" in result.deleted and "l1.txt" in result.deleted
    assert files_under(local) == ["dir/l2.txt", "dir/r2.txt", "r1.txt"]
    with pytest.raises(ValueError):
        io.sync(str(local), direction="sideways")


def test_sync_refuses_the_remote_root_unless_allowed(pyremotedata_io, pyremotedata_workspace, tmp_path) -> None:
    io = pyremotedata_io
    write(pyremotedata_workspace.path("sub/s.txt"), "s")
    io.cd("sub")
    assert io.sync() == ["s.txt"]  # default destination: <lpwd>/<remote directory name>
    assert open(os.path.join(io.lpwd(), "sub", "s.txt")).read() == "s"
    with pytest.raises(ValueError, match="allow_root"):
        io.sync(os.sep)  # the local root
    io.cd("/")
    with pytest.raises(RuntimeError, match="allow_root"):  # upstream's RuntimeError (also a ValueError)
        io.sync()
    with pytest.raises(RuntimeError, match="allow_root"):  # a destination given does not lift the guard
        io.sync(str(tmp_path / "whole-server"))
    assert not (tmp_path / "whole-server").exists()


def test_sync_progress_bar(pyremotedata_io, pyremotedata_workspace, tmp_path, capsys) -> None:
    for index in range(5):
        write(pyremotedata_workspace.path(f"p{index}.txt"), "x")
    result = pyremotedata_io.sync(str(tmp_path / "p"), progress=True, batch_size=2)
    assert len(result.downloaded) == 5
    assert "Downloading" in capsys.readouterr().err


def test_clean_start_stop_and_clean_on_exit(pyremotedata_workspace, tmp_path) -> None:
    local = tmp_path / "scratch"
    local.mkdir()
    write(local / "old" / "file.txt", "x")
    handler = IOHandler(local_dir=str(local), clean=True, **pyremotedata_workspace.mount_kwargs())
    assert handler.start() is handler and handler.mounted
    handler.clean()
    assert os.listdir(local) == []
    write(local / "again.txt", "x")
    handler.stop()
    assert not handler.mounted and os.listdir(local) == []
    confirm = IOHandler(local_dir=str(local), user_confirmation=True, **pyremotedata_workspace.mount_kwargs())
    write(local / "keep.txt", "x")
    with confirm:
        confirm.clean()  # no terminal to confirm on: nothing is deleted
    assert os.listdir(local) == ["keep.txt"]


def test_a_slow_upload_that_keeps_moving_outlives_the_transfer_timeout(pyremotedata_workspace, tmp_path) -> None:
    """transfer_timeout counts seconds without progress, for uploads as for downloads."""
    payload = os.urandom(1_200_000)
    (tmp_path / "slow.bin").write_bytes(payload)
    kwargs = pyremotedata_workspace.mount_kwargs(transfer_timeout=2, timeout=2,
                                                 lftp_settings={"net:limit-rate": "300000"})
    with IOHandler(local_dir=str(tmp_path / "local"), **kwargs) as io:
        began = time.monotonic()
        io.put(str(tmp_path / "slow.bin"), "slow.bin")
        took = time.monotonic() - began
    assert took > 2.5  # really slower than the timeout
    assert pyremotedata_workspace.path("slow.bin").read_bytes() == payload


def test_updating_a_missing_index_writes_the_whole_directory(pyremotedata_io, pyremotedata_workspace) -> None:
    for relative in ("a/1.jpg", "a/2.jpg", "b/3.jpg"):
        pyremotedata_workspace.path(relative).parent.mkdir(parents=True, exist_ok=True)
        pyremotedata_workspace.path(relative).write_bytes(b"x")
    assert not pyremotedata_workspace.path(INDEX_NAME).exists()
    merged = pyremotedata_io.update_file_index(["c/new.jpg"])
    assert merged == ["a/1.jpg", "a/2.jpg", "b/3.jpg", "c/new.jpg"]
    assert pyremotedata_workspace.path(INDEX_NAME).read_text().split() == merged
    assert pyremotedata_io.get_file_index() == merged
