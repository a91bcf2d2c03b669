"""Errors raised by oscar_python.

Upstream oscar-python let ``requests.HTTPError`` escape from ``raise_for_status``; code written
for it catches that. Every HTTP error here is therefore both the shared core's class (with
``status_code``, ``response``, ``content``, masked ``method``/``url``) and a
``requests.HTTPError``::

    OscarError
    ├── OscarHTTPError (requests.HTTPError, core RestHttpBaseException)
    │   ├── OscarClientError 4xx ── OscarUnauthorizedError 401, OscarForbiddenError 403,
    │   │                           OscarNotFoundError 404, OscarTooManyRequestsError 429
    │   └── OscarServerError 5xx
    ├── OscarAuthError           credentials that cannot produce a valid Authorization header
    ├── OptionsError             (ValueError, KeyError) bad or missing Client options
    ├── FDLError                 (ValueError) an FDL file that cannot be deployed
    ├── ServiceExistsError / ServiceNotFoundError   (ValueError) create/update pre-checks
    └── StorageError             a storage provider operation that failed
        ├── ProviderNotFoundError (KeyError, ValueError)
        └── StorageTransferError
"""
from __future__ import annotations

from typing import Any, Optional

from archfx_cloud.api.exceptions import (HttpClientError, HttpForbiddenError, HttpNotFoundError,
                                         HttpServerError, HttpTooManyRequestsError, HttpUnauthorizedError,
                                         RequestsHTTPError, RestBaseException, RestHttpBaseException,
                                         error_for_status)

__all__ = [
    "OscarError", "OscarHTTPError", "OscarClientError", "OscarUnauthorizedError", "OscarForbiddenError",
    "OscarNotFoundError", "OscarTooManyRequestsError", "OscarServerError", "OscarAuthError",
    "OptionsError", "FDLError", "ServiceExistsError", "ServiceNotFoundError", "StorageError",
    "ProviderNotFoundError", "StorageTransferError", "to_oscar_error",
]


class OscarError(RestBaseException):
    """Root of every oscar_python error."""


class OscarHTTPError(OscarError, RestHttpBaseException, RequestsHTTPError):
    """The cluster answered with an error status (also a ``requests.HTTPError``)."""


class OscarClientError(OscarHTTPError, HttpClientError):
    """4xx."""


class OscarUnauthorizedError(OscarClientError, HttpUnauthorizedError):
    """401: missing, wrong or expired credentials."""


class OscarForbiddenError(OscarClientError, HttpForbiddenError):
    """403."""


class OscarNotFoundError(OscarClientError, HttpNotFoundError):
    """404: no such service, job, bucket..."""


class OscarTooManyRequestsError(OscarClientError, HttpTooManyRequestsError):
    """429 after the retries gave up."""


class OscarServerError(OscarHTTPError, HttpServerError):
    """5xx."""


class OscarAuthError(OscarError):
    """No usable credential (failed OIDC refresh, oidc-agent unavailable, missing token)."""


class OptionsError(OscarError, ValueError, KeyError):
    """Client options that cannot work; a ``KeyError`` too, as upstream raised for missing keys."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class FDLError(OscarError, ValueError):
    """An FDL document that cannot be turned into service definitions."""


class ServiceExistsError(OscarError, ValueError):
    """``create_service`` for a name that is already deployed."""


class ServiceNotFoundError(OscarError, ValueError):
    """``update_service`` for a name that is not deployed."""


class StorageError(OscarError):
    """A storage provider operation failed (the cause is chained)."""


class ProviderNotFoundError(StorageError, KeyError, ValueError):
    """A ``type.name`` provider id that the service (or cluster) does not define."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StorageTransferError(StorageError, IOError):
    """An upload or download that did not complete; nothing is left at the destination."""


_BY_STATUS = {401: OscarUnauthorizedError, 403: OscarForbiddenError, 404: OscarNotFoundError,
              429: OscarTooManyRequestsError}


def to_oscar_error(response: Any, content: Any, method: str, url: str) -> Optional[OscarHTTPError]:
    """The oscar_python exception for a >= 400 response (core message wording), or None."""
    core = error_for_status(response, content, method, url)
    if core is None:
        return None
    status = response.status_code
    cls = OscarServerError if status >= 500 else _BY_STATUS.get(status, OscarClientError)
    return cls(str(core), response=response, request=getattr(response, "request", None), content=content,
               method=method, url=core.url, status_code=status)
