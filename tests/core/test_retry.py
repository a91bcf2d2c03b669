"""Retries through a fault-injecting server: right answers, nothing applied twice."""
from __future__ import annotations

import email.utils
import io
import time

import pytest

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import HttpConnectionError, HttpServerError, HttpTooManyRequestsError
from archfx_cloud.api.retry import RetryPolicy, parse_retry_after
from archfx_cloud.testing.demo import DemoApp
from archfx_cloud.testing.faults import FaultInjector
from archfx_cloud.testing.server import LocalServer


def _policy(sleeps, total=8):
    return RetryPolicy(total=total, sleep=sleeps)


def test_2000_gets_through_20_percent_faults(sleeps):
    app = DemoApp()
    with LocalServer(FaultInjector(app, rate=0.2, faults=("429", "503", "reset"), seed=12)) as server:
        injector = server.app
        with RestClient(server.url, retries=_policy(sleeps)) as c:
            for i in range(2000):
                answer = c.echo.item(i).get(n=i)
                assert answer["path"] == f"/echo/item/{i}" and answer["query"] == {"n": [str(i)]}, i
        assert injector.stats["ok"] >= 2000
        assert sum(injector.stats[k] for k in ("429", "503", "reset")) > 300


def test_posts_marked_safe_are_retried_and_applied_once(sleeps):
    app = DemoApp()
    # reset-after: the server applies the POST, then drops the connection before answering
    injector = FaultInjector(app, rate=0.2, faults=("429", "503", "reset", "reset-after"), seed=5)
    with LocalServer(injector) as server, RestClient(server.url, retries=_policy(sleeps)) as c:
        ids = [c.records.post({"n": i}, retry_safe=True)["id"] for i in range(2000)]
    assert len(set(ids)) == 2000
    assert len(app.records) == 2000
    assert sorted(r["data"]["n"] for r in app.records) == list(range(2000))
    assert injector.stats["reset-after"] > 0


def test_posts_are_never_retried_unless_marked_safe(sleeps):
    app = DemoApp()
    injector = FaultInjector(app, schedule=["503", None], retry_after="0")
    with LocalServer(injector) as server, RestClient(server.url, retries=_policy(sleeps)) as c:
        with pytest.raises(HttpServerError):
            c.records.post({"n": 1})
        assert c.records.post({"n": 2})["data"] == {"n": 2}
    assert [r["data"]["n"] for r in app.records] == [2]
    assert sleeps.waits == []


def test_post_connection_reset_is_not_retried(sleeps):
    app = DemoApp()
    with LocalServer(FaultInjector(app, schedule=["reset-after", None])) as server:
        with RestClient(server.url, retries=_policy(sleeps)) as c:
            with pytest.raises(HttpConnectionError):
                c.records.post({"n": 1})
    assert len(app.records) == 1  # applied once, never replayed


def test_retry_after_seconds_and_date_are_honoured_and_capped(sleeps):
    app = DemoApp()
    injector = FaultInjector(app, schedule=["429", None], retry_after="3")
    with LocalServer(injector) as server, RestClient(server.url, retries=_policy(sleeps)) as c:
        c.echo.get()
        injector.retry_after = email.utils.formatdate(time.time() + 30, usegmt=True)
        c.echo.get()
        injector.retry_after = "9999"
        c.echo.get()
    assert sleeps.waits[0] == 3.0
    assert 25 <= sleeps.waits[1] <= 31
    assert sleeps.waits[2] == 60.0  # capped at retry_after_max


def test_gives_up_after_total_and_raises_the_last_status(sleeps):
    injector = FaultInjector(DemoApp(), schedule=["429"])
    with LocalServer(injector) as server, RestClient(server.url, retries=_policy(sleeps, total=2)) as c:
        with pytest.raises(HttpTooManyRequestsError):
            c.echo.get()
    assert injector.stats["429"] == 3 and len(sleeps.waits) == 2


