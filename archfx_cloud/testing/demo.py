"""A small REST service that exercises every part of the core, over real HTTP.

Used by the core's tests, its benchmarks and the tour; handy for trying the core out::

    with DemoService() as demo:
        client = RestClient(demo.url, auth=TokenAuth(demo.issue_token()))
        client.records.post({"name": "a"})

Routes (all JSON unless said otherwise):

* ``/echo/<path>`` any method: what the server received (method, path, query, headers, body).
* ``/records/`` ``POST`` creates a record (an ``Idempotency-Key`` seen before returns the
  first record again); ``GET`` lists them DRF-style (``page``, ``page_size``).
* ``/items`` page-number listing of ``DemoService.item_count`` items (``page``, 10 per page).
* ``/blob/<size>`` deterministic bytes with ``Range`` support, ``ETag`` and ``sha256`` header.
* ``/sink`` ``POST``/``PUT``: size and sha256 of the raw body, or of the multipart ``file``
  part plus the other form fields.
* ``/format/<kind>``: json, problem+json, latin1-json, msgpack, yaml, text, bytes, empty, 204.
* ``/status/<code>``: that status with a JSON body.
* ``/slow?delay=s``: answers after ``delay`` seconds.
* ``/secure/<path>``: needs ``Authorization: Bearer <token>`` issued by ``issue_token`` or the
  ``/oauth/token`` client-credentials endpoint; expired tokens get ``expired_status`` (401).
* ``/basic``: needs HTTP Basic ``demo``/``demo-password``.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
import time
from typing import Any, Dict, Iterable, List, Optional

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .server import ServedApp

_PATTERN = bytes(range(256)) * 4096  # 1 MiB of repeating bytes


def blob_bytes(start: int, end: int) -> bytes:
    """Bytes ``[start, end)`` of the deterministic blob served at ``/blob/<size>``."""
    out = bytearray()
    pos = start
    while pos < end:
        offset = pos % len(_PATTERN)
        take = min(end - pos, len(_PATTERN) - offset)
        out += _PATTERN[offset:offset + take]
        pos += take
    return bytes(out)


def blob_sha256(size: int) -> str:
    digest = hashlib.sha256()
    for start in range(0, size, len(_PATTERN)):
        digest.update(blob_bytes(start, min(size, start + len(_PATTERN))))
    return digest.hexdigest()


def _json(data: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(data), status=status, mimetype=mimetype)


class DemoApp:
    """The WSGI application; its state (records, tokens, counters) is inspectable by tests."""

    def __init__(self, item_count: int = 35, expired_status: int = 401) -> None:
        self.item_count = item_count
        self.expired_status = expired_status
        self.records: List[Dict[str, Any]] = []
        self.idempotency: Dict[str, Dict[str, Any]] = {}
        self.tokens: Dict[str, float] = {}
        self.clients = {"demo-client": "demo-secret"}
        self.basic = ("demo", "demo-password")
        self.seen_paths: List[str] = []
        self.token_requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.url_map = Map([
            Rule("/echo/", endpoint="echo"), Rule("/echo/<path:rest>", endpoint="echo"),
            Rule("/records/", endpoint="records"),
            Rule("/items", endpoint="items"),
            Rule("/blob/<int:size>", endpoint="blob"),
            Rule("/sink", endpoint="sink"),
            Rule("/format/<kind>", endpoint="format"),
            Rule("/status/<int:code>", endpoint="status"),
            Rule("/slow", endpoint="slow"),
            Rule("/oauth/token", endpoint="oauth_token", methods=["POST"]),
            Rule("/secure/", endpoint="secure"), Rule("/secure/<path:rest>", endpoint="secure"),
            Rule("/basic", endpoint="basic"),
        ], strict_slashes=False)

    # ------------------------------------------------------------------ tokens
    def issue_token(self, lifetime: float = 3600.0) -> str:
        with self._lock:
            token = f"tok-{next(self._ids)}-{hashlib.sha1(str(time.time()).encode()).hexdigest()[:12]}"
            self.tokens[token] = time.monotonic() + lifetime
            return token

    def expire_tokens(self) -> None:
        with self._lock:
            for token in self.tokens:
                self.tokens[token] = 0.0

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict, start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.seen_paths.append(environ.get("RAW_URI", request.full_path))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            adapter = self.url_map.bind_to_environ(environ)
            try:
                endpoint, args = adapter.match()
                response = getattr(self, "on_" + endpoint)(request, **args)
            except HTTPException as exc:
                response = _json({"detail": exc.description}, status=exc.code or 500)
        finally:
            with self._lock:
                self.in_flight -= 1
        return response(environ, start_response)

    def on_echo(self, request: Request, rest: str = "") -> Response:
        body = request.get_data()
        try:
            text: Optional[str] = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return _json({
            "method": request.method, "path": request.path, "raw_uri": request.environ.get("RAW_URI"),
            "query": {k: request.args.getlist(k) for k in request.args},
            "headers": {k: v for k, v in request.headers.items()},
            "content_type": request.content_type, "body": text,
            "body_b64": base64.b64encode(body).decode() if text is None else None,
            "form": {k: request.form.getlist(k) for k in request.form} if request.form else None,
        })

    def on_records(self, request: Request) -> Response:
        if request.method == "POST":
            key = request.headers.get("Idempotency-Key")
            with self._lock:
                if key and key in self.idempotency:
                    return _json(self.idempotency[key], status=200)
                record = {"id": next(self._ids), "data": request.get_json(silent=True)}
                self.records.append(record)
                if key:
                    self.idempotency[key] = record
            return _json(record, status=201)
        page = int(request.args.get("page", 1))
        size = int(request.args.get("page_size", 10))
        with self._lock:
            records = list(self.records)
        chunk = records[(page - 1) * size: page * size]
        base = request.base_url
        nxt = f"{base}?page={page + 1}&page_size={size}" if page * size < len(records) else None
        prev = f"{base}?page={page - 1}&page_size={size}" if page > 1 else None
        return _json({"count": len(records), "next": nxt, "previous": prev, "results": chunk})

    def on_items(self, request: Request) -> Response:
        page = int(request.args.get("page", 1))
        items = list(range(self.item_count))[(page - 1) * 10: page * 10]
        return _json({"page": page, "items": items})

    def on_blob(self, request: Request, size: int) -> Response:
        etag = f'"blob-{size}"'
        start, end = 0, size
        status = 200
        headers = Headers({"Accept-Ranges": "bytes", "ETag": etag})
        if request.range is not None and request.headers.get("If-Range", etag) == etag:
            bounds = request.range.range_for_length(size)
            if bounds is None:
                return Response(status=416, headers={"Content-Range": f"bytes */{size}"})
            start, end = bounds
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
        headers["Content-Length"] = str(end - start)

        def generate() -> Iterable[bytes]:
            pos = start
            while pos < end:
                step = min(end - pos, 1024 * 1024)
                yield blob_bytes(pos, pos + step)
                pos += step

        return Response(generate(), status=status, headers=headers, mimetype="application/octet-stream",
                        direct_passthrough=True)

    def on_sink(self, request: Request) -> Response:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            digest = hashlib.sha256()
            size = 0
            if upload is not None:
                while True:
                    block = upload.stream.read(1024 * 1024)
                    if not block:
                        break
                    digest.update(block)
                    size += len(block)
            return _json({"size": size, "sha256": digest.hexdigest(), "filename": upload.filename if upload else None,
                          "fields": {k: request.form.getlist(k) for k in request.form}, "multipart": True})
        digest = hashlib.sha256()
        size = 0
        stream = request.stream
        while True:
            block = stream.read(1024 * 1024)
            if not block:
                break
            digest.update(block)
            size += len(block)
        return _json({"size": size, "sha256": digest.hexdigest(), "multipart": False,
                      "content_type": request.content_type})

    def on_format(self, request: Request, kind: str) -> Response:
        data = {"kind": kind, "text": "héllo"}
        if kind == "json":
            return _json(data)
        if kind == "problem+json":
            return _json(data, mimetype="application/problem+json")
        if kind == "latin1-json":
            return Response(json.dumps(data, ensure_ascii=False).encode("latin-1"),
                            content_type="application/json; charset=ISO-8859-1")
        if kind == "msgpack":
            import msgpack
            return Response(msgpack.packb(data, use_bin_type=True), mimetype="application/msgpack")
        if kind == "yaml":
            import yaml
            return Response(yaml.safe_dump(data, allow_unicode=True).encode(), mimetype="application/yaml")
        if kind == "text":
            return Response("héllo", content_type="text/plain; charset=utf-8")
        if kind == "bytes":
            return Response(b"\x00\x01binary", mimetype="application/octet-stream")
        if kind == "empty":
            return Response(b"", status=200)
        if kind == "204":
            return Response(status=204)
        if kind == "bad-json":
            return Response(b"{not json", mimetype="application/json")
        raise NotFound(f"unknown format {kind}")

    def on_status(self, request: Request, code: int) -> Response:
        return _json({"detail": f"status {code}", "code": code}, status=code)

    def on_slow(self, request: Request) -> Response:
        time.sleep(float(request.args.get("delay", "1")))
        return _json({"slept": float(request.args.get("delay", "1"))})

    def on_oauth_token(self, request: Request) -> Response:
        auth = request.authorization
        client_id = request.form.get("client_id") or (auth.username if auth else None)
        secret = request.form.get("client_secret") or (auth.password if auth else None)
        with self._lock:
            self.token_requests += 1
        if request.form.get("grant_type") != "client_credentials" or self.clients.get(client_id or "") != secret:
            return _json({"error": "invalid_client"}, status=401)
        lifetime = float(request.args.get("lifetime", 300))
        return _json({"access_token": self.issue_token(lifetime), "expires_in": lifetime, "token_type": "Bearer"})

    def on_secure(self, request: Request, rest: str = "") -> Response:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        with self._lock:
            expiry = self.tokens.get(token) if scheme == "Bearer" else None
        if expiry is None:
            return _json({"detail": "not authenticated"}, status=401)
        if expiry < time.monotonic():
            return _json({"detail": "token expired"}, status=self.expired_status)
        return _json({"ok": True, "path": request.path, "method": request.method})

    def on_basic(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != self.basic:
            return _json({"detail": "bad credentials"}, status=401)
        return _json({"user": auth.username})


class DemoService(ServedApp):
    """The demo app on a local server: ``with DemoService() as demo: demo.url``.

    ``app`` optionally wraps the demo app (e.g. ``lambda a: FaultInjector(a, rate=0.2)``);
    the unwrapped app stays reachable as ``demo.app`` for inspecting its state.
    """

    def __init__(self, app: Optional[Any] = None, **kwargs: Any) -> None:
        demo = DemoApp(**kwargs)
        super().__init__(app(demo) if callable(app) else demo)
        self.app = demo

    def issue_token(self, lifetime: float = 3600.0) -> str:
        return self.app.issue_token(lifetime)
