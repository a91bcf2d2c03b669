"""Faults between the client and the cluster: what is retried, what is not, what downloads survive."""
from __future__ import annotations

import pytest

from archfx_cloud.api.exceptions import HttpConnectionError
from archfx_cloud.api.retry import RetryPolicy
from archfx_cloud.testing.faults import FaultInjector
from archfx_cloud.testing.server import LocalServer
from oscar_python.client import Client
from oscar_python.exceptions import OscarServerError
from oscar_python.testing import OscarEmulator

SVC = {"name": "echo", "image": "i", "script": "cat"}


def flaky(schedule, only):
    holder = {}

    def wrap(app):
        holder["faults"] = FaultInjector(app, schedule=schedule, only=only, retry_after="0")
        return holder["faults"]
    return wrap, holder


def test_put_answered_500_is_retried_like_upstream() -> None:
    wrap, holder = flaky(["500", None], lambda env: env["REQUEST_METHOD"] == "PUT")
    with OscarEmulator(wrap=wrap) as emu:
        client = Client(emu.options())
        client.create_service(dict(SVC))
        assert client.update_service("echo", dict(SVC, memory="1Gi")).status_code == 204
        assert holder["faults"].stats["500"] == 1
        assert client.get_service("echo").json()["memory"] == "1Gi"


def test_reads_are_retried_and_invocations_are_not() -> None:
    wrap, holder = flaky(["503", "reset", None], lambda env: env["REQUEST_METHOD"] in ("GET", "POST")
                         and env["PATH_INFO"] != "/system/services")
    with OscarEmulator(wrap=wrap) as emu:
        client = Client(emu.options(retries=RetryPolicy(total=3, backoff_factor=0.01)))
        holder["faults"].enabled = False
        client.create_service(dict(SVC))
        token = emu.service_token("echo")
        holder["faults"].enabled = True
        assert client.get_service("echo").json()["name"] == "echo"  # 503, reset, then ok
        assert holder["faults"].stats["503"] == 1 and holder["faults"].stats["reset"] == 1
        with pytest.raises(OscarServerError) as err:  # a POST may have run: never replayed
            client.run_service("echo", input="x", token=token)
        assert err.value.status_code == 503
        with pytest.raises(HttpConnectionError):
            client.run_service("echo", input="x", token=token)
        assert client.run_service("echo", input="x", token=token).text == "x"


def test_connection_refused_is_a_transport_error() -> None:
    server = LocalServer(lambda env, start: [])
    server.start()
    url = server.url
    server.stop()
    client = Client({"cluster_id": "c", "endpoint": url, "user": "u", "password": "p", "retries": 0})
    with pytest.raises(HttpConnectionError):
        client.get_cluster_info()
