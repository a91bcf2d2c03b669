"""The local server harness and the fault injector themselves."""
from __future__ import annotations

import http.client
import socket

import pytest

from archfx_cloud.testing.demo import DemoApp
from archfx_cloud.testing.faults import FaultInjector
from archfx_cloud.testing.server import LocalServer


def _get(port, path, conn=None):
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path)
    response = conn.getresponse()
    return conn, response, response.read()


def test_serves_on_a_free_loopback_port_and_stops_cleanly():
    server = LocalServer(DemoApp()).start()
    port = server.port
    assert server.url == f"http://127.0.0.1:{port}"
    conn, response, body = _get(port, "/format/json")
    assert response.status == 200 and b"json" in body
    server.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_keep_alive_and_chunked_requests():
    with LocalServer(DemoApp()) as server:
        conn, first, _ = _get(server.port, "/echo/a")
        sock = conn.sock
        conn, second, _ = _get(server.port, "/echo/b", conn)
        assert conn.sock is sock and second.status == 200
        conn.request("POST", "/sink", body=iter([b"abc", b"defg"]), encode_chunked=True,
                     headers={"Transfer-Encoding": "chunked"})
        response = conn.getresponse()
        assert b'"size": 7' in response.read()


@pytest.mark.parametrize("kind, status", [("429", 429), ("500", 500), ("502", 502), ("503", 503), ("504", 504)])
def test_status_faults(kind, status):
    with LocalServer(FaultInjector(DemoApp(), schedule=[kind], retry_after="7")) as server:
        _, response, _ = _get(server.port, "/echo/")
        assert response.status == status
        if kind in ("429", "503"):
            assert response.getheader("Retry-After") == "7"


def test_reset_and_truncate_faults():
    app = DemoApp()
    with LocalServer(FaultInjector(app, schedule=["reset", "truncate", "reset-after"])) as server:
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            _get(server.port, "/records/")
        with pytest.raises(http.client.IncompleteRead):
            _get(server.port, "/blob/100000")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("POST", "/records/", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
    assert len(app.records) == 1  # reset-after ran the app


def test_seeded_schedule_repeats():
    def draw(seed):
        injector = FaultInjector(DemoApp(), rate=0.3, faults=("429", "503", "reset"), seed=seed)
        return [injector.next_fault() for _ in range(200)]
    assert draw(3) == draw(3)
    assert draw(3) != draw(4)


def test_bad_fault_settings():
    with pytest.raises(ValueError):
        FaultInjector(DemoApp(), faults=("explode",))
    with pytest.raises(ValueError):
        FaultInjector(DemoApp(), rate=2)
