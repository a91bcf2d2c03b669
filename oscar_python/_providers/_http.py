"""Shared bits of the providers that speak HTTP through the core pipeline (WebDAV, OneData)."""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from archfx_cloud.api.exceptions import RestBaseException

from ..exceptions import StorageError, StorageTransferError

T = TypeVar("T")


def base_url(host: str, path: str = "") -> str:
    """``host`` with ``https://`` unless it already names a scheme, plus ``path``."""
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = "https://" + host
    return host + path


def guarded(provider_id: str, what: str, fn: Callable[[], T], transfer: bool = False) -> T:
    """Run ``fn``; core errors become :class:`StorageError` naming the provider and operation."""
    try:
        return fn()
    except (RestBaseException, OSError) as exc:
        if isinstance(exc, StorageError):
            raise
        cls = StorageTransferError if transfer else StorageError
        raise cls(f"{provider_id}: {what} failed: {exc}") from exc


def status_of(exc: Any) -> Any:
    return getattr(exc, "status_code", None)
