"""archfx_cloud.api.connection against the ArchFX emulator, over real sockets."""
from __future__ import annotations

import io
import json
import logging
import os
import threading

import pytest
import requests

from archfx_cloud.api.connection import API_PREFIX, DEFAULT_TOKEN_TYPE, DOMAIN_NAME, Api, ArchFxClient, RestResource
from archfx_cloud.api.exceptions import (HttpClientError, HttpNotFoundError, HttpServerError,
                                         HttpUnauthorizedError, ImproperlyConfigured)
from archfx_cloud.api.retry import RetryPolicy
from archfx_cloud.testing.emulator import ArchFxEmulator
from archfx_cloud.testing.faults import FaultInjector


def refresh_calls(emu: ArchFxEmulator) -> int:
    return sum(1 for method, path in emu.app.requests if path.startswith("/api/v1/auth/api-jwt-refresh/"))


# --------------------------------------------------------------------------- construction and URLs
def test_module_constants_and_defaults() -> None:
    assert (DOMAIN_NAME, API_PREFIX, DEFAULT_TOKEN_TYPE) == ("https://arch.archfx.io", "api/v1", "jwt")
    api = Api()
    assert api.base_url == "https://arch.archfx.io/api/v1"
    assert api.token is None and api.refresh_token_data is None and api.token_type == "jwt"
    assert isinstance(api.session, requests.Session)
    assert "Authorization" not in api.session.headers


@pytest.mark.parametrize("domain", ["http://h", "http://h/", "http://h//"])
def test_domain_trailing_slash_gives_no_double_slash(domain: str) -> None:
    api = Api(domain)
    assert api.base_url == "http://h/api/v1"
    assert api.org.url() == "http://h/api/v1/org/"
    assert api.url("org") == "http://h/api/v1/org/"


def test_resource_urls_follow_upstream_and_keep_id_zero() -> None:
    api = Api("http://h")
    assert api.org("acme").url() == "http://h/api/v1/org/acme/"
    assert api.org(0).url() == "http://h/api/v1/org/0/"  # upstream dropped the 0
    assert api.org("").url() == api.org().url() == "http://h/api/v1/org/"
    assert api.machine("d--0000-0001-0000-0001").devices.url() == "http://h/api/v1/machine/d--0000-0001-0000-0001/devices/"
    assert api("streamer/report").url() == "http://h/api/v1/streamer/report/"
    assert api.streamer().report.url() == "http://h/api/v1/streamer/report/"
    assert getattr(api.auth, "user-info").url() == api.auth["user-info"].url() == "http://h/api/v1/auth/user-info/"
    assert api["user-info"].url() == "http://h/api/v1/user-info/"
    with pytest.raises(ValueError):
        api.org("../admin")


def test_unknown_public_attributes_are_resources_private_ones_are_not() -> None:
    api = Api("http://h")
    # Upstream compatibility: a typo is a (truthy) resource, not an AttributeError.
    assert isinstance(api.usename, RestResource) and bool(api.usename)
    assert isinstance(api.username, RestResource)  # before login, as upstream
    assert isinstance(api.org.anything, RestResource)
    with pytest.raises(AttributeError):
        api._private
    with pytest.raises(AttributeError):
        api.org._private


def test_timeout_and_retries_map_to_the_core() -> None:
    api = Api("http://h", timeout=5, retries=2)
    assert isinstance(api.rest_client, ArchFxClient)
    assert api.rest_client.timeout == 5
    assert api.rest_client.retry.total == 2
    assert Api("http://h").rest_client.timeout == (10.0, 60.0)
    assert Api("http://h", retries=0).rest_client.retry.total == 0


def test_repr_never_shows_the_token() -> None:
    api = Api("http://h")
    api.set_token("secret-token-value")
    assert "secret-token-value" not in repr(api)
    assert "authenticated" in repr(api)


# --------------------------------------------------------------------------- tokens
def test_set_token_forms_and_header() -> None:
    api = Api("http://h")
    api.set_token("abc")
    assert (api.token, api.session.headers["Authorization"]) == ("abc", "jwt abc")
    api.set_token({"token": "drf"}, token_type="token")
    assert api.session.headers["Authorization"] == "token drf" and api.token_type == "token"
    api.set_token({"access": "acc", "refresh": "ref"}, token_type="jwt")
    assert (api.token, api.refresh_token_data) == ("acc", "ref")
    assert api.session.headers["Authorization"] == "jwt acc"


