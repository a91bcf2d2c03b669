"""Remote listings that survive any file name.

lftp's ``cls`` prints one entry per line, so a name containing a newline would look like two
entries. Each entry is therefore printed with its permissions, size and a time stamp wrapped
in a random marker (``--time-style=+<marker>%s<marker>``): a line that does not start with
that shape continues the previous name. Paths are printed with the directory prefix given on
the command line, so one command can list many directories (a level of a recursive walk).
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Iterable, List, Optional

from .quoting import lftp_listing_path


@dataclass(frozen=True)
class RemoteEntry:
    """One listed remote path."""

    path: str
    kind: str  # "file", "dir", "link" or "other"
    size: Optional[int]
    mtime: Optional[int]

    @property
    def is_dir(self) -> bool:
        return self.kind == "dir"


def new_marker() -> str:
    return "PRDT" + uuid.uuid4().hex[:12]


def listing_command(paths: Iterable[str], marker: str, *, itself: bool = False, hidden: bool = False,
                    fresh: bool = True) -> str:
    """The ``cls`` command listing ``paths`` (their contents, or with ``itself`` the entries)."""
    verb = "recls" if fresh else "cls"
    flags = ["-1", "--perm", "-s", "--filesize", "--block-size=1", "--date", f"--time-style=+{marker}%s{marker}"]
    if itself:
        flags.append("-d")
    if hidden:
        flags.append("-a")
    args = " ".join(lftp_listing_path(path) for path in paths)
    return f"{verb} {' '.join(flags)} {args}".rstrip()


def _entry_pattern(marker: str) -> "re.Pattern[str]":
    return re.compile(r"^(?P<perm>[-a-zA-Z?][-a-zA-Z?]{9}[.+@]?)\s+(?:(?P<size>\d+)\s+)?"
                      + re.escape(marker) + r"(?P<mtime>-?\d*)" + re.escape(marker) + r" (?P<name>.*)$",
                      re.DOTALL)


_KINDS = {"d": "dir", "-": "file", "l": "link"}


def parse_listing(lines: Iterable[str], marker: str) -> List[RemoteEntry]:
    """Entries from ``cls`` output made by :func:`listing_command`, dropping ``.`` and ``..``."""
    pattern = _entry_pattern(marker)
    raw: List[List[str]] = []
    for line in lines:
        match = pattern.match(line)
        if match:
            raw.append([match.group("perm"), match.group("size") or "", match.group("mtime"), match.group("name")])
        elif raw:
            raw[-1][3] += "\n" + line
    entries = []
    for perm, size, mtime, name in raw:
        base = name.rstrip("/").rsplit("/", 1)[-1] if name not in ("/",) else name
        if base in (".", ".."):
            continue
        entries.append(RemoteEntry(
            path=name, kind=_KINDS.get(perm[0], "other"),
            size=int(size) if size else None, mtime=int(mtime) if mtime.lstrip("-").isdigit() else None))
    return entries


def relative_to(path: str, prefix: str) -> Optional[str]:
    """``path`` without the directory ``prefix`` (which ends in ``/``), if it is directly inside."""
    if prefix in ("", "./") and "/" not in path.rstrip("/"):
        return path
    if prefix and path.startswith(prefix):
        rest = path[len(prefix):]
        if rest and "/" not in rest:
            return rest
    return None
