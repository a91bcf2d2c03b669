"""The core's default requests session prepares exactly what requests' own Session would, with less work."""
from __future__ import annotations

import pytest
import requests

from archfx_cloud.api.auth import RefreshingAuth
from archfx_cloud.api.client import RestClient
from archfx_cloud.api.session import LeanSession


def _pair(**settings):
    made = []
    for cls in (requests.Session, LeanSession):
        session = cls()
        session.trust_env = False
        for key, value in settings.items():
            if key == "headers":
                session.headers.update(value)
            else:
                setattr(session, key, value)
        made.append(session)
    return made


@pytest.mark.parametrize("kwargs, settings", [
    ({"data": b"x", "headers": {"Content-Type": "a/b", "accept": "text/csv"}}, {}),
    ({"json": {"a": [1, 2]}, "headers": {"X-Drop": None}}, {"headers": {"X-Drop": "session value"}}),
    ({"data": b"x", "params": {"page": "2"}}, {}),                      # params: requests' own path
    ({"data": b"x", "cookies": {"sid": "1"}}, {}),                     # request cookies: requests' own path
    ({"data": b"x"}, {"params": {"always": "1"}}),                     # session params: requests' own path
    ({"data": b"x", "auth": ("u", "p")}, {"auth": ("other", "pw")}),
    ({"data": b"x"}, {"auth": ("session", "pw")}),
    ({"files": {"f": ("a.csv", b"1,2")}}, {}),
])
def test_prepared_requests_are_identical(kwargs, settings) -> None:
    stock, lean = _pair(**settings)
    stock.cookies.set("jar", "j")
    lean.cookies.set("jar", "j")
    a = stock.prepare_request(requests.Request("post", "http://127.0.0.1:1/p/q", **kwargs))
    b = lean.prepare_request(requests.Request("post", "http://127.0.0.1:1/p/q", **kwargs))
    def fixed(prepared):
        headers = dict(prepared.headers)
        body = prepared.body
        if kwargs.get("files"):  # multipart boundaries are random: compare with them blanked out
            boundary = headers["Content-Type"].split("boundary=")[1]
            headers["Content-Type"] = headers["Content-Type"].replace(boundary, "B")
            body = body.replace(boundary.encode(), b"B")
        return prepared.method, prepared.url, headers, body

    assert fixed(a) == fixed(b)
    assert "X-Drop" not in b.headers
    env = [s.merge_environment_settings("http://127.0.0.1:1/", {"http": "http://proxy:1", "https": None},
                                        None, True, None) for s in (stock, lean)]
    assert env[0] == env[1]


def test_a_bearer_auth_and_an_empty_jar() -> None:
    stock, lean = _pair()
    auth = RefreshingAuth("tok", refresh=lambda: None, refresh_statuses=(498,))
    a = stock.prepare_request(requests.Request("GET", "http://h/x", auth=auth))
    b = lean.prepare_request(requests.Request("GET", "http://h/x", auth=auth))
    assert dict(a.headers) == dict(b.headers) and b.headers["Authorization"] == "Bearer tok"


def test_clients_use_it_unless_given_a_session() -> None:
    assert type(RestClient("http://127.0.0.1:1/").session) is LeanSession
    own = requests.Session()
    assert RestClient("http://127.0.0.1:1/", session=own).session is own


def test_a_session_hook_defers_to_requests() -> None:
    stock, lean = _pair()
    seen = []
    lean.hooks["response"].append(lambda r, **kw: seen.append(r))
    prepared = lean.prepare_request(requests.Request("GET", "http://h/x", hooks={"response": []}))
    assert prepared.hooks["response"] == lean.hooks["response"]  # merged by requests' own code
