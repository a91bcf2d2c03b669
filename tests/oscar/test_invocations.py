"""run_service: inputs (dict, Unicode text, bytes, files streamed), outputs decoded exactly, tokens."""
from __future__ import annotations

import base64
import hashlib
import io
import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oscar_python.client import Client
from oscar_python.exceptions import OscarServerError
from oscar_python.invocation import Base64Body, b64_length, decode_output, looks_base64, parse_headers
from oscar_python.testing import OscarEmulator

ECHO = {"name": "echo", "image": "alpine", "script": "cat $INPUT_FILE_PATH"}


def service(name, behaviour, output=None):
    variables = {"EMULATOR_BEHAVIOUR": behaviour}
    if output:
        variables["EMULATOR_OUTPUT"] = output
    return {"name": name, "image": "alpine", "script": "run.sh", "environment": {"variables": variables}}


@pytest.fixture
def client(oscar_client: Client) -> Client:
    oscar_client.create_service(dict(ECHO))
    return oscar_client


def last_run(emu: OscarEmulator):
    return [e for e in emu.exchanges if e.path.startswith(("/run/", "/job/"))][-1]


def test_text_input_is_utf8_base64_and_uses_the_service_token(client: Client, oscar_emulator) -> None:
    text = "héllo wörld ✓ 日本"
    assert client.run_service("echo", input=text).text == text
    sent = last_run(oscar_emulator)
    assert base64.b64decode(sent.body).decode("utf-8") == text
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"] == "Bearer " + oscar_emulator.service_token("echo")


def test_dict_input_is_real_json(client: Client, oscar_emulator) -> None:
    client.create_service(service("cow", "cowsay"))
    answer = client.run_service("cow", input={"message": "Hi there"}).text
    assert "< Hi there >" in answer and "(oo)" in answer
    assert json.loads(last_run(oscar_emulator).body) == {"message": "Hi there"}


def test_bytes_and_file_object_inputs(client: Client, oscar_emulator) -> None:
    assert client.run_service("echo", input=b"raw bytes").text == "raw bytes"
    assert client.run_service("echo", input=io.BytesIO(b"from a file object")).text == "from a file object"


def test_file_input_is_streamed_with_its_length_known(client: Client, oscar_emulator, tmp_path) -> None:
    client.create_service(service("digest", "sha256"))
    data = os.urandom(3 * 1024 * 1024 + 2)  # several encoder blocks, and a size that needs padding
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    seen = []
    answer = client.run_service("digest", input=str(path), progress=lambda done, total: seen.append((done, total)))
    assert answer.text == f"{len(data)} {hashlib.sha256(data).hexdigest()}\n"
    sent = last_run(oscar_emulator)
    assert int(sent.headers["Content-Length"]) == b64_length(len(data))
    assert "Transfer-Encoding" not in sent.headers
    assert seen[-1] == (len(data), len(data))


def test_streamed_body_is_rewound_for_an_auth_replay(oscar_emulator: OscarEmulator, tmp_path) -> None:
    emu = oscar_emulator
    Client(emu.options()).create_service(dict(service("digest", "sha256"), visibility="public"))
    forged = OscarEmulator().app.issue_token("alice")
    user = Client({"cluster_id": emu.cluster_id, "endpoint": emu.url, "oidc_token": forged,
                   "refresh_token": emu.issue_refresh_token("alice"), "token_endpoint": emu.token_endpoint})
    data = os.urandom(100_000)
    path = tmp_path / "in.bin"
    path.write_bytes(data)
    assert user.run_service("digest", input=str(path)).text.split()[1] == hashlib.sha256(data).hexdigest()
    assert [(e.path, e.status) for e in emu.exchanges[-3:]] == [
        ("/run/digest", 401), ("/oidc/token", 200), ("/run/digest", 200)]


def test_output_is_decoded_exactly_as_the_service_returned_it(client: Client, tmp_path) -> None:
    client.create_service(service("b64", "echo", output="base64"))
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    out = tmp_path / "image.png"
    client.run_service("echo", input=png, output=str(out))  # echo answers binary as base64
    assert out.read_bytes() == png
    text_out = tmp_path / "out.txt"
    client.run_service("echo", input="Hell", output=str(text_out))  # 4 base64-alphabet chars: stays text
    assert text_out.read_text() == "Hell"
    status_out = tmp_path / "result.png"
    client.run_service("echo", input="Done", output=str(status_out))  # a status word, not a picture
    assert status_out.read_bytes() == b"Done"
    client.run_service("b64", input="héllo", output=str(text_out))  # base64 of printable text: decoded
    assert text_out.read_text(encoding="utf-8") == "héllo"
    client.run_service("b64", input="héllo", output=str(text_out), output_mode="raw")
    assert base64.b64decode(text_out.read_text()) == "héllo".encode()
    with pytest.raises(ValueError, match="not valid base64"):
        client.run_service("echo", input="plain words", output=str(tmp_path / "forced.txt"), output_mode="base64")
    assert not (tmp_path / "forced.txt").exists()


