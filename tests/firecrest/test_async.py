"""``AsyncFirecrest``: the same methods as coroutines, per-service pacing, shared 429 back-off,
merged polls, awaitable staged transfers."""
from __future__ import annotations

import asyncio
import inspect
import os
import time

import pytest
import requests

import firecrest as fc
from firecrest.v1._methods import PUBLIC_METHODS
from firecrest.v1.async_client import Pacer, SharedBackoffPolicy
from firecrest.v1._wire import rate_limit_policy

HOME = "/home/test_user"


def _client(emu, spacing: float = 0.0) -> fc.AsyncFirecrest:
    client = fc.AsyncFirecrest(emu.url, authorization=emu.auth)
    client.time_between_calls = {k: spacing for k in client.time_between_calls}
    client.set_api_version("1.16.1")
    return client


def test_every_public_method_is_a_coroutine_function_with_the_sync_signature() -> None:
    for name in PUBLIC_METHODS:
        method = getattr(fc.AsyncFirecrest, name)
        assert inspect.iscoroutinefunction(method), name
        assert inspect.signature(method) == inspect.signature(getattr(fc.v1.Firecrest, name)), name
    assert len(PUBLIC_METHODS) >= 45


def test_calls_give_the_sync_results(emu) -> None:
    async def main():
        client = _client(emu)
        await client.mkdir("cluster", f"{HOME}/a/b", p=True)
        listing, systems, me = await asyncio.gather(client.list_files("cluster", f"{HOME}/a"),
                                                    client.all_systems(), client.whoami("cluster"))
        job = await client.submit("cluster", script_str="#!/bin/bash\necho async\n")
        await client.close_session()
        return listing, systems, me, job

    listing, systems, me, job = asyncio.run(main())
    assert [e["name"] for e in listing] == ["b"] and systems[0]["system"] == "cluster" and me == "test_user"
    assert isinstance(job["jobid"], int) and job["firecrest_taskid"]


def test_many_concurrent_calls_share_one_client(emu) -> None:
    async def main():
        client = _client(emu)
        for i in range(10):
            await client.mkdir("cluster", f"{HOME}/d{i}")
        results = await asyncio.gather(*(client.list_files("cluster", f"{HOME}/d{i % 10}") for i in range(60)))
        await client.close_session()
        return results

    assert asyncio.run(main()) == [[]] * 60


def test_errors_are_the_same_exceptions(emu) -> None:
    async def main():
        client = _client(emu)
        try:
            await client.list_files("cluster", "/missing")
        finally:
            await client.close_session()

    with pytest.raises(fc.HeaderException) as caught:
        asyncio.run(main())
    assert caught.value.header == "X-Invalid-Path"


def test_pacer_spaces_slots_per_service() -> None:
    pacer = Pacer()
    assert pacer.reserve("compute", 1.0) <= 0
    second = pacer.reserve("compute", 1.0)
    third = pacer.reserve("compute", 1.0)
    assert 0.9 < second <= 1.0 and 1.9 < third <= 2.0
    assert pacer.reserve("tasks", 1.0) <= 0  # another service has its own slots
    pacer.back_off("tasks", 5.0)
    assert 4.9 < pacer.reserve("tasks", 0.1) <= 5.0


def test_a_429_announces_a_shared_back_off() -> None:
    pacer = Pacer()
    policy = rate_limit_policy(3, policy_class=SharedBackoffPolicy)
    policy.pacer, policy.service = pacer, "utilities"

    class Answer:
        status_code = 429
        headers = {"Retry-After": "2"}

    assert policy.delay(1, Answer()) == 2.0
    assert 1.9 < pacer.held_for("utilities") <= 2.0
    assert pacer.held_for("compute") < 0


def test_a_throttled_call_waits_and_holds_back_the_service(emu) -> None:
    emu.app.throttle(1, retry_after=0.2)

    async def main():
        client = _client(emu)
        began = time.monotonic()
        result = await client.all_systems()
        hold = client._pacer._hold.get("status", 0.0)
        await client.close_session()
        return result, hold - began

    result, held = asyncio.run(main())
    assert result[0]["system"] == "cluster"
    assert 0.15 < held < 5
    assert [e.status for e in emu.app.exchanges] == [429, 200]


def test_concurrent_polls_are_merged_into_one_request(emu, job_waiter) -> None:
    async def main():
        client = _client(emu, spacing=0.05)
        jobs = [await client.submit("cluster", script_str="#!/bin/bash\nsleep 30\n") for _ in range(4)]
        client.merge_get_requests = True
        before = {k: emu.app.requests[k] for k in ("jobs", "tasks")}
        active = await asyncio.gather(*(client.poll_active("cluster", [j["jobid"]]) for j in jobs))
        merged = {k: emu.app.requests[k] - before[k] for k in before}
        await client.close_session()
        return jobs, active, merged

    jobs, active, merged = asyncio.run(main())
    assert merged["jobs"] == 1
    assert merged["tasks"] < 4  # the four callers' task polls were merged too (unmerged: at least 4)
    assert [[r["jobid"] for r in rows] for rows in active] == [[str(j["jobid"])] for j in jobs]
    sent = [e for e in emu.app.exchanges if e.path == "/compute/jobs"][-1]
    assert sorted(sent.args["jobs"][0].split(",")) == sorted(str(j["jobid"]) for j in jobs)


