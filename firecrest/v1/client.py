"""``Firecrest``: the blocking FirecREST v1 client (pyfirecrest's ``firecrest.v1.Firecrest``).

    import firecrest as fc
    client = fc.v1.Firecrest(firecrest_url=url, authorization=fc.ClientCredentialsAuth(id, secret, token_url))
    client.list_files("cluster", "/home/user")

Every request goes through the shared core (timeouts, 429 retries, TLS, masking of secrets in
logs). A client keeps no per-call state, so one client may serve many threads at once.
"""
from __future__ import annotations

import logging
import ssl
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from archfx_cloud.api.client import DEFAULT_TIMEOUT
from archfx_cloud.api.codecs import decode_response, media_type
from archfx_cloud.api.exceptions import ResponseDecodeError

from ..exceptions import NoJSONException
from . import _ops
from ._methods import FirecrestMethods
from ._steps import AccessToken, Call, Context, DownloadFile, KnownVersion, SetVersion, Sleep, UploadFile
from ._wire import Expect, FirecrestWire, rate_limit_policy
from .external import ExternalDownload, ExternalUpload

__all__ = ["Firecrest", "ClientBase", "Engine", "DEFAULT_POLLING_SLEEP_TIMES"]

logger = logging.getLogger("firecrest")

#: Waits between task polls: quick at first (most tasks end within a second), then every
#: 0.25 s as upstream, about 60 s in all. Upstream starts with 1 s and 0.5 s, so a task that
#: ends right away is only noticed a second later.
DEFAULT_POLLING_SLEEP_TIMES: List[float] = [0.1, 0.1, 0.2, 0.2] + 236 * [0.25]

Timeout = Union[None, float, Tuple[Optional[float], Optional[float]]]

#: Read/write size of downloads: 256 KiB writes go through the page cache faster than 1 MiB
#: ones (measured: benchmarks/bench_firecrest.py download), and still keep Python's per-chunk
#: cost negligible.
DOWNLOAD_CHUNK = 256 * 1024


def decode_json(response: Any, history: List[Any], allow_none: bool) -> Any:
    """The JSON body, None for an allowed empty/non-JSON one, else :class:`NoJSONException`."""
    mime, _ = media_type(response)
    if mime == "application/json" or mime.endswith("+json"):
        try:
            body = decode_response(response)
        except ResponseDecodeError:
            body = None
        else:
            if body is not None:
                return body
    if allow_none:
        return None
    raise NoJSONException(history)


class Engine:
    """Runs operations (generators of steps) against a :class:`FirecrestWire`.

    Shared by the sync client and by the worker threads of the async one.
    """

    def __init__(self, wire: FirecrestWire, owner: Any) -> None:
        self.wire = wire
        self.owner = owner

    def url(self, step: Any) -> str:
        return step.url if step.url else self.wire.url_for(step.segments)

    def call(self, call: Call, ctx: Context, retries: Any = None) -> Any:
        kwargs = {} if retries is None else {"retries": retries}
        response = self.wire.send(call.method, self.wire.url_for(call.segments), params=call.params,
                                  data=call.data, headers=call.headers, expect=Expect(call.expect, ctx.history),
                                  **kwargs)
        return decode_json(response, ctx.history, call.allow_none)

    def upload(self, step: UploadFile, ctx: Context, retries: Any = None) -> Any:
        headers = dict(step.headers)
        if step.machine:
            headers["X-Machine-Name"] = step.machine
        kwargs: Dict[str, Any] = {} if retries is None else {"retries": retries}
        if step.params:
            kwargs["params"] = step.params
        response = self.wire.upload(self.url(step), step.source, method=step.method, multipart=step.multipart,
                                    filename=step.filename, fields=step.fields if step.multipart else None,
                                    headers=headers or None, progress=step.progress, raw=True,
                                    expect=Expect(step.expect, ctx.history, step.error_class), **kwargs)
        return decode_json(response, ctx.history, False) if step.decode else None

    def download(self, step: DownloadFile, ctx: Context, retries: Any = None) -> Any:
        headers = {"X-Machine-Name": step.machine} if step.machine else None
        kwargs = {} if retries is None else {"retries": retries}
        return self.wire.download(self.url(step), step.dest, params=step.params, headers=headers,
                                  progress=step.progress, expected_size=step.expected_size,
                                  chunk_size=DOWNLOAD_CHUNK, expect=Expect(None, ctx.history, step.error_class),
                                  **kwargs)


