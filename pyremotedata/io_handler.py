"""``IOHandler``: the mount as a context manager, with whole-file/folder transfers, sync and the
remote file index (``.folder_index.txt``) that ``RemotePathIterator`` streams from."""
from __future__ import annotations

import os
import posixpath
import re
import tempfile
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from . import main_logger
from .config import ask_user
from .errors import ConfigError, LftpError, RemoteFileNotFoundError, RemotePermissionError, RootSyncError
from .listing import RemoteEntry
from .localfs import IMMUTABLE_DIRECTORIES, delete_file_or_dir, local_relative
from .mount import MAX_PARALLEL_FILES, MAX_PGET_SEGMENTS, ImplicitMount, _progress_bar
from .quoting import needs_glob
from .ssh import sftp_client_available, sftp_transfer

log = main_logger.getChild("io")

INDEX_NAME = ".folder_index.txt"
LEGACY_INDEX_SUFFIX = "folder_index.txt"
INDEX_NAMES = (INDEX_NAME, LEGACY_INDEX_SUFFIX)
#: Single files below this size are fetched with one ``get`` instead of ``pget`` segments.
SEGMENT_THRESHOLD = 8 * 1024 * 1024


class IOHandler(ImplicitMount):
    """A mount that mounts on ``with`` entry and unmounts (after ``clean()`` if asked) on exit.

    ``IOHandler(local_dir=None, user_confirmation=False, clean=False, user=None, password=None,
    remote=None, lftp_settings=None, **kwargs)``; keywords as :class:`ImplicitMount`.
    """

    def __init__(self, local_dir: Optional[str] = None, user_confirmation: bool = False, clean: bool = False,
                 user: Optional[str] = None, password: Optional[str] = None, remote: Optional[str] = None,
                 lftp_settings: Optional[Dict[str, Any]] = None, **kwargs: Any) -> None:
        if local_dir is not None:
            kwargs["local_dir"] = local_dir
        super().__init__(user=user, password=password, remote=remote, **kwargs)
        self.user_confirmation = user_confirmation
        self.do_clean = clean
        self.lftp_settings = lftp_settings
        self.cache: Dict[str, List[str]] = {}

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "IOHandler":
        self.mount(self.lftp_settings)
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        try:
            if self.do_clean and self._process is not None:
                self.clean()
        finally:
            if self._process is not None:
                self.unmount()

    def start(self) -> "IOHandler":
        """Mount outside a ``with`` block."""
        return self.__enter__()

    def stop(self) -> None:
        """Clean (if asked) and unmount outside a ``with`` block."""
        self.__exit__(None, None, None)

    def clean(self) -> None:
        """Delete everything in the local working directory (with ``user_confirmation``, only
        after a yes on the terminal)."""
        directory = self.lpwd()
        if directory in IMMUTABLE_DIRECTORIES or os.path.abspath(directory) in (
                os.path.abspath(os.sep), os.path.expanduser("~")):
            raise ValueError(f"refusing to clean {directory!r}")
        if self.user_confirmation:
            try:
                answer = ask_user(f"Delete all files in {directory}? (y/n): ")
            except ConfigError as exc:
                log.warning("not cleaning %s: %s", directory, exc)
                return
            if answer.strip().lower() not in ("y", "yes"):
                return
        for name in os.listdir(directory):
            delete_file_or_dir(os.path.join(directory, name), force=True)

    # ------------------------------------------------------------------ whole transfers
    def download(self, remote_path: Union[str, Sequence[str]], local_destination: Optional[str] = None, n: int = 14,
                 blocking: bool = True, **kwargs: Any) -> Union[str, List[str], None]:
        """Download a directory (``mirror``), a file, or a list of files into
        ``local_destination``: a directory (created when missing; the current local directory
        when None), or for a list of files a list of directories, one per file.

        A file of at least ``large_file_threshold`` bytes goes to the OpenSSH ``sftp`` client
        (measured faster than any lftp setting for one big file); smaller files use ``get``
        or ``pget``. ``n`` caps the parallelism (above the measured optimum it is capped too).
        ``engine="lftp"`` or ``"sftp"`` forces an engine. Returns the local path(s), or for a
        directory the files that are new or changed.
        """
        engine = kwargs.pop("engine", "auto")
        if engine not in ("auto", "lftp", "sftp"):
            raise ValueError(f"engine must be 'auto', 'lftp' or 'sftp', not {engine!r}")
        if not isinstance(remote_path, str):
            remotes = list(remote_path)
            parallel = max(1, min(len(remotes), n, MAX_PARALLEL_FILES))
            targets: Any = local_destination
            if isinstance(local_destination, (list, tuple)):
                targets = _into_each(local_destination, remotes, "local_destination",
                                     lambda d, r: os.path.join(self._local(d), posixpath.basename(r.rstrip("/"))))
                for directory in {os.path.dirname(t) for t in targets}:
                    _local_dir_for(directory)
            elif local_destination is not None:
                _local_dir_for(self._local(local_destination))
            if not blocking:
                self._run(f"{self.get(remotes, targets, execute=False, P=parallel)} &")
                return None
            return self.get(remotes, targets, P=parallel)
        entry = self.stat(remote_path)
        if entry is None:
            raise RemoteFileNotFoundError(f"no such remote path: {remote_path!r}", f"download {remote_path}")
        base = posixpath.basename(remote_path.rstrip("/")) or "root"
        if entry.is_dir:  # its contents into the destination, as upstream's mirror
            local = self._local(local_destination or ".")
            # a fresh listing: with upstream's --use-cache a remote change went unseen for an hour
            return self.mirror(remote_path, local, blocking=blocking,
                               default_args={"P": max(1, min(n, MAX_PARALLEL_FILES))})
        # the destination is a directory, as upstream's (the file keeps its name)
        local = os.path.join(self._local(local_destination), base) if local_destination else self._local(base)
        _local_dir_for(os.path.dirname(local))
        size = entry.size or 0
        if blocking and self._use_sftp_client(engine, size, remote_path, local):
            try:
                sftp_transfer(self.endpoint, "get", self._absolute_remote(remote_path), local,
                              timeout=self.transfer_timeout, private_dir=self._private_dir or tempfile.gettempdir())
                return local
            except (RemoteFileNotFoundError, RemotePermissionError):
                raise
            except LftpError as exc:
                if engine == "sftp":
                    raise
                log.warning("sftp client failed (%s); falling back to lftp pget", exc)
        if size < SEGMENT_THRESHOLD or needs_glob(remote_path):
            if not blocking:
                self._run(f"{self.get(remote_path, local, execute=False)} &")
                return None
            return self.get(remote_path, local)
        return self.pget(remote_path, local, n=max(1, min(n, MAX_PGET_SEGMENTS))) if blocking else \
            self._background(self.pget(remote_path, local, execute=False, n=max(1, min(n, MAX_PGET_SEGMENTS))))

    def _background(self, command: Optional[str]) -> None:
        self._set("xfer:use-temp-file", "yes")
        self._run(f"{command} &")
        return None

    def _use_sftp_client(self, engine: str, size: int, remote_path: str, local: str) -> bool:
        if engine == "lftp" or "\n" in remote_path or "\n" in local:
            return False
        if engine == "auto" and size < self.large_file_threshold:
            return False
        available = sftp_client_available() and self.endpoint.sftp_args() is not None
        if engine == "sftp" and not available:
            raise LftpError("engine='sftp' needs the OpenSSH sftp client and an ssh connect program", "download")
        return available

    def upload(self, local_path: Union[str, Sequence[str]], remote_destination: Optional[str] = None, n: int = 14,
               blocking: bool = True, **kwargs: Any) -> Union[str, List[str], None]:
        """Upload a directory's contents (``mirror -R``), a file, or a list of files into
        ``remote_destination``: a remote directory (created when missing; the current remote
        directory when None), or for a list of files a list of directories, one per file.
        Returns the absolute remote path(s), or for a directory the remote files that are new
        or changed."""
        engine = kwargs.pop("engine", "auto")
        if not isinstance(local_path, str):
            locals_ = list(local_path)
            parallel = max(1, min(len(locals_), n, MAX_PARALLEL_FILES))
            targets: Any = remote_destination
            if isinstance(remote_destination, (list, tuple)):
                targets = _into_each(remote_destination, locals_, "remote_destination",
                                     lambda d, p: posixpath.join(d, os.path.basename(p)))
            if not blocking:
                self._set("xfer:use-temp-file", "no")
                self._run(f"{self.put(locals_, targets, execute=False, P=parallel)} &")
                return None
            return self.put(locals_, targets, P=parallel)
        local = self._local(local_path)
        if os.path.isdir(local):
            return self.mirror(remote_destination or ".", local, reverse=True, blocking=blocking,
                               default_args={"P": max(1, min(n, MAX_PARALLEL_FILES))})
        if not os.path.isfile(local):
            raise FileNotFoundError(f"local path {local} does not exist")
        base = os.path.basename(local)
        remote = posixpath.join(remote_destination, base) if remote_destination else base
        size = os.path.getsize(local)
        if blocking and self._use_sftp_client(engine, size, remote, local):
            parent = posixpath.dirname(remote)
            if parent and parent not in (".", "/"):
                self.mkdir(parent)
            try:
                target = self._absolute_remote(remote)
                sftp_transfer(self.endpoint, "put", target, local, timeout=max(self.transfer_timeout, self.timeout),
                              private_dir=self._private_dir or tempfile.gettempdir())
                return target
            except LftpError as exc:
                if engine == "sftp":
                    raise
                log.warning("sftp client failed (%s); falling back to lftp put", exc)
        if not blocking:
            self._set("xfer:use-temp-file", "no")
            self._run(f"{self.put(local, remote, execute=False)} &")
            return None
        return self.put(local, remote)

    # ------------------------------------------------------------------ file index
    def _read_remote_text(self, remote_path: str) -> Optional[List[str]]:
        private = self._private_dir or tempfile.gettempdir()
        handle, target = tempfile.mkstemp(prefix="index-", dir=private)
        os.close(handle)
        os.remove(target)
        try:
            self._fetch([(remote_path, target)], 1)
        except RemoteFileNotFoundError:
            return None
        try:
            with open(target, "rb") as stream:
                text = stream.read().decode("utf-8", "surrogateescape")
        finally:
            os.remove(target)
        return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]

    def _write_remote_index(self, paths: Sequence[str]) -> None:
        private = self._private_dir or tempfile.gettempdir()
        handle, source = tempfile.mkstemp(prefix="index-", dir=private)
        with os.fdopen(handle, "wb") as stream:
            stream.write("".join(f"{path}\n" for path in paths).encode("utf-8", "surrogateescape"))
        try:
            self._send([(source, INDEX_NAME)], 1)
        finally:
            os.remove(source)

    def _legacy_index(self) -> Optional[str]:
        candidates = [entry for entry in self._directory_entries(".", hidden=True)
                      if not entry.is_dir and entry.path.endswith(LEGACY_INDEX_SUFFIX) and entry.path != INDEX_NAME]
        if not candidates:
            return None
        return max(candidates, key=lambda entry: entry.size or 0).path

    def build_file_index(self) -> List[str]:
        """Every file below the working directory (relative paths, sorted), by listing it.

        Names with a newline cannot be written to the one-path-per-line index and are skipped.
        """
        paths = []
        for entry in self.walk(".", hidden=False):
            if posixpath.basename(entry.path) in INDEX_NAMES:
                continue
            if "\n" in entry.path:
                log.warning("not indexing %r: the index holds one path per line", entry.path)
                continue
            paths.append(entry.path)
        return sorted(paths)

    def get_file_index(self, skip: int = 0, nmax: Optional[int] = None, override: bool = False, store: bool = True,
                       pattern: Optional[str] = None) -> List[str]:
        """The remote working directory's file list, from ``.folder_index.txt``.

        Without an index (or with ``override``) the directory is listed recursively and, with
        ``store``, the index is uploaded. A legacy ``folder_index.txt`` is renamed. ``pattern``
        is a regular expression filter; ``skip``/``nmax`` slice the result.
        """
        if override and not store:
            raise ValueError("override=True rebuilds the stored index, so it needs store=True")
        lines: Optional[List[str]] = None
        if not override:
            lines = self._read_remote_text(INDEX_NAME)
            if lines is None:
                legacy = self._legacy_index()
                if legacy is not None:
                    log.info("renaming legacy index %s to %s", legacy, INDEX_NAME)
                    self.mv(legacy, INDEX_NAME)
                    lines = self._read_remote_text(INDEX_NAME)
        if lines is None:
            lines = self.build_file_index()
            if store:
                self._write_remote_index(lines)
        paths = [line for line in lines if line.strip() and posixpath.basename(line) not in INDEX_NAMES]
        if pattern is not None:
            regex = re.compile(pattern)
            paths = [path for path in paths if regex.search(path)]
        paths = paths[skip:]
        if nmax is not None:
            paths = paths[:nmax]
        return paths

    def cache_file_index(self, skip: int = 0, nmax: Optional[int] = None, override: bool = False) -> None:
        """Keep the working directory's index in ``self.cache[pwd]``."""
        self.cache[self.pwd()] = self.get_file_index(skip=skip, nmax=nmax, override=override)

    def update_file_index(self, new_paths: Sequence[str]) -> List[str]:
        """Merge ``new_paths`` (relative to the working directory) into the stored index.

        Upstream's ``_update_file_index`` appended to the wrong list and never changed the index.
        Without a stored index the directory is listed first, so the index written is complete
        (not just ``new_paths``).
        """
        current = self._read_remote_text(INDEX_NAME)
        if current is None:
            current = self.build_file_index()
        merged = sorted({line for line in current if line.strip()} | {p for p in new_paths if "\n" not in p})
        self._write_remote_index(merged)
        self.cache.pop(self.pwd(), None)
        return merged

    _update_file_index = update_file_index

    # ------------------------------------------------------------------ sync
    def sync(self, local_destination: Optional[str] = None, direction: str = "down", allow_root: bool = False,
             progress: bool = False, batch_size: int = 128, replace_local: bool = False, refresh_cache: bool = False,
             **kwargs: Any) -> "SyncResult":
        """Make ``local_destination`` (default: ``<lpwd>/<name of the remote directory>``) and
        the remote working directory agree.

        ``direction`` (any case): ``down`` fetches remote files that are missing locally or
        newer there, ``up`` sends local files that are missing remotely or newer here (and
        merges them into the file index), ``both`` does both; a file that differs goes from the
        side with the newer modification time (a pure size difference follows ``direction``).
        ``replace_local`` re-fetches everything and deletes local files the remote does not
        have. Returns the relative paths transferred, as upstream's list, with the detail in
        ``.downloaded``, ``.uploaded`` and ``.deleted``.
        """
        direction = str(direction).lower()
        if direction not in ("down", "up", "both"):
            raise ValueError(f"direction must be 'down', 'up' or 'both', not {direction!r}")
        name = posixpath.basename(self.pwd().rstrip("/"))
        if not name and not allow_root:  # whatever the destination: "up" or replace_local would touch it all
            raise RootSyncError("refusing to sync the remote root directory; pass allow_root=True")
        if local_destination is None:
            local_destination = name or "."
        local_root = self._local(local_destination)
        if os.path.dirname(local_root) == local_root and not allow_root:
            raise RootSyncError(f"refusing to sync into the local root {local_root}; pass allow_root=True")
        os.makedirs(local_root, exist_ok=True)
        parallel = max(1, min(int(kwargs.pop("n", 5)), MAX_PARALLEL_FILES))
        remote = {entry.path: entry for entry in self.walk(".", hidden=False)
                  if posixpath.basename(entry.path) not in INDEX_NAMES and "\n" not in entry.path}
        local = _local_files(local_root)
        result: Dict[str, List[str]] = {"downloaded": [], "uploaded": [], "deleted": []}  # -> SyncResult
        if direction in ("up", "both"):
            ties = "up" if direction == "up" else None
            todo = sorted(rel for rel, state in local.items() if _newer_side(state, remote.get(rel), ties) == "up")
            self._in_batches(todo, batch_size, progress, "Uploading",
                             lambda chunk: self._send([(os.path.join(local_root, *rel.split("/")), rel)
                                                       for rel in chunk], parallel))
            result["uploaded"] = todo
            if todo:
                if self._read_remote_text(INDEX_NAME) is not None:
                    self.update_file_index(todo)
                for rel in todo:
                    size, mtime = local[rel]
                    remote[rel] = RemoteEntry(rel, "file", size, int(mtime))
        if direction in ("down", "both"):
            uploaded = set(result["uploaded"])
            todo = sorted(rel for rel, entry in remote.items() if rel not in uploaded and
                          (replace_local or _newer_side(local.get(rel), entry, "down") == "down"))
            self._in_batches(todo, batch_size, progress, "Downloading",
                             lambda chunk: self._fetch([(rel, os.path.join(local_root, local_relative(rel)))
                                                        for rel in chunk], parallel))
            result["downloaded"] = todo
            if replace_local:
                for rel in sorted(set(local) - set(remote)):
                    delete_file_or_dir(os.path.join(local_root, *rel.split("/")))
                    result["deleted"].append(rel)
        if refresh_cache:
            self.cache_file_index(override=True)
        return SyncResult(result["downloaded"], result["uploaded"], result["deleted"])

    def _in_batches(self, items: List[str], batch_size: int, progress: bool, label: str, action) -> None:
        if not items:
            return
        bar = _progress_bar(progress, total=len(items), desc=label, unit="file")
        try:
            for index in range(0, len(items), max(1, batch_size)):
                chunk = items[index:index + max(1, batch_size)]
                action(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()


def _into_each(directories: Sequence[str], paths: Sequence[str], argument: str,
               join: Any) -> List[str]:
    """``join(directory, path)`` for one destination directory per path (upstream's list form)."""
    if len(directories) != len(paths):
        raise ValueError(f"{argument} has {len(directories)} directories for {len(paths)} paths")
    return [join(directory, path) for directory, path in zip(directories, paths)]


def _local_dir_for(directory: str) -> None:
    """Create the destination directory; a file in its place is a clear error (upstream's
    destinations are directories: ``download("a.bin", "out.bin")`` writes ``out.bin/a.bin``)."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise NotADirectoryError(f"the download destination {directory} is a file; destinations are "
                                 f"directories (the file keeps its name inside)")
    os.makedirs(directory, exist_ok=True)


class SyncResult(List[str]):
    """What :meth:`IOHandler.sync` transferred: the relative paths (upstream returned this list),
    with ``downloaded``, ``uploaded`` and ``deleted`` (local files removed by ``replace_local``)."""

    def __init__(self, downloaded: List[str], uploaded: List[str], deleted: List[str]) -> None:
        super().__init__(sorted(set(downloaded) | set(uploaded)))
        self.downloaded, self.uploaded, self.deleted = downloaded, uploaded, deleted

    def __repr__(self) -> str:
        return (f"SyncResult(downloaded={self.downloaded!r}, uploaded={self.uploaded!r}, "
                f"deleted={self.deleted!r})")


def _local_files(root: str) -> Dict[str, Tuple[int, float]]:
    """``{relative posix path: (size, mtime)}`` of the visible files under ``root``."""
    found: Dict[str, Tuple[int, float]] = {}
    for directory, _dirs, files in os.walk(root):
        for name in files:
            if name.startswith(".in.") or name in INDEX_NAMES:
                continue  # lftp's partial downloads and the index itself
            full = os.path.join(directory, name)
            try:
                info = os.stat(full)
            except OSError:
                continue
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            found[rel] = (info.st_size, info.st_mtime)
    return found


def _newer_side(state: Optional[Tuple[int, float]], entry: Optional[RemoteEntry],
                tie: Optional[str]) -> Optional[str]:
    """Which side holds the version to keep: ``"up"`` (local), ``"down"`` (remote) or None.

    A file on one side only goes to the other; a file that differs goes from the side with
    the newer modification time; a size difference with equal times goes the ``tie`` way.
    """
    if entry is None:
        return "up" if state is not None else None
    if state is None:
        return "down"
    size, mtime = state
    if entry.mtime is not None and mtime > entry.mtime + 1:
        return "up"
    if entry.mtime is not None and entry.mtime > mtime + 1:
        return "down"
    if entry.size is not None and entry.size != size:
        return tie
    return None
