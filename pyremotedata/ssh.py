"""The ssh side: lftp's connect program, and the OpenSSH ``sftp`` client for large single files.

lftp runs ``sftp:connect-program`` itself, splitting it on spaces (no shell, no quoting), so
every option here is checked to contain no space.

Measured on loopback (README): the cipher dominates, AES-GCM was markedly faster than
OpenSSH's default chacha20 wherever the CPU has AES instructions, so it is put first in the
offer (the server still picks from the full list). For one large file the OpenSSH ``sftp``
client with 255 KiB requests was faster than any lftp setting, so :func:`sftp_transfer` hands
such files to it, over the same ssh options.
"""
from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import secrets
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Dict, List, Optional, Sequence

from . import main_logger
from .errors import (AuthenticationError, HostKeyError, LftpError, LftpTimeoutError, RemoteConnectionError,
                     RemoteFileNotFoundError, RemotePermissionError, shorten)
from .localfs import process_io
from .quoting import sftp_batch_quote

log = main_logger.getChild("ssh")

GCM_FIRST = ("aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,"
             "aes128-ctr,aes192-ctr,aes256-ctr")
#: Read/write request size for the OpenSSH sftp client: the largest OpenSSH's server accepts.
SFTP_BUFFER = 261120
PASSWORD_ENV = "PYREMOTEDATA_SSH_PASSWORD"
#: Extra ssh arguments from the environment (like GIT_SSH_COMMAND's options).
SSH_OPTIONS_ENV = "PYREMOTEDATA_SSH_OPTIONS"


@lru_cache(maxsize=1)
def cpu_has_aes() -> bool:
    """True when the CPU advertises AES instructions (x86 ``aes`` flag, ARM ``aes`` feature)."""
    try:
        with open("/proc/cpuinfo", "r", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key = line.split(":", 1)[0].strip().lower()
                if key in ("flags", "features") and " aes" in f" {line.split(':', 1)[-1]} ":
                    return True
        return False
    except OSError:
        return platform.machine().lower() in ("x86_64", "amd64", "arm64")


def default_ssh_options() -> List[str]:
    """Options added to every ssh connection: fast cipher first, dead-peer detection."""
    options = ["-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3"]
    if cpu_has_aes():
        options += ["-o", f"Ciphers={GCM_FIRST}"]
    return options


def multiplex_options(args: Sequence[str], private_dir: str) -> List[str]:
    """OpenSSH connection sharing for one mount: the first connection lftp opens becomes the
    master, the parallel ones lftp adds for ``get -P``/``mirror -P``/``pget -n`` run as channels
    of it (no key exchange or login each). Measured on loopback: the first window of 192 files
    took 1.0-1.5 s with ten separate logins, 0.35-0.5 s shared. ``ControlPersist`` is not set,
    so the master ends with lftp's own connection. Nothing is added when the caller's options
    already say how to multiplex, or when the socket path would hold whitespace (lftp splits the
    connect program on spaces) or exceed the Unix socket limit.
    """
    for index, arg in enumerate(args):
        option = arg[2:] if arg.startswith("-o") and len(arg) > 2 else (
            args[index + 1] if arg == "-o" and index + 1 < len(args) else "")
        if option.lower().startswith(("controlmaster", "controlpath", "controlpersist")):
            return []
        if arg in ("-S", "-M"):
            return []
    path = os.path.join(private_dir, "cm")
    if any(ch.isspace() for ch in path) or len(path) > 80:  # ssh appends ~17 characters; sun_path holds 108
        return []
    return ["-o", "ControlMaster=auto", "-o", f"ControlPath={path}", "-o", "ControlPersist=no"]


def check_no_spaces(args: Sequence[str]) -> None:
    """lftp splits its connect program on spaces: refuse arguments it would break apart."""
    for arg in args:
        if not arg or any(ch.isspace() for ch in arg):
            raise ValueError(
                f"ssh argument {arg!r} contains whitespace; lftp splits sftp:connect-program on "
                f"spaces. Use a path without spaces (or a symlink to it).")


@dataclass
class SshEndpoint:
    """Everything needed to open an ssh connection the way lftp does."""

    host: str
    port: int
    user: str
    program: str = "ssh"
    args: List[str] = field(default_factory=list)
    password: Optional[str] = None

    @property
    def password_mode(self) -> bool:
        return bool(self.password)

    def connect_program(self) -> str:
        """The ``sftp:connect-program`` value for lftp."""
        words = [self.program, *self.args]
        check_no_spaces(words)
        return " ".join(words)

    def sftp_args(self) -> Optional[List[str]]:
        """The same options for the OpenSSH ``sftp`` client, or None if they do not translate."""
        if os.path.basename(self.program) != "ssh":
            return None
        out: List[str] = []
        args = list(self.args)
        i = 0
        with_value = {"-o": "-o", "-i": "-i", "-c": "-c", "-F": "-F", "-J": "-J", "-p": "-P"}
        flags_kept = {"-4", "-6", "-C"}
        flags_dropped = {"-a", "-x", "-T", "-q", "-v", "-A", "-X", "-Y", "-n", "-N"}
        while i < len(args):
            arg = args[i]
            if arg == "-o" and i + 1 < len(args) and args[i + 1].lower().startswith("control"):
                i += 2  # the sftp client opens its own connection (measured faster for one big file)
                continue
            if arg in with_value and i + 1 < len(args):
                out += [with_value[arg], args[i + 1]]
                i += 2
                continue
            if arg.startswith("-o") and len(arg) > 2:
                out += ["-o", arg[2:]]
            elif arg.startswith("-i") and len(arg) > 2:
                out += ["-i", arg[2:]]
            elif arg == "-l" and i + 1 < len(args):
                out += ["-o", f"User={args[i + 1]}"]
                i += 2
                continue
            elif arg in flags_kept:
                out.append(arg)
            elif arg in flags_dropped:
                pass
            else:
                return None
            i += 1
        return out


def _askpass_script(directory: str) -> str:
    """A tiny askpass helper that prints the password it finds in its environment."""
    path = os.path.join(directory, "askpass.sh")
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f'#!/bin/sh\nprintf "%s\\n" "${PASSWORD_ENV}"\n')
        os.chmod(path, stat.S_IRWXU)
    return path


