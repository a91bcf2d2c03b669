"""Reading the claims of a JWT without verifying it (the server verifies; we only look)."""
from __future__ import annotations

import base64
import json
from typing import Any, Dict, Optional


def unverified_claims(token: Optional[str]) -> Optional[Dict[str, Any]]:
    """The payload of ``token`` as a dict, or None when it is not a JWT."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, UnicodeError):
        return None
    return claims if isinstance(claims, dict) else None


def expires_at(token: Optional[str]) -> Optional[float]:
    """The ``exp`` claim (seconds since the epoch), or None."""
    claims = unverified_claims(token)
    if not claims:
        return None
    exp = claims.get("exp")
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None
