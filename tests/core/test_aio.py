"""The async facade: same pipeline, real overlap, bounded concurrency."""
from __future__ import annotations

import asyncio

import pytest

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import HttpNotFoundError
from archfx_cloud.api.paging import PageNumberPages
from archfx_cloud.testing.demo import DemoApp
from archfx_cloud.testing.server import LocalServer


def test_async_chaining_and_errors(demo):
    async def main():
        async with RestClient(demo.url).aio(max_concurrency=4) as api:
            answer = await api.echo.org("x").get(page=1)
            assert answer["path"] == "/echo/org/x"
            created = await api.records.post({"n": 1})
            assert created["data"] == {"n": 1}
            with pytest.raises(HttpNotFoundError):
                await api.status(404).get()
            items = [i async for i in api.items.iterate(paginator=PageNumberPages(items="items"))]
            assert items == list(range(35))
    asyncio.run(main())


def test_calls_overlap_up_to_the_limit():
    app = DemoApp()
    with LocalServer(app) as server:
        async def main(limit):
            app.max_in_flight = 0
            async with RestClient(server.url).aio(max_concurrency=limit) as api:
                results = await asyncio.gather(*(api.slow.get(delay=0.1, n=i) for i in range(24)))
            assert results == [{"slept": 0.1}] * 24
            return app.max_in_flight

        # in-flight is counted inside the app while it sleeps: it shows real side-by-side requests
        assert asyncio.run(main(8)) >= 4
        assert asyncio.run(main(2)) <= 2


def test_pool_sized_to_concurrency(demo):
    client = RestClient(demo.url)
    client.aio(max_concurrency=40)
    adapter = client.session.get_adapter(demo.url)
    assert adapter._pool_maxsize == 40
