"""``ImplicitMount``: one lftp process per mount, and upstream's command methods on top of it.

Every path is quoted (see :mod:`pyremotedata.quoting`), every command has a timeout, and a
failed command raises a typed :class:`~pyremotedata.errors.LftpError` naming the command and
what lftp said. Downloads go through temporary names, so a file that exists locally is
complete.
"""
from __future__ import annotations

import logging
import os
import posixpath
import re
import shlex
import shutil
import tempfile
from enum import Enum
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.parse import unquote

from . import main_logger
from .config import DEFAULT_LFTP_CONFIG, DEFAULT_REMOTE, get_implicit_mount_config, render_setting
from .errors import (AuthenticationError, HostKeyError, LftpError, LftpProcessError, LftpTimeoutError,
                     MountError, NotMountedError, RemoteConnectionError, RemoteFileNotFoundError,
                     RemotePermissionError, UnsupportedPathError, shorten)
from .lftp import CommandResult, LftpProcess
from .listing import RemoteEntry, listing_command, new_marker, parse_listing, relative_to
from .localfs import (IMMUTABLE_DIRECTORIES, changed_files, destinations, dir_bytes, process_io, snapshot,
                      tree_size, validate_directory)
from .quoting import (glob_escape, lftp_glob_path, lftp_path, lftp_quote, needs_glob, newline_glob,
                      safe_relative)
from .ssh import SSH_OPTIONS_ENV, SshEndpoint, default_ssh_options, multiplex_options, parse_remote

log = main_logger.getChild("mount")

BENIGN_ERR = re.compile("(wait|fg): no current job")
PathOrPaths = Union[str, Sequence[str]]

#: Parallel transfers beyond this were slower on a 2-core loopback test (README); ``n`` and
#: ``-P`` values above it are capped.
MAX_PARALLEL_FILES = 10
#: ``pget`` segments beyond this were slower and used far more memory (README).
MAX_PGET_SEGMENTS = 5
#: Single files at least this large go to the OpenSSH sftp client (faster for big files).
LARGE_FILE_THRESHOLD = 64 * 1024 * 1024
#: File pairs per ``get``/``put`` command (keeps command lines bounded).
PAIRS_PER_COMMAND = 1000

# Settings the command protocol relies on: applied after the user's settings.
_PROTECTED_SETTINGS = {
    "cmd:interactive": "no",
    "cmd:fail-exit": "no",
    "cmd:cls-default": "",
    "cmd:ls-default": "",
    "cmd:save-cwd-history": "no",
    "cmd:save-rl-history": "no",
    "cmd:show-status": "no",
    "cmd:move-background": "no",
    "log:enabled/xfer": "no",
    "xfer:make-backup": "no",
}
# Robustness defaults the user may override: fail within seconds instead of lftp's
# 1000 retries spaced minutes apart.
_DRIVER_DEFAULTS = {
    "net:max-retries": 2,
    "net:persist-retries": 0,
    "net:reconnect-interval-base": 1,
    "net:reconnect-interval-multiplier": 2,
    "net:reconnect-interval-max": 5,
    "net:timeout": 30,
    "xfer:use-temp-file": "yes",
    "xfer:temp-file-name": ".in.*",
}


class RemoteType(int, Enum):
    """What a remote path is (``RemoteType(None)`` is ``NONE``; names are case-insensitive)."""

    MISSING = 0
    FILE = 1
    DIRECTORY = 2
    NONE = -1

    @classmethod
    def _missing_(cls, value: object) -> "RemoteType":
        if value is None:
            return cls.NONE
        if isinstance(value, str):
            key = value.strip().upper()
            aliases = {"DIR": "DIRECTORY", "D": "DIRECTORY", "F": "FILE", "MISSING": "MISSING"}
            key = aliases.get(key, key)
            if key in cls.__members__:
                return cls.__members__[key]
        raise ValueError(f"{value!r} is not a valid {cls.__name__}")


def _check_str(value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"Expected str, got {type(value).__name__}")


