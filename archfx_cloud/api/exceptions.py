"""The exception tree shared by every REST client in this repository.

::

    RestBaseException
    ├── RestHttpBaseException            .status_code .response .content .method .url
    │   ├── HttpClientError              4xx
    │   │   ├── HttpUnauthorizedError    401
    │   │   ├── HttpForbiddenError       403
    │   │   ├── HttpNotFoundError        404
    │   │   └── HttpTooManyRequestsError 429
    │   ├── HttpServerError              5xx
    │   └── HttpTransportError           no HTTP answer at all
    │       ├── HttpCouldNotVerifyServerError   TLS verification (also requests.exceptions.SSLError)
    │       ├── HttpConnectionError      (also requests.exceptions.ConnectionError)
    │       └── HttpTimeoutError         (also requests.exceptions.Timeout)
    │           ├── HttpConnectTimeoutError  (also requests ConnectTimeout)
    │           └── HttpReadTimeoutError     (also requests ReadTimeout)
    ├── ResponseDecodeError              a body that does not parse as its Content-Type says
    ├── TransferError                    a download/upload that could not complete (also IOError)
    │   └── ChecksumMismatchError
    ├── SerializerNoRestailable, SerializerNotRestailable   (kept from upstream, unused)
    └── ImproperlyConfigured

The transport errors also subclass the matching ``requests`` exceptions, so code written
for upstream archfx-cloud (where those propagated unwrapped) keeps catching them.
Messages and attributes only ever hold URLs with secrets masked.
"""
from __future__ import annotations

from typing import Any, Optional

import requests

from .redact import mask_url

__all__ = [
    "RestBaseException", "RestHttpBaseException", "HttpClientError", "HttpUnauthorizedError",
    "HttpForbiddenError", "HttpNotFoundError", "HttpTooManyRequestsError", "HttpServerError",
    "HttpTransportError", "HttpCouldNotVerifyServerError", "HttpConnectionError",
    "HttpTimeoutError", "HttpConnectTimeoutError", "HttpReadTimeoutError",
    "ResponseDecodeError", "TransferError", "ChecksumMismatchError",
    "SerializerNoRestailable", "SerializerNotRestailable", "ImproperlyConfigured",
    "error_for_status",
]


class RestBaseException(Exception):
    """Root of every error raised by the core."""


class RestHttpBaseException(RestBaseException):
    """An HTTP exchange that failed. Every keyword argument becomes an attribute (as upstream).

    ``status_code`` and ``response`` are ``None`` when no response arrived; ``content`` is the
    decoded body (dict/list for JSON, str for text, bytes otherwise); ``method`` and ``url``
    describe the request, the URL with secrets masked.
    """

    status_code: Optional[int]
    response: Optional[requests.Response]
    content: Any
    method: Optional[str]
    url: Optional[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args)
        self.response = None
        self.content = None
        self.method = None
        self.url = None
        self.status_code = None
        for key, value in kwargs.items():
            setattr(self, key, value)
        if self.url is not None:
            self.url = mask_url(self.url)
        if self.status_code is None and self.response is not None:
            self.status_code = self.response.status_code

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status_code={self.status_code!r}, "
                f"method={self.method!r}, url={self.url!r})")


class HttpClientError(RestHttpBaseException):
    """The server answered 4xx."""


class HttpUnauthorizedError(HttpClientError):
    """401: credentials missing, wrong or expired."""


class HttpForbiddenError(HttpClientError):
    """403: authenticated but not allowed."""


class HttpNotFoundError(HttpClientError):
    """404."""


class HttpTooManyRequestsError(HttpClientError):
    """429 after the retry policy gave up."""


class HttpServerError(RestHttpBaseException):
    """The server answered 5xx."""


class HttpTransportError(RestHttpBaseException):
    """No HTTP answer: the request could not be delivered or the answer not read."""


class HttpCouldNotVerifyServerError(HttpTransportError, requests.exceptions.SSLError):
    """The server's TLS certificate could not be verified."""


class HttpConnectionError(HttpTransportError, requests.exceptions.ConnectionError):
    """Connection refused, reset or dropped."""


class HttpTimeoutError(HttpTransportError, requests.exceptions.Timeout):
    """The connect or read timeout expired."""


class HttpConnectTimeoutError(HttpTimeoutError, HttpConnectionError, requests.exceptions.ConnectTimeout):
    """No connection within the connect timeout."""


class HttpReadTimeoutError(HttpTimeoutError, requests.exceptions.ReadTimeout):
    """The server sent nothing within the read timeout."""


class HttpInvalidRequestError(RestHttpBaseException, ValueError):
    """The request cannot be sent as given (a malformed URL or header value, an unsupported
    scheme): nothing reached the server, and a retry would fail the same way."""


class HttpTooManyRedirectsError(RestHttpBaseException, requests.exceptions.TooManyRedirects):
    """The server kept redirecting beyond the limit."""


class ResponseDecodeError(RestHttpBaseException, ValueError):
    """A body that does not parse as its Content-Type says."""


class TransferError(RestHttpBaseException, IOError):
    """A download or upload that could not be completed (nothing is left at the destination)."""


class ChecksumMismatchError(TransferError):
    """The downloaded bytes do not match the expected checksum."""


class SerializerNoRestailable(RestBaseException):
    """Kept for import compatibility with upstream; never raised."""


class SerializerNotRestailable(RestBaseException):
    """Kept for import compatibility with upstream; never raised."""


class ImproperlyConfigured(RestBaseException):
    """A client was set up with options that cannot work."""


_BY_STATUS = {401: HttpUnauthorizedError, 403: HttpForbiddenError, 404: HttpNotFoundError,
              429: HttpTooManyRequestsError}


def _summary(content: Any, limit: int = 300) -> str:
    if content is None or content == b"" or content == "":
        return ""
    text = content.decode("utf-8", "replace") if isinstance(content, (bytes, bytearray)) else str(content)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def error_for_status(response: requests.Response, content: Any, method: str, url: str) -> Optional[RestHttpBaseException]:
    """The exception for a >= 400 response, or ``None``. Messages keep upstream's wording."""
    status = response.status_code
    if status < 400:
        return None
    masked = mask_url(url)
    if status >= 500:
        cls: type = HttpServerError
        message = f"Server Error {status}: {masked}"
    else:
        cls = _BY_STATUS.get(status, HttpClientError)
        message = f"Client Error {status}: {masked}"
    summary = _summary(content)
    if summary:
        message += f" ({summary})"
    return cls(message, response=response, content=content, method=method, url=masked, status_code=status)


#: ``requests``' own classes, re-exported for service packages that keep an upstream contract
#: (``except requests.HTTPError``, ``-> requests.Response``) without importing ``requests``
#: themselves: subclass ``RequestsHTTPError`` next to a core class, annotate with ``RequestsResponse``.
RequestsHTTPError = requests.exceptions.HTTPError
RequestsResponse = requests.Response
