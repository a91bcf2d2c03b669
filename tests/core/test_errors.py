"""The exception tree: classes, attributes, masking, service hooks."""
from __future__ import annotations

import socket

import pytest
import requests

from archfx_cloud.api import exceptions as exc
from archfx_cloud.api.client import RestClient
from archfx_cloud.api.retry import RetryPolicy


@pytest.mark.parametrize("code, cls", [
    (400, exc.HttpClientError), (401, exc.HttpUnauthorizedError), (403, exc.HttpForbiddenError),
    (404, exc.HttpNotFoundError), (409, exc.HttpClientError), (429, exc.HttpTooManyRequestsError),
    (500, exc.HttpServerError), (502, exc.HttpServerError), (503, exc.HttpServerError),
])
def test_status_maps_to_class_with_attributes(demo, code, cls):
    with RestClient(demo.url, retries=0) as c:
        with pytest.raises(cls) as info:
            c.status(code).get()
    error = info.value
    assert type(error) is cls
    assert error.status_code == code
    assert error.response.status_code == code
    assert error.content == {"detail": f"status {code}", "code": code}
    assert error.method == "GET"
    assert error.url == f"{demo.url}/status/{code}"
    assert isinstance(error, exc.RestHttpBaseException) and isinstance(error, exc.RestBaseException)
    assert str(code) in str(error)


def test_client_and_server_errors_are_distinguishable(demo):
    with RestClient(demo.url, retries=0) as c:
        with pytest.raises(exc.HttpClientError):
            c.status(404).get()
        with pytest.raises(exc.HttpServerError):
            c.status(500).get()
    assert not issubclass(exc.HttpServerError, exc.HttpClientError)
    assert issubclass(exc.HttpNotFoundError, exc.HttpClientError)


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_connection_refused_is_a_connection_error():
    with RestClient(f"http://127.0.0.1:{_closed_port()}", retries=0) as c:
        with pytest.raises(exc.HttpConnectionError) as info:
            c.anything.get()
    assert isinstance(info.value, requests.exceptions.ConnectionError)  # upstream callers still catch it
    assert info.value.status_code is None and info.value.response is None


def test_read_timeout_is_a_timeout_error(demo):
    with RestClient(demo.url, timeout=(2, 0.2), retries=0) as c:
        with pytest.raises(exc.HttpReadTimeoutError) as info:
            c.slow.get(delay=1)
    assert isinstance(info.value, exc.HttpTimeoutError)
    assert isinstance(info.value, requests.exceptions.Timeout)


def test_tls_verification_error(tmp_path):
    from archfx_cloud.testing.server import LocalServer
    from archfx_cloud.testing.tls import self_signed_server_context
    from archfx_cloud.testing.demo import DemoApp

    context, cert = self_signed_server_context(str(tmp_path))
    with LocalServer(DemoApp(), ssl_context=context) as server:
        with RestClient(server.url, retries=RetryPolicy(total=3, sleep=lambda s: None)) as c:
            with pytest.raises(exc.HttpCouldNotVerifyServerError) as info:
                c.format("json").get()
        assert isinstance(info.value, requests.exceptions.SSLError)
        with RestClient(server.url, verify=cert) as c:
            assert c.format("json").get()["kind"] == "json"


def test_error_hook_maps_service_specific_errors(demo):
    class ServiceError(exc.HttpClientError):
        pass

    def hook(response):
        if response.headers.get("Content-Type", "").startswith("application/json") and response.status_code == 418:
            return ServiceError("teapot", response=response)
        return None

    with RestClient(demo.url, retries=0, error_hook=hook) as c:
        with pytest.raises(ServiceError):
            c.status(418).get()
        with pytest.raises(exc.HttpNotFoundError):  # falls through to the default mapping
            c.status(404).get()


def test_secrets_masked_in_error_messages(demo):
    with RestClient(demo.url, retries=0) as c:
        with pytest.raises(exc.HttpNotFoundError) as info:
            c.status(404).get(access_token="SECRET-TOKEN-1", page=1)
    assert "SECRET-TOKEN-1" not in str(info.value)
    assert "SECRET-TOKEN-1" not in repr(info.value)
    assert "SECRET-TOKEN-1" not in (info.value.url or "")
