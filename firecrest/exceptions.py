"""pyfirecrest's exception classes, on the shared core's exception tree.

::

    RestHttpBaseException (core: .status_code .response .content .method .url)
    └── FirecrestException(responses)          str(): "last request: <status> <json body>"
        ├── HeaderException                    any error header (X-Invalid-Path, X-Exists, ...)
        ├── UnauthorizedException              401       (also core HttpUnauthorizedError)
        ├── NotFound                           404       (also core HttpNotFoundError)
        ├── UnexpectedStatusException          a 2xx/3xx other than the documented one
        ├── NoJSONException                    a body that should be JSON and is not
        ├── ClientsCredentialsException        the token endpoint refused the credentials
        ├── StorageDownloadException           external download task ended in 118
        └── StorageUploadException             external upload task ended in 115
    PollingIterException(task_id)              the polling schedule ran out (plain Exception)
    NotImplementedOnAPIversion                 the server's API version is too old (plain Exception)

``responses`` holds every response of the one call that failed (never of other calls made
with the same client), so one client can be shared between threads.
"""
from __future__ import annotations

import json
from typing import Any, List, Optional, Sequence

from archfx_cloud.api.exceptions import HttpNotFoundError, HttpUnauthorizedError, RestHttpBaseException
from archfx_cloud.api.redact import mask_url

__all__ = [
    "ERROR_HEADERS", "UPSTREAM_ERROR_HEADERS", "FirecrestException", "NotFound", "UnauthorizedException",
    "ClientsCredentialsException", "HeaderException", "UnexpectedStatusException", "NoJSONException",
    "StorageDownloadException", "StorageUploadException", "PollingIterException", "NotImplementedOnAPIversion",
]

#: The error headers pyfirecrest recognises.
UPSTREAM_ERROR_HEADERS = (
    "X-A-Directory", "X-Error", "X-Invalid-Path", "X-Machine-Does-Not-Exist", "X-Machine-Not-Available",
    "X-Not-A-Directory", "X-Not-Found", "X-Permission-Denied", "X-Timeout",
)
#: Every error header the v1 server sends; the last ones fell through to a plain
#: ``FirecrestException`` upstream. Order decides which one ``str()`` shows.
ERROR_HEADERS = UPSTREAM_ERROR_HEADERS + (
    "X-Exists", "X-Invalid-Owner", "X-Invalid-Group", "X-Invalid-Mode", "X-Size-Limit", "X-sbatch-error",
)

_BODY_LIMIT = 2000


def _last_json(response: Any) -> Any:
    """The last response's body as JSON (None when it is not JSON), as upstream prints it."""
    try:
        return json.loads(response.content)
    except (ValueError, TypeError, AttributeError):
        return None


class FirecrestException(RestHttpBaseException):
    """A FirecREST call failed; ``responses`` are the HTTP responses of that call."""

    def __init__(self, responses: Sequence[Any], *args: Any) -> None:
        responses = list(responses or [])
        last = responses[-1] if responses else None
        request = getattr(last, "request", None)
        super().__init__(*args, response=last,
                         status_code=getattr(last, "status_code", None),
                         method=getattr(request, "method", None),
                         url=getattr(last, "url", None))
        self._responses: List[Any] = responses

    @property
    def responses(self) -> List[Any]:
        return self._responses

    @property
    def content(self) -> Any:  # type: ignore[override]
        """The last response's decoded JSON body (None when it has none)."""
        return _last_json(self._responses[-1]) if self._responses else None

    @content.setter
    def content(self, value: Any) -> None:  # the core's constructor assigns it; the property wins
        pass

    @property
    def request_id(self) -> Optional[str]:
        """``X-Request-ID`` of the last response, when the deployment sends one."""
        return self._last_header("X-Request-ID")

    @property
    def correlation_id(self) -> Optional[str]:
        return self._last_header("X-Correlation-ID")

    def _last_header(self, name: str) -> Optional[str]:
        """``name`` as the last request sent it (as upstream reads it), else as its response had it."""
        if not self._responses:
            return None
        last = self._responses[-1]
        sent = getattr(getattr(last, "request", None), "headers", None) or {}
        return sent.get(name) or getattr(last, "headers", {}).get(name)

    def __str__(self) -> str:
        if not self._responses:
            return "last request: no response"
        last = self._responses[-1]
        body = _last_json(last)
        text = str(body)
        if len(text) > _BODY_LIMIT:
            text = text[:_BODY_LIMIT] + "..."
        return f"last request: {last.status_code} {text}"

    def __repr__(self) -> str:
        url = mask_url(self.url) if self.url else None
        return f"{type(self).__name__}(status_code={self.status_code!r}, method={self.method!r}, url={url!r})"

    def __reduce__(self) -> Any:  # exceptions cross process boundaries in pytest-xdist and friends
        return (type(self), (self._responses,))


class NotFound(FirecrestException, HttpNotFoundError):
    """404: the FirecREST endpoint does not exist."""

    def __str__(self) -> str:
        return f"{super().__str__()}: FirecREST endpoint not found"


class UnauthorizedException(FirecrestException, HttpUnauthorizedError):
    """401: the token was refused."""

    def __str__(self) -> str:
        return f"{super().__str__()}: unauthorized request"


class ClientsCredentialsException(FirecrestException):
    """The authorization server refused the client credentials."""

    def __str__(self) -> str:
        return f"{super().__str__()}: Client credentials error"


class HeaderException(FirecrestException):
    """The server reported an error in a header (``X-Invalid-Path: ... is an invalid path``)."""

    @property
    def header(self) -> Optional[str]:
        """Name of the error header found on the last response."""
        if not self._responses:
            return None
        headers = self._responses[-1].headers
        return next((h for h in ERROR_HEADERS if h in headers), None)

    def __str__(self) -> str:
        text = f"{super().__str__()}: "
        name = self.header
        if name is not None:
            text += self._responses[-1].headers[name]
        return text


class UnexpectedStatusException(FirecrestException):
    """The call succeeded with a status other than the documented one."""

    def __init__(self, responses: Sequence[Any], expected_status_code: int) -> None:
        super().__init__(responses)
        self._expected_status_code = expected_status_code

    @property
    def expected_status_code(self) -> int:
        return self._expected_status_code

    def __str__(self) -> str:
        return f"{super().__str__()}: expected status {self._expected_status_code}"

    def __reduce__(self) -> Any:
        return (type(self), (self._responses, self._expected_status_code))


class NoJSONException(FirecrestException):
    """The answer should have been JSON and was not."""

    def __str__(self) -> str:
        return f"{super().__str__()}: JSON is not included in the response"


class StorageDownloadException(FirecrestException):
    """The external download task failed (status 118)."""


class StorageUploadException(FirecrestException):
    """The external upload task failed (status 115)."""


class PollingIterException(Exception):
    """The task did not finish within ``polling_sleep_times``."""

    def __init__(self, task_id: str) -> None:
        super().__init__(task_id)
        self.task_id = task_id

    def __str__(self) -> str:
        return (f"polling iterator for task {self.task_id} is exhausted; update `polling_sleep_times` "
                f"of the client to poll longer")


class NotImplementedOnAPIversion(Exception):
    """The method needs a newer FirecREST API than the server runs."""
