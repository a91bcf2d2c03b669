"""What an emulated service "runs": tiny built-in transforms of the decoded input.

OSCAR hands a service its request body; the FaaS supervisor base64-decodes it when it is
base64 and uses it raw otherwise. The emulator does the same, then applies a behaviour chosen
by the service's ``EMULATOR_BEHAVIOUR`` environment variable or guessed from its script:

* ``echo`` – the input as it came (default);
* ``upper`` – the input text in upper case (script mentions ``upper``);
* ``cowsay`` – a cow saying the input, or its JSON ``message`` (script mentions ``cowsay``);
* ``sha256`` – ``"<size> <sha256 hex>"`` of the decoded input, computed as it streams in,
  so any size works in constant memory (script mentions ``sha256sum``);
* ``fail`` – the invocation fails (HTTP 500 / job Failed).

The answer is returned as text when it is printable UTF-8 and base64-encoded otherwise (as a
supervisor returning a binary output file does); ``EMULATOR_OUTPUT=base64`` always encodes.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any, Mapping, Tuple

BEHAVIOURS = ("echo", "upper", "cowsay", "sha256", "fail")
_B64_CHUNK = re.compile(rb"^[A-Za-z0-9+/=]*$")


class ServiceFailure(Exception):
    """The emulated service exited with an error."""


def behaviour_of(service: Mapping[str, Any]) -> str:
    variables = ((service.get("environment") or {}).get("variables") or
                 (service.get("environment") or {}).get("Variables") or {})
    chosen = str(variables.get("EMULATOR_BEHAVIOUR") or "").lower()
    if chosen in BEHAVIOURS:
        return chosen
    script = str(service.get("script") or "")
    if "sha256sum" in script:
        return "sha256"
    if "cowsay" in script:
        return "cowsay"
    if "upper" in script:
        return "upper"
    return "echo"


def output_encoding(service: Mapping[str, Any]) -> str:
    variables = ((service.get("environment") or {}).get("variables") or {})
    return "base64" if str(variables.get("EMULATOR_OUTPUT") or "").lower() == "base64" else "auto"


class StreamingInput:
    """Feeds request body chunks; keeps the decoded input (up to ``keep`` bytes) and hashes.

    Decides "base64 or raw" like the supervisor: the whole body must be valid base64.
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.raw = bytearray()
        self.decoded = bytearray()
        self.raw_size = 0
        self.decoded_size = 0
        self.raw_hash = hashlib.sha256()
        self.decoded_hash = hashlib.sha256()
        self.valid_b64 = True
        self._pending = b""
        self._padded = False

    def feed(self, chunk: bytes) -> None:
        self.raw_size += len(chunk)
        self.raw_hash.update(chunk)
        if len(self.raw) < self.keep:
            self.raw += chunk[: self.keep - len(self.raw)]
        if not self.valid_b64:
            return
        data = self._pending + re.sub(rb"\s+", b"", chunk)
        if not _B64_CHUNK.match(data) or (self._padded and data):
            self.valid_b64 = False
            return
        cut = len(data) - len(data) % 4
        block, self._pending = data[:cut], data[cut:]
        if not block:
            return
        try:
            piece = base64.b64decode(block, validate=True)
        except (binascii.Error, ValueError):
            self.valid_b64 = False
            return
        if block.endswith(b"="):
            self._padded = True
        self.decoded_size += len(piece)
        self.decoded_hash.update(piece)
        if len(self.decoded) < self.keep:
            self.decoded += piece[: self.keep - len(self.decoded)]

    def result(self) -> Tuple[bytes, int, str, bool]:
        """``(kept bytes, size, sha256 hex, truncated)`` of what the service receives."""
        if self.valid_b64 and not self._pending and self.raw_size > 0:
            return bytes(self.decoded), self.decoded_size, self.decoded_hash.hexdigest(), self.decoded_size > self.keep
        return bytes(self.raw), self.raw_size, self.raw_hash.hexdigest(), self.raw_size > self.keep


def cow(text: str) -> str:
    lines = text.splitlines() or [""]
    width = max(len(line) for line in lines)
    if len(lines) == 1:
        bubble = [f"< {lines[0]} >"]
    else:
        bubble = [("/ " if i == 0 else "\\ " if i == len(lines) - 1 else "| ") + line.ljust(width)
                  + (" \\" if i == 0 else " /" if i == len(lines) - 1 else " |") for i, line in enumerate(lines)]
    return "\n".join([" " + "_" * (width + 2), *bubble, " " + "-" * (width + 2),
                      "        \\   ^__^", "         \\  (oo)\\_______", "            (__)\\       )\\/\\",
                      "                ||----w |", "                ||     ||", ""])


def run_behaviour(kind: str, data: bytes, size: int, digest: str, truncated: bool) -> bytes:
    """The service's output bytes for input ``data`` (raises :class:`ServiceFailure`)."""
    if kind == "fail":
        raise ServiceFailure("the service script exited with status 1")
    if kind == "sha256":
        return f"{size} {digest}\n".encode("ascii")
    if truncated:
        raise ServiceFailure(f"input of {size} bytes is too large for the '{kind}' behaviour of the emulator")
    if kind == "upper":
        return data.decode("utf-8", "replace").upper().encode("utf-8")
    if kind == "cowsay":
        text = data.decode("utf-8", "replace")
        try:
            parsed = json.loads(text)
            if isinstance(parsed, dict) and "message" in parsed:
                text = str(parsed["message"])
        except ValueError:
            pass
        return cow(text.strip()).encode("utf-8")
    return data


def encode_answer(output: bytes, encoding: str) -> bytes:
    """What the supervisor returns: printable UTF-8 as is, anything else base64."""
    if encoding != "base64":
        try:
            text = output.decode("utf-8")
            if all(ch.isprintable() or ch in "\t\n\r" for ch in text):
                return output
        except UnicodeDecodeError:
            pass
    return base64.b64encode(output)


def read_input(stream: Any, keep: int, chunk: int = 256 * 1024) -> StreamingInput:
    state = StreamingInput(keep)
    while True:
        block = stream.read(chunk)
        if not block:
            return state
        state.feed(block)
