"""A corpus of hostile file names round-trips through upload, listing and download, and none of
them runs a command or is read as an option."""
from __future__ import annotations

import os

import pytest

from pyremotedata.implicit_mount import IOHandler, RemotePathIterator

from .conftest import files_under

CORPUS = [
    "plain.txt", "with space.txt", " leading space", "trailing space ", 'double"quote', "single'quote",
    "semi;colon", "amp&ersand", "&& both", "pi|pe", "|| or", "dollar$(touch PWNED)", "back`touch PWNED`tick",
    "new\nline", "two\nnew\nlines", "-leading-dash", "--double-dash", "-rf", "!bang", "!touch PWNED", "star*",
    "question?", "br[ack]et", "]closing", "back\\slash", "trailing\\", "tilde~", "~home", "hash#", "#comment",
    "percent%20", "colon:name", "file:url", "gt>redirect", "lt<", "tab\tname", "cr\rname", "ünïcødé ✓",
    "\U0001F600 emoji", 'a\\"\\!mix', "(paren)", "{brace}", "'", '"', "-", "--", "...dots",
]


def content(name: str) -> bytes:
    return ("content of " + name).encode("utf-8")


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in CORPUS:
        (folder / name).write_bytes(content(name))
    return folder


@pytest.fixture
def quiet_cwd(tmp_path, monkeypatch):
    """lftp's working directory: a shell command hidden in a name would create files here."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def assert_same_tree(left, right) -> None:
    assert files_under(left) == files_under(right)
    for relative in files_under(left):
        assert (left / relative).read_bytes() == (right / relative).read_bytes(), relative


def test_corpus_round_trips_through_mirror_listing_and_download(pyremotedata_workspace, corpus_dir, quiet_cwd,
                                                                 tmp_path) -> None:
    local = tmp_path / "local"
    local.mkdir()
    with IOHandler(local_dir=str(local), **pyremotedata_workspace.mount_kwargs()) as io:
        io.upload(str(corpus_dir), "up")
        assert_same_tree(corpus_dir, pyremotedata_workspace.path("up"))
        assert sorted(io.ls("up")) == sorted(f"up/{name}" for name in CORPUS)
        io.cd("up")
        assert sorted(io.ls()) == sorted(CORPUS)
        assert sorted(io.ls(recursive=True)) == sorted(CORPUS)
        for name in CORPUS:
            assert io.exists(name), name
            assert io.pathtype(name) == 1
        assert not io.exists("PWNED")
        io.cd("..")
        io.download("up", str(tmp_path / "down"))
        assert_same_tree(corpus_dir, tmp_path / "down")
        got = io.get([f"up/{name}" for name in CORPUS], str(tmp_path / "got"))
        assert sorted(os.path.basename(path) for path in got) == sorted(CORPUS)
        assert_same_tree(corpus_dir, tmp_path / "got")
    assert os.listdir(quiet_cwd) == []
    assert sorted(os.listdir(pyremotedata_workspace.path())) == ["up"]


def test_corpus_round_trips_one_file_at_a_time(pyremotedata_io, pyremotedata_workspace, corpus_dir, quiet_cwd,
                                               tmp_path) -> None:
    io = pyremotedata_io
    root = io.pwd()
    for name in CORPUS:
        assert io.put(str(corpus_dir / name), name) == f"{root}/{name}"
    assert_same_tree(corpus_dir, pyremotedata_workspace.path())
    single = tmp_path / "single"
    single.mkdir()
    for name in CORPUS:
        assert io.get(name, str(single / name)) == str(single / name)
        assert io.download(name, str(single / "copy"), engine="lftp") == str(single / "copy" / name)
    for name in CORPUS:
        assert (single / name).read_bytes() == content(name)
        assert (single / "copy" / name).read_bytes() == content(name)
    io.rm(CORPUS)
    assert os.listdir(pyremotedata_workspace.path()) == []
    assert os.listdir(quiet_cwd) == []


def test_corpus_through_mput_mget_and_the_sftp_engine(pyremotedata_io, pyremotedata_workspace, corpus_dir,
                                                      quiet_cwd, tmp_path) -> None:
    io = pyremotedata_io
    io.mput([str(corpus_dir / name) for name in CORPUS], "m")
    assert_same_tree(corpus_dir, pyremotedata_workspace.path("m"))
    fetched = io.mget([f"m/{name}" for name in CORPUS], str(tmp_path / "mget"))
    assert sorted(fetched) == sorted(str(tmp_path / "mget" / name) for name in CORPUS)
    assert_same_tree(corpus_dir, tmp_path / "mget")
    # one ssh connection per file: a representative few (the batch language has no newline either)
    for name in ["with space.txt", 'a\\"\\!mix', "single'quote", "star*", "question?", "br[ack]et",
                 "-leading-dash", "#comment", "trailing\\", "ünïcødé ✓"]:
        target = tmp_path / "sftp" / name
        assert io.download(f"m/{name}", str(tmp_path / "sftp"), engine="sftp") == str(target)
        assert target.read_bytes() == content(name)
    assert os.listdir(quiet_cwd) == []


def test_corpus_streams_through_the_iterator(pyremotedata_io, pyremotedata_workspace, corpus_dir, quiet_cwd) -> None:
    for name in CORPUS:
        (pyremotedata_workspace.path("a")).mkdir(exist_ok=True)
        (pyremotedata_workspace.path("a") / name).write_bytes(content(name))
        (pyremotedata_workspace.path("b")).mkdir(exist_ok=True)
        (pyremotedata_workspace.path("b") / name).write_bytes(content("b/" + name))
    indexable = [name for name in CORPUS if "\n" not in name]  # the index holds one path per line
    seen = {}
    for local, remote in RemotePathIterator(pyremotedata_io, batch_size=7, clear_local=False):
        seen[remote] = open(local, "rb").read()
    assert sorted(seen) == sorted([f"a/{n}" for n in indexable] + [f"b/{n}" for n in indexable])
    for name in indexable:
        assert seen[f"a/{name}"] == content(name) and seen[f"b/{name}"] == content("b/" + name)
    assert os.listdir(quiet_cwd) == []


DIRECTORY_NAMES = ["Acer [maple]", "st*ar", "q?m", "back\\sl", "~home", "-dash", "semi;colon", "with space",
                   "dollar$(touch PWNED)", "!bang", "br[a]c", "colon:dir"]


def test_hostile_directory_names_through_index_listing_iterator_sync_and_du(pyremotedata_io, pyremotedata_workspace,
                                                                           tmp_path, quiet_cwd) -> None:
    """Folder names (not only file names) with glob characters, '~', '-', shell syntax."""
    io = pyremotedata_io
    expected = {}
    source = tmp_path / "src"
    for index, name in enumerate(DIRECTORY_NAMES):
        relative = f"{name}/train/{index}.jpg"
        (source / name / "train").mkdir(parents=True)
        (source / relative).write_bytes(content(relative))
        expected[relative] = content(relative)
    io.upload(str(source), "ds")
    assert files_under(pyremotedata_workspace.path("ds")) == sorted(expected)
    io.cd("ds")
    assert sorted(io.ls(recursive=True)) == sorted(expected)
    for name in DIRECTORY_NAMES:
        assert io.exists(name), name
        assert io.pathtype(name) == 2, name
        assert io.exists(f"{name}/train"), name
        assert io.pathtype(f"{name}/train/{DIRECTORY_NAMES.index(name)}.jpg") == 1, name
        assert sorted(io.ls(f"{name}/train")) == [f"{name}/train/{DIRECTORY_NAMES.index(name)}.jpg"], name
    assert not io.exists("Acer m") and not io.exists("star")
    assert sorted(io.get_file_index(override=True)) == sorted(expected)
    seen = {remote: open(local, "rb").read() for local, remote in RemotePathIterator(io, batch_size=5)}
    assert seen == expected
    sizes = io.du(".")
    assert sizes and all(value >= 0 for value in sizes.values())
    result = io.sync(str(tmp_path / "copy"), direction="down")
    assert sorted(result) == sorted(result.downloaded) == sorted(expected)
    assert all((tmp_path / "copy" / rel).read_bytes() == data for rel, data in expected.items())
    assert os.listdir(quiet_cwd) == []
