"""Utilities calls against the emulator: return shapes, wire fields and the server's error headers."""
from __future__ import annotations

import hashlib
import io
import os
import stat as stat_module

import pytest

import firecrest as fc

HOME = "/home/test_user"


def _last(emu, command):
    return [e for e in emu.app.exchanges if e.path == f"/utilities/{command}"][-1]


def test_list_files_entry_shape_hidden_and_recursive(client, emu) -> None:
    client.mkdir("cluster", f"{HOME}/dir/sub", p=True)
    client.simple_upload("cluster", io.BytesIO(b"x" * 10), f"{HOME}/dir", "file.txt")
    client.simple_upload("cluster", io.BytesIO(b"secret"), HOME, ".hidden")
    names = [e["name"] for e in client.list_files("cluster", HOME)]
    assert names == ["dir"]
    assert [e["name"] for e in client.list_files("cluster", HOME, show_hidden=True)] == [".hidden", "dir"]
    entries = client.list_files("cluster", HOME, recursive=True)
    assert [e["name"] for e in entries] == ["dir", "dir/file.txt", "dir/sub"]
    entry = entries[1]
    assert set(entry) == {"name", "type", "link_target", "user", "group", "permissions", "last_modified", "size"}
    assert (entry["type"], entry["size"], entry["user"], entry["permissions"]) == ("-", "10", "test_user", "rw-r--r--")
    sent = _last(emu, "ls")
    assert sent.args == {"targetPath": [HOME], "recursive": ["True"]}
    assert sent.headers["X-Machine-Name"] == "cluster"
    assert sent.headers["Authorization"].startswith("Bearer ")


def test_mkdir_mv_copy_symlink_return_the_target_path(client, emu) -> None:
    assert client.mkdir("cluster", f"{HOME}/a") == f"{HOME}/a"
    assert _last(emu, "mkdir").form == {"targetPath": [f"{HOME}/a"]}  # no `p` unless asked
    assert client.mkdir("cluster", f"{HOME}/x/y", p=True) == f"{HOME}/x/y"
    assert _last(emu, "mkdir").form["p"] == ["True"]
    client.simple_upload("cluster", io.BytesIO(b"hello"), f"{HOME}/a", "f.txt")
    assert client.copy("cluster", f"{HOME}/a/f.txt", f"{HOME}/a/g.txt") == f"{HOME}/a/g.txt"
    assert client.mv("cluster", f"{HOME}/a/g.txt", f"{HOME}/x/h.txt") == f"{HOME}/x/h.txt"
    assert client.symlink("cluster", f"{HOME}/x/h.txt", f"{HOME}/link") == f"{HOME}/x/h.txt"
    link = [e for e in client.list_files("cluster", HOME) if e["name"] == "link"][0]
    assert (link["type"], link["link_target"]) == ("l", f"{HOME}/x/h.txt")
    assert client.view("cluster", f"{HOME}/link") == "hello"
    assert _last(emu, "rename").method == "PUT"


def test_chmod_chown_stat_and_file_type(client, emu) -> None:
    client.simple_upload("cluster", io.BytesIO(b"#!/bin/bash\necho hi\n"), HOME, "run.sh")
    assert client.chmod("cluster", f"{HOME}/run.sh", "755") is None
    info = client.stat("cluster", f"{HOME}/run.sh")
    assert set(info) == {"mode", "ino", "dev", "nlink", "uid", "gid", "size", "atime", "mtime", "ctime"}
    assert stat_module.S_IMODE(info["mode"]) == 0o755 and stat_module.S_ISREG(info["mode"])
    assert (info["uid"], info["size"]) == (1000, 20)
    assert client.chown("cluster", f"{HOME}/run.sh", group="project") is None
    assert _last(emu, "chown").form == {"targetPath": [f"{HOME}/run.sh"], "group": ["project"]}
    assert client.stat("cluster", f"{HOME}/run.sh")["gid"] == 2000
    before = len(emu.app.exchanges)
    assert client.chown("cluster", f"{HOME}/run.sh") is None  # nothing to change: nothing sent
    assert len(emu.app.exchanges) == before
    assert client.file_type("cluster", f"{HOME}/run.sh") == "Bourne-Again shell script, ASCII text executable"
    assert client.file_type("cluster", HOME) == "directory"
    client.symlink("cluster", f"{HOME}/run.sh", f"{HOME}/ln")
    assert stat_module.S_ISLNK(client.stat("cluster", f"{HOME}/ln")["mode"])
    assert stat_module.S_ISREG(client.stat("cluster", f"{HOME}/ln", dereference=True)["mode"])
    assert _last(emu, "stat").args["dereference"] == ["True"]


def test_head_tail_view_checksum(client, emu) -> None:
    text = "".join(f"line {i}\n" for i in range(1, 21))
    client.simple_upload("cluster", io.BytesIO(text.encode()), HOME, "lines.txt")
    path = f"{HOME}/lines.txt"
    assert client.head("cluster", path) == "".join(f"line {i}\n" for i in range(1, 11))
    assert _last(emu, "head").args == {"targetPath": [path], "skip_ending": ["False"]}
    assert client.head("cluster", path, lines="2") == "line 1\nline 2\n"
    assert client.head("cluster", path, bytes="4") == "line"
    assert client.head("cluster", path, lines="18", skip_ending=True) == "line 1\nline 2\n"
    assert client.tail("cluster", path, lines="1") == "line 20\n"
    assert client.tail("cluster", path, lines="20", skip_beginning=True) == "line 20\n"
    assert _last(emu, "tail").args["skip_beginning"] == ["True"]
    assert client.view("cluster", path) == text
    assert client.checksum("cluster", path) == hashlib.sha256(text.encode()).hexdigest()


