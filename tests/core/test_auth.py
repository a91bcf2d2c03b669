"""Auth objects: token prefixes, basic, refresh-on-status with replay, client credentials."""
from __future__ import annotations

import threading

import pytest

from archfx_cloud.api.auth import BasicAuth, OAuth2ClientCredentials, RefreshingAuth, TokenAuth
from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import HttpClientError, HttpUnauthorizedError
from archfx_cloud.testing.demo import DemoService


@pytest.mark.parametrize("prefix", ["jwt", "token", "Bearer"])
def test_token_prefixes(client, prefix):
    with RestClient(client.base_url, auth=TokenAuth("t0k", prefix=prefix)) as c:
        answer = c.echo.get()
    assert answer["headers"]["Authorization"] == f"{prefix} t0k"


@pytest.mark.parametrize("token", [None, ""])
def test_no_header_without_a_token(demo, token):
    with RestClient(demo.url, auth=TokenAuth(token, prefix="jwt")) as c:
        assert "Authorization" not in c.echo.get()["headers"]


def test_token_callable_fetched_per_request(demo):
    tokens = iter(["one", "two"])
    with RestClient(demo.url, auth=TokenAuth(lambda: next(tokens))) as c:
        assert c.echo.get()["headers"]["Authorization"] == "Bearer one"
        assert c.echo.get()["headers"]["Authorization"] == "Bearer two"


def test_basic_auth(demo):
    with RestClient(demo.url, auth=BasicAuth("demo", "demo-password")) as c:
        assert c.basic.get() == {"user": "demo"}
    with RestClient(demo.url, auth=BasicAuth("demo", "wrong"), retries=0) as c:
        with pytest.raises(HttpUnauthorizedError):
            c.basic.get()


def test_refresh_on_401_replays_once(demo):
    calls = []

    def refresh():
        calls.append(1)
        return demo.issue_token()

    auth = RefreshingAuth(demo.issue_token(), refresh=refresh)
    with RestClient(demo.url, auth=auth) as c:
        assert c.secure.x.get()["ok"] is True
        demo.app.expire_tokens()
        assert c.secure.x.post({"a": 1})["method"] == "POST"  # replayed after refresh, body intact
    assert calls == [1]


def test_refresh_failure_raises_the_original_error(demo):
    auth = RefreshingAuth(demo.issue_token(), refresh=lambda: None)
    demo.app.expire_tokens()
    with RestClient(demo.url, auth=auth) as c:
        with pytest.raises(HttpUnauthorizedError):
            c.secure.get()


def test_refresh_only_once_even_if_the_new_token_fails(demo):
    calls = []

    def refresh():
        calls.append(1)
        return "not-a-valid-token"

    with RestClient(demo.url, auth=RefreshingAuth("also-invalid", refresh=refresh)) as c:
        with pytest.raises(HttpUnauthorizedError):
            c.secure.get()
    assert calls == [1]


def test_service_chosen_refresh_status():
    with DemoService(expired_status=498) as demo:
        auth = RefreshingAuth(demo.issue_token(), refresh=demo.issue_token, refresh_statuses=(498,))
        demo.app.expire_tokens()
        with RestClient(demo.url, auth=auth) as c:
            assert c.secure.get()["ok"] is True


def test_concurrent_failures_refresh_once(demo):
    lock = threading.Lock()
    calls = []

    def refresh():
        with lock:
            calls.append(1)
        return demo.issue_token()

    auth = RefreshingAuth(demo.issue_token(), refresh=refresh)
    errors = []
    with RestClient(demo.url, auth=auth, pool_maxsize=16) as c:
        c.secure.get()
        demo.app.expire_tokens()
        barrier = threading.Barrier(12)

        def worker():
            barrier.wait()
            try:
                assert c.secure.get()["ok"] is True
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert errors == []
    assert len(calls) == 1


