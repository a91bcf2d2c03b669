"""A throw-away OpenSSH server on 127.0.0.1 serving SFTP: pyremotedata's "emulator" is the real thing.

    from pyremotedata.testing.sshd import LocalSFTPServer
    from pyremotedata.implicit_mount import IOHandler

    with LocalSFTPServer() as server:
        with IOHandler(**server.mount_kwargs(), local_dir="/tmp/x") as io:
            io.upload("some/folder")

Everything lives in a private temporary directory: host and client keys generated for this
server, its own ``sshd_config`` (``internal-sftp`` only, no shell, no forwarding), its own
``known_hosts`` and data directory. Nothing reads or writes ``~/.ssh`` or the machine's sshd
configuration. With ``password_user=True`` (root only) a temporary system user with a random
password is created for password-authentication tests and deleted on :meth:`stop`.
"""
from __future__ import annotations

import atexit
import getpass
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from typing import Dict, List, Optional

SSHD_CANDIDATES = ("/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd")
INSTALL_HINT = ("install OpenSSH server and lftp, e.g. 'apt-get install openssh-server lftp' "
                "(Debian/Ubuntu), 'dnf install openssh-server lftp' or 'brew install lftp'")


class SSHDUnavailable(RuntimeError):
    """sshd, ssh-keygen or lftp is missing; the message says what to install."""


def find_sshd() -> Optional[str]:
    found = shutil.which("sshd")
    if found:
        return found
    for candidate in SSHD_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def missing_tools() -> List[str]:
    """Names of the programs the SFTP tests and tour need that are not installed."""
    missing = []
    if find_sshd() is None:
        missing.append("sshd (openssh-server)")
    for tool, package in (("ssh-keygen", "openssh-client"), ("ssh", "openssh-client"), ("lftp", "lftp")):
        if shutil.which(tool) is None:
            missing.append(f"{tool} ({package})")
    return missing


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children_of(pid: int) -> List[int]:
    """Direct children of ``pid`` (sshd's per-connection processes), from /proc."""
    found = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(name))
        except (OSError, IndexError, ValueError):
            continue
    return found