class ClientBase(FirecrestMethods):
    """What the sync and the async client share: settings, logging, the API version."""

    upload_class: Any = ExternalUpload
    download_class: Any = ExternalDownload
    default_polling_sleep_times: List[float] = DEFAULT_POLLING_SLEEP_TIMES

    def __init__(self, firecrest_url: str, authorization: Any, verify: Union[str, bool, ssl.SSLContext, None] = None,
                 sa_role: str = "firecrest-sa", pool_maxsize: int = 10) -> None:
        self._firecrest_url = firecrest_url.rstrip("/")
        self._authorization = authorization
        self._verify = verify
        self._sa_role = sa_role
        self._pool_maxsize = pool_maxsize
        self._timeout: Timeout = None
        self._num_retries_rate_limit: Optional[int] = None
        self._wire = self._make_wire()
        self._engine = Engine(self._wire, self)
        #: waits between task polls; :class:`~firecrest.PollingIterException` when exhausted
        self.polling_sleep_times: List[float] = list(self.default_polling_sleep_times)
        #: silence this client's log messages
        self.disable_client_logging: bool = False
        self._api_version: Optional[str] = None
        self._version_lock = threading.Lock()

    def _make_wire(self) -> FirecrestWire:
        wire = FirecrestWire(self._firecrest_url, self._authorization, self._verify, pool_maxsize=self._pool_maxsize)
        if self._timeout is not None:
            wire.timeout = self._timeout
        wire.retry = self._rate_limit_policy(None)
        return wire

    def _rate_limit_policy(self, service: Optional[str]) -> Any:
        return rate_limit_policy(self._num_retries_rate_limit)

    # ------------------------------------------------------------------ settings
    @property
    def timeout(self) -> Timeout:
        """Seconds (or ``(connect, read)``) per request; None: the core's default (10 s, 60 s)."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: Timeout) -> None:
        self._timeout = value
        self._wire.timeout = DEFAULT_TIMEOUT if value is None else value

    @property
    def num_retries_rate_limit(self) -> Optional[int]:
        """How often a request answered 429 is resent (None: until the server relents)."""
        return self._num_retries_rate_limit

    @num_retries_rate_limit.setter
    def num_retries_rate_limit(self, value: Optional[int]) -> None:
        self._num_retries_rate_limit = value
        self._wire.retry = self._rate_limit_policy(None)

    @property
    def api_version(self) -> Optional[str]:
        """The server's API version as known to the client (None until set or asked)."""
        return self._api_version

    def set_api_version(self, api_version: str) -> None:
        """Declare the server's API version (also skips the ``/status/parameters`` query)."""
        _ops.version_tuple(api_version)
        with self._version_lock:
            self._api_version = str(api_version)

    def log(self, level: int, msg: Any) -> None:
        """Log on the ``firecrest`` logger unless ``disable_client_logging`` is set."""
        if not self.disable_client_logging:
            logger.log(level, msg)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._wire.masked(self._firecrest_url)}>"

    # ------------------------------------------------------------------ helpers of the drivers
    def _context(self, history: Optional[List[Any]]) -> Context:
        ctx = Context(self.polling_sleep_times, self._sa_role, self.log)
        if history is not None:
            ctx.history = history
        return ctx

    def _known_version(self) -> Optional[str]:
        return self._api_version

    def _learn_version(self, version: str) -> None:
        with self._version_lock:
            if self._api_version is None:
                self._api_version = version

    def _access_token(self) -> Optional[str]:
        getter = getattr(self._authorization, "get_access_token", None)
        return getter() if callable(getter) else None

    def _external(self, kind: str, task_id: str, history: List[Any], source_path: Optional[str] = None) -> Any:
        if kind == "upload":
            return self.upload_class(self, task_id, history, source_path=source_path)
        return self.download_class(self, task_id, history)


class Firecrest(ClientBase):
    """The FirecREST v1 client.

    :param firecrest_url: the API's URL
    :param authorization: any object with ``get_access_token()`` (or ``auth_headers()``)
    :param verify: TLS verification: ``True``/``None`` (default), ``False``, a CA bundle path or an
        ``ssl.SSLContext``
    :param sa_role: the service-account role of the deployment (``F7T_AUTH_ROLE``), used by
        :meth:`whoami` without a machine

    Attributes, as pyfirecrest: ``timeout``, ``num_retries_rate_limit``, ``polling_sleep_times``,
    ``disable_client_logging``. One client may be used from many threads at once.
    """

    def __init__(self, firecrest_url: str, authorization: Any, verify: Union[str, bool, ssl.SSLContext, None] = None,
                 sa_role: str = "firecrest-sa") -> None:
        super().__init__(firecrest_url, authorization, verify, sa_role)

    def close(self) -> None:
        """Close the connection pool (the client stays usable; it reconnects on demand)."""
        self._wire.close()

    def __enter__(self) -> "Firecrest":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _run(self, op: Callable[..., Any], *args: Any, history: Optional[List[Any]] = None, **kwargs: Any) -> Any:
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
                value = self._perform(step, ctx)
            except Exception as exc:  # handed to the operation: compress/extract fall back on timeouts
                error = exc

    def _then(self, result: Any, fn: Callable[[Any], Any]) -> Any:
        return fn(result)

    def _perform(self, step: Any, ctx: Context) -> Any:
        if isinstance(step, Call):
            return self._engine.call(step, ctx)
        if isinstance(step, Sleep):
            time.sleep(step.seconds)
            return None
        if isinstance(step, KnownVersion):
            return self._known_version()
        if isinstance(step, SetVersion):
            self._learn_version(step.version)
            return None
        if isinstance(step, UploadFile):
            return self._engine.upload(step, ctx)
        if isinstance(step, DownloadFile):
            return self._engine.download(step, ctx)
        if isinstance(step, AccessToken):
            return self._access_token()
        raise TypeError(f"unknown step {step!r}")
