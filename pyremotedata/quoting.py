"""Turning file names into arguments that lftp (and the OpenSSH ``sftp`` client) read back exactly.

lftp parses its command lines itself (``CmdExec::parse_one_cmd``): ``;``, ``&``, ``|``, ``>``
and a leading ``!`` end a command or start a shell, quotes group, a backslash escapes.
Inside double quotes only ``\\``, ``"`` and ``!`` need a backslash; every other byte is
literal, so a name can never become a second command, a pipe into a shell or a redirection.
Commands that expand wildcards get a second layer: ``\\ * ? [ ]`` escaped for lftp's glob,
in every component for ``glob``, ``mget``, ``mput``, ``mrm``, in the last one only for ``cls``
(which reads the directory part literally).

Two things quoting cannot fix are handled by position instead: a relative name starting with
``-`` (an option), ``~`` (home) or containing ``:`` before any ``/`` (a URL such as
``file:x``) is prefixed with ``./``.

lftp reads one command per line and has no escape for a newline, so a name containing one is
reached through a glob with ``?`` in its place (the caller checks that the glob matches
exactly that one name); a newline in a *directory* component is refused with
:class:`UnsupportedPathError`.
"""
from __future__ import annotations

import os
import posixpath
from typing import Tuple

from .errors import UnsupportedPathError

_GLOB_CHARS = "\\*?[]"


def _check(text: str) -> None:
    if "\x00" in text:
        raise UnsupportedPathError(f"a path cannot contain a NUL byte: {text!r}")


def lftp_quote(arg: str) -> str:
    """One argument for lftp's command parser, taken literally by commands that do not glob."""
    _check(arg)
    if "\n" in arg:
        raise UnsupportedPathError(
            f"lftp's command language cannot carry a newline in an argument: {arg!r}")
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("!", "\\!") + '"'


def glob_escape(text: str) -> str:
    """Escape lftp's wildcard characters so a globbing command matches ``text`` literally."""
    return "".join("\\" + ch if ch in _GLOB_CHARS else ch for ch in text)


def lftp_glob_quote(path: str) -> str:
    """A literal path for a globbing lftp command (``cls``, ``glob``, ``mget``, ``mput``, ``mrm``)."""
    _check(path)
    return lftp_quote(glob_escape(path))


def newline_glob(path: str) -> str:
    """A glob (already quoted) that matches ``path`` whose *basename* contains newlines.

    Each newline becomes ``?``; every other character is matched literally. The caller must
    make sure the pattern matches only the intended name.
    """
    _check(path)
    head, base = posixpath.split(safe_relative(path))
    if "\n" in head:
        raise UnsupportedPathError(
            f"lftp cannot address a file inside a directory whose name contains a newline: {path!r}")
    prefix = "" if not head else ("/" if head == "/" else glob_escape(head) + "/")
    return lftp_quote(prefix + glob_escape(base).replace("\n", "?"))


def needs_glob(path: str) -> bool:
    """True when a path can only be reached through :func:`newline_glob`."""
    return "\n" in path


def safe_relative(path: str) -> str:
    """Prefix ``./`` where lftp would read a relative path as an option, ``~`` or a URL."""
    if not path or path.startswith("/"):
        return path
    first = path.split("/", 1)[0]
    if path[0] in "-~" or ":" in first:
        return "./" + path
    return path


def lftp_path(path: str) -> str:
    """A remote or local path as a literal, quoted lftp argument."""
    return lftp_quote(safe_relative(os.fspath(path)))


def lftp_glob_path(path: str) -> str:
    """A remote or local path as a literal argument to a globbing lftp command."""
    return lftp_glob_quote(safe_relative(os.fspath(path)))


def lftp_listing_path(path: str) -> str:
    """A remote path as a literal argument to ``cls``.

    ``cls`` (lftp 4.9) takes the directory part of its argument literally and globs only the
    last non-empty component, so only that component is escaped: ``Acer [maple]/train/`` lists
    the folder ``Acer [maple]/train`` and ``Acer \\[maple\\]/`` the folder ``Acer [maple]``
    (measured with lftp 4.9.2; escaping the directory part makes lftp look for backslashes).
    ``glob``, ``mget``, ``mput`` and ``mrm`` glob every component and take
    :func:`lftp_glob_path` instead.
    """
    text = safe_relative(os.fspath(path))
    _check(text)
    body = text.rstrip("/")
    trailing = text[len(body):]
    head, sep, last = body.rpartition("/")  # with a trailing slash the globbed part is the one before it
    return lftp_quote(head + sep + glob_escape(last) + trailing)


def sftp_batch_quote(path: str) -> str:
    """A path for an OpenSSH ``sftp -b`` batch line (``get``/``put`` operands).

    Inside double quotes the sftp parser keeps ``\\x`` pairs and escapes quoted wildcards
    itself; only ``\\`` and ``"`` need escaping. Paths must be absolute (no option parsing).
    """
    _check(path)
    if "\n" in path or not path.startswith("/"):
        raise UnsupportedPathError(f"not usable in an sftp batch line: {path!r}")
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def split_remote(path: str) -> Tuple[str, str]:
    """(directory, basename) of a remote POSIX path, directory ``"."`` when there is none."""
    head, base = posixpath.split(path.rstrip("/") or path)
    return (head or "."), base
