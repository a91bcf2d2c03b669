"""The ArchFX Cloud leg of the tour (``python -m archfx_cloud.tour --only archfx_cloud``)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable

READINGS = 10_000


def run(say: Callable[[str], None]) -> None:
    """Log in, create an org, a site and a device, upload a 10,000-reading streamer report
    twice (stored once), page through the data and log out, against the local emulator."""
    from ..api.connection import Api
    from ..reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
    from ..reports.report import ArchFXDataPoint
    from .emulator import ArchFxEmulator

    with ArchFxEmulator() as emu, Api(domain=emu.url) as api:
        say(f"ArchFX emulator on {emu.url}")
        if not api.login(email=emu.email, password=emu.password):
            raise RuntimeError("login to the emulator failed")
        say(f"logged in as {api.username}; header {api.session.headers['Authorization'].split()[0]} <token>")
        org = api.org.post({"name": "Tour Widgets"})
        site = api.site.post({"name": "Tour Plant", "org": org["slug"]})
        device = api.device.post({"label": "Tour tap", "org": org["slug"], "site": site["slug"]})
        say(f"created org {org['slug']}, site {site['slug']}, device {device['slug']}")

        start = datetime(2024, 1, 1, tzinfo=timezone.utc)
        readings = [ArchFXDataPoint(timestamp=start + timedelta(seconds=i), stream="0001-5051", value=float(i % 97),
                                    summary_data={"shift": i // 2500}, reading_id=i + 1) for i in range(READINGS)]
        began = time.perf_counter()
        report = ArchFXFlexibleDictionaryReport.FromReadings(device=device["slug"], data=readings, report_id=1,
                                                             sent_timestamp=start + timedelta(days=1))
        encoded = report.encode()
        say(f"built a streamer report of {READINGS:,} readings ({len(encoded) / 1024:.0f} KiB) in "
            f"{time.perf_counter() - began:.2f} s")
        first = report.upload(api)
        again = report.upload(api)
        say(f"uploaded it twice: {first:,} readings stored, then {again:,} (duplicates skipped); "
            f"the cloud holds {emu.app.readings_stored:,}")

        streams = api.stream.get(device=device["slug"])["results"]
        stream = streams[0]["slug"]
        pages = 0
        count = 0
        total = 0.0
        page = api.data.get(filter=stream, page_size=1000)
        while True:
            pages += 1
            count += len(page["results"])
            total += sum(r["value"] for r in page["results"])
            if not page["next"]:
                break
            page = api.rest_client.request("GET", page["next"])
        say(f"paged through {stream}: {count:,} readings in {pages} pages of 1,000 (sum of values {total:,.0f})")
        listed = sum(1 for _ in api.data.iterate(filter=stream, page_size=1000))
        say(f"api.data.iterate(filter=...) walks the same {listed:,} readings without a loop of your own")
        api.logout()
        say(f"logged out; Authorization header present: {'Authorization' in api.session.headers}")