def test_failed_invocation_leaves_the_output_file_alone(client: Client, tmp_path) -> None:
    client.create_service(service("broken", "fail"))
    out = tmp_path / "result.txt"
    out.write_text("previous result")
    with pytest.raises(OscarServerError) as err:
        client.run_service("broken", input="x", output=str(out))
    assert err.value.status_code == 500
    assert out.read_text() == "previous result"
    assert [p for p in os.listdir(tmp_path) if p.endswith(".part")] == []


def test_extra_headers_split_on_the_first_colon(client: Client, oscar_emulator) -> None:
    client.run_service("echo", input="x", headers="X-Trace: https://a:8080/b, X-Other: v", timeout=30)
    sent = last_run(oscar_emulator)
    assert sent.headers["X-Trace"] == "https://a:8080/b" and sent.headers["X-Other"] == "v"
    client.run_service("echo", input="x", headers={"X-Dict": "yes"})
    assert last_run(oscar_emulator).headers["X-Dict"] == "yes"
    assert parse_headers(None) == {}
    with pytest.raises(ValueError):
        parse_headers("no colon here")


def test_invalid_token_and_unknown_issuer(client: Client, oscar_emulator) -> None:
    from oscar_python.exceptions import OscarClientError, OscarUnauthorizedError
    with pytest.raises(OscarUnauthorizedError):
        client.run_service("echo", input="x", token="0" * 64)
    stranger = oscar_emulator.app.issue_token("eve", issuer="https://unknown.example")
    with pytest.raises(OscarClientError) as err:
        client.run_service("echo", input="x", token=stranger)
    assert err.value.status_code == 400


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), reads=st.lists(st.integers(1, 700), min_size=1, max_size=30),
       short=st.integers(1, 50))
def test_base64_body_matches_b64encode_for_any_read_pattern(data, reads, short) -> None:
    class ShortReads(io.RawIOBase):  # a source that hands out few bytes per read
        def __init__(self, payload):
            self._inner = io.BytesIO(payload)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._inner.read(min(len(buffer), short))
            buffer[:len(chunk)] = chunk
            return len(chunk)

        def seekable(self):
            return True

        def seek(self, pos, whence=0):
            return self._inner.seek(pos, whence)

        def tell(self):
            return self._inner.tell()

    body = Base64Body(ShortReads(data))
    assert len(body) == len(base64.b64encode(data))
    out = []
    for size in reads:
        out.append(body.read(size))
    out.append(body.read())
    assert b"".join(out) == base64.b64encode(data)
    body.rewind()
    assert b"".join(body) == base64.b64encode(data)


@pytest.mark.parametrize("text, expected", [
    (b"SGVsbG8=", True), (b"Hell", True), (b"Hello", False), (b"SGVsbG8", False), (b"", False),
    (b"SGVs\nbG8=\n", True), (b"a b=", False)])
def test_strict_base64_detection(text, expected) -> None:
    assert looks_base64(text) is expected


def test_auto_decoding_rules() -> None:
    assert decode_output(b"Hell", "auto", "out.txt") == b"Hell"
    assert decode_output(base64.b64encode(b"text"), "auto", "out.txt") == b"text"
    payload = b"\x00\xff\x10binary" * 8
    binary = base64.b64encode(payload)
    assert decode_output(binary, "auto", "out.bin") == payload
    assert decode_output(binary, "auto", "out.json") == payload  # long base64: decoded, as upstream does
    assert decode_output(binary, "auto", "out") == payload and decode_output(binary, "auto", "o.yaml") == payload
    short = base64.b64encode(b"\xff\xfe\xfd" * 10)  # 40 characters: decoded for a binary file only
    assert decode_output(short, "auto", "o.png") == b"\xff\xfe\xfd" * 10
    assert decode_output(short, "auto", "o.txt") == short
    coloured = "\x1b[32mok\x1b[0m ✓\n".encode()
    assert decode_output(base64.b64encode(coloured), "auto", "run.log") == coloured
    digest = b"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"  # sha256 hex, 64 chars
    for destination in (None, "out.txt", "digest", "out.bin"):
        assert decode_output(digest, "auto", destination) == digest
        assert decode_output(b"deadbeefcafebabe", "auto", destination) == b"deadbeefcafebabe"
    bom_csv = "\ufeffa,b\n1,2\n".encode()
    assert decode_output(base64.b64encode(bom_csv), "auto", "t.csv") == bom_csv
    # short words are valid base64 too: kept as they are unless they decode to a known file type
    for word in (b"Done", b"abcd1234", b"Finished"):
        assert decode_output(word, "auto", "out.png") == word
        assert decode_output(word, "auto", "out.dat") == word
    tiny_gzip = b"\x1f\x8b\x08\x00"
    assert decode_output(base64.b64encode(tiny_gzip), "auto", "out.gz") == tiny_gzip
    assert decode_output(b"Done", "base64", "out.png") == base64.b64decode(b"Done")
    with pytest.raises(ValueError):
        decode_output(b"x", "guess")


def test_no_input_sends_no_body(client: Client, oscar_emulator) -> None:
    assert client.run_service("echo").text == ""
    sent = last_run(oscar_emulator)
    assert sent.body == b"" and "Content-Type" not in sent.headers
