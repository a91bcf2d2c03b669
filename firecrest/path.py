"""``FcPath``: a ``pathlib``-style path on a FirecREST machine (pyfirecrest's ``firecrest.path``).

    p = FcPath(client, "cluster", "/home/user/run1")
    p.mkdir(parents=True, exist_ok=True)
    (p / "input.txt").write_text("42\\n")
    [child.name for child in p.iterdir()]

Every operation is one or a few calls of the v1 client given (``Firecrest``); the server's error
headers become the ``OSError`` subclasses ``pathlib`` raises (``X-Not-Found`` ->
``FileNotFoundError``, ``X-Exists`` -> ``FileExistsError``, ...). File types come from the
parent's listing, which carries the type letter (``stat`` on v1 servers reports permission bits
only, eth-cscs/firecrest#171). ``cache_enabled=True`` keeps modes already seen (a listing fills
them for every child): use it only while nobody else changes the tree.
"""
from __future__ import annotations

import io
import os
import stat as stat_module
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Callable, Dict, Iterator, Optional, Tuple, Union

from .exceptions import HeaderException

__all__ = ["FcPath", "MachineDoesNotExist", "ApiTimeoutError"]

MAX_SYMLINKS = 10


class MachineDoesNotExist(OSError):
    """The machine named in the path is not one of the deployment's systems."""

    def __init__(self, path: "FcPath") -> None:
        super().__init__(f"Machine does not exist: {path!r}")


class ApiTimeoutError(OSError):
    """The server gave up on the command (``X-Timeout``)."""

    def __init__(self, path: "FcPath") -> None:
        super().__init__(f"API call timed out: {path!r}")


#: error header -> exception (built from the path) raised instead of the HeaderException
HEADER_ERRORS: Dict[str, Callable[["FcPath"], BaseException]] = {
    "X-Timeout": ApiTimeoutError,
    "X-Machine-Does-Not-Exist": MachineDoesNotExist,
    "X-Machine-Not-Available": lambda p: PermissionError(f"machine not available: {p!r}"),
    "X-Permission-Denied": lambda p: PermissionError(f"permission denied: {p!r}"),
    "X-Not-Found": lambda p: FileNotFoundError(f"not found: {p!r}"),
    "X-Invalid-Path": lambda p: FileNotFoundError(f"no such path: {p!r}"),
    "X-Not-A-Directory": lambda p: NotADirectoryError(f"not a directory: {p!r}"),
    "X-A-Directory": lambda p: IsADirectoryError(f"is a directory: {p!r}"),
    "X-Exists": lambda p: FileExistsError(f"exists: {p!r}"),
}

_TYPE_BITS = {"-": stat_module.S_IFREG, "d": stat_module.S_IFDIR, "l": stat_module.S_IFLNK,
              "b": stat_module.S_IFBLK, "c": stat_module.S_IFCHR, "p": stat_module.S_IFIFO,
              "s": stat_module.S_IFSOCK}


def mode_from_listing(type_letter: str, permissions: str) -> int:
    """``st_mode`` from a listing entry: ``("d", "rwxr-x---")`` -> ``0o40750``; setuid, setgid
    and sticky (``s``/``S``, ``t``/``T``) included."""
    if type_letter not in _TYPE_BITS:
        raise ValueError(f"unknown file type {type_letter!r} in a listing")
    if len(permissions) < 9:
        raise ValueError(f"permissions {permissions!r} are not 9 characters like 'rwxr-xr-x'")
    mode = _TYPE_BITS[type_letter]
    for index, (letter, bit) in enumerate(zip(permissions[:9], (0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 4, 2, 1))):
        if letter in "rwx" or (index % 3 == 2 and letter in "st"):
            mode |= bit
    special = ((2, stat_module.S_ISUID), (5, stat_module.S_ISGID), (8, stat_module.S_ISVTX))
    for index, bit in special:
        if permissions[index] in "sStT":
            mode |= bit
    return mode


@dataclass
class _Seen:
    """What is known of a path without asking again (with ``cache_enabled``)."""

    lmode: Optional[int] = None  # not following symlinks
    mode: Optional[int] = None  # following them
    link_target: Optional[str] = None

    def forget(self) -> None:
        self.lmode = self.mode = self.link_target = None


