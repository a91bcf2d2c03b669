"""FcPath (pyfirecrest's ``firecrest.path``) against the emulator: pure parts, listing-derived
modes, symlinks, reads and writes, errors as the OSError subclasses pathlib raises."""
from __future__ import annotations

import hashlib
import os
import stat

import pytest

from firecrest.path import FcPath, MachineDoesNotExist, mode_from_listing

HOME = "/home/test_user"


def test_pure_parts_need_no_server(client) -> None:
    p = FcPath(client, "cluster", f"{HOME}/data/run.tar.gz")
    assert (p.name, p.suffix, p.suffixes, p.stem) == ("run.tar.gz", ".gz", [".tar", ".gz"], "run.tar")
    assert p.parent.path == f"{HOME}/data" and (p.parent / "x").path == f"{HOME}/data/x"
    assert p.with_name("a.txt").path == f"{HOME}/data/a.txt" and p.with_suffix(".zip").name == "run.tar.zip"
    assert os.fspath(p) == str(p) == p.path and p.relpath(HOME) == "data/run.tar.gz"
    assert FcPath(client, "cluster", "/a/./b/../c").resolve().path == "/a/c"
    assert p == FcPath(client, "cluster", p.path) and len({p, FcPath(client, "cluster", p.path)}) == 1
    with pytest.raises(ValueError, match="absolute"):
        FcPath(client, "cluster", "relative/path")


def test_modes_from_listings() -> None:
    assert mode_from_listing("d", "rwxr-x---") == stat.S_IFDIR | 0o750
    assert mode_from_listing("-", "rw-r--r--") == stat.S_IFREG | 0o644
    assert mode_from_listing("-", "rwsr-xr-x") == stat.S_IFREG | stat.S_ISUID | 0o755
    assert mode_from_listing("d", "rwxrwxrwt") == stat.S_IFDIR | stat.S_ISVTX | 0o777
    with pytest.raises(ValueError):
        mode_from_listing("?", "rwxrwxrwx")


def test_files_directories_and_symlinks(client) -> None:
    root = FcPath(client, "cluster", f"{HOME}/fcpath")
    root.mkdir()
    with pytest.raises(FileExistsError):
        root.mkdir()
    root.mkdir(exist_ok=True)
    (root / "deep" / "er").mkdir(parents=True)
    data = os.urandom(20_000)
    (root / "blob.bin").write_bytes(data)
    (root / "notes.txt").write_text("héllo\n")
    assert (root / "blob.bin").read_bytes() == data and (root / "notes.txt").read_text() == "héllo\n"
    assert (root / "blob.bin").checksum() == hashlib.sha256(data).hexdigest()
    assert sorted(child.name for child in root.iterdir()) == ["blob.bin", "deep", "notes.txt"]
    assert (root / "deep").is_dir() and not (root / "deep").is_file() and (root / "blob.bin").is_file()
    info = (root / "blob.bin").stat()
    assert stat.S_ISREG(info.st_mode) and info.st_size == len(data)
    link = root / "link"
    link.symlink_to(str(root / "deep"))
    assert link.is_symlink() and link.is_dir() and stat.S_ISLNK(link.lstat().st_mode)
    assert stat.S_ISDIR(link.stat().st_mode)
    (root / "empty").touch()
    assert (root / "empty").read_bytes() == b""
    (root / "private").touch(mode=0o600)
    (root / "locked").mkdir(mode=0o700)
    assert stat.S_IMODE((root / "private").stat().st_mode) == 0o600
    assert stat.S_IMODE((root / "locked").stat().st_mode) == 0o700 and (root / "locked").is_dir()
    with pytest.raises(FileExistsError):
        (root / "empty").touch(exist_ok=False)
    (root / "blob.bin").chmod(0o600)
    assert stat.S_IMODE((root / "blob.bin").stat().st_mode) == 0o600
    moved = (root / "notes.txt").rename(f"{root.path}/deep/notes.txt")
    assert moved.read_text() == "héllo\n" and not (root / "notes.txt").exists()
    with pytest.raises(IsADirectoryError):
        (root / "deep").unlink()
    with pytest.raises(NotADirectoryError):
        (root / "blob.bin").rmtree()
    (root / "blob.bin").unlink()
    (root / "blob.bin").unlink(missing_ok=True)
    with pytest.raises(FileNotFoundError):
        (root / "blob.bin").unlink()
    root.rmtree()
    assert not root.exists() and not (root / "deep").exists()


def test_missing_paths_and_machines_are_os_errors(client) -> None:
    missing = FcPath(client, "cluster", f"{HOME}/no/such/file")
    assert not missing.exists() and not missing.is_dir() and not missing.is_file()
    with pytest.raises(FileNotFoundError):
        missing.read_bytes()
    with pytest.raises(FileNotFoundError):
        list(missing.iterdir())
    with pytest.raises(MachineDoesNotExist):
        list(FcPath(client, "no-such-machine", HOME).iterdir())


def test_a_cached_path_asks_once(client, emu) -> None:
    root = FcPath(client, "cluster", f"{HOME}/cached", cache_enabled=True)
    root.mkdir()
    (root / "f").write_text("x")
    children = list(root.iterdir())
    before = len(emu.app.exchanges)
    assert [c.is_file() for c in children] == [True] and children[0].is_file()
    assert len(emu.app.exchanges) == before  # the listing already said what it is
    assert "CACHED" in repr(children[0])
