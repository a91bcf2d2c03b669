"""The ArchFX Cloud REST API: ``Api`` (login, tokens) and ``RestResource`` (generic verbs).

A drop-in for archfx-cloud 0.17's ``archfx_cloud.api.connection`` built on the shared core
(:class:`~archfx_cloud.api.client.RestClient`), so every call gets the core's finite timeouts,
retries of idempotent requests, error mapping and secret masking::

    api = Api("https://arch.archfx.io")
    if api.login(email="user@example.com", password="..."):
        new = api.org.post({"name": "My Org"})
        for device in api.device.iterate(project="pl--0000-0001"):
            ...
        api.logout()

Kept from upstream on purpose: ``login(password, email)`` positional order, return values
(JSON whatever the Content-Type, ``b''`` for an empty 2xx, ``None`` for 204/205), the
``Authorization: <token_type> <token>`` session header, and *every* unknown public attribute
being a resource (so a typo such as ``api.usename`` is a truthy :class:`RestResource`, not an
error: that is the resource API and cannot be narrowed compatibly).

Changed from upstream: ``delete()`` raises the core's errors instead of returning ``False``
(``Api(..., delete_raises=False)`` restores the bool); ``api.org(0)`` is ``/org/0/``; a domain
ending in ``/`` gives no ``//``; a 401 is retried once after refreshing the JWT when a refresh
token is held; ``Authorization: jwt None`` is never sent.
"""
from __future__ import annotations

import io
import json
import logging
import weakref
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple, Union
from urllib.parse import unquote, urlsplit

from .auth import RefreshingAuth
from .client import RestClient
from .exceptions import (HttpClientError, HttpCouldNotVerifyServerError, HttpServerError, ImproperlyConfigured,
                         RestHttpBaseException, error_for_status)
from .redact import mask_url
from .resource import Resource, _query
from .sentinels import UNSET
from .urls import quote_segment, same_origin, split_path

if TYPE_CHECKING:  # pragma: no cover - for annotations only; requests is reached through the core
    import requests

__all__ = ["DOMAIN_NAME", "API_PREFIX", "DEFAULT_TOKEN_TYPE", "Api", "RestResource", "ArchFxClient"]

DOMAIN_NAME = "https://arch.archfx.io"
API_PREFIX = "api/v1"
DEFAULT_TOKEN_TYPE = "jwt"

logger = logging.getLogger(__name__)

_HTTP_STATUS_ERRORS = (HttpClientError, HttpServerError)


#: The client behind each Api's session, so that ``RestResource(session=api.session, base_url=...)``
#: (upstream's constructor) shares that Api's auth, refresh, timeouts and retries.
_CLIENTS_BY_SESSION: "weakref.WeakValueDictionary[int, ArchFxClient]" = weakref.WeakValueDictionary()


def _register(client: "ArchFxClient", replace: bool = True) -> None:
    if replace or _client_for_session(client.session) is None:
        _CLIENTS_BY_SESSION[id(client.session)] = client


def _client_for_session(session: Any) -> Optional["ArchFxClient"]:
    client = _CLIENTS_BY_SESSION.get(id(session))
    return client if client is not None and client.session is session else None


def _segments_under(base_url: str, url: str) -> Optional[Tuple[str, ...]]:
    """``url``'s path below ``base_url`` as quoted segments, or None when it is not below it."""
    parts = urlsplit(url)
    if parts.query or parts.fragment or not same_origin(url, base_url):
        return None
    rest = parts.path[len(urlsplit(base_url).path.rstrip("/")):]
    return tuple(quote_segment(unquote(piece)) for piece in rest.split("/") if piece)


def _client_and_segments(session: Any, base_url: str) -> Tuple["ArchFxClient", Tuple[str, ...]]:
    """Where an upstream-style ``RestResource(session, base_url)`` sends its requests."""
    client = _client_for_session(session)
    if client is not None:
        segments = _segments_under(client.base_url, base_url)
        if segments is not None:
            return client, segments
    if not callable(getattr(session, "request", None)) or not hasattr(session, "headers"):
        raise ValueError(f"RestResource: session must be a requests.Session, got {type(session).__name__}")
    # A session no Api owns: a client of its own around it, leaving the session's settings as they were.
    trust_env, verify = session.trust_env, session.verify
    client = ArchFxClient(base_url, session=session, trust_env=trust_env, verify=verify)
    session.trust_env, session.verify = trust_env, verify
    _register(client, replace=False)
    return client, ()


