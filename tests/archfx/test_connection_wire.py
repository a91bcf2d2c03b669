"""Exact bytes on the wire for the calls upstream callers and servers depend on (``responses``)."""
from __future__ import annotations

import io
import json

import pytest
import responses

from archfx_cloud.api.connection import Api

BASE = "https://arch.archfx.io/api/v1"


@responses.activate
def test_login_request_bytes_and_no_authorization() -> None:
    responses.add(responses.POST, f"{BASE}/auth/login/",
                  json={"jwt": "J", "jwt_refresh_token": "R", "username": "u"})
    api = Api()
    assert api.login("pw", "a@b.c") is True
    sent = responses.calls[0].request
    assert sent.body == b'{"email": "a@b.c", "password": "pw"}'
    assert sent.headers["Content-Type"] == "application/json"
    assert "Authorization" not in sent.headers
    assert (api.token, api.refresh_token_data, api.username) == ("J", "R", "u")


@responses.activate
def test_authorization_header_text_and_query_encoding() -> None:
    responses.add(responses.GET, f"{BASE}/site/", json={"results": []})
    api = Api()
    api.set_token("T0K", token_type="token")
    api.site.get(org="my org", tag=["a", "b"], skip=None)
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "token T0K"
    assert sent.url == f"{BASE}/site/?org=my+org&tag=a&tag=b"
    assert sent.body is None and "Content-Type" not in sent.headers


@responses.activate
def test_post_put_patch_send_json_and_no_body_for_none() -> None:
    for method in (responses.POST, responses.PUT, responses.PATCH):
        responses.add(method, f"{BASE}/org/x/", json={})
    api = Api()
    api.org("x").post({"name": "é"})
    api.org("x").put({"a": [1, None]})
    api.org("x").patch()
    bodies = [call.request.body for call in responses.calls]
    assert bodies == [b'{"name": "\\u00e9"}', b'{"a": [1, null]}', None]


@responses.activate
def test_delete_sends_its_json_body_and_returns_true() -> None:
    responses.add(responses.DELETE, f"{BASE}/org/x/", status=204)
    assert Api().org("x").delete({"force": True}) is True
    assert responses.calls[0].request.body == b'{"force": true}'


@responses.activate
def test_logout_and_refresh_bodies() -> None:
    responses.add(responses.POST, f"{BASE}/auth/api-jwt-refresh/", json={"access": "A2", "refresh": "R2"})
    responses.add(responses.POST, f"{BASE}/auth/logout/", status=204)
    api = Api()
    api.set_token({"access": "A1", "refresh": "R1"})
    assert api.refresh_token() is True
    api.logout()
    refresh, logout = (call.request for call in responses.calls)
    assert json.loads(refresh.body) == {"refresh": "R1"}
    assert logout.body == b"{}" and logout.headers["Authorization"] == "jwt A2"
    assert api.token is None and "Authorization" not in api.session.headers


@responses.activate
def test_report_upload_is_multipart_file_part_with_timestamp_query() -> None:
    responses.add(responses.POST, f"{BASE}/streamer/report/", json={"count": 2}, status=202)
    api = Api()
    api.set_token("T")
    answer = api.streamer().report.upload_fp(fp=("report.mp", io.BytesIO(b"\x85\xa6format")), data={"k": "v"},
                                             timestamp="2021-01-21T12:00:00+00:00")
    assert answer == {"count": 2}
    sent = responses.calls[0].request
    assert sent.url == f"{BASE}/streamer/report/?timestamp=2021-01-21T12%3A00%3A00%2B00%3A00"
    content_type = sent.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1]
    body = sent.body.read() if hasattr(sent.body, "read") else sent.body
    assert body == (f'--{boundary}\r\nContent-Disposition: form-data; name="k"\r\n\r\nv\r\n'
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="report.mp"\r\n'
                    f"Content-Type: application/octet-stream\r\n\r\n").encode() + b"\x85\xa6format\r\n" + \
        f"--{boundary}--\r\n".encode()
    assert sent.headers["Authorization"] == "jwt T"


@responses.activate
def test_urls_outside_the_api_never_get_the_token() -> None:
    responses.add(responses.GET, "https://storage.example.com/blob", body=b"x")
    api = Api()
    api.set_token("T")
    api.rest_client.request("GET", "https://storage.example.com/blob")
    assert "Authorization" not in responses.calls[0].request.headers


@pytest.mark.parametrize("status", [400, 403, 500])
@responses.activate
def test_error_messages_keep_upstream_wording(status: int) -> None:
    responses.add(responses.GET, f"{BASE}/org/", json={"detail": "no"}, status=status)
    from archfx_cloud.api.exceptions import RestHttpBaseException
    with pytest.raises(RestHttpBaseException) as info:
        Api(retries=0).org.get()
    kind = "Server" if status >= 500 else "Client"
    assert str(info.value).startswith(f"{kind} Error {status}: {BASE}/org/")
