"""Readings (``ArchFXDataPoint``) and the base class of reports uploaded to ArchFX Cloud."""
from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Union

from ..utils.convert import describe
from ..utils.slugs import ArchFxVariableID
from .exceptions import DataError
from .timestamps import parse_timestamp

__all__ = ["ArchFXDataPoint", "ArchFXReport", "stream_id"]

_MAX_VARIABLE = 0xFFFFFFFF


@lru_cache(maxsize=4096)
def _stream_id_from_text(text: str) -> int:
    return ArchFxVariableID(text).get_id()


def stream_id(stream: Any) -> int:
    """A reading's stream as its 32-bit variable id (``'0001-5051'``, ``(1, 0x5051)`` or ``0x15051``)."""
    if type(stream) is int and 0 <= stream <= _MAX_VARIABLE:
        return stream
    try:
        if type(stream) is str:
            return _stream_id_from_text(stream)
        return ArchFxVariableID(stream).get_id()
    except ValueError as exc:
        raise DataError(f"invalid stream {describe(stream)}: {exc}", stream=stream) from None


def _check_timestamp(timestamp: Any) -> Any:
    if isinstance(timestamp, datetime):
        return timestamp
    if isinstance(timestamp, str):
        parse_timestamp(timestamp)  # refuse text the cloud could not read; keep it verbatim, as upstream
        return timestamp
    if timestamp is None:
        raise DataError("a reading has no timestamp")
    raise DataError(f"a reading's timestamp must be a datetime or ISO 8601 text, got {describe(timestamp)}")


def _check_value(value: Any) -> float:
    if type(value) is float:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DataError(f"a reading's value must be a number, got {describe(value)}", value=value) from None


def _check_summary(summary_data: Any) -> Dict[str, Any]:
    if summary_data is None:
        return {}
    if type(summary_data) is not dict and not isinstance(summary_data, Mapping):
        raise DataError(f"summary_data must be a dict, got {describe(summary_data)}")
    if "value" in summary_data:
        # Older reports kept the value inside summary_data; the cloud now takes it only as `value`.
        raise DataError("value is not a valid field for summary_data", summary_data=summary_data)
    return summary_data  # type: ignore[return-value]


def _check_reading_id(reading_id: Any) -> int:
    if reading_id is None:
        return ArchFXDataPoint.InvalidReadingID
    if type(reading_id) is int or (isinstance(reading_id, int) and not isinstance(reading_id, bool)):
        return reading_id
    raise DataError(f"reading_id must be an int, got {describe(reading_id)}")


class ArchFXDataPoint:
    """One reading: a timestamped value of a stream, with optional summary and raw data.

    Args:
        timestamp: when the value was acquired (a datetime; naive means UTC). ISO 8601 text is
            accepted and written verbatim, as upstream did.
        stream: the variable (``'0001-5051'``, ``0x15051`` or ``(1, 0x5051)``); stored as an int.
        value: the primary value, stored as a float.
        summary_data: a small dict of extra values (``None`` -> ``{}``); it may not contain ``value``.
        raw_data: optional, possibly large, data behind the summary (anything msgpack can carry).
        reading_id: a unique, increasing id that lets the cloud drop duplicates (``None`` -> 0,
            meaning "no id").
    """

    __slots__ = ("stream", "reading_id", "timestamp", "value", "summary_data", "raw_data", "__dict__")

    InvalidRawTime = 0xFFFFFFFF
    InvalidReadingID = 0

    def __init__(self, timestamp: Union[datetime, str], stream: Union[str, int, tuple], value: float,
                 summary_data: Optional[Dict[str, Any]] = None, raw_data: Any = None,
                 reading_id: Optional[int] = None) -> None:
        self.stream = stream_id(stream)
        self.reading_id = _check_reading_id(reading_id)
        self.timestamp = _check_timestamp(timestamp)
        self.value = _check_value(value)
        self.summary_data = _check_summary(summary_data)
        self.raw_data = raw_data

    def asdict(self) -> Dict[str, Any]:
        """The reading as the report stores it (references, not copies: treat it as read-only)."""
        return {
            "stream": self.stream,
            "dev_seqid": self.reading_id,
            "timestamp": self.timestamp,
            "value": self.value,
            "extra_data": self.summary_data,
            "data": self.raw_data,
        }

    @classmethod
    def FromDict(cls, obj: Mapping[str, Any]) -> "ArchFXDataPoint":
        """The reading back from :meth:`asdict` output (a timestamp as text is parsed)."""
        if not isinstance(obj, Mapping):
            raise DataError(f"a reading must be a map, got {describe(obj)}")
        if "timestamp" not in obj:
            raise DataError("a reading has no timestamp", reading=obj)
        timestamp = obj["timestamp"]
        if not isinstance(timestamp, datetime):
            timestamp = parse_timestamp(timestamp)
        return cls(timestamp, obj.get("stream"), obj.get("value"), obj.get("extra_data"), obj.get("data"),
                   reading_id=obj.get("dev_seqid"))

    def __str__(self) -> str:
        return f"Stream {self.stream}: Data at {self.timestamp}, value {self.value}"

    def __repr__(self) -> str:
        return (f"ArchFXDataPoint(timestamp={self.timestamp!r}, stream=0x{self.stream:08x}, value={self.value!r}, "
                f"reading_id={self.reading_id!r})")


