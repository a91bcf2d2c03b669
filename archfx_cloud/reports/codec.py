"""The v200 msgpack layout, written in chunks and read as a stream.

A report is one msgpack map whose last key, ``events``, holds an array of one map per
reading. A msgpack array is its header followed by its elements, so the events can be
packed a chunk at a time (a few thousand readings per ``pack`` call, no per-reading dict
kept alive for the whole report) and the pieces joined behind one array header: the bytes
are the same as packing the whole report dict at once, as upstream did. Reading walks the
same structure with a streaming ``Unpacker`` so only one event's map exists at a time.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from io import BytesIO
from itertools import islice
from operator import attrgetter, itemgetter
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

import msgpack

from ..utils.convert import describe
from .exceptions import DataError
from .report import ArchFXDataPoint, _check_reading_id, _check_summary, _check_value, stream_id
from .timestamps import encode_datetime, fixed_offset, parse_fast, parse_timestamp, timestamp_text, zone_bases

__all__ = ["FORMAT_TAG", "PackedEvents", "pack_events", "iter_packed_events", "pack_report", "read_report",
           "iter_report", "new_packer"]

FORMAT_TAG = "v200"
CHUNK_READINGS = 4096
_UTC = timezone.utc
_MAX_VARIABLE = 0xFFFFFFFF
_reading_id_of = attrgetter("reading_id")
_MISSING: Any = object()
_new_point = object.__new__
_GC_PAUSE_BYTES = 1 << 20  # reports above ~10,000 readings


def new_packer() -> msgpack.Packer:
    """A packer with upstream's settings: datetimes through its ISO hook, ``bin`` for bytes."""
    return msgpack.Packer(default=encode_datetime, use_bin_type=True, autoreset=True)


def _array_header_size(count: int) -> int:
    return 1 if count < 16 else 3 if count <= 0xFFFF else 5


def _foreign_event(item: Any, index: int) -> Dict[str, Any]:
    """An object that is not an ArchFXDataPoint but has ``asdict()``, as upstream accepted."""
    asdict = getattr(item, "asdict", None)
    if asdict is None:
        raise DataError(f"reading #{index} is not an ArchFXDataPoint: {describe(item)}")
    event = asdict()
    if not isinstance(event, dict):
        raise DataError(f"reading #{index}: asdict() returned {describe(event)}, not a dict")
    return event


def _event_dicts(chunk: List[Any], first_index: int) -> List[Dict[str, Any]]:
    """The event maps of a chunk of readings, with timestamps already as report text.

    Datetimes that are naive or in a fixed-offset zone (``timezone``, dateutil's ``tzutc()``
    and ``tzoffset``: the common cases, e.g. ``dateutil.parser.parse("...Z")``) are written
    without ``astimezone()``/``isoformat()`` per reading: the zone's offset is looked up once
    per chunk, the ``YYYY-MM-DDTHH:MM:`` prefix is cached per minute, and seconds and
    microseconds are formatted the way ``isoformat()`` does (no fraction when it is zero).
    Other zones go through :func:`timestamp_text`, one reading at a time.
    """
    events: List[Dict[str, Any]] = []
    append = events.append
    prefixes: Dict[int, str] = {}
    get_prefix = prefixes.get
    offsets: Dict[int, Optional[timedelta]] = {}  # id(tzinfo) -> offset; the chunk keeps them alive
    get_offset = offsets.get
    missing = _MISSING
    for item in chunk:
        if type(item) is ArchFXDataPoint:
            ts = item.timestamp
            if type(ts) is datetime:
                zone = ts.tzinfo
                if zone is None or zone is _UTC:
                    utc: Optional[datetime] = ts
                else:
                    offset = get_offset(id(zone), missing)
                    if offset is missing:
                        offset = offsets[id(zone)] = fixed_offset(zone, ts)
                    if offset is None:
                        utc = None
                    elif offset:
                        try:
                            utc = ts - offset
                        except OverflowError:
                            utc = None
                    else:
                        utc = ts
                if utc is not None:
                    minute = utc.toordinal() * 1440 + utc.hour * 60 + utc.minute
                    prefix = get_prefix(minute)
                    if prefix is None:
                        prefix = prefixes[minute] = utc.isoformat()[:17]
                    micro = utc.microsecond
                    if micro:
                        ts = "%s%02d.%06d+00:00" % (prefix, utc.second, micro)
                    else:
                        ts = "%s%02d+00:00" % (prefix, utc.second)
                else:
                    ts = _slow_text(ts, first_index + len(events))
            elif type(ts) is not str:
                ts = _slow_text(ts, first_index + len(events))
            append({"stream": item.stream, "dev_seqid": item.reading_id, "timestamp": ts, "value": item.value,
                    "extra_data": item.summary_data, "data": item.raw_data})
        else:
            append(_foreign_event(item, first_index + len(events)))
    return events


