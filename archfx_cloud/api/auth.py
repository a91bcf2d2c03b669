"""Pluggable ``requests`` auth objects shared by every client.

* :class:`TokenAuth` – ``Authorization: <prefix> <token>`` (``jwt``, ``token``, ``Bearer``...);
  the token may be a callable, fetched per request (oidc-agent). Never sends ``<prefix> None``.
* :class:`BasicAuth` – HTTP Basic with a masked repr.
* :class:`RefreshingAuth` – a token plus a refresh function; the client pipeline calls
  :meth:`RefreshingAuth.refresh_after` once when a request fails with one of
  ``refresh_statuses`` (401 by default, 498 for RMLab) and replays the request. Thread-safe:
  when several requests fail at once, only one refresh runs.
* :class:`OAuth2ClientCredentials` – OAuth2 client-credentials grant, token cached until
  ``min_validity`` seconds before it expires.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable, Optional, Tuple, Union

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from .exceptions import HttpServerError, ImproperlyConfigured
from .redact import MASK

TokenSource = Union[str, Callable[[], Optional[str]], None]

__all__ = ["TokenAuth", "BasicAuth", "RefreshingAuth", "OAuth2ClientCredentials", "GENERATION_ATTR"]

GENERATION_ATTR = "_auth_generation"


class TokenAuth(AuthBase):
    """``<header>: <prefix> <token>``; nothing is sent while the token is empty."""

    def __init__(self, token: TokenSource, prefix: Optional[str] = "Bearer", header: str = "Authorization") -> None:
        self._token = token
        self.prefix = prefix
        self.header = header

    def current_token(self) -> Optional[str]:
        token = self._token() if callable(self._token) else self._token
        return token or None

    def header_value(self, token: str) -> str:
        return f"{self.prefix} {token}" if self.prefix else token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.current_token()
        if token:
            r.headers[self.header] = self.header_value(token)
        return r

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.header}: {self.prefix or ''} {MASK}>"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None  # type: ignore[assignment]


class BasicAuth(HTTPBasicAuth):
    """HTTP Basic; the password never shows in a repr."""

    def __repr__(self) -> str:
        return f"<BasicAuth user={self.username!r} password={MASK}>"


class RefreshingAuth(TokenAuth):
    """A token that can be renewed.

    ``refresh`` returns the new token (a string) or ``None``/``""`` when it could not. The
    pipeline calls :meth:`refresh_after` with the generation the failed request was sent with;
    if another thread refreshed meanwhile, the replay simply uses the newer token.
    """

    def __init__(self, token: TokenSource = None, refresh: Optional[Callable[[], Optional[str]]] = None,
                 prefix: Optional[str] = "Bearer", header: str = "Authorization",
                 refresh_statuses: Iterable[int] = (401,)) -> None:
        super().__init__(token, prefix=prefix, header=header)
        self._refresh = refresh
        self.refresh_statuses: Tuple[int, ...] = tuple(refresh_statuses)
        self._lock = threading.RLock()
        self._generation = 0

    @property
    def generation(self) -> int:
        return self._generation

    def set_token(self, token: TokenSource) -> None:
        with self._lock:
            self._token = token
            self._generation += 1

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        with self._lock:
            self.before_request()
            setattr(r, GENERATION_ATTR, self._generation)
            return super().__call__(r)

    def before_request(self) -> None:
        """Hook for proactive renewal (e.g. a token about to expire). Called under the lock."""

    def do_refresh(self) -> Optional[str]:
        return self._refresh() if self._refresh is not None else None

    def refresh_after(self, generation: Optional[int]) -> bool:
        """Renew once for a request sent with ``generation``; True when a replay may help."""
        with self._lock:
            if generation is not None and generation != self._generation:
                return True
            new = self.do_refresh()
            if not new:
                return False
            self._token = new
            self._generation += 1
            return True


class OAuth2ClientCredentials(RefreshingAuth):
    """OAuth2 client-credentials grant with caching.

    ``auth_method`` is ``client_secret_post`` (id and secret in the form) or
    ``client_secret_basic`` (HTTP Basic). Token endpoint failures raise the core's
    ``HttpClientError``/``HttpServerError`` with the secret never in the message.
    """

    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: Optional[str] = None,
                 min_validity: float = 10.0, auth_method: str = "client_secret_post",
                 session: Optional[requests.Session] = None, timeout: Tuple[float, float] = (10.0, 30.0),
                 verify: Union[bool, str] = True, extra: Optional[dict] = None, retries: Any = None) -> None:
        if auth_method not in ("client_secret_post", "client_secret_basic"):
            raise ImproperlyConfigured(f"unknown client auth method {auth_method!r}")
        super().__init__(None, refresh=None, prefix="Bearer")
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.min_validity = min_validity
        self.auth_method = auth_method
        self.timeout = timeout
        self.verify = verify
        self.extra = dict(extra or {})
        self._session = session
        self.retries = retries
        self._client: Any = None
        self._expires_at = 0.0
        self.fetch_count = 0

    def _http(self) -> Any:
        """The token endpoint is called through the same pipeline (timeouts, retries, errors)."""
        if self._client is None:
            from .client import RestClient
            self._client = RestClient(self.token_url, timeout=self.timeout, verify=self.verify,
                                      session=self._session, body_format="form", retries=self.retries)
        return self._client

    def fetch_token(self) -> Tuple[str, float]:
        """POST the grant (safe to retry: it creates nothing); returns ``(access_token, expires_in)``."""
        form = {"grant_type": "client_credentials", **self.extra}
        if self.scope:
            form["scope"] = self.scope
        auth = None
        if self.auth_method == "client_secret_post":
            form.update(client_id=self.client_id, client_secret=self._client_secret)
        else:
            auth = HTTPBasicAuth(self.client_id, self._client_secret)
        response = self._http().send("POST", self.token_url, data=form, auth=auth, retry_safe=True)
        self.fetch_count += 1
        try:
            content = response.json()
        except ValueError:
            content = None
        if not isinstance(content, dict) or not content.get("access_token"):
            raise HttpServerError(f"token endpoint {self.token_url} returned no access_token",
                                  response=response, content=None, method="POST", url=self.token_url)
        return content["access_token"], float(content.get("expires_in") or 300)

    def do_refresh(self) -> Optional[str]:
        token, expires_in = self.fetch_token()
        self._expires_at = time.monotonic() + expires_in
        return token

    def before_request(self) -> None:
        if self._token is None or time.monotonic() >= self._expires_at - self.min_validity:
            self._token = self.do_refresh()
            self._generation += 1

    def get_access_token(self) -> str:
        """The cached token, renewed when it is about to expire (pyfirecrest's auth protocol)."""
        with self._lock:
            self.before_request()
            return self._token  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<OAuth2ClientCredentials client_id={self.client_id!r} secret={MASK}>"

