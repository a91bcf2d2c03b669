"""A large report (200,000 readings) encodes and decodes in bounded time, and the round trip is exact."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import dateutil.parser
from dateutil import tz

from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
from archfx_cloud.reports.report import ArchFXDataPoint

COUNT = 200_000
# Generous: about 1-2 s on a loaded 2-core machine; upstream's per-reading path needed ~35 s.
TIME_LIMIT_S = 20.0


def test_large_report_round_trip_is_exact_and_bounded_in_time() -> None:
    zones = [timezone.utc, tz.tzutc(), tz.tzoffset(None, 7200), None, timezone(timedelta(hours=-5))]
    starts = [datetime(2023, 1, 1, 12, 0, 0, tzinfo=zone) for zone in zones]
    readings = [ArchFXDataPoint(starts[i % len(zones)] + timedelta(milliseconds=250 * i, microseconds=i % 1000),
                                0x15001 + i % 3, i * 0.5, {"i": i} if i % 7 == 0 else None, reading_id=i + 1)
                for i in range(COUNT)]

    began = time.perf_counter()
    raw = ArchFXFlexibleDictionaryReport.FromReadings(0x1234, readings, report_id=9,
                                                      sent_timestamp=datetime(2023, 1, 2)).encode()
    decoded_report = ArchFXFlexibleDictionaryReport(raw, False, False)
    decoded = decoded_report.visible_data
    elapsed = time.perf_counter() - began
    assert elapsed < TIME_LIMIT_S, f"encode + decode of {COUNT:,} readings took {elapsed:.1f} s"

    assert len(decoded) == COUNT
    assert (decoded_report.origin, decoded_report.report_id, decoded_report.lowest_id,
            decoded_report.highest_id) == (0x1234, 9, 1, COUNT)
    assert decoded_report.sent_timestamp == "2023-01-02T00:00:00+00:00"
    def fields(points: list) -> list:
        return [(p.stream, p.value, p.reading_id, p.summary_data, p.raw_data) for p in points]

    assert fields(decoded) == fields(readings)
    for index in range(0, COUNT, 101):
        sent, got = readings[index].timestamp, decoded[index].timestamp
        assert got == (sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc))
        assert got.utcoffset() == timedelta(0)
    # what a slow, upstream-style parse makes of the text gives the same timestamps (spot check)
    for index in range(0, COUNT, 9973):
        text = readings[index].timestamp
        text = (text if text.tzinfo else text.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()
        assert repr(decoded[index].timestamp) == repr(dateutil.parser.parse(text))

    # the decoded readings encode back to the very same bytes: every timestamp survived exactly
    again = ArchFXFlexibleDictionaryReport.FromReadings(0x1234, decoded, report_id=9,
                                                        sent_timestamp=datetime(2023, 1, 2)).encode()
    assert again == raw


def test_large_report_with_text_timestamps_round_trips() -> None:
    count = COUNT // 2
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    forms = [lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
             lambda t: t.astimezone(tz.tzoffset(None, 7200)).isoformat(),
             lambda t: t.replace(tzinfo=None).isoformat()]
    stamps = [forms[i % 3](start + timedelta(milliseconds=100 * i)) for i in range(count)]
    began = time.perf_counter()
    readings = [ArchFXDataPoint(text, 0x5001, float(i), reading_id=i + 1) for i, text in enumerate(stamps)]
    raw = ArchFXFlexibleDictionaryReport.FromReadings(7, readings).encode()
    decoded = ArchFXFlexibleDictionaryReport(raw, False, False).visible_data
    elapsed = time.perf_counter() - began
    assert elapsed < TIME_LIMIT_S, f"build + encode + decode of {count:,} readings took {elapsed:.1f} s"
    assert [r.timestamp for r in readings[:3]] == stamps[:3]  # text is written verbatim, as upstream
    for i in range(0, count, 4999):
        assert repr(decoded[i].timestamp) == repr(dateutil.parser.parse(stamps[i]))
    for i in range(0, count - 2, 3 * 101):  # the Z, +02:00 and naive forms in turn
        for j in (i, i + 1, i + 2):
            moment = decoded[j].timestamp
            moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
            assert moment == start + timedelta(milliseconds=100 * j)
    assert [p.reading_id for p in decoded] == list(range(1, count + 1))
