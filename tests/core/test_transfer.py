"""Streaming downloads (atomic, resumable, verified) and uploads (streamed, with progress)."""
from __future__ import annotations

import hashlib
import io
import os

import pytest

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import ChecksumMismatchError, HttpNotFoundError, TransferError
from archfx_cloud.api.retry import RetryPolicy
from archfx_cloud.testing.demo import DemoApp, blob_sha256
from archfx_cloud.testing.faults import FaultInjector
from archfx_cloud.testing.server import LocalServer

MiB = 1024 * 1024


def _blob_requests(environ):
    return environ["PATH_INFO"].startswith("/blob/")


def test_interrupted_200_mib_download_resumes_with_the_right_sha256(tmp_path, sleeps):
    size = 200 * MiB
    injector = FaultInjector(DemoApp(), schedule=["truncate", "truncate", None], only=_blob_requests,
                             truncate_fraction=0.4)
    seen, ranges = [], []

    def recording(environ, start_response):
        ranges.append(environ.get("HTTP_RANGE"))
        return injector(environ, start_response)

    with LocalServer(recording) as server, RestClient(server.url, retries=RetryPolicy(sleep=sleeps)) as c:
        dest = tmp_path / "blob.bin"
        c.blob(size).download(dest, checksum=f"sha256:{blob_sha256(size)}",
                              progress=lambda done, total: seen.append((done, total)))
    assert dest.stat().st_size == size
    assert injector.stats["truncate"] == 2
    assert seen[-1] == (size, size)
    assert [p.name for p in tmp_path.iterdir()] == ["blob.bin"]
    # resumed where each attempt stopped, not restarted from byte 0
    assert ranges[0] is None and len(ranges) == 3
    offsets = [int(r[len("bytes="):-1]) for r in ranges[1:]]
    assert all(r.startswith("bytes=") and r.endswith("-") for r in ranges[1:])
    assert 0 < offsets[0] < offsets[1] < size


def test_download_that_fails_for_good_leaves_nothing(tmp_path, sleeps):
    injector = FaultInjector(DemoApp(), schedule=["truncate"], only=_blob_requests)
    with LocalServer(injector) as server, RestClient(server.url, retries=RetryPolicy(sleep=sleeps)) as c:
        with pytest.raises(TransferError):
            c.blob(3 * MiB).download(tmp_path / "x.bin", max_resumes=2)
    assert list(tmp_path.iterdir()) == []


def test_failed_download_keeps_the_previous_file(tmp_path, client):
    dest = tmp_path / "keep.bin"
    dest.write_bytes(b"previous")
    with pytest.raises(HttpNotFoundError):
        client.nothing.here.download(dest)
    with pytest.raises(ChecksumMismatchError):
        client.blob(1000).download(dest, checksum="sha256:" + "0" * 64)
    assert dest.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.bin"]


def test_download_to_a_file_object_and_md5(client):
    buffer = io.BytesIO()
    data_md5 = hashlib.md5(bytes(range(256)) * 40).hexdigest()
    client.blob(10240).download(buffer, checksum=("md5", data_md5))
    assert buffer.getvalue() == bytes(range(256)) * 40


