"""RMLab errors: the ``rmlab_errors`` 0.1.6 class names, on the shared core's exception tree.

::

    RMLabError (archfx_cloud.api.exceptions.RestHttpBaseException: .status_code .response .content .method .url)
    ├── ClientError 400                 (also HttpClientError)
    ├── AuthenticationError 401         (also HttpUnauthorizedError)
    ├── ForbiddenError 403              (also HttpForbiddenError)
    ├── NotFoundError 404               (also HttpNotFoundError)
    ├── MethodNotAllowed 405, VersionError 410, ExpiredSessionError 440, ExpiredTokenError 498
    ├── InternalServerError 500, NotImplementedError 501 (also builtins'), BadGatewayError 502,
    │   ServiceUnavailableError 503, GatewayTimeoutError 504   (all also HttpServerError)
    ├── RuntimeError, ValueError, TimeoutError          (also the builtins of the same name)
    │   TimeoutError
    │   └── RequestTimeoutError         a request unanswered within its endpoint's timeout
    │       ├── ReadTimeoutError        (also the core's HttpTimeoutError, HttpReadTimeoutError,
    │       └── ConnectTimeoutError     HttpConnectTimeoutError)
    ├── UnknownError, UnreachableError, LogicError, CriticalError, GCPError, HTTPRequestError,
    │   UnhandledError, AcquireResourceError
    └── MultipleError(*errors)          .errors

Server errors arrive as ``{"errors": [{"type", "content", "code", "traceback"}]}`` and are raised
as the class named by ``type`` (:func:`make_errors_from_json`); a JSON error body without
``errors`` is an :class:`UnknownError`; a non-JSON error is mapped from its status code
(:func:`http_code_to_exception`, :class:`HTTPRequestError` when the code has no class).
"""
from __future__ import annotations

import builtins
import logging
import traceback as _traceback
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Type

from archfx_cloud.api.exceptions import (HttpClientError, HttpConnectTimeoutError, HttpForbiddenError, HttpNotFoundError,
                                         HttpReadTimeoutError, HttpServerError, HttpTimeoutError,
                                         HttpUnauthorizedError, RestHttpBaseException)

__all__ = [
    "RMLabError", "ClientError", "AuthenticationError", "ForbiddenError", "NotFoundError", "MethodNotAllowed",
    "VersionError", "ExpiredSessionError", "ExpiredTokenError", "InternalServerError", "NotImplementedError",
    "BadGatewayError", "ServiceUnavailableError", "GatewayTimeoutError", "UnknownError", "UnreachableError",
    "LogicError", "CriticalError", "GCPError", "HTTPRequestError", "RuntimeError", "ValueError", "TimeoutError",
    "RequestTimeoutError", "ReadTimeoutError", "ConnectTimeoutError",
    "UnhandledError", "AcquireResourceError", "MultipleError", "DataValidationError",
    "http_code_to_exception", "exception_type_to_http_code", "exception_to_http_code", "error_handler",
    "make_errors_from_json", "raise_from_list", "error_from_response", "request_timeout",
]


class RMLabError(RestHttpBaseException):
    """Root of every RMLab error. ``code`` is the HTTP status the class stands for (or None)."""

    code: Optional[int] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.status_code is None:
            self.status_code = self.code


class ClientError(RMLabError, HttpClientError):
    code = 400


class AuthenticationError(RMLabError, HttpUnauthorizedError):
    code = 401


class ForbiddenError(RMLabError, HttpForbiddenError):
    code = 403


class NotFoundError(RMLabError, HttpNotFoundError):
    code = 404


class MethodNotAllowed(RMLabError, HttpClientError):
    code = 405


class VersionError(RMLabError, HttpClientError):
    """410: the server no longer accepts this client version."""
    code = 410


class ExpiredSessionError(RMLabError, HttpClientError):
    code = 440


class ExpiredTokenError(RMLabError, HttpClientError):
    """498: the access token expired (the client refreshes it once before this is raised)."""
    code = 498


class InternalServerError(RMLabError, HttpServerError):
    code = 500


