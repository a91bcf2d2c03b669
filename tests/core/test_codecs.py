"""Request body encodings and response decoding, over the wire."""
from __future__ import annotations

import base64
import io
import json

import msgpack
import pytest
import yaml

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import ResponseDecodeError


def test_json_body_is_byte_identical_to_requests(client):
    answer = client.echo.post({"a": [1, 2], "b": "é"})
    assert answer["content_type"] == "application/json"
    assert answer["body"] == json.dumps({"a": [1, 2], "b": "é"})


def test_form_body(client):
    answer = client.echo.post({"a": "1", "b": ["x", "y"], "c": None}, body_format="form")
    assert answer["content_type"] == "application/x-www-form-urlencoded"
    assert answer["form"] == {"a": ["1"], "b": ["x", "y"]}


def test_multipart_with_files(client):
    answer = client.sink.post({"note": "hi"}, files={"file": ("data.bin", io.BytesIO(b"abc" * 1000))})
    assert answer["multipart"] is True
    assert answer["size"] == 3000
    assert answer["filename"] == "data.bin"
    assert answer["fields"] == {"note": ["hi"]}


def test_msgpack_and_yaml_bodies(client):
    packed = client.echo.post({"k": 1}, body_format="msgpack")
    assert packed["content_type"] == "application/msgpack"
    assert msgpack.unpackb(base64.b64decode(packed["body_b64"]) if packed["body_b64"] else packed["body"].encode()) == {"k": 1}
    dumped = client.echo.post({"k": [1, 2]}, body_format="yaml")
    assert dumped["content_type"] == "application/yaml"
    assert yaml.safe_load(dumped["body"]) == {"k": [1, 2]}


def test_raw_bytes_and_streams(client):
    assert client.sink.post(b"\x00" * 10, body_format="raw")["size"] == 10
    stream = io.BytesIO(b"z" * 200_000)
    assert client.sink.post(stream, body_format="raw")["size"] == 200_000


def test_client_default_body_format(demo):
    with RestClient(demo.url, body_format="form") as c:
        assert c.echo.post({"a": "1"})["form"] == {"a": ["1"]}


def test_unknown_body_format(client):
    with pytest.raises(ValueError, match="unknown body format"):
        client.echo.post({"a": 1}, body_format="xml")


@pytest.mark.parametrize("kind, expected", [
    ("json", {"kind": "json", "text": "héllo"}),
    ("problem+json", {"kind": "problem+json", "text": "héllo"}),
    ("latin1-json", {"kind": "latin1-json", "text": "héllo"}),
    ("msgpack", {"kind": "msgpack", "text": "héllo"}),
    ("yaml", {"kind": "yaml", "text": "héllo"}),
    ("text", "héllo"),
    ("bytes", b"\x00\x01binary"),
    ("empty", None),
    ("204", None),
])
def test_decoding_by_content_type(client, kind, expected):
    assert client.format(kind).get() == expected


def test_raw_response_for_any_call(client):
    response = client.format("json").get(raw=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert client.echo.post({"a": 1}, raw=True).json()["method"] == "POST"


def test_undecodable_body_raises_with_context(client):
    with pytest.raises(ResponseDecodeError) as info:
        client.format("bad-json").get()
    assert info.value.status_code == 200
    assert "/format/bad-json" in str(info.value)
