"""ImplicitMount against a real OpenSSH server: session, commands, listings and typed errors."""
from __future__ import annotations

import os
import signal
import time

import pytest

from pyremotedata.errors import (AuthenticationError, HostKeyError, LftpError, LftpProcessError, LftpTimeoutError,
                                 MountError, NotMountedError, RemoteFileNotFoundError, RemotePermissionError)
from pyremotedata.implicit_mount import BENIGN_ERR, ImplicitMount, IOHandler, RemoteType
from pyremotedata.lftp import descendants


def make_files(workspace, files):
    for relative, content in files.items():
        path = workspace.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())


def test_mount_pwd_cd_lcd_and_unmount(pyremotedata_workspace, tmp_path) -> None:
    make_files(pyremotedata_workspace, {"sub/a.txt": "a"})
    mount = ImplicitMount(local_dir=str(tmp_path), **pyremotedata_workspace.mount_kwargs())
    assert not mount.mounted and "not mounted" in repr(mount)
    mount.mount()
    try:
        assert mount.mounted
        assert mount.pwd() == pyremotedata_workspace.remote_dir
        mount.cd("sub")
        assert mount.pwd() == str(pyremotedata_workspace.path("sub"))
        assert mount.ls() == ["a.txt"]
        (tmp_path / "inner").mkdir()
        mount.lcd("inner")
        assert mount.lpwd() == str(tmp_path / "inner")
        assert mount.get("a.txt") == str(tmp_path / "inner" / "a.txt")
        assert mount.lls() == ["a.txt"]
        assert mount.lls(recursive=True) == [os.path.realpath(tmp_path / "inner" / "a.txt")]
        pid = mount.lftp_shell.pid
    finally:
        mount.unmount()
    assert not mount.mounted
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with pytest.raises(NotMountedError):
        mount.unmount()
    with pytest.raises(NotMountedError):
        mount.ls()


def test_constructor_types_and_password_conflict(pyremotedata_workspace, tmp_path, caplog) -> None:
    with pytest.raises(TypeError, match="Expected str"):
        ImplicitMount(user=1, remote="h", local_dir=str(tmp_path))
    with pytest.raises(TypeError):
        ImplicitMount(user="u", remote="h", port="22", local_dir=str(tmp_path))
    with caplog.at_level("WARNING", logger="pyremotedata"):  # upstream ignored them: old callers keep working
        ImplicitMount(user="u", remote="h", local_dir=str(tmp_path), colour="red")
    assert any("ignores unknown keyword argument(s): colour" in r.getMessage() for r in caplog.records)
    mount = ImplicitMount(user="u", password="s3cret", remote="h", local_dir=str(tmp_path))
    assert "s3cret" not in repr(mount)
    with pytest.raises(ValueError, match="connect-program"):
        mount.mount({"sftp:connect-program": "ssh -a -x -i key"})


def test_port_from_uri_and_explicit_port(tmp_path) -> None:
    assert ImplicitMount(user="u", remote="example.org:2022", local_dir=str(tmp_path)).port == 2022
    assert ImplicitMount(user="u", remote="sftp://example.org:2022/", local_dir=str(tmp_path)).port == 2022
    assert ImplicitMount(user="u", remote="example.org:2022", port=22, local_dir=str(tmp_path)).port == 22
    assert ImplicitMount(user="u", remote="example.org", local_dir=str(tmp_path)).port == 2222
    with pytest.raises(ValueError):
        ImplicitMount(user="u", remote="host;rm -rf /", local_dir=str(tmp_path))


def test_format_options_and_execute_false(pyremotedata_io) -> None:
    io = pyremotedata_io
    assert ImplicitMount.format_options(P=5, use_cache=None) == "-P 5 --use-cache"
    assert ImplicitMount.format_options(O="with space") == '-O "with space"'
    assert io.execute_command("mirror src dst", execute=False, default_args={"P": 5}, R=None) == \
        "mirror -P 5 -R src dst"
    assert io.execute_command("pget file", execute=False, blocking=False, output=False, n=3) == "pget -n 3 file &"
    with pytest.raises(ValueError):
        io.execute_command("ls", output=True, blocking=False)
    assert io.get("a b.txt", "x", execute=False) == f'get "a b.txt" -o "{io.lpwd()}/x"'
    assert io.get(["a", "b"], execute=False).startswith("get --parallel=5 ")  # upstream asserted here
    assert io.pget("f", execute=False).startswith('pget -n 5 "f" -o ')
    assert io.mput(["x y"], "dest", execute=False).startswith('mput -P 5 -O "dest" ')
    assert io.rm(["a", "b c"], force=True, execute=False) == 'rm -r -f "a" "b c"'
    assert io.mirror("r", "l", reverse=True, execute=False).startswith("mirror -P 5 --use-cache -R ")


