"""ArchFX flexible dictionary streamer reports (msgpack, format ``v200``).

Build a report from readings, save or upload it, or read one back::

    report = ArchFXFlexibleDictionaryReport.FromReadings(device="d--1234", data=readings, report_id=1003)
    accepted = report.upload(api)                       # readings the cloud found new
    again = ArchFXFlexibleDictionaryReport(report.encode(), False, False)

The bytes are identical to archfx-cloud 0.17.0's for the same inputs. Long lists of readings
can be cut into several reports with :func:`split_readings`.
"""
from __future__ import annotations

import os
from datetime import datetime
from io import BytesIO
from itertools import islice
from typing import Any, Dict, Iterable, Iterator, List, Optional, Type, TypeVar, Union

import msgpack

from ..utils.convert import describe
from ..utils.slugs import ArchFxDeviceSlug
from .codec import (
    FORMAT_TAG,
    PackedEvents,
    _id_range,
    _reading_ids,
    header_size_bound,
    iter_packed_events,
    iter_report,
    pack_events,
    pack_report,
    read_report,
)
from .exceptions import DataError
from .report import ArchFXDataPoint, ArchFXReport
from .timestamps import encode_datetime

__all__ = ["ArchFXFlexibleDictionaryReport", "split_readings"]

Report = TypeVar("Report", bound="ArchFXFlexibleDictionaryReport")

# Upstream's module-level name for the msgpack datetime hook.
_encode_datetime = encode_datetime


