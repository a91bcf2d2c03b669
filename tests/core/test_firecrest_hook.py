"""``RetryPolicy.any_method_statuses``: a 429 proves the request was not acted upon, so even a
POST may be resent (FirecREST retries its uploads and job submissions on 429, body rewound),
while a dropped connection on a POST is still never retried."""
from __future__ import annotations

import pytest

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import HttpConnectionError, HttpTooManyRequestsError
from archfx_cloud.api.retry import RetryPolicy
from archfx_cloud.testing.demo import DemoService
from archfx_cloud.testing.faults import FaultInjector


def _flaky(schedule):
    holder = {}

    def wrap(app):
        holder["injector"] = FaultInjector(app, schedule=schedule)
        return holder["injector"]

    return wrap, holder


def test_a_post_answered_429_is_resent_with_its_body_rewound() -> None:
    wrap, holder = _flaky(["429", None, None, None])
    policy = RetryPolicy(total=2, statuses=(), methods=(), any_method_statuses=(429,), sleep=lambda s: None)
    with DemoService(app=wrap) as demo, RestClient(demo.url, retries=policy) as client:
        answer = client.upload(demo.url + "/sink", b"x" * 100_000, fields={"kind": "raw"})
        assert answer["size"] == 100_000
        assert holder["injector"].stats["429"] == 1 and holder["injector"].stats["ok"] == 1


def test_without_the_setting_a_post_is_not_resent() -> None:
    wrap, holder = _flaky(["429", None])
    policy = RetryPolicy(total=2, sleep=lambda s: None)
    with DemoService(app=wrap) as demo, RestClient(demo.url, retries=policy) as client:
        with pytest.raises(HttpTooManyRequestsError):
            client.request("POST", demo.url + "/records/", data={"n": 1})
        assert holder["injector"].stats["ok"] == 0


def test_a_dropped_connection_on_a_post_is_still_not_retried() -> None:
    wrap, holder = _flaky(["reset", None])
    policy = RetryPolicy(total=2, statuses=(), methods=(), any_method_statuses=(429,), sleep=lambda s: None)
    with DemoService(app=wrap) as demo, RestClient(demo.url, retries=policy) as client:
        with pytest.raises(HttpConnectionError):
            client.request("POST", demo.url + "/records/", data={"n": 1})
        assert holder["injector"].stats["ok"] == 0


def test_replace_keeps_the_setting() -> None:
    policy = RetryPolicy(any_method_statuses=(429,)).replace(total=7)
    assert policy.total == 7 and policy.retries_any_method(429) and not policy.retries_any_method(503)


def test_a_failed_download_never_shows_a_presigned_signature(tmp_path) -> None:
    from archfx_cloud.api.exceptions import TransferError

    wrap, holder = _flaky(["truncate"])
    with DemoService(app=wrap) as demo, RestClient(demo.url) as client:
        url = demo.url + "/blob/2000000?X-Amz-Signature=s3cr3tsig&X-Amz-Expires=60"
        with pytest.raises(TransferError) as caught:
            client.download(url, str(tmp_path / "x.bin"), max_resumes=1)
    assert "s3cr3tsig" not in str(caught.value) and "s3cr3tsig" not in repr(caught.value)
    assert not list(tmp_path.iterdir())


def test_a_downloaded_file_gets_the_usual_permissions(tmp_path) -> None:
    import os
    import stat

    umask = os.umask(0o022)
    os.umask(umask)
    with DemoService() as demo, RestClient(demo.url) as client:
        path = client.download(demo.url + "/blob/1000", str(tmp_path / "f.bin"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask
