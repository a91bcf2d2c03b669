"""Property tests (hypothesis) for reports: the chunked fast encoder writes exactly what a
straightforward whole-dict ``msgpack.packb`` (upstream's way) writes, decoding gives the readings
back, the fast timestamp parser agrees with dateutil, and no byte string breaks the decoder
with anything but DataError."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any, List

import dateutil.parser
import msgpack
from dateutil import tz
from hypothesis import given, settings
from hypothesis import strategies as st

from archfx_cloud.reports.codec import pack_events, pack_report
from archfx_cloud.reports.exceptions import DataError
from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
from archfx_cloud.reports.report import ArchFXDataPoint
from archfx_cloud.reports.timestamps import parse_timestamp


def reference_datetime(obj: Any) -> Any:
    """Section 3.3 of the reference, written plainly: aware -> UTC, naive -> UTC, ISO text."""
    if isinstance(obj, datetime):
        if obj.tzinfo is not None:
            obj = obj.astimezone(timezone.utc)
            return obj.isoformat()
        return obj.isoformat() + "+00:00"
    raise TypeError(type(obj))


def reference_report(device: int, readings: List[ArchFXDataPoint], report_id: int, sent: Any) -> bytes:
    ids = [r.reading_id for r in readings if r.reading_id != 0]
    return msgpack.packb({
        "format": "v200", "device": device, "streamer_index": 0x100, "streamer_selector": 0xFFFF,
        "seqid": report_id, "lowest_id": min(ids, default=0), "highest_id": max(ids, default=0),
        "sent_timestamp": sent, "events": [r.asdict() for r in readings],
    }, default=reference_datetime, use_bin_type=True)


zones = st.one_of(
    st.none(), st.just(timezone.utc), st.just(tz.tzutc()), st.just(tz.gettz("Europe/Madrid")),
    st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes))),
)
timestamps = st.builds(lambda naive, zone: naive.replace(tzinfo=zone),
                       st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2200, 1, 1)), zones)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 63, 2 ** 64 - 1), st.floats(), st.text(max_size=8),
                    st.binary(max_size=8))
plain_data = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                          max_leaves=6)
summaries = st.one_of(st.none(), st.dictionaries(st.text(max_size=6).filter(lambda k: k != "value"), plain_data,
                                                 max_size=3))
readings = st.builds(
    ArchFXDataPoint,
    timestamp=timestamps,
    stream=st.integers(0, 2 ** 32 - 1),
    value=st.one_of(st.floats(), st.integers(-10 ** 6, 10 ** 6)),
    summary_data=summaries,
    raw_data=st.one_of(st.none(), plain_data),
    reading_id=st.one_of(st.none(), st.integers(0, 2 ** 63)),
)


@settings(max_examples=300, deadline=None)
@given(data=st.lists(readings, max_size=12), device=st.integers(0, 2 ** 64 - 1), report_id=st.integers(0, 2 ** 32),
       sent=st.one_of(st.none(), timestamps), chunk=st.integers(1, 5))
def test_fast_encoder_writes_the_reference_bytes(data: List[ArchFXDataPoint], device: int, report_id: int,
                                                 sent: Any, chunk: int) -> None:
    expected = reference_report(device, data, report_id, sent)
    report = ArchFXFlexibleDictionaryReport.FromReadings(device, data, report_id=report_id, sent_timestamp=sent)
    assert report.encode() == expected
    sent_text = None if sent is None else reference_datetime(sent)
    assert pack_report(device, 0x100, 0xFFFF, report_id, sent_text, pack_events(data, chunk_size=chunk)) == expected


def _same_value(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@settings(max_examples=300, deadline=None)
@given(data=st.lists(readings, max_size=12))
def test_decoding_gives_the_readings_back(data: List[ArchFXDataPoint]) -> None:
    report = ArchFXFlexibleDictionaryReport.FromReadings(1, data)
    decoded = ArchFXFlexibleDictionaryReport(report.encode(), False, False).visible_data
    assert len(decoded) == len(data)
    for got, sent in zip(decoded, data):
        utc = sent.timestamp if sent.timestamp.tzinfo else sent.timestamp.replace(tzinfo=timezone.utc)
        assert got.timestamp == utc and got.timestamp.utcoffset() == timedelta(0)
        assert (got.stream, got.reading_id) == (sent.stream, sent.reading_id)
        assert _same_value(got.value, sent.value)
        assert msgpack.packb(got.summary_data) == msgpack.packb(sent.summary_data)
        assert msgpack.packb(got.raw_data) == msgpack.packb(sent.raw_data)


@settings(max_examples=300, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       zone=st.sampled_from(["+00:00", "Z", "+02:00", "-05:30", ""]))
def test_fast_timestamp_parse_agrees_with_dateutil(moment: datetime, zone: str) -> None:
    text = moment.isoformat() + zone
    ours = parse_timestamp(text)
    theirs = dateutil.parser.parse(text)
    assert ours.replace(tzinfo=None) == theirs.replace(tzinfo=None)
    assert ours.utcoffset() == theirs.utcoffset()


def _valid_report() -> bytes:
    stamps = [datetime(2021, 1, 1, 0, 0, i, i * 1000) for i in range(3)]
    points = [ArchFXDataPoint(t, i + 1, i * 1.5, {"k": [i, "x"]}, b"raw", reading_id=i + 1)
              for i, t in enumerate(stamps)]
    return ArchFXFlexibleDictionaryReport.FromReadings(5, points, report_id=2, sent_timestamp=stamps[0]).encode()


VALID = _valid_report()


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(
    st.binary(max_size=200),
    st.builds(lambda cut: VALID[:cut], st.integers(0, len(VALID))),
    st.builds(lambda at, byte: VALID[:at] + bytes([byte]) + VALID[at + 1:], st.integers(0, len(VALID) - 1),
              st.integers(0, 255)),
))
def test_decoding_any_bytes_raises_only_data_error(raw: bytes) -> None:
    try:
        report = ArchFXFlexibleDictionaryReport(raw, False, False)
    except DataError:
        return
    assert all(isinstance(r, ArchFXDataPoint) for r in report.visible_data)
