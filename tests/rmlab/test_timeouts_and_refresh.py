"""Request timeouts as rmlab/builtin TimeoutErrors naming the endpoint; token expiry signalled by
HTTP 498 or by an ExpiredTokenError error JSON under another status."""
from __future__ import annotations

import asyncio
import builtins

import pytest

from archfx_cloud.api.exceptions import (HttpConnectTimeoutError, HttpReadTimeoutError, HttpTimeoutError,
                                         RestHttpBaseException)
from rmlab import API, errors
from rmlab.testing import SAMPLES


def test_a_slow_answer_raises_a_timeout_error_naming_the_endpoint(make_emulator, run) -> None:
    emu = make_emulator(spec_overrides={"api-data-summary-get-single": {"timeout": 0.3}})

    async def main():
        async with API(**emu.credentials, retries=0) as api:
            emu.app.latency = 1.0  # every answer from now on comes a second after its request
            try:
                with pytest.raises(builtins.TimeoutError) as info:
                    await api.fetch_info(0)
            finally:
                emu.app.latency = 0.0
            return info.value, api._transport.credentials["access_token"]

    exc, token = run(main())
    assert isinstance(exc, errors.RequestTimeoutError) and isinstance(exc, errors.ReadTimeoutError)
    assert isinstance(exc, errors.TimeoutError) and isinstance(exc, errors.RMLabError)
    assert isinstance(exc, HttpReadTimeoutError) and isinstance(exc, HttpTimeoutError)  # the core's classes too
    assert str(exc) == "request to `api-data-summary-get-single` got no answer within 0.3 s"
    assert emu.url not in str(exc) and "127.0.0.1" not in str(exc) and token not in str(exc)
    assert exc.method == "GET" and exc.url.startswith(emu.url)  # attributes keep the (masked) URL
    assert emu.app.stats["api-data-summary-get-single"] == 1  # retries=0: asked once


def test_timeouts_of_retried_reads_and_of_writes(make_emulator, run) -> None:
    emu = make_emulator(spec_overrides={"api-data-bounded-get-all": {"timeout": 0.2},
                                        "api-data-bounded-post-json": {"timeout": 0.2}})

    async def main():
        async with API(**emu.credentials, retries=1) as api:
            emu.app.latency = 0.6
            try:
                with pytest.raises(errors.ReadTimeoutError, match="request to `api-data-bounded-get-all`"):
                    await api.fetch_airlines(0)
                with pytest.raises(TimeoutError, match="request to `api-data-bounded-post-json` got no answer"):
                    await api.upload_airlines(0, [{"name": "Slow Air"}])
            finally:
                emu.app.latency = 0.0

    run(main())
    assert emu.app.stats["api-data-bounded-get-all"] == 2  # a GET is retried once, then raises
    assert emu.app.stats["api-data-bounded-post-json"] == 1  # a POST is never replayed after a timeout


def test_timeout_error_mapping() -> None:
    read = errors.request_timeout("api-x", 2.5, HttpReadTimeoutError("Read timeout on GET http://h/p?token=s3cr3t",
                                                                     method="GET", url="http://h/p?token=s3cr3t"))
    connect = errors.request_timeout("auth-log-in", None, HttpConnectTimeoutError("connect timeout"),
                                     " (polling operation `auth-log-in`)")
    assert type(read) is errors.ReadTimeoutError and str(read) == "request to `api-x` got no answer within 2.5 s"
    assert "s3cr3t" not in read.url
    assert type(connect) is errors.ConnectTimeoutError and isinstance(connect, HttpConnectTimeoutError)
    assert str(connect) == "request to `auth-log-in` (polling operation `auth-log-in`) could not connect"
    assert isinstance(connect, builtins.TimeoutError) and isinstance(connect, RestHttpBaseException)
    # the operation budget error stays the plain rmlab TimeoutError
    assert not issubclass(errors.TimeoutError, HttpTimeoutError)


@pytest.mark.parametrize("status", [401, 400, 403])
def test_expired_token_json_under_another_status_refreshes_and_replays(make_emulator, run, status) -> None:
    emu = make_emulator(expired_token_status=status)

    async def main():
        async with API(**emu.credentials) as api:
            await api.fetch_info(0)
            emu.app.expire_access_tokens()
            dates = (await api.fetch_info(0))[0]
            emu.app.expire_access_tokens()
            await api.upload_countries(0, SAMPLES / "table.country.csv")  # a multipart body, replayed whole
            return dates, [c.id for c in await api.fetch_countries(0)]

    dates, countries = run(main())
    assert dates.id == 0 and sorted(countries) == ["Spain", "Switzerland", "United Kingdom"]
    assert emu.app.refreshes == 2
    assert emu.app.stats["api-data-summary-get-single"] == 3  # 1 + (expired, replay)
    assert emu.app.stats["api-data-bounded-post-file"] == 2


def test_the_emulator_answers_expired_tokens_with_the_chosen_status(make_emulator) -> None:
    import requests

    emu = make_emulator(expired_token_status=401)
    app = emu.app
    session = app._issue(emu.workgroup, emu.username)
    app.expire_access_tokens()
    answer = requests.get(emu.url + "/api/data/summary/0", headers={"Authorization": f"Bearer {session.access}"},
                          timeout=10)
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["type"] == "ExpiredTokenError" and answer.json()["errors"][0]["code"] == 401
    unknown = requests.get(emu.url + "/api/data/summary/0", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert unknown.status_code == 401 and unknown.json()["errors"][0]["type"] == "AuthenticationError"


def test_a_plain_401_is_not_taken_for_expiry(make_emulator, run) -> None:
    emu = make_emulator(expired_token_status=401)

    async def main():
        async with API(**emu.credentials) as api:
            api._transport._bearer.set_token("not-a-token")
            await api.fetch_info(0)

    with pytest.raises(errors.AuthenticationError, match="unknown or revoked token"):
        run(main())
    assert emu.app.refreshes == 0


@pytest.mark.parametrize("status", [498, 401])
def test_concurrent_calls_with_an_expired_token_refresh_once(make_emulator, run, status) -> None:
    emu = make_emulator(expired_token_status=status, latency=0.05)

    async def main():
        async with API(**emu.credentials) as api:
            emu.app.expire_access_tokens()
            # all eight are held until they are in flight together, then see the expired token
            emu.app.gate("api-data-summary-get-single", 8, timeout=10, before_auth=True)
            infos = await asyncio.gather(*(api.fetch_info(i % 2) for i in range(8)))
            emu.app.ungate("api-data-summary-get-single")
            return infos

    infos = run(main())
    assert sorted(info[0].id for info in infos) == [0, 0, 0, 0, 1, 1, 1, 1]
    assert emu.app.refreshes == 1  # one refresh for all of them
    assert emu.app.stats["api-data-summary-get-single"] == 16
