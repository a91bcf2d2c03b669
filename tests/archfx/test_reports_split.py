"""Splitting long runs of readings into several reports (split_readings / FromReadingsChunked)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterator, List

import pytest

from archfx_cloud.reports.codec import iter_packed_events
from archfx_cloud.reports.exceptions import DataError
from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport, split_readings
from archfx_cloud.reports.report import ArchFXDataPoint

T0 = datetime(2023, 1, 1, tzinfo=timezone.utc)
SENT = datetime(2023, 1, 2, tzinfo=timezone.utc)


def _readings(count: int, start_id: int = 1) -> List[ArchFXDataPoint]:
    return [ArchFXDataPoint(T0 + timedelta(seconds=i), "0001-5001", i / 2,
                            {"i": i, "pad": "x" * (i % 50)} if i % 3 == 0 else None, reading_id=start_id + i)
            for i in range(count)]


def _expected(chunk: List[ArchFXDataPoint], report_id: int) -> bytes:
    return ArchFXFlexibleDictionaryReport.FromReadings(4660, chunk, report_id=report_id, selector=0x1234,
                                                       streamer=3, sent_timestamp=SENT).encode()


def test_split_by_count_gives_consecutive_ids_and_identical_bytes() -> None:
    readings = _readings(25)
    reports = list(split_readings(4660, readings, max_readings=10, report_id=100, selector=0x1234, streamer=3,
                                  sent_timestamp=SENT))
    assert [r.report_id for r in reports] == [100, 101, 102]
    assert [len(r.visible_data) for r in reports] == [10, 10, 5]
    for k, report in enumerate(reports):
        chunk = readings[10 * k:10 * (k + 1)]
        assert report.encode() == _expected(chunk, 100 + k)
        assert (report.lowest_id, report.highest_id) == (chunk[0].reading_id, chunk[-1].reading_id)
        assert report.sent_timestamp == "2023-01-02T00:00:00+00:00" and report.origin == 4660


@pytest.mark.parametrize("max_bytes", [400, 1000, 5000])
def test_split_by_size_respects_the_limit_and_loses_nothing(max_bytes: int) -> None:
    readings = _readings(200)
    reports = list(split_readings(4660, readings, max_bytes=max_bytes, report_id=7, selector=0x1234, streamer=3,
                                  sent_timestamp=SENT))
    assert all(len(r.encode()) <= max_bytes for r in reports)
    assert [r.report_id for r in reports] == list(range(7, 7 + len(reports)))
    decoded = [p.reading_id for r in reports for p in r.visible_data]
    assert decoded == [p.reading_id for p in readings]
    position = 0
    for report in reports:
        count = len(report.visible_data)
        assert report.encode() == _expected(readings[position:position + count], report.report_id)
        position += count
        if position < len(readings):
            # the report is full: its next reading would not have fitted. The header's size is
            # budgeted for the widest ids and count, at most 28 bytes more than it takes here.
            (_, next_event), = iter_packed_events([readings[position]])
            assert len(report.encode()) + len(next_event) > max_bytes - 28


def test_both_limits_apply() -> None:
    reports = list(split_readings(4660, _readings(50), max_readings=7, max_bytes=10_000))
    assert [len(r.visible_data) for r in reports] == [7] * 7 + [1]
    small = list(split_readings(4660, _readings(50), max_readings=1000, max_bytes=700))
    assert all(len(r.visible_data) < 1000 and len(r.encode()) <= 700 for r in small)


def test_generator_input_is_consumed_lazily() -> None:
    pulled: List[int] = []

    def source() -> Iterator[ArchFXDataPoint]:
        for reading in _readings(30):
            pulled.append(reading.reading_id)
            yield reading

    reports = ArchFXFlexibleDictionaryReport.FromReadingsChunked(4660, source(), max_readings=10, report_id=1)
    first = next(reports)
    assert isinstance(first, ArchFXFlexibleDictionaryReport) and len(pulled) <= 20
    assert len(list(reports)) == 2
    assert list(split_readings(4660, iter(()), max_readings=5)) == []


def test_split_errors() -> None:
    with pytest.raises(ValueError, match="max_readings and/or max_bytes"):
        split_readings(4660, [])
    for bad in (0, -1, 1.5, "10", True):
        with pytest.raises(ValueError, match="positive int"):
            split_readings(4660, [], max_readings=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="leaves no room"):
        split_readings(4660, [], max_bytes=50)
    with pytest.raises(DataError, match="invalid device"):
        split_readings("nope--1", [], max_readings=1)
    huge = ArchFXDataPoint(T0, 1, 1.0, raw_data={"blob": b"x" * 5000}, reading_id=1)
    with pytest.raises(DataError, match="reading #1 alone takes"):
        list(split_readings(4660, [_readings(1)[0], huge], max_bytes=2000))