def _slow_text(ts: Any, index: int) -> Any:
    try:
        return timestamp_text(ts)
    except DataError as exc:
        raise DataError(f"reading #{index}: {exc.msg}", **exc.params) from None


def _pack_or_explain(packer: msgpack.Packer, obj: Any, events: List[Dict[str, Any]], first_index: int) -> bytes:
    try:
        return packer.pack(obj)
    except (TypeError, ValueError, OverflowError) as exc:
        for offset, event in enumerate(events):  # find the reading msgpack refused, to name it
            try:
                new_packer().pack(event)
            except (TypeError, ValueError, OverflowError) as single:
                reason = single.msg if isinstance(single, DataError) else str(single)
                raise DataError(f"reading #{first_index + offset} cannot be encoded: {reason}") from single
        raise DataError(f"readings cannot be encoded: {exc}") from exc


def _id_range(ids: List[Any], lowest: int, highest: int) -> Tuple[int, int]:
    """Fold a chunk's reading ids into (lowest, highest), ignoring 0 ("no id"), as upstream."""
    valid = [i for i in ids if i != ArchFXDataPoint.InvalidReadingID]
    if valid:
        low, high = min(valid), max(valid)
        lowest = low if lowest == ArchFXDataPoint.InvalidReadingID or low < lowest else lowest
        highest = high if highest == ArchFXDataPoint.InvalidReadingID or high > highest else highest
    return lowest, highest


def _reading_ids(chunk: List[Any], first_index: int) -> List[Any]:
    try:
        return list(map(_reading_id_of, chunk))
    except AttributeError:
        for offset, item in enumerate(chunk):
            if not hasattr(item, "reading_id"):
                raise DataError(f"reading #{first_index + offset} has no reading_id: {describe(item)}") from None
        raise


class PackedEvents(NamedTuple):
    """Readings packed as msgpack event maps (without the array header)."""

    parts: List[bytes]
    count: int
    lowest_id: int
    highest_id: int


def pack_events(readings: Iterable[Any], chunk_size: int = CHUNK_READINGS) -> PackedEvents:
    """Pack readings a chunk at a time; the pieces concatenate to the events array's elements."""
    packer = new_packer()
    parts: List[bytes] = []
    count = 0
    lowest = highest = ArchFXDataPoint.InvalidReadingID
    iterator = iter(readings)
    while True:
        chunk = list(islice(iterator, chunk_size))
        if not chunk:
            break
        events = _event_dicts(chunk, count)
        lowest, highest = _id_range(_reading_ids(chunk, count), lowest, highest)
        packed = _pack_or_explain(packer, events, events, count)
        parts.append(packed[_array_header_size(len(events)):])
        count += len(events)
        del events, chunk
    return PackedEvents(parts, count, lowest, highest)


def iter_packed_events(readings: Iterable[Any], chunk_size: int = 1024) -> Iterator[Tuple[Any, bytes]]:
    """``(reading, its packed event map)`` one by one, for splitting reports by size."""
    packer = new_packer()
    index = 0
    iterator = iter(readings)
    while True:
        chunk = list(islice(iterator, chunk_size))
        if not chunk:
            return
        events = _event_dicts(chunk, index)
        for offset, (item, event) in enumerate(zip(chunk, events)):
            yield item, _pack_or_explain(packer, event, [event], index + offset)
        index += len(chunk)


def pack_report(device: int, streamer: int, selector: int, report_id: int, sent_timestamp: Optional[str],
                events: PackedEvents) -> bytes:
    """The whole report: the header map (keys in upstream's order) and the events array."""
    head = new_packer().pack({
        "format": FORMAT_TAG,
        "device": device,
        "streamer_index": streamer,
        "streamer_selector": selector,
        "seqid": report_id,
        "lowest_id": events.lowest_id,
        "highest_id": events.highest_id,
        "sent_timestamp": sent_timestamp,
        "events": [],
    })
    array_header = msgpack.Packer().pack_array_header(events.count)
    return b"".join([head[:-1], array_header, *events.parts])


def header_size_bound(device: int, streamer: int, selector: int, sent_timestamp: Optional[str]) -> int:
    """The most bytes a report's header and events array header can take, whatever its ids and count."""
    widest = 2 ** 64 - 1
    events = PackedEvents([], 0, widest, widest)
    return len(pack_report(device, streamer, selector, widest, sent_timestamp, events)) - 1 + 5


_event_fields = itemgetter("timestamp", "stream", "value", "extra_data", "dev_seqid", "data")


def _fields_of(event: Any) -> Tuple[Any, ...]:
    """The fields of an event map that lacks some keys (upstream read all but the timestamp with ``get``)."""
    if type(event) is not dict:
        raise DataError(f"is not a map: {describe(event)}")
    if "timestamp" not in event:
        raise DataError("has no timestamp")
    return (event["timestamp"], event.get("stream"), event.get("value"), event.get("extra_data"),
            event.get("dev_seqid"), event.get("data"))


