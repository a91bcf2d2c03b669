"""When to try a request again, and how long to wait first.

The policy is data; the loop that applies it lives in :meth:`RestClient.send`. Non-idempotent
methods (POST, PATCH) are never retried unless the caller marks the call ``retry_safe``.
"""
from __future__ import annotations

import email.utils
import random
import time
from typing import Any, Callable, FrozenSet, Iterable, Optional, Tuple, Union

import requests

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class RetryPolicy:
    """Exponential backoff with jitter, honouring ``Retry-After`` (seconds or HTTP-date).

    ``total`` is the number of retries after the first attempt. The wait before retry ``n`` is
    drawn from ``[base/2, base]`` with ``base = min(backoff_max, backoff_factor * 2**(n-1))``;
    a server hint (``Retry-After``, ``RateLimit-Reset``) replaces it, capped at ``retry_after_max``.

    ``any_method_statuses`` are answers that prove the server did not act on the request (429
    Too Many Requests): they are retried for every method, POST included, with the body rewound.
    """

    __slots__ = ("total", "backoff_factor", "backoff_max", "statuses", "methods", "retry_after_max",
                 "hint_headers", "sleep", "any_method_statuses")

    def __init__(self, total: int = 3, backoff_factor: float = 0.25, backoff_max: float = 20.0,
                 statuses: Iterable[int] = RETRY_STATUSES, methods: Iterable[str] = IDEMPOTENT_METHODS,
                 retry_after_max: float = 60.0, hint_headers: Tuple[str, ...] = ("Retry-After", "RateLimit-Reset"),
                 sleep: Callable[[float], None] = time.sleep, any_method_statuses: Iterable[int] = ()) -> None:
        self.total = total
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.statuses: FrozenSet[int] = frozenset(statuses)
        self.methods: FrozenSet[str] = frozenset(m.upper() for m in methods)
        self.retry_after_max = retry_after_max
        self.hint_headers = tuple(hint_headers)
        self.sleep = sleep
        self.any_method_statuses: FrozenSet[int] = frozenset(any_method_statuses)

    def replace(self, **changes: Any) -> "RetryPolicy":
        """A copy with some settings changed (policies are treated as immutable)."""
        settings = {name: getattr(self, name) for name in self.__slots__}
        settings.update(changes)
        return RetryPolicy(**settings)

    def with_total(self, total: int) -> "RetryPolicy":
        return self.replace(total=total)

    def __repr__(self) -> str:
        return (f"RetryPolicy(total={self.total}, backoff_factor={self.backoff_factor}, "
                f"statuses={sorted(self.statuses)}, methods={sorted(self.methods)})")

    def allows(self, method: str, retry_safe: bool) -> bool:
        return retry_safe or method.upper() in self.methods

    def should_retry_status(self, response: requests.Response) -> bool:
        return response.status_code in self.statuses or response.status_code in self.any_method_statuses

    def retries_any_method(self, status: int) -> bool:
        """True for a status that means the request was not acted upon (safe to resend any method)."""
        return status in self.any_method_statuses

    def server_hint(self, response: Optional[requests.Response]) -> Optional[float]:
        """Seconds the server asked us to wait, or None."""
        if response is None:
            return None
        for name in self.hint_headers:
            value = response.headers.get(name)
            if value is None:
                continue
            seconds = parse_retry_after(value)
            if seconds is not None:
                return min(seconds, self.retry_after_max)
        return None

    def backoff(self, attempt: int) -> float:
        base = min(self.backoff_max, self.backoff_factor * (2 ** max(attempt - 1, 0)))
        return base / 2 + random.uniform(0, base / 2)

    def delay(self, attempt: int, response: Optional[requests.Response] = None) -> float:
        hint = self.server_hint(response)
        return hint if hint is not None else self.backoff(attempt)


NO_RETRY = RetryPolicy(total=0)


def parse_retry_after(value: str) -> Optional[float]:
    """``Retry-After`` as seconds from now: ``"120"`` or an HTTP-date. Unparseable -> None."""
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def as_policy(retries: Union[None, int, RetryPolicy, object], default: RetryPolicy) -> RetryPolicy:
    """Accept what callers pass: a policy, an int (number of retries), ``None`` (default),
    ``0``/``False`` (no retries) or a urllib3 ``Retry`` (its total and backoff are taken)."""
    if retries is None:
        return default
    if isinstance(retries, RetryPolicy):
        return retries
    if isinstance(retries, bool):
        return default if retries else NO_RETRY
    if isinstance(retries, int):
        return default.with_total(max(retries, 0))
    total = getattr(retries, "total", None)
    if total is not None:  # urllib3.util.Retry
        statuses = getattr(retries, "status_forcelist", None) or default.statuses
        return default.replace(total=int(total or 0),
                       backoff_factor=float(getattr(retries, "backoff_factor", default.backoff_factor) or 0),
                       statuses=frozenset(statuses))
    raise TypeError(f"retries must be an int, a RetryPolicy or a urllib3 Retry, not {type(retries).__name__}")
