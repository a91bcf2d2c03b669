"""The ArchFX emulator's own behaviour: DRF shapes, auth prefixes, reports, data listing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from archfx_cloud.api.connection import Api
from archfx_cloud.api.exceptions import HttpClientError, HttpNotFoundError, HttpUnauthorizedError
from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
from archfx_cloud.reports.report import ArchFXDataPoint
from archfx_cloud.testing.emulator import ArchFxEmulator

T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)


def readings(n: int, first_id: int = 1, stream: str = "0001-5051"):
    return [ArchFXDataPoint(timestamp=T0 + timedelta(minutes=first_id - 1 + i), stream=stream, value=float(i),
                            reading_id=first_id + i) for i in range(n)]


def test_emulator_exposes_url_domain_and_credentials() -> None:
    with ArchFxEmulator() as emu:
        assert emu.url == emu.domain and emu.url.startswith("http://127.0.0.1:")
        assert emu.api_url == emu.url + "/api/v1"
        api = Api(domain=emu.url)
        assert api.login(email=emu.email, password=emu.password)
        url = emu.url
    with pytest.raises(requests.exceptions.ConnectionError):  # stopped: nothing listens any more
        Api(domain=url, retries=0).login(email=emu.email, password=emu.password)


def test_extra_users(archfx_emulator: ArchFxEmulator) -> None:
    archfx_emulator.add_user("ops@example.com", "s3cret", username="ops")
    api = Api(archfx_emulator.url)
    assert api.login("s3cret", "ops@example.com") and api.username == "ops"
    assert api.account.get()["results"][0]["email"] == "ops@example.com"


@pytest.mark.parametrize("header", [None, "Bearer {jwt}", "jwt", "jwt None", "token {jwt}", "jwt {drf}"])
def test_wrong_or_missing_credentials_are_401(archfx_emulator: ArchFxEmulator, header) -> None:
    jwt, _ = archfx_emulator.issue_jwt()
    headers = {"Authorization": header.format(jwt=jwt, drf=archfx_emulator.token)} if header else {}
    answer = requests.get(archfx_emulator.api_url + "/org/", headers=headers, timeout=10)
    assert answer.status_code == 401 and "detail" in answer.json()


def test_missing_trailing_slash_redirects(archfx_emulator: ArchFxEmulator) -> None:
    answer = requests.get(archfx_emulator.api_url + "/org", allow_redirects=False, timeout=10)
    assert answer.status_code in (301, 308) and answer.headers["Location"].endswith("/api/v1/org/")


def test_drf_pagination_links_and_invalid_page(archfx_api: Api) -> None:
    for i in range(5):
        archfx_api.org.post({"name": f"Org {i}"})
    first = archfx_api.org.get(page_size=2)
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert first["next"].endswith("/api/v1/org/?page_size=2&page=2")
    last = archfx_api.org.get(page_size=2, page=3)
    assert last["next"] is None and last["previous"].endswith("/api/v1/org/?page_size=2&page=2")
    with pytest.raises(HttpNotFoundError) as info:
        archfx_api.org.get(page=9)
    assert json.loads(info.value.content) == {"detail": "Invalid page."}


def test_slugs_filters_and_nested_actions(archfx_api: Api) -> None:
    org = archfx_api.org.post({"name": "Acme Corp"})
    assert org["slug"] == "acme-corp"
    assert archfx_api.org.post({"name": "Acme Corp"})["slug"] == "acme-corp-2"
    site = archfx_api.site.post({"name": "Plant", "org": org["slug"]})
    area = archfx_api.area.post({"name": "Hall", "org": org["slug"], "site": site["slug"]})
    line = archfx_api.line.post({"name": "L1", "org": org["slug"], "site": site["slug"], "area": area["slug"]})
    machine = archfx_api.machine.post({"name": "Press", "org": org["slug"], "line": line["slug"]})
    device = archfx_api.device.post({"label": "tap", "org": org["slug"], "machine": machine["slug"],
                                     "line": line["slug"]})
    assert (site["slug"], area["slug"], line["slug"]) == ("ps--0000-0001", "pa--0000-0001", "pl--0000-0001")
    assert machine["slug"] == "d--0000-0001-0000-0001" and device["slug"] == "d--0000-0000-0000-0001"
    assert [d["slug"] for d in archfx_api.machine(machine["slug"]).devices.get()] == [device["slug"]]
    assert archfx_api.site.get(org=org["slug"])["count"] == 1
    assert archfx_api.site.get(org__slug="acme-corp-2")["count"] == 0
    assert archfx_api.device.get(project=line["slug"])["count"] == 1
    assert archfx_api.device.get(unknown_filter="x")["count"] == 1  # unknown filters are ignored, as DRF
    stream = archfx_api.stream.post({"parent": line["slug"], "device": device["slug"], "variable": "5051"})
    assert stream["slug"] == "sl--0000-0001--0000-0000-0000-0001--0000-5051"
    assert archfx_api.line(line["slug"]).streams.get()[0]["slug"] == stream["slug"]
    with pytest.raises(HttpClientError) as info:
        archfx_api.site.post({"org": org["slug"]})
    assert json.loads(info.value.content) == {"name": ["This field is required."]}


def test_report_upload_dedupes_and_data_filters(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    site = archfx_api.site.post({"name": "Plant", "org": archfx_api.org.post({"name": "o"})["slug"]})
    archfx_api.device.post({"slug": "d--0000-0000-0000-00aa", "site": site["slug"]})
    first = ArchFXFlexibleDictionaryReport.FromReadings(device=0xAA, data=readings(30), report_id=1)
    assert first.upload(archfx_api) == 30
    assert first.upload(archfx_api) == 0
    overlapping = ArchFXFlexibleDictionaryReport.FromReadings(device=0xAA, data=readings(20, first_id=21),
                                                              report_id=2)
    assert overlapping.upload(archfx_api) == 10  # ids 21..30 were stored already
    assert archfx_emulator.app.readings_stored == 40
    stream = "ss--0000-0001--0000-0000-0000-00aa--0001-5051"
    assert archfx_api.stream(stream).get()["device"] == "d--0000-0000-0000-00aa"
    data = list(archfx_api.data.iterate(filter=stream, page_size=7))
    assert [r["dev_seqid"] for r in data] == list(range(1, 41))
    assert data[0] == {"stream": stream, "device": "d--0000-0000-0000-00aa", "timestamp": "2024-03-01T00:00:00.000000Z",
                       "value": 0.0, "dev_seqid": 1, "extra_data": {}}
    window = archfx_api.data.get(filter=stream, start="2024-03-01T00:10:00Z", end="2024-03-01T00:15:00Z")
    assert [r["dev_seqid"] for r in window["results"]] == [11, 12, 13, 14, 15]
    with pytest.raises(HttpClientError):
        archfx_api.data.get()


def test_bad_reports_and_unknown_devices_are_400(archfx_api: Api) -> None:
    report = ArchFXFlexibleDictionaryReport.FromReadings(device=0xBB, data=readings(2), report_id=1)
    with pytest.raises(HttpClientError) as info:
        report.upload(archfx_api)
    assert json.loads(info.value.content) == {"device": ["Device d--0000-0000-0000-00bb does not exist."]}
    archfx_api.device.post({"slug": "d--00bb"})
    encoded = report.encode()
    for broken in (encoded[:-5], b"\xc1not msgpack", b""):
        with pytest.raises(HttpClientError) as info:
            archfx_api.streamer.report.upload_fp(("report.mp", broken))
        assert info.value.status_code == 400
    with pytest.raises(HttpClientError):
        archfx_api.streamer.report.post({"no": "file"})
    assert report.upload(archfx_api) == 2


def test_access_token_lifetime_and_logout_revocation(archfx_emulator: ArchFxEmulator) -> None:
    api = Api(archfx_emulator.url)
    api.login(email=archfx_emulator.email, password=archfx_emulator.password)
    revoked = api.token
    api.logout()
    stale = Api(archfx_emulator.url)
    stale.set_token(revoked)
    with pytest.raises(HttpUnauthorizedError):
        stale.org.get()


# --------------------------------------------------------------------------- the emulator's own report decoder
def _hand_packed(device: int, events: list) -> bytes:
    """A v200 report packed here with msgpack directly, not with the client's encoder."""
    import msgpack

    return msgpack.packb({"format": "v200", "device": device, "streamer_index": 0x100, "streamer_selector": 0xFFFF,
                          "seqid": 1, "lowest_id": 1, "highest_id": len(events), "sent_timestamp": None,
                          "events": events}, use_bin_type=True)


