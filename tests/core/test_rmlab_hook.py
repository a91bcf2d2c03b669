"""Core hook added for rmlab: streamed request bodies go to the socket in SEND_BLOCKSIZE blocks
(http.client's 8-16 KiB default made 32 overlapping 1 MiB uploads CPU-bound)."""
from __future__ import annotations

import io
from typing import List

from archfx_cloud.api.client import SEND_BLOCKSIZE, RestClient
from archfx_cloud.api.transfer import MultipartStream, open_source
from archfx_cloud.testing.server import LocalServer


class RecordingStream(MultipartStream):
    """The core's multipart stream, remembering the size of every read the transport asks for."""

    def __init__(self, *args, **kwargs) -> None:
        self.asked: List[int] = []
        super().__init__(*args, **kwargs)

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        return super().read(size)


def _sink(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    answer = str(len(body)).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
    return [answer]


def test_streamed_bodies_are_sent_in_large_blocks() -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB
    with LocalServer(_sink) as server:
        for client in (RestClient(server.url), RestClient(server.url).aio(max_concurrency=4).client):
            body = RecordingStream({"kind": "x"}, [("content", open_source(("m.bin", io.BytesIO(payload))))])
            received = client.request("POST", server.url + "/up", body=body,
                                      headers={"Content-Type": body.content_type})
            assert int(received) == len(body)
            assert max(body.asked) == SEND_BLOCKSIZE
            assert len([n for n in body.asked if n > 0]) <= len(body) // SEND_BLOCKSIZE + 2
    assert SEND_BLOCKSIZE >= 64 * 1024
