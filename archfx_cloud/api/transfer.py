"""Streaming uploads and downloads in bounded memory.

Uploads: :class:`FileBody` (a raw body) and :class:`MultipartStream` (``multipart/form-data``)
are file-like objects with a known length, so ``requests`` sends them with a
``Content-Length`` and reads them in small blocks; neither ever holds a file in memory, both
report progress and can be rewound for a retry.

Downloads (:func:`download`) go to a temporary file next to the destination, renamed only once
complete (and verified against a checksum when one is given); a connection dropped mid-body is
resumed with ``Range`` when the server honours it.
"""
from __future__ import annotations

import hashlib
import io
import os
import stat
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import requests

from .exceptions import ChecksumMismatchError, TransferError
from .progress import Progress, ProgressArg

if TYPE_CHECKING:  # pragma: no cover
    from .client import RestClient

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[PathLike, bytes, BinaryIO, Tuple[Any, ...]]

DOWNLOAD_CHUNK = 1024 * 1024
#: Bytes per read of an upload body (and per socket send: the adapters use the same block size).
UPLOAD_BLOCK = 256 * 1024
#: Bytes per file read of a body our connections send themselves (progress is reported after
#: each); the buffers are pooled, at most :data:`_KEPT_SEND_BUFFERS` of them kept between uploads.
SEND_BUFFER = 1024 * 1024
_KEPT_SEND_BUFFERS = 32
_send_buffers: List[bytearray] = []
_DROPPED = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)


# --------------------------------------------------------------------------- upload bodies
class OpenedSource:
    """An upload source resolved to a readable binary file object."""

    __slots__ = ("fileobj", "filename", "content_type", "size", "start", "owned")

    def __init__(self, fileobj: BinaryIO, filename: str, content_type: str, size: int, start: int,
                 owned: bool) -> None:
        self.fileobj = fileobj
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.start = start
        self.owned = owned

    def close(self) -> None:
        if self.owned:
            self.fileobj.close()

    def __enter__(self) -> "OpenedSource":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _remaining_size(fileobj: IO[bytes], start: int) -> int:
    try:
        return os.fstat(fileobj.fileno()).st_size - start
    except (AttributeError, OSError, io.UnsupportedOperation):
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(start)
        return end - start


def open_source(source: Source, filename: Optional[str] = None, content_type: Optional[str] = None) -> OpenedSource:
    """Accept a path, bytes, a binary file object, or an upstream-style tuple
    ``(filename, fileobj[, content_type])``."""
    owned = False
    if isinstance(source, tuple):
        if len(source) < 2:
            raise ValueError("an upload tuple must be (filename, fileobj[, content_type])")
        filename = filename or str(source[0])
        if len(source) > 2 and source[2]:
            content_type = content_type or str(source[2])
        source = source[1]
    if isinstance(source, (bytes, bytearray, memoryview)):
        fileobj: BinaryIO = io.BytesIO(bytes(source))
        owned = True
    elif isinstance(source, str) or hasattr(source, "__fspath__"):
        path = os.fspath(source)  # type: ignore[arg-type]
        try:  # opened first and checked on the handle: no separate stat, no race with a rename
            fileobj = open(path, "rb")
            if not stat.S_ISREG(os.fstat(fileobj.fileno()).st_mode):
                fileobj.close()
                raise IsADirectoryError(path)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise FileNotFoundError(f"upload source {path!r} does not exist or is not a file") from None
        owned = True
        filename = filename or os.path.basename(path)
    elif hasattr(source, "read"):
        fileobj = source  # type: ignore[assignment]
        if isinstance(fileobj.read(0), str):
            raise TypeError("upload file objects must be opened in binary mode ('rb')")
        filename = filename or os.path.basename(str(getattr(source, "name", "") or "")) or "file"
    else:
        raise TypeError(f"cannot upload a {type(source).__name__}; pass a path, bytes or a binary file object")
    filename = filename or "file"
    try:
        start = fileobj.tell()
    except (AttributeError, OSError, io.UnsupportedOperation):
        raise TypeError("upload file objects must be seekable so that retries can rewind them") from None
    size = _remaining_size(fileobj, start)
    if not content_type:
        import mimetypes  # only uploads need it; kept off the import path
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return OpenedSource(fileobj, filename, content_type, size, start, owned)