@pytest.mark.parametrize("method", ["client_secret_post", "client_secret_basic"])
def test_client_credentials_cached_until_expiry(demo, method):
    auth = OAuth2ClientCredentials(demo.url + "/oauth/token", "demo-client", "demo-secret", auth_method=method)
    with RestClient(demo.url, auth=auth) as c:
        for _ in range(5):
            assert c.secure.get()["ok"] is True
    assert demo.app.token_requests == 1


def test_client_credentials_renewed_shortly_before_expiry(demo):
    auth = OAuth2ClientCredentials(demo.url + "/oauth/token?lifetime=5", "demo-client", "demo-secret",
                                   min_validity=10)
    with RestClient(demo.url, auth=auth) as c:
        c.secure.get()
        c.secure.get()
    assert demo.app.token_requests == 2  # 5 s lifetime is inside the 10 s safety margin


def test_client_credentials_renewed_on_401(demo):
    auth = OAuth2ClientCredentials(demo.url + "/oauth/token", "demo-client", "demo-secret")
    with RestClient(demo.url, auth=auth) as c:
        c.secure.get()
        demo.app.expire_tokens()
        assert c.secure.get()["ok"] is True
    assert demo.app.token_requests == 2


def test_client_credentials_bad_secret(demo):
    auth = OAuth2ClientCredentials(demo.url + "/oauth/token", "demo-client", "WRONG-SECRET-VALUE")
    with pytest.raises(HttpClientError) as info:
        auth.get_access_token()
    assert "WRONG-SECRET-VALUE" not in str(info.value) + repr(info.value) + repr(auth)


def test_credentials_stay_under_the_base_url_compared_by_component(demo):
    """Text-prefix look-alikes of the base URL (a longer path segment, a longer port) get no
    credentials; URLs really under the base do."""
    with RestClient(demo.url + "/ech", auth=TokenAuth("secret-token")) as c:
        assert "Authorization" not in c.request("GET", demo.url + "/echo/presigned")["headers"]
    with RestClient(demo.url + "/echo", auth=TokenAuth("secret-token")) as c:
        assert c.request("GET", demo.url + "/echo/x?a=1")["headers"]["Authorization"] == "Bearer secret-token"
        assert c.request("GET", demo.url + "/echo")["headers"]["Authorization"] == "Bearer secret-token"
    host, port = demo.url.rsplit(":", 1)
    with RestClient(f"{host}:{port[:-1]}", auth=TokenAuth("secret-token"), retries=0, timeout=2) as c:
        # base ...:<port minus its last digit>: the demo server's port is a text extension of it
        assert "Authorization" not in c.request("GET", demo.url + "/echo/presigned")["headers"]


def test_same_origin_compares_whole_components():
    from archfx_cloud.api.urls import onto_base_origin, same_origin

    base = "https://api.example.com/api/v1"
    assert same_origin("https://api.example.com/api/v1/org/?page=2", base)
    assert same_origin("https://API.example.com:443/api/v1", base)
    for other in ("https://api.example.com.evil.net/api/v1/x", "https://api.example.com:4430/api/v1/x",
                  "https://api.example.com/api/v10/x", "http://api.example.com/api/v1/x",
                  "https://user@api.example.com/api/v1/x", "https://api.example.com:bad/api/v1"):
        assert not same_origin(other, base), other
    assert onto_base_origin("http://api.example.com/api/v1/org/?page=2", base) == \
        "https://api.example.com/api/v1/org/?page=2"
    assert onto_base_origin("http://api.example.com.evil.net/api/v1/org/", base) is None
    assert onto_base_origin("http://api.example.com/elsewhere/", base) is None
    assert onto_base_origin("https://api.example.com/api/v1/x", "http://api.example.com/api/v1") is None


def test_credentials_never_sent_to_other_origins(demo):
    with DemoService() as other:
        with RestClient(demo.url, auth=TokenAuth("secret-token")) as c:
            c.session.headers["Authorization"] = "jwt session-level-secret"
            answer = c.request("GET", other.url + "/echo/presigned")
            assert "Authorization" not in answer["headers"]
            assert c.echo.get()["headers"]["Authorization"] == "Bearer secret-token"
