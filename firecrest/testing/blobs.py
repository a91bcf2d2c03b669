"""Immutable file contents for the emulator: small ones in memory, large ones in a spool file.

A :class:`Blob` never changes once made, so the virtual file system and the emulated object
store can share one (staging a 1 GiB file costs nothing), and readers need no lock.
"""
from __future__ import annotations

import io
import os
import tempfile
import weakref
from typing import BinaryIO, Iterator, Optional

SPILL_BYTES = 1024 * 1024
CHUNK = 1024 * 1024


class Blob:
    """Bytes in memory, or a read-only spool file removed when the blob is garbage collected."""

    __slots__ = ("_data", "_path", "size", "__weakref__")

    def __init__(self, data: Optional[bytes] = None, path: Optional[str] = None, size: Optional[int] = None) -> None:
        self._data = data
        self._path = path
        if data is not None:
            self.size = len(data)
        else:
            self.size = size if size is not None else os.path.getsize(path)  # type: ignore[arg-type]
            weakref.finalize(self, _unlink, path)

    EMPTY: "Blob"

    @classmethod
    def of(cls, data: bytes, spool_dir: Optional[str] = None) -> "Blob":
        if len(data) <= SPILL_BYTES:
            return cls(bytes(data))
        fd, path = tempfile.mkstemp(prefix="blob-", dir=spool_dir)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return cls(path=path, size=len(data))

    @classmethod
    def from_stream(cls, stream: BinaryIO, spool_dir: Optional[str] = None, limit: Optional[int] = None) -> "Blob":
        """Read ``stream`` to its end (at most ``limit`` bytes), spilling to disk when large."""
        buffer = bytearray()
        out: Optional[BinaryIO] = None
        path = None
        total = 0
        try:
            while True:
                want = CHUNK if limit is None else min(CHUNK, limit - total)
                if want <= 0:
                    break
                chunk = stream.read(want)
                if not chunk:
                    break
                total += len(chunk)
                if out is None:
                    buffer += chunk
                    if len(buffer) > SPILL_BYTES:
                        fd, path = tempfile.mkstemp(prefix="blob-", dir=spool_dir)
                        out = os.fdopen(fd, "wb")
                        out.write(buffer)
                        buffer = bytearray()
                else:
                    out.write(chunk)
        finally:
            if out is not None:
                out.close()
        if path is None:
            return cls(bytes(buffer))
        return cls(path=path, size=total)

    @classmethod
    def zeros(cls, size: int, spool_dir: Optional[str] = None) -> "Blob":
        """``size`` zero bytes (a sparse spool file: a 100 MiB file costs no disk)."""
        if size <= SPILL_BYTES:
            return cls(bytes(size))
        fd, path = tempfile.mkstemp(prefix="blob-", dir=spool_dir)
        os.ftruncate(fd, size)
        os.close(fd)
        return cls(path=path, size=size)

    def read(self, start: int = 0, end: Optional[int] = None) -> bytes:
        """Bytes ``[start, end)`` (meant for small reads: head, tail, view, checksums of small files)."""
        end = self.size if end is None else min(end, self.size)
        if start >= end:
            return b""
        if self._data is not None:
            return self._data[start:end]
        with open(self._path, "rb") as f:  # type: ignore[arg-type]
            f.seek(start)
            return f.read(end - start)

    def chunks(self, start: int = 0, end: Optional[int] = None, size: int = CHUNK) -> Iterator[bytes]:
        end = self.size if end is None else min(end, self.size)
        if self._data is not None:
            for pos in range(start, end, size):
                yield self._data[pos:min(end, pos + size)]
            return
        with open(self._path, "rb") as f:  # type: ignore[arg-type]
            f.seek(start)
            left = end - start
            while left > 0:
                piece = f.read(min(size, left))
                if not piece:
                    return
                left -= len(piece)
                yield piece

    def open(self) -> BinaryIO:
        if self._data is not None:
            return io.BytesIO(self._data)
        return open(self._path, "rb")  # type: ignore[arg-type]

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"<Blob {self.size} bytes{' spooled' if self._path else ''}>"


def _unlink(path: Optional[str]) -> None:
    if path:
        try:
            os.unlink(path)
        except OSError:
            pass


Blob.EMPTY = Blob(b"")
