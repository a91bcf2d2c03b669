"""Upstream's helper functions, kept for code that imported them (``oscar_python._utils``).

They go through the shared pipeline; new code should use the Client methods and
:mod:`oscar_python.invocation`.
"""
from __future__ import annotations

import base64
import json
import os
from typing import Any, Dict

from archfx_cloud.api.auth import TokenAuth
from archfx_cloud.api.exceptions import RequestsResponse as Response

from .exceptions import OptionsError
from .invocation import decode_output as _decode, looks_base64, parse_headers, write_atomic

__all__ = ["make_request", "get_headers", "get_headers_with_token", "encode_input", "decode_output",
           "decode_b64", "isBase64", "write_text_file", "load_config"]


def make_request(c: Any, path: str, method: str, **kwargs: Any) -> Response:
    """``method`` on ``c.endpoint + path`` through the client's pipeline; the Response.

    Keywords as upstream: ``token`` (Bearer instead of the client's auth), ``data``,
    ``headers`` (dict or ``"K: v,K2: v2"``), ``timeout``, ``handle=False`` (return error
    responses instead of raising).
    """
    api = c.api
    url = api.base_url + "/" + path.lstrip("/")
    token = kwargs.get("token")
    data = kwargs.get("data")
    headers = parse_headers(kwargs.get("headers"))
    send: Dict[str, Any] = {"raw": True, "headers": headers or None}
    if token:
        send["auth"] = TokenAuth(token)
    if kwargs.get("timeout") is not None:
        send["timeout"] = kwargs["timeout"]
    if data:
        if isinstance(data, (bytes, str)):
            send["body"] = data.encode("utf-8") if isinstance(data, str) else data
            headers.setdefault("Content-Type", "application/json")
            send["headers"] = headers
        else:
            send["data"] = data
    if kwargs.get("handle", True):
        return api.request(method.upper(), url, **send)
    with api.unchecked():
        return api.request(method.upper(), url, **send)


def get_headers(c: Any) -> Dict[str, str]:
    """The Authorization header the client would send (``{}`` for none)."""
    auth = getattr(c, "_auth", None)
    if auth is None:
        return {}
    if isinstance(auth, TokenAuth):
        return get_headers_with_token(auth.current_token() or "")
    user, password = auth.username, auth.password
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode("utf-8")).decode("ascii")}


def get_headers_with_token(token: str) -> Dict[str, str]:
    if not token:
        raise ValueError("empty token")
    return {"Authorization": "Bearer " + str(token)}


def encode_input(data: Any) -> bytes:
    """Base64 of a file's bytes (an existing path) or of text encoded as UTF-8."""
    if isinstance(data, (str, os.PathLike)) and os.path.isfile(data):
        with open(data, "rb") as handle:
            return base64.b64encode(handle.read())
    if isinstance(data, bytes):
        return base64.b64encode(data)
    return base64.b64encode(str(data).encode("utf-8"))


def isBase64(value: Any) -> bool:  # noqa: N802 - upstream name
    """Strict base64 check (upstream accepted any text whose length was a multiple of 4)."""
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return looks_base64(raw)


def decode_b64(value: Any) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    return _decode(raw, "base64")


def decode_output(output: Any, file_path: str, mode: str = "auto") -> None:
    """Write a service's answer to ``file_path`` (decoded per ``mode``), atomically."""
    raw = output.encode("utf-8") if isinstance(output, str) else bytes(output)
    write_atomic(file_path, _decode(raw, mode, file_path))


def write_text_file(content: Any, file_path: str) -> None:
    write_atomic(file_path, content.encode("utf-8") if isinstance(content, str) else bytes(content))


def load_config(config_path: str, cluster_name: str = "default") -> Dict[str, Any]:
    """Client options from upstream's JSON file ``{"clusters": {name: {endpoint, ...}}}``."""
    with open(config_path, "r", encoding="utf-8") as handle:
        config = json.load(handle)
    clusters = (config or {}).get("clusters") or {}
    if cluster_name not in clusters:
        raise OptionsError(f"cluster {cluster_name!r} is not in {config_path} (has: {', '.join(sorted(clusters))})")
    entry = clusters[cluster_name] or {}
    if not entry.get("endpoint"):
        raise OptionsError(f"cluster {cluster_name!r} in {config_path} has no 'endpoint'")
    options: Dict[str, Any] = {"cluster_id": cluster_name, "endpoint": entry["endpoint"],
                               "ssl": entry.get("ssl", True)}
    for key in ("user", "password", "shortname", "oidc_token", "refresh_token", "token_endpoint",
                "client_id", "scopes"):
        if key in entry:
            options[key] = entry[key]
    return options
