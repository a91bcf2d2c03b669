"""Building request URLs that can never leave the client's base URL.

Every id is one percent-encoded path segment: ``/``, ``?``, ``#`` and ``%`` inside an id are
escaped, so ``a?b`` stays a name. An id that is only useful for escaping (``..`` or ``.``, a
leading ``/``, a ``scheme://`` or ``//host``) is refused with ``ValueError`` instead.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Optional, Tuple
from urllib.parse import quote, urlsplit, urlunsplit

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def normalize_base_url(base_url: str) -> str:
    """Base URL without trailing slashes; ``http://h/api/`` and ``http://h/api`` are the same."""
    if not isinstance(base_url, str) or not base_url:
        raise ValueError(f"base URL must be a non-empty string, got {type(base_url).__name__}")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"base URL must be an absolute http(s) URL, got {base_url!r}")
    return base_url.rstrip("/")


def _check_escape(text: str, what: str) -> None:
    if text.startswith("/") or text.startswith("\\"):
        raise ValueError(f"{what} {text!r} starts with a slash and would leave the base URL")
    if "://" in text or (_SCHEME.match(text) and "//" in text):
        raise ValueError(f"{what} {text!r} looks like an absolute URL and would leave the base URL")


def quote_segment(value: Any) -> str:
    """One id as one safe path segment. ``0`` is a valid id; ``None`` and ``''`` are not."""
    if value is None:
        raise ValueError("a path segment cannot be None")
    if isinstance(value, bool):
        raise ValueError(f"a path segment cannot be a bool ({value!r})")
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"path segment {value!r} is not UTF-8") from None
    text = str(value)
    if text == "":
        raise ValueError("a path segment cannot be empty")
    _check_escape(text, "id")
    for piece in re.split(r"[/\\]", text):
        if piece in (".", ".."):
            raise ValueError(f"id {text!r} contains a '{piece}' segment and would leave the base URL")
    if text.lower().replace("%2e", ".") in (".", ".."):
        raise ValueError(f"id {text!r} is an encoded dot segment")
    return quote(text, safe="")


def split_path(path: Any) -> Tuple[str, ...]:
    """A literal multi-segment path (``"streamer/report"``) as quoted segments."""
    text = str(path)
    _check_escape(text, "path")
    pieces = [p for p in text.split("/") if p != ""]
    return tuple(quote_segment(p) for p in pieces)


def join_url(base_url: str, segments: Iterable[str], trailing_slash: bool) -> str:
    """``base/seg1/seg2`` (+ ``/`` when the service wants it). Segments are already quoted."""
    path = "/".join(segments)
    if not path:
        return base_url + "/" if trailing_slash else base_url
    url = f"{base_url}/{path}"
    return url + "/" if trailing_slash else url


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(parts: Any) -> Tuple[str, str, Optional[int]]:
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a non-numeric port: never equal to a real origin
        return scheme, "\0invalid", None
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


def _under(path: str, base_path: str) -> bool:
    base = base_path.rstrip("/")
    return path == base or path.startswith(base + "/") or not base


def same_origin(url: str, base_url: str) -> bool:
    """True when ``url`` has the scheme, host and port of ``base_url`` and lies under its path.

    Whole components are compared: ``https://api.example.com.evil.net`` is not under
    ``https://api.example.com``, nor ``/api/v10`` under ``/api/v1``, nor port 4434 under 443.
    """
    a, b = urlsplit(url), urlsplit(base_url)
    return _origin(a) == _origin(b) and "@" not in a.netloc and _under(a.path, b.path)


def onto_base_origin(url: str, base_url: str) -> Optional[str]:
    """``url`` moved onto ``base_url``'s scheme and port when it names the same host over plain
    HTTP while the base is HTTPS (a server behind a TLS-terminating proxy writing ``http://``
    links); None when it is elsewhere."""
    a, b = urlsplit(url), urlsplit(base_url)
    if same_origin(url, base_url):
        return url
    if (a.scheme.lower(), b.scheme.lower()) != ("http", "https") or "@" in a.netloc:
        return None
    if (a.hostname or "").lower() != (b.hostname or "").lower() or not _under(a.path, b.path):
        return None
    moved = urlunsplit((b.scheme, b.netloc, a.path, a.query, a.fragment))
    return moved if same_origin(moved, base_url) else None
