"""Invocation payloads: what ``run_service`` sends and how it reads what comes back.

Input (``prepare_input``):

* a dict (or list) – sent as real JSON;
* a path to an existing file, or a binary file object – base64 of its bytes, *streamed*
  (:class:`Base64Body`: the length is known in advance, so the request has a
  ``Content-Length``; memory stays bounded whatever the file size);
* text – base64 of its UTF-8 bytes (any Unicode); bytes – base64 of the bytes.

Output (``decode_output``): ``"auto"`` decodes a body that is strict base64 (RFC 4648
alphabet, correct padding), as upstream decodes base64 answers, except a short one that
decodes to binary: ``Done`` and ``abcd1234`` are valid base64 too, and a plain-text answer must
not become garbage. So it is decoded when the decoded bytes are text (UTF-8, terminal colours
and a byte-order mark allowed) or start with a known file signature (PNG, JPEG, PDF, ZIP,
gzip, ...), or when the body is long (``MIN_BINARY_BASE64`` characters, or
``MIN_BINARY_FILE_BASE64`` for a destination that is not a text file) and not hexadecimal (a
SHA-256 digest printed by a service is valid base64 too). ``"raw"`` and
``"base64"`` force either reading.
The file is written atomically.
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import os
import re
from typing import Any, BinaryIO, Dict, Optional, Tuple, Union

from archfx_cloud.api.progress import Progress
from archfx_cloud.api.transfer import atomic_open

__all__ = ["Base64Body", "prepare_input", "decode_output", "looks_base64", "write_atomic",
           "parse_headers", "OUTPUT_MODES", "TEXT_EXTENSIONS"]

OUTPUT_MODES = ("auto", "raw", "base64")
TEXT_EXTENSIONS = frozenset({".txt", ".json", ".csv", ".tsv", ".md", ".yaml", ".yml", ".xml", ".html", ".htm",
                             ".log", ".out", ".ini", ".cfg", ".toml", ".sh", ".py", ""})
_RAW_BLOCK = 3 * 256 * 1024  # raw bytes encoded at a time (a multiple of 3: no padding mid-stream)
_B64_ALPHABET = re.compile(rb"^[A-Za-z0-9+/]*={0,2}$")
_HEX = re.compile(rb"^[0-9A-Fa-f]+$")
#: Shorter base64-looking answers decode to binary only when they carry a file signature (for
#: a binary destination such as ``.png`` the bar is lower: words are shorter than 16 characters).
MIN_BINARY_BASE64 = 64
MIN_BINARY_FILE_BASE64 = 16
_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-", b"PK\x03\x04",
               b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"(\xb5/\xfd", b"II*\x00", b"MM\x00*", b"RIFF",
               b"\x7fELF", b"\x93NUMPY", b"\x89HDF\r\n\x1a\n", b"OggS", b"fLaC", b"ID3", b"7z\xbc\xaf\x27\x1c")


def b64_length(size: int) -> int:
    """Length of the base64 encoding of ``size`` bytes."""
    return 4 * ((size + 2) // 3)


class Base64Body(io.RawIOBase):
    """Base64 of a binary file object, produced block by block as ``requests`` reads it.

    Has ``len``/``__len__`` (so the request carries a Content-Length), ``read(n)``,
    ``rewind()`` (the core pipeline rewinds bodies for a retry or an auth replay) and
    ``__iter__``. Holds at most about one MiB of encoded data at a time.
    """

    def __init__(self, fileobj: BinaryIO, size: Optional[int] = None, progress: Optional[Progress] = None,
                 close_source: bool = False) -> None:
        super().__init__()
        self._source = fileobj
        self._start = fileobj.tell()
        if size is None:
            size = fileobj.seek(0, os.SEEK_END) - self._start
            fileobj.seek(self._start)
        self.raw_size = size
        self.len = b64_length(size)
        self.progress = progress
        self._close_source = close_source
        self.rewind()

    def rewind(self) -> None:
        self._source.seek(self._start)
        self._raw_left = self.raw_size
        self._buffer = b""
        self._pos = 0
        if self.progress is not None and self.progress.done:
            self.progress.reset_to(0)

    def __len__(self) -> int:
        return self.len

    def tell(self) -> int:
        """Bytes of the encoding already handed out (``requests`` computes the length from it)."""
        return self.len - self._remaining()

    def _remaining(self) -> int:
        # raw bytes are consumed in multiples of 3 (until the end), so their encoding is independent
        return (len(self._buffer) - self._pos) + b64_length(self._raw_left)

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return True

    def _refill(self) -> bool:
        if self._raw_left <= 0:
            return False
        raw = self._source.read(min(_RAW_BLOCK, self._raw_left))
        if not raw:
            raise IOError(f"input file shrank while it was being sent ({self._raw_left} bytes missing)")
        self._raw_left -= len(raw)
        while len(raw) % 3 and self._raw_left > 0:  # a short read mid-file: keep the 3-byte alignment
            more = self._source.read(min(3 - len(raw) % 3, self._raw_left))
            if not more:
                raise IOError(f"input file shrank while it was being sent ({self._raw_left} bytes missing)")
            self._raw_left -= len(more)
            raw += more
        if self.progress is not None:
            self.progress.update(len(raw))
        self._buffer = base64.b64encode(raw)
        self._pos = 0
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            chunks = []
            while True:
                block = self.read(1024 * 1024)
                if not block:
                    return b"".join(chunks)
                chunks.append(block)
        if self._pos >= len(self._buffer) and not self._refill():
            return b""
        block = self._buffer[self._pos:self._pos + size]
        self._pos += len(block)
        return block

    def readinto(self, buffer: Any) -> int:
        block = self.read(len(buffer))
        buffer[:len(block)] = block
        return len(block)

    def __iter__(self):  # requests streams bodies that are iterable
        while True:
            block = self.read(64 * 1024)
            if not block:
                return
            yield block

    def close(self) -> None:
        if self._close_source and not self._source.closed:
            self._source.close()
        super().close()


def prepare_input(data: Any, progress: Any = None) -> Tuple[Any, Dict[str, str], Optional[BinaryIO]]:
    """``(body, headers, opened_file)`` for an invocation input (see the module docstring).

    ``opened_file`` is a file this function opened; the caller closes it after the request.
    """
    if data is None:
        return None, {}, None
    headers = {"Content-Type": "application/json"}  # what OSCAR's docs and upstream send
    if isinstance(data, (dict, list)):
        return json.dumps(data).encode("utf-8"), headers, None
    if isinstance(data, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(data)), headers, None
    if hasattr(data, "read"):
        return Base64Body(data, progress=_progress(progress, None)), headers, None
    if hasattr(data, "__fspath__") or (isinstance(data, str) and _is_file(data)):
        path = os.fspath(data)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"input file {path!r} does not exist")
        handle = open(path, "rb")
        size = os.fstat(handle.fileno()).st_size
        return Base64Body(handle, size, progress=_progress(progress, size, os.path.basename(path))), headers, handle
    if isinstance(data, str):
        return base64.b64encode(data.encode("utf-8")), headers, None
    raise TypeError(f"cannot send a {type(data).__name__} as service input; "
                    "pass a dict, text, bytes, a file path or a binary file object")


def _is_file(text: str) -> bool:
    try:
        return len(text) < 4096 and "\n" not in text and os.path.isfile(text)
    except (OSError, ValueError):
        return False


def _progress(progress: Any, total: Optional[int], name: str = "") -> Optional[Progress]:
    if progress is None or progress is False:
        return None
    return Progress(progress, total, description=name)


def looks_base64(text: bytes) -> bool:
    """Strict RFC 4648 base64 (line breaks allowed), non-empty, correctly padded."""
    compact = re.sub(rb"\r?\n", b"", text.strip())
    if not compact or len(compact) % 4 or not _B64_ALPHABET.match(compact):
        return False
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _printable_text(data: bytes) -> bool:
    """UTF-8 text: printable characters, whitespace, terminal escapes (colours), a BOM."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\t\n\r\f\x1b\ufeff" for ch in text)


