"""Small formatting helpers shared by scripts."""
from __future__ import annotations

from datetime import datetime, timezone

from .convert import describe

__all__ = ["datetime_to_str"]


def datetime_to_str(dt: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, UTC), the form ArchFX query parameters take.

    An aware datetime is converted to UTC first (upstream wrote its local wall time followed
    by ``Z``); a naive one is taken to be UTC already.
    """
    if not isinstance(dt, datetime):
        raise ValueError(f"datetime_to_str: expected a datetime, got {describe(dt)}")
    if dt.utcoffset() is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")
