"""Report timestamps: datetimes <-> the ISO 8601 text a v200 report carries.

Writing follows upstream exactly (aware -> converted to UTC, naive -> taken as UTC, then
``isoformat()`` with ``+00:00``), so reports stay byte-identical.

Reading gives exactly what upstream's ``dateutil.parser.parse`` gives, but the common ISO 8601
shapes take a fast path: ``YYYY-MM-DDTHH:MM:SS`` (``T`` or a space), an optional fraction of 1
to 6 digits, then ``Z``, ``+HH:MM``, ``-HH:MM`` or nothing (naive). The fields come from
``datetime.fromisoformat`` on the part before the offset, and the tzinfo is the very object
dateutil picks for that offset on this machine, asked once per offset: ``tzoffset(None, 7200)``
for ``+02:00``; for ``Z``/``+00:00`` ``tzutc()``, or ``tzlocal()`` where the local zone is
itself called UTC (dateutil's rule). Where that choice could depend on the date (a local zone
with daylight saving time named UTC) the offset is left to dateutil, as is any other text.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Dict, Optional

import dateutil.parser
from dateutil.tz import tzlocal, tzoffset, tzutc

from ..utils.convert import describe
from .exceptions import DataError

__all__ = ["encode_datetime", "timestamp_text", "parse_timestamp", "parse_fast", "zone_bases", "fixed_offset"]

_UTC = timezone.utc
_fromisoformat = datetime.fromisoformat
_NAIVE_BASE = datetime(2000, 1, 1)
_SAMPLE = "2000-01-01T00:00:00"
_MISSING: Any = object()


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


def fixed_offset(zone: tzinfo, moment: datetime) -> Optional[timedelta]:
    """``zone``'s UTC offset if it is the same at every date (``None`` when it may change).

    ``timezone``, dateutil's ``tzutc``/``tzoffset``, and ``tzlocal`` for a local zone without
    daylight saving time; anything else (zoneinfo, ``gettz`` zones) may change with the date.
    """
    kind = type(zone)
    if kind is timezone or kind is tzutc or kind is tzoffset or (
            kind is tzlocal and getattr(zone, "_hasdst", True) is False):
        return zone.utcoffset(moment)
    return None


# --------------------------------------------------------------------------- reading
_UTC_ANCHOR = datetime(2000, 1, 1, tzinfo=_UTC)
_zone_key: Any = None
_bases: Dict[Any, Any] = {}


def zone_bases() -> Dict[Any, Any]:
    """The offset cache for the current local zone: the ``timezone`` that ``fromisoformat``
    gives for an offset -> ``(anchor, base)``, where ``base`` is a datetime in 2000 carrying the
    tzinfo dateutil gives that offset and ``anchor`` the same wall time in the ``timezone``
    (``None``: leave that offset to dateutil).

    dateutil's choice for ``Z``/``+00:00`` depends on the local zone, so the cache starts
    afresh whenever ``time.tzset()`` has changed it.
    """
    global _zone_key, _bases
    key = (time.tzname, time.timezone, time.altzone, time.daylight)
    if key != _zone_key:
        _bases = {}
        _zone_key = key
    return _bases


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _base_for(zone: timezone, bases: Dict[Any, Any]) -> Any:
    """Ask dateutil once what it makes of ``zone``'s offset; remember it if that holds for any date."""
    offset = zone.utcoffset(None)
    entry = None
    if offset is not None and not offset % timedelta(minutes=1):  # whole minutes: the ±HH:MM forms
        try:
            sample = dateutil.parser.parse(_SAMPLE + _offset_text(offset))
        except (ValueError, OverflowError):
            sample = None
        if sample is not None and sample.fold == 0 and sample.tzinfo is not None:
            kind = type(sample.tzinfo)
            if kind is tzutc or kind is tzoffset or (kind is tzlocal and not time.daylight):
                entry = (_NAIVE_BASE.replace(tzinfo=zone), sample)
    bases[zone] = entry
    return entry


_HEADS = frozenset(["--T::", "-- ::"])  # the separators at 4, 7, 10, 13 and 16


def parse_fast(text: str, bases: Dict[Any, Any], _heads: Any = _HEADS, _fromiso: Any = _fromisoformat,
               _missing: Any = _MISSING) -> Optional[datetime]:
    """``dateutil.parser.parse(text)`` for the common ISO 8601 shapes, or ``None`` for any other text.

    ``bases`` is :func:`zone_bases`' cache (fetched once by callers that parse many timestamps).
    The shape is checked here (``YYYY-MM-DD[T ]HH:MM:SS[.f{1,6}][Z|±HH:MM]``), the digits and
    ranges by ``datetime.fromisoformat``. (The keyword defaults are local names, for speed.)
    """
    n = len(text)
    if n < 19 or n > 32 or text[4:17:3] not in _heads:
        return None
    if text[-1] == "Z":
        body = n - 1
    elif text[-3] == ":" and text[-6] in "+-":
        body = n - 6
    else:
        body = n
    if body != 19 and (body < 21 or body > 26 or text[19] != "."):
        return None
    try:
        moment = _fromiso(text)
    except ValueError:
        return None
    zone = moment.tzinfo
    if zone is None:
        return moment if body == n else None
    if body == n:
        return None
    entry = bases.get(zone, _missing)
    if entry is _missing:
        entry = _base_for(zone, bases)
    if entry is None:
        return None
    # same wall time, dateutil's tzinfo: aware - aware of one offset is the wall-time difference,
    # and aware + timedelta keeps the tzinfo (both much faster than datetime.replace)
    return entry[1] + (moment - entry[0])


def _parse_slow(value: str) -> datetime:
    try:
        return dateutil.parser.parse(value)
    except (ValueError, OverflowError) as exc:
        raise DataError(f"a reading's timestamp is not a valid date: {describe(value)}", timestamp=value) from exc


def parse_timestamp(value: Any) -> datetime:
    """Parse a report timestamp exactly as upstream (dateutil) did; common ISO shapes are fast."""
    if type(value) is str:
        moment = parse_fast(value, zone_bases())
        return moment if moment is not None else _parse_slow(value)
    if isinstance(value, str):
        return _parse_slow(str(value))
    if value is None:
        raise DataError("a reading has no timestamp")
    raise DataError(f"a reading's timestamp must be ISO 8601 text, got {describe(value)}")
