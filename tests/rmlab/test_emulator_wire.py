"""The emulator on the wire (plain requests): discovery, error JSON, statuses, auth, multipart."""
from __future__ import annotations

import base64

import pytest
import requests

from archfx_cloud.testing.faults import FaultInjector
from rmlab import API, errors
from rmlab.testing.emulator import RMLabEmulator
from rmlab.testing.multipart import MultipartError, parse_multipart


def _basic(emu: RMLabEmulator, version: str = "0.4.4") -> dict:
    raw = f"{emu.workgroup}:{emu.username}:{emu.password}:{version}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _login(emu: RMLabEmulator) -> dict:
    started = requests.post(emu.url + "/auth/log-in", headers=_basic(emu), timeout=10)
    assert started.status_code == 202
    op = started.json()["operation_id"]
    statuses = [requests.get(f"{emu.url}/auth/log-in/status/{op}", headers=_basic(emu), timeout=10).json()
                for _ in range(2)]
    assert statuses == [{"status": "pending"}, {"status": "done"}]
    result = requests.get(f"{emu.url}/auth/log-in/result/{op}", headers=_basic(emu), timeout=10)
    again = requests.get(f"{emu.url}/auth/log-in/result/{op}", headers=_basic(emu), timeout=10)
    assert again.status_code == 404  # credentials are handed out once
    return result.json()


def test_discovery_and_login_protocol(rmlab_emulator) -> None:
    specs = requests.get(rmlab_emulator.url + "/auth/discover", timeout=10).json()
    assert set(specs) == {"auth-log-in", "auth-log-in-poll-status", "auth-log-in-result", "auth-log-out",
                          "auth-token-refresh"}
    assert specs["auth-log-in"]["communication"] == "async" and specs["auth-log-in"]["auth"] == "basic"
    creds = _login(rmlab_emulator)
    assert set(creds) == {"access_token", "refresh_token", "services", "scenarios", "username", "workgroup",
                          "endpoints"}
    assert creds["scenarios"] == {"0": {"name": "Scenario 0"}, "1": {"name": "Scenario 1"}}
    bearer = {"Authorization": f"Bearer {creds['access_token']}"}
    api_specs = requests.get(rmlab_emulator.url + "/api/discover", headers=bearer, timeout=10).json()
    assert api_specs["api-data-flight-get"]["arguments"]["ids"]["limit"] == 50
    summary = requests.get(rmlab_emulator.url + "/api/data/summary/0", headers=bearer, timeout=10).json()
    assert summary["state"] == "empty" and summary["itemsCount"]["flight"] == {"past": 0, "live": 0, "pending": 0}