def sftp_client_available() -> bool:
    return shutil.which("sftp") is not None


def sftp_transfer(endpoint: SshEndpoint, direction: str, remote_path: str, local_path: str, *,
                  timeout: float, private_dir: str) -> None:
    """Copy one file with the OpenSSH ``sftp`` client (``direction`` is ``get`` or ``put``).

    Downloads land in a temporary name next to the target and are renamed when complete.
    ``timeout`` is an idle timeout: the transfer is stopped when the local file stops changing
    for that long. Errors are the same typed exceptions lftp commands raise.
    """
    extra = endpoint.sftp_args()
    if extra is None:
        raise LftpError("the ssh options cannot be given to the sftp client", "sftp")
    if direction not in ("get", "put"):
        raise ValueError(f"direction must be 'get' or 'put', not {direction!r}")
    local_path = os.path.abspath(local_path)
    target = local_path
    if direction == "get":
        # A name only, not a file: writing into an existing (truncated) file made ext4 flush it
        # at close, measurably slower than letting sftp create the file.
        target = os.path.join(os.path.dirname(local_path),
                              f".in.{os.path.basename(local_path)[:80]}.{secrets.token_hex(6)}.part")
    batch = (f"get {sftp_batch_quote(remote_path)} {sftp_batch_quote(target)}\n" if direction == "get"
             else f"put {sftp_batch_quote(local_path)} {sftp_batch_quote(remote_path)}\n")
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    args = ["sftp", "-q", "-b", "-", "-B", str(SFTP_BUFFER), *extra,
            "-o", f"Port={endpoint.port}", "-o", "ConnectTimeout=30"]
    if endpoint.password_mode:
        env[PASSWORD_ENV] = endpoint.password or ""
        env["SSH_ASKPASS"] = _askpass_script(private_dir)
        env["SSH_ASKPASS_REQUIRE"] = "force"
        env.setdefault("DISPLAY", ":0")
        args += ["-o", "BatchMode=no", "-o", "NumberOfPasswordPrompts=1",
                 "-o", "PreferredAuthentications=password,keyboard-interactive",
                 "-o", "PubkeyAuthentication=no"]
    else:
        args += ["-o", "BatchMode=yes"]
    args += ["--", f"{endpoint.user}@{endpoint.host}" if endpoint.user else endpoint.host]
    display = f"sftp {direction} {remote_path!r} {local_path!r}"
    started = time.monotonic()
    try:
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=env, start_new_session=True)
    except OSError as exc:
        _remove_quietly(target if direction == "get" else None)
        raise RemoteConnectionError(f"could not start the sftp client: {exc}", display) from exc
    try:
        assert proc.stdin is not None
        proc.stdin.write(batch.encode("utf-8", "surrogateescape"))
        proc.stdin.close()
        if direction == "get":
            probe: Callable[[], object] = lambda: _file_size(target)  # noqa: E731
        else:
            probe = lambda: process_io(proc.pid)  # noqa: E731 - the client reads the file as it sends
        _wait_with_idle_timeout(proc, probe, timeout, display)
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.returncode != 0:
            raise _sftp_error(display, stderr)
        if direction == "get":
            os.replace(target, local_path)
            target = ""
        log.debug("%s took %.2f s", display, time.monotonic() - started)
    finally:
        if proc.poll() is None:
            _stop(proc)
        if proc.stderr:
            proc.stderr.close()
        if direction == "get" and target:
            _remove_quietly(target)


