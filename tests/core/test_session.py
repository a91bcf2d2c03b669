"""Sessions, TLS settings, environment handling and timeouts."""
from __future__ import annotations

import pytest
import requests

from archfx_cloud.api.client import DEFAULT_TIMEOUT, RestClient
from archfx_cloud.api.exceptions import HttpReadTimeoutError
from archfx_cloud.testing.demo import DemoApp
from archfx_cloud.testing.server import LocalServer
from archfx_cloud.testing.tls import self_signed_server_context


def test_one_session_shared_down_the_chain(client):
    sessions = set()
    original = requests.Session.request

    def spy(self, *args, **kwargs):
        sessions.add(id(self))
        return original(self, *args, **kwargs)

    requests.Session.request = spy
    try:
        client.echo.a.get()
        client.echo.b(1).c.get()
        client.records.post({"x": 1})
    finally:
        requests.Session.request = original
    assert sessions == {id(client.session)}


def test_keep_alive_connection_is_reused(client):
    ports = set()
    for _ in range(20):
        response = client.echo.get(raw=True)
        ports.add(response.raw._connection.sock.getsockname()[1] if response.raw._connection else None)
    assert len(ports - {None}) <= 1


def test_verify_false_holds_with_ca_bundle_in_environment(tmp_path, monkeypatch):
    context, cert = self_signed_server_context(str(tmp_path))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nonexistent-bundle.pem"))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "nonexistent-bundle.pem"))
    with LocalServer(DemoApp(), ssl_context=context) as server:
        with RestClient(server.url, verify=False) as c:
            assert c.format("json").get()["kind"] == "json"
            assert c.session.verify is False


def test_ca_bundle_from_environment_used_when_verifying(tmp_path, monkeypatch):
    context, cert = self_signed_server_context(str(tmp_path))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert)
    with LocalServer(DemoApp(), ssl_context=context) as server:
        with RestClient(server.url) as c:
            assert c.format("json").get()["kind"] == "json"


def test_environment_proxies_resolved_once(demo, monkeypatch):
    calls = []
    original = requests.utils.get_environ_proxies

    def counting(url, no_proxy=None):
        calls.append(url)
        return original(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", counting)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with RestClient(demo.url) as c:
        for _ in range(10):
            c.echo.get()
    assert len(calls) == 1


def test_environment_proxy_is_used(demo, monkeypatch):
    # a proxy on a closed port: the request must fail to connect through it
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    from archfx_cloud.api.exceptions import HttpConnectionError
    with RestClient(demo.url.replace("127.0.0.1", "localhost"), retries=0) as c:
        with pytest.raises(HttpConnectionError):
            c.echo.get()
    with RestClient(demo.url.replace("127.0.0.1", "localhost"), trust_env=False) as c:
        assert c.echo.get()["path"] == "/echo"


def test_timeouts_finite_by_default_and_overridable(demo):
    with RestClient(demo.url) as c:
        assert c.timeout == DEFAULT_TIMEOUT and all(t and t < 600 for t in c.timeout)
        with pytest.raises(HttpReadTimeoutError):
            c.slow.get(delay=1, timeout=0.2)
        assert c.slow.get(delay=0.3, timeout=5) == {"slept": 0.3}
    with RestClient(demo.url, timeout=0.2, retries=0) as c:
        with pytest.raises(HttpReadTimeoutError):
            c.slow.get(delay=1)


def test_an_ssl_context_is_used_as_it_is(tmp_path, monkeypatch):
    import ssl

    from archfx_cloud.api.exceptions import HttpCouldNotVerifyServerError

    server_context, cert = self_signed_server_context(str(tmp_path))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nonexistent-bundle.pem"))  # must not matter
    trusting = ssl.create_default_context(cafile=cert)
    loaded = trusting.cert_store_stats()
    with LocalServer(DemoApp(), ssl_context=server_context) as server:
        with RestClient(server.url, verify=trusting) as c:
            assert c.format("json").get()["kind"] == "json"
            assert c("echo/a").get(raw=True).status_code == 200
        assert trusting.cert_store_stats() == loaded  # no CA bundle was loaded into the caller's context
        assert trusting.verify_mode == ssl.CERT_REQUIRED
        with RestClient(server.url, verify=ssl.create_default_context()) as c:  # does not trust the test CA
            with pytest.raises(HttpCouldNotVerifyServerError):
                c.format("json").get()