def test_execute_command_output_status_and_benign_chatter(pyremotedata_io) -> None:
    io = pyremotedata_io
    assert io.execute_command("echo hello world") == ["hello world"]
    assert io.execute_command("echo -n no newline") == ["no newline"]
    assert io.execute_command("echo chatter > /dev/stderr") == []  # stderr text, exit status 0: success
    assert io.execute_command("wait") == []  # lftp's benign "wait: no current job"
    assert BENIGN_ERR.search("wait: no current job")
    assert io.execute_command("echo a; echo b") == ["a", "b"]
    assert io.execute_command("echo quiet", output=False) == []  # as upstream: a list, not None
    with pytest.raises(LftpError) as caught:
        io.execute_command("no-such-command")
    assert "no-such-command" in caught.value.command
    assert caught.value.stderr


def test_a_timeout_reports_only_its_own_command_s_messages(pyremotedata_io) -> None:
    io = pyremotedata_io
    with pytest.raises(RemoteFileNotFoundError):
        io.get("earlier-missing-file.bin")  # lftp's complaint about this belongs to this command
    with pytest.raises(LftpTimeoutError) as caught:
        io.execute_command("!sleep 5", timeout=1)
    assert "earlier-missing-file" not in str(caught.value) and "earlier-missing-file" not in caught.value.stderr
    io.remount()
    assert io.pwd()


def test_missing_files_raise_typed_errors_naming_command_and_message(pyremotedata_io) -> None:
    io = pyremotedata_io
    with pytest.raises(RemoteFileNotFoundError) as caught:
        io.get("does-not-exist.bin")
    error = caught.value
    assert isinstance(error, FileNotFoundError) and isinstance(error, LftpError)
    assert "does-not-exist.bin" in error.command and "No such file" in error.stderr
    assert "lftp said" in str(error)
    with pytest.raises(RemoteFileNotFoundError):
        io.cd("nowhere")
    with pytest.raises(RemoteFileNotFoundError):
        io.rm("nothing-here")
    io.rm("nothing-here", force=True)  # -f: missing is fine


def test_permission_errors_are_typed(pyremotedata_io, pyremotedata_workspace, pyremotedata_sshd) -> None:
    if pyremotedata_sshd.password_user is None:
        pytest.fail("these tests run as root in CI; the password user is created there")
    with IOHandler(local_dir=pyremotedata_io.lpwd(), **pyremotedata_sshd.mount_kwargs(password=True)) as other:
        with pytest.raises(RemotePermissionError) as caught:
            other.get(pyremotedata_sshd.key_path)  # root's 0600 file, read by another user
        assert isinstance(caught.value, PermissionError)
        with pytest.raises(RemotePermissionError):
            other.mkdir(pyremotedata_workspace.remote_dir + "/not-yours", parents=False)


def test_ls_exists_pathtype_and_du(pyremotedata_io, pyremotedata_workspace) -> None:
    make_files(pyremotedata_workspace, {"name.txt": "12345", "sub/aname.txt": "1", "sub/deeper/x.bin": b"\0" * 10})
    io = pyremotedata_io
    assert io.ls() == ["name.txt", "sub/"]
    assert io.ls("sub") == ["sub/aname.txt", "sub/deeper/"]
    assert io.ls(recursive=True) == ["name.txt", "sub/aname.txt", "sub/deeper/x.bin"]
    assert io.exists("name.txt") and io.exists("sub") and io.exists("sub/deeper/x.bin")
    # upstream globbed "*name": names that merely end the same way matched
    assert not io.exists("ame.txt") and not io.exists("sub/name.txt") and not io.exists("sub/deep")
    assert io.exists("sub", mode="dir") and not io.exists("sub", mode="file")
    assert io.exists("name.txt", mode="f") and not io.exists("name.txt", mode="d")
    assert io.pathtype("name.txt") is RemoteType.FILE
    assert io.pathtype("sub") is RemoteType.DIRECTORY
    assert io.pathtype("missing") is RemoteType.MISSING
    assert io.pathtype(".") is RemoteType.DIRECTORY
    assert RemoteType(None) is RemoteType.NONE and RemoteType("file") is RemoteType.FILE
    assert RemoteType("Directory") is RemoteType.DIRECTORY and RemoteType(2) is RemoteType.DIRECTORY
    assert io.du("sub", all=True) == {"sub/aname.txt": 1, "sub/deeper/x.bin": 10, "sub/deeper": 10, "sub": 11}
    assert io.du("name.txt") == {"name.txt": 5}
    assert io.du(".")["."] == 16
    assert io.du("sub", bytes=False)["sub"] == 1


def test_rm_applies_flags_to_every_path_mkdir_mv(pyremotedata_io, pyremotedata_workspace) -> None:
    make_files(pyremotedata_workspace, {"d1/x": "x", "d2/y": "y", "f": "f", "g h": "g"})
    io = pyremotedata_io
    io.rm(["d1", "d2", "f"], force=True)  # upstream: "rm -r -f d1 & rm d2 & rm f"
    assert sorted(os.listdir(pyremotedata_workspace.path())) == ["g h"]
    io.mkdir("new/deep/dir")
    io.mkdir("new/deep/dir")  # existing is fine
    assert pyremotedata_workspace.path("new/deep/dir").is_dir()
    io.mv("g h", "new/g h moved")
    assert pyremotedata_workspace.path("new/g h moved").read_text() == "g"
    with pytest.raises(ValueError):
        io.rm("/")
    with pytest.raises(ValueError):
        io.rm(".", force=True)