def _file_size(path: str) -> Optional[int]:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _wait_with_idle_timeout(proc: subprocess.Popen, probe: Callable[[], object], timeout: float, display: str) -> None:
    last = probe()
    deadline = time.monotonic() + timeout
    while True:
        try:
            proc.wait(timeout=0.5)
            return
        except subprocess.TimeoutExpired:
            pass
        current = probe()
        if current is not None and current != last:
            last = current
            deadline = time.monotonic() + timeout
        if time.monotonic() >= deadline:
            _stop(proc)
            raise LftpTimeoutError(f"sftp transfer made no progress for {timeout:g} s and was stopped: "
                                   f"{shorten(display)}", display)


def _stop(proc: subprocess.Popen) -> None:
    for sig in ("terminate", "kill"):
        try:
            getattr(proc, sig)()
            proc.wait(timeout=2.0)
            return
        except (subprocess.TimeoutExpired, ProcessLookupError):
            continue


def _remove_quietly(path: Optional[str]) -> None:
    if path:
        try:
            os.remove(path)
        except OSError:
            pass


def _sftp_error(display: str, stderr: str) -> Exception:
    text = stderr.strip()
    lowered = text.lower()
    if "host key verification failed" in lowered or "remote host identification has changed" in lowered:
        return HostKeyError(f"ssh refused the host key: {text}")
    if "permission denied (" in lowered or "too many authentication failures" in lowered:
        return AuthenticationError(f"ssh login refused: {text}")
    message = f"sftp transfer failed: {shorten(display)}\nsftp said: {text or '(nothing)'}"
    if "no such file" in lowered or "not found" in lowered:
        return RemoteFileNotFoundError(message, display, text)
    if "permission denied" in lowered:
        return RemotePermissionError(message, display, text)
    if "connection" in lowered or "closed" in lowered:
        return RemoteConnectionError(message, display, text)
    return LftpError(message, display, text)


def parse_remote(remote: str, port: Optional[int] = None) -> Dict[str, object]:
    """``host``/``port`` from ``host``, ``host:port``, ``sftp://host:port/`` or ``[v6]:port``."""
    text = remote.strip()
    for prefix in ("sftp://", "ssh://"):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
    text = text.split("/", 1)[0]
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    host, found_port = text, None
    if text.startswith("["):
        close = text.find("]")
        host = text[1:close]
        rest = text[close + 1:]
        if rest.startswith(":") and rest[1:].isdigit():
            found_port = int(rest[1:])
    elif text.count(":") == 1:
        name, _, maybe = text.partition(":")
        if maybe.isdigit():
            host, found_port = name, int(maybe)
    if not host or any(ch.isspace() or ch in "\"'`;&|<>\\$" for ch in host):
        raise ValueError(f"not a valid remote host: {remote!r}")
    return {"host": host, "port": found_port if found_port is not None else port}
