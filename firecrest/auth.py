"""Authorization objects for the FirecREST clients, built on the core's auth classes.

A client accepts any object with ``get_access_token()`` (or ``auth_headers()``). The classes
here are also ``requests`` auth objects from the core, so a 401 makes the client fetch a fresh
token once and replay the request.

* :class:`ClientCredentialsAuth` – OAuth2 client-credentials grant, token cached until
  ``min_token_validity`` seconds before it expires.
* :class:`TokenCommandAuth` – runs a command (``oidc-token myprofile``) for the token; a JWT
  is reused until shortly before its ``exp``, anything else is fetched per request.
* :class:`ApiKeyAuth` – a fixed header (``X-API-Key``), for deployments behind a key gateway.
"""
from __future__ import annotations

import subprocess
import time
from typing import Any, Dict, List, Optional, Sequence, Union

from archfx_cloud.api.auth import OAuth2ClientCredentials, RefreshingAuth, TokenAuth
from archfx_cloud.api.exceptions import RestHttpBaseException
from archfx_cloud.api.redact import MASK

from ._jwt import expires_at
from .exceptions import ClientsCredentialsException

__all__ = ["ClientCredentialsAuth", "TokenCommandAuth", "ApiKeyAuth", "as_request_auth"]

CLIENT_AUTH_METHODS = ("client_secret_post", "client_secret_basic")


class _BearerHeaders:
    """``auth_headers()`` of pyfirecrest 3.10, for callers that build their own requests."""

    def auth_headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.get_access_token()}"}  # type: ignore[attr-defined]


class ClientCredentialsAuth(_BearerHeaders, OAuth2ClientCredentials):
    """pyfirecrest's ``ClientCredentialsAuth`` on the core's OAuth2 client-credentials grant.

    ``timeout`` (seconds or ``(connect, read)``) applies to the token request; set it before
    the first token is fetched. A refused grant raises :class:`ClientsCredentialsException`.
    """

    def __init__(self, client_id: str, client_secret: str, token_uri: str, min_token_validity: float = 10,
                 client_auth_method: str = "client_secret_post") -> None:
        if client_auth_method not in CLIENT_AUTH_METHODS:
            raise ValueError(f"client_auth_method must be one of {', '.join(CLIENT_AUTH_METHODS)}, "
                             f"not {client_auth_method!r}")
        super().__init__(token_uri, client_id, client_secret, min_validity=min_token_validity,
                         auth_method=client_auth_method)
        self.disable_client_logging = False

    @property
    def token_uri(self) -> str:
        return self.token_url

    @property
    def min_token_validity(self) -> float:
        return self.min_validity

    @property
    def client_auth_method(self) -> str:
        return self.auth_method

    def _http(self) -> Any:
        client = super()._http()
        if self.timeout is not None and client.timeout != self.timeout:
            client.timeout = self.timeout
        return client

    def fetch_token(self) -> Any:
        try:
            return super().fetch_token()
        except RestHttpBaseException as exc:
            if exc.response is None:
                raise
            raise ClientsCredentialsException([exc.response]) from exc

    def __repr__(self) -> str:
        return f"<ClientCredentialsAuth client_id={self.client_id!r} secret={MASK} token_uri={self.token_url!r}>"


class TokenCommandAuth(_BearerHeaders, RefreshingAuth):
    """The token printed by ``command`` (a shell string, or an argv list run without a shell).

    When the token is a JWT with an ``exp`` claim it is reused until ``min_token_validity``
    seconds before it expires; otherwise the command runs for every request, as upstream. A
    failing command raises ``subprocess.CalledProcessError``.
    """

    def __init__(self, command: Union[str, Sequence[str]], min_token_validity: float = 10,
                 timeout: Optional[float] = 60) -> None:
        super().__init__(None, refresh=None, prefix="Bearer")
        self.command = command
        self.min_token_validity = min_token_validity
        self.timeout = timeout
        self._expires: Optional[float] = None
        self.runs = 0

    def run_command(self) -> str:
        """Run the command once and return its output, stripped."""
        args: Union[str, List[str]] = self.command if isinstance(self.command, str) else list(self.command)
        completed = subprocess.run(args, shell=isinstance(args, str), capture_output=True, timeout=self.timeout,
                                   check=True)
        self.runs += 1
        return completed.stdout.decode().strip()

    def do_refresh(self) -> Optional[str]:
        token = self.run_command()
        self._expires = expires_at(token)
        return token

    def _fresh_enough(self) -> bool:
        return (self._token is not None and self._expires is not None
                and time.time() < self._expires - self.min_token_validity)

    def before_request(self) -> None:
        if not self._fresh_enough():
            self._token = self.do_refresh()
            self._generation += 1

    def get_access_token(self) -> str:
        with self._lock:
            self.before_request()
            return self._token  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<TokenCommandAuth command={self.command!r}>"


class ApiKeyAuth:
    """A fixed API key header. Also works with the v1 clients here (upstream's v1 did not)."""

    def __init__(self, api_key: str, header_name: str = "X-API-Key") -> None:
        self._api_key = api_key
        self.header_name = header_name

    def auth_headers(self) -> Dict[str, str]:
        return {self.header_name: self._api_key}

    def __repr__(self) -> str:
        return f"<ApiKeyAuth {self.header_name}: {MASK}>"


class _HeadersAuth(TokenAuth):
    """Adapts an object with ``auth_headers()`` to a ``requests`` auth object."""

    def __init__(self, source: Any) -> None:
        super().__init__(None)
        self._source = source

    def __call__(self, r: Any) -> Any:
        r.headers.update(self._source.auth_headers())
        return r

    def __repr__(self) -> str:
        return f"<headers from {type(self._source).__name__}>"




def as_request_auth(authorization: Any) -> TokenAuth:
    """The core auth object for a pyfirecrest-style ``authorization`` object.

    Our own classes are used as they are (refresh and replay on 401); anything with
    ``auth_headers()`` sends those headers; anything with ``get_access_token()`` sends
    ``Authorization: Bearer <token>``, asking for the token on every request as upstream does.
    """
    if isinstance(authorization, TokenAuth):
        return authorization
    if callable(getattr(authorization, "auth_headers", None)):
        return _HeadersAuth(authorization)
    getter = getattr(authorization, "get_access_token", None)
    if callable(getter):
        return TokenAuth(getter, prefix="Bearer")
    raise TypeError(f"authorization must have a get_access_token() or auth_headers() method; "
                    f"got {type(authorization).__name__}")