@pytest.mark.parametrize("bad, named", [(42, "int"), ({"jwt": "s3cr3t"}, "dict"), (None, "NoneType"),
                                        ({"access": None, "refresh": None}, "NoneType"), ("", "empty")])
def test_set_token_errors_name_the_problem_without_the_secret(bad: object, named: str) -> None:
    api = Api("http://h")
    with pytest.raises(ImproperlyConfigured) as info:
        api.set_token(bad)  # type: ignore[arg-type]
    message = str(info.value)
    assert named in message and "%s" not in message and "s3cr3t" not in message
    assert "Authorization" not in api.session.headers


def test_refresh_token_with_a_non_jwt_token_raises_not_asserts() -> None:
    api = Api("http://h", token_type="token")
    api.set_token("drf")
    with pytest.raises(ImproperlyConfigured):
        api.refresh_token()


# --------------------------------------------------------------------------- login / logout / refresh
def test_login_positional_order_sets_the_jwt(archfx_emulator: ArchFxEmulator) -> None:
    api = Api(archfx_emulator.url)
    assert api.login(archfx_emulator.password, archfx_emulator.email) is True
    assert api.username == "user"
    assert api.session.headers["Authorization"] == f"jwt {api.token}"
    assert api.refresh_token_data
    assert api.auth["user-info"].get()["email"] == archfx_emulator.email


def test_login_failure_returns_false_logs_without_password(archfx_emulator: ArchFxEmulator,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    api = Api(archfx_emulator.url)
    with caplog.at_level(logging.ERROR, logger="archfx_cloud"):
        assert api.login(email=archfx_emulator.email, password="wrong-Pa55word") is False
    assert "Login failed: 400" in caplog.text
    assert "wrong-Pa55word" not in caplog.text
    assert api.token is None and "Authorization" not in api.session.headers
    assert list(archfx_emulator.app.auth_headers) == [None]


def test_login_never_sends_a_stale_authorization(archfx_emulator: ArchFxEmulator) -> None:
    api = Api(archfx_emulator.url)
    api.set_token("stale")
    assert api.login(email=archfx_emulator.email, password=archfx_emulator.password)
    assert list(archfx_emulator.app.auth_headers) == [None]


def _app(status: str, body: bytes, content_type: str = "application/json"):
    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]
    return app


def test_login_200_without_username_is_a_failed_login(serve_wsgi, caplog: pytest.LogCaptureFixture) -> None:
    server = serve_wsgi(_app("200 OK", b'{"jwt": "tok"}'))
    api = Api(server.url)
    with caplog.at_level(logging.ERROR, logger="archfx_cloud"):
        assert api.login("pw", "a@b.c") is False  # upstream: KeyError
    assert "Login failed: 200" in caplog.text
    assert api.token is None


def test_login_with_a_non_utf8_error_body_still_logs(serve_wsgi, caplog: pytest.LogCaptureFixture) -> None:
    server = serve_wsgi(_app("401 Unauthorized", b"\xff\xfe bad \x80 pw=hunter2", "text/plain; charset=utf-8"))
    api = Api(server.url)
    with caplog.at_level(logging.ERROR, logger="archfx_cloud"):
        assert api.login("hunter2", "a@b.c") is False
    assert "Login failed: 401" in caplog.text and "hunter2" not in caplog.text


