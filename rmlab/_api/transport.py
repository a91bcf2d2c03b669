"""One RMLab session over the shared core: discovery, login, calls, operations, refresh, logout.

Every request goes through the core pipeline (``RestClient`` in a bounded thread pool via
``AsyncRestClient``): timeouts, retries of idempotent calls, HTTP 498 -> refresh once ->
replay (``RefreshingAuth(refresh_statuses=(498,))``), error mapping (an error hook turning the
server's error JSON into :mod:`rmlab.errors` classes), redaction. This module only decides,
from the server-sent :class:`~rmlab.protocol.Endpoint` specs, what each call looks like.

Token expiry: HTTP 498 is handled inside the core pipeline. An ``ExpiredTokenError`` error JSON
under another status (the reference allows both) cannot be seen there (the core decides on the
status alone), so :meth:`Transport.send` catches it and goes through the same
``RefreshingAuth.refresh_after`` (one refresh even when many calls fail at once) before
replaying the call once.

Timeouts: a request unanswered within its endpoint's timeout raises
:class:`rmlab.errors.RequestTimeoutError` (a builtin ``TimeoutError`` and the core's
``HttpTimeoutError``) naming the endpoint id.

Credentials live in the :class:`Transport` of one ``API`` instance; nothing is shared between
instances or kept after logout.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any, Dict, List, Mapping, Optional, Tuple

from archfx_cloud.api.auth import GENERATION_ATTR, BasicAuth, RefreshingAuth, TokenAuth
from archfx_cloud.api.client import RestClient
from archfx_cloud.api.codecs import decode_leniently
from archfx_cloud.api.exceptions import HttpTimeoutError
from archfx_cloud.api.redact import mask_url
from archfx_cloud.api.transfer import MultipartStream, OpenedSource, open_source
from archfx_cloud.api.urls import join_url, normalize_base_url, quote_segment

from .. import errors
from ..protocol import AuthType, CommunicationType, Endpoint, ResponseType
from . import checks
from .checks import FileCheck, NotChecked

log = logging.getLogger("rmlab")

#: Keys a login result must carry (besides ``endpoints``).
CREDENTIAL_KEYS = ("access_token", "refresh_token", "services", "scenarios", "username", "workgroup")
DISCOVER_PATH = ("auth", "discover")
#: Seconds allowed for the request that starts a long-running operation.
TRIGGER_TIMEOUT = 30.0
_MAX_ERROR_TEXT = 2000
#: Content types of upload files by extension (no guessing per request).
_FILE_TYPES = {".json": "application/json", ".csv": "text/csv"}


def _pending(status: Any) -> bool:
    return isinstance(status, Mapping) and str(status.get("status", "")).lower() == "pending"


class Transport:
    """The HTTP side of one logged-in ``API``: endpoints, credentials and calls."""

    def __init__(self, app_url: str, admin_url: str, *, workgroup: str, username: str, password: str,
                 client_version: str, max_concurrency: int = 16, verify: Any = True, retries: Any = None) -> None:
        self.app_url = normalize_base_url(app_url)
        self.admin_url = normalize_base_url(admin_url)
        self.endpoints: Dict[str, Endpoint] = {}
        self.credentials: Dict[str, Any] = {}
        self._lock = threading.Lock()
        # Upstream's basic credential is base64("workgroup:username:password:<client version>").
        self._basic = BasicAuth(workgroup, f"{username}:{password}:{client_version}")
        self._bearer = RefreshingAuth(None, refresh=self._refresh, refresh_statuses=(498,))
        self._rest = RestClient(self.app_url, verify=verify, retries=retries, error_hook=self._error_hook,
                                logger=log)
        self.aio = self._rest.aio(max_concurrency=max_concurrency)
        self._prefixes: Dict[str, str] = {}
        # One random multipart boundary per session rather than per request: as unguessable, and
        # servers that compile a pattern per boundary (Python's http.server header parser does)
        # see the same one every time.
        self._boundary = "rmlab" + os.urandom(16).hex()

    def __repr__(self) -> str:
        return f"<rmlab Transport app={mask_url(self.app_url)} admin={mask_url(self.admin_url)}>"

    # ------------------------------------------------------------------ endpoints
    def register(self, specs: Any, source: str) -> None:
        """Add the endpoint specs of a discovery answer (``{id: spec}`` or a list of specs)."""
        if isinstance(specs, Mapping):
            items = list(specs.items())
        elif isinstance(specs, list):
            items = [(s.get("id"), s) for s in specs if isinstance(s, Mapping)]
        else:
            raise errors.LogicError(f"{source} answered {type(specs).__name__}, not endpoint specs")
        for ep_id, spec in items:
            if not isinstance(spec, Mapping):
                raise errors.LogicError(f"{source}: spec of `{ep_id}` is not an object")
            endpoint = Endpoint.make_from_json(spec, endpoint_id=ep_id)
            self.endpoints[endpoint.id] = endpoint
            self._prefixes.pop(endpoint.id, None)
        log.debug("%s: %d endpoint specs", source, len(items))

    def endpoint(self, endpoint_id: str) -> Endpoint:
        try:
            return self.endpoints[endpoint_id]
        except KeyError:
            raise errors.RuntimeError(f"Undefined endpoint `{endpoint_id}` (the server did not advertise it)") \
                from None

    def _base_for(self, endpoint: Endpoint) -> str:
        return self.admin_url if endpoint.id.startswith("auth-") else self.app_url

    def _url(self, base: str, segments: Tuple[str, ...]) -> str:
        return join_url(base, [quote_segment(s) for s in segments], False)

    def url_of(self, endpoint: Endpoint, segments: Tuple[str, ...]) -> str:
        """The request URL: the endpoint's base and resource (quoted once per session), then the
        ``match`` arguments."""
        prefix = self._prefixes.get(endpoint.id)
        if prefix is None:
            prefix = self._prefixes[endpoint.id] = self._url(self._base_for(endpoint), endpoint.resource)
        extra = segments[len(endpoint.resource):]
        return prefix + "/" + "/".join(quote_segment(s) for s in extra) if extra else prefix

    def _auth(self, endpoint: Endpoint) -> Any:
        kind = endpoint.auth
        if kind is AuthType.PUBLIC:
            return None
        if kind is AuthType.BASIC:
            return self._basic
        if kind in (AuthType.JWT, AuthType.JWT_EXPIRABLE):
            return self._bearer
        if kind is AuthType.API_KEY:
            key = self.credentials.get("api_key")
            if not key:
                raise errors.AuthenticationError(f"`{endpoint.id}` needs an API key and the login issued none")
            return TokenAuth(key, prefix=None, header="X-Api-Key")
        raise errors.LogicError(f"`{endpoint.id}` uses '{kind.value}' authentication, which this client does not "
                                f"support")

    # ------------------------------------------------------------------ errors
    @staticmethod
    def _error_hook(response: Any) -> Optional[BaseException]:
        if response.status_code < 400:
            return None
        content = decode_leniently(response)
        text = content if isinstance(content, str) else response.content[:_MAX_ERROR_TEXT].decode("utf-8", "replace")
        attributes = {"response": response, "content": content, "method": response.request.method,
                      "url": mask_url(response.url), "status_code": response.status_code}
        return errors.error_from_response(response.status_code, content, text[:_MAX_ERROR_TEXT], attributes)

    # ------------------------------------------------------------------ calls
    async def call(self, endpoint_id: str, *, file_checks: Optional[Mapping[str, FileCheck]] = None,
                   **values: Any) -> Any:
        """Call an endpoint by id (following it to its result if it is a long-running operation)."""
        endpoint = self.endpoint(endpoint_id)
        if endpoint.communication is CommunicationType.ASYNC:
            return await self.operation(endpoint, values)
        if endpoint.communication is not CommunicationType.SYNC:
            raise errors.LogicError(f"`{endpoint.id}` uses '{endpoint.communication.value}' communication, which "
                                    f"this client does not support")
        return await self.send(endpoint, values, file_checks=file_checks)

    async def send(self, endpoint: Endpoint, values: Mapping[str, Any], timeout: Optional[float] = None,
                   context: str = "", file_checks: Optional[Mapping[str, FileCheck]] = None) -> Any:
        """One request for ``endpoint`` (no operation following).

        ``file_checks`` (file argument -> ``(what, kind)``): each file is sent only if the very
        file opened for sending (its fstat identity) passed its local check; otherwise the check
        runs (off the event loop, shared with concurrent uploads of the same file) and the send
        is tried again. The event loop itself never touches the file system for an upload.
        """
        call = endpoint.encode(values, check_files=False)
        url = self.url_of(endpoint, call.segments)
        seconds = timeout if timeout is not None else endpoint.budget
        auth = self._auth(endpoint)
        options: Dict[str, Any] = {"auth": auth, "timeout": (min(10.0, seconds), seconds)}
        if not call.files and call.json_body is not None:
            options.update(data=call.json_body, body_format="json")
        replayed = False
        checks_left = 3
        while True:
            try:
                if call.files:
                    answer = await self.aio.run(self._send_multipart, call.method, url, call.fields or {},
                                                call.files, options, file_checks or {})
                else:
                    answer = await self.aio.request(call.method, url, **options)
            except NotChecked as missing:
                checks_left -= 1
                if checks_left <= 0:
                    raise errors.DataValidationError("kept changing while it was being uploaded",
                                                     source=os.path.basename(missing.path)) from None
                await checks.CHECKED_FILES.check(missing.what, missing.kind, missing.path)
                continue
            except HttpTimeoutError as exc:
                raise errors.request_timeout(endpoint.id, seconds, exc, context) from exc
            except errors.ExpiredTokenError as exc:
                # 498 was already refreshed and replayed by the core; the same error JSON under
                # another status is refreshed here, through the same auth object, once.
                if replayed or auth is not self._bearer or exc.status_code in self._bearer.refresh_statuses:
                    raise
                replayed = True
                request = getattr(getattr(exc, "response", None), "request", None)
                generation = getattr(request, GENERATION_ATTR, None)
                try:
                    renewed = await self.aio.run(self._bearer.refresh_after, generation)
                except HttpTimeoutError as refresh_exc:
                    raise errors.request_timeout("auth-token-refresh", None, refresh_exc,
                                                 f" (refreshing the token for `{endpoint.id}`)") from refresh_exc
                if not renewed:
                    raise
                log.debug("`%s` answered %s with ExpiredTokenError: token refreshed, replaying", endpoint.id,
                          exc.status_code)
                continue
            return answer if endpoint.response is ResponseType.JSON else None

    def _send_multipart(self, method: str, url: str, fields: Dict[str, str], files: Dict[str, str],
                        options: Dict[str, Any], file_checks: Mapping[str, FileCheck]) -> Any:
        """Runs in a worker thread: stream the files (sent under their base names, with a
        Content-Length) in the core's :class:`MultipartStream`; raises :class:`NotChecked` for a
        file whose opened identity has not passed its check."""
        opened: List[Tuple[str, OpenedSource]] = []
        try:
            for name, path in files.items():
                try:
                    source = open_source(path, content_type=_FILE_TYPES.get(os.path.splitext(path)[1].lower(),
                                                                           "application/octet-stream"))
                except FileNotFoundError:
                    raise FileNotFoundError(f"file {path!r} (argument '{name}') does not exist or is not a "
                                            f"file") from None
                opened.append((name, source))
                check = file_checks.get(name)
                if check is not None:
                    key = checks.CheckedFiles.key_of(check[0], check[1], path, os.fstat(source.fileobj.fileno()))
                    if not checks.CHECKED_FILES.passed(key):
                        raise NotChecked(check[0], check[1], path)
            body = MultipartStream(fields, opened, boundary=self._boundary)
            return self._rest.request(method, url, body=body, headers={"Content-Type": body.content_type}, **options)
        finally:
            for _, source in opened:
                source.close()

    async def operation(self, endpoint: Endpoint, values: Mapping[str, Any]) -> Any:
        """Trigger, wait ``prepoll_wait``, poll every ``poll_interval`` while pending, fetch the result.

        The whole operation must end within the endpoint's timeout (one hour when the spec
        gives none); else :class:`rmlab.errors.TimeoutError` naming the operation.
        """
        info = endpoint.async_info
        assert info is not None  # guaranteed by Endpoint
        loop = asyncio.get_running_loop()
        budget = endpoint.budget
        deadline = loop.time() + budget
        started = await self.send(endpoint, values, timeout=min(TRIGGER_TIMEOUT, budget))
        arguments = dict(started) if isinstance(started, Mapping) else {}
        poll = self.endpoint(info.poll_endpoint_id)
        result = self.endpoint(info.result_endpoint_id)

        def timed_out() -> errors.TimeoutError:
            return errors.TimeoutError(f"operation `{endpoint.id}` did not finish within {budget:g} s")

        if info.prepoll_wait > 0:
            if loop.time() + info.prepoll_wait > deadline:
                raise timed_out()
            await asyncio.sleep(info.prepoll_wait)
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise timed_out()
            status = await self.send(poll, arguments, timeout=min(poll.budget, remaining),
                                     context=f" (polling operation `{endpoint.id}`)")
            if not _pending(status):
                break
            if loop.time() + info.poll_interval > deadline:
                raise timed_out()
            await asyncio.sleep(info.poll_interval)
        return await self.send(result, arguments, timeout=min(result.budget, max(1.0, deadline - loop.time())),
                               context=f" (result of operation `{endpoint.id}`)")

    # ------------------------------------------------------------------ session
    async def _start_workers(self) -> None:
        """Start every thread of the request pool now, before any call.

        ``ThreadPoolExecutor`` starts threads lazily and counts a finished task as an idle
        thread: after login's few sequential calls, the first burst of concurrent calls found
        only some of its threads (the rest of the calls queued behind whole round trips) and
        each missing thread was created inside the burst, blocking the event loop while it
        started. A barrier that all ``max_concurrency`` threads must reach at once makes the
        pool complete (it cannot finish with fewer threads); this runs first, while the pool is
        empty, so every task gets a new thread.
        """
        count = self.aio.max_concurrency
        if count <= 1:
            return
        barrier = threading.Barrier(count, timeout=10.0)

        def arrive() -> None:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:  # a slow machine: the pool still grew
                pass

        await asyncio.gather(*(self.aio.run(arrive) for _ in range(count)))

    async def open(self) -> None:
        """Discover the auth endpoints, log in (an operation, Basic auth), discover the API."""
        await self._start_workers()
        try:
            specs = await self.aio.request("GET", self._url(self.admin_url, DISCOVER_PATH), auth=None,
                                           timeout=(10.0, 30.0))
        except HttpTimeoutError as exc:
            raise errors.request_timeout("auth-discover", 30.0, exc) from exc
        self.register(specs, "auth discovery")
        answer = await self.call("auth-log-in")
        if not isinstance(answer, Mapping):
            raise errors.ValueError("login answered no credentials")
        missing = [key for key in CREDENTIAL_KEYS if key not in answer]
        if missing:
            raise errors.ValueError(f"login answer lacks {', '.join(missing)}")
        credentials = dict(answer)
        endpoints = credentials.pop("endpoints", None) or {}
        with self._lock:
            self.credentials = credentials
        self._bearer.set_token(credentials["access_token"])
        self.register(endpoints, "login")
        self.register(await self.call("api-discover-user"), "user discovery")

    def _refresh(self) -> Optional[str]:
        """Called by the core pipeline (in a worker thread) after a 498: new tokens, or None."""
        endpoint = self.endpoints.get("auth-token-refresh")
        refresh_token = self.credentials.get("refresh_token")
        if endpoint is None or not refresh_token:
            return None
        call = endpoint.encode({})
        options: Dict[str, Any] = {"auth": TokenAuth(refresh_token), "timeout": (10.0, endpoint.budget)}
        if call.json_body is not None:
            options.update(data=call.json_body, body_format="json")
        answer = self._rest.request(call.method, self._url(self.admin_url, call.segments), **options)
        if not isinstance(answer, Mapping) or not answer.get("access_token"):
            raise errors.AuthenticationError("token refresh answered without an access_token")
        with self._lock:
            self.credentials["access_token"] = answer["access_token"]
            if answer.get("refresh_token"):
                self.credentials["refresh_token"] = answer["refresh_token"]
        log.debug("access token refreshed")
        return str(answer["access_token"])

    async def close(self, logout: bool = True) -> None:
        """Log out (errors are logged, never raised), forget the credentials, release the pool."""
        try:
            if logout and self.credentials.get("access_token") and "auth-log-out" in self.endpoints:
                await self.call("auth-log-out")
        except Exception as exc:  # logout must never hide the block's own outcome
            log.warning("logout failed: %s: %s", type(exc).__name__, exc)
        finally:
            with self._lock:
                self.credentials = {}
            self._bearer.set_token(None)
            await self.aio.aclose()