def test_simple_download_and_upload_round_trip(client, tmp_path) -> None:
    payload = os.urandom(200_000)
    local = tmp_path / "in.bin"
    local.write_bytes(payload)
    assert client.simple_upload("cluster", str(local), HOME) is None
    assert client.simple_upload("cluster", local, HOME, filename="renamed.bin") is None
    out = tmp_path / "out.bin"
    assert client.simple_download("cluster", f"{HOME}/renamed.bin", str(out)) is None
    assert out.read_bytes() == payload
    buffer = io.BytesIO()
    client.simple_download("cluster", f"{HOME}/in.bin", buffer)
    assert buffer.getvalue() == payload
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


def test_simple_delete_sends_a_form_body_and_expects_204(client, emu) -> None:
    client.mkdir("cluster", f"{HOME}/gone/deep", p=True)
    assert client.simple_delete("cluster", f"{HOME}/gone") is None
    sent = _last(emu, "rm")
    assert (sent.method, sent.form, sent.status) == ("DELETE", {"targetPath": [f"{HOME}/gone"]}, 204)
    assert client.list_files("cluster", HOME) == []


def test_whoami_and_groups(client) -> None:
    assert client.whoami("cluster") == "test_user"
    assert client.whoami() == "test_user"  # read from the token
    groups = client.groups("cluster")
    assert groups["user"] == {"name": "test_user", "id": "1000"}
    assert groups["group"] == {"name": "test_user", "id": "1000"}
    assert {"name": "project", "id": "2000"} in groups["groups"]


def test_compress_and_extract_make_real_archives(client) -> None:
    client.mkdir("cluster", f"{HOME}/src/inner", p=True)
    client.simple_upload("cluster", io.BytesIO(b"alpha"), f"{HOME}/src", "a.txt")
    client.simple_upload("cluster", io.BytesIO(b"beta"), f"{HOME}/src/inner", "b.txt")
    assert client.compress("cluster", f"{HOME}/src", f"{HOME}/src.tar.gz") == f"{HOME}/src.tar.gz"
    assert client.file_type("cluster", f"{HOME}/src.tar.gz") == "gzip compressed data"
    assert client.extract("cluster", f"{HOME}/src.tar.gz", f"{HOME}/out") == f"{HOME}/out"
    assert client.view("cluster", f"{HOME}/out/src/inner/b.txt") == "beta"


@pytest.mark.parametrize("call, header, message", [
    (lambda c: c.list_files("cluster", "/no/such/dir"), "X-Invalid-Path", "path is an invalid path"),
    (lambda c: c.list_files("cluster", "/root"), "X-Permission-Denied", "User does not have permissions"),
    (lambda c: c.mkdir("cluster", HOME), "X-Exists", "targetPath already exists"),
    (lambda c: c.mv("cluster", f"{HOME}/none", f"{HOME}/x"), "X-Not-Found", "sourcePath not found"),
    (lambda c: c.chmod("cluster", HOME, "abc"), "X-Invalid-Mode", "mode is an invalid mode"),
    (lambda c: c.chown("cluster", HOME, owner="nobody_here"), "X-Invalid-Owner", "owner is an invalid user"),
    (lambda c: c.chown("cluster", HOME, group="nogroup_here"), "X-Invalid-Group", "group is an invalid group"),
    (lambda c: c.checksum("cluster", HOME), "X-A-Directory", "path is a directory"),
    (lambda c: c.list_files("nowhere", HOME), "X-Machine-Does-Not-Exist", "Machine does not exist"),
])
def test_error_headers_raise_header_exception(client, call, header, message) -> None:
    with pytest.raises(fc.HeaderException) as caught:
        call(client)
    error = caught.value
    assert isinstance(error, fc.FirecrestException)
    assert error.header == header
    assert str(error).startswith("last request: 400 {")
    assert str(error).endswith(message) or message in str(error)
    assert error.responses[-1].headers[header]


def test_size_limit_on_view_and_download(client, emu) -> None:
    big = os.urandom(6 * 1024 * 1024)
    emu.app.cluster("cluster").fs.write(f"{HOME}/big.bin", "test_user", __import__(
        "firecrest.testing.blobs", fromlist=["Blob"]).Blob.of(big, emu.app.spool_dir))
    with pytest.raises(fc.HeaderException) as caught:
        client.simple_download("cluster", f"{HOME}/big.bin", io.BytesIO())
    assert caught.value.header == "X-Size-Limit"
    with pytest.raises(fc.HeaderException) as caught:
        client.view("cluster", f"{HOME}/big.bin")
    assert "File exceeds size limit" in str(caught.value)


def test_unavailable_machine(client, emu) -> None:
    emu.app.set_system_status("cluster2", "not available")
    with pytest.raises(fc.HeaderException) as caught:
        client.whoami("cluster2")
    assert caught.value.header == "X-Machine-Not-Available"
    assert client.system("cluster2")["status"] == "not available"
