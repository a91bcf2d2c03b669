"""Local file-system helpers (upstream's module-level helpers live here, re-exported)."""
from __future__ import annotations

import os
import posixpath
import shutil
from typing import Dict, Iterable, List, Optional, Tuple

IMMUTABLE_DIRECTORIES = ("", ".", "..", "./", "/", os.sep)


def delete_file_or_dir(path: str, *, missing_ok: bool = True, force: bool = False) -> None:
    """Remove a file, a link, or a directory (a non-empty one only with ``force``).

    The directories in :data:`IMMUTABLE_DIRECTORIES` and the user's home are never deleted.
    """
    path = os.fspath(path)
    if path in IMMUTABLE_DIRECTORIES or os.path.abspath(path) in (os.path.abspath(os.sep),
                                                                 os.path.expanduser("~")):
        raise ValueError(f"refusing to delete {path!r}")
    if os.path.islink(path) or os.path.isfile(path):
        try:
            os.remove(path)
        except FileNotFoundError:
            if not missing_ok:
                raise
        return
    if os.path.isdir(path):
        if force:
            shutil.rmtree(path)
        else:
            os.rmdir(path)
        return
    if not missing_ok:
        raise FileNotFoundError(path)


def make_new_path(path: str) -> str:
    """``path`` if free, else ``path_1``, ``path_2``, ... (before the extension)."""
    if not os.path.exists(path):
        return path
    stem, ext = os.path.splitext(path)
    index = 1
    while os.path.exists(f"{stem}_{index}{ext}"):
        index += 1
    return f"{stem}_{index}{ext}"


def validate_directory(path: str) -> str:
    """Create ``path`` if needed and return it as an absolute path; refuse non-directories."""
    path = os.path.abspath(os.path.expanduser(os.fspath(path)))
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f"{path} exists and is not a directory")
    os.makedirs(path, exist_ok=True)
    return path


def local_relative(remote_path: str) -> str:
    """A relative local path for a remote path, never escaping the destination directory."""
    parts = [part for part in remote_path.split("/") if part not in ("", ".", "..")]
    if not parts:
        raise ValueError(f"no file name in remote path {remote_path!r}")
    return os.path.join(*parts)


def destinations(remote_paths: Iterable[str], directory: str) -> List[str]:
    """Local paths in ``directory`` for remote files: basenames, or relative paths on clashes.

    Upstream put every file at ``directory/<basename>``, so two files with the same name
    overwrote each other; here same-named files keep their remote directory structure.
    """
    remote_paths = list(remote_paths)
    bases = [posixpath.basename(path.rstrip("/")) for path in remote_paths]
    if len(set(bases)) == len(bases):
        return [os.path.join(directory, base) for base in bases]
    return [os.path.join(directory, local_relative(path)) for path in remote_paths]


def snapshot(directory: str) -> Dict[str, Tuple[int, int]]:
    """``{absolute file path: (size, mtime_ns)}`` for every file under ``directory``."""
    found: Dict[str, Tuple[int, int]] = {}
    if not os.path.isdir(directory):
        return found
    for root, _dirs, files in os.walk(directory):
        for name in files:
            full = os.path.join(root, name)
            try:
                info = os.stat(full)
            except OSError:
                continue
            found[full] = (info.st_size, info.st_mtime_ns)
    return found


def changed_files(before: Dict[str, Tuple[int, int]], after: Dict[str, Tuple[int, int]]) -> List[str]:
    """Files that are new or whose size/mtime changed between two snapshots."""
    return sorted(path for path, state in after.items() if before.get(path) != state)


def tree_size(paths: Iterable[str]) -> int:
    """Total bytes of the files (or files under the directories) given; an activity probe."""
    total = 0
    for path in paths:
        try:
            if os.path.isdir(path):
                for root, _dirs, files in os.walk(path):
                    for name in files:
                        try:
                            total += os.lstat(os.path.join(root, name)).st_size
                        except OSError:
                            pass
            else:
                total += os.lstat(path).st_size
        except OSError:
            pass
    return total


def dir_bytes(directories: Iterable[str]) -> int:
    """Bytes held directly in ``directories`` (temporary ``.in.*`` files included)."""
    total = 0
    for directory in directories:
        try:
            with os.scandir(directory) as entries:
                for entry in entries:
                    try:
                        if entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        pass
        except OSError:
            pass
    return total


def process_io(pid: Optional[int]) -> Optional[int]:
    """Bytes a process has read and written so far (``/proc/<pid>/io``), an activity probe for
    uploads: lftp reads the local files and writes them to ssh as it sends. None where /proc
    does not tell (then a transfer's timeout is a plain deadline)."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/io", "r", encoding="ascii") as handle:
            counters = dict(line.split(":", 1) for line in handle if ":" in line)
        return int(counters["rchar"]) + int(counters["wchar"])
    except (OSError, KeyError, ValueError):
        return None
