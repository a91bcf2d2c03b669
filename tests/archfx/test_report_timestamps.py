"""Report timestamps: the fast paths give exactly what upstream's slow paths gave.

Decoding: ``parse_timestamp``/the decoder's fast path must return what ``dateutil.parser.parse``
returns (same fields, same tzinfo object type and offset, same fold) for every common ISO 8601
form. Encoding: datetimes in fixed-offset zones (dateutil ``tzutc()``/``tzoffset``,
``datetime.timezone``, ``tzlocal()`` without DST) are written as ``astimezone(UTC).isoformat()``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, List

import dateutil.parser
import msgpack
import pytest
from dateutil import tz
from hypothesis import given, settings
from hypothesis import strategies as st

from archfx_cloud.reports import timestamps
from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
from archfx_cloud.reports.report import ArchFXDataPoint
from archfx_cloud.reports.timestamps import encode_datetime, parse_fast, parse_timestamp, zone_bases


def same_as_dateutil(text: str) -> None:
    """``parse_timestamp(text)`` is indistinguishable from ``dateutil.parser.parse(text)``."""
    theirs = dateutil.parser.parse(text)
    ours = parse_timestamp(text)
    assert ours == theirs
    assert ours.replace(tzinfo=None) == theirs.replace(tzinfo=None)
    assert type(ours.tzinfo) is type(theirs.tzinfo)
    assert repr(ours.tzinfo) == repr(theirs.tzinfo)
    assert ours.utcoffset() == theirs.utcoffset() and ours.tzname() == theirs.tzname()
    assert ours.fold == theirs.fold and type(ours) is datetime


offsets = st.one_of(st.just(""), st.just("Z"), st.just("+00:00"), st.just("-00:00"),
                    st.builds(lambda sign, h, m: f"{sign}{h:02d}:{m:02d}", st.sampled_from("+-"),
                              st.integers(0, 23), st.integers(0, 59)))


@settings(max_examples=1500, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
       digits=st.integers(0, 6), sep=st.sampled_from("T "), offset=offsets)
def test_common_iso_forms_parse_exactly_as_dateutil(moment: datetime, digits: int, sep: str, offset: str) -> None:
    text = (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}{sep}"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}")
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    text += offset
    assert parse_fast(text, zone_bases()) is not None, text  # the form takes the fast path...
    same_as_dateutil(text)  # ...and gives dateutil's answer


@pytest.mark.parametrize("text", [
    "2021-01-20T00:00:00.100000Z", "2021-01-20T00:00:00.2+00:00", "2021-01-20T00:00:00+02:00",
    "2021-01-20T00:00:00.123-05:30", "2021-01-20 00:00:00", "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999-14:00", "2020-02-29T12:00:00Z",
])
def test_examples_take_the_fast_path(text: str) -> None:
    assert parse_fast(text, zone_bases()) is not None
    same_as_dateutil(text)


@pytest.mark.parametrize("text", [
    # other shapes: left to dateutil, whose answer (or error) is then the result
    "2021-01-20T00:00:00z", "2021-01-20T00:00:00.1234567Z", "2021-01-20T00:00:00+0200", "2021-01-20T00:00:00+02",
    "2021-01-20T00:00:00 UTC", "2021-01-20T00:00", "20210120T000000Z", "2021-01-20T00:00:00+25:00",
    "2021-01-20T00:00:00,5Z", "2021-01-20t00:00:00Z", "Jan 20 2021 10:00", "2021-01-20T00:00:00.+01:00",
])
def test_other_shapes_are_left_to_dateutil(text: str) -> None:
    assert parse_fast(text, zone_bases()) is None
    try:
        expected = dateutil.parser.parse(text)
    except (ValueError, OverflowError):
        with pytest.raises(ValueError):
            parse_timestamp(text)
        return
    assert parse_timestamp(text) == expected and repr(parse_timestamp(text)) == repr(expected)


@pytest.mark.parametrize("text", [
    "2021-02-30T00:00:00Z", "2021-13-01T00:00:00Z", "2021-01-20T24:00:00Z", "2021-01-20T00:60:00+02:00",
    "2021-01-20T00:00:60", "0000-01-01T00:00:00Z", "2021-01-2aT00:00:00Z", "2021-01-20T00:00:00.12a4Z",
    "２０２１-01-20T00:00:00Z",
])
def test_invalid_dates_in_common_shapes_fail_as_dateutil_does(text: str) -> None:
    assert parse_fast(text, zone_bases()) is None
    try:
        expected = dateutil.parser.parse(text)
    except (ValueError, OverflowError):
        with pytest.raises(ValueError):
            parse_timestamp(text)
    else:
        assert repr(parse_timestamp(text)) == repr(expected)


@settings(max_examples=1000, deadline=None)
@given(text=st.text(alphabet="0123456789-:T .Z+", min_size=19, max_size=32))
def test_near_misses_never_disagree_with_dateutil(text: str) -> None:
    fast = parse_fast(text, zone_bases())
    if fast is None:
        return
    theirs = dateutil.parser.parse(text)
    assert fast == theirs and repr(fast) == repr(theirs) and fast.fold == theirs.fold


def _in_zone(tz_name: str, code: str) -> Any:
    """Run ``code`` in a fresh interpreter with ``TZ=tz_name``; it prints one JSON value."""
    env = dict(os.environ, TZ=tz_name)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


ZONE_CHECK = """
import json, dateutil.parser
from datetime import datetime
from archfx_cloud.reports.timestamps import parse_fast, parse_timestamp, zone_bases
out = []
for text in ["2021-01-20T00:00:00Z", "2021-07-20T00:00:00.5+00:00", "2021-07-20T00:00:00-00:00",
             "2021-07-20T01:00:00+01:00", "2021-01-20T00:00:00"]:
    ours, theirs = parse_timestamp(text), dateutil.parser.parse(text)
    out.append([text, repr(ours), repr(theirs), ours.fold == theirs.fold,
                parse_fast(text, zone_bases()) is not None])
