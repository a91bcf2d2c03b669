"""Readings and flexible dictionary reports: behaviour, upstream compatibility, bad input."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List

import msgpack
import pytest
from dateutil import tz

from archfx_cloud.reports.exceptions import DataError
from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport, _encode_datetime
from archfx_cloud.reports.report import ArchFXDataPoint, ArchFXReport

UTC = timezone.utc
T0 = datetime(2021, 1, 20, 0, 0, 0, 100000, UTC)


def _reading(**overrides: Any) -> ArchFXDataPoint:
    kwargs: dict = dict(timestamp=T0, stream="0001-5030", value=2.0, summary_data={"foo": 5}, reading_id=1000)
    kwargs.update(overrides)
    return ArchFXDataPoint(**kwargs)


def _report(readings: List[ArchFXDataPoint], **kwargs: Any) -> ArchFXFlexibleDictionaryReport:
    return ArchFXFlexibleDictionaryReport.FromReadings(device="d--1234", data=readings, **kwargs)


# --- readings ----------------------------------------------------------------------------

def test_reading_attributes_like_upstream() -> None:
    reading = ArchFXDataPoint(T0, (1, 0x5030), 3, reading_id=None)
    assert reading.stream == 0x15030 and isinstance(reading.stream, int)
    assert reading.value == 3.0 and isinstance(reading.value, float)
    assert reading.reading_id == ArchFXDataPoint.InvalidReadingID == 0
    assert reading.summary_data == {} and reading.raw_data is None
    assert ArchFXDataPoint.InvalidRawTime == 0xFFFFFFFF
    assert reading.asdict() == {"stream": 0x15030, "dev_seqid": 0, "timestamp": T0, "value": 3.0,
                                "extra_data": {}, "data": None}
    assert reading.asdict()["extra_data"] is reading.summary_data  # a reference, as upstream
    assert str(reading) == f"Stream {0x15030}: Data at {T0}, value 3.0"
    assert "stream=0x00015030" in repr(reading)
    reading.note = "callers may still hang their own attributes on readings"
    assert reading.note


def test_from_dict_parses_text_timestamps_and_accepts_datetimes() -> None:
    back = ArchFXDataPoint.FromDict({"timestamp": "2020-01-20T01:12:00Z", "stream": "5020", "value": 0,
                                     "dev_seqid": 3, "extra_data": {"axis": "z"}})
    assert back.timestamp == datetime(2020, 1, 20, 1, 12, tzinfo=UTC)
    assert (back.stream, back.value, back.reading_id, back.summary_data) == (0x5020, 0.0, 3, {"axis": "z"})
    assert ArchFXDataPoint.FromDict(_reading().asdict()).asdict() == _reading().asdict()


@pytest.mark.parametrize("kwargs, message", [
    (dict(summary_data={"value": 1}), "value is not a valid field for summary_data"),
    (dict(timestamp=None), "no timestamp"),
    (dict(timestamp=1611100800), "must be a datetime or ISO 8601 text"),
    (dict(timestamp="yesterday-ish"), "not a valid date"),
    (dict(value="abc"), "must be a number"),
    (dict(value=None), "must be a number"),
    (dict(value=[1]), "must be a number"),
    (dict(stream="zz"), "invalid stream 'zz'"),
    (dict(stream=None), "invalid stream None"),
    (dict(stream=2 ** 32), "invalid stream"),
    (dict(summary_data=[1, 2]), "summary_data must be a dict"),
    (dict(reading_id="7"), "reading_id must be an int"),
    (dict(reading_id=True), "reading_id must be an int"),
])
def test_bad_readings_raise_data_error(kwargs: dict, message: str) -> None:
    with pytest.raises(DataError, match=message) as excinfo:
        _reading(**kwargs)
    assert isinstance(excinfo.value, ValueError)


def test_data_error_shape() -> None:
    error = DataError("bad thing", key="x" * 500, index=3)
    assert error.msg == "bad thing" and error.params == {"key": "x" * 500, "index": 3}
    assert str(error).startswith("bad thing (key='xxx") and len(str(error)) < 150
    assert error.format().startswith("DataError: bad thing")
    assert error.format(exclude_class=True) == str(error)
    assert str(DataError("plain")) == "plain"
    with pytest.raises(ValueError):
        raise DataError("caught as ValueError too")


# --- encoding ----------------------------------------------------------------------------

def test_upstream_usage_example_layout() -> None:
    readings = [
        _reading(summary_data={"foo": 5, "bar": "foobar"}, raw_data=None, reading_id=1000),
        _reading(timestamp=T0 + timedelta(milliseconds=100), stream=0x15030, value=3.0,
                 summary_data={"foo": 6, "bar": "foobar"}, reading_id=1001),
        _reading(timestamp=T0 + timedelta(milliseconds=100), stream="5051", value=1.0, summary_data=None,
                 reading_id=1002),
    ]
    report = _report(readings, report_id=1003, streamer=0xFF, sent_timestamp=T0 + timedelta(milliseconds=200))
    decoded = msgpack.unpackb(report.encode(), raw=False)
    assert list(decoded) == ["format", "device", "streamer_index", "streamer_selector", "seqid", "lowest_id",
                             "highest_id", "sent_timestamp", "events"]
    assert decoded["format"] == "v200" and decoded["device"] == 0x1234
    assert (decoded["streamer_index"], decoded["streamer_selector"], decoded["seqid"]) == (0xFF, 0xFFFF, 1003)
    assert (decoded["lowest_id"], decoded["highest_id"]) == (1000, 1002)
    assert decoded["sent_timestamp"] == "2021-01-20T00:00:00.300000+00:00"
    events = decoded["events"]
    assert [list(e) for e in events] == [["stream", "dev_seqid", "timestamp", "value", "extra_data", "data"]] * 3
    assert [e["timestamp"] for e in events] == ["2021-01-20T00:00:00.100000+00:00",
                                                "2021-01-20T00:00:00.200000+00:00",
                                                "2021-01-20T00:00:00.200000+00:00"]
    assert [e["stream"] for e in events] == [0x15030, 0x15030, 0x5051]
    assert events[2]["extra_data"] == {} and events[2]["data"] is None


def test_timestamps_in_any_zone_are_written_in_utc() -> None:
    stamps = [
        datetime(2022, 5, 1, 8, 30),  # naive: taken as UTC
        datetime(2022, 5, 1, 10, 30, tzinfo=timezone(timedelta(hours=2))),
        datetime(2022, 5, 1, 8, 30, tzinfo=tz.tzutc()),
        datetime(2022, 5, 1, 3, 30, 0, 1, tzinfo=tz.gettz("America/New_York")),
    ]
    events = msgpack.unpackb(_report([_reading(timestamp=t) for t in stamps]).encode())["events"]
    assert [e["timestamp"] for e in events] == ["2022-05-01T08:30:00+00:00"] * 3 + ["2022-05-01T07:30:00.000001+00:00"]
    assert _encode_datetime(datetime(2021, 1, 1)) == "2021-01-01T00:00:00+00:00"


def test_text_timestamps_are_written_verbatim_as_upstream() -> None:
    report = _report([_reading(timestamp="2021-01-20T00:00:00Z")])
    assert msgpack.unpackb(report.encode())["events"][0]["timestamp"] == "2021-01-20T00:00:00Z"
    assert report.visible_data[0].timestamp == datetime(2021, 1, 20, tzinfo=UTC)


def test_nested_datetimes_and_bytes() -> None:
    raw = {"when": datetime(2021, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "blob": b"\x00\x01"}
    report = _report([_reading(summary_data={"at": datetime(2021, 1, 1)}, raw_data=raw)])
    event = msgpack.unpackb(report.encode(), raw=False)["events"][0]
    assert event["extra_data"] == {"at": "2021-01-01T00:00:00+00:00"}
    assert event["data"] == {"when": "2021-01-01T00:00:00+00:00", "blob": b"\x00\x01"}


def test_lowest_and_highest_ignore_reading_id_zero() -> None:
    report = _report([_reading(reading_id=0), _reading(reading_id=7), _reading(reading_id=3), _reading(reading_id=0)])
    assert (report.lowest_id, report.highest_id) == (3, 7)
    assert (_report([_reading(reading_id=0)]).lowest_id, _report([]).highest_id) == (0, 0)


def test_readings_may_be_a_generator_and_foreign_objects_with_asdict() -> None:
    class Legacy:
        reading_id = 9

        def asdict(self) -> dict:
            return {"stream": 1, "dev_seqid": 9, "timestamp": datetime(2021, 1, 1), "value": 1.5,
                    "extra_data": {}, "data": None}

    report = _report(r for r in [_reading(reading_id=1), Legacy()])  # type: ignore[misc]
    assert report.highest_id == 9
    assert report.visible_data[1].timestamp == datetime(2021, 1, 1, tzinfo=UTC)
    with pytest.raises(DataError, match="reading #1 is not an ArchFXDataPoint"):
        _report([_reading(), object()])  # type: ignore[list-item]


@pytest.mark.parametrize("mutate, message", [
    (lambda r: setattr(r, "timestamp", None), r"reading #1: a reading has no timestamp"),
    (lambda r: setattr(r, "raw_data", {1, 2}), r"reading #1 cannot be encoded: cannot encode set"),
    (lambda r: setattr(r, "reading_id", 2 ** 70), r"reading #1 cannot be encoded"),
])
def test_readings_changed_after_construction_are_still_checked(mutate: Any, message: str) -> None:
    bad = _reading()
    mutate(bad)
    with pytest.raises(DataError, match=message):
        _report([_reading(), bad])


@pytest.mark.parametrize("kwargs, message", [
    (dict(device="x--1"), "invalid device"),
    (dict(device=None), "invalid device"),
    (dict(report_id="1"), "report_id must be an int"),
    (dict(selector=None), "selector must be an int"),
    (dict(streamer=1.0), "streamer must be an int"),
    (dict(sent_timestamp=1611100800), "sent_timestamp must be"),
    (dict(report_id=2 ** 64), "header cannot be encoded"),
])
def test_bad_report_fields(kwargs: dict, message: str) -> None:
    args: dict = dict(device="d--1234", data=[_reading()])
    args.update(kwargs)
    with pytest.raises(DataError, match=message):
        ArchFXFlexibleDictionaryReport.FromReadings(**args)


def test_sent_timestamp_forms() -> None:
    assert _report([]).sent_timestamp is None
    assert _report([], sent_timestamp="2021-01-21T12:00:00").sent_timestamp == "2021-01-21T12:00:00"
    naive = _report([], sent_timestamp=datetime(2021, 1, 21, 12))
    assert naive.sent_timestamp == "2021-01-21T12:00:00+00:00"
    assert ArchFXFlexibleDictionaryReport(naive.encode(), False, False).sent_timestamp == naive.sent_timestamp


# --- decoding ----------------------------------------------------------------------------

def _packed(**fields: Any) -> bytes:
    report = {"format": "v200", "device": 10, "streamer_index": 100, "streamer_selector": 65536,
              "sent_timestamp": 1, "seqid": 1, "lowest_id": 2, "highest_id": 3,
              "events": [{"stream": "5020", "timestamp": "2020-01-20T00:00:00.100000Z", "dev_seqid": 2, "value": 0,
                          "extra_data": {"axis": "z", "peak": 45.4}}]}
    report.update(fields)
    return msgpack.packb({k: v for k, v in report.items() if v is not _DROP}, use_bin_type=True)


_DROP = object()


def test_decodes_reports_written_by_others() -> None:
    report = ArchFXFlexibleDictionaryReport(_packed(), False, False)
    reading = report.visible_data[0]
    assert reading.timestamp == datetime(2020, 1, 20, 0, 0, 0, 100000, UTC)
    assert (reading.stream, reading.value, reading.summary_data) == (0x5020, 0.0, {"axis": "z", "peak": 45.4})
    assert (report.origin, report.report_id, report.sent_timestamp) == (10, 1, 1)
    assert (report.origin_streamer, report.streamer_selector, report.lowest_id, report.highest_id) == (100, 65536, 2, 3)
    bare = ArchFXFlexibleDictionaryReport(msgpack.packb({"device": 5}), False, False)
    assert bare.visible_data == [] and bare.report_id == 0 and bare.sent_timestamp is None


def test_decode_keeps_sent_timestamp_text_and_received_time() -> None:
    received = datetime(2021, 1, 1)
    report = _report([_reading()], sent_timestamp=T0, received_time=received)
    assert report.received_time is received
    fresh = ArchFXFlexibleDictionaryReport(report.encode(), False, False)
    assert fresh.received_time.tzinfo is None
    assert abs(fresh.received_time - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=5)
    assert fresh.sent_timestamp == "2021-01-20T00:00:00.100000+00:00"


@pytest.mark.parametrize("raw, message", [
    (b"", "truncated"),
    (b"\x89\xa6format", "truncated"),
    (b"\xc1", "not a msgpack v200 report"),
    (b"hello world", "not a msgpack v200 report"),
    (msgpack.packb([1, 2]), "not a msgpack v200 report"),
    (msgpack.packb({"device": 1}) + b"\x00", "1 bytes follow it"),
    (msgpack.packb({"device": 1, "events": 5}), "events must be an array"),
    (msgpack.packb({"device": 1, "events": [5]}), "event #0 is not a map"),
    (msgpack.packb({"events": []}), "did not have a device key"),
    (_packed(events=[{"stream": 1, "value": 1.0}]), "event #0 has no timestamp"),
    (_packed(events=[{"stream": 1, "value": "x", "timestamp": "2020-01-01T00:00:00Z"}]), "event #0: .*number"),
    (_packed(events=[{"stream": 1, "value": 1, "timestamp": "2020-01-01T00:00:00Z", "extra_data": {"value": 1}}]),
     "event #0: value is not a valid field"),
    (_packed(events=[{"stream": 1, "value": 1, "timestamp": "not a date"}]), "event #0: .*not a valid date"),
    (_packed(events=[{"stream": 1, "value": 1, "timestamp": 12}]), "event #0: .*ISO 8601"),
    ("text, not bytes", "must be bytes"),
])
def test_bad_reports_raise_data_error(raw: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        ArchFXFlexibleDictionaryReport(raw, False, False)


def test_truncation_anywhere_is_detected() -> None:
    raw = _report([_reading(reading_id=i) for i in range(1, 40)]).encode()
    for cut in range(0, len(raw) - 1, 7):
        with pytest.raises(DataError, match="truncated|not a msgpack"):
            ArchFXFlexibleDictionaryReport(raw[:cut], False, False)


def test_built_reports_decode_lazily_and_iterate() -> None:
    readings = [_reading(reading_id=i) for i in range(1, 6)]
    report = _report(readings, report_id=9)
    assert report._visible_data is None and "visible data: 5" in str(report)
    assert [r.reading_id for r in report.iter_readings()] == [1, 2, 3, 4, 5]
    assert [r.reading_id for r in report.visible_data] == [1, 2, 3, 4, 5]
    assert report.decode()[0].asdict()["timestamp"] == T0
    as_dict = report.asdict()
    assert as_dict["seqid"] == 9 and len(as_dict["events"]) == 5


def test_serialize_and_base_report() -> None:
    report = _report([_reading()])
    info = report.serialize()
    assert info["report_format"] == "v200" and info["encoded_report"] == report.encode()
    assert info["origin"] == 0x1234 and info["received_time"] == report.received_time
    opaque = ArchFXReport(b"\x01\x02", signed=True, encrypted=True)
    assert opaque.visible_data == [] and opaque.serialize()["report_format"] == 1
    assert str(opaque) == "ArchFX Report (length: 2, visible data: 0, not verified and encrypted)"


def test_save_accepts_paths(tmp_path: Path) -> None:
    report = _report([_reading()])
    report.save(str(tmp_path / "a.mp"))
    assert ArchFXFlexibleDictionaryReport((tmp_path / "a.mp").read_bytes(), False, False).origin == 0x1234


# --- large reports -----------------------------------------------------------------------

def _many(count: int) -> List[ArchFXDataPoint]:
    zones = [None, UTC, timezone(timedelta(hours=-3))]
    return [ArchFXDataPoint(datetime(2023, 1, 1, tzinfo=zones[i % 3]) + timedelta(seconds=i, microseconds=i % 7),
                            0x15001, i / 4, {"i": i} if i % 5 == 0 else None, reading_id=i)
            for i in range(count)]


def test_multi_chunk_report_equals_one_whole_dict_packb() -> None:
    readings = _many(10_000)  # more than one 4096-reading chunk
    report = _report(readings, report_id=3, sent_timestamp=T0)
    whole = msgpack.packb({
        "format": "v200", "device": 0x1234, "streamer_index": 0x100, "streamer_selector": 0xFFFF, "seqid": 3,
        "lowest_id": 1, "highest_id": 9_999, "sent_timestamp": T0, "events": [r.asdict() for r in readings],
    }, default=_encode_datetime, use_bin_type=True)
    assert report.encode() == whole
    assert [r.reading_id for r in report.iter_readings()] == list(range(10_000))


def test_decoding_restores_the_garbage_collector_state() -> None:
    import gc

    raw = _report(_many(12_000)).encode()
    assert len(raw) > 1 << 20  # big enough for the decoder to pause the cyclic GC
    assert gc.isenabled()
    assert len(ArchFXFlexibleDictionaryReport(raw, False, False).visible_data) == 12_000
    assert gc.isenabled()
    with pytest.raises(DataError):
        ArchFXFlexibleDictionaryReport(raw[:-10], False, False)
    assert gc.isenabled()
    gc.disable()
    try:
        ArchFXFlexibleDictionaryReport(raw, False, False)
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()
