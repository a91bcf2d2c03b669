"""The one request pipeline every REST client in this repository goes through.

``RestClient.send`` builds the body, applies auth, sends with a finite timeout, retries what
is safe to retry, replays once after an auth refresh and maps failures to the exception tree.
``RestClient.request`` adds decoding by Content-Type. Service clients declare what differs
(base URL, slash policy, default body format, auth, an error hook, a decoder) and never call
``requests`` themselves.
"""
from __future__ import annotations

import logging
import os
import ssl
import time
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter

from . import transfer
from .auth import GENERATION_ATTR
from .codecs import BODY_FORMATS, decode_leniently, decode_response, encode_body
from .exceptions import (HttpConnectTimeoutError, HttpConnectionError, HttpCouldNotVerifyServerError,
                         HttpInvalidRequestError, HttpReadTimeoutError, HttpTimeoutError, HttpTooManyRedirectsError,
                         ResponseDecodeError, RestHttpBaseException, TransferError, error_for_status)
from .paging import Paginator, drf_pages, iterate_pages
from .redact import install_third_party_redaction, mask_text, mask_url
from .resource import Resource
from .retry import RetryPolicy, as_policy
from .session import LeanSession
from .sentinels import UNSET
from .urls import join_url, normalize_base_url, same_origin, split_path
from .directsend import DirectSendHTTPConnectionPool, DirectSendHTTPSConnectionPool

__all__ = ["RestClient", "UNSET", "DEFAULT_TIMEOUT", "DEFAULT_RETRY", "ErrorHook", "SEND_BLOCKSIZE"]



DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 60.0)
DEFAULT_RETRY = RetryPolicy()

ErrorHook = Callable[[requests.Response], Optional[BaseException]]
Timeout = Union[None, float, Tuple[Optional[float], Optional[float]]]


#: Bytes handed to the socket per send for streamed request bodies. http.client reads file-like
#: bodies 8-16 KiB at a time: a 1 MiB upload costs ~64 Python-level reads and sends on the
#: client and as many small receives on the server, which dominates when many uploads overlap.
SEND_BLOCKSIZE = transfer.UPLOAD_BLOCK


