"""Attribute chaining and URL safety, checked on what the server actually received."""
from __future__ import annotations

import pytest

from archfx_cloud.api.client import RestClient


def test_chaining_builds_paths_and_query(client, demo):
    answer = client.echo.org("x").devices.get(page=2, tags=["a", "b"], skipped=None)
    assert answer["path"] == "/echo/org/x/devices"
    assert answer["query"] == {"page": ["2"], "tags": ["a", "b"]}


def test_verbs_do_not_shadow_segments(client):
    assert client.echo["get"]["user-info"].get()["path"] == "/echo/get/user-info"
    assert client.echo["post"].url().endswith("/echo/post")
    assert client.echo.post({"a": 1})["method"] == "POST"


def test_literal_multi_segment_path(client):
    assert client("echo/streamer/report").get()["path"] == "/echo/streamer/report"


def test_zero_is_a_valid_id(client):
    assert client.echo.org(0).get()["path"] == "/echo/org/0"


def test_trailing_slash_policy(demo):
    with RestClient(demo.url, trailing_slash=True) as c:
        assert c.echo.org("x").url() == demo.url + "/echo/org/x/"
        assert c.echo.org("x").get()["path"] == "/echo/org/x/"


@pytest.mark.parametrize("base", ["{url}/echo", "{url}/echo/", "{url}/echo//"])
def test_base_url_with_or_without_slash(demo, base):
    with RestClient(base.format(url=demo.url)) as c:
        assert c.a.b(1).url() == demo.url + "/echo/a/b/1"


@pytest.mark.parametrize("hostile", ["../x", "/abs", "http://evil", "//evil.example/x", "..", ".", "%2e%2e",
                                     "%2E%2e", "a/../../b", "..\\x"])
def test_hostile_ids_raise_before_any_request(client, demo, hostile):
    before = len(demo.app.seen_paths)
    with pytest.raises(ValueError):
        client.echo.org(hostile).get()
    assert len(demo.app.seen_paths) == before


@pytest.mark.parametrize("odd, wire", [("a?b", "a%3Fb"), ("a#b", "a%23b"), ("a/b", "a%2Fb"), ("50%", "50%25"),
                                       ("sp ace", "sp%20ace"), ("é", "%C3%A9")])
def test_odd_ids_stay_one_segment_under_the_base(client, demo, odd, wire):
    answer = client.echo.org(odd).get()
    assert answer["raw_uri"] == f"/echo/org/{wire}"
    assert all(p.startswith("/echo/") for p in demo.app.seen_paths)


def test_hostile_literal_paths_are_refused(client):
    for path in ("/etc/passwd", "http://evil/x", "a/../../b"):
        with pytest.raises(ValueError):
            client(path)


def test_private_names_are_not_resources(client):
    with pytest.raises(AttributeError):
        client.echo._private


def test_invalid_base_url():
    for bad in ("", "ftp://x", "not a url", None):
        with pytest.raises(ValueError):
            RestClient(bad)  # type: ignore[arg-type]


def test_resources_are_plain_values(client):
    assert client.a(1) == client.a(1)
    assert client.a(1) != client.a(2)
    assert len({client.a(1), client.a(1)}) == 1
