"""``await``-able calls over the same pipeline.

:class:`AsyncRestClient` runs the synchronous pipeline of a :class:`RestClient` in a bounded
thread pool, so async clients (RMLab, async FirecREST) get the same timeouts, retries, auth
refresh, errors and redaction. The pool size is the concurrency limit, and the client's
connection pool is resized to match so concurrent calls do not queue for a connection.

    aclient = client.aio(max_concurrency=32)
    devices = await aclient.org("x").devices.get()
    async for item in aclient.device.iterate():
        ...
"""
from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Optional, Tuple, TypeVar

from .paging import aiterate_pages, drf_pages
from .urls import split_path

if TYPE_CHECKING:  # pragma: no cover
    from .client import RestClient
    from .resource import Resource

T = TypeVar("T")


class AsyncRestClient:
    """The asyncio face of a :class:`RestClient` (attribute chaining included)."""

    def __init__(self, client: "RestClient", max_concurrency: int = 16) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.client = client
        self.max_concurrency = max_concurrency
        self._executor = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="rest-aio")
        client.resize_pool(max_concurrency)

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def url_for(self, segments: Tuple[str, ...] = ()) -> str:
        return self.client.url_for(segments)

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run any blocking callable of the client in the pool, in a copy of the caller's context
        (context variables set around an ``await``, such as a correlation id, reach the thread)."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(self._executor, functools.partial(context.run, fn, *args, **kwargs))

    async def request(self, method: str, url: str, **kwargs: Any) -> Any:
        return await self.run(self.client.request, method, url, **kwargs)

    async def send(self, method: str, url: str, **kwargs: Any) -> Any:
        return await self.run(self.client.send, method, url, **kwargs)

    async def download(self, url: str, dest: Any, **kwargs: Any) -> Any:
        return await self.run(self.client.download, url, dest, **kwargs)

    async def upload(self, url: str, source: Any, **kwargs: Any) -> Any:
        return await self.run(self.client.upload, url, source, **kwargs)

    def iterate(self, url: str, *, paginator: Any = drf_pages, **kwargs: Any) -> AsyncIterator[Any]:
        return aiterate_pages(self, url, paginator=paginator, **kwargs)

    # chaining: the same Resource class, whose verbs now return coroutines
    @property
    def root(self) -> "Resource":
        return self.client.resource_class(self, ())

    def __getattr__(self, name: str) -> "Resource":
        if name.startswith("_"):
            raise AttributeError(name)
        return self.root[name]

    def __getitem__(self, name: Any) -> "Resource":
        return self.root[name]

    def __call__(self, path: Any) -> "Resource":
        return self.client.resource_class(self, split_path(path))

    def __repr__(self) -> str:
        return f"<AsyncRestClient over {self.client!r}, max_concurrency={self.max_concurrency}>"

    async def aclose(self, close_client: bool = True) -> None:
        self._executor.shutdown(wait=False)
        if close_client:
            self.client.close()

    async def __aenter__(self) -> "AsyncRestClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