def _upstream_style(cls: type) -> bool:
    """A subclass with its own ``__init__`` or ``_get_resource`` is built as upstream built it."""
    return cls.__init__ is not RestResource.__init__ or cls._get_resource is not RestResource._get_resource


def _hooked(cls: type) -> bool:
    """A subclass that overrides upstream's response hooks gets every verb's response through them."""
    return (cls._process_response is not RestResource._process_response
            or cls._check_for_errors is not RestResource._check_for_errors
            or cls._try_to_serialize_response is not RestResource._try_to_serialize_response)


class RestResource(Resource):
    """One ArchFX resource URL; ``api.org("slug").devices`` -> ``<base>/org/slug/devices/``.

    Verbs take query parameters as keywords (``get(org="acme")`` -> ``?org=acme``); a body
    (``post(data)``) is sent as JSON. ``params=`` carries query names that clash with the
    control keywords (``headers``, ``timeout``, ``raw``...).

    Upstream's constructor works too: ``RestResource(session=api.session, base_url=api.url("org"))``
    (then the Api's auth, JWT refresh, timeouts and retries apply), or with any
    ``requests.Session`` and URL. Keyword arguments are kept in ``_store`` and passed on to
    children; ``_session`` and ``_base_url`` are there as upstream had them. A subclass written
    against upstream (its own ``__init__(session, base_url, *args, **kwargs)``,
    ``_get_resource``, ``_process_response``, ``_check_for_errors`` or
    ``_try_to_serialize_response``) is built and called the way upstream did; set it as
    ``Api.resource_class``.
    """

    __slots__ = ("_store",)

    def __init__(self, session: Any = None, base_url: Any = None, *args: Any, **kwargs: Any) -> None:
        if isinstance(base_url, str):  # upstream: RestResource(session, base_url, *args, **kwargs)
            client, segments = _client_and_segments(session, base_url)
        elif session is None or not hasattr(type(session), "url_for"):
            raise TypeError("RestResource needs a session and a base_url (str): "
                            "RestResource(session=api.session, base_url=api.url('org'))")
        else:  # the core's chaining: RestResource(client, segments)
            client, segments = session, tuple(base_url or ())
        super().__init__(client, segments)
        self._store: Dict[str, Any] = kwargs

    # ------------------------------------------------------------------ upstream's attributes and hooks
    @property
    def _session(self) -> "requests.Session":
        """The ``requests.Session`` requests go through (upstream's attribute)."""
        return self._client.session

    @property
    def _base_url(self) -> str:
        """This resource's URL, ending in ``/`` (upstream's attribute; also :meth:`url`)."""
        return self.url()

    def _get_resource(self, session: Any, base_url: str, **kwargs: Any) -> "RestResource":
        """A child resource, as upstream made it (override it to customise children)."""
        return self.__class__(session, base_url, **kwargs)

    def _child(self, *segments: str) -> "RestResource":
        cls = type(self)
        if _upstream_style(cls):
            url = self._client.url_for(self._segments + segments)
            return self._get_resource(self._session, url, **self._store)
        return cls(self._client, self._segments + segments, **self._store)

    def _check_for_errors(self, resp: "requests.Response", url: str) -> None:
        """Raise the error for a 4xx/5xx response (upstream's hook; messages keep its wording)."""
        method = resp.request.method if resp.request is not None else "GET"
        error = error_for_status(resp, self._client.error_content(resp), str(method), url)
        if error is not None:
            raise error

    def _try_to_serialize_response(self, resp: "requests.Response") -> Any:
        """``None`` for 204/205, the bytes when empty or not JSON, else the JSON body (upstream's hook)."""
        if resp.status_code in (204, 205):
            return None
        if not resp.content:
            return resp.content
        try:
            return json.loads(resp.content)
        except ValueError:
            return resp.content

    def _process_response(self, resp: "requests.Response") -> Any:
        """Upstream's hook: errors raised, a 2xx body decoded, anything else ``None``."""
        self._check_for_errors(resp, self._base_url)
        if 200 <= resp.status_code <= 299:
            return self._try_to_serialize_response(resp)
        return None

    def _convert_ssl_exception(self, requester: Any, **kwargs: Any) -> Any:
        """``requester(self._base_url, **kwargs)`` with requests' ``SSLError`` as upstream's
        ``HttpCouldNotVerifyServerError`` (for verbs a subclass writes on ``self._session``)."""
        import requests

        try:
            return requester(self._base_url, **kwargs)
        except requests.exceptions.SSLError as err:
            raise HttpCouldNotVerifyServerError("Could not verify the server's SSL certificate", err) from err

    def _through_hooks(self, send: Any) -> Any:
        try:
            response = send()
        except RestHttpBaseException as exc:
            if exc.response is None:
                raise
            response = exc.response
        return self._process_response(response)

    # ------------------------------------------------------------------ verbs
    def __call__(self, id: Any = None, *more: Any) -> "RestResource":
        """Append ``id`` as one segment; ``None`` and ``''`` append nothing, ``0`` does."""
        if isinstance(id, str) and id == "":
            id = None
        return super().__call__(id, *(m for m in more if m != ""))  # type: ignore[return-value]

    def get(self, *, headers: Optional[Mapping[str, str]] = None, timeout: Any = UNSET, raw: bool = False,
            params: Optional[Mapping[str, Any]] = None, **query: Any) -> Any:
        if raw or not _hooked(type(self)):
            return super().get(headers=headers, timeout=timeout, raw=raw, params=params, **query)
        return self._through_hooks(lambda: self._client.request(
            "GET", self.url(), params=_query(params, query), headers=headers, timeout=timeout, raw=True))

    def _with_body(self, method: str, data: Any, files: Any, body_format: Optional[str],
                   headers: Optional[Mapping[str, str]], timeout: Any, raw: bool,
                   params: Optional[Mapping[str, Any]], retry_safe: bool, query: Dict[str, Any]) -> Any:
        if raw or not _hooked(type(self)):
            return super()._with_body(method, data, files, body_format, headers, timeout, raw, params, retry_safe,
                                      query)
        return self._through_hooks(lambda: super(RestResource, self)._with_body(
            method, data, files, body_format, headers, timeout, True, params, retry_safe, query))

    def delete(self, data: Any = None, *, body_format: Optional[str] = None,  # type: ignore[override]
               headers: Optional[Mapping[str, str]] = None, timeout: Any = UNSET, raw: bool = False,
               params: Optional[Mapping[str, Any]] = None, **query: Any) -> Any:
        """DELETE; ``True`` on any 2xx. Errors raise like the other verbs, unless the Api was
        made with ``delete_raises=False`` (upstream's ``False`` on an HTTP error status)."""
        merged = dict(params or {})
        merged.update(query)
        try:
            response = self._client.send("DELETE", self.url(), params=merged or None, data=data,
                                         body_format=body_format, headers=headers, timeout=timeout)
        except _HTTP_STATUS_ERRORS:
            if getattr(self._client, "delete_raises", True):
                raise
            return False
        if raw:
            return response
        return 200 <= response.status_code < 300

    def upload_fp(self, fp: Any, data: Optional[Mapping[str, Any]] = None, *,
                  headers: Optional[Mapping[str, str]] = None, timeout: Any = UNSET, progress: Any = None,
                  params: Optional[Mapping[str, Any]] = None, **query: Any) -> Any:
        """POST ``fp`` as the multipart part ``file`` with ``data`` as form fields.

        ``fp`` is a binary file object, bytes, or upstream's tuple ``("name.mp", fileobj)``.
        The body is streamed (never held in memory) unless ``fp`` cannot be rewound.
        """
        merged = dict(params or {})
        merged.update(query)

        def send(raw: bool) -> Any:
            return self._client.upload(self.url(), _uploadable(fp), fields=data, params=merged or None,
                                       headers=headers, timeout=timeout, progress=progress, raw=raw)

        if not _hooked(type(self)):
            return send(False)
        return self._through_hooks(lambda: send(True))

    def upload_file(self, filename: str, data: Optional[Mapping[str, Any]] = None, mode: str = "rb",
                    **kwargs: Any) -> Any:
        """Open ``filename`` and :meth:`upload_fp` it."""
        with open(filename, mode) as fp:
            return self.upload_fp(fp, data=data, **kwargs)


