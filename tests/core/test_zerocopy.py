"""Zero-copy uploads: over plain HTTP the file parts of streamed bodies go out with sendfile,
byte for byte what the read path sends; TLS, file objects without a file, shrinking files."""
from __future__ import annotations

import hashlib
import io
import socket
from typing import List

import pytest

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.exceptions import TransferError
from archfx_cloud.api.progress import Progress
from archfx_cloud.api.transfer import FileBody, MultipartStream, open_source
from archfx_cloud.testing.server import LocalServer

MiB = 1024 * 1024


def _digest_sink(environ, start_response):
    """Answers ``<length> <sha256>`` of the body it received."""
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    answer = f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
    return [answer]


@pytest.fixture
def sendfile_calls(monkeypatch) -> List[int]:
    """Bytes asked of every ``socket.sendfile`` call."""
    calls: List[int] = []
    original = socket.socket.sendfile

    def recording(self, file, offset=0, count=None):
        calls.append(count)
        return original(self, file, offset, count)

    monkeypatch.setattr(socket.socket, "sendfile", recording)
    return calls


def _expected(body) -> str:
    body.rewind()
    data = body.read()
    body.rewind()
    return f"{len(data)} {hashlib.sha256(data).hexdigest()}"


def test_file_parts_go_out_with_sendfile_and_arrive_intact(tmp_path, sendfile_calls) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(bytes(range(256)) * (3 * MiB // 256) + b"tail")
    seen: List[int] = []
    with LocalServer(_digest_sink) as server, RestClient(server.url) as client:
        for sync in (True, False):
            with open_source(str(path)) as source:
                progress = Progress(lambda done, total: seen.append(done), None)
                body = MultipartStream({"kind": "x", "id": "7"}, [("content", source)], progress=progress)
                progress.total = len(body)
                expected = _expected(body)
                if sync:
                    answer = client.request("POST", server.url + "/up", body=body,
                                            headers={"Content-Type": body.content_type})
                else:
                    aio = client.aio(max_concurrency=2)
                    answer = aio.client.request("POST", server.url + "/up", body=body,
                                                headers={"Content-Type": body.content_type})
                assert answer == expected
                assert body.tell() == len(body) and seen[-1] == len(body)
    file_size = path.stat().st_size
    # the file in sendfile spans (1 MiB at most each: progress moves), twice; the form text never
    assert sum(sendfile_calls) == 2 * file_size and all(c <= MiB for c in sendfile_calls)


def test_raw_file_bodies_and_retried_bodies_resend_everything(tmp_path, sendfile_calls) -> None:
    path = tmp_path / "raw.bin"
    path.write_bytes(b"0123456789" * 100_000)
    with LocalServer(_digest_sink) as server, RestClient(server.url) as client:
        with open_source(str(path)) as source:
            body = FileBody(source)
            first = client.request("PUT", server.url + "/raw", body=body)
            body.rewind()  # what a retry does
            second = client.request("PUT", server.url + "/raw", body=body)
    assert first == second == f"1000000 {hashlib.sha256(path.read_bytes()).hexdigest()}"
    assert sum(sendfile_calls) == 2 * 1_000_000


def test_file_objects_without_a_file_are_read_and_sent(sendfile_calls) -> None:
    payload = b"abc" * 400_000
    with LocalServer(_digest_sink) as server, RestClient(server.url) as client:
        body = MultipartStream({"a": "1"}, [("f", open_source(("f.bin", io.BytesIO(payload))))])
        expected = _expected(body)
        assert client.request("POST", server.url + "/up", body=body,
                              headers={"Content-Type": body.content_type}) == expected
    assert sendfile_calls == []


def test_a_file_that_shrinks_before_it_is_sent_is_a_clear_error(tmp_path, sendfile_calls) -> None:
    path = tmp_path / "shrinking.bin"
    path.write_bytes(b"x" * MiB)
    received: List[int] = []

    def counting(environ, start_response):
        received.append(len(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))))
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    with LocalServer(counting) as server, RestClient(server.url, retries=0) as client:
        with open_source(str(path)) as source:
            body = MultipartStream({}, [("f", source)])
            with open(path, "r+b") as handle:
                handle.truncate(MiB // 2)
            with pytest.raises(TransferError, match="shrank while it was being sent"):
                client.request("POST", server.url + "/up", body=body, headers={"Content-Type": body.content_type})
    assert sendfile_calls and all(size < len(body) for size in received)  # never a complete request


def test_tls_uploads_take_the_read_path(tmp_path, sendfile_calls) -> None:
    from archfx_cloud.testing.tls import self_signed_server_context
    context, cert_path = self_signed_server_context(str(tmp_path))
    path = tmp_path / "f.bin"
    path.write_bytes(b"y" * 700_000)
    with LocalServer(_digest_sink, ssl_context=context) as server, \
            RestClient(server.url, verify=cert_path) as client:
        with open_source(str(path)) as source:
            body = MultipartStream({"a": "1"}, [("f", source)])
            expected = _expected(body)
            assert client.request("POST", server.url + "/up", body=body,
                                  headers={"Content-Type": body.content_type}) == expected
    assert sendfile_calls == []