def test_backoff_grows_with_jitter():
    policy = RetryPolicy(backoff_factor=1.0, backoff_max=8.0)
    for attempt, base in [(1, 1), (2, 2), (3, 4), (4, 8), (6, 8)]:
        waits = {policy.backoff(attempt) for _ in range(20)}
        assert all(base / 2 <= w <= base for w in waits)
        assert len(waits) > 1


def test_upload_body_is_rewound_before_a_retry(sleeps):
    injector = FaultInjector(DemoApp(), schedule=["503", "503", None])
    payload = bytes(range(256)) * 4000
    with LocalServer(injector) as server, RestClient(server.url, retries=_policy(sleeps)) as c:
        answer = c.sink.put(io.BytesIO(payload), body_format="raw")
        import hashlib
        assert answer == {"size": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
                          "multipart": False, "content_type": None}
        answer = c.upload(server.url + "/sink", io.BytesIO(payload), method="PUT", fields={"a": "b"})
        assert answer["size"] == len(payload) and answer["fields"] == {"a": ["b"]}


def test_parse_retry_after():
    assert parse_retry_after("5") == 5.0
    assert parse_retry_after("garbage") is None
    assert parse_retry_after(email.utils.formatdate(time.time() - 100, usegmt=True)) == 0.0


def test_int_and_urllib3_retry_accepted(demo):
    from urllib3.util import Retry
    with RestClient(demo.url, retries=5) as c:
        assert c.retry.total == 5
    with RestClient(demo.url, retries=Retry(total=2, backoff_factor=0.1)) as c:
        assert c.retry.total == 2 and c.retry.backoff_factor == 0.1
    with RestClient(demo.url, retries=0) as c:
        assert c.retry.total == 0


@pytest.mark.parametrize("status", ["429", "502", "503", "504"])
def test_each_retryable_status_is_retried_for_gets(sleeps, status):
    app = DemoApp()
    injector = FaultInjector(app, schedule=[status, status, None], retry_after="0")
    with LocalServer(injector) as server, RestClient(server.url, retries=_policy(sleeps)) as c:
        assert c.echo.x.get()["path"] == "/echo/x"
    assert injector.stats[status] == 2 and len(sleeps.waits) == 2


def test_a_500_is_not_retried(sleeps):
    injector = FaultInjector(DemoApp(), schedule=["500", None])
    with LocalServer(injector) as server, RestClient(server.url, retries=_policy(sleeps)) as c:
        with pytest.raises(HttpServerError):
            c.echo.x.get()
    assert sleeps.waits == []


def test_requests_that_cannot_be_sent_are_not_retried(sleeps, demo):
    from archfx_cloud.api.exceptions import HttpInvalidRequestError

    with RestClient(demo.url, retries=_policy(sleeps)) as c:
        with pytest.raises(HttpInvalidRequestError) as bad_header:
            c.echo.get(headers={"X-Bad": "line\r\nInjected: yes"})
        assert isinstance(bad_header.value, ValueError) and "Injected" not in str(bad_header.value).split("(")[0]
        with pytest.raises(HttpInvalidRequestError):
            c.request("GET", "gopher://127.0.0.1/x")
    assert sleeps.waits == []


def test_too_many_redirects_is_its_own_error(sleeps):
    import requests

    from archfx_cloud.api.exceptions import HttpTooManyRedirectsError

    def loop(environ, start_response):
        start_response("302 Found", [("Location", "/again"), ("Content-Length", "0")])
        return [b""]

    with LocalServer(loop) as server, RestClient(server.url, retries=_policy(sleeps)) as c:
        with pytest.raises(HttpTooManyRedirectsError) as info:
            c.again.get()
    assert isinstance(info.value, requests.exceptions.TooManyRedirects) and sleeps.waits == []


def test_added_latency_delays_every_answer():
    injector = FaultInjector(DemoApp(), rate=0.0, latency=0.15)
    with LocalServer(injector) as server, RestClient(server.url) as c:
        began = time.perf_counter()
        for _ in range(3):
            c.echo.get()
        elapsed = time.perf_counter() - began
    assert elapsed >= 0.45
