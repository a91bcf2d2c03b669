"""``AnonymousClient``: invoke services with a token only (no cluster credentials)."""
from __future__ import annotations

from typing import Any, Dict

from .default_client import DefaultClient
from .exceptions import OscarAuthError

__all__ = ["AnonymousClient"]


class AnonymousClient(DefaultClient):
    """Options ``cluster_id``, ``endpoint``, ``ssl``; ``run_service`` needs ``token=``
    (a service token or an OIDC access token)."""

    _AUTH_TYPE = "anon"

    def __init__(self, options: Dict[str, Any]) -> None:
        super().__init__(options)

    def _get_token(self, svc: str) -> str:
        raise OscarAuthError(f"AnonymousClient needs token= to invoke service {svc!r}")
