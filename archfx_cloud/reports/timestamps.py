"""Report timestamps: datetimes <-> the ISO 8601 text a v200 report carries.

Writing follows upstream exactly (aware -> converted to UTC, naive -> taken as UTC, then
``isoformat()`` with ``+00:00``), so reports stay byte-identical. Reading takes a fast path
for the one shape this writer produces (``YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00``) and falls
back to ``dateutil`` for anything else, as upstream did for every reading.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import dateutil.parser

from ..utils.convert import describe
from .exceptions import DataError

__all__ = ["encode_datetime", "timestamp_text", "parse_timestamp", "written_shape"]

_UTC = timezone.utc
_fromisoformat = datetime.fromisoformat


def encode_datetime(obj: Any) -> Any:
    """msgpack ``default`` hook: a datetime becomes ISO text in UTC; other types are refused.

    (Upstream returned other objects unchanged, and msgpack then failed with a TypeError.)
    """
    if isinstance(obj, datetime):
        if obj.tzinfo:
            obj = obj.astimezone(_UTC)
        text = obj.isoformat()
        return text if text[-6] in "+-" else text + "+00:00"
    raise DataError(f"cannot encode {type(obj).__name__} in a report: {describe(obj)}")


def timestamp_text(ts: Any) -> Any:
    """What a reading's timestamp is written as: ISO text in UTC; text is kept verbatim, as upstream."""
    if type(ts) is datetime:
        tzinfo = ts.tzinfo
        if tzinfo is None:
            return ts.isoformat() + "+00:00"
        if tzinfo is _UTC:
            return ts.isoformat()
        return encode_datetime(ts)
    if isinstance(ts, datetime):
        return encode_datetime(ts)
    if isinstance(ts, str):
        return ts
    if ts is None:
        raise DataError("a reading has no timestamp")
    raise DataError(f"a reading's timestamp must be a datetime or ISO 8601 text, got {describe(ts)}")


def written_shape(text: str) -> bool:
    """Whether ``text`` looks like ``YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00``, the one shape written here.

    For that shape ``datetime.fromisoformat`` and dateutil agree; the separators are checked so
    that other ISO forms newer Pythons accept (week dates, basic format) go to dateutil.
    """
    return (((len(text) == 32 and text[4:20:3] == "--T::.") or (len(text) == 25 and text[4:20:3] == "--T::+"))
            and text[-6:] == "+00:00")


def parse_timestamp(value: Any) -> datetime:
    """Parse a report timestamp; the fixed UTC shape this module writes takes the fast path.

    Fast-path results carry ``datetime.timezone.utc``; others come from ``dateutil`` (whose
    UTC tzinfo depends on the machine's local zone, which is why the fast path does not copy it).
    """
    if type(value) is str:
        if written_shape(value):
            try:
                return _fromisoformat(value)
            except ValueError:
                pass
        try:
            return dateutil.parser.parse(value)
        except (ValueError, OverflowError) as exc:
            raise DataError(f"a reading's timestamp is not a valid date: {describe(value)}",
                            timestamp=value) from exc
    if value is None:
        raise DataError("a reading has no timestamp")
    raise DataError(f"a reading's timestamp must be ISO 8601 text, got {describe(value)}")
