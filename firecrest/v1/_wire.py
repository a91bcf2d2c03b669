"""The FirecREST side of the core pipeline: form bodies, error headers, expected statuses, 429s.

:class:`FirecrestWire` is the core's ``RestClient`` with FirecREST's conventions declared:
form-encoded bodies, an ``error_hook`` that turns the server's error headers and statuses into
pyfirecrest's exceptions, and a retry policy that resends any request answered 429 (uploads
rewound) and nothing else, as upstream.

Each request may carry an :class:`Expect`: the status the endpoint documents and the responses
the current public call has already received (so an exception shows all of them). It travels
as an argument to :meth:`FirecrestWire.send`; a context variable only bridges it to the error
hook inside that same ``send`` call, so nothing per-call is stored on the client.
"""
from __future__ import annotations

import contextvars
import logging
from typing import Any, List, Optional, Type

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.retry import RetryPolicy
from archfx_cloud.api.urls import same_origin

from ..auth import as_request_auth
from ..tracing import HEADER as CORRELATION_HEADER, current_correlation_id
from ..exceptions import (ERROR_HEADERS, FirecrestException, HeaderException, NotFound, UnauthorizedException,
                          UnexpectedStatusException)

__all__ = ["Expect", "FirecrestWire", "rate_limit_policy", "UNLIMITED_RETRIES"]

log = logging.getLogger("firecrest")

#: ``num_retries_rate_limit = None`` means "until the server stops answering 429"; the policy
#: needs a number, and a thousand waits of at least a second each is more than anyone waits.
UNLIMITED_RETRIES = 1000
#: Longest single wait a ``Retry-After``/``RateLimit-Reset`` hint can impose.
MAX_HINTED_WAIT = 120.0


class Expect:
    """What one request of a public call expects, and that call's responses so far."""

    __slots__ = ("status", "history", "error_class")

    def __init__(self, status: Optional[int], history: List[Any],
                 error_class: Type[FirecrestException] = FirecrestException) -> None:
        self.status = status
        self.history = history
        self.error_class = error_class


_CURRENT: "contextvars.ContextVar[Optional[Expect]]" = contextvars.ContextVar("firecrest_expect", default=None)


def rate_limit_policy(num_retries: Optional[int], policy_class: Type[RetryPolicy] = RetryPolicy,
                      **extra: Any) -> RetryPolicy:
    """Retry every method on 429 only, waiting as ``Retry-After``/``RateLimit-Reset`` say
    (else 0.5 s, 1 s, 2 s ... up to 10 s, with jitter), at most ``num_retries`` times."""
    total = UNLIMITED_RETRIES if num_retries is None else max(0, int(num_retries))
    return policy_class(total=total, backoff_factor=0.5, backoff_max=10.0, statuses=(), methods=(),
                        any_method_statuses=(429,), retry_after_max=MAX_HINTED_WAIT, **extra)


def error_for(response: Any, expect: Optional[Expect]) -> Optional[FirecrestException]:
    """pyfirecrest's checks, in its order: error header, 401, 404, other >= 400, unexpected status.

    Requests to the object store (staged transfers) fail with their own exception class instead.
    """
    history = (expect.history if expect is not None else []) + [response]
    headers = response.headers
    status = response.status_code
    if status >= 400 and expect is not None and expect.error_class is not FirecrestException:
        return expect.error_class(history)  # a staged transfer: the object store's own refusal
    if any(name in headers for name in ERROR_HEADERS):
        return HeaderException(history)
    if status == 401:
        return UnauthorizedException(history)
    if status == 404:
        return NotFound(history)
    if status >= 400:
        cls = expect.error_class if expect is not None else FirecrestException
        return cls(history)
    if expect is not None and expect.status is not None and status != expect.status:
        return UnexpectedStatusException(history, expect.status)
    return None


class FirecrestWire(RestClient):
    """The core client configured for FirecREST v1."""

    logger_name = "firecrest"

    def __init__(self, firecrest_url: str, authorization: Any, verify: Any = None,
                 num_retries_rate_limit: Optional[int] = None, pool_maxsize: int = 10) -> None:
        super().__init__(firecrest_url, auth=as_request_auth(authorization),
                         verify=True if verify is None else verify, body_format="form",
                         retries=rate_limit_policy(num_retries_rate_limit), error_hook=self._hook,
                         pool_maxsize=pool_maxsize)

    @staticmethod
    def _hook(response: Any) -> Optional[BaseException]:
        return error_for(response, _CURRENT.get())

    def send(self, method: str, url: str, *, expect: Optional[Expect] = None, **kwargs: Any) -> Any:
        """The core's ``send``, checked against ``expect``; the response joins its history."""
        cid = current_correlation_id.get()
        if cid is not None and same_origin(url, self.base_url):  # never to the object store
            kwargs["headers"] = {**(kwargs.get("headers") or {}), CORRELATION_HEADER: cid}
        token = _CURRENT.set(expect)
        try:
            response = super().send(method, url, **kwargs)
        finally:
            _CURRENT.reset(token)
        if expect is not None:
            expect.history.append(response)
        return response