def _int_field(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DataError(f"{name} must be an int, got {describe(value)}")
    return value


def _device_id(device: Union[str, int, ArchFxDeviceSlug]) -> int:
    try:
        return ArchFxDeviceSlug(device).get_id()
    except ValueError as exc:
        raise DataError(f"invalid device {describe(device)}: {exc}") from None


def _sent_text(sent_timestamp: Union[None, str, datetime]) -> Optional[str]:
    if sent_timestamp is None or isinstance(sent_timestamp, str):
        return sent_timestamp
    if isinstance(sent_timestamp, datetime):
        return encode_datetime(sent_timestamp)
    raise DataError(f"sent_timestamp must be a datetime, ISO 8601 text or None, got {describe(sent_timestamp)}")


class _Header:
    """The report fields other than the readings, checked once."""

    def __init__(self, device: Any, report_id: Any, selector: Any, streamer: Any, sent_timestamp: Any) -> None:
        self.device = _device_id(device)
        self.report_id = _int_field("report_id", report_id)
        self.selector = _int_field("selector", selector)
        self.streamer = _int_field("streamer", streamer)
        self.sent_timestamp = _sent_text(sent_timestamp)

    def pack(self, events: PackedEvents, report_id: Optional[int] = None) -> bytes:
        seqid = self.report_id if report_id is None else report_id
        try:
            return pack_report(self.device, self.streamer, self.selector, seqid, self.sent_timestamp, events)
        except (TypeError, ValueError, OverflowError) as exc:
            raise DataError(f"the report header cannot be encoded: {exc}") from None


class ArchFXFlexibleDictionaryReport(ArchFXReport):
    """A report of readings encoded as one msgpack map (format ``v200``).

    ``ArchFXFlexibleDictionaryReport(raw_bytes, signed, encrypted, received_time=None)`` decodes
    ``raw_bytes`` at once (raising DataError for anything that is not a valid report) and sets
    ``origin``, ``report_id``, ``sent_timestamp`` (the text found in the report),
    ``origin_streamer``, ``streamer_selector``, ``lowest_id`` and ``highest_id``.
    """

    FORMAT_TAG = FORMAT_TAG

    @classmethod
    def FromReadings(cls: Type[Report], device: Union[str, int, ArchFxDeviceSlug], data: Iterable[ArchFXDataPoint],
                     report_id: int = ArchFXDataPoint.InvalidReadingID, selector: int = 0xFFFF,
                     streamer: int = 0x100, sent_timestamp: Union[None, str, datetime] = None,
                     received_time: Optional[datetime] = None) -> Report:
        """A report holding ``data`` (any iterable of readings), byte-identical to upstream's.

        Args:
            device: the device the readings come from (slug, hex text or int).
            data: the readings.
            report_id: the report's sequence id (devices number reports above their readings).
            selector: the streamer selector (which readings a device's streamer picks).
            streamer: the streamer index the report was sent from.
            sent_timestamp: when the report was sent (a datetime is written as UTC ISO text).
            received_time: when it was received; defaults to now.

        The readings are encoded in chunks, so memory stays near the size of the result; they
        are decoded again only if ``visible_data`` or :meth:`decode` is used.
        """
        header = _Header(device, report_id, selector, streamer, sent_timestamp)
        events = pack_events(data)
        return cls._from_packed(header, events, header.report_id, received_time)

    @classmethod
    def FromReadingsChunked(cls: Type[Report], device: Union[str, int, ArchFxDeviceSlug],
                            data: Iterable[ArchFXDataPoint], *, max_readings: Optional[int] = None,
                            max_bytes: Optional[int] = None, report_id: int = ArchFXDataPoint.InvalidReadingID,
                            selector: int = 0xFFFF, streamer: int = 0x100,
                            sent_timestamp: Union[None, str, datetime] = None,
                            received_time: Optional[datetime] = None) -> Iterator[Report]:
        """Several reports of this class from ``data``; see :func:`split_readings`."""
        return split_readings(device, data, max_readings=max_readings, max_bytes=max_bytes, report_id=report_id,
                              selector=selector, streamer=streamer, sent_timestamp=sent_timestamp,
                              received_time=received_time, report_class=cls)

    @classmethod
    def _from_packed(cls: Type[Report], header: _Header, events: PackedEvents, report_id: int,
                     received_time: Optional[datetime]) -> Report:
        raw = header.pack(events, report_id)
        report = cls._undecoded(raw, events.count, received_time)
        report.origin = header.device
        report.report_id = report_id
        report.sent_timestamp = header.sent_timestamp
        report.origin_streamer = header.streamer
        report.streamer_selector = header.selector
        report.lowest_id = events.lowest_id
        report.highest_id = events.highest_id
        return report  # type: ignore[return-value]

    def _apply_header(self, header: Dict[str, Any]) -> None:
        if "device" not in header:
            raise DataError("Invalid encoded ArchFXFlexibleDictionaryReport that did not "
                            "have a device key set with the device uuid")
        self.origin = header["device"]
        self.report_id = header.get("seqid", ArchFXDataPoint.InvalidReadingID)
        self.sent_timestamp = header.get("sent_timestamp", None)
        self.origin_streamer = header.get("streamer_index")
        self.streamer_selector = header.get("streamer_selector")
        self.lowest_id = header.get("lowest_id")
        self.highest_id = header.get("highest_id")

    def decode(self) -> List[ArchFXDataPoint]:
        """The readings in the report; also sets the report's header attributes."""
        header, readings = read_report(self.raw_report)
        self._apply_header(header)
        return readings

    def iter_readings(self) -> Iterator[ArchFXDataPoint]:
        """The readings one at a time, without holding them all (header attributes are set at the end)."""
        header: Dict[str, Any] = {}
        yield from iter_report(self.raw_report, header)
        self._apply_header(header)

    def asdict(self) -> Dict[str, Any]:
        """The whole report as plain msgpack data (timestamps as text)."""
        try:
            return msgpack.unpackb(self.raw_report, raw=False)
        except (msgpack.UnpackException, ValueError, TypeError) as exc:
            raise DataError(f"not a msgpack report: {exc}") from exc

    def serialize(self) -> Dict[str, Any]:
        """The report with its received time; ``report_format`` is the format tag ``"v200"``.

        (A msgpack report has no format byte; upstream refused to serialize this format.)
        """
        info = super().serialize()
        info["report_format"] = self.FORMAT_TAG
        return info

    def write(self, file_path: Union[str, "os.PathLike[str]"]) -> None:
        """Write the report to disk as a msgpack file."""
        self.save(file_path)

    def upload(self, cloud: Any) -> int:
        """Upload to ArchFX Cloud with an authenticated ``Api``; returns how many readings were new.

        ``POST streamer/report/?timestamp=<sent_timestamp>`` with the bytes as the multipart
        file ``report.mp``. Re-uploading is safe: the cloud skips readings it already has.
        """
        response = cloud("streamer/report").upload_fp(
            ("report.mp", BytesIO(self.encode())),
            timestamp=self.sent_timestamp,
        )
        return response["count"]


def _positive(name: str, value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {describe(value)}")
    return value


def split_readings(device: Union[str, int, ArchFxDeviceSlug], readings: Iterable[ArchFXDataPoint], *,
                   max_readings: Optional[int] = None, max_bytes: Optional[int] = None,
                   report_id: int = ArchFXDataPoint.InvalidReadingID, selector: int = 0xFFFF,
                   streamer: int = 0x100, sent_timestamp: Union[None, str, datetime] = None,
                   received_time: Optional[datetime] = None,
                   report_class: Type[Report] = ArchFXFlexibleDictionaryReport,  # type: ignore[assignment]
                   ) -> Iterator[Report]:
    """Cut a long run of readings into reports a server will accept, in order.

    Each report holds at most ``max_readings`` readings and/or takes at most ``max_bytes``
    bytes once encoded (give at least one limit). Reports get consecutive ids starting at
    ``report_id``; each is byte-identical to ``FromReadings`` of its readings with its id, so
    re-uploading any of them is harmless. ``readings`` may be a generator: it is consumed
    lazily, one report at a time, and no report is produced for no readings.

    Example, uploading a day of readings in reports of at most 10,000 readings or 1 MB::

        total = sum(report.upload(api) for report in split_readings(
            "d--1234", readings, max_readings=10_000, max_bytes=1_000_000, report_id=first_id))

    Raises:
        ValueError: a limit is missing or not a positive int.
        DataError: bad readings or header fields, or one reading that alone exceeds ``max_bytes``.
    """
    max_readings = _positive("max_readings", max_readings)
    max_bytes = _positive("max_bytes", max_bytes)
    if max_readings is None and max_bytes is None:
        raise ValueError("split_readings needs max_readings and/or max_bytes")
    header = _Header(device, report_id, selector, streamer, sent_timestamp)
    if max_bytes is None:
        assert max_readings is not None
        return _split_by_count(report_class, header, readings, max_readings, received_time)
    overhead = header_size_bound(header.device, header.streamer, header.selector, header.sent_timestamp)
    if max_bytes <= overhead:
        raise ValueError(f"max_bytes={max_bytes} leaves no room for readings: a report header alone takes up "
                         f"to {overhead} bytes")
    return _split_by_size(report_class, header, readings, max_readings, max_bytes - overhead, received_time)


def _split_by_count(report_class: Type[Report], header: _Header, readings: Iterable[Any], max_readings: int,
                    received_time: Optional[datetime]) -> Iterator[Report]:
    iterator = iter(readings)
    seqid = header.report_id
    while True:
        chunk = list(islice(iterator, max_readings))
        if not chunk:
            return
        yield report_class._from_packed(header, pack_events(chunk), seqid, received_time)
        seqid += 1


def _split_by_size(report_class: Type[Report], header: _Header, readings: Iterable[Any],
                   max_readings: Optional[int], budget: int, received_time: Optional[datetime]) -> Iterator[Report]:
    seqid = header.report_id
    parts: List[bytes] = []
    ids: List[Any] = []
    used = 0
    for index, (reading, packed) in enumerate(iter_packed_events(readings)):
        if len(packed) > budget:
            raise DataError(f"reading #{index} alone takes {len(packed)} bytes: more than max_bytes allows "
                            f"for one reading ({budget} bytes)")
        if parts and (used + len(packed) > budget or len(parts) == max_readings):
            yield _emit(report_class, header, parts, ids, seqid, received_time)
            seqid += 1
            parts, ids, used = [], [], 0
        parts.append(packed)
        ids.append(_reading_ids([reading], index)[0])
        used += len(packed)
    if parts:
        yield _emit(report_class, header, parts, ids, seqid, received_time)


def _emit(report_class: Type[Report], header: _Header, parts: List[bytes], ids: List[Any], seqid: int,
          received_time: Optional[datetime]) -> Report:
    lowest, highest = _id_range(ids, ArchFXDataPoint.InvalidReadingID, ArchFXDataPoint.InvalidReadingID)
    events = PackedEvents(parts, len(parts), lowest, highest)
    return report_class._from_packed(header, events, seqid, received_time)