def test_uploads_are_read_by_the_emulators_own_decoder(archfx_api: Api, archfx_emulator: ArchFxEmulator,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken client decoder must not change what the emulator stores: it never calls it."""
    from archfx_cloud.reports import codec, flexible_dictionary

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the emulator used the client's report decoder")

    archfx_api.device.post({"slug": "d--0000-0000-0000-00cc"})
    report = ArchFXFlexibleDictionaryReport.FromReadings(device=0xCC, data=readings(3), report_id=1)
    monkeypatch.setattr(codec, "read_report", broken)
    monkeypatch.setattr(codec, "_points_from_events", broken)
    monkeypatch.setattr(flexible_dictionary, "read_report", broken)
    monkeypatch.setattr(ArchFXFlexibleDictionaryReport, "decode", broken)
    assert report.upload(archfx_api) == 3
    stream = "sd--0000-0000--0000-0000-0000-00cc--0001-5051"
    assert [r["timestamp"] for r in archfx_api.data.get(filter=stream)["results"]] == [
        "2024-03-01T00:00:00.000000Z", "2024-03-01T00:01:00.000000Z", "2024-03-01T00:02:00.000000Z"]


def test_hand_packed_reports_with_any_iso_form(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    archfx_api.device.post({"slug": "d--0000-0000-0000-00dd"})
    events = [{"stream": 0x15051, "dev_seqid": i + 1, "timestamp": stamp, "value": float(i), "extra_data": {},
               "data": None}
              for i, stamp in enumerate(["2024-03-01T00:00:00Z", "2024-03-01T02:00:01.5+02:00",
                                         "2024-03-01T00:00:02", "2024-02-29T19:00:03.000001-05:00"])]
    raw = _hand_packed(0xDD, events)
    assert archfx_api.streamer.report.upload_fp(("report.mp", raw))["count"] == 4
    assert archfx_api.streamer.report.upload_fp(("report.mp", raw))["count"] == 0
    stream = "sd--0000-0000--0000-0000-0000-00dd--0001-5051"
    got = archfx_api.data.get(filter=stream)["results"]
    assert [r["timestamp"] for r in got] == ["2024-03-01T00:00:00.000000Z", "2024-03-01T00:00:01.500000Z",
                                             "2024-03-01T00:00:02.000000Z", "2024-03-01T00:00:03.000001Z"]
    # and what the client decodes from the same bytes agrees with the emulator
    decoded = ArchFXFlexibleDictionaryReport(raw, False, False).visible_data
    assert [p.timestamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ") for p in decoded] == \
        [r["timestamp"] for r in got]


@pytest.mark.parametrize("raw, message", [
    (b"\xc1", "not one msgpack object"),
    (b"\x93\x01\x02\x03", "expected a map"),
    (b"\x81\xa6device\x01", "unknown format"),
    (_hand_packed(-1, []), "'device' must be"),
    (_hand_packed(0xEE, [1]), "event #0 is not a map"),
    (_hand_packed(0xEE, [{"stream": "x", "value": 1.0, "timestamp": "2024-03-01T00:00:00Z"}]), "'stream'"),
    (_hand_packed(0xEE, [{"stream": 1, "value": "x", "timestamp": "2024-03-01T00:00:00Z"}]), "'value'"),
    (_hand_packed(0xEE, [{"stream": 1, "value": 1.0}]), "'timestamp'"),
    (_hand_packed(0xEE, [{"stream": 1, "value": 1.0, "timestamp": "yesterday"}]), "is not ISO 8601"),
    (_hand_packed(0xEE, [{"stream": 1, "value": 1.0, "timestamp": "2024-03-01T00:00:00Z", "dev_seqid": -3}]),
     "'dev_seqid'"),
    (_hand_packed(0xEE, [{"stream": 1, "value": 1.0, "timestamp": "2024-03-01T00:00:00Z",
                          "extra_data": {"value": 2}}]), "'extra_data'"),
])
def test_emulator_rejects_malformed_reports(archfx_api: Api, raw: bytes, message: str) -> None:
    archfx_api.device.post({"slug": "d--0000-0000-0000-00ee"})
    with pytest.raises(HttpClientError) as info:
        archfx_api.streamer.report.upload_fp(("report.mp", raw))
    assert info.value.status_code == 400
    assert message in json.loads(info.value.content)["detail"]