print(json.dumps(out))
"""


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "UTC0BST,M3.5.0/1,M10.5.0"])
def test_local_zone_quirks_of_dateutil_are_reproduced(zone: str) -> None:
    """dateutil gives ``tzlocal()`` for Z/+00:00 where the local zone is called UTC, else ``tzutc()``.

    The last zone is named UTC but has summer time: there dateutil's answer depends on the date,
    so Z/+00:00 are left to dateutil (the fast path declines) and the answers still agree.
    """
    rows = _in_zone(zone, ZONE_CHECK)
    for text, ours, theirs, same_fold, fast in rows:
        assert ours == theirs and same_fold, (zone, text)
    utc_like = {text: fast for text, _, _, _, fast in rows}
    if zone.startswith("UTC0BST"):
        assert utc_like["2021-01-20T00:00:00Z"] is False and utc_like["2021-07-20T01:00:00+01:00"] is True
    else:
        assert all(utc_like.values())
    if zone == "UTC":
        assert rows[0][1].endswith("tzinfo=tzlocal())")
    if zone == "Europe/Berlin":
        assert rows[0][1].endswith("tzinfo=tzutc())")


def test_the_offset_cache_follows_tzset(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    original = os.environ.get("TZ")
    try:
        for zone in ("Europe/Berlin", "UTC", "Europe/Berlin"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            same_as_dateutil("2021-01-20T00:00:00Z")
    finally:
        if original is None:
            monkeypatch.delenv("TZ", raising=False)
        else:
            monkeypatch.setenv("TZ", original)
        time.tzset()


# --------------------------------------------------------------------------- decoding reports
def test_decoded_readings_carry_dateutils_tzinfo_for_every_form() -> None:
    stamps = ["2021-01-20T00:00:00.100000Z", "2021-01-20T00:00:00.2+00:00", "2021-01-20T02:00:00.3+02:00",
              "2021-01-19T19:00:00.4-05:00", "2021-01-20T00:00:00.5", "2021-01-20T00:00:00Z"]
    report = ArchFXFlexibleDictionaryReport.FromReadings(1, [ArchFXDataPoint(s, 1, 0.0, reading_id=i + 1)
                                                             for i, s in enumerate(stamps)])
    decoded = ArchFXFlexibleDictionaryReport(report.encode(), False, False).visible_data
    for point, text in zip(decoded, stamps):
        theirs = dateutil.parser.parse(text)
        assert point.timestamp == theirs and repr(point.timestamp) == repr(theirs)
    assert [p.timestamp for p in report.iter_readings()] == [p.timestamp for p in decoded]


# --------------------------------------------------------------------------- encoding
FIXED_ZONES = [tz.tzutc(), tz.UTC, tz.tzoffset(None, 7200), tz.tzoffset("X", -19800), timezone.utc,
               timezone(timedelta(hours=-3, minutes=-30)), tz.tzlocal()]


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       zone=st.sampled_from(FIXED_ZONES + [tz.gettz("Europe/Madrid"), tz.gettz("America/New_York"), None]))
def test_fast_encoding_writes_what_astimezone_isoformat_writes(moment: datetime, zone: Any) -> None:
    stamp = moment.replace(tzinfo=zone)
    report = ArchFXFlexibleDictionaryReport.FromReadings(1, [ArchFXDataPoint(stamp, 1, 0.0, reading_id=1)])
    written = msgpack.unpackb(report.encode())["events"][0]["timestamp"]
    assert written == encode_datetime(stamp)
    expected = (stamp.astimezone(timezone.utc) if zone is not None else stamp).isoformat()
    assert written == (expected if zone is not None else expected + "+00:00")


def test_chunks_mixing_zones_keep_each_readings_offset() -> None:
    base = datetime(2023, 3, 26, 0, 30)
    points: List[ArchFXDataPoint] = []
    for i in range(300):
        zone = (FIXED_ZONES + [tz.gettz("Europe/Madrid"), None])[i % (len(FIXED_ZONES) + 2)]
        points.append(ArchFXDataPoint((base + timedelta(minutes=7 * i, microseconds=i)).replace(tzinfo=zone),
                                      1, float(i), reading_id=i + 1))
    events = msgpack.unpackb(ArchFXFlexibleDictionaryReport.FromReadings(1, points).encode())["events"]
    assert [e["timestamp"] for e in events] == [encode_datetime(p.timestamp) for p in points]


def test_seed_readings_with_dateutil_tzutc_are_written_as_upstream() -> None:
    stamp = dateutil.parser.parse("2021-01-20T00:00:00.100000Z")
    assert stamp.utcoffset() == timedelta(0)
    event = msgpack.unpackb(ArchFXFlexibleDictionaryReport.FromReadings(
        "d--1234", [ArchFXDataPoint(stamp, "0001-5090", 2.0, reading_id=1000)]).encode())["events"][0]
    assert event["timestamp"] == "2021-01-20T00:00:00.100000+00:00"


def test_timestamps_module_helpers() -> None:
    assert timestamps.fixed_offset(tz.tzoffset(None, 60), datetime(2020, 1, 1)) == timedelta(minutes=1)
    assert timestamps.fixed_offset(tz.gettz("Europe/Madrid"), datetime(2020, 1, 1)) is None
    with pytest.raises(ValueError, match="no timestamp"):
        parse_timestamp(None)
    with pytest.raises(ValueError, match="ISO 8601 text"):
        parse_timestamp(12)
