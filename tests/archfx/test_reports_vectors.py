"""Every archfx-cloud 0.17.0 report vector (tests/archfx/vectors/archfx_reports) byte for byte."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

import msgpack
import pytest

from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
from archfx_cloud.reports.report import ArchFXDataPoint

VECTORS = Path(__file__).parent / "vectors" / "archfx_reports"
CASES: List[Dict[str, Any]] = json.loads((VECTORS / "cases.json").read_text())["cases"]


def _readings(case: Dict[str, Any]) -> List[ArchFXDataPoint]:
    readings = []
    for given in case["from_readings"]["readings"]:
        kwargs = dict(given)
        kwargs["timestamp"] = datetime.fromisoformat(kwargs["timestamp"])
        if isinstance(kwargs["stream"], list):
            kwargs["stream"] = tuple(kwargs["stream"])
        readings.append(ArchFXDataPoint(**kwargs))
    return readings


def _from_readings(case: Dict[str, Any]) -> ArchFXFlexibleDictionaryReport:
    kwargs = {k: v for k, v in case["from_readings"].items() if k != "readings"}
    if "sent_timestamp" in kwargs:
        kwargs["sent_timestamp"] = datetime.fromisoformat(kwargs["sent_timestamp"])
    return ArchFXFlexibleDictionaryReport.FromReadings(data=_readings(case), **kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_from_readings_reproduces_the_file(case: Dict[str, Any], tmp_path: Path) -> None:
    expected = (VECTORS / case["file"]).read_bytes()
    assert hashlib.sha256(expected).hexdigest() == case["sha256"]
    report = _from_readings(case)
    assert report.encode() == expected
    report.save(tmp_path / "saved.mp")
    report.write(tmp_path / "written.mp")
    assert (tmp_path / "saved.mp").read_bytes() == expected == (tmp_path / "written.mp").read_bytes()
    # built reports carry the attributes a decoder would set, without decoding
    assert {k: getattr(report, k) for k in case["decoded"]} == case["decoded"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_decoding_the_file(case: Dict[str, Any]) -> None:
    raw = (VECTORS / case["file"]).read_bytes()
    report = ArchFXFlexibleDictionaryReport(raw, False, False)
    assert {k: getattr(report, k) for k in case["decoded"]} == case["decoded"]
    given = _readings(case)
    assert len(report.visible_data) == len(given)
    events = msgpack.unpackb(raw, raw=False)["events"]
    for reading, original, event in zip(report.visible_data, given, events):
        assert isinstance(reading, ArchFXDataPoint)
        assert reading.stream == original.stream
        assert reading.reading_id == original.reading_id
        assert reading.value == original.value
        assert reading.summary_data == original.summary_data
        assert reading.raw_data == original.raw_data
        sent = original.timestamp
        assert reading.timestamp == (sent if sent.tzinfo else sent.replace(tzinfo=timezone.utc))  # naive = UTC
        assert reading.timestamp.isoformat() == event["timestamp"]
    # the lazily decoded readings of a built report are the same
    built = _from_readings(case)
    assert [r.asdict() for r in built.visible_data] == [r.asdict() for r in report.visible_data]
    # and re-encoding the decoded readings gives the same bytes again
    again = ArchFXFlexibleDictionaryReport.FromReadings(
        report.origin, report.visible_data, report_id=report.report_id, selector=report.streamer_selector,
        streamer=report.origin_streamer, sent_timestamp=report.sent_timestamp)
    assert again.encode() == raw


def test_vector_set_is_complete() -> None:
    files = sorted(p.name for p in VECTORS.glob("*.mp"))
    assert files == sorted(c["file"] for c in CASES)
