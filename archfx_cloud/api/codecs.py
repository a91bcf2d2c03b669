"""Request body encoders and response decoders, chosen by name and by Content-Type."""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, Optional, Tuple

import requests

from .exceptions import ResponseDecodeError
from .redact import mask_text, mask_url

BODY_FORMATS = ("json", "form", "multipart", "msgpack", "yaml", "raw")

JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
MSGPACK_TYPE = "application/msgpack"
YAML_TYPE = "application/yaml"
OCTET_TYPE = "application/octet-stream"


def encode_body(data: Any, body_format: str) -> Tuple[Any, Optional[str]]:
    """``(body, content_type)`` for ``data`` in ``body_format``.

    JSON bytes are exactly what ``requests`` sends for ``json=`` (same separators), so clients
    stay byte-compatible with the upstream packages that used it. ``form`` is left to requests
    (a dict), which drops ``None`` values and repeats keys for lists, as upstream callers expect.
    Multipart is handled by :mod:`.transfer` (streamed).
    """
    if data is None:
        return None, None
    if body_format == "json":
        return json.dumps(data, allow_nan=False).encode("utf-8"), JSON_TYPE
    if body_format == "form":
        return data, None
    if body_format == "msgpack":
        import msgpack
        return msgpack.packb(data, use_bin_type=True), MSGPACK_TYPE
    if body_format == "yaml":
        import yaml
        return yaml.safe_dump(data, sort_keys=False).encode("utf-8"), YAML_TYPE
    if body_format == "raw":
        if isinstance(data, str):
            return data.encode("utf-8"), None
        return data, None
    raise ValueError(f"unknown body format {body_format!r}; expected one of {', '.join(BODY_FORMATS)}")


def media_type(response: requests.Response) -> Tuple[str, Optional[str]]:
    """``(mime, charset)`` of a response, lower-cased."""
    header = response.headers.get("Content-Type", "")
    mime, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower() or None
    return mime.strip().lower(), charset


def _text(response: requests.Response, charset: Optional[str]) -> str:
    return response.content.decode(charset or "utf-8", "replace")


def _json(response: requests.Response, charset: Optional[str]) -> Any:
    raw = response.content
    if charset and charset.replace("-", "") not in ("utf8", "utf16", "utf32"):
        return json.loads(raw.decode(charset, "replace"))
    return json.loads(raw)


def _msgpack(response: requests.Response, charset: Optional[str]) -> Any:
    import msgpack
    return msgpack.unpackb(response.content, raw=False)


def _yaml(response: requests.Response, charset: Optional[str]) -> Any:
    import yaml
    return yaml.safe_load(response.content)


DECODERS: Dict[str, Callable[[requests.Response, Optional[str]], Any]] = {
    JSON_TYPE: _json, "text/json": _json,
    MSGPACK_TYPE: _msgpack, "application/x-msgpack": _msgpack, "application/vnd.msgpack": _msgpack,
    YAML_TYPE: _yaml, "application/x-yaml": _yaml, "text/yaml": _yaml, "text/x-yaml": _yaml,
}


def decoder_for(mime: str) -> Optional[Callable[[requests.Response, Optional[str]], Any]]:
    found = DECODERS.get(mime)
    if found is not None:
        return found
    if mime.endswith("+json"):
        return _json
    if mime.endswith("+yaml"):
        return _yaml
    if mime.endswith("+msgpack"):
        return _msgpack
    if mime.startswith("text/"):
        return _text
    return None


def decode_response(response: requests.Response) -> Any:
    """The body decoded by Content-Type: JSON, msgpack, YAML, text or bytes; 204/205 and empty -> None."""
    if response.status_code in (204, 205):
        return None
    if not response.content:
        return None
    mime, charset = media_type(response)
    decoder = decoder_for(mime)
    if decoder is None:
        return response.content
    try:
        return decoder(response, charset)
    except Exception as exc:
        raise ResponseDecodeError(
            f"could not decode the {mime} body of {response.request.method} {mask_url(response.url)}: "
            f"{mask_text(str(exc))}",
            response=response, content=response.content, method=response.request.method,
            url=response.url, status_code=response.status_code) from exc


def decode_leniently(response: requests.Response) -> Any:
    """Decode for error reporting: never raises, falls back to bytes."""
    try:
        return decode_response(response)
    except ResponseDecodeError:
        return response.content