def _uploadable(fp: Any) -> Any:
    """What upstream (requests) accepted, made streamable: text-mode and unseekable files are
    read into memory; binary seekable files, bytes and ``(name, fileobj)`` tuples pass as is."""
    name = None
    inner = fp
    if isinstance(fp, tuple) and len(fp) >= 2:
        name, inner = fp[0], fp[1]
    if isinstance(inner, str):
        inner = inner.encode("utf-8")
    if hasattr(inner, "read"):
        sample = inner.read(0)
        seekable = True
        try:
            inner.tell()
        except (AttributeError, OSError, io.UnsupportedOperation):
            seekable = False
        if isinstance(sample, str) or not seekable:
            content = inner.read()
            name = name or getattr(inner, "name", None) or "file"
            inner = content.encode("utf-8") if isinstance(content, str) else content
    if name is None:
        return inner
    return (str(name).rsplit("/", 1)[-1], inner) + tuple(fp[2:] if isinstance(fp, tuple) else ())


class ArchFxClient(RestClient):
    """The core client with ArchFX's conventions: DRF trailing slashes, upstream decoding."""

    resource_class = RestResource
    logger_name = "archfx_cloud"

    def __init__(self, base_url: str, *, delete_raises: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("trailing_slash", True)
        super().__init__(base_url, **kwargs)
        self.delete_raises = delete_raises

    # TLS verification lives on the session, as upstream's ``api.session.verify``: the core passes
    # it with every request, so what the caller sets there holds (even with REQUESTS_CA_BUNDLE set).
    @property
    def verify(self) -> Any:  # type: ignore[override]
        return self.session.verify

    @verify.setter
    def verify(self, value: Any) -> None:
        self.session.verify = value

    def error_content(self, response: "requests.Response") -> Any:
        """The body's bytes, as upstream's ``exc.content`` (``json.loads(exc.content)`` works)."""
        return response.content

    def decode(self, response: "requests.Response") -> Any:
        """Upstream's return conventions: 204/205 -> None, other non-2xx -> None, empty 2xx ->
        ``b''``, else the JSON body whatever the Content-Type, or the raw bytes if not JSON."""
        status = response.status_code
        if status in (204, 205) or not 200 <= status < 300:
            return None
        content = response.content
        if not content:
            return b""
        try:
            return json.loads(content)
        except ValueError:
            return content


class _ApiTokenAuth(RefreshingAuth):
    """``Authorization`` from the Api's current token; on a 401, one JWT refresh then a replay.

    The Api also mirrors the header in ``session.headers`` (upstream callers read it there);
    this object is what makes the refresh go through the core pipeline's replay.
    """

    def __init__(self, api: "Api") -> None:
        super().__init__(None, refresh=None, prefix=None, refresh_statuses=(401,))
        self._api = api

    def current_token(self) -> Optional[str]:
        return self._api.token or None

    def header_value(self, token: str) -> str:
        return f"{self._api.token_type} {token}"

    def do_refresh(self) -> Optional[str]:
        api = self._api
        if api.token_type != "jwt" or not api.refresh_token_data:
            return None
        logger.debug("access token rejected; refreshing it once")
        return api.token if api.refresh_token() else None


def _describe_body(response: Any, password: Optional[str] = None) -> str:
    """An error body for a log line: decoded leniently, shortened, never the password."""
    text = (response.content or b"").decode("utf-8", "replace")
    if password:
        text = text.replace(password, "***")
    text = " ".join(text.split())
    return text if len(text) <= 500 else text[:500] + "..."


class Api:
    """Entry point to ArchFX Cloud: ``Api(domain)`` then ``api.<resource>...<verb>()``.

    ``timeout`` is ``(connect, read)`` seconds or one number (default ``(10, 60)``);
    ``retries`` an int, a core :class:`~archfx_cloud.api.retry.RetryPolicy` or a urllib3
    ``Retry`` (default: 3 retries of idempotent requests on 429/502/503/504 and dropped
    connections). ``verify`` holds even when ``REQUESTS_CA_BUNDLE`` is set. Other keyword
    options (``headers``, ``proxies``, ``cert``, ``session``...) go to the core client.
    """

    token: Optional[str] = None
    refresh_token_data: Optional[str] = None
    token_type: str = DEFAULT_TOKEN_TYPE
    domain: str = DOMAIN_NAME
    resource_class = RestResource

    def __init__(self, domain: Optional[str] = None, token_type: Optional[str] = None,
                 verify: Union[bool, str] = True, timeout: Any = None, retries: Any = None, *,
                 delete_raises: bool = True, **client_options: Any) -> None:
        if domain:
            self.domain = domain.rstrip("/")
        if token_type:
            self.token_type = token_type
        self.base_url = f"{self.domain.rstrip('/')}/{API_PREFIX}"
        self._auth = _ApiTokenAuth(self)
        self._client = ArchFxClient(self.base_url, auth=self._auth, verify=verify, timeout=timeout,
                                    retries=retries, delete_raises=delete_raises, **client_options)
        cls = self.resource_class
        self._client.resource_class = RestResource if _upstream_style(cls) else cls
        _register(self._client)

    # ------------------------------------------------------------------ plumbing
    @property
    def session(self) -> "requests.Session":
        """The ``requests.Session`` every request goes through, as upstream's ``api.session``.

        Mount adapters, add headers or hooks, set ``verify``/``cert``/``proxies`` here, or call
        it directly (``api.session.get(api.url("org"))``: it carries the ``Authorization``
        header). It may also be replaced (``api.session = my_session``): the token header is
        copied onto the new one and every resource, old or new, then uses it.
        """
        return self._client.session

    @session.setter
    def session(self, session: "requests.Session") -> None:
        if not callable(getattr(session, "request", None)) or not hasattr(session, "headers"):
            raise ImproperlyConfigured(f"Api.session must be a requests.Session, got {type(session).__name__}")
        self._client.session = session
        if self.token:
            session.headers["Authorization"] = f"{self.token_type} {self.token}"
        _register(self._client)

    @property
    def rest_client(self) -> ArchFxClient:
        """The core client behind this Api (``iterate``, ``download``, ``aio``...)."""
        return self._client

    def _resource(self, segments: Tuple[str, ...]) -> RestResource:
        cls = self.resource_class
        if _upstream_style(cls):  # built exactly as upstream's Api built it
            return cls(session=self.session, base_url=self._client.url_for(segments))
        return cls(self._client, segments)

    def __getattr__(self, item: str) -> RestResource:
        if item.startswith("_"):
            raise AttributeError(item)
        return self._resource((quote_segment(item),))

    def __getitem__(self, item: Any) -> RestResource:
        """``api["user-info"]``: names that are not Python identifiers."""
        return self._resource((quote_segment(item),))

    def __call__(self, id: Any) -> RestResource:  # noqa: A002
        """``api("streamer/report")``: a literal path of one or more segments."""
        return self._resource(split_path(id))

    def url(self, section: str) -> str:
        return f"{self.base_url}/{str(section).strip('/')}/"

    def __repr__(self) -> str:
        state = "authenticated" if self.token else "anonymous"
        return f"<Api {mask_url(self.base_url)} {state}>"

    def __enter__(self) -> "Api":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._client.close()

    # ------------------------------------------------------------------ tokens
    def set_token(self, token: Union[str, Mapping[str, Any]], token_type: Optional[str] = None) -> None:
        """Use ``token``: a string, ``{"token": ...}`` (legacy JWT or DRF token) or SimpleJWT's
        ``{"access": ..., "refresh": ...}``. Sets ``Authorization: <token_type> <token>``."""
        refresh = self.refresh_token_data
        if isinstance(token, str):
            value: Any = token
        elif isinstance(token, Mapping) and "token" in token:
            value = token["token"]
        elif isinstance(token, Mapping) and "access" in token:
            value = token["access"]
            refresh = token.get("refresh") or refresh
        else:
            keys = f" with keys {sorted(map(str, token))}" if isinstance(token, Mapping) else ""
            raise ImproperlyConfigured(
                f"Invalid token: expected a string or a dict with 'token' or 'access', got a "
                f"{type(token).__name__}{keys}")
        if not isinstance(value, str) or not value:
            raise ImproperlyConfigured(
                f"Invalid token: the token must be a non-empty string, got {type(value).__name__}"
                + (" (empty)" if value == "" else ""))
        if token_type:
            self.token_type = token_type
        self.token = value
        self.refresh_token_data = refresh
        self.session.headers["Authorization"] = f"{self.token_type} {value}"
        self._auth.set_token(value)

    def _clear_tokens(self) -> None:
        self.token = None
        self.refresh_token_data = None
        self.session.headers.pop("Authorization", None)
        self._auth.set_token(None)

    # ------------------------------------------------------------------ auth endpoints
    def login(self, password: str, email: str) -> bool:
        """POST ``auth/login/``; ``True`` once the JWT is set. Failures (bad credentials, a
        malformed answer) are logged without the password and return ``False``."""
        try:
            response = self._client.send("POST", self.url("auth/login"), data={"email": email, "password": password},
                                         auth=None, headers={"Authorization": None})  # type: ignore[dict-item]
        except _HTTP_STATUS_ERRORS as exc:
            logger.error("Login failed: %s %s", exc.status_code, _describe_body(exc.response, password))
            return False
        content = self._client.decode(response) if response.status_code == 200 else None
        if not isinstance(content, dict) or not isinstance(content.get("jwt"), str) or not content["jwt"] \
                or "username" not in content:
            logger.error("Login failed: %s %s", response.status_code, _describe_body(response, password))
            return False
        # A JWT never goes under the DRF "token" prefix (e.g. after an .ini token was refused).
        self.set_token({"token": content["jwt"]}, token_type=DEFAULT_TOKEN_TYPE if self.token_type == "token" else None)
        self.refresh_token_data = content.get("jwt_refresh_token") or None
        self.username = content["username"]
        return True

    def logout(self) -> None:
        """POST ``auth/logout/``; a 204 forgets the tokens and the header. Never raises on an
        HTTP status (it is logged)."""
        try:
            response = self._client.send("POST", self.url("auth/logout"), data={})
        except _HTTP_STATUS_ERRORS as exc:
            logger.error("Logout failed: %s %s", exc.status_code, _describe_body(exc.response))
            return
        if response.status_code == 204:
            self.username = None
            self._clear_tokens()
        else:
            logger.error("Logout failed: %s %s", response.status_code, _describe_body(response))

    def refresh_token(self) -> bool:
        """POST ``auth/api-jwt-refresh/`` with the refresh token (or, without one, the current
        token); ``True`` with the new token set, ``False`` with the tokens forgotten."""
        if self.token_type != "jwt":
            raise ImproperlyConfigured(f"refresh_token() needs a 'jwt' token, this Api uses {self.token_type!r}")
        refresh = self.refresh_token_data
        payload: Dict[str, Any] = {"refresh": refresh} if refresh else {"token": self.token}
        try:
            response = self._client.send("POST", self.url("auth/api-jwt-refresh"), data=payload, auth=None,
                                         headers={"Authorization": None})  # type: ignore[dict-item]
            content = self._client.decode(response) if response.status_code == 200 else None
        except _HTTP_STATUS_ERRORS as exc:
            logger.warning("Token refresh failed: %s %s", exc.status_code, _describe_body(exc.response))
            content = None
        if isinstance(content, dict) and isinstance(content.get("token"), str) and content["token"]:
            self.set_token(content["token"])
            return True
        if isinstance(content, dict) and isinstance(content.get("access"), str) and content["access"]:
            self.set_token({"access": content["access"], "refresh": content.get("refresh") or refresh})
            return True
        self._clear_tokens()
        return False
