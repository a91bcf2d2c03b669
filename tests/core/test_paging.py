"""Lazy iteration across pages."""
from __future__ import annotations

import json

import pytest

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.paging import Page, PageNumberPages
from archfx_cloud.testing.server import LocalServer


@pytest.fixture
def filled(demo, client):
    for i in range(45):
        client.records.post({"n": i})
    return client


def test_drf_iterates_every_item_lazily(filled, demo):
    before = len(demo.app.seen_paths)
    iterator = filled.records.iterate(page_size=10)
    assert len(demo.app.seen_paths) == before  # nothing fetched yet
    items = list(iterator)
    assert [r["data"]["n"] for r in items] == list(range(45))
    assert len(demo.app.seen_paths) - before == 5


def test_max_items_stops_early(filled, demo):
    before = len(demo.app.seen_paths)
    assert len(list(filled.records.iterate(page_size=10, max_items=12))) == 12
    assert len(demo.app.seen_paths) - before == 2


def test_max_pages(filled):
    assert len(list(filled.records.iterate(page_size=10, max_pages=3))) == 30


def test_page_number_style(client):
    items = list(client.items.iterate(paginator=PageNumberPages(items="items", page_size=10)))
    assert items == list(range(35))


def test_page_number_without_size_stops_on_empty_page(client, demo):
    assert list(client.items.iterate(paginator=PageNumberPages(items="items"))) == list(range(35))


def test_service_supplied_extractor(client):
    def extractor(decoded, response, params):
        page = decoded["page"]
        return Page(decoded["items"], next_params=dict(params, page=page + 1) if page < 2 else None)

    assert list(client.items.iterate(paginator=extractor)) == list(range(20))


def test_next_link_to_another_host_is_refused(client):
    def evil(decoded, response, params):
        return Page([1], next_url="http://evil.example/steal")

    with pytest.raises(ValueError, match="outside"):
        list(client.items.iterate(paginator=evil))


def test_plain_http_next_links_of_the_same_host_are_followed_over_https(tmp_path):
    """A DRF server behind a TLS-terminating proxy writes http:// 'next' links: follow them on the
    client's own (https) origin, never in clear text and never to another host."""
    from archfx_cloud.testing.tls import self_signed_server_context

    context, cert = self_signed_server_context(str(tmp_path))
    seen = []

    def app(environ, start_response):
        page = int((environ.get("QUERY_STRING") or "page=1").split("=")[1])
        seen.append((environ["wsgi.url_scheme"], page))
        host = environ["HTTP_HOST"]
        body = {"count": 3, "next": f"http://{host}/api/items/?page={page + 1}" if page < 3 else None,
                "previous": None, "results": [page]}
        data = json.dumps(body).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    with LocalServer(app, ssl_context=context) as server:
        with RestClient(server.url + "/api", verify=cert, trailing_slash=True) as c:
            assert list(c.items.iterate()) == [1, 2, 3]
    assert seen == [("https", 1), ("https", 2), ("https", 3)]