def test_password_authentication(pyremotedata_sshd, tmp_path) -> None:
    if pyremotedata_sshd.password_user is None:
        pytest.fail("password tests need root (CI runs as root)")
    kwargs = pyremotedata_sshd.mount_kwargs(password=True)
    with IOHandler(local_dir=str(tmp_path), **kwargs) as io:
        assert io.pwd() == pyremotedata_sshd.password_dir
        (tmp_path / "p.txt").write_text("via password")
        io.put(str(tmp_path / "p.txt"), "p.txt")
        assert open(os.path.join(pyremotedata_sshd.password_dir, "p.txt")).read() == "via password"
        assert kwargs["password"] not in repr(io)
    wrong = dict(kwargs, password="not-the-password")
    with pytest.raises(AuthenticationError) as caught:
        IOHandler(local_dir=str(tmp_path), connect_timeout=20, **wrong).mount()
    assert "not-the-password" not in str(caught.value)
    assert isinstance(caught.value, MountError) and isinstance(caught.value, RuntimeError)


def test_wrong_key_is_an_authentication_error(pyremotedata_workspace, tmp_path) -> None:
    import subprocess
    key = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    kwargs = pyremotedata_workspace.mount_kwargs()
    kwargs["ssh_options"] = [o if not o.startswith("IdentityFile=") else f"IdentityFile={key}"
                             for o in kwargs["ssh_options"]]
    with pytest.raises(AuthenticationError):
        ImplicitMount(local_dir=str(tmp_path), connect_timeout=20, **kwargs).mount()


def test_unknown_host_key_is_refused(pyremotedata_workspace, tmp_path) -> None:
    kwargs = pyremotedata_workspace.mount_kwargs()
    empty = tmp_path / "empty_known_hosts"
    empty.write_text("")
    kwargs["ssh_options"] = [o if not o.startswith("UserKnownHostsFile=") else f"UserKnownHostsFile={empty}"
                             for o in kwargs["ssh_options"]]
    with pytest.raises(HostKeyError):
        ImplicitMount(local_dir=str(tmp_path), connect_timeout=20, **kwargs).mount()


def test_nothing_listening_is_a_mount_error(pyremotedata_workspace, tmp_path) -> None:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kwargs = dict(pyremotedata_workspace.mount_kwargs(), port=port)
    started = time.monotonic()
    with pytest.raises(MountError) as caught:
        ImplicitMount(local_dir=str(tmp_path), connect_timeout=30, **kwargs).mount()
    assert time.monotonic() - started < 30  # lftp's own retries are bounded
    assert str(port) in str(caught.value)


def test_hung_lftp_times_out_and_the_mount_can_be_reestablished(pyremotedata_io) -> None:
    io = pyremotedata_io
    io.timeout = 1.5
    process = io.lftp_shell
    os.kill(process.pid, signal.SIGSTOP)
    try:
        with pytest.raises(LftpTimeoutError) as caught:
            io.ls()
    finally:
        try:
            os.kill(process.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert isinstance(caught.value, TimeoutError)
    assert "cls" in caught.value.command and "1.5 s" in str(caught.value)
    assert process.poll() is not None  # the hung process was stopped
    with pytest.raises(LftpProcessError):
        io.pwd()
    io.remount()
    io.timeout = 60
    assert io.pwd() and io.ls() == []


def test_hung_ssh_is_detected_by_the_command_timeout(pyremotedata_io, pyremotedata_workspace) -> None:
    make_files(pyremotedata_workspace, {"f.txt": "x"})
    io = pyremotedata_io
    io.ls()  # make sure the ssh connection exists
    ssh = [pid for pid in descendants(io.lftp_shell.pid)]
    assert ssh
    for pid in ssh:
        os.kill(pid, signal.SIGSTOP)
    io.timeout = 2
    try:
        with pytest.raises(LftpTimeoutError):
            io.ls(use_cache=False)
    finally:
        for pid in ssh:
            try:
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    io.timeout = 60
    io.ensure_mounted()
    assert io.ls() == ["f.txt"]


def test_dead_lftp_is_reported_then_remounted_in_the_same_directory(pyremotedata_io, pyremotedata_workspace) -> None:
    make_files(pyremotedata_workspace, {"sub/f.txt": "x"})
    io = pyremotedata_io
    io.cd("sub")
    io.lftp_shell.kill()
    io.lftp_shell.wait()
    with pytest.raises(LftpProcessError, match="exited"):
        io.ls()
    io.ensure_mounted()
    assert io.pwd() == str(pyremotedata_workspace.path("sub"))
    assert io.ls() == ["f.txt"]


def test_killed_ssh_connection_is_recovered_by_lftp(pyremotedata_io, pyremotedata_workspace) -> None:
    make_files(pyremotedata_workspace, {"f.txt": "x"})
    io = pyremotedata_io
    io.ls()
    for pid in descendants(io.lftp_shell.pid):
        os.kill(pid, signal.SIGKILL)
    assert io.ls(use_cache=False) == ["f.txt"]  # lftp reconnects on its own