class ImplicitMount:
    """An lftp session to an SFTP server, driven command by command.

    ``ImplicitMount(user, password, remote, port=2222, verbose=..., local_dir=...)`` as
    upstream. Extra keywords: ``default_remote_dir``, ``timeout`` (seconds for ordinary
    commands), ``transfer_timeout`` (seconds a transfer may go without progress),
    ``ssh_options`` (extra ssh arguments such as ``["-i", key, "-o", "UserKnownHostsFile=f"]``;
    also read from ``$PYREMOTEDATA_SSH_OPTIONS``), ``lftp_settings``, ``large_file_threshold``,
    ``ssh_multiplex`` (default True: lftp's parallel connections share one SSH connection of
    this mount, see :func:`~pyremotedata.ssh.multiplex_options`).
    """

    time_stamp_pattern = r"^\s*(\S+\s+){8}"
    END_OF_OUTPUT = "# LFTP_END_OF_OUTPUT_IDENTIFIER {uuid} #"

    def __init__(self, user: Optional[str] = None, password: Optional[str] = None, remote: Optional[str] = None,
                 port: int = 2222, verbose: bool = main_logger.isEnabledFor(logging.DEBUG), **kwargs: Any) -> None:
        for value in (user, password, remote):
            _check_str(value)
        if isinstance(port, bool) or not isinstance(port, int):
            raise TypeError(f"Expected int, got {type(port).__name__}")
        local_dir = kwargs.pop("local_dir", None)
        default_remote_dir = kwargs.pop("default_remote_dir", None)
        self._lftp_settings_arg: Optional[Dict[str, Any]] = kwargs.pop("lftp_settings", None)
        self.timeout: float = float(kwargs.pop("timeout", 60.0))
        self.transfer_timeout: float = float(kwargs.pop("transfer_timeout", 300.0))
        self.connect_timeout: float = float(kwargs.pop("connect_timeout", 60.0))
        self.large_file_threshold: int = int(kwargs.pop("large_file_threshold", LARGE_FILE_THRESHOLD))
        ssh_options = kwargs.pop("ssh_options", None)
        self.ssh_multiplex: bool = bool(kwargs.pop("ssh_multiplex", True))
        if kwargs:  # upstream accepted and ignored anything: say so instead of failing old callers
            main_logger.warning("ImplicitMount() ignores unknown keyword argument(s): %s", ", ".join(sorted(kwargs)))

        config: Dict[str, Any] = {}
        if not ((user is not None and remote is not None) or (user is not None and password is not None)):
            config = get_implicit_mount_config(validate=isinstance(user, str) and isinstance(remote, str))
        self.user: str = user if user is not None else str(config.get("user") or "")
        self.password: str = password if password is not None else ""
        remote = remote if remote is not None else (config.get("remote") or DEFAULT_REMOTE)
        parsed = parse_remote(str(remote), port)
        self.remote: str = str(parsed["host"])
        self.port: int = port if port != 2222 or parsed["port"] is None else int(parsed["port"])  # type: ignore[arg-type]
        self.verbose = verbose
        if verbose:
            log.setLevel(logging.DEBUG)
        self.default_config: Dict[str, Any] = dict(config)
        self.default_remote_dir: str = (default_remote_dir or config.get("default_remote_dir") or "/")
        config_local = config.get("local_dir")
        chosen_local = local_dir if local_dir not in (None, "") else (config_local or "")
        self._owns_local_dir = not chosen_local
        self.original_local_dir: str = (validate_directory(chosen_local) if chosen_local
                                        else tempfile.mkdtemp(prefix="pyremotedata-"))
        self._config_lftp: Dict[str, Any] = dict(config.get("lftp") or {})
        if ssh_options is None:
            ssh_options = shlex.split(os.environ.get(SSH_OPTIONS_ENV, ""))
        self._ssh_options: List[str] = [str(option) for option in ssh_options]
        self._process: Optional[LftpProcess] = None
        self._private_dir: Optional[str] = None
        self._settings: Dict[str, str] = {}
        self._endpoint: Optional[SshEndpoint] = None
        self._local_dir = self.original_local_dir
        self._capture_count = 0
        self._remote_cwd: Optional[str] = None

    def __repr__(self) -> str:  # never shows the password
        state = "mounted" if self.mounted else "not mounted"
        return f"<{type(self).__name__} {self.user}@{self.remote}:{self.port} ({state})>"

    # ------------------------------------------------------------------ process access (upstream names)
    @property
    def lftp_shell(self):
        """The ``subprocess.Popen`` of the lftp process (None when not mounted)."""
        return self._process.popen if self._process is not None else None

    @property
    def stdout_queue(self):
        return self._process.stdout_queue if self._process is not None else None

    @property
    def stderr_queue(self):
        return self._process.stderr_queue if self._process is not None else None

    @property
    def lock(self):
        return self._process.lock if self._process is not None else None

    @property
    def mounted(self) -> bool:
        return self._process is not None and self._process.alive

    @property
    def endpoint(self) -> SshEndpoint:
        if self._endpoint is None:
            raise NotMountedError("not mounted")
        return self._endpoint

    # ------------------------------------------------------------------ options and commands
    @staticmethod
    def format_options(**kwargs: Any) -> str:
        """``P=5`` -> ``-P 5``, ``use_cache=None`` -> ``--use-cache`` (values quoted when needed)."""
        parts = []
        for key, value in kwargs.items():
            key = key.replace("_", "-") if len(key) > 1 else key
            flag = f"-{key}" if len(key) == 1 else f"--{key}"
            if value is None or value == "":
                parts.append(flag)
            else:
                text = render_setting(value)
                parts.append(f"{flag} {text if re.fullmatch(r'[A-Za-z0-9._:/=,+@%-]+', text) else lftp_quote(text)}")
        return " ".join(parts)

    def execute_command(self, command: str, output: bool = True, blocking: bool = True, execute: bool = True,
                        default_args: Optional[Dict[str, Any]] = None, timeout: Optional[float] = None,
                        **kwargs: Any) -> Union[str, List[str], None]:
        """Run an lftp command; flags from ``default_args``/``kwargs`` go right after the verb.

        ``execute=False`` returns the command text (to compose scripts such as ``repeat``);
        otherwise the output lines (``[]`` when none, and with ``output=False``). A failure
        raises :class:`~pyremotedata.errors.LftpError` (benign ``wait``/``fg`` messages excepted).
        """
        if output and not blocking:
            raise ValueError("output=True needs blocking=True (a background job's output cannot be returned)")
        args = dict(default_args or {})
        args.update(kwargs)
        options = self.format_options(**args)
        if options:
            verb, _, rest = command.partition(" ")
            command = f"{verb} {options} {rest}".rstrip()
        if not blocking:
            command = f"{command} &"
        if not execute:
            return command
        result = self._run(command, timeout=timeout, capture=output and not has_unquoted_operator(command))
        return result.stdout if output else []

    def _require(self) -> LftpProcess:
        if self._process is None:
            raise NotMountedError(f"{self!r}: call mount() first (or use the mount as a context manager)")
        if not self._process.alive:
            code = self._process.popen.poll() if self._process.popen is not None else None
            raise LftpProcessError(f"the lftp process of {self!r} has exited (status {code}); call mount() again")
        return self._process

    def _run(self, command: str, timeout: Optional[float] = None, *, display: Optional[str] = None,
             activity: Optional[Callable[[], object]] = None, on_poll: Optional[Callable[[], None]] = None,
             check: bool = True, capture: bool = False) -> CommandResult:
        """Run one command; ``capture`` sends its output through a private file.

        lftp may flush a command's standard output after it has already started the next
        command (``du`` does), so output that is parsed goes to a file (``cmd > file``),
        which is complete when the command reports its status.
        """
        process = self._require()
        shown = display if display is not None else command
        log.debug("lftp> %s", shorten(shown, 300))
        out_path = None
        if capture:
            self._capture_count += 1
            out_path = os.path.join(self._private_dir or tempfile.gettempdir(), f"out-{self._capture_count}")
            command = f"{command} > {lftp_path(out_path)}"
        try:
            result = process.run(command, self.timeout if timeout is None else timeout, display=shown,
                                 activity=activity, on_poll=on_poll)
        except (LftpTimeoutError, LftpProcessError):
            self._after_crash()
            raise
        finally:
            captured = _read_and_remove(out_path) if out_path else None
        if captured is not None:
            result.stdout = captured + result.stdout
        if not result.ok and result.stderr and all(BENIGN_ERR.search(line) for line in result.stderr if line.strip()):
            result.ok = True
        if result.stderr and result.ok:
            log.debug("lftp (benign): %s", shorten(result.error_text, 300))
        if check and not result.ok:
            raise LftpError.from_failure(shown, result.error_text, result.stdout)
        return result

    def _sending_probe(self) -> Callable[[], object]:
        """Activity of an upload: the bytes lftp has read and written (it reads the local files
        and hands them to ssh), so the transfer timeout counts time without progress."""
        pid = self._process.pid if self._process is not None else None
        return lambda: process_io(pid)

    def _after_crash(self) -> None:
        """The process was stopped (timeout) or died: forget settings so mount() starts clean."""
        self._settings = {}

    def _set(self, name: str, value: Any) -> None:
        """``set name value``, skipped when lftp already has that value."""
        text = render_setting(value)
        if self._settings.get(name) == text:
            return
        self._run(f"set {name} {lftp_quote(text)}")
        self._settings[name] = text

    # ------------------------------------------------------------------ mount / unmount
    def _build_endpoint(self, settings: Dict[str, Any]) -> SshEndpoint:
        user_program = settings.get("sftp:connect-program")
        if self.password and user_program:
            raise ValueError(
                "Password authentication sets sftp:connect-program itself (to force password login); "
                "remove 'sftp:connect-program' from the lftp settings and pass extra ssh arguments "
                "with ssh_options=[...] (or $PYREMOTEDATA_SSH_OPTIONS) instead.")
        words = str(user_program or "ssh -a -x").split()
        args = words[1:]
        if self.password:
            args += ["-o", "PreferredAuthentications=password,keyboard-interactive",
                     "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1"]
        args += self._ssh_options + default_ssh_options()
        if self.ssh_multiplex and self._private_dir:
            args += multiplex_options(args, self._private_dir)
        return SshEndpoint(host=self.remote, port=self.port, user=self.user, program=words[0], args=args,
                           password=self.password or None)

    def mount(self, lftp_settings: Optional[Dict[str, Any]] = None) -> None:
        """Start lftp, apply settings, connect and enter the default remote directory."""
        if self.mounted:
            return
        settings: Dict[str, Any] = dict(_DRIVER_DEFAULTS)
        settings.update(DEFAULT_LFTP_CONFIG)
        settings.update(self._config_lftp)
        settings.update(self._lftp_settings_arg or {})
        settings.update(lftp_settings or {})
        self._private_dir = tempfile.mkdtemp(prefix="pyremotedata-mount-")
        try:
            endpoint = self._build_endpoint(settings)
            settings["sftp:connect-program"] = endpoint.connect_program()
        except BaseException:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None
            raise
        settings.update(_PROTECTED_SETTINGS)
        self._endpoint = endpoint
        self._process = LftpProcess().start()
        self._settings = {}
        try:
            for name, value in settings.items():
                self._set(name, value)
            host = f"[{self.remote}]" if ":" in self.remote else self.remote
            credentials = f"--user {lftp_quote(self.user)}" if self.user else ""
            if self.password:
                credentials += f" --password {lftp_quote(self.password)}"
            shown = f"open --user {self.user!r}{' --password ***' if self.password else ''} -p {self.port} sftp://{host}"
            self._run(f"open {credentials} -p {self.port} {lftp_quote('sftp://' + host)}", display=shown)
            self._enter_default_directory()
            self._run(f"lcd {lftp_path(self.original_local_dir)}")
            self._local_dir = self.original_local_dir
            self._remote_cwd = self.pwd()
            if not self._remote_cwd:
                raise MountError("Failed to connect: lftp reports no remote working directory")
        except BaseException as exc:
            self._teardown()
            if isinstance(exc, LftpError):
                raise self._mount_error(exc) from exc
            raise
        log.debug("mounted %r", self)

    def _enter_default_directory(self) -> None:
        target = self.default_remote_dir
        try:
            self._run(f"cd {lftp_path(target)}", timeout=self.connect_timeout)
        except LftpError as exc:
            if isinstance(exc, RemoteFileNotFoundError):
                raise MountError(f"Failed to connect: the remote directory {target!r} does not exist "
                                 f"on {self.remote}") from exc
            raise

    def _mount_error(self, exc: LftpError) -> MountError:
        said = exc.stderr or str(exc)
        lowered = said.lower()
        where = f"{self.user}@{self.remote}:{self.port}"
        if "host key verification failed" in lowered:
            return HostKeyError(f"Failed to connect to {where}: ssh refused the server's host key. lftp said: {said}")
        if any(text in lowered for text in ("login failed", "login incorrect", "password required",
                                            "permission denied", "too many authentication failures")):
            return AuthenticationError(f"Failed to connect to {where}: login refused. lftp said: {said}")
        if isinstance(exc, MountError):
            return exc
        return MountError(f"Failed to connect to {where}. lftp said: {said}")

    def _teardown(self) -> None:
        if self._process is not None:
            self._process.close(timeout=1.0)
        self._process = None
        self._settings = {}
        if self._private_dir:
            shutil.rmtree(self._private_dir, ignore_errors=True)
            self._private_dir = None

    def unmount(self, timeout: float = 1) -> None:
        """Stop lftp (``exit kill``), waiting up to ``timeout`` seconds before terminating it."""
        if self._process is None:
            raise NotMountedError(f"{self!r} is not mounted")
        self._process.close(timeout=timeout)
        self._teardown()
        if self._owns_local_dir:  # the temporary directory made for this mount, if left empty
            try:
                os.rmdir(self.original_local_dir)
            except OSError:
                pass

    def remount(self) -> None:
        """Start a fresh lftp process (after a timeout or crash), keeping the directories."""
        remote_dir = self._remote_cwd
        if self._process is not None and self._process.alive:
            try:
                remote_dir = self.pwd()
            except LftpError:
                pass
        local_dir = self._local_dir
        if self._process is not None:
            self._teardown()
        self.mount()
        if remote_dir and remote_dir != self._remote_cwd:
            self.cd(remote_dir)
        if local_dir and local_dir != self.original_local_dir and os.path.isdir(local_dir):
            self.lcd(local_dir)

    def ensure_mounted(self) -> None:
        """Re-mount (back in the same directories) if the lftp process is gone; used by retries."""
        if not self.mounted:
            self.remount()

    # ------------------------------------------------------------------ navigation
    def cd(self, remote_path: str, **kwargs: Any) -> None:
        """Change the remote working directory."""
        self._run(f"cd {lftp_path(remote_path)}")
        self._remote_cwd = self.pwd()

    def pwd(self) -> str:
        """The remote working directory as a path."""
        lines = [line for line in self._run("pwd", capture=True).stdout if line.strip()]
        if not lines:
            return ""
        url = lines[-1].strip()
        match = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]*(/.*)?$", url)
        if not match:
            return url
        path = unquote(match.group(1) or "/", errors="surrogateescape")
        if path.startswith("/~"):
            path = path[1:]
        return path

    def lcd(self, local_path: str) -> None:
        """Change the local working directory (where relative local paths point)."""
        path = os.path.abspath(os.path.join(self._local_dir, os.fspath(local_path)))
        if not os.path.isdir(path):
            raise FileNotFoundError(f"local directory {path} does not exist")
        self._run(f"lcd {lftp_path(path)}")
        self._local_dir = path

    def lpwd(self) -> str:
        """The local working directory."""
        return self._local_dir

    def _local(self, path: str) -> str:
        return os.path.abspath(os.path.join(self._local_dir, os.fspath(path)))

    # ------------------------------------------------------------------ listings
    def _list(self, paths: Sequence[str], *, itself: bool = False, hidden: bool = False,
              fresh: bool = True, check: bool = True) -> List[RemoteEntry]:
        marker = new_marker()
        result = self._run(listing_command(paths, marker, itself=itself, hidden=hidden, fresh=fresh),
                           check=check, capture=True)
        return parse_listing(result.stdout, marker)

    def stat(self, remote_path: str) -> Optional[RemoteEntry]:
        """The entry for one remote path, or None when it does not exist."""
        path = remote_path.rstrip("/") or remote_path
        if path in ("", ".", "./", "..", "/", "~"):
            return RemoteEntry(path=path or ".", kind="dir", size=None, mtime=None)
        if needs_glob(path) or posixpath.basename(path).startswith("~"):
            # a newline cannot be named; lftp's cls reports no details for a name starting
            # with '~' (lftp 4.9.2): both are looked up in their parent's listing
            parent, base = posixpath.split(path)
            for entry in self._directory_entries(parent or "."):
                if posixpath.basename(entry.path) == base:
                    return entry
            return None
        try:
            entries = self._list([path], itself=True, hidden=True)
        except RemoteFileNotFoundError:
            return None
        for entry in entries:
            if entry.kind == "link":
                return self._resolve_link(entry)
            return entry
        return None

    def _resolve_link(self, entry: RemoteEntry) -> RemoteEntry:
        try:
            listed = self._list([entry.path + "/"], itself=True, hidden=True)
        except LftpError:
            return RemoteEntry(entry.path, "file", entry.size, entry.mtime)
        kind = "dir" if listed and listed[0].kind == "dir" else "file"
        return RemoteEntry(entry.path, kind, entry.size, entry.mtime)

    def _directory_entries(self, directory: str, hidden: bool = True, fresh: bool = True) -> List[RemoteEntry]:
        prefix = directory.rstrip("/") + "/" if directory not in ("", ".") else "./"
        entries = self._list([prefix], hidden=hidden, fresh=fresh)
        sent = safe_relative(prefix)
        out = []
        for entry in entries:
            rest = relative_to(entry.path, sent) or relative_to(entry.path, prefix)
            if rest is None:
                rest = posixpath.basename(entry.path)
            out.append(RemoteEntry(rest if prefix == "./" else prefix + rest, entry.kind, entry.size, entry.mtime))
        return out

    def walk(self, path: str = ".", *, hidden: bool = False, fresh: bool = True, include_dirs: bool = False,
             progress: Optional[Callable[[int], None]] = None) -> List[RemoteEntry]:
        """Every file under ``path`` (recursively), one ``cls`` command per directory level."""
        start = path.rstrip("/") if path not in ("/",) else "/"
        level = [start or "."]
        files: List[RemoteEntry] = []
        while level:
            next_level: List[str] = []
            for index in range(0, len(level), 100):
                chunk = level[index:index + 100]
                prefixes = ["./" if d in ("", ".") else ("/" if d == "/" else d + "/") for d in chunk]
                sent = [safe_relative(p) for p in prefixes]
                for entry in self._list(sent, hidden=hidden, fresh=fresh):
                    owner = None
                    for original, as_sent in zip(prefixes, sent):
                        rest = relative_to(entry.path, as_sent)
                        if rest is not None:
                            owner = (original, rest)
                            break
                    if owner is None:
                        log.warning("skipping listed path outside the walked directories: %r", entry.path)
                        continue
                    original, rest = owner
                    full = rest if original == "./" else original + rest
                    if entry.kind == "dir":
                        if "\n" in rest:
                            log.warning("cannot descend into %r: lftp cannot name a directory with a newline", full)
                            continue
                        next_level.append(full)
                        if include_dirs:
                            files.append(RemoteEntry(full, "dir", None, entry.mtime))
                    else:
                        files.append(RemoteEntry(full, "file" if entry.kind == "link" else entry.kind,
                                                 entry.size, entry.mtime))
                if progress is not None:
                    progress(len(chunk))
            level = next_level
        return files

    def ls(self, path: str = ".", recursive: bool = False, use_cache: bool = True, pbar: int = 0,
           _top: bool = True) -> List[str]:
        """Remote entries of ``path``: names (directories end in ``/``), or with ``recursive``
        every file below it. Hidden (dot) files are not listed, as upstream."""
        if not recursive:
            entries = self._directory_entries(path, hidden=False, fresh=not use_cache)
            return [entry.path + ("/" if entry.is_dir else "") for entry in entries]
        bar = _progress_bar(bool(pbar), desc="Listing", unit="dir")
        try:
            files = self.walk(path, fresh=not use_cache, progress=bar.update if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
        return [entry.path for entry in files]

    def lls(self, local_path: str = ".", recursive: bool = False, **kwargs: Any) -> List[str]:
        """Local listing (in Python; upstream shelled out to ``ls``/``find``): names, or with
        ``recursive`` the absolute paths of every file."""
        base = self._local(local_path)
        if not recursive:
            return sorted(os.listdir(base))
        return sorted(os.path.realpath(os.path.join(root, name))
                      for root, _dirs, files in os.walk(base) for name in files)

    def exists(self, path: str, mode: str = "any", execute: bool = True, **kwargs: Any) -> Union[bool, str]:
        """Whether ``path`` exists exactly (``mode``: ``any``, ``file`` or ``dir``).

        Upstream globbed ``*name``, so any name merely ending in ``name`` matched.
        """
        mode = {"a": "any", "f": "file", "d": "dir", "directory": "dir"}.get(mode.lower(), mode.lower())
        if mode not in ("any", "file", "dir"):
            raise ValueError(f"mode must be 'any', 'file' or 'dir', not {mode!r}")
        if not execute:
            return listing_command([path], new_marker(), itself=True, hidden=True)
        entry = self.stat(path)
        if entry is None:
            return False
        return mode == "any" or (mode == "dir") == entry.is_dir

    def pathtype(self, remote_path: str) -> RemoteType:
        """:class:`RemoteType` of a remote path (``MISSING`` when absent)."""
        entry = self.stat(remote_path)
        if entry is None:
            return RemoteType.MISSING
        return RemoteType.DIRECTORY if entry.is_dir else RemoteType.FILE

    def du(self, path: str, all: bool = False, bytes: bool = True, execute: bool = True, blocking: bool = True,
           default_args: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Union[Dict[str, int], str, None]:
        """Disk usage ``{path: size}`` of ``path`` and every directory below it (with ``all``,
        every file too); sizes in bytes, or 1024-byte blocks with ``bytes=False``.

        Computed from one recursive listing (lftp's own ``du`` may print its result after it
        reports completion, which cannot be read back reliably).
        """
        if not execute:
            flags = " ".join(flag for flag, on in (("--all", all), ("--bytes", bytes)) if on)
            return f"du {flags} {lftp_path(path)}".replace("  ", " ")
        entry = self.stat(path)
        if entry is None:
            raise RemoteFileNotFoundError(f"no such remote path: {path!r}", f"du {path}")
        scale = (lambda n: n) if bytes else (lambda n: -(-n // 1024))  # noqa: E731
        if not entry.is_dir:
            return {path: scale(entry.size or 0)}
        root = path.rstrip("/") or "/"
        listed = self.walk(root, hidden=True, include_dirs=True)
        totals: Dict[str, int] = {root: 0}
        totals.update({item.path: 0 for item in listed if item.is_dir})
        files = {item.path: item.size or 0 for item in listed if not item.is_dir}
        for file_path, size in files.items():
            parent = posixpath.dirname(file_path)
            while True:
                key = parent or root
                if key in totals:
                    totals[key] += size
                if key == root or parent == posixpath.dirname(parent):
                    break
                parent = posixpath.dirname(parent)
        result = {key: scale(value) for key, value in files.items()} if all else {}
        result.update({key: scale(value) for key, value in totals.items()})
        return result

    # ------------------------------------------------------------------ remote changes
    def mkdir(self, remote_path: str, parents: bool = True) -> None:
        """Create a remote directory (and its parents); an existing one is fine."""
        self._ensure_dirs([remote_path], parents=parents)

    def _ensure_dirs(self, directories: Sequence[str], parents: bool = True) -> None:
        """``mkdir -p`` several directories; fail only if one of them does not exist afterwards.

        (SFTP reports an existing directory as a generic failure, and lftp's ``-f`` would hide
        real errors such as a permission denied.)
        """
        directories = [d for d in directories if d not in ("", ".", "/")]
        flags = "-p " if parents else ""
        for index in range(0, len(directories), 200):
            chunk = directories[index:index + 200]
            try:
                self._run(f"mkdir {flags}" + " ".join(lftp_path(d) for d in chunk))
            except LftpError:
                for directory in chunk:
                    entry = self.stat(directory)
                    if entry is None or not entry.is_dir:
                        raise

    def mv(self, source: str, destination: str) -> None:
        """Rename a remote path."""
        self._run(f"mv {lftp_path(source)} {lftp_path(destination)}")

    def rm(self, path: PathOrPaths, force: bool = False, execute: bool = True, blocking: bool = True,
           **kwargs: Any) -> Optional[str]:
        """Remove remote paths; ``force`` removes directories recursively and ignores missing ones.

        The flags apply to every path (upstream built ``rm -r -f a & rm b``).
        """
        paths = [path] if isinstance(path, str) else list(path)
        for item in paths:
            if item.rstrip("/") in ("", ".", "..", "~") or item.strip() == "/":
                raise ValueError(f"refusing to remove {item!r}")
        flags = "-r -f " if force else ""
        extra = self.format_options(**kwargs)
        flags += f"{extra} " if extra else ""
        plain = [p for p in paths if not needs_glob(p)]
        special = [p for p in paths if needs_glob(p)]
        if force and execute:
            special = [p for p in special if self.stat(p) is not None]
        commands = []
        if plain:
            commands.append(f"rm {flags}{' '.join(lftp_path(p) for p in plain)}")
        for item in special:  # lftp's glob cannot pass rm options; such names are files
            commands.append(f"glob rm {newline_glob(item)}")
        if not execute:
            return "; ".join(commands)
        for item in special:
            self._unique_glob_match(item)
        for command in commands:
            self._run(command if blocking else f"{command} &")
        if force and blocking and commands:  # -f also silences real failures: check the paths are gone
            for item in paths:
                if self.stat(item) is not None:
                    raise RemotePermissionError(f"could not remove {item!r} (it still exists)", commands[0])
        return None

    def _unique_glob_match(self, remote_path: str) -> None:
        """Refuse a newline glob that could also match another name in the directory."""
        parent, base = posixpath.split(remote_path)
        names = [posixpath.basename(entry.path) for entry in self._directory_entries(parent or ".")]
        candidates = [name for name in names if len(name) == len(base)
                      and all(a == b or a == "\n" for a, b in zip(base, name))]
        if candidates != [base]:
            if base not in names:
                raise RemoteFileNotFoundError(f"no such remote file: {remote_path!r}", remote_path)
            raise UnsupportedPathError(
                f"{remote_path!r} contains a newline and another name in the same directory differs "
                f"only at that position; lftp cannot tell them apart")

    # ------------------------------------------------------------------ transfers (low level)
    def _fetch(self, pairs: Sequence[Tuple[str, str]], parallel: int = 5, *, timeout: Optional[float] = None,
               on_poll: Optional[Callable[[], None]] = None, verb_options: str = "") -> None:
        """Download ``(remote, local)`` pairs with ``get --parallel``; local parents are created.

        Files arrive under temporary names and are renamed when complete, so a path that
        exists is a finished file.
        """
        if not pairs:
            return
        # The setting and the commands that rely on it run under the process lock: another thread
        # (a consumer uploading) must not turn temporary files off in between.
        with self._require().lock:
            self._set("xfer:use-temp-file", "yes")
            plain = [(r, l) for r, l in pairs if not needs_glob(r) and "\n" not in l]
            special = [(r, l) for r, l in pairs if needs_glob(r) or "\n" in l]
            parents = sorted({os.path.dirname(local) for _, local in pairs})
            for parent in parents:
                os.makedirs(parent, exist_ok=True)
            probe = lambda: dir_bytes(parents)  # noqa: E731 - bytes landing in the target directories
            idle = self.transfer_timeout if timeout is None else timeout
            parallel = max(1, min(parallel, MAX_PARALLEL_FILES, len(plain) or 1))
            for index in range(0, len(plain), PAIRS_PER_COMMAND):
                chunk = plain[index:index + PAIRS_PER_COMMAND]
                body = " ".join(f"{lftp_path(r)} -o {lftp_path(l)}" for r, l in chunk)
                options = f"--parallel={parallel} " if len(chunk) > 1 else ""
                self._run(f"get {options}{verb_options}{body}", timeout=idle, activity=probe, on_poll=on_poll)
            for remote, local in special:
                self._fetch_via_glob(remote, local, idle)

    def _fetch_via_glob(self, remote: str, local: str, timeout: float) -> None:
        """One file lftp cannot name (a newline): fetch it through a unique glob, then rename."""
        self._unique_glob_match(remote)
        staging = tempfile.mkdtemp(prefix=".in.", dir=os.path.dirname(local) or ".")
        try:
            self._run(f"mget -O {lftp_path(staging)} {newline_glob(remote)}", timeout=timeout,
                      activity=lambda: dir_bytes([staging]))
            arrived = os.listdir(staging)
            if len(arrived) != 1:
                raise LftpError(f"expected one file from {remote!r}, got {len(arrived)}", remote)
            os.replace(os.path.join(staging, arrived[0]), local)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _send(self, pairs: Sequence[Tuple[str, str]], parallel: int = 5, *, timeout: Optional[float] = None) -> None:
        """Upload ``(local, remote)`` pairs with ``put --parallel``; remote parents are created."""
        if not pairs:
            return
        for local, _ in pairs:
            if not os.path.isfile(local):
                raise FileNotFoundError(f"local file {local} does not exist")
        self._set("xfer:use-temp-file", "no")
        parents = sorted({posixpath.normpath(posixpath.dirname(remote)) for _, remote in pairs
                          if posixpath.dirname(remote)} - {"", ".", "/", ".."})
        for parent in parents:
            if needs_glob(parent):
                raise UnsupportedPathError(f"lftp cannot create a directory whose name contains a newline: {parent!r}")
        self._ensure_dirs(parents)
        plain = [(l, r) for l, r in pairs if not needs_glob(r) and "\n" not in l]
        special = [(l, r) for l, r in pairs if needs_glob(r) or "\n" in l]
        idle = max(self.transfer_timeout, self.timeout) if timeout is None else timeout
        parallel = max(1, min(parallel, MAX_PARALLEL_FILES, len(plain) or 1))
        for index in range(0, len(plain), PAIRS_PER_COMMAND):
            chunk = plain[index:index + PAIRS_PER_COMMAND]
            body = " ".join(f"{lftp_path(l)} -o {lftp_path(r)}" for l, r in chunk)
            options = f"--parallel={parallel} " if len(chunk) > 1 else ""
            self._run(f"put {options}{body}", timeout=idle, activity=self._sending_probe())
        for local, remote in special:
            self._send_via_glob(local, remote, idle)

    def _send_via_glob(self, local: str, remote: str, timeout: float) -> None:
        """Upload to a remote name with a newline: stage a copy under that name, ``mput`` it."""
        parent, base = posixpath.split(remote)
        if "\n" in parent:
            raise UnsupportedPathError(f"lftp cannot address a directory whose name contains a newline: {remote!r}")
        staging = tempfile.mkdtemp(prefix="stage-", dir=self._private_dir)
        try:
            staged = os.path.join(staging, base)
            try:
                os.link(local, staged)
            except OSError:
                shutil.copy2(local, staged)
            pattern = glob_escape(staging) + "/" + glob_escape(base).replace("\n", "?")
            target = f"-O {lftp_path(parent)} " if parent else ""
            self._run(f"mput {target}{lftp_quote(pattern)}", timeout=timeout)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # ------------------------------------------------------------------ transfers (upstream API)
    def get(self, remote_path: PathOrPaths, local_path: Optional[Union[str, Sequence[str]]] = None,
            execute: bool = True, **kwargs: Any) -> Union[str, List[str], None]:
        """Download one file (``get -o``) or several (``get --parallel``, one command).

        ``local_path`` is a file, a directory, or for several files a directory or a list of
        paths. Same-named files keep their remote directories instead of overwriting each
        other. Returns the local path(s); with ``execute=False`` the command text.
        """
        parallel = int(kwargs.pop("P", kwargs.pop("parallel", 5)))
        timeout = kwargs.pop("timeout", None)
        if isinstance(remote_path, str):
            local = self._local(local_path) if isinstance(local_path, str) else self._local(
                posixpath.basename(remote_path.rstrip("/")))
            if os.path.isdir(local):
                local = os.path.join(local, posixpath.basename(remote_path.rstrip("/")))
            pairs = [(remote_path, local)]
        else:
            remotes = list(remote_path)
            if isinstance(local_path, (list, tuple)):
                if len(local_path) != len(remotes):
                    raise ValueError("local_path must have one entry per remote path")
                locals_ = [self._local(path) for path in local_path]
            else:
                locals_ = destinations(remotes, self._local(local_path or "."))
            pairs = list(zip(remotes, locals_))
        extra = self.format_options(**kwargs)
        if not execute:
            options = f"--parallel={parallel} " if len(pairs) > 1 else ""
            body = " ".join(f"{lftp_path(r)} -o {lftp_path(l)}" for r, l in pairs)
            return f"get {options}{extra + ' ' if extra else ''}{body}"
        self._fetch(pairs, parallel, timeout=timeout, verb_options=f"{extra} " if extra else "")
        locals_out = [local for _, local in pairs]
        return locals_out[0] if isinstance(remote_path, str) else locals_out

    def mget(self, remote_paths: Sequence[str], local_destination_dir: Optional[str] = None, execute: bool = True,
             default_args: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Union[List[str], str, None]:
        """``mget -P 5 -O dir`` of literal paths (wildcards are not expanded; use ``glob=True``).

        Same-named files are kept apart with ``-d`` (their directories are recreated).
        Returns the local paths, or the command with ``execute=False``.
        """
        use_glob = bool(kwargs.pop("glob", False))
        args = {"P": 5}
        args.update(default_args or {})
        args.update(kwargs)
        if "P" in args and args["P"] is not None:
            args["P"] = min(int(args["P"]), MAX_PARALLEL_FILES)
        remotes = [remote_paths] if isinstance(remote_paths, str) else list(remote_paths)
        destination = self._local(local_destination_dir or ".")
        bases = [posixpath.basename(p.rstrip("/")) for p in remotes]
        keep_dirs = len(set(bases)) != len(bases) and not use_glob
        if keep_dirs:
            args["d"] = None
        quote = (lambda p: lftp_quote(safe_relative(p))) if use_glob else (
            lambda p: newline_glob(p) if needs_glob(p) else lftp_glob_path(p))
        command = f"mget {self.format_options(**args)} -O {lftp_path(destination)} " + " ".join(quote(p) for p in remotes)
        if not execute:
            return command
        os.makedirs(destination, exist_ok=True)
        self._set("xfer:use-temp-file", "yes")
        for path in remotes:
            if needs_glob(path):
                self._unique_glob_match(path)
        before = snapshot(destination) if use_glob else None
        self._run(command, timeout=self.transfer_timeout, activity=lambda: tree_size([destination]))
        if use_glob:
            return changed_files(before or {}, snapshot(destination))
        if keep_dirs:
            return [os.path.join(destination, p.lstrip("/")) for p in remotes]
        return [os.path.join(destination, base) for base in bases]

    def pget(self, remote_path: str, local_path: Optional[str] = None, execute: bool = True,
             default_args: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Optional[str]:
        """``pget -n 5``: one file over several connections. Returns the local path."""
        args: Dict[str, Any] = {"n": MAX_PGET_SEGMENTS}
        args.update(default_args or {})
        args.update(kwargs)
        local = self._local(local_path) if local_path else self._local(posixpath.basename(remote_path))
        if os.path.isdir(local):
            local = os.path.join(local, posixpath.basename(remote_path))
        command = f"pget {self.format_options(**args)} {lftp_path(remote_path)} -o {lftp_path(local)}"
        if not execute:
            return command
        if needs_glob(remote_path) or "\n" in local:
            self._fetch([(remote_path, local)], 1)
            return local
        os.makedirs(os.path.dirname(local), exist_ok=True)
        self._set("xfer:use-temp-file", "yes")
        parent = os.path.dirname(local)
        self._run(command, timeout=self.transfer_timeout, activity=lambda: dir_bytes([parent]))
        return local

    def _absolute_remote(self, remote_path: str, root: Optional[str] = None) -> str:
        """``remote_path`` under the remote working directory (``root``: it, already asked)."""
        if remote_path.startswith("/"):
            return posixpath.normpath(remote_path)
        return posixpath.normpath(posixpath.join(self.pwd() if root is None else root, remote_path))

    def put(self, local_path: PathOrPaths, remote_path: Optional[Union[str, Sequence[str]]] = None,
            execute: bool = True, **kwargs: Any) -> Union[str, List[str], None]:
        """Upload one file (``put -o``) or several (``put --parallel``). Returns the absolute
        remote path(s), as upstream."""
        parallel = int(kwargs.pop("P", kwargs.pop("parallel", 5)))
        if isinstance(local_path, str):
            local = self._local(local_path)
            remote = remote_path if isinstance(remote_path, str) else os.path.basename(local)
            pairs = [(local, remote)]
        else:
            locals_ = [self._local(p) for p in local_path]
            if isinstance(remote_path, (list, tuple)):
                if len(remote_path) != len(locals_):
                    raise ValueError("remote_path must have one entry per local path")
                remotes = list(remote_path)
            else:
                base = remote_path or ""
                remotes = [posixpath.join(base, os.path.basename(p)) if base else os.path.basename(p) for p in locals_]
            pairs = list(zip(locals_, remotes))
        if not execute:
            options = f"--parallel={parallel} " if len(pairs) > 1 else ""
            return f"put {options}" + " ".join(f"{lftp_path(l)} -o {lftp_path(r)}" for l, r in pairs)
        self._send(pairs, parallel)
        root = self.pwd()
        remotes_out = [self._absolute_remote(remote, root) for _, remote in pairs]
        return remotes_out[0] if isinstance(local_path, str) else remotes_out

    def mput(self, local_paths: Sequence[str], remote_destination_dir: str, execute: bool = True,
             default_args: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Union[List[str], str, None]:
        """``mput -P 5 -O dir`` with every path quoted and taken literally; the remote
        directory is created first (upstream failed when it was missing or existing)."""
        args = {"P": 5}
        args.update(default_args or {})
        args.update(kwargs)
        if "P" in args and args["P"] is not None:
            args["P"] = min(int(args["P"]), MAX_PARALLEL_FILES)
        locals_ = [self._local(p) for p in ([local_paths] if isinstance(local_paths, str) else local_paths)]
        command = (f"mput {self.format_options(**args)} -O {lftp_path(remote_destination_dir)} "
                   + " ".join(newline_glob(p) if needs_glob(p) else lftp_glob_path(p) for p in locals_))
        if not execute:
            return command
        root = self.pwd()
        remotes = [self._absolute_remote(posixpath.join(remote_destination_dir, os.path.basename(p)), root)
                   for p in locals_]  # absolute, as upstream
        if any("\n" in p for p in locals_):
            self._send(list(zip(locals_, remotes)), int(args.get("P") or 5))
            return remotes
        for local in locals_:
            if not os.path.isfile(local):
                raise FileNotFoundError(f"local file {local} does not exist")
        self._set("xfer:use-temp-file", "no")
        self.mkdir(remote_destination_dir)
        self._run(command, timeout=max(self.transfer_timeout, self.timeout), activity=self._sending_probe())
        return remotes

    def mirror(self, remote: str, local: str, reverse: bool = False, output: bool = True, blocking: bool = True,
               execute: bool = True, default_args: Optional[Dict[str, Any]] = None,
               **kwargs: Any) -> Union[List[str], str, None]:
        """``mirror -P 5 --use-cache [-R]``: copy a directory tree (``reverse`` uploads).

        Returns the files that are new or changed afterwards (local paths when downloading,
        remote paths when uploading), or the command with ``execute=False``.
        """
        args: Dict[str, Any] = dict(default_args) if default_args is not None else {"P": 5, "use-cache": None}
        args.update(kwargs)
        if "P" in args and args["P"] is not None:
            args["P"] = min(int(args["P"]), MAX_PARALLEL_FILES)
        if reverse:
            args["R"] = None
        local_abs = self._local(local)
        source, target = (local_abs, remote) if reverse else (remote, local_abs)
        command = f"mirror {self.format_options(**args)} {lftp_path(source)} {lftp_path(target)}"
        if not blocking:
            command += " &"
        if not execute:
            return command
        if not blocking:
            self._set("xfer:use-temp-file", "no" if reverse else "yes")
            self._run(command)
            return None
        if reverse:
            self._set("xfer:use-temp-file", "no")
            before = self._remote_snapshot(remote)
            self._run(command, timeout=max(self.transfer_timeout, self.timeout), activity=self._sending_probe())
            after = self._remote_snapshot(remote)
            new = sorted(path for path, state in after.items() if before.get(path) != state)
        else:
            self._set("xfer:use-temp-file", "yes")
            os.makedirs(local_abs, exist_ok=True)
            before_local = snapshot(local_abs)
            self._run(command, timeout=self.transfer_timeout, activity=lambda: tree_size([local_abs]))
            new = changed_files(before_local, snapshot(local_abs))
        return new if output else None

    def _remote_snapshot(self, remote_dir: str) -> Dict[str, Tuple[Optional[int], Optional[int]]]:
        if self.stat(remote_dir) is None:
            return {}
        return {entry.path: (entry.size, entry.mtime) for entry in self.walk(remote_dir, hidden=True)}

    def wait(self, timeout: Optional[float] = None) -> None:
        """Wait for every background job (``blocking=False`` transfers) to finish."""
        self._run("wait all", timeout=self.transfer_timeout if timeout is None else timeout)


def _progress_bar(enabled: bool, **kwargs: Any):
    """A tqdm bar when asked for and tqdm is installed (the ``progress`` extra); else None."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        log.info("progress bar requested but tqdm is not installed (pip install '.[progress]')")
        return None
    return tqdm(**kwargs)


def _read_and_remove(path: str) -> List[str]:
    """Lines of a captured output file (bytes that are not UTF-8 kept as surrogates)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return []
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
    text = data.decode("utf-8", "surrogateescape")
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n") if text else []


def has_unquoted_operator(command: str) -> bool:
    """True when lftp would read ``;``, ``&``, ``|`` or ``>`` in ``command`` as an operator."""
    stripped = command.lstrip()
    if stripped.startswith(("!", "(")):
        return True
    quote = ""
    index = 0
    while index < len(command):
        char = command[index]
        if char == "\\":
            index += 2
            continue
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in ">|;&":
            return True
        index += 1
    return False
