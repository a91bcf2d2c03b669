"""report.upload(api) against a small real HTTP server on 127.0.0.1 that reads the multipart
upload the way the cloud does and answers with the count of readings it had not seen."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Set

from werkzeug.wrappers import Request, Response

from archfx_cloud.api.connection import Api
from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport, split_readings
from archfx_cloud.reports.report import ArchFXDataPoint

T0 = datetime(2021, 1, 20, tzinfo=timezone.utc)


class ReportSink:
    """``POST /api/v1/streamer/report/?timestamp=...`` with a ``file`` part: count novel readings."""

    def __init__(self) -> None:
        self.seen: Set[int] = set()
        self.requests: List[Dict[str, Any]] = []

    def __call__(self, environ: Dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.method != "POST" or request.path != "/api/v1/streamer/report/" or "file" not in request.files:
            return Response("not found", status=404)(environ, start_response)
        upload = request.files["file"]
        report = ArchFXFlexibleDictionaryReport(upload.read(), False, False)
        fresh = {r.reading_id for r in report.visible_data} - self.seen
        self.seen |= fresh
        self.requests.append({"filename": upload.filename, "timestamp": request.args.get("timestamp"),
                              "report_id": report.report_id})
        return Response(json.dumps({"count": len(fresh)}), content_type="application/json")(environ, start_response)


def _readings(count: int) -> List[ArchFXDataPoint]:
    return [ArchFXDataPoint(T0 + timedelta(seconds=i), "0001-5090", float(i), {"i": i}, reading_id=1000 + i)
            for i in range(count)]


def test_upload_returns_the_servers_count(serve_wsgi: Callable[..., Any]) -> None:
    sink = ReportSink()
    server = serve_wsgi(sink)
    api = Api(server.url)
    report = ArchFXFlexibleDictionaryReport.FromReadings("d--1234", _readings(3), report_id=1003, streamer=0xFF,
                                                         sent_timestamp=T0)
    assert report.upload(api) == 3
    assert report.upload(api) == 0  # re-uploading is harmless: nothing new
    assert sink.requests[0] == {"filename": "report.mp", "timestamp": "2021-01-20T00:00:00+00:00", "report_id": 1003}


def test_split_reports_upload_in_turn(serve_wsgi: Callable[..., Any]) -> None:
    sink = ReportSink()
    api = Api(serve_wsgi(sink).url)
    reports = split_readings("d--1234", _readings(25), max_readings=10, report_id=50, sent_timestamp=T0)
    assert sum(report.upload(api) for report in reports) == 25
    assert [r["report_id"] for r in sink.requests] == [50, 51, 52]
