"""Minimal HS256 JSON Web Tokens for the emulator's OIDC issuer (stdlib only)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any, Dict


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: Dict[str, Any], secret: bytes) -> str:
    """A signed ``header.payload.signature`` token."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode("ascii"), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


class InvalidToken(ValueError):
    """Not a JWT, or a signature that does not verify."""


def decode(token: str, secret: bytes) -> Dict[str, Any]:
    """The claims of a token signed with ``secret`` (expiry is the caller's business)."""
    try:
        head, body, signature = token.split(".")
        expected = hmac.new(secret, f"{head}.{body}".encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(signature)):
            raise InvalidToken("bad signature")
        claims = json.loads(_unb64(body))
    except InvalidToken:
        raise
    except (ValueError, UnicodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("payload is not an object")
    return claims


def unverified_claims(token: str) -> Dict[str, Any]:
    """Claims without checking the signature (to tell an unknown issuer from a bad token)."""
    try:
        claims = json.loads(_unb64(token.split(".")[1]))
    except (IndexError, ValueError, UnicodeError) as exc:
        raise InvalidToken("malformed token") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("payload is not an object")
    return claims