def _points_from_events(events: Iterable[Any], first_index: int, out: List[ArchFXDataPoint]) -> int:
    """Append one reading per event map to ``out``, checked as the ArchFXDataPoint constructor checks.

    This is the decoder's inner loop, so the common case is written out inline: all six keys
    fetched in one ``itemgetter`` call, timestamps in the common ISO 8601 shapes (``Z``,
    ``+HH:MM``, ``-HH:MM``, naive) parsed by :func:`~.timestamps.parse_fast` with the offset
    cache fetched once (dateutil handles the rest, as upstream did for every reading), and
    readings filled in without re-running ``__init__``. Returns how many events were read.
    """
    append = out.append
    before = len(out)
    bases = zone_bases()
    fields, new, cls, top, fast = _event_fields, _new_point, ArchFXDataPoint, _MAX_VARIABLE, parse_fast
    try:
        for event in events:
            try:
                ts, stream, value, extra, reading_id, raw_data = fields(event)
            except (KeyError, TypeError):
                ts, stream, value, extra, reading_id, raw_data = _fields_of(event)
            when = fast(ts, bases) if type(ts) is str else None
            if when is None:
                when = parse_timestamp(ts)
            if type(stream) is not int or not 0 <= stream <= top:
                stream = stream_id(stream)
            if type(value) is not float:
                value = _check_value(value)
            if extra is None:
                extra = {}
            elif type(extra) is not dict or "value" in extra:
                extra = _check_summary(extra)
            if type(reading_id) is not int:
                reading_id = _check_reading_id(reading_id)
            point = new(cls)
            point.stream = stream
            point.reading_id = reading_id
            point.timestamp = when
            point.value = value
            point.summary_data = extra
            point.raw_data = raw_data
            append(point)
    except DataError as exc:
        index = first_index + len(out) - before
        separator = " " if exc.msg.startswith(("is not", "has no")) else ": "
        raise DataError(f"event #{index}{separator}{exc.msg}", **exc.params) from None
    return len(out) - before


@contextmanager
def _gc_paused(enough: bool) -> Iterator[None]:
    """Pause the cyclic GC while many readings are created, msgpack's own tip for big messages.

    Decoding only allocates (no cycles are made), yet each few hundred new objects trigger a
    collection that walks everything decoded so far: about a fifth of the decode time for a
    large report. The previous state is restored, also on errors.
    """
    if not enough or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _unpacker(raw: Any) -> Tuple[msgpack.Unpacker, int]:
    try:
        size = memoryview(raw).nbytes
    except TypeError:
        raise DataError(f"a report must be bytes, got {describe(raw)}") from None
    buffer_size = max(size, 1 << 20)
    unpacker = msgpack.Unpacker(BytesIO(raw), raw=False, read_size=1 << 16, max_buffer_size=buffer_size)
    return unpacker, size


def _walk_report(raw: Any, header: Dict[str, Any], out: List[ArchFXDataPoint],
                 batch: int = 4096) -> Iterator[None]:
    """Decode ``raw``: header keys into ``header``, readings appended to ``out`` a batch at a time
    (the generator pauses after each batch, so a caller may drain ``out``).

    Raises DataError for bytes that are not one complete msgpack map or hold invalid events.
    """
    unpacker, size = _unpacker(raw)
    try:
        keys = unpacker.read_map_header()
        for _ in range(keys):
            key = unpacker.unpack()
            if key != "events":
                header[key] = unpacker.unpack()
                continue
            try:
                count = unpacker.read_array_header()
            except ValueError as exc:
                raise DataError("a report's events must be an array") from exc
            done = 0
            while done < count:
                got = _points_from_events(islice(unpacker, min(batch, count - done)), done, out)
                if not got:
                    break
                done += got
                yield
            if done != count:
                raise DataError(f"truncated report: {count} events announced, {done} found")
        if unpacker.tell() != size:
            raise DataError(f"a report must be one msgpack map: {size - unpacker.tell()} bytes follow it")
    except DataError:
        raise
    except msgpack.OutOfData:
        raise DataError("truncated report: the msgpack data ends early") from None
    except (msgpack.UnpackException, ValueError, TypeError) as exc:
        raise DataError(f"not a msgpack v200 report: {exc}") from exc


def iter_report(raw: Any, header: Dict[str, Any]) -> Iterator[ArchFXDataPoint]:
    """Yield the readings of a v200 report as they are decoded; ``header`` receives its other keys."""
    pending: List[ArchFXDataPoint] = []
    for _ in _walk_report(raw, header, pending):
        yield from pending
        pending.clear()


def read_report(raw: Any) -> Tuple[Dict[str, Any], List[ArchFXDataPoint]]:
    """All of a v200 report: its header keys and its readings."""
    header: Dict[str, Any] = {}
    readings: List[ArchFXDataPoint] = []
    with _gc_paused(len(raw) > _GC_PAUSE_BYTES):
        for _ in _walk_report(raw, header, readings):
            pass
    return header, readings
