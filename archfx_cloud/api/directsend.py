"""Upload bodies sent by our connections themselves, through one reused buffer per upload.

``urllib3`` reads a file-like body block by block and writes each block to the socket: every
block is a fresh ``bytes`` object (for 32 concurrent 1 MiB uploads that is 128 allocations of
256 KiB, their page faults and clearing), plus a few Python calls per block. Here the request
line and headers are sent by ``urllib3`` as usual (body withheld, ``Content-Length`` already set
by ``requests``), then :meth:`transfer._Segments.send_over` sends the body: form text with
``sendall``, plain files read into a pooled 1 MiB buffer and sent from it.

Measured on loopback (2 cores): 1 GiB to a C-speed sink 2.2 -> 2.7 GB/s with less client CPU
than urllib3's path, and 32 concurrent 1 MiB uploads ~10% faster. (``sendfile`` was tried and
dropped: on Linux it goes through an internal 64 KiB pipe and was slower, 1.6 GB/s, with more
CPU.) Bodies of other types, and chunked requests, take urllib3's path.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .transfer import _Segments


def _declared_length(headers: Optional[Mapping[str, str]]) -> Optional[int]:
    for key, value in (headers or {}).items():
        if key.lower() == "content-length":
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


class _DirectSend:
    """``request()`` that sends :class:`~archfx_cloud.api.transfer._Segments` bodies itself."""

    def request(self, method: str, url: str, body: Any = None, headers: Optional[Mapping[str, str]] = None,
                *, chunked: bool = False, **kwargs: Any) -> None:
        if (chunked or not isinstance(body, _Segments)
                or _declared_length(headers) != len(body) - body.tell()):
            return super().request(method, url, body=body, headers=headers,  # type: ignore[misc]
                                   chunked=chunked, **kwargs)
        super().request(method, url, body=None, headers=headers, chunked=False, **kwargs)  # type: ignore[misc]
        body.send_over(self.sock)  # type: ignore[attr-defined]


class DirectSendHTTPConnection(_DirectSend, HTTPConnection):
    pass


class DirectSendHTTPSConnection(_DirectSend, HTTPSConnection):
    pass


class DirectSendHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DirectSendHTTPConnection


class DirectSendHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DirectSendHTTPSConnection