class NotImplementedError(RMLabError, HttpServerError, builtins.NotImplementedError):  # noqa: A001
    """501, as the server reports it (the upstream name shadows the builtin on purpose)."""
    code = 501


class BadGatewayError(RMLabError, HttpServerError):
    code = 502


class ServiceUnavailableError(RMLabError, HttpServerError):
    code = 503


class GatewayTimeoutError(RMLabError, HttpServerError):
    code = 504


class UnknownError(RMLabError):
    """An error answer whose JSON body has no ``errors`` list."""


class UnreachableError(RMLabError):
    pass


class LogicError(RMLabError):
    pass


class CriticalError(RMLabError):
    pass


class GCPError(RMLabError):
    pass


class HTTPRequestError(RMLabError):
    """A non-JSON error answer whose status code has no class of its own."""


class RuntimeError(RMLabError, builtins.RuntimeError):  # noqa: A001
    pass


class ValueError(RMLabError, builtins.ValueError):  # noqa: A001
    pass


class TimeoutError(RMLabError, builtins.TimeoutError):  # noqa: A001
    """Something did not finish in time: a long-running operation beyond its budget, or a
    request unanswered within its endpoint's timeout (:class:`RequestTimeoutError`). The
    message names the endpoint id. Also the builtin ``TimeoutError``."""


class RequestTimeoutError(TimeoutError, HttpTimeoutError):
    """One request got no answer within its endpoint's timeout (the message names the endpoint
    id, never a URL). Also the core's ``HttpTimeoutError`` (``method``, masked ``url``)."""


class ReadTimeoutError(RequestTimeoutError, HttpReadTimeoutError):
    """The server accepted the request but did not answer in time."""


class ConnectTimeoutError(RequestTimeoutError, HttpConnectTimeoutError):
    """No connection to the server within the connect timeout."""


def request_timeout(endpoint_id: str, seconds: Optional[float], cause: BaseException,
                    context: str = "") -> RequestTimeoutError:
    """The rmlab error for a core timeout ``cause`` of a call to ``endpoint_id``."""
    if isinstance(cause, HttpConnectTimeoutError):
        cls: Type[RequestTimeoutError] = ConnectTimeoutError
        what = "could not connect"
    elif isinstance(cause, HttpReadTimeoutError):
        cls, what = ReadTimeoutError, "got no answer"
    else:
        cls, what = RequestTimeoutError, "timed out"
    limit = f" within {seconds:g} s" if seconds is not None else ""
    return cls(f"request to `{endpoint_id}`{context} {what}{limit}", method=getattr(cause, "method", None),
               url=getattr(cause, "url", None))


class UnhandledError(RMLabError):
    """A server error ``type`` this client does not know (the message keeps the original type)."""


class AcquireResourceError(RMLabError):
    pass


class MultipleError(RMLabError):
    """Several errors at once; they are in ``errors``."""

    def __init__(self, *errors: BaseException, **kwargs: Any) -> None:
        self.errors: List[BaseException] = list(errors)
        text = "; ".join(f"{type(e).__name__}: {e}" for e in self.errors)
        super().__init__(f"{len(self.errors)} errors: {text}", **kwargs)


class DataValidationError(ValueError):
    """A local file or item list that the server would refuse: names the source, line and field.

    Raised before anything is sent. Also a builtin ``ValueError``.
    """

    def __init__(self, message: str, *, source: Optional[str] = None, line: Optional[int] = None,
                 field: Optional[str] = None, path: Optional[Tuple[Any, ...]] = None) -> None:
        where = []
        if source:
            where.append(str(source))
        if line is not None:
            where.append(f"line {line}")
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.reason = message
        self.source = source
        self.line = line
        self.field = field
        #: Keys and indexes leading to the offending JSON value (used to find its line).
        self.path = path

    def at_line(self, line: Optional[int]) -> "DataValidationError":
        """The same error, located at ``line``."""
        return DataValidationError(self.reason, source=self.source, line=line, field=self.field, path=self.path)