def test_download_into_a_missing_directory_is_a_clear_error(client, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        client.blob(10).download(tmp_path / "no" / "such" / "dir.bin")


def test_bad_checksum_spec(client, tmp_path):
    with pytest.raises(ValueError):
        client.blob(10).download(tmp_path / "a", checksum="nonsense")
    with pytest.raises(ValueError):
        client.blob(10).download(tmp_path / "a", checksum="whirl:abc")
    assert list(tmp_path.iterdir()) == []


def test_streamed_multipart_upload_from_path_with_progress(client, tmp_path):
    path = tmp_path / "up.bin"
    payload = os.urandom(3 * MiB + 17)
    path.write_bytes(payload)
    progress = []
    answer = client.sink.upload(path, fields={"kind": "test"}, progress=lambda d, t: progress.append((d, t)))
    assert answer == {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest(), "filename": "up.bin",
                      "fields": {"kind": ["test"]}, "multipart": True}
    assert progress[-1][0] == progress[-1][1] and len(progress) > 3


def test_raw_upload_from_file_object(client):
    payload = os.urandom(MiB)
    answer = client.sink.upload(io.BytesIO(payload), multipart=False, method="PUT")
    assert answer["size"] == MiB and answer["sha256"] == hashlib.sha256(payload).hexdigest()


def test_upload_tuple_form_and_quoting(client):
    answer = client.sink.upload(('we"ird\nname.mp', io.BytesIO(b"abc")))
    assert answer["size"] == 3 and answer["filename"] == 'we"ird%0Aname.mp'  # the quote survives, the newline cannot break the header


def test_upload_errors_are_clear(client, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        client.sink.upload(tmp_path / "missing.bin")
    with pytest.raises(TypeError, match="binary"):
        client.sink.upload(io.StringIO("text"))
    with pytest.raises(TypeError):
        client.sink.upload(12345)


def test_upload_memory_stays_bounded(client, tmp_path):
    import tracemalloc
    path = tmp_path / "big.bin"
    with open(path, "wb") as fh:
        fh.truncate(64 * MiB)
    tracemalloc.start()
    answer = client.sink.upload(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert answer["size"] == 64 * MiB
    assert peak < 8 * MiB


def test_download_memory_stays_bounded(client, tmp_path):
    import tracemalloc
    size = 64 * MiB
    tracemalloc.start()
    client.blob(size).download(tmp_path / "big.bin", checksum=f"sha256:{blob_sha256(size)}")
    peak = tracemalloc.get_traced_memory()[1]  # client and the in-process server together
    tracemalloc.stop()
    assert (tmp_path / "big.bin").stat().st_size == size
    assert peak < 8 * MiB


def test_a_bar_is_drawn_when_stderr_is_a_terminal(client, tmp_path, monkeypatch, capsys):
    from archfx_cloud.api import progress as progress_module

    monkeypatch.setattr(progress_module, "bar_by_default", lambda: True)
    client.blob(3 * MiB).download(tmp_path / "bar.bin")  # progress=None: a bar on a terminal
    drawn = capsys.readouterr().err
    assert "100%" in drawn and "3.00M" in drawn, drawn
    monkeypatch.setattr(progress_module, "bar_by_default", lambda: False)
    client.blob(3 * MiB).download(tmp_path / "quiet.bin")
    assert "100%" not in capsys.readouterr().err


def test_bars_are_drawn_by_default_on_a_terminal_and_in_jupyter(monkeypatch):
    import sys
    import types

    from archfx_cloud.api.progress import bar_by_default

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert bar_by_default() is False  # a log file, a CI job
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert bar_by_default() is True
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    assert bar_by_default() is True  # a notebook: stderr is no terminal, tqdm.auto draws a widget


@pytest.mark.parametrize("multipart", [True, False])
def test_streamed_uploads_carry_a_content_length(client, multipart):
    payload = b"0123456789" * 5000
    answer = client.echo.upload(io.BytesIO(payload), multipart=multipart, method="PUT")
    assert "Transfer-Encoding" not in answer["headers"]
    length = int(answer["headers"]["Content-Length"])
    assert length == len(payload) if not multipart else length > len(payload)


def test_download_to_dev_null_writes_in_place(client):
    import stat
    before = os.stat("/dev/null")
    assert client.blob(100_000).download("/dev/null") == "/dev/null"
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_download_to_a_fifo_streams_into_it(client, tmp_path):
    import threading
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    client.blob(300_000).download(fifo)
    reader.join(10)
    assert len(received[0]) == 300_000 and fifo.is_fifo()


def test_download_onto_a_directory_is_a_clear_error(client, tmp_path):
    with pytest.raises(IsADirectoryError):
        client.blob(10).download(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_atomic_open_keeps_the_previous_file_on_failure(tmp_path):
    from archfx_cloud.api.transfer import atomic_open
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as out:
            out.write(b"half")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with atomic_open(target) as out:
        out.write(b"new")
    assert target.read_bytes() == b"new"
    assert (target.stat().st_mode & 0o777) == 0o666 & ~_umask()
    with atomic_open("/dev/null") as out:
        out.write(b"discarded")
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