class _BlockAdapter(HTTPAdapter):
    """``HTTPAdapter`` whose connections send streamed bodies in :data:`SEND_BLOCKSIZE` blocks
    (their files through a reused buffer: :mod:`.directsend`).

    With ``ssl_context`` every HTTPS connection uses that context as it is (its CAs, its
    verification mode, its client certificate): requests' own verify/CA-bundle settings are not
    applied to it, so the caller's context is never modified (no CA bundle loaded into it).
    """

    def __init__(self, *args: Any, ssl_context: Optional[ssl.SSLContext] = None, **kwargs: Any) -> None:
        self._ssl_context = ssl_context
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        pool_kwargs.setdefault("blocksize", SEND_BLOCKSIZE)
        if self._ssl_context is not None:
            pool_kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        # upload bodies are sent by our connections (see directsend); proxies keep urllib3's pools
        self.poolmanager.pool_classes_by_scheme = {"http": DirectSendHTTPConnectionPool,
                                                   "https": DirectSendHTTPSConnectionPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        if self._ssl_context is not None:
            proxy_kwargs.setdefault("ssl_context", self._ssl_context)
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def build_connection_pool_key_attributes(self, request: Any, verify: Any, cert: Any = None) -> Any:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if self._ssl_context is not None:
            pool_kwargs = {"ssl_context": self._ssl_context}
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if self._ssl_context is None:
            super().cert_verify(conn, url, verify, cert)


def _body_failure(exc: BaseException) -> Optional[TransferError]:
    """The :class:`TransferError` an upload body raised while being sent, which ``urllib3``
    wraps as ``ProtocolError('Connection aborted.', error)`` inside requests' ConnectionError."""
    pending: List[Any] = [exc]
    for _ in range(8):
        if not pending:
            return None
        current = pending.pop()
        if isinstance(current, TransferError):
            return current
        if isinstance(current, BaseException):
            pending.extend(current.args)
    return None


def _masked_cause(exc: BaseException) -> BaseException:
    """``exc`` for chaining under our error: when its text holds a secret (urllib3 puts the
    request path and query in it), a copy with the secret masked and no chain of its own."""
    text = str(exc)
    masked = mask_text(text)
    if masked == text:
        return exc
    try:
        clean = type(exc)(masked)
    except Exception:  # an exception type with another constructor
        clean = requests.exceptions.RequestException(masked)
    clean.__suppress_context__ = True
    return clean


class RestClient:
    """A REST service client: one ``requests.Session``, shared by every resource of the chain.

    ``client.org("x").devices.get(page=2)`` is ``GET <base>/org/x/devices?page=2``. Attribute
    and item access give resources (``client["user-info"]`` for names that are not identifiers
    or clash with verbs), ``client("a/b")`` a literal multi-segment path.

    Parameters that the pipeline applies to every call:

    * ``timeout`` – ``(connect, read)`` seconds or one number; ``None`` means the default
      ``(10, 60)``. Per call, ``timeout=None`` disables it.
    * ``retries`` – a :class:`RetryPolicy`, an int, ``0`` for none, or a urllib3 ``Retry``.
    * ``verify`` – TLS verification: ``True``, ``False`` (holds even when ``REQUESTS_CA_BUNDLE``
      is set), a CA bundle path, or an ``ssl.SSLContext`` used as it is.
    * ``trust_env`` – proxies and CA bundle are read from the environment once, here, not on
      every request.
    * ``error_hook(response) -> exception | None`` – consulted on every response before the
      status mapping, for services that report errors in headers or bodies.

    Requests to URLs outside ``base_url`` (e.g. presigned storage links) are sent without the
    client's credentials unless ``auth=`` is passed for that call.
    """

    resource_class = Resource
    logger_name = "archfx_cloud.api"

    def __init__(self, base_url: str, *, auth: Any = None, headers: Optional[Mapping[str, str]] = None,
                 timeout: Timeout = None, retries: Any = None, verify: Union[bool, str, ssl.SSLContext] = True,
                 cert: Any = None, proxies: Optional[Mapping[str, str]] = None, trust_env: bool = True,
                 trailing_slash: bool = False, body_format: str = "json",
                 session: Optional[requests.Session] = None, error_hook: Optional[ErrorHook] = None,
                 pool_maxsize: int = 10, logger: Optional[logging.Logger] = None) -> None:
        if body_format not in BODY_FORMATS:
            raise ValueError(f"unknown body format {body_format!r}; expected one of {', '.join(BODY_FORMATS)}")
        self.base_url = normalize_base_url(base_url)
        self.auth = auth
        self.timeout: Timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self.retry: RetryPolicy = as_policy(retries, DEFAULT_RETRY)
        self.trailing_slash = trailing_slash
        self.body_format = body_format
        self.error_hook = error_hook
        self.cert = cert
        self.log = logger or logging.getLogger(self.logger_name)
        self._trust_env = trust_env
        self._explicit_proxies = dict(proxies or {})
        self._proxy_cache: Dict[str, Dict[str, str]] = {}
        self.session = session if session is not None else LeanSession()
        self.session.trust_env = False  # environment resolved once below, not per request
        self.ssl_context: Optional[ssl.SSLContext] = verify if isinstance(verify, ssl.SSLContext) else None
        self.verify = True if self.ssl_context is not None else self._resolve_verify(verify)
        self.session.verify = self.verify
        if headers:
            self.session.headers.update(headers)
        if session is None:
            self.resize_pool(pool_maxsize)
        install_third_party_redaction()

    # ------------------------------------------------------------------ configuration
    def _resolve_verify(self, verify: Union[bool, str]) -> Union[bool, str]:
        if verify is True and self._trust_env:
            return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        return verify

    def proxies_for(self, url: str) -> Dict[str, str]:
        """Proxies for ``url``: explicit ones, else the environment's (cached per origin)."""
        if self._explicit_proxies:
            return self._explicit_proxies
        if not self._trust_env:
            return {}
        scheme, _, rest = url.partition("://")
        origin = scheme + "://" + rest.split("/", 1)[0]
        found = self._proxy_cache.get(origin)
        if found is None:
            found = requests.utils.get_environ_proxies(origin) or {}
            self._proxy_cache[origin] = found
        return found

    def resize_pool(self, maxsize: int) -> None:
        """Mount adapters whose connection pools hold ``maxsize`` connections per host."""
        adapter = _BlockAdapter(pool_connections=max(10, maxsize), pool_maxsize=max(10, maxsize), max_retries=0,
                                ssl_context=self.ssl_context)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def masked(self, url: str) -> str:
        return mask_url(url)

    # ------------------------------------------------------------------ URLs and resources
    def url_for(self, segments: Tuple[str, ...] = ()) -> str:
        return join_url(self.base_url, segments, self.trailing_slash)

    @property
    def root(self) -> Resource:
        return self.resource_class(self, ())

    def __getattr__(self, name: str) -> Resource:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.root[name]

    def __getitem__(self, name: Any) -> Resource:
        return self.root[name]

    def __call__(self, path: Any) -> Resource:
        return self.resource_class(self, split_path(path))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {mask_url(self.base_url)}>"

    # ------------------------------------------------------------------ the pipeline
    def _prepare_body(self, data: Any, body: Any, body_format: Optional[str], files: Any,
                      headers: Dict[str, str]) -> Any:
        if files:
            opened = [(name, transfer.open_source(src)) for name, src in
                      (files.items() if isinstance(files, Mapping) else files)]
            stream = transfer.MultipartStream(data, opened)
            headers.setdefault("Content-Type", stream.content_type)
            return stream
        if body is not UNSET:
            return body
        fmt = body_format or self.body_format
        if fmt == "multipart":
            stream = transfer.MultipartStream(data, [])
            headers.setdefault("Content-Type", stream.content_type)
            return stream
        encoded, content_type = encode_body(data, fmt)
        if content_type and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = content_type
        return encoded

    def send(self, method: str, url: str, *, params: Any = None, data: Any = None, body: Any = UNSET,
             body_format: Optional[str] = None, files: Any = None, headers: Optional[Mapping[str, str]] = None,
             timeout: Any = UNSET, stream: bool = False, retry_safe: bool = False, auth: Any = UNSET,
             allow_redirects: bool = True, retries: Any = UNSET) -> requests.Response:
        """Send one logical request (with its retries) and return the successful response.

        ``data`` is encoded with ``body_format`` (the client's default unless given); ``body``
        is sent as is (bytes or a file-like stream); ``files`` makes a streamed multipart form
        with ``data`` as its fields. Raises the exception tree for failures.
        """
        method = method.upper()
        hdrs: Dict[str, str] = dict(headers) if headers else {}
        payload = self._prepare_body(data, body, body_format, files, hdrs)
        policy = self.retry if retries is UNSET else as_policy(retries, self.retry)
        if retry_safe and method not in policy.methods and "Idempotency-Key" not in hdrs:
            hdrs["Idempotency-Key"] = os.urandom(16).hex()
        start = transfer.body_start(payload)
        rewindable = transfer.is_rewindable(payload, start)
        may_retry = rewindable and policy.allows(method, retry_safe)
        call_auth = self.auth if auth is UNSET else auth
        if auth is UNSET and not same_origin(url, self.base_url):
            # A URL elsewhere (a presigned object-store link): never hand it our credentials.
            call_auth = None
            if "Authorization" in self.session.headers:
                hdrs.setdefault("Authorization", None)  # type: ignore[arg-type]
        refresh_statuses = getattr(call_auth, "refresh_statuses", ())
        call_timeout = self.timeout if timeout is UNSET else timeout
        proxies = self.proxies_for(url)
        debug = self.log.isEnabledFor(logging.DEBUG)
        attempt = 0
        refreshed = False
        while True:
            if attempt or refreshed:
                transfer.rewind_body(payload, start)
            began = time.perf_counter()
            try:
                response = self.session.request(
                    method, url, params=params, data=payload, headers=hdrs, auth=call_auth,
                    timeout=call_timeout, verify=self.verify, proxies=proxies, stream=stream,
                    cert=self.cert, allow_redirects=allow_redirects)
            except requests.exceptions.RequestException as exc:
                error = self._transport_error(exc, method, url)
                if isinstance(error, (HttpConnectionError, HttpTimeoutError)) and may_retry and attempt < policy.total:
                    attempt += 1
                    wait = policy.delay(attempt)
                    self.log.debug("%s %s failed (%s); retry %d/%d in %.2fs", method, mask_url(url),
                                   type(exc).__name__, attempt, policy.total, wait)
                    policy.sleep(wait)
                    continue
                raise error from _masked_cause(exc)
            status = response.status_code
            if debug:
                self.log.debug("%s %s -> %d (%.1f ms)", method, mask_url(response.url), status,
                               (time.perf_counter() - began) * 1000)
            if status in refresh_statuses and not refreshed and rewindable:
                refreshed = True
                if call_auth.refresh_after(getattr(response.request, GENERATION_ATTR, None)):
                    self.log.debug("%s %s -> %d; credentials refreshed, replaying", method, mask_url(url), status)
                    response.close()
                    continue
            if ((may_retry or (rewindable and policy.retries_any_method(status))) and attempt < policy.total
                    and policy.should_retry_status(response)):
                attempt += 1
                wait = policy.delay(attempt, response)
                self.log.debug("%s %s -> %d; retry %d/%d in %.2fs", method, mask_url(url), status,
                               attempt, policy.total, wait)
                response.close()
                policy.sleep(wait)
                continue
            error = self.map_error(response, method, url)
            if error is not None:
                raise error
            return response

    def _transport_error(self, exc: requests.exceptions.RequestException, method: str, url: str) -> RestHttpBaseException:
        masked = mask_url(url)
        detail = mask_text(str(exc))
        failed_body = _body_failure(exc)
        if failed_body is not None:  # our upload body failed (a file shrank): say that, not "connection aborted"
            return TransferError(f"upload for {method} {masked} failed: {mask_text(str(failed_body))}",
                                 method=method, url=masked)
        if isinstance(exc, requests.exceptions.SSLError):
            return HttpCouldNotVerifyServerError(f"Could not verify the server's SSL certificate: {method} {masked}",
                                                 method=method, url=masked)
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            cls: type = HttpConnectTimeoutError
        elif isinstance(exc, requests.exceptions.ReadTimeout):
            cls = HttpReadTimeoutError
        elif isinstance(exc, requests.exceptions.Timeout):
            cls = HttpTimeoutError
        elif isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
            cls = HttpConnectionError
        elif isinstance(exc, requests.exceptions.TooManyRedirects):
            return HttpTooManyRedirectsError(f"Too many redirects on {method} {masked}", method=method, url=masked)
        elif isinstance(exc, requests.exceptions.ContentDecodingError):
            return ResponseDecodeError(f"could not decode the content encoding of {method} {masked}: {detail}",
                                       method=method, url=masked)
        else:  # InvalidURL, InvalidHeader, MissingSchema, InvalidSchema, ...: the request itself is wrong
            return HttpInvalidRequestError(f"Invalid request {method} {masked}: {type(exc).__name__} ({detail})",
                                           method=method, url=masked)
        return cls(f"{cls.__name__.replace('Http', '').replace('Error', '')} error on {method} {masked}: "
                   f"{type(exc).__name__} ({detail})", method=method, url=masked)

    def map_error(self, response: requests.Response, method: str, url: str) -> Optional[BaseException]:
        """The exception for ``response``, or None: the service hook first, then the status."""
        if self.error_hook is not None:
            error = self.error_hook(response)
            if error is not None:
                return error
        if response.status_code < 400:
            return None
        return error_for_status(response, self.error_content(response), method, url)

    def error_content(self, response: requests.Response) -> Any:
        """What an HTTP error's ``.content`` holds: the decoded body (a service keeping an
        upstream contract of raw bytes overrides this)."""
        return decode_leniently(response)

    def decode(self, response: requests.Response) -> Any:
        """The decoded body. Services override this to keep an upstream's return conventions."""
        return decode_response(response)

    def request(self, method: str, url: str, *, raw: bool = False, **kwargs: Any) -> Any:
        """:meth:`send` then :meth:`decode`; ``raw=True`` returns the ``requests.Response``."""
        response = self.send(method, url, **kwargs)
        return response if raw else self.decode(response)

    # ------------------------------------------------------------------ higher-level helpers
    def iterate(self, url: str, *, params: Any = None, paginator: Paginator = drf_pages,
                max_items: Optional[int] = None, max_pages: Optional[int] = None, **kwargs: Any) -> Iterator[Any]:
        """Every item of a paged listing, fetched lazily page by page."""
        return iterate_pages(self, url, params=params, paginator=paginator, max_items=max_items,
                             max_pages=max_pages, **kwargs)

    def download(self, url: str, dest: Any, **kwargs: Any) -> Any:
        """See :func:`archfx_cloud.api.transfer.download`."""
        return transfer.download(self, url, dest, **kwargs)

    def upload(self, url: str, source: Any, *, method: str = "POST", raw: bool = False, **kwargs: Any) -> Any:
        """See :func:`archfx_cloud.api.transfer.upload`; returns the decoded answer."""
        response = transfer.upload(self, method, url, source, **kwargs)
        return response if raw else self.decode(response)

    def aio(self, max_concurrency: int = 16) -> Any:
        """An asyncio facade over this client (same pipeline, bounded thread pool)."""
        from .aio import AsyncRestClient
        return AsyncRestClient(self, max_concurrency=max_concurrency)

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> "RestClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