_ALL: Sequence[Type[RMLabError]] = (
    ClientError, AuthenticationError, ForbiddenError, NotFoundError, MethodNotAllowed, VersionError,
    ExpiredSessionError, ExpiredTokenError, InternalServerError, NotImplementedError, BadGatewayError,
    ServiceUnavailableError, GatewayTimeoutError, UnknownError, UnreachableError, LogicError, CriticalError,
    GCPError, HTTPRequestError, RuntimeError, ValueError, TimeoutError, UnhandledError, AcquireResourceError,
    MultipleError,
)
BY_NAME: Dict[str, Type[RMLabError]] = {cls.__name__: cls for cls in _ALL}
BY_CODE: Dict[int, Type[RMLabError]] = {cls.code: cls for cls in _ALL if cls.code is not None}


def http_code_to_exception(code: int, text: str = "", default: Type[RMLabError] = HTTPRequestError,
                           **attributes: Any) -> RMLabError:
    """The exception instance for an HTTP ``code`` (``default`` when the code has no class)."""
    return BY_CODE.get(int(code), default)(text, **attributes)


def exception_type_to_http_code(exc_type: str) -> int:
    """HTTP code of the class named ``exc_type``; 500 for names without one."""
    cls = BY_NAME.get(exc_type)
    return cls.code if cls is not None and cls.code is not None else 500


def exception_to_http_code(exc: BaseException) -> int:
    """HTTP code for an exception instance (500 unless its class has one)."""
    code = getattr(type(exc), "code", None)
    return code if isinstance(code, int) else exception_type_to_http_code(type(exc).__name__)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or "<body" in head


def error_handler(*excs: BaseException) -> Dict[str, List[Dict[str, Any]]]:
    """The ``{"errors": [...]}`` body for ``excs`` (what a server sends).

    Tracebacks only when the root logger is at DEBUG (else ``"hidden"``); HTML content is
    replaced by ``"Omitted HTML content"``.
    """
    show = logging.getLogger().isEnabledFor(logging.DEBUG)
    flat: List[BaseException] = []
    for exc in excs:
        flat.extend(exc.errors if isinstance(exc, MultipleError) else [exc])
    errors = []
    for exc in flat:
        content = str(exc.args[0]) if exc.args else ""
        if _looks_like_html(content):
            content = "Omitted HTML content"
        tb = "".join(_traceback.format_exception(type(exc), exc, exc.__traceback__)) if show else "hidden"
        errors.append({"type": type(exc).__name__, "content": content, "code": exception_to_http_code(exc),
                       "traceback": tb})
    return {"errors": errors}


def _one_from_json(err: Any, attributes: Dict[str, Any]) -> RMLabError:
    if not isinstance(err, dict):
        return UnknownError(str(err), **attributes)
    name = str(err.get("type", ""))
    content = str(err.get("content", ""))
    cls = BY_NAME.get(name)
    if cls is None or cls is MultipleError:
        return UnhandledError(f"Original type: {name}. Content: {content}", **attributes)
    return cls(content, **attributes)


def make_errors_from_json(*errs: Any, **attributes: Any) -> RMLabError:
    """One exception for one error entry, a :class:`MultipleError` for several."""
    made = [_one_from_json(err, attributes) for err in errs]
    if not made:
        return UnknownError("error answer with an empty 'errors' list", **attributes)
    return made[0] if len(made) == 1 else MultipleError(*made, **attributes)


def raise_from_list(exceptions: Iterable[BaseException]) -> None:
    """Raise nothing, the one exception, or a :class:`MultipleError` of all of them."""
    found = list(exceptions)
    if len(found) == 1:
        raise found[0]
    if found:
        raise MultipleError(*found)


def error_from_response(status: int, content: Any, text: str, attributes: Dict[str, Any]) -> RMLabError:
    """The exception for an error answer: error JSON, other JSON, or a bare status."""
    if isinstance(content, dict) and isinstance(content.get("errors"), list):
        return make_errors_from_json(*content["errors"], **attributes)
    if isinstance(content, (dict, list)):
        return UnknownError(text, **attributes)
    if _looks_like_html(text):
        text = "Omitted HTML content"
    return http_code_to_exception(status, text, **attributes)
