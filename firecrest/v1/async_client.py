"""``AsyncFirecrest``: the same methods as :class:`~firecrest.v1.Firecrest`, as coroutines.

    client = AsyncFirecrest(url, authorization=auth)
    files = await asyncio.gather(*(client.list_files("cluster", p) for p in paths))

Requests run through the core's async facade (the same pipeline in a bounded thread pool).
What it adds, as pyfirecrest's async client:

* per-microservice spacing: ``time_between_calls[service]`` seconds between two requests to
  one microservice (``compute``, ``reservations``, ``status``, ``storage``, ``tasks``,
  ``utilities``);
* a shared back-off: a 429 (``Retry-After``) holds back every coroutine of that service;
* ``merge_get_requests``: concurrent polls of ``/tasks``, ``/compute/jobs`` and
  ``/compute/acct`` (without time or paging filters) become one request for the union of ids.

No call keeps state on the client, so many tasks (and threads) may share one instance.
"""
from __future__ import annotations

import asyncio
import functools
import ssl
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Set, Tuple, Union

from archfx_cloud.api.retry import RetryPolicy

from ._methods import PUBLIC_METHODS, FirecrestMethods
from ._steps import AccessToken, Call, Context, DownloadFile, KnownVersion, SetVersion, Sleep, UploadFile
from ._wire import rate_limit_policy
from .client import ClientBase
from .external import AsyncExternalDownload, AsyncExternalUpload

__all__ = ["AsyncFirecrest", "DEFAULT_TIME_BETWEEN_CALLS"]

#: pyfirecrest's spacing, in seconds, between two requests to the same microservice.
DEFAULT_TIME_BETWEEN_CALLS: Dict[str, float] = {
    "compute": 1, "reservations": 0.1, "status": 0.1, "storage": 0.1, "tasks": 0.1, "utilities": 0.1,
}


class Pacer:
    """Hands out send slots per microservice; a 429 pushes a service's next slot back for all."""

    def __init__(self) -> None:
        self._next: Dict[str, float] = {}
        self._hold: Dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, service: str, spacing: float) -> float:
        """Seconds to wait before sending; the slot after this one is ``spacing`` later."""
        now = time.monotonic()
        with self._lock:
            slot = max(now, self._next.get(service, 0.0), self._hold.get(service, 0.0))
            self._next[service] = slot + max(spacing, 0.0)
        return slot - now

    def held_for(self, service: str) -> float:
        with self._lock:
            return self._hold.get(service, 0.0) - time.monotonic()

    def back_off(self, service: str, seconds: float) -> None:
        """Called from a worker thread when ``service`` answered 429."""
        with self._lock:
            until = time.monotonic() + seconds
            if until > self._hold.get(service, 0.0):
                self._hold[service] = until

    async def wait(self, service: str, spacing: float) -> None:
        delay = self.reserve(service, spacing)
        while delay > 0:
            await asyncio.sleep(delay)
            delay = self.held_for(service)  # a 429 seen meanwhile holds everyone back


class SharedBackoffPolicy(RetryPolicy):
    """The 429 policy of one microservice; each wait it decides is announced to the pacer."""

    pacer: Optional[Pacer] = None
    service: str = ""

    def delay(self, attempt: int, response: Any = None) -> float:
        wait = super().delay(attempt, response)
        if self.pacer is not None and response is not None and response.status_code == 429:
            self.pacer.back_off(self.service, wait)
        return wait


class _LeaderGone(Exception):
    """The call that was to send a merged GET was cancelled: its followers send their own."""


class _Batch:
    """GETs being merged: the union of their ids and the one answer they will share."""

    __slots__ = ("ids", "future")

    def __init__(self, future: "asyncio.Future[Any]", ids: Optional[List[str]]) -> None:
        self.future = future
        self.ids: Optional[Set[str]] = set(ids) if ids is not None else None

    def add(self, ids: Optional[List[str]]) -> None:
        if ids is None:
            self.ids = None
        elif self.ids is not None:
            self.ids.update(ids)


