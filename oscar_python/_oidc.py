"""OIDC helpers: JWT claims, expiry, and the refresh-token grant.

``OIDC`` keeps upstream's static methods. The refresh goes through the shared core pipeline
(timeouts, TLS verification, masked errors) instead of a bare ``requests.post``.
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from typing import Any, Dict, List, Optional, Sequence, Union

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import RestBaseException

from .exceptions import OscarAuthError

log = logging.getLogger("oscar_python")

DEFAULT_SCOPES: List[str] = ["openid", "email", "profile", "voperson_id", "eduperson_entitlement"]
DEFAULT_TOKEN_ENDPOINT = "https://aai.egi.eu/auth/realms/egi/protocol/openid-connect/token"
DEFAULT_CLIENT_ID = "token-portal"


def jwt_claims(token: str) -> Dict[str, Any]:
    """The payload of a JWT, decoded without checking the signature (the server checks it)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (IndexError, ValueError, binascii.Error, UnicodeEncodeError, AttributeError) as exc:
        raise ValueError("not a JWT") from exc
    if not isinstance(claims, dict):
        raise ValueError("JWT payload is not an object")
    return claims


def seconds_left(token: Optional[str]) -> Optional[float]:
    """Seconds until ``exp``; None when the token has no readable ``exp`` (treated as expired)."""
    if not token:
        return None
    try:
        exp = jwt_claims(token).get("exp")
        return float(exp) - time.time() if exp is not None else None
    except (ValueError, TypeError):
        return None


def refresh_grant(refresh_token: str, scopes: Union[str, Sequence[str]], token_endpoint: str, client_id: str,
                  verify: Union[bool, str] = True, client_secret: Optional[str] = None) -> Dict[str, Any]:
    """POST the ``refresh_token`` grant; the decoded token response. Raises :class:`OscarAuthError`."""
    scope = scopes if isinstance(scopes, str) else " ".join(scopes)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id, "scope": scope}
    if client_secret:
        form["client_secret"] = client_secret
    try:
        with RestClient(token_endpoint, verify=verify, retries=1, logger=log) as http:
            answer = http.request("POST", http.base_url, data=form, body_format="form")
    except RestBaseException as exc:
        raise OscarAuthError(f"OIDC token refresh failed: {exc}") from exc
    if not isinstance(answer, dict) or not answer.get("access_token"):
        raise OscarAuthError("OIDC token refresh failed: the token endpoint returned no access_token")
    return answer


class OIDC:
    """Upstream's static helpers (``oscar_python._oidc.OIDC``)."""

    @staticmethod
    def get_info(token: str) -> Dict[str, Any]:
        """The token's claims (``{}`` when it is not a JWT)."""
        try:
            return jwt_claims(token)
        except ValueError:
            return {}

    @staticmethod
    def is_access_token_expired(token: Optional[str], min_validity: float = 0.0) -> bool:
        """True when expired, expiring within ``min_validity`` seconds, or unreadable."""
        left = seconds_left(token)
        return left is None or left <= min_validity

    @staticmethod
    def refresh_access_token(refresh_token: str, scopes: Union[str, Sequence[str]], token_endpoint: str,
                             client_id: str, verify: Union[bool, str] = True) -> Optional[str]:
        """A new access token, or None when the grant failed (upstream's contract)."""
        try:
            return refresh_grant(refresh_token, scopes, token_endpoint, client_id, verify)["access_token"]
        except OscarAuthError as exc:
            log.warning("%s", exc)
            return None
