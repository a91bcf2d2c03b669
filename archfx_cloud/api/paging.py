"""Lazy iteration over paged listings.

A paginator is a callable ``paginator(decoded_body, response, params) -> Page`` telling which
items a page holds and what to fetch next: an absolute ``next_url`` (DRF) or new query
``next_params`` (page numbers), or neither to stop. Services supply their own the same way.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Dict, Iterator, List, NamedTuple, Optional

import requests

from .redact import mask_url
from .urls import onto_base_origin

if TYPE_CHECKING:  # pragma: no cover
    from .client import RestClient


class Page(NamedTuple):
    items: List[Any]
    next_url: Optional[str] = None
    next_params: Optional[Dict[str, Any]] = None


Paginator = Callable[[Any, requests.Response, Dict[str, Any]], Page]


def drf_pages(decoded: Any, response: requests.Response, params: Dict[str, Any]) -> Page:
    """Django REST framework: ``{"count", "next", "previous", "results"}``."""
    if isinstance(decoded, list):
        return Page(decoded)
    if not isinstance(decoded, dict):
        raise ValueError(f"expected a DRF page (a JSON object with 'results'), got {type(decoded).__name__}")
    return Page(list(decoded.get("results") or []), decoded.get("next") or None)


class PageNumberPages:
    """``?page=N`` listings: stops on an empty page, a short page, or the last page number.

    ``items`` names the key holding the items (``None`` when the body is the list itself);
    ``page_size`` (sent as ``size_param`` when given) lets a short page end the walk without
    one more request; ``total_pages`` names a key with the page count, if the service has one.
    """

    def __init__(self, page_param: str = "page", start: int = 1, items: Optional[str] = None,
                 size_param: Optional[str] = None, page_size: Optional[int] = None,
                 total_pages: Optional[str] = None) -> None:
        self.page_param = page_param
        self.start = start
        self.items = items
        self.size_param = size_param
        self.page_size = page_size
        self.total_pages = total_pages

    def first_params(self, params: Dict[str, Any]) -> Dict[str, Any]:
        out = dict(params)
        out.setdefault(self.page_param, self.start)
        if self.size_param and self.page_size:
            out.setdefault(self.size_param, self.page_size)
        return out

    def __call__(self, decoded: Any, response: requests.Response, params: Dict[str, Any]) -> Page:
        items = decoded if self.items is None else (decoded or {}).get(self.items) or []
        items = list(items)
        page = int(params.get(self.page_param, self.start))
        if not items or (self.page_size and len(items) < self.page_size):
            return Page(items)
        if self.total_pages and isinstance(decoded, dict):
            last = decoded.get(self.total_pages)
            if last is not None and page >= int(last) + self.start - 1:
                return Page(items)
        return Page(items, None, dict(params, **{self.page_param: page + 1}))


class _Walk:
    """State of one iteration: what to request next and how many items are still wanted."""

    def __init__(self, base_url: str, url: str, params: Optional[Dict[str, Any]], paginator: Paginator,
                 max_items: Optional[int], max_pages: Optional[int]) -> None:
        self.base_url = base_url
        self.paginator = paginator
        self.url: Optional[str] = url
        first = getattr(paginator, "first_params", None)
        self.params: Dict[str, Any] = first(dict(params or {})) if first else dict(params or {})
        self.remaining = max_items
        self.pages_left = max_pages

    def done(self) -> bool:
        return self.url is None or self.remaining == 0 or self.pages_left == 0

    def take(self, decoded: Any, response: requests.Response) -> List[Any]:
        page = self.paginator(decoded, response, self.params)
        if self.pages_left is not None:
            self.pages_left -= 1
        items = page.items
        if self.remaining is not None:
            items = items[:self.remaining]
            self.remaining -= len(items)
        if page.next_url:
            target = onto_base_origin(page.next_url, self.base_url)
            if target is None:
                raise ValueError(f"refusing to follow a 'next' link outside {mask_url(self.base_url)}: "
                                 f"{mask_url(page.next_url)}")
            self.url, self.params = target, {}
        elif page.next_params is not None:
            self.params = page.next_params
        else:
            self.url = None
        return items


def iterate_pages(client: "RestClient", url: str, *, params: Any = None, paginator: Paginator = drf_pages,
                  max_items: Optional[int] = None, max_pages: Optional[int] = None, **kwargs: Any) -> Iterator[Any]:
    walk = _Walk(client.base_url, url, params, paginator, max_items, max_pages)
    while not walk.done():
        response = client.send("GET", walk.url, params=walk.params or None, **kwargs)  # type: ignore[arg-type]
        yield from walk.take(client.decode(response), response)


async def aiterate_pages(aclient: Any, url: str, *, params: Any = None, paginator: Paginator = drf_pages,
                         max_items: Optional[int] = None, max_pages: Optional[int] = None,
                         **kwargs: Any) -> AsyncIterator[Any]:
    client = aclient.client
    walk = _Walk(client.base_url, url, params, paginator, max_items, max_pages)
    while not walk.done():
        response = await aclient.run(client.send, "GET", walk.url, params=walk.params or None, **kwargs)
        for item in walk.take(client.decode(response), response):
            yield item