class FcPath(os.PathLike):
    """An absolute path on ``machine``, reached through ``client`` (a v1 ``Firecrest``)."""

    __slots__ = ("_client", "_machine", "_path", "_cache_enabled", "_seen")

    def __init__(self, client: Any, machine: str, path: Union[str, PurePosixPath], *, cache_enabled: bool = False,
                 _cache: Optional[_Seen] = None) -> None:
        self._client = client
        self._machine = machine
        self._path = PurePosixPath(path)
        if not self._path.is_absolute():
            raise ValueError(f"Path must be absolute: {str(self._path)!r}")
        self._cache_enabled = cache_enabled
        self._seen = _cache if _cache is not None else _Seen()

    @classmethod
    def from_env_variables(cls, machine: str, path: Union[str, PurePosixPath], *,
                           cache_enabled: bool = False) -> "FcPath":
        """A path with a client made from ``FIRECREST_URL``, ``FIRECREST_CLIENT_ID``,
        ``FIRECREST_CLIENT_SECRET`` and ``AUTH_TOKEN_URL``."""
        from .auth import ClientCredentialsAuth
        from .v1 import Firecrest
        missing = [name for name in ("FIRECREST_URL", "FIRECREST_CLIENT_ID", "FIRECREST_CLIENT_SECRET",
                                     "AUTH_TOKEN_URL") if not os.environ.get(name)]
        if missing:
            raise KeyError(f"FcPath.from_env_variables needs the environment variable(s) {', '.join(missing)}")
        auth = ClientCredentialsAuth(os.environ["FIRECREST_CLIENT_ID"], os.environ["FIRECREST_CLIENT_SECRET"],
                                     os.environ["AUTH_TOKEN_URL"])
        return cls(Firecrest(os.environ["FIRECREST_URL"], authorization=auth), machine, path,
                   cache_enabled=cache_enabled)

    # ------------------------------------------------------------------ pure path parts
    @property
    def client(self) -> Any:
        return self._client

    @property
    def machine(self) -> str:
        return self._machine

    @property
    def path(self) -> str:
        return str(self._path)

    @property
    def pure_path(self) -> PurePosixPath:
        return self._path

    @property
    def cache_enabled(self) -> bool:
        return self._cache_enabled

    @cache_enabled.setter
    def cache_enabled(self, value: bool) -> None:
        self._cache_enabled = bool(value)

    def clear_cache(self) -> None:
        self._seen = _Seen()

    def _new(self, path: PurePosixPath, seen: Optional[_Seen] = None) -> "FcPath":
        return type(self)(self._client, self._machine, path, cache_enabled=self._cache_enabled, _cache=seen)

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        url = getattr(self._client, "_firecrest_url", "")
        extra = ", CACHED" if self._cache_enabled else ""
        return f"{type(self).__name__}({url!r}, {self._machine!r}, {self.path!r}{extra})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FcPath) and other._client is self._client and other._machine == self._machine
                and other._path == self._path)

    def __hash__(self) -> int:
        return hash((id(self._client), self._machine, self._path))

    def __truediv__(self, other: Union[str, PurePosixPath]) -> "FcPath":
        return self._new(self._path / other)

    def joinpath(self, *other: Union[str, PurePosixPath]) -> "FcPath":
        return self._new(self._path.joinpath(*other))

    def as_posix(self) -> str:
        return self._path.as_posix()

    @property
    def name(self) -> str:
        return self._path.name

    @property
    def suffix(self) -> str:
        return self._path.suffix

    @property
    def suffixes(self) -> list:
        return self._path.suffixes

    @property
    def stem(self) -> str:
        return self._path.stem

    @property
    def parts(self) -> Tuple[str, ...]:
        return self._path.parts

    @property
    def parent(self) -> "FcPath":
        return self._new(self._path.parent)

    def with_name(self, name: str) -> "FcPath":
        return self._new(self._path.with_name(name))

    def with_suffix(self, suffix: str) -> "FcPath":
        return self._new(self._path.with_suffix(suffix))

    def is_absolute(self) -> bool:
        return True

    def relpath(self, start: Union[str, PurePosixPath]) -> str:
        return self._path.relative_to(start).as_posix()

    def resolve(self) -> "FcPath":
        """The path with ``.`` and ``..`` removed (lexically; symlinks are not followed)."""
        kept: list = []
        for part in self._path.parts[1:]:
            if part == "..":
                if kept:
                    kept.pop()
            elif part not in (".", ""):
                kept.append(part)
        return self._new(PurePosixPath("/", *kept))

    # ------------------------------------------------------------------ errors
    @contextmanager
    def convert_header_exceptions(self, convert: Optional[Dict[str, Optional[Callable[["FcPath"], BaseException]]]]
                                  = None) -> Iterator[None]:
        """Re-raise the client's ``HeaderException`` as the ``OSError`` its header means."""
        table = dict(HEADER_ERRORS, **(convert or {}))
        try:
            yield
        except HeaderException as exc:
            headers = exc.responses[-1].headers if exc.responses else {}
            for name, make in table.items():
                if make is not None and name in headers:
                    raise make(self) from exc
            raise

    # ------------------------------------------------------------------ modes and stat
    def _entry_of(self, path: "FcPath") -> "FcPath":
        """``path`` as its parent lists it (with its type, permissions and link target)."""
        if str(path._path) == "/":
            return path._new(path._path, _Seen(lmode=stat_module.S_IFDIR | 0o755, mode=stat_module.S_IFDIR | 0o755))
        for child in path.parent.iterdir(hidden=path.name.startswith(".")):
            if child.name == path.name:
                return child
        raise FileNotFoundError(f"not found: {path!r}")

    def _lmode(self) -> int:
        if self._cache_enabled and self._seen.lmode is not None:
            return self._seen.lmode
        entry = self._entry_of(self)
        self._seen.lmode, self._seen.link_target = entry._seen.lmode, entry._seen.link_target
        return entry._seen.lmode  # type: ignore[return-value]

    def _mode(self) -> int:
        """``st_mode`` following symlinks (relative targets resolved against the link's directory)."""
        if self._cache_enabled and self._seen.mode is not None:
            return self._seen.mode
        lmode, target, where = self._lmode(), self._seen.link_target, self
        for _ in range(MAX_SYMLINKS + 1):
            if not stat_module.S_ISLNK(lmode):
                self._seen.mode = lmode
                return lmode
            if not target:
                raise FileNotFoundError(f"symlink without a target: {where!r}")
            pointed = PurePosixPath(target)
            where = self._new(pointed) if pointed.is_absolute() else (where.parent / pointed).resolve()
            entry = self._entry_of(where)
            lmode, target = entry._seen.lmode or 0, entry._seen.link_target
        raise FileNotFoundError(f"more than {MAX_SYMLINKS} symlinks followed from {self!r}")

    def _stat(self, follow: bool) -> os.stat_result:
        with self.convert_header_exceptions():
            record = self._client.stat(self._machine, self.path, dereference=follow)
        mode = self._mode() if follow else self._lmode()
        return os.stat_result((mode, int(record["ino"]), int(record["dev"]), int(record["nlink"]), int(record["uid"]),
                               int(record["gid"]), int(record["size"]), int(record["atime"]), int(record["mtime"]),
                               int(record["ctime"])))

    def stat(self) -> os.stat_result:
        """``os.stat_result`` of the path, following symlinks."""
        return self._stat(True)

    def lstat(self) -> os.stat_result:
        """``os.stat_result`` of the path itself (a symlink's own)."""
        return self._stat(False)

    def checksum(self) -> str:
        """SHA-256 of the file, computed on the machine."""
        with self.convert_header_exceptions():
            return self._client.checksum(self._machine, self.path)

    def exists(self) -> bool:
        """Whether the path exists (following symlinks: a dangling link does not)."""
        try:
            self._mode()
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def _is(self, test: Callable[[int], bool], follow: bool = True) -> bool:
        try:
            return test(self._mode() if follow else self._lmode())
        except (FileNotFoundError, NotADirectoryError):
            return False

    def is_dir(self) -> bool:
        return self._is(stat_module.S_ISDIR)

    def is_file(self) -> bool:
        return self._is(stat_module.S_ISREG)

    def is_symlink(self) -> bool:
        return self._is(stat_module.S_ISLNK, follow=False)

    def is_block_device(self) -> bool:
        return self._is(stat_module.S_ISBLK)

    def is_char_device(self) -> bool:
        return self._is(stat_module.S_ISCHR)

    def is_fifo(self) -> bool:
        return self._is(stat_module.S_ISFIFO)

    def is_socket(self) -> bool:
        return self._is(stat_module.S_ISSOCK)

    def iterdir(self, hidden: bool = True, recursive: bool = False) -> Iterator["FcPath"]:
        """The entries of this directory (``recursive``: of the whole tree), each knowing its
        type from the listing (no further call for ``is_dir()`` with ``cache_enabled``)."""
        with self.convert_header_exceptions():
            entries = self._client.list_files(self._machine, self.path, show_hidden=hidden, recursive=recursive)
        for entry in entries:
            seen = _Seen(lmode=mode_from_listing(entry["type"], entry["permissions"]),
                         link_target=entry.get("link_target") or None)
            yield self._new(self._path / entry["name"], seen)

    # ------------------------------------------------------------------ changes
    def chmod(self, mode: int) -> None:
        """``chmod`` (of a symlink's target, as chmod does)."""
        if not isinstance(mode, int) or isinstance(mode, bool):
            raise TypeError("mode must be an integer, e.g. 0o750")
        with self.convert_header_exceptions({"X-Invalid-Mode": lambda p: ValueError(f"invalid mode {mode:o}")}):
            self._client.chmod(self._machine, self.path, format(mode & 0o7777, "o"))
        self._seen.forget()

    def rename(self, target: Union[str, PurePosixPath]) -> "FcPath":
        """Move to the absolute ``target``; returns the path there."""
        moved = self._new(PurePosixPath(target))
        with self.convert_header_exceptions():
            self._client.mv(self._machine, self.path, moved.path)
        self._seen.forget()
        return moved

    def symlink_to(self, target: Union[str, PurePosixPath]) -> None:
        """Make this path a symlink to the absolute ``target``."""
        pointed = PurePosixPath(target)
        if not pointed.is_absolute():
            raise ValueError("target must be an absolute path")
        with self.convert_header_exceptions():
            self._client.symlink(self._machine, str(pointed), self.path)

    def mkdir(self, mode: Optional[int] = None, parents: bool = False, exist_ok: bool = False) -> None:
        """Create the directory. v1's ``mkdir -p`` is both "parents" and "exist ok"; without
        ``exist_ok`` an existing path is refused first. ``mode`` (the API's mkdir takes none) is
        applied with ``chmod`` to the new directory, as ``pathlib`` gives it to the leaf only."""
        if parents and not exist_ok and self.exists():
            raise FileExistsError(f"exists: {self!r}")
        with self.convert_header_exceptions():
            self._client.mkdir(self._machine, self.path, p=True if (parents or exist_ok) else None)
        if mode is not None:
            self.chmod(mode)

    def touch(self, mode: Optional[int] = None, exist_ok: bool = True) -> None:
        """Create an empty file (an existing one is left as it is with ``exist_ok``); ``mode``,
        applied with ``chmod``, is for a file this call creates, as in ``pathlib``."""
        if self.exists():
            if exist_ok:
                return
            raise FileExistsError(f"exists: {self!r}")
        self.write_bytes(b"")
        if mode is not None:
            self.chmod(mode)

    def read_bytes(self) -> bytes:
        """The file's bytes (``simple_download``: within the server's direct-transfer size limit)."""
        buffer = io.BytesIO()
        with self.convert_header_exceptions():
            self._client.simple_download(self._machine, self.path, buffer)
        return buffer.getvalue()

    def read_text(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        return self.read_bytes().decode(encoding, errors)

    def write_bytes(self, data: bytes) -> None:
        """Replace the file's contents (``simple_upload`` into the parent directory)."""
        with self.convert_header_exceptions():
            self._client.simple_upload(self._machine, io.BytesIO(bytes(data)), self.parent.path, self.name)
        self._seen.forget()

    def write_text(self, data: str, encoding: str = "utf-8", errors: str = "strict") -> None:
        self.write_bytes(data.encode(encoding, errors))

    def unlink(self, missing_ok: bool = False) -> None:
        """Remove a file or symlink; a directory is refused (the API's ``rm`` is ``rm -rf``)."""
        try:
            lmode = self._lmode()
        except FileNotFoundError:
            if missing_ok:
                return
            raise
        if stat_module.S_ISDIR(lmode):
            raise IsADirectoryError(f"is a directory: {self!r}")
        with self.convert_header_exceptions():
            self._client.simple_delete(self._machine, self.path)
        self._seen.forget()

    def rmtree(self) -> None:
        """Remove a directory and everything under it (a file is refused)."""
        if not stat_module.S_ISDIR(self._lmode()):
            raise NotADirectoryError(f"not a directory: {self!r}")
        with self.convert_header_exceptions():
            self._client.simple_delete(self._machine, self.path)
        self._seen.forget()
