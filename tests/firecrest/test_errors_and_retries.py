"""Exceptions (classes, ``str()``, per-call history), 401/404/unexpected/non-JSON answers, 429s."""
from __future__ import annotations

import asyncio
import io
import sys
import threading
from typing import Any, Callable, Iterable, List

import pytest

import firecrest as fc
from archfx_cloud.api.exceptions import HttpNotFoundError, HttpUnauthorizedError, RestHttpBaseException
from archfx_cloud.testing.server import LocalServer

HOME = "/home/test_user"


class Rewrite:
    """WSGI middleware standing between the client and the emulator, changing chosen answers
    the way a misbehaving gateway or an older server would."""

    def __init__(self, app: Any, path: str, status: str = None, body: bytes = None, content_type: str = None):
        self.app, self.path, self.status, self.body, self.content_type = app, path, status, body, content_type

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ["PATH_INFO"] != self.path:
            return self.app(environ, start_response)
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in ("content-length", "content-type")]
        body = self.body if self.body is not None else body
        headers += [("Content-Length", str(len(body))),
                    ("Content-Type", self.content_type or dict(captured["headers"]).get("Content-Type", "text/plain"))]
        start_response(self.status or captured["status"], headers)
        return [body]


def test_exception_tree_and_top_level_exports() -> None:
    for name in ("FirecrestException", "HeaderException", "UnauthorizedException", "NotFound",
                 "UnexpectedStatusException", "NoJSONException", "ClientsCredentialsException",
                 "StorageDownloadException", "StorageUploadException", "PollingIterException",
                 "NotImplementedOnAPIversion"):
        assert getattr(fc, name) is getattr(fc.exceptions, name)
    from firecrest.FirecrestException import NotFound, PollingIterException  # pyfirecrest's module path
    assert NotFound is fc.NotFound and PollingIterException is fc.PollingIterException
    assert isinstance(fc.FirecrestException, type)  # the name on the package stays the class
    assert issubclass(fc.HeaderException, fc.FirecrestException)
    assert issubclass(fc.FirecrestException, RestHttpBaseException)
    assert issubclass(fc.NotFound, HttpNotFoundError) and issubclass(fc.UnauthorizedException, HttpUnauthorizedError)
    assert not issubclass(fc.PollingIterException, fc.FirecrestException)


def test_pyfirecrest_import_paths() -> None:
    import typing

    from firecrest.Authorization import ApiKeyAuth, ClientCredentialsAuth, TokenCommandAuth
    from firecrest.types import JobSubmit, LsFile, UserInfo
    from firecrest.v1.AsyncExternalStorage import AsyncExternalStorage, AsyncExternalUpload
    from firecrest.v1.BasicClient import Firecrest
    from firecrest.v1.ExternalStorage import ExternalDownload, ExternalStorage, ExternalUpload
    assert (ClientCredentialsAuth, TokenCommandAuth, ApiKeyAuth) == (fc.ClientCredentialsAuth, fc.TokenCommandAuth,
                                                                     fc.ApiKeyAuth)
    # the package attributes stay the classes, not the modules of the same names
    assert fc.v1.ExternalStorage is ExternalStorage and isinstance(fc.v1.ExternalStorage, type)
    assert fc.v1.AsyncExternalStorage is AsyncExternalStorage and fc.v1.AsyncExternalUpload is AsyncExternalUpload
    assert (Firecrest, ExternalUpload, ExternalDownload) == (fc.Firecrest, fc.ExternalUpload, fc.ExternalDownload)
    assert "jobid" in typing.get_type_hints(JobSubmit) and "accounts" in typing.get_type_hints(UserInfo)
    assert set(typing.get_type_hints(LsFile)) >= {"name", "type", "size", "permissions"}
    assert callable(fc.correlation_id)


def _header(exchange, name):
    return {k.lower(): v for k, v in exchange.headers.items()}.get(name.lower())