def _utcnow() -> datetime:
    """Naive UTC now, as upstream's ``datetime.utcnow()`` (without its deprecation warning)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ArchFXReport:
    """Base class of reports: raw bytes plus the readings visible in them.

    Subclasses implement :meth:`decode` (bytes -> readings) and usually a ``FromReadings``
    classmethod. The base class treats the bytes as opaque (no visible readings), as for an
    encrypted report one has no key for.

    Args:
        rawreport: the report's bytes.
        signed: whether the report is signed.
        encrypted: whether the report is encrypted.
        received_time: when the report was received (naive UTC); defaults to now.
    """

    def __init__(self, rawreport: bytes, signed: bool, encrypted: bool,
                 received_time: Optional[datetime] = None) -> None:
        self._set_fields(rawreport, signed, encrypted, received_time)
        self.visible_data = self.decode()

    def _set_fields(self, rawreport: bytes, signed: bool, encrypted: bool, received_time: Optional[datetime]) -> None:
        self.origin: Optional[int] = None
        self.received_time = _utcnow() if received_time is None else received_time
        self.raw_report = rawreport
        self.signed = signed
        self.encrypted = encrypted
        self.verified = False
        self._visible_data: Optional[List[ArchFXDataPoint]] = None
        self._reading_count: Optional[int] = None

    @classmethod
    def _undecoded(cls, rawreport: bytes, reading_count: int, received_time: Optional[datetime]) -> "ArchFXReport":
        """A report whose bytes were just encoded here: readings are decoded only if asked for."""
        report = cls.__new__(cls)
        report._set_fields(rawreport, False, False, received_time)
        report._reading_count = reading_count
        return report

    @property
    def visible_data(self) -> List[ArchFXDataPoint]:
        """The readings in the report (decoded on first use for reports built by ``FromReadings``)."""
        if self._visible_data is None:
            self._visible_data = self.decode()
        return self._visible_data

    @visible_data.setter
    def visible_data(self, readings: List[ArchFXDataPoint]) -> None:
        self._visible_data = readings

    def decode(self) -> List[ArchFXDataPoint]:
        """The readings in the raw report; none are visible in an opaque (base class) report."""
        return []

    def encode(self) -> bytes:
        """The report's bytes, ready to save or upload."""
        return self.raw_report

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Write the report's bytes to ``path``."""
        with open(path, "wb") as out:
            out.write(self.encode())

    def serialize(self) -> Dict[str, Any]:
        """The report with its received time, for storing alongside other reports."""
        encoded = bytes(self.encode())
        return {
            "received_time": self.received_time,
            "encoded_report": encoded,
            "report_format": encoded[0] if encoded else None,
            "origin": self.origin,
        }

    def _visible_count(self) -> int:
        if self._visible_data is not None:
            return len(self._visible_data)
        return self._reading_count or 0

    def __str__(self) -> str:
        verified = "verified" if self.verified else "not verified"
        enc = "encrypted" if self.encrypted else "not encrypted"
        return (f"ArchFX Report (length: {len(self.raw_report)}, visible data: {self._visible_count()}, "
                f"{verified} and {enc})")
