"""Upload bodies our connections send themselves: byte for byte what the read path sends,
over plain HTTP and TLS; empty files, wrappers that hook read(), shrinking files, chunked."""
from __future__ import annotations

import hashlib
import io
from typing import List

import pytest

from archfx_cloud.api import transfer
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
def direct_sends(monkeypatch) -> List[int]:
    """Bytes left in the body at every ``send_over`` call (a call per request sent directly)."""
    calls: List[int] = []
    original = transfer._Segments.send_over

    def recording(self, sock):
        calls.append(len(self) - self.tell())
        return original(self, sock)

    monkeypatch.setattr(transfer._Segments, "send_over", recording)
    return calls


def _expected(body) -> str:
    body.rewind()
    data = body.read()
    body.rewind()
    return f"{len(data)} {hashlib.sha256(data).hexdigest()}"


def _post(client, url, body) -> str:
    return client.request("POST", url, body=body, headers={"Content-Type": body.content_type})


def test_multipart_files_are_sent_directly_and_arrive_intact(tmp_path, direct_sends) -> None:
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
                    answer = _post(client, server.url + "/up", body)
                else:
                    answer = _post(client.aio(max_concurrency=2).client, server.url + "/up", body)
                assert answer == expected
                assert body.tell() == len(body) and seen[-1] == len(body)
                # progress moved in steps of at most one send buffer
                assert len(seen) >= 4 and max(b - a for a, b in zip(seen, seen[1:])) <= transfer.SEND_BUFFER
                seen.clear()
    assert len(direct_sends) == 2


def test_raw_file_bodies_and_retried_bodies_resend_everything(tmp_path, direct_sends) -> None:
    path = tmp_path / "raw.bin"
    path.write_bytes(b"0123456789" * 100_000)
    with LocalServer(_digest_sink) as server, RestClient(server.url) as client:
        with open_source(str(path)) as source:
            body = FileBody(source)
            first = client.request("PUT", server.url + "/raw", body=body)
            body.rewind()  # what a retry does
            second = client.request("PUT", server.url + "/raw", body=body)
    assert first == second == f"1000000 {hashlib.sha256(path.read_bytes()).hexdigest()}"
    assert direct_sends == [1_000_000, 1_000_000]


def test_empty_file_parts_do_not_stall_the_upload(tmp_path, direct_sends) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with LocalServer(_digest_sink) as server, RestClient(server.url, timeout=10) as client:
        with open_source(str(empty)) as first, open_source(str(empty)) as second:
            body = MultipartStream({"a": "1"}, [("f", first), ("g", second)])
            expected = _expected(body)
            assert _post(client, server.url + "/up", body) == expected
    assert direct_sends == [len(body)]


def test_wrappers_that_hook_read_are_read_not_bypassed(tmp_path, direct_sends) -> None:
    path = tmp_path / "data.bin"
    payload = b"abc" * 400_000
    path.write_bytes(payload)

    class Counting(io.RawIOBase):  # forwards fileno to a real file and counts reads, like tqdm's wrapper
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner, self.count = inner, 0

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def fileno(self) -> int:
            return self.inner.fileno()

        def seek(self, offset, whence=0):
            return self.inner.seek(offset, whence)

        def tell(self):
            return self.inner.tell()

        def read(self, size=-1):
            data = self.inner.read(size)
            self.count += len(data)
            return data

    with open(path, "rb") as inner, LocalServer(_digest_sink) as server, RestClient(server.url) as client:
        wrapper = Counting(inner)
        body = MultipartStream({"a": "1"}, [("f", open_source(("f.bin", wrapper)))])
        expected = _expected(body)
        wrapper.count = 0
        assert _post(client, server.url + "/up", body) == expected
    assert direct_sends and wrapper.count == len(payload)


def test_a_file_that_shrinks_before_it_is_sent_is_a_clear_error(tmp_path, direct_sends) -> None:
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
                _post(client, server.url + "/up", body)
    assert direct_sends and all(size < len(body) for size in received)  # never a complete request


def test_tls_uploads_are_sent_directly_too(tmp_path, direct_sends) -> None:
    from archfx_cloud.testing.tls import self_signed_server_context
    context, cert_path = self_signed_server_context(str(tmp_path))
    path = tmp_path / "f.bin"
    path.write_bytes(b"y" * 700_000 + bytes(range(256)))
    with LocalServer(_digest_sink, ssl_context=context) as server, \
            RestClient(server.url, verify=cert_path) as client:
        with open_source(str(path)) as source:
            body = MultipartStream({"a": "1"}, [("f", source)])
            expected = _expected(body)
            assert _post(client, server.url + "/up", body) == expected
    assert direct_sends == [len(body)]


def test_the_same_file_twice_in_one_body(tmp_path, direct_sends) -> None:
    path = tmp_path / "twice.bin"
    path.write_bytes(bytes(range(256)) * 5000)
    with open(path, "rb") as handle, LocalServer(_digest_sink) as server, RestClient(server.url) as client:
        body = MultipartStream({}, [("a", open_source(("a.bin", handle))), ("b", open_source(("b.bin", handle)))])
        expected = _expected(body)
        assert _post(client, server.url + "/up", body) == expected
    assert direct_sends == [len(body)]