class AsyncFirecrest(ClientBase):
    """The FirecREST v1 client for asyncio.

    :param verify: ``True`` (default), ``False``, a CA bundle path or an ``ssl.SSLContext``
    :param max_concurrency: requests in flight at once (worker threads and pooled connections)

    Attributes: those of :class:`~firecrest.v1.Firecrest` plus ``time_between_calls`` and
    ``merge_get_requests``. ``polling_sleep_times`` defaults to zeros: the ``tasks`` spacing
    sets the polling rate.
    """

    upload_class = AsyncExternalUpload
    download_class = AsyncExternalDownload
    default_polling_sleep_times: List[float] = 250 * [0]

    def __init__(self, firecrest_url: str, authorization: Any, verify: Union[str, bool, ssl.SSLContext, None] = True,
                 sa_role: str = "firecrest-sa", *, max_concurrency: int = 32) -> None:
        self._max_concurrency = max_concurrency
        self._pacer = Pacer()
        self._policies: Dict[Tuple[str, Optional[int]], RetryPolicy] = {}
        super().__init__(firecrest_url, authorization, verify, sa_role, pool_maxsize=max_concurrency)
        self._aio = self._wire.aio(max_concurrency)
        self._closed = False
        #: seconds between two requests to one microservice
        self.time_between_calls: Dict[str, float] = dict(DEFAULT_TIME_BETWEEN_CALLS)
        #: merge concurrent GETs of /tasks, /compute/jobs and /compute/acct into one
        self.merge_get_requests: bool = False
        #: open batches, per event loop (one client may serve several threads, each with its loop)
        self._batches: Dict[Tuple[int, Tuple[Any, ...]], _Batch] = {}

    # ------------------------------------------------------------------ sessions
    async def close_session(self) -> None:
        """Close the connections and the worker threads (``create_new_session()`` reopens)."""
        if not self._closed:
            self._closed = True
            await self._aio.aclose(close_client=True)

    async def create_new_session(self) -> None:
        """Start over with a fresh connection pool and worker threads (a coroutine, as upstream)."""
        self._wire = self._make_wire()
        self._engine.wire = self._wire
        self._aio = self._wire.aio(self._max_concurrency)
        self._closed = False

    @property
    def is_session_closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> "AsyncFirecrest":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close_session()

    # ------------------------------------------------------------------ pacing and 429s
    def _rate_limit_policy(self, service: Optional[str]) -> Any:
        key = (service or "", self._num_retries_rate_limit)
        policy = self._policies.get(key)
        if policy is None:
            policy = rate_limit_policy(self._num_retries_rate_limit, policy_class=SharedBackoffPolicy)
            policy.pacer = self._pacer  # type: ignore[attr-defined]
            policy.service = service or ""  # type: ignore[attr-defined]
            self._policies[key] = policy
        return policy

    def _spacing(self, service: str) -> float:
        return float(self.time_between_calls.get(service, 0) or 0)

    async def _pace(self, service: str) -> None:
        await self._pacer.wait(service, self._spacing(service))

    # ------------------------------------------------------------------ the driver
    async def _run(self, op: Callable[..., Any], *args: Any, history: Optional[List[Any]] = None,
                   **kwargs: Any) -> Any:
        if self._closed:
            raise RuntimeError("the session is closed; call create_new_session() first")
        ctx = self._context(history)
        gen = op(ctx, *args, **kwargs)
        value: Any = None
        error: Optional[BaseException] = None
        while True:
            try:
                step = gen.throw(error) if error is not None else gen.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            try:
                value = await self._perform(step, ctx)
            except Exception as exc:
                error = exc

    async def _then(self, result: Any, fn: Callable[[Any], Any]) -> Any:
        return fn(await result)

    async def _perform(self, step: Any, ctx: Context) -> Any:
        if isinstance(step, Call):
            if (self.merge_get_requests and step.merge is not None and step.method == "GET"
                    and self._spacing(step.service) > 0):
                return await self._merged(step, ctx)
            await self._pace(step.service)
            return await self._aio.run(self._engine.call, step, ctx, self._rate_limit_policy(step.service))
        if isinstance(step, Sleep):
            if step.seconds > 0:
                await asyncio.sleep(step.seconds)
            return None
        if isinstance(step, KnownVersion):
            return self._known_version()
        if isinstance(step, SetVersion):
            self._learn_version(step.version)
            return None
        if isinstance(step, UploadFile):
            service = step.segments[0] if step.segments else None
            if service:
                await self._pace(service)
            return await self._aio.run(self._engine.upload, step, ctx, self._rate_limit_policy(service))
        if isinstance(step, DownloadFile):
            service = step.segments[0] if step.segments else None
            if service:
                await self._pace(service)
            return await self._aio.run(self._engine.download, step, ctx, self._rate_limit_policy(service))
        if isinstance(step, AccessToken):
            return await self._aio.run(self._access_token)
        raise TypeError(f"unknown step {step!r}")

    async def _merged(self, call: Call, ctx: Context) -> Any:
        """Join (or open) the batch of identical GETs; its first member sends for all.

        Batches never span event loops (their future belongs to one loop). If the member that
        was to send is cancelled, the others are told and send on their own.
        """
        assert call.merge is not None
        loop = asyncio.get_running_loop()
        key = (id(loop), call.merge_key())
        ids = call.merge[1]
        batch = self._batches.get(key)
        if batch is not None:
            batch.add(ids)
            try:
                return await asyncio.shield(batch.future)
            except _LeaderGone:
                return await self._merged(call, ctx)
        batch = _Batch(loop.create_future(), ids)
        self._batches[key] = batch
        try:
            try:
                await asyncio.sleep(0)  # let calls started together join before the slot is taken
                await self._pace(call.service)  # others join while we wait for the slot
            finally:
                if self._batches.get(key) is batch:
                    del self._batches[key]
            merged = call.with_ids(sorted(batch.ids) if batch.ids is not None else None)
            result = await self._aio.run(self._engine.call, merged, ctx, self._rate_limit_policy(call.service))
        except asyncio.CancelledError:
            if not batch.future.done():
                batch.future.set_exception(_LeaderGone())
                batch.future.exception()  # retrieved here; followers see it through shield()
            raise
        except BaseException as exc:
            batch.future.set_exception(exc)
            batch.future.exception()  # followers re-raise it; no "never retrieved" warning
            raise
        batch.future.set_result(result)
        return result


def _as_coroutine_function(name: str) -> Callable[..., Any]:
    plain = getattr(FirecrestMethods, name)

    @functools.wraps(plain)
    async def method(self: AsyncFirecrest, *args: Any, **kwargs: Any) -> Any:
        return await plain(self, *args, **kwargs)

    return method


for _name in PUBLIC_METHODS:
    setattr(AsyncFirecrest, _name, _as_coroutine_function(_name))
del _name