def decode_output(body: bytes, mode: str = "auto", destination: Optional[str] = None) -> bytes:
    """The bytes a service produced, from the body it returned.

    ``mode``: ``"auto"`` (see the module docstring), ``"raw"`` (as returned) or ``"base64"``
    (strict decoding; a body that is not base64 raises ``ValueError``).
    """
    if mode not in OUTPUT_MODES:
        raise ValueError(f"output mode must be one of {', '.join(OUTPUT_MODES)}, not {mode!r}")
    if mode == "raw":
        return body
    compact = re.sub(rb"\r?\n", b"", body.strip())
    if mode == "base64":
        if not looks_base64(body):
            raise ValueError("the service output is not valid base64")
        return base64.b64decode(compact, validate=True)
    if not looks_base64(body):
        return body
    decoded = base64.b64decode(compact, validate=True)
    extension = os.path.splitext(destination or "")[1].lower()
    if _printable_text(decoded) or decoded.startswith(_SIGNATURES):
        return decoded
    if _HEX.match(compact):
        return body  # a digest or an id printed in hex is valid base64 too: it is the answer itself
    long_enough = MIN_BINARY_BASE64 if destination is None or extension in TEXT_EXTENSIONS else MIN_BINARY_FILE_BASE64
    if len(compact) >= long_enough:
        return decoded
    return body  # a short word that happens to be base64 ("Done", "abcd1234")


def write_atomic(path: Union[str, "os.PathLike[str]"], data: bytes) -> str:
    """Write ``data`` to ``path`` through the core's atomic writer (temporary file, then rename)."""
    with atomic_open(path) as out:
        out.write(data)
    return os.fspath(path)


def parse_headers(headers: Any) -> Dict[str, str]:
    """Extra request headers: a dict, or upstream's string form ``"K: v, K2: v2"``.

    In the string form, headers are separated by commas and each splits on its *first* colon,
    so values may contain colons (URLs, times).
    """
    if not headers:
        return {}
    if isinstance(headers, dict):
        return {str(k): str(v) for k, v in headers.items()}
    out: Dict[str, str] = {}
    for item in str(headers).split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"header {item.strip()!r} is not 'Name: value'")
        out[name.strip()] = value.strip()
    return out