class LocalSFTPServer:
    """OpenSSH ``sshd`` on 127.0.0.1 at a free port, with generated keys, serving SFTP."""

    def __init__(self, *, password_user: bool = False, host: str = "127.0.0.1",
                 base_dir: Optional[str] = None) -> None:
        self.host = host
        self.port = 0
        self.user = getpass.getuser()
        self.want_password_user = password_user
        self.password_user: Optional[str] = None
        self.password: Optional[str] = None
        self._base_parent = base_dir
        self.base = ""
        self.data_dir = ""
        self.password_dir = ""
        self.key_path = ""
        self.known_hosts = ""
        self.log_path = ""
        self._process: Optional[subprocess.Popen] = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "LocalSFTPServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> "LocalSFTPServer":
        missing = missing_tools()
        if missing:
            raise SSHDUnavailable(f"cannot start the local SFTP server: missing {', '.join(missing)}; {INSTALL_HINT}")
        parent = self._base_parent or tempfile.gettempdir()
        if any(ch.isspace() for ch in parent):
            parent = "/tmp"
        self.base = tempfile.mkdtemp(prefix="prd-sshd-", dir=parent)
        atexit.register(self.stop)
        try:
            self._prepare_files()
            if self.want_password_user:
                self._create_password_user()
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self, args: List[str], **kwargs: object) -> subprocess.CompletedProcess:
        return subprocess.run(args, check=True, capture_output=True, timeout=60, **kwargs)  # type: ignore[call-overload]

    def _prepare_files(self) -> None:
        base = self.base
        os.chmod(base, 0o711)  # a password user must be able to traverse to its directory
        self.data_dir = os.path.join(base, "data")
        os.makedirs(self.data_dir)
        self._run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "prd-host",
                   "-f", os.path.join(base, "ssh_host_ed25519_key")])
        self.key_path = os.path.join(base, "client_key")
        self._run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "prd-client", "-f", self.key_path])
        shutil.copyfile(self.key_path + ".pub", os.path.join(base, "authorized_keys"))
        self.known_hosts = os.path.join(base, "known_hosts")
        self.log_path = os.path.join(base, "sshd.log")

    def _create_password_user(self) -> None:
        if os.geteuid() != 0:
            raise SSHDUnavailable("a password-authentication user can only be created when running as root")
        name = "prd" + secrets.token_hex(4)
        self.password_dir = os.path.join(self.base, "pwdata")
        os.makedirs(self.password_dir)
        self._run(["useradd", "--no-create-home", "--home-dir", self.password_dir, "--shell", "/usr/sbin/nologin",
                   "--user-group", name])
        self.password_user = name
        self.password = secrets.token_urlsafe(16) + "!;$ "
        self._run(["chpasswd"], input=f"{name}:{self.password}\n".encode())
        entry = pwd.getpwnam(name)
        os.chown(self.password_dir, entry.pw_uid, entry.pw_gid)

    def _config_text(self) -> str:
        base = self.base
        users = " ".join(u for u in (self.user, self.password_user) if u)
        lines = [
            f"Port {self.port}",
            f"ListenAddress {self.host}",
            f"HostKey {base}/ssh_host_ed25519_key",
            f"PidFile {base}/sshd.pid",
            f"AuthorizedKeysFile {base}/authorized_keys",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PermitRootLogin yes",
            f"AllowUsers {users}",
            "Subsystem sftp internal-sftp",
            "ForceCommand internal-sftp",
            "AllowTcpForwarding no",
            "AllowAgentForwarding no",
            "X11Forwarding no",
            "PermitTunnel no",
            "MaxStartups 200",
            "MaxSessions 64",
            "LoginGraceTime 30",
            "LogLevel VERBOSE",
        ]
        if self.password_user:
            lines += [f"Match User {self.password_user}", "    PasswordAuthentication yes",
                      "    PubkeyAuthentication no"]
        return "\n".join(lines) + "\n"

    def _launch(self) -> None:
        sshd = find_sshd()
        assert sshd is not None
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
        last_error = ""
        for _attempt in range(5):
            self.port = _free_port()
            config = os.path.join(self.base, "sshd_config")
            with open(config, "w", encoding="utf-8") as handle:
                handle.write(self._config_text())
            with open(self.log_path, "wb") as log:
                self._process = subprocess.Popen([sshd, "-D", "-e", "-f", config], stdout=log, stderr=log,
                                                 stdin=subprocess.DEVNULL, start_new_session=True)
            if self._wait_listening(timeout=15.0):
                self._write_known_hosts()
                return
            last_error = self._log_tail()
            self._stop_process()
        raise SSHDUnavailable(f"sshd did not start: {last_error}")

    def _wait_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    sock.settimeout(2.0)
                    if sock.recv(64).startswith(b"SSH-"):
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def _write_known_hosts(self) -> None:
        with open(os.path.join(self.base, "ssh_host_ed25519_key.pub"), encoding="utf-8") as handle:
            algorithm, key = handle.read().split()[:2]
        with open(self.known_hosts, "w", encoding="utf-8") as handle:
            handle.write(f"[{self.host}]:{self.port} {algorithm} {key}\n")

    def _log_tail(self) -> str:
        try:
            with open(self.log_path, "r", encoding="utf-8", errors="replace") as handle:
                return handle.read()[-2000:]
        except OSError:
            return ""

    def _stop_process(self) -> None:
        process = self._process
        self._process = None
        if process is None:
            return
        sessions = _children_of(process.pid)
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for child in sessions:
            try:
                os.kill(child, 15)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self) -> None:
        """Stop sshd and its sessions, delete the password user and every file."""
        with self._lock:
            self._stop_process()
            if self.password_user:
                try:
                    subprocess.run(["userdel", self.password_user], capture_output=True, timeout=30, check=False)
                finally:
                    self.password_user = None
            if self.base:
                shutil.rmtree(self.base, ignore_errors=True)
                self.base = ""
        try:
            atexit.unregister(self.stop)
        except Exception:  # atexit may already be running
            pass

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # ------------------------------------------------------------------ what clients need
    def ssh_options(self, with_key: bool = True) -> List[str]:
        """ssh arguments that trust exactly this server and ignore every ssh config file."""
        options = ["-F", "/dev/null", "-o", f"UserKnownHostsFile={self.known_hosts}",
                   "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes"]
        if with_key:
            options += ["-o", f"IdentityFile={self.key_path}", "-o", "IdentitiesOnly=yes"]
        return options

    def mount_kwargs(self, password: bool = False) -> Dict[str, object]:
        """Keyword arguments for ``IOHandler``/``ImplicitMount`` to reach this server."""
        if password:
            if not self.password_user:
                raise RuntimeError("start the server with password_user=True for password logins")
            return {"user": self.password_user, "password": self.password, "remote": self.host,
                    "port": self.port, "default_remote_dir": self.password_dir,
                    "ssh_options": self.ssh_options(with_key=False)}
        return {"user": self.user, "remote": self.host, "port": self.port, "default_remote_dir": self.data_dir,
                "ssh_options": self.ssh_options()}

    def environ(self) -> Dict[str, str]:
        """``PYREMOTEDATA_*`` variables that point the config-driven API at this server."""
        return {
            "PYREMOTEDATA_REMOTE_USERNAME": self.user,
            "PYREMOTEDATA_REMOTE_URI": f"{self.host}:{self.port}",
            "PYREMOTEDATA_REMOTE_DIRECTORY": self.data_dir,
            "PYREMOTEDATA_SSH_OPTIONS": " ".join(self.ssh_options()),
            "PYREMOTEDATA_AUTO": "yes",
        }

    def path(self, remote_path: str = "") -> str:
        """The server-side file-system path of a path relative to the data directory."""
        return os.path.join(self.data_dir, remote_path)

    def sessions(self) -> int:
        """Number of live SSH sessions (per-connection sshd processes)."""
        return len(_children_of(self._process.pid)) if self._process is not None else 0