def test_polls_with_time_filters_are_not_merged(emu) -> None:
    async def main():
        client = _client(emu, spacing=0.02)
        job = await client.submit("cluster", script_str="#!/bin/bash\n")
        client.merge_get_requests = True
        before = emu.app.requests["acct"]
        await asyncio.gather(*(client.poll("cluster", [job["jobid"]], start_time="2000-01-01") for _ in range(3)))
        after_filtered = emu.app.requests["acct"] - before
        before = emu.app.requests["acct"]
        await asyncio.gather(*(client.poll("cluster", [job["jobid"]]) for _ in range(3)))
        after_plain = emu.app.requests["acct"] - before
        await client.close_session()
        return after_filtered, after_plain

    assert asyncio.run(main()) == (3, 1)


def test_awaitable_staged_transfers(emu, tmp_path) -> None:
    payload = os.urandom(300_000)
    local = tmp_path / "up.bin"
    local.write_bytes(payload)

    async def main():
        client = _client(emu)
        up = await client.external_upload("cluster", str(local), HOME)
        assert isinstance(up, fc.v1.AsyncExternalUpload)
        up.poll_seconds = 0.01
        await up.finish_upload(progress=False, wait=True)
        status = await up.status
        down = await client.external_download("cluster", f"{HOME}/up.bin")
        down.poll_seconds = 0.01
        link = await down.object_storage_link
        await down.finish_download(str(tmp_path / "down.bin"), progress=False)
        await down.invalidate_object_storage_link()
        in_progress = await down.in_progress
        await client.close_session()
        return status, link, in_progress

    status, link, in_progress = asyncio.run(main())
    assert status == "114" and link.startswith(emu.store_server.url) and in_progress is False
    assert (tmp_path / "down.bin").read_bytes() == payload


def test_sessions_close_and_reopen(emu) -> None:
    async def main():
        client = _client(emu)
        await client.close_session()
        assert client.is_session_closed
        with pytest.raises(RuntimeError):
            await client.all_systems()
        await client.create_new_session()  # a coroutine, as upstream
        result = await client.all_systems()
        await client.close_session()
        return result

    assert asyncio.run(main())[0]["system"] == "cluster"


def test_an_ssl_context_is_used_by_both_clients(tmp_path) -> None:
    import ssl

    from archfx_cloud.testing.server import LocalServer
    from archfx_cloud.testing.tls import self_signed_server_context
    from firecrest.testing.emulator import FirecrestApp

    server_context, cert = self_signed_server_context(str(tmp_path))
    app = FirecrestApp()
    token = app.issue_token()

    class Auth:
        def get_access_token(self) -> str:
            return token

    trusting = ssl.create_default_context(cafile=cert)
    with LocalServer(app, ssl_context=server_context) as server:
        assert server.url.startswith("https://")
        assert fc.v1.Firecrest(server.url, authorization=Auth(), verify=trusting).all_systems()[0]["system"] == "cluster"

        async def main():
            client = fc.AsyncFirecrest(server.url, authorization=Auth(), verify=trusting)
            try:
                return await client.all_systems()
            finally:
                await client.close_session()

        assert asyncio.run(main())[0]["system"] == "cluster"
        with pytest.raises(requests.exceptions.SSLError):  # a context that does not trust the test CA
            fc.v1.Firecrest(server.url, authorization=Auth(), verify=ssl.create_default_context()).all_systems()


def test_merged_polls_from_several_threads_and_loops(emu) -> None:
    """One client, three threads, each with its own event loop, merging polls at once."""
    import threading

    client = _client(emu, spacing=0.05)
    client.merge_get_requests = True
    jobs = asyncio.run(_submit(client, 3))
    results, errors = {}, []

    def worker(index: int) -> None:
        async def polls():
            return await asyncio.gather(*(client.poll_active("cluster", [j["jobid"]]) for j in jobs))
        try:
            results[index] = asyncio.run(polls())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    asyncio.run(client.close_session())
    assert errors == []
    expected = [[str(j["jobid"])] for j in jobs]
    assert [[[r["jobid"] for r in rows] for rows in results[i]] for i in range(3)] == [expected] * 3


async def _submit(client, count):
    return [await client.submit("cluster", script_str="#!/bin/bash\nsleep 30\n") for _ in range(count)]


def test_a_cancelled_first_poll_does_not_strand_the_merged_ones(emu) -> None:
    async def main():
        client = _client(emu, spacing=0.3)
        jobs = await _submit(client, 2)
        client.merge_get_requests = True
        await client.all_systems()  # not a tasks/jobs slot: the next jobs poll waits for its spacing
        await client.poll_active("cluster", [jobs[0]["jobid"]])  # the next one now waits ~0.3 s
        first = asyncio.ensure_future(client.poll_active("cluster", [jobs[0]["jobid"]]))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(client.poll_active("cluster", [jobs[1]["jobid"]]))
        await asyncio.sleep(0.05)
        first.cancel()
        rows = await asyncio.wait_for(second, 10)
        await client.close_session()
        return jobs, first, rows

    jobs, first, rows = asyncio.run(main())
    assert first.cancelled()
    assert [r["jobid"] for r in rows] == [str(jobs[1]["jobid"])]