class _Segments(io.RawIOBase):
    """Concatenation of byte strings and file regions, readable once per rewind.

    ``read(n)`` returns at most ``n`` bytes of one segment (short reads are allowed by the file
    protocol, and ``urllib3`` sends whatever each read returns): the bytes of a file region are
    handed out as the file read them, never joined with form text, so reads stay aligned with
    the file, come in equal sizes the allocator can reuse, and cost no copy. Adjacent byte
    strings are merged once, here, so form text goes out in one piece.
    """

    def __init__(self, segments: Sequence[Union[bytes, Tuple[BinaryIO, int, int]]], progress: Optional[Progress] = None):
        super().__init__()
        merged: List[Union[bytes, Tuple[BinaryIO, int, int]]] = []
        for seg in segments:
            if isinstance(seg, bytes) and merged and isinstance(merged[-1], bytes):
                merged[-1] += seg
            elif not (isinstance(seg, bytes) and not seg) and not (isinstance(seg, tuple) and seg[2] == 0):
                merged.append(seg)  # empty strings and empty file regions are left out
        self._segments = merged
        self.len = sum(len(s) if isinstance(s, bytes) else s[2] for s in self._segments)
        self.progress = progress
        self.rewind()

    def rewind(self) -> None:
        self._index = 0
        self._offset = 0
        self._position = 0
        for seg in self._segments:
            if not isinstance(seg, bytes):
                seg[0].seek(seg[1])
        if self.progress is not None and self.progress.done:
            self.progress.reset_to(0)

    def __len__(self) -> int:
        return self.len

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        """Bytes handed out so far. ``requests`` subtracts this from ``len()`` to get the
        Content-Length; without it the body would be sent chunked."""
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Only rewinding (``seek(0)``) and asking the position are supported."""
        if whence == io.SEEK_CUR and offset == 0:
            return self._position
        if whence == io.SEEK_SET and offset == 0:
            self.rewind()
            return 0
        raise io.UnsupportedOperation("streamed upload bodies can only be rewound to the start")

    def read(self, size: Optional[int] = -1) -> bytes:
        """Up to ``size`` bytes of the current segment; everything left for ``size < 0``."""
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(DOWNLOAD_CHUNK), b""))
        while self._index < len(self._segments):
            seg = self._segments[self._index]
            if isinstance(seg, bytes):
                seg_len = len(seg)
                take = min(size, seg_len - self._offset)
                piece = seg if take == seg_len else seg[self._offset:self._offset + take]
            else:
                fileobj, seg_len = self._file_segment(seg)
                piece = fileobj.read(min(size, seg_len - self._offset))
                if not piece and seg_len - self._offset > 0:
                    raise TransferError(f"upload source shrank while it was being sent "
                                        f"({seg_len - self._offset} bytes missing)")
            self._offset += len(piece)
            if self._offset >= seg_len:
                self._index += 1
                self._offset = 0
            if not piece:
                continue  # an empty file region
            self._position += len(piece)
            if self.progress is not None:
                self.progress.update(len(piece))
            return piece
        return b""

    def send_over(self, sock: Any) -> None:
        """Send what is left of the body with ``sock.sendall``: byte strings as they are, plain
        files read into a pooled :data:`SEND_BUFFER` (no new ``bytes`` per block), other file
        objects (wrappers that hook ``read()`` included) through :meth:`read`."""
        try:
            buffer = _send_buffers.pop()  # atomic under the GIL: one buffer per upload in flight
        except IndexError:
            buffer = bytearray(SEND_BUFFER)
        view = memoryview(buffer)
        try:
            while self._index < len(self._segments):
                seg = self._segments[self._index]
                if isinstance(seg, bytes):
                    piece = seg[self._offset:] if self._offset else seg
                    sock.sendall(piece)
                    self._advance(len(piece))
                    continue
                if type(seg[0]) not in _PLAIN_FILES:
                    piece = self.read(UPLOAD_BLOCK)  # also advances
                    if piece:
                        sock.sendall(piece)
                    continue
                fileobj, seg_len = self._file_segment(seg)
                got = fileobj.readinto(view[:min(len(buffer), seg_len - self._offset)])
                if not got:
                    raise TransferError(f"upload source shrank while it was being sent "
                                        f"({seg_len - self._offset} bytes missing)")
                sock.sendall(view[:got])
                self._advance(got)
        finally:
            view.release()
            if len(_send_buffers) < _KEPT_SEND_BUFFERS:
                _send_buffers.append(buffer)

    def _file_segment(self, seg: Tuple[BinaryIO, int, int]) -> Tuple[BinaryIO, int]:
        """``(file, length)`` of a file region, positioned at its start when entering it (the
        same file object may stand in the body twice)."""
        fileobj, start, seg_len = seg
        if not self._offset:
            fileobj.seek(start)
        return fileobj, seg_len

    def _advance(self, size: int) -> None:
        """Count ``size`` bytes of the current segment as sent."""
        seg = self._segments[self._index]
        self._offset += size
        self._position += size
        if self._offset >= (len(seg) if isinstance(seg, bytes) else seg[2]):
            self._index += 1
            self._offset = 0
        if self.progress is not None and size:
            self.progress.update(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def __iter__(self):  # requests checks for __iter__ to treat the body as a stream
        while True:
            block = self.read(UPLOAD_BLOCK)
            if not block:
                return
            yield block


class FileBody(_Segments):
    """A raw (non-multipart) upload body streamed from a file object."""

    def __init__(self, source: OpenedSource, progress: Optional[Progress] = None) -> None:
        self.content_type = source.content_type
        super().__init__([(source.fileobj, source.start, source.size)], progress)


#: File types whose ``readinto`` is the file's own: their bytes can be read straight into the
#: send buffer. Anything else (a wrapper counting or transforming what ``read()`` returns) is read.
_PLAIN_FILES = (io.FileIO, io.BufferedReader, io.BufferedRandom)


def _quote_param(value: str) -> str:
    # HTML5 multipart/form-data escaping of names and filenames.
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _field_items(fields: Any) -> Iterable[Tuple[str, Any]]:
    if not fields:
        return []
    items = fields.items() if isinstance(fields, Mapping) else fields
    for name, value in items:
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is not None:
                yield str(name), v


class MultipartStream(_Segments):
    """``multipart/form-data`` built as a stream: form fields, then the file parts."""

    def __init__(self, fields: Any = None, files: Sequence[Tuple[str, OpenedSource]] = (),
                 progress: Optional[Progress] = None, boundary: Optional[str] = None) -> None:
        self.boundary = boundary or os.urandom(16).hex()
        self.content_type = f"multipart/form-data; boundary={self.boundary}"
        dash = f"--{self.boundary}\r\n".encode()
        segments: List[Union[bytes, Tuple[BinaryIO, int, int]]] = []
        for name, value in _field_items(fields):
            if isinstance(value, (bytes, bytearray)):
                payload = bytes(value)
            else:
                payload = str(value).encode("utf-8")
            segments.append(dash + f'Content-Disposition: form-data; name="{_quote_param(name)}"\r\n\r\n'
                            .encode("utf-8") + payload + b"\r\n")
        for name, src in files:
            segments.append(dash + (f'Content-Disposition: form-data; name="{_quote_param(name)}"; '
                                    f'filename="{_quote_param(src.filename)}"\r\n'
                                    f"Content-Type: {src.content_type}\r\n\r\n").encode("utf-8"))
            segments.append((src.fileobj, src.start, src.size))
            segments.append(b"\r\n")
        segments.append(f"--{self.boundary}--\r\n".encode())
        super().__init__(segments, progress)


def rewind_body(body: Any, start: Optional[int]) -> bool:
    """Put a request body back at its start for a retry; False when that is impossible."""
    if body is None or isinstance(body, (bytes, str, dict, list, tuple)):
        return True
    if hasattr(body, "rewind"):
        body.rewind()
        return True
    if start is not None and hasattr(body, "seek"):
        body.seek(start)
        return True
    return False


def body_start(body: Any) -> Optional[int]:
    if body is None or isinstance(body, (bytes, str, dict, list, tuple)) or hasattr(body, "rewind"):
        return None
    try:
        return body.tell()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def is_rewindable(body: Any, start: Optional[int]) -> bool:
    return (body is None or isinstance(body, (bytes, str, dict, list, tuple)) or hasattr(body, "rewind")
            or start is not None)


# --------------------------------------------------------------------------- downloads
def parse_checksum(checksum: Union[None, str, Tuple[str, str]]) -> Tuple[Optional[str], Optional[str]]:
    """``"sha256:<hex>"`` or ``("md5", "<hex>")`` -> ``(algorithm, hex)``."""
    if checksum is None:
        return None, None
    if isinstance(checksum, tuple):
        algo, digest = checksum
    else:
        algo, sep, digest = str(checksum).partition(":")
        if not sep:
            raise ValueError(f"checksum must look like 'sha256:<hex>', got {checksum!r}")
    algo = algo.lower().replace("-", "")
    if algo not in hashlib.algorithms_available:
        raise ValueError(f"unknown checksum algorithm {algo!r}")
    return algo, digest.lower()


def _content_range_start(response: requests.Response) -> Optional[int]:
    value = response.headers.get("Content-Range", "")
    if not value.startswith("bytes "):
        return None
    try:
        return int(value[6:].split("-", 1)[0])
    except ValueError:
        return None


def _content_length(response: requests.Response) -> Optional[int]:
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _is_special_file(path: str) -> bool:
    """True for an existing path that is neither a regular file nor a directory (a device, FIFO...)."""
    import stat
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _part_file(directory: str, name: str) -> Tuple[int, str]:
    """A new temporary file next to the destination, created with the ordinary ``0o666 & ~umask``
    mode (``mkstemp``'s 0600 would stay on the downloaded file after the rename)."""
    for _ in range(100):
        path = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.part")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file in {directory!r}")


