"""Authorization headers for the three ways a Client can authenticate (and service tokens).

* basic auth – the core's ``BasicAuth``;
* OIDC tokens – :class:`OidcAuth`, a core ``RefreshingAuth`` that renews the access token
  shortly before it expires and once more on a 401, using the refresh token;
* oidc-agent – :class:`OidcAgentAuth`, a token fetched from the agent for every request.

None of them ever sends ``Bearer None``: when no token can be had they raise
:class:`~oscar_python.exceptions.OscarAuthError` before anything goes on the wire.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, List, Optional, Union

from archfx_cloud.api.auth import RefreshingAuth, TokenAuth

from ._oidc import DEFAULT_CLIENT_ID, DEFAULT_SCOPES, DEFAULT_TOKEN_ENDPOINT, refresh_grant, seconds_left
from .exceptions import OscarAuthError

log = logging.getLogger("oscar_python")


class OidcAuth(RefreshingAuth):
    """``Authorization: Bearer <access token>``, renewed with the refresh token when needed.

    Renewal happens before a request when the token expires within ``min_validity`` seconds
    (or cannot be read), and after a 401 (the pipeline replays the request once).
    """

    def __init__(self, access_token: Optional[str] = None, refresh_token: Optional[str] = None, *,
                 token_endpoint: str = DEFAULT_TOKEN_ENDPOINT, client_id: str = DEFAULT_CLIENT_ID,
                 scopes: Optional[List[str]] = None, client_secret: Optional[str] = None,
                 min_validity: float = 30.0, verify: Union[bool, str] = True,
                 on_refresh: Optional[Callable[[str], None]] = None) -> None:
        super().__init__(access_token or None, prefix="Bearer")
        self.refresh_token = refresh_token or None
        self.token_endpoint = token_endpoint
        self.client_id = client_id
        self.scopes = list(scopes) if scopes is not None else list(DEFAULT_SCOPES)
        self._client_secret = client_secret
        self.min_validity = min_validity
        self.verify = verify
        self.on_refresh = on_refresh
        self.refresh_count = 0

    @property
    def access_token(self) -> Optional[str]:
        return self._token  # type: ignore[return-value]

    def needs_refresh(self) -> bool:
        if not self.refresh_token:
            return False
        left = seconds_left(self._token)  # type: ignore[arg-type]
        return left is None or left <= self.min_validity

    def do_refresh(self) -> Optional[str]:
        if not self.refresh_token:
            return None
        answer = refresh_grant(self.refresh_token, self.scopes, self.token_endpoint, self.client_id,
                               self.verify, self._client_secret)
        if answer.get("refresh_token"):
            self.refresh_token = answer["refresh_token"]  # rotating refresh tokens
        self.refresh_count += 1
        token = answer["access_token"]
        if self.on_refresh is not None:
            self.on_refresh(token)
        log.debug("OIDC access token refreshed")
        return token

    def before_request(self) -> None:
        if self.needs_refresh():
            self._token = self.do_refresh()
            self._generation += 1

    def current_access_token(self) -> str:
        """The access token to use now (refreshed first if due); raises when there is none."""
        with self._lock:
            self.before_request()
            token = self._token
        if not token:
            raise OscarAuthError("no OIDC access token: give 'oidc_token' or a working 'refresh_token'")
        return token  # type: ignore[return-value]

    def __call__(self, r: Any) -> Any:
        super().__call__(r)
        if not self._token:
            raise OscarAuthError("no OIDC access token: give 'oidc_token' or a working 'refresh_token'")
        return r


def oidc_agent_token(shortname: str) -> str:
    """An access token from the local oidc-agent for account ``shortname``."""
    try:
        import liboidcagent  # optional: pip install liboidcagent
    except ImportError as exc:
        raise OscarAuthError("oidc-agent accounts need the 'liboidcagent' package (pip install liboidcagent)") from exc
    try:
        token = liboidcagent.get_access_token(shortname, application_hint="oscar_python")
    except Exception as exc:  # liboidcagent.OidcAgentError and socket errors
        raise OscarAuthError(f"oidc-agent could not give a token for account {shortname!r}: {exc}") from exc
    if not token:
        raise OscarAuthError(f"oidc-agent returned an empty token for account {shortname!r}")
    return str(token)


class OidcAgentAuth(TokenAuth):
    """``Authorization: Bearer <token from oidc-agent>``, asked for on every request."""

    def __init__(self, shortname: str) -> None:
        self.shortname = shortname
        super().__init__(lambda: oidc_agent_token(shortname), prefix="Bearer")


def bearer(token: str) -> TokenAuth:
    """``Bearer <token>`` for a service token or an explicit OIDC token; refuses an empty one."""
    if not token or token == "None":
        raise OscarAuthError("no token to invoke the service with")
    return TokenAuth(token, prefix="Bearer")
