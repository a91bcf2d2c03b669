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
            # the file in whole blocks, plus one read each for the form text, the closing line and EOF
            assert len([n for n in body.asked if n > 0]) <= len(payload) // SEND_BLOCKSIZE + 3
    assert SEND_BLOCKSIZE >= 64 * 1024


def test_reads_hand_out_one_segment_at_a_time(tmp_path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 1000)
    with open_source(str(path)) as source:
        body = MultipartStream({"a": "1", "b": "2"}, [("f", source)], boundary="B")
        pieces = list(iter(lambda: body.read(300), b""))
        whole = b"".join(pieces)
        assert len(whole) == len(body) and body.tell() == len(body)
        # form text (both fields and the file part's headers) in one piece, the file in reads of
        # 300 bytes that never mix with text, then the closing line
        assert pieces[0].startswith(b"--B\r\n") and pieces[0].endswith(b"\r\n\r\n") and b"x" not in pieces[0]
        assert pieces[1:5] == [b"x" * 300] * 3 + [b"x" * 100]
        assert pieces[5:] == [b"\r\n--B--\r\n"]
        body.seek(0)
        assert body.read() == whole  # read() with no size still returns everything