@contextmanager
def atomic_open(path: PathLike) -> Iterator[BinaryIO]:
    """A binary file to write that becomes ``path`` only if the block completes.

    Bytes go to a temporary file next to ``path`` (ordinary ``0o666 & ~umask`` mode), renamed
    over ``path`` on success and removed on any failure, so readers never see a half-written
    file and a failed write keeps the previous one. A device or FIFO (``/dev/null``) is written
    in place: renaming over it would replace the node.
    """
    final = os.fspath(path)
    if _is_special_file(final):
        with open(final, "wb") as special:
            yield special  # type: ignore[misc]
        return
    if os.path.isdir(final):
        raise IsADirectoryError(f"destination {final!r} is a directory; give a file path")
    directory = os.path.dirname(os.path.abspath(final))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"destination directory {directory!r} does not exist")
    fd, tmp = _part_file(directory, os.path.basename(final))
    try:
        with os.fdopen(fd, "wb") as out:
            yield out  # type: ignore[misc]
        os.replace(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def download(client: "RestClient", url: str, dest: Union[PathLike, BinaryIO], *, params: Any = None,
             headers: Optional[Mapping[str, str]] = None, checksum: Union[None, str, Tuple[str, str]] = None,
             progress: ProgressArg = None, resume: bool = True, max_resumes: int = 5,
             chunk_size: int = DOWNLOAD_CHUNK, expected_size: Optional[int] = None, **send_kw: Any) -> Union[str, BinaryIO]:
    """Stream ``GET url`` into ``dest`` (a path or a binary file object).

    For a path, bytes go to a temporary file in the destination's directory, renamed over the
    destination only when the body is complete, the size matches and the checksum (if given)
    verifies; on any failure nothing is left behind and the previous file, if any, is kept.
    Returns the destination.
    """
    if chunk_size < 64 * 1024:
        chunk_size = 64 * 1024
    algo, expected_digest = parse_checksum(checksum)
    hdrs = {"Accept-Encoding": "identity", **(headers or {})}
    to_path = isinstance(dest, str) or hasattr(dest, "__fspath__")
    tmp_path: Optional[str] = None
    opened_special: Optional[BinaryIO] = None
    if to_path and _is_special_file(os.fspath(dest)):  # type: ignore[arg-type]
        # /dev/null, a FIFO, a terminal: write in place; renaming over it would replace the node.
        opened_special = dest = open(os.fspath(dest), "wb")  # type: ignore[arg-type]
        to_path = False
    if to_path:
        final_path = os.fspath(dest)  # type: ignore[arg-type]
        if os.path.isdir(final_path):
            raise IsADirectoryError(f"download destination {final_path!r} is a directory; give a file path")
        directory = os.path.dirname(os.path.abspath(final_path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"download directory {directory!r} does not exist")
        fd, tmp_path = _part_file(directory, os.path.basename(final_path))
        out: BinaryIO = os.fdopen(fd, "wb")
        start_pos = 0
    else:
        out = dest  # type: ignore[assignment]
        try:
            start_pos = out.tell()
        except (AttributeError, OSError, io.UnsupportedOperation):
            start_pos = None  # type: ignore[assignment]
    hasher = hashlib.new(algo) if algo else None
    written = 0
    meter: Optional[Progress] = None
    try:
        response = client.send("GET", url, params=params, headers=hdrs, stream=True, **send_kw)
        total = expected_size if expected_size is not None else _content_length(response)
        validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
        name = os.path.basename(final_path) if to_path else ""
        meter = Progress(progress, total, description=name)
        resumes = 0
        while True:
            try:
                for chunk in response.iter_content(chunk_size):
                    out.write(chunk)
                    if hasher is not None:
                        hasher.update(chunk)
                    written += len(chunk)
                    meter.update(len(chunk))
                break
            except _DROPPED as exc:
                response.close()
                if not resume or resumes >= max_resumes:
                    raise TransferError(f"download of {client.masked(url)} dropped after {written} bytes: {exc}",
                                        method="GET", url=url) from exc
                resumes += 1
                client.log.info("download of %s dropped after %d bytes; resuming (%d/%d)",
                                client.masked(url), written, resumes, max_resumes)
                range_headers = dict(hdrs, Range=f"bytes={written}-")
                if validator:
                    range_headers["If-Range"] = validator
                response = client.send("GET", url, params=params, headers=range_headers, stream=True, **send_kw)
                if response.status_code == 206 and _content_range_start(response) == written:
                    continue
                if response.status_code == 200 and start_pos is not None:
                    out.seek(start_pos)
                    out.truncate()
                    written = 0
                    hasher = hashlib.new(algo) if algo else None
                    meter.reset_to(0)
                    continue
                raise TransferError(f"cannot resume download of {client.masked(url)}: server answered "
                                    f"{response.status_code} to a range request", method="GET", url=url,
                                    response=response) from exc
        if total is not None and written != total:
            raise TransferError(f"download of {client.masked(url)} ended after {written} of {total} bytes", method="GET", url=url)
        if hasher is not None and hasher.hexdigest() != expected_digest:
            raise ChecksumMismatchError(f"{algo} of the download of {client.masked(url)} is {hasher.hexdigest()}, "
                                        f"expected {expected_digest}", method="GET", url=url)
        if to_path:
            out.close()
            os.replace(tmp_path, final_path)  # type: ignore[arg-type]
            tmp_path = None
            return final_path
        out.flush()
        return opened_special.name if opened_special is not None else dest  # type: ignore[return-value]
    finally:
        if opened_special is not None:
            opened_special.close()
        if meter is not None:
            meter.close()
        if tmp_path is not None:
            out.close()
            try:
                os.unlink(tmp_path)
            except FileNotFoundError:
                pass


def upload(client: "RestClient", method: str, url: str, source: Source, *, field: str = "file",
           filename: Optional[str] = None, fields: Any = None, multipart: bool = True,
           content_type: Optional[str] = None, progress: ProgressArg = None, **send_kw: Any) -> requests.Response:
    """Stream ``source`` to ``url``: as the ``field`` part of a multipart form with ``fields``
    beside it, or (``multipart=False``) as the raw body. Returns the response."""
    with open_source(source, filename, content_type) as src:
        body: _Segments = MultipartStream(fields, [(field, src)]) if multipart else FileBody(src)
        with Progress(progress, body.len, description=src.filename) as meter:
            body.progress = meter
            headers = dict(send_kw.pop("headers", None) or {})
            headers.setdefault("Content-Type", body.content_type)  # type: ignore[attr-defined]
            return client.send(method, url, body=body, headers=headers, **send_kw)