def test_correlation_ids_are_sent_inside_the_block_only(client, emu) -> None:
    client.all_systems()
    with fc.correlation_id("run-42") as cid:
        client.all_systems()
        with pytest.raises(fc.FirecrestException) as caught:
            client.list_files("cluster", "/no/such/dir")
    with fc.correlation_id() as generated:
        client.all_services()
    sent = [_header(e, "X-Correlation-ID") for e in emu.app.exchanges if e.path.startswith(("/status", "/utilities"))]
    assert cid == "run-42" and sent[0] is None and sent[1] == sent[2] == "run-42" and sent[-1] == generated
    assert caught.value.correlation_id == "run-42"  # read from the last request, as upstream

    async def in_a_task():  # the async client's worker threads see the caller's context
        async_client = fc.AsyncFirecrest(emu.url, authorization=emu.auth)
        with fc.correlation_id("async-7"):
            await async_client.all_systems()
        await async_client.close_session()

    asyncio.run(in_a_task())
    assert _header(emu.app.exchanges[-1], "X-Correlation-ID") == "async-7"


def test_correlation_ids_stay_with_firecrest_not_the_object_store(client, emu, tmp_path) -> None:
    local = tmp_path / "up.bin"
    local.write_bytes(b"x" * 1000)
    with fc.correlation_id("staged-1"):
        up = client.external_upload("cluster", str(local), "/home/test_user")
        up.poll_seconds = 0.01
        up.finish_upload(progress=False, wait=True)
    assert emu.app.store.request_headers and all("x-correlation-id" not in h for h in emu.app.store.request_headers)
    assert any(_header(e, "X-Correlation-ID") == "staged-1" for e in emu.app.exchanges)


def test_token_classes_give_auth_headers(emu) -> None:
    auth = fc.ClientCredentialsAuth(emu.client_id, emu.client_secret, emu.token_url)
    header = auth.auth_headers()["Authorization"]
    assert header.startswith("Bearer ") and header[7:] == auth.get_access_token()
    command = fc.TokenCommandAuth(f"{sys.executable} -c \"print('tok-1')\"")
    assert command.auth_headers() == {"Authorization": "Bearer tok-1"}


def test_unauthorized(emu) -> None:
    class Wrong:
        def get_access_token(self) -> str:
            return "not-a-token"

    client = fc.v1.Firecrest(emu.url, authorization=Wrong())
    with pytest.raises(fc.UnauthorizedException) as caught:
        client.all_systems()
    assert str(caught.value) == "last request: 401 {'description': 'Invalid or expired token'}: unauthorized request"
    assert caught.value.status_code == 401 and "not-a-token" not in repr(caught.value)


@pytest.mark.off_spec
def test_an_unexpected_success_status_is_reported(emu) -> None:
    with LocalServer(Rewrite(emu.app, "/utilities/mkdir", status="200 OK")) as proxy:
        client = fc.v1.Firecrest(proxy.url, authorization=emu.auth)
        with pytest.raises(fc.UnexpectedStatusException) as caught:
            client.mkdir("cluster", f"{HOME}/d")
    error = caught.value
    assert error.expected_status_code == 201
    assert str(error).endswith(": expected status 201")
    assert str(error).startswith("last request: 200 {'description': 'Success to mkdir file.'")


@pytest.mark.off_spec
def test_a_non_json_answer_is_no_json_exception(emu) -> None:
    page = b"<html><body>502 from the proxy, but with status 200</body></html>"
    with LocalServer(Rewrite(emu.app, "/status/systems", body=page, content_type="text/html")) as proxy:
        client = fc.v1.Firecrest(proxy.url, authorization=emu.auth)
        with pytest.raises(fc.NoJSONException) as caught:
            client.all_systems()
    assert str(caught.value) == "last request: 200 None: JSON is not included in the response"


def test_header_exception_for_headers_upstream_missed(client) -> None:
    client.mkdir("cluster", f"{HOME}/twice")
    with pytest.raises(fc.HeaderException) as caught:
        client.mkdir("cluster", f"{HOME}/twice")
    assert caught.value.header == "X-Exists"  # a plain FirecrestException in pyfirecrest 3.x