def test_logout_clears_tokens_on_204(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    token = archfx_api.token
    assert archfx_api.logout() is None
    assert archfx_api.token is None and archfx_api.refresh_token_data is None and archfx_api.username is None
    assert "Authorization" not in archfx_api.session.headers
    assert archfx_emulator.app.auth_headers[-1] == f"jwt {token}"
    with pytest.raises(HttpUnauthorizedError):
        archfx_api.org.get()


def test_logout_failure_is_logged_not_raised(serve_wsgi, caplog: pytest.LogCaptureFixture) -> None:
    server = serve_wsgi(_app("500 Internal Server Error", b'{"detail": "boom"}'))
    api = Api(server.url, retries=0)
    api.set_token("t")
    with caplog.at_level(logging.ERROR, logger="archfx_cloud"):
        api.logout()
    assert "Logout failed: 500" in caplog.text
    assert api.session.headers["Authorization"] == "jwt t"  # only a 204 clears it, as upstream


def test_refresh_token_with_refresh_and_with_legacy_token(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    old = archfx_api.token
    assert archfx_api.refresh_token() is True
    assert archfx_api.token != old and archfx_api.session.headers["Authorization"] == f"jwt {archfx_api.token}"
    legacy = Api(archfx_emulator.url)
    legacy.set_token(archfx_emulator.issue_jwt()[0])
    assert legacy.refresh_token() is True
    assert legacy.org.get()["count"] == 0


def test_failed_refresh_destroys_the_tokens(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    archfx_emulator.expire_refresh_tokens()
    assert archfx_api.refresh_token() is False
    assert archfx_api.token is None and archfx_api.refresh_token_data is None
    assert "Authorization" not in archfx_api.session.headers


def test_expired_jwt_is_refreshed_once_and_the_call_replayed(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    created = archfx_api.org.post({"name": "Before"})
    old = archfx_api.token
    archfx_emulator.expire_access_tokens()
    assert archfx_api.org(created["slug"]).get()["name"] == "Before"
    assert refresh_calls(archfx_emulator) == 1
    assert archfx_api.token != old
    assert archfx_api.session.headers["Authorization"] == f"jwt {archfx_api.token}"
    assert list(archfx_emulator.app.auth_headers)[-1] == f"jwt {archfx_api.token}"
    # a POST is replayed too (the 401 means it was not processed)
    archfx_emulator.expire_access_tokens()
    assert archfx_api.org.post({"name": "After"})["slug"] == "after"
    assert refresh_calls(archfx_emulator) == 2
    assert [o["name"] for o in archfx_api.org.get()["results"]] == ["Before", "After"]


def test_refresh_failure_gives_the_original_401(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    archfx_emulator.expire_access_tokens()
    archfx_emulator.expire_refresh_tokens()
    with pytest.raises(HttpUnauthorizedError) as info:
        archfx_api.org.get()
    assert info.value.status_code == 401 and info.value.method == "GET"
    assert refresh_calls(archfx_emulator) == 1
    assert archfx_api.token is None


def test_no_refresh_without_a_refresh_token(archfx_emulator: ArchFxEmulator) -> None:
    api = Api(archfx_emulator.url)
    api.set_token(archfx_emulator.issue_jwt()[0])
    archfx_emulator.expire_access_tokens()
    with pytest.raises(HttpUnauthorizedError):
        api.org.get()
    assert refresh_calls(archfx_emulator) == 0


def test_concurrent_401s_share_one_refresh(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    archfx_emulator.expire_access_tokens()
    results, errors = [], []

    def worker() -> None:
        try:
            results.append(archfx_api.org.get()["count"])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == [] and results == [0] * 8
    assert refresh_calls(archfx_emulator) == 1


def test_drf_token_type(archfx_emulator: ArchFxEmulator) -> None:
    api = Api(archfx_emulator.url, token_type="token")
    api.set_token(archfx_emulator.token)
    assert api.auth["user-info"].get()["username"] == "user"
    assert archfx_emulator.app.auth_headers[-1] == f"token {archfx_emulator.token}"


def test_jwt_none_is_never_sent(archfx_emulator: ArchFxEmulator) -> None:
    api = Api(archfx_emulator.url)
    with pytest.raises(HttpUnauthorizedError):
        api.org.get()
    with pytest.raises(ImproperlyConfigured):
        api.set_token({"access": None, "refresh": None})
    assert api.login(email=archfx_emulator.email, password=archfx_emulator.password)
    api.org.get()
    api.logout()
    with pytest.raises(HttpUnauthorizedError):
        api.org.get()
    seen = list(archfx_emulator.app.auth_headers)
    assert seen[0] is None and seen[-1] is None
    assert not [h for h in seen if h and h.split(" ", 1)[-1] in ("None", "")]


# --------------------------------------------------------------------------- verbs and return values
def test_crud_and_return_conventions(archfx_api: Api) -> None:
    new = archfx_api.org.post({"name": "My new Org"})
    assert new["slug"] == "my-new-org"
    assert archfx_api.org(new["slug"]).put({"name": "My new Org", "about": "About Org"})["about"] == "About Org"
    assert archfx_api.org(new["slug"]).patch({"about": "About new Org"})["about"] == "About new Org"
    assert archfx_api.org(new["slug"]).get()["about"] == "About new Org"
    assert archfx_api.org.get()["count"] == 1
    assert archfx_api.org(new["slug"]).delete() is True
    with pytest.raises(HttpNotFoundError) as info:
        archfx_api.org(new["slug"]).get()
    # bytes, as upstream's exc.content: callers do json.loads(exc.content)
    assert json.loads(info.value.content) == {"detail": "Not found."}
    assert isinstance(info.value.content, bytes) and info.value.response.status_code == 404


def test_delete_raises_by_default_and_returns_false_on_request(archfx_emulator: ArchFxEmulator) -> None:
    strict = Api(archfx_emulator.url)
    strict.login(email=archfx_emulator.email, password=archfx_emulator.password)
    with pytest.raises(HttpNotFoundError):
        strict.org("missing").delete()
    legacy = Api(archfx_emulator.url, delete_raises=False)
    legacy.login(email=archfx_emulator.email, password=archfx_emulator.password)
    assert legacy.org("missing").delete() is False
    assert legacy.org(legacy.org.post({"name": "x"})["slug"]).delete() is True


def test_validation_errors_carry_the_body(archfx_api: Api) -> None:
    with pytest.raises(HttpClientError) as info:
        archfx_api.site.post({"name": "S", "org": "nope"})
    assert info.value.status_code == 400
    assert json.loads(info.value.content) == {"org": ['Object with slug="nope" does not exist.']}
    assert "does not exist" in str(info.value)


@pytest.mark.parametrize("status, body, content_type, expected", [
    ("200 OK", b'{"a": 1}', "text/html", {"a": 1}),          # JSON whatever the Content-Type
    ("200 OK", b"[1, 2]", "application/octet-stream", [1, 2]),
    ("200 OK", b"\x00binary", "application/octet-stream", b"\x00binary"),
    ("200 OK", b"not json", "application/json", b"not json"),
    ("200 OK", b"", "application/json", b""),
    ("201 Created", b"", "text/plain", b""),
    ("204 No Content", b"", "application/json", None),
    ("205 Reset Content", b"", "application/json", None),
])
def test_upstream_return_conventions(serve_wsgi, status: str, body: bytes, content_type: str, expected: object) -> None:
    server = serve_wsgi(_app(status, body, content_type))
    assert Api(server.url).thing.get() == expected


def test_iterate_walks_every_drf_page(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    org = archfx_api.org.post({"name": "Acme"})
    site = archfx_api.site.post({"name": "Plant", "org": org["slug"]})
    other = archfx_api.site.post({"name": "Elsewhere", "org": org["slug"]})
    for i in range(7):
        archfx_api.device.post({"label": f"tap {i}", "org": org["slug"], "site": site["slug"]})
    archfx_api.device.post({"label": "other", "org": org["slug"], "site": other["slug"]})
    before = len(archfx_emulator.app.requests)
    labels = [d["label"] for d in archfx_api.device.iterate(project=site["slug"], page_size=3)]
    assert labels == [f"tap {i}" for i in range(7)]
    assert len(archfx_emulator.app.requests) - before == 3  # pages of 3, 3, 1
    assert len(list(archfx_api.device.iterate(max_items=5, page_size=2))) == 5


def test_upload_fp_tuple_file_and_text(archfx_api: Api, tmp_path) -> None:
    from archfx_cloud.reports.flexible_dictionary import ArchFXFlexibleDictionaryReport
    from archfx_cloud.reports.report import ArchFXDataPoint

    archfx_api.device.post({"slug": "d--0000-0000-0000-0042"})
    readings = [ArchFXDataPoint(timestamp="2024-01-01T00:00:0%d+00:00" % i, stream="5051", value=i, reading_id=i + 1)
                for i in range(3)]
    report = ArchFXFlexibleDictionaryReport.FromReadings(device=0x42, data=readings, report_id=7)
    encoded = report.encode()
    assert archfx_api.streamer().report.upload_fp(("report.mp", io.BytesIO(encoded)), timestamp="t")["count"] == 3
    path = tmp_path / "again.mp"
    path.write_bytes(encoded)
    assert archfx_api("streamer/report").upload_file(str(path))["count"] == 0

    class Pipe(io.RawIOBase):  # readable, not seekable: read into memory rather than refused
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            chunk = self._data.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

        def tell(self) -> int:
            raise io.UnsupportedOperation("pipe")

    assert archfx_api.streamer.report.upload_fp(Pipe(encoded))["count"] == 0
    with pytest.raises(HttpClientError) as info:
        text = tmp_path / "notes.txt"
        text.write_text("not a report")
        archfx_api.streamer.report.upload_file(str(text), mode="r")
    assert "Invalid streamer report" in str(info.value.content)


# --------------------------------------------------------------------------- transport: retries, timeouts, TLS
def test_retries_through_injected_faults() -> None:
    flaky = ArchFxEmulator(wrap=lambda app: FaultInjector(app, schedule=[None, "503", "503", None]))
    with flaky:
        api = Api(flaky.url, retries=RetryPolicy(total=3, sleep=lambda s: None))
        assert api.login(email=flaky.email, password=flaky.password)  # request 1: no fault
        assert api.org.get()["count"] == 0                               # 503, 503, then served
        assert api.org.get()["count"] == 0                               # served (schedule wraps)
        no_retry = Api(flaky.url, retries=0)
        no_retry.set_token(api.token)
        with pytest.raises(HttpServerError) as info:                    # next draw: 503
            no_retry.org.get()
        assert info.value.status_code == 503


def test_timeout_is_applied(serve_wsgi) -> None:
    import time

    def slow(environ, start_response):
        time.sleep(1.0)
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]

    server = serve_wsgi(slow)
    api = Api(server.url, timeout=0.2, retries=0)
    with pytest.raises(requests.exceptions.Timeout):  # upstream callers catch requests' classes
        api.thing.get()


def test_connection_errors_stay_requests_exceptions() -> None:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    api = Api(f"http://127.0.0.1:{port}", retries=0)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.org.get()


@pytest.fixture
def tls_emulator(tmp_path):
    from archfx_cloud.testing.tls import self_signed_server_context
    context, cert_path = self_signed_server_context(str(tmp_path))
    with ArchFxEmulator(ssl_context=context) as emu:
        yield emu, cert_path


def test_tls_verified_by_default(tls_emulator) -> None:
    from archfx_cloud.api.exceptions import HttpCouldNotVerifyServerError
    emu, cert_path = tls_emulator
    assert emu.url.startswith("https://")
    with pytest.raises(HttpCouldNotVerifyServerError):
        Api(emu.url, retries=0).login(email=emu.email, password=emu.password)
    trusted = Api(emu.url, verify=cert_path)
    assert trusted.login(email=emu.email, password=emu.password)


def test_verify_false_holds_with_requests_ca_bundle_set(tls_emulator, monkeypatch, tmp_path) -> None:
    from archfx_cloud.testing.tls import self_signed_server_context
    emu, _ = tls_emulator
    os.makedirs(tmp_path / "other")
    _, other_ca = self_signed_server_context(str(tmp_path / "other"))  # a CA that did not sign the server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca)
    monkeypatch.setenv("CURL_CA_BUNDLE", other_ca)
    api = Api(emu.url, verify=False)
    assert api.session.verify is False
    assert api.login(email=emu.email, password=emu.password)  # upstream: SSLError from the env bundle
    assert api.org.get()["count"] == 0


def test_login_after_a_drf_token_uses_the_jwt_prefix(archfx_emulator: ArchFxEmulator) -> None:
    api = Api(archfx_emulator.url, token_type="token")
    api.set_token("refused-drf-token")
    assert api.login(email=archfx_emulator.email, password=archfx_emulator.password)
    assert api.token_type == "jwt" and api.session.headers["Authorization"] == f"jwt {api.token}"
    assert api.org.get()["count"] == 0