def test_errors_are_the_error_json(rmlab_emulator) -> None:
    missing = requests.get(rmlab_emulator.url + "/api/nothing", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["type"] == "NotFoundError"
    wrong_method = requests.post(rmlab_emulator.url + "/api/data/summary/0", timeout=10)
    assert wrong_method.status_code == 405 and wrong_method.json()["errors"][0]["type"] == "MethodNotAllowed"
    no_token = requests.get(rmlab_emulator.url + "/api/data/summary/0", timeout=10)
    assert no_token.status_code == 401 and no_token.json()["errors"][0]["code"] == 401
    old = requests.post(rmlab_emulator.url + "/auth/log-in", headers=_basic(rmlab_emulator, "0.1.0"), timeout=10)
    assert old.status_code == 410 and old.json()["errors"][0]["type"] == "VersionError"
    creds = _login(rmlab_emulator)
    rmlab_emulator.expire_access_tokens()
    expired = requests.get(rmlab_emulator.url + "/api/data/summary/0",
                           headers={"Authorization": f"Bearer {creds['access_token']}"}, timeout=10)
    assert expired.status_code == 498
    assert expired.json() == {"errors": [{"type": "ExpiredTokenError", "content": "Token expired", "code": 498,
                                          "traceback": "hidden"}]}


def test_chunked_multipart_uploads_are_accepted(rmlab_emulator) -> None:
    creds = _login(rmlab_emulator)
    bearer = {"Authorization": f"Bearer {creds['access_token']}"}
    answer = requests.post(rmlab_emulator.url + "/api/data/bounded/file", headers=bearer, timeout=10,
                           data={"scen_id": "0", "category": "country", "extension": "csv"},
                           files={"content": ("countries.csv", b"Name,Currency\nSpain,eur\n")})
    assert answer.status_code == 204
    assert rmlab_emulator.app.scenario(rmlab_emulator.workgroup, 0).bounded["country"]["Spain"]["currency"] == "eur"
    bad = requests.post(rmlab_emulator.url + "/api/data/bounded/file", headers=bearer, timeout=10,
                        data={"scen_id": "0", "category": "country", "extension": "csv"},
                        files={"content": ("countries.csv", b"Name,Currency\nSpain,peseta\n")})
    assert bad.status_code == 400 and "countries.csv, line 2, field 'Currency'" in bad.json()["errors"][0]["content"]


def test_multipart_parser_edge_cases() -> None:
    body = (b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
            b'--b\r\nContent-Disposition: form-data; name="f"; filename="x%22y.csv"\r\n'
            b'Content-Type: text/csv\r\n\r\n\r\n--bx\r\n--b--\r\n')
    fields, files = parse_multipart(body, 'multipart/form-data; boundary="b"')
    assert fields == {"a": "1"} and files == {"f": ('x"y.csv', b"\r\n--bx")}
    with pytest.raises(MultipartError):
        parse_multipart(body, "multipart/form-data")
    with pytest.raises(MultipartError):
        parse_multipart(b"--b\r\nContent-Disposition: form-data\r\n\r\nx", "multipart/form-data; boundary=b")


def test_multipart_parser_finds_the_delimiter_in_parts_full_of_carriage_returns() -> None:
    # past the CR-by-CR probes the parser searches for the whole delimiter: both paths agree
    for crs in (0, 3, 15, 16, 17, 200):
        content = b"\r\n--bx\r" * crs + b"tail"
        body = (b'--b\r\nContent-Disposition: form-data; name="f"; filename="f.bin"\r\n\r\n' + content
                + b'\r\n--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n2\r\n--b--\r\n')
        fields, files = parse_multipart(body, "multipart/form-data; boundary=b")
        assert files == {"f": ("f.bin", content)} and fields == {"a": "2"}, crs
    with pytest.raises(MultipartError, match="ends inside a part"):
        parse_multipart(b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n' + b"\r\n--c" * 40,
                        "multipart/form-data; boundary=b")


def test_transient_server_errors_on_reads_are_retried(make_emulator, run) -> None:
    emu = make_emulator(wrap=lambda app: FaultInjector(
        app, schedule=["503", None], retry_after="0",
        only=lambda environ: environ.get("REQUEST_METHOD") == "GET" and "/summary/" in environ.get("PATH_INFO", "")))

    async def main():
        async with API(**emu.credentials) as api:
            return await api.fetch_info(0)

    assert run(main())[0].id == 0


def test_non_json_errors_map_by_status(make_emulator, run) -> None:
    def teapot(app):
        def wrapped(environ, start_response):
            if "/bounded/all/" in environ.get("PATH_INFO", ""):
                start_response("502 Bad Gateway", [("Content-Type", "text/html"), ("Content-Length", "20")])
                return [b"<html>proxy</html>  "]
            return app(environ, start_response)
        return wrapped

    emu = make_emulator(wrap=teapot)

    async def main():
        async with API(**emu.credentials, retries=0) as api:
            await api.fetch_airlines(0)

    with pytest.raises(errors.BadGatewayError, match="Omitted HTML content") as info:
        run(main())
    assert info.value.status_code == 502 and info.value.method == "GET"


def test_client_uploads_are_sent_with_a_content_length_not_chunked(make_emulator, run, tmp_path) -> None:
    seen = []

    def record(app):
        def wrapped(environ, start_response):
            if environ["REQUEST_METHOD"] == "POST" and "/file" in environ.get("PATH_INFO", ""):
                seen.append((environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING")))
            return app(environ, start_response)
        return wrapped

    emu = make_emulator(wrap=record)
    folder = tmp_path / "deep" / "folder"
    folder.mkdir(parents=True)
    path = folder / "countries.csv"
    path.write_text("Name,Currency\nSpain,eur\n")

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_countries(0, path)

    run(main())
    assert len(seen) == 1 and seen[0][0] is not None and int(seen[0][0]) > 0 and seen[0][1] is None