def test_errors_carry_the_responses_of_their_own_call_only(client, emu) -> None:
    client.list_files("cluster", HOME)  # learn the version first
    errors: List[BaseException] = []

    def work(i: int) -> None:
        try:
            client.submit("cluster", script_str="#!/bin/bash\necho ok\n")
            client.list_files("cluster", f"/missing-{i}")
        except fc.FirecrestException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(errors) == 8
    for error in errors:
        assert len(error.responses) == 1
        assert error.responses[0].request.path_url.startswith("/utilities/ls")
    assert sorted(e.responses[0].request.path_url for e in errors) == sorted(
        f"/utilities/ls?targetPath=%2Fmissing-{i}" for i in range(8))


def test_a_failed_task_keeps_the_whole_history(client, emu) -> None:
    with pytest.raises(fc.FirecrestException) as caught:
        client.submit("cluster", script_str="no shebang\n")
    paths = [r.request.path_url.split("?")[0] for r in caught.value.responses]
    assert paths[0] == "/compute/jobs/upload" and set(paths[1:]) == {"/tasks"}
    assert "This does not look like a batch script" in str(caught.value)


def test_polling_iterator_exhaustion(client, emu) -> None:
    emu.app.task_seconds = 5
    client.polling_sleep_times = [0.01, 0.01]
    with pytest.raises(fc.PollingIterException) as caught:
        client.submit("cluster", script_str="#!/bin/bash\n")
    assert caught.value.task_id in str(caught.value)


class Waits:
    def __init__(self) -> None:
        self.seen: List[float] = []

    def __call__(self, seconds: float) -> None:
        self.seen.append(seconds)


def test_429_is_retried_after_retry_after(client, emu) -> None:
    waits = Waits()
    client._wire.retry.sleep = waits
    emu.app.throttle(2, retry_after=0.25)
    assert client.all_systems()[0]["system"] == "cluster"
    assert waits.seen == [0.25, 0.25]
    assert [e.status for e in emu.app.exchanges] == [429, 429, 200]


@pytest.mark.parametrize("hint", ["Retry-After", "RateLimit-Reset"])
def test_each_rate_limit_hint_alone_is_honoured(client, emu, hint) -> None:
    waits = Waits()
    client._wire.retry.sleep = waits
    emu.app.throttle(1, retry_after=0.4, hints=(hint,))
    assert client.all_systems()[0]["system"] == "cluster"
    assert waits.seen == [0.4]
    throttled = [e for e in emu.app.exchanges if e.status == 429]
    assert [sorted(k for k in e.response_headers if k in ("Retry-After", "RateLimit-Reset")) for e in throttled] == [[hint]]


def test_429_on_an_upload_resends_the_body_from_its_start(client, emu) -> None:
    client._wire.retry.sleep = Waits()
    emu.app.throttle(1, retry_after=0.01)
    payload = bytes(range(256)) * 400
    client.simple_upload("cluster", io.BytesIO(payload), HOME, "up.bin")
    assert client.checksum("cluster", f"{HOME}/up.bin") == __import__("hashlib").sha256(payload).hexdigest()
    assert [e.status for e in emu.app.exchanges if e.path == "/utilities/upload"] == [429, 201]


def test_num_retries_rate_limit_bounds_the_retries(client, emu) -> None:
    client.num_retries_rate_limit = 1
    client._wire.retry.sleep = Waits()
    emu.app.throttle(5, retry_after=0.01)
    with pytest.raises(fc.FirecrestException) as caught:
        client.all_services()
    assert caught.value.status_code == 429
    assert len([e for e in emu.app.exchanges if e.status == 429]) == 2


@pytest.mark.emulator(rate_limit=(3, 0.3))
def test_a_rate_limited_burst_completes(client, emu) -> None:
    client._wire.retry.sleep = __import__("time").sleep
    for _ in range(6):
        client.all_systems()
    statuses = [e.status for e in emu.app.exchanges]
    assert statuses.count(200) == 6 and 429 in statuses
