"""A local ArchFX Cloud: the REST API the ``Api`` client talks to, served over real HTTP.

    from archfx_cloud.api.connection import Api
    from archfx_cloud.testing.emulator import ArchFxEmulator

    with ArchFxEmulator() as emu:                     # http://127.0.0.1:<port>
        api = Api(domain=emu.url)
        api.login(email=emu.email, password=emu.password)
        org = api.org.post({"name": "Acme"})

What it implements, under ``/api/v1/`` (DRF conventions: trailing slashes, JSON errors as
``{"detail": ...}`` or ``{"<field>": ["..."]}``, 201 on create, 204 on delete):

* ``auth/login/`` (JWT access + refresh token), ``auth/logout/``, ``auth/api-jwt-refresh/``
  (``{"refresh"}`` -> ``{"access", "refresh"}``; legacy ``{"token"}`` -> ``{"token"}``),
  ``auth/user-info/``, ``account/``. Requests authenticate with ``Authorization: jwt <access>``
  or ``Authorization: token <drf token>``; any other prefix counts as no credentials.
* CRUD on ``org``, ``site``, ``area``, ``line``, ``machine``, ``device``, ``stream`` keyed by
  slug (``org`` by name slug, ``ps--``/``pa--``/``pl--`` parents, ``d--`` devices and machines,
  ``s?--`` streams), DRF pagination (``count/next/previous/results``, ``page``,
  ``page_size``), filters by field (``?org=acme``, ``?site=ps--0000-0001``; ``project=``
  matches a record's site, area, line or org), and ``<kind>/<slug>/devices/`` and
  ``<kind>/<slug>/streams/`` (plain lists, as DRF actions return them).
* ``streamer/report/`` (multipart ``file``): decodes a v200 msgpack report with a decoder of
  its own (:func:`read_streamer_report`, independent of the client's), stores the readings it
  has not stored before (by device and reading id) and answers ``{"count": n}``.
* ``data/?filter=<stream slug>`` (or ``stream=``), with ``start``/``end`` (ISO 8601): the
  stored readings, oldest first, paginated.

State lives in :class:`ArchFxApp` (inspectable by tests: ``emu.app.auth_headers`` lists every
``Authorization`` header received, ``emu.app.readings_stored`` counts stored readings).
"""
from __future__ import annotations

import collections
import itertools
import json
import secrets
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Deque, Dict, Iterable, List, NamedTuple, Optional, Set, Tuple
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..utils.slugs import ArchFxDeviceSlug, ArchFxParentSlug, ArchFxStreamSlug, ArchFxVariableID, slugify
from .server import ServedApp

__all__ = ["ArchFxApp", "ArchFxEmulator", "DEFAULT_EMAIL", "DEFAULT_PASSWORD", "read_streamer_report",
           "StoredReading"]

DEFAULT_EMAIL = "user@example.com"
DEFAULT_PASSWORD = "my.pass"

KINDS = ("org", "site", "area", "line", "machine", "device", "stream")
_PARENT_PREFIX = {"site": "ps", "area": "pa", "line": "pl"}
_REFERENCES = {"org": "org", "site": "site", "area": "area", "line": "line", "machine": "machine", "device": "device"}
_NAMED_KINDS = ("org", "site", "area", "line", "machine")
_CONTROL_PARAMS = {"page", "page_size", "ordering", "format"}
_FILTER_FIELDS = {"org", "site", "area", "line", "machine", "device", "parent", "variable", "name", "label",
                  "slug", "project"}


class _Reply(Exception):
    """Raised inside a handler to answer at once (an error in DRF's JSON shape)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iso(ts: datetime) -> str:
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=timezone.utc)
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str, name: str) -> datetime:
    import dateutil.parser
    try:
        value = dateutil.parser.isoparse(text)
    except (ValueError, OverflowError):
        raise _Reply(400, {name: [f"Enter a valid date/time, not {text!r}."]}) from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class StoredReading(NamedTuple):
    """One reading as the emulator reads it from an uploaded report."""

    stream: int
    reading_id: int
    when: datetime
    value: float
    extra_data: Dict[str, Any]


def _report_error(message: str) -> _Reply:
    return _Reply(400, {"detail": f"Invalid streamer report: {message}"})


def read_streamer_report(raw: bytes) -> Tuple[int, List[StoredReading]]:
    """``(device id, readings)`` of a v200 msgpack report, or a 400 reply.

    The emulator reads reports with this minimal decoder of its own (``msgpack.unpackb`` and
    dateutil's strict ``isoparse``), not the client's :mod:`archfx_cloud.reports` codec, so a
    bug in the client's encoder or decoder shows up in tests against the emulator instead of
    cancelling out.
    """
    import dateutil.parser
    import msgpack

    try:
        report = msgpack.unpackb(raw, raw=False)
    except Exception as exc:  # msgpack raises several types (ExtraData, FormatError, ValueError...)
        raise _report_error(f"not one msgpack object ({type(exc).__name__}: {exc})") from None
    if not isinstance(report, dict):
        raise _report_error(f"expected a map, got {type(report).__name__}")
    if report.get("format") != "v200":
        raise _report_error(f"unknown format {report.get('format')!r} (expected 'v200')")
    device = report.get("device")
    if type(device) is not int or not 0 <= device < 1 << 64:
        raise _report_error(f"'device' must be a 64-bit device id, got {device!r}")
    events = report.get("events")
    if not isinstance(events, list):
        raise _report_error("'events' must be an array")
    readings: List[StoredReading] = []
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise _report_error(f"event #{index} is not a map")
        stream, value, stamp = event.get("stream"), event.get("value"), event.get("timestamp")
        reading_id, extra = event.get("dev_seqid", 0), event.get("extra_data")
        if type(stream) is not int or not 0 <= stream <= 0xFFFFFFFF:
            raise _report_error(f"event #{index}: 'stream' must be a 32-bit variable id, got {stream!r}")
        if type(value) not in (int, float):
            raise _report_error(f"event #{index}: 'value' must be a number, got {value!r}")
        if reading_id is None:
            reading_id = 0
        if type(reading_id) is not int or reading_id < 0:
            raise _report_error(f"event #{index}: 'dev_seqid' must be a non-negative int, got {reading_id!r}")
        if extra is None:
            extra = {}
        if not isinstance(extra, dict) or "value" in extra:
            raise _report_error(f"event #{index}: 'extra_data' must be a map without 'value'")
        if not isinstance(stamp, str):
            raise _report_error(f"event #{index}: 'timestamp' must be ISO 8601 text, got {stamp!r}")
        try:
            when = dateutil.parser.isoparse(stamp)
        except (ValueError, OverflowError):
            raise _report_error(f"event #{index}: 'timestamp' {stamp!r} is not ISO 8601") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        readings.append(StoredReading(stream, reading_id, when.astimezone(timezone.utc), float(value), extra))
    return device, readings


class ArchFxApp:
    """The WSGI application and its in-memory state (users, tokens, records, readings)."""

    def __init__(self, *, access_lifetime: float = 300.0, refresh_lifetime: float = 86400.0,
                 page_size: int = 100, max_page_size: int = 1000, rotate_refresh: bool = True) -> None:
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime
        self.page_size = page_size
        self.max_page_size = max_page_size
        self.rotate_refresh = rotate_refresh
        self.users: Dict[str, Dict[str, Any]] = {}
        self.drf_tokens: Dict[str, str] = {}
        self.access_tokens: Dict[str, Tuple[str, float]] = {}
        self.refresh_tokens: Dict[str, Tuple[str, float]] = {}
        self.tables: Dict[str, Dict[str, Dict[str, Any]]] = {kind: {} for kind in KINDS}
        self.readings: Dict[str, List[Dict[str, Any]]] = {}
        self.seen_readings: Dict[str, Set[Any]] = {}
        self.readings_stored = 0
        self.reports_received = 0
        self.auth_headers: Deque[Optional[str]] = collections.deque(maxlen=10000)
        self.requests: Deque[Tuple[str, str]] = collections.deque(maxlen=10000)
        self._ids = {kind: itertools.count(1) for kind in KINDS}
        self._user_ids = itertools.count(1)
        self._lock = threading.RLock()
        self.url_map = Map([
            Rule("/api/v1/auth/login/", endpoint="login", methods=["POST"]),
            Rule("/api/v1/auth/logout/", endpoint="logout", methods=["POST"]),
            Rule("/api/v1/auth/api-jwt-refresh/", endpoint="refresh", methods=["POST"]),
            Rule("/api/v1/auth/user-info/", endpoint="user_info", methods=["GET"]),
            Rule("/api/v1/account/", endpoint="account", methods=["GET"]),
            Rule("/api/v1/streamer/report/", endpoint="report", methods=["POST"]),
            Rule("/api/v1/data/", endpoint="data", methods=["GET"]),
            Rule(f"/api/v1/<any({','.join(KINDS)}):kind>/", endpoint="collection", methods=["GET", "POST"]),
            Rule(f"/api/v1/<any({','.join(KINDS)}):kind>/<slug>/", endpoint="item",
                 methods=["GET", "PUT", "PATCH", "DELETE"]),
            Rule("/api/v1/<any(org,site,area,line,machine):kind>/<slug>/<any(devices,streams):related>/",
                 endpoint="related", methods=["GET"]),
        ])
        self.add_user(DEFAULT_EMAIL, DEFAULT_PASSWORD, username="user")

    # ------------------------------------------------------------------ users and tokens
    def add_user(self, email: str, password: str, username: Optional[str] = None,
                 name: str = "") -> Dict[str, Any]:
        """Register a user who can log in; also gets a DRF token (see :meth:`user_token`)."""
        with self._lock:
            user = {"id": next(self._user_ids), "email": email, "username": username or email.split("@")[0],
                    "name": name or (username or email.split("@")[0]).title(), "password": password}
            user["slug"] = slugify(user["username"])
            self.users[email.lower()] = user
            self.drf_tokens[secrets.token_hex(20)] = email.lower()
            return user

    def user_token(self, email: str = DEFAULT_EMAIL) -> str:
        """The DRF token of ``email`` (for ``Authorization: token <t>`` and ``.ini`` files)."""
        with self._lock:
            return next(t for t, owner in self.drf_tokens.items() if owner == email.lower())

    def issue_jwt(self, email: str = DEFAULT_EMAIL, access_lifetime: Optional[float] = None) -> Tuple[str, str]:
        """A fresh ``(access, refresh)`` pair for ``email``, as ``auth/login/`` would give."""
        now = time.monotonic()
        lifetime = self.access_lifetime if access_lifetime is None else access_lifetime
        access = "eyJ" + secrets.token_urlsafe(24)
        refresh = "eyR" + secrets.token_urlsafe(24)
        with self._lock:
            self.access_tokens[access] = (email.lower(), now + lifetime)
            self.refresh_tokens[refresh] = (email.lower(), now + self.refresh_lifetime)
        return access, refresh

    def expire_access_tokens(self) -> None:
        """Make every access token answer 401, as after ``access_lifetime`` seconds."""
        with self._lock:
            for token, (owner, _) in list(self.access_tokens.items()):
                self.access_tokens[token] = (owner, 0.0)

    def expire_refresh_tokens(self) -> None:
        with self._lock:
            for token, (owner, _) in list(self.refresh_tokens.items()):
                self.refresh_tokens[token] = (owner, 0.0)

    def _authenticate(self, request: Request) -> Dict[str, Any]:
        """The user behind the request's ``Authorization`` header, or a DRF-style 401."""
        header = request.headers.get("Authorization")
        scheme, _, credential = (header or "").partition(" ")
        scheme = scheme.lower()
        if scheme not in ("jwt", "token"):
            raise _Reply(401, {"detail": "Authentication credentials were not provided."})
        with self._lock:
            if scheme == "token":
                owner = self.drf_tokens.get(credential)
                if owner is None:
                    raise _Reply(401, {"detail": "Invalid token."})
            else:
                found = self.access_tokens.get(credential)
                if found is None:
                    raise _Reply(401, {"detail": "Error decoding signature.", "code": "token_not_valid"})
                owner, expires = found
                if expires <= time.monotonic():
                    raise _Reply(401, {"detail": "Signature has expired.", "code": "token_not_valid"})
            return self.users[owner]

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.auth_headers.append(request.headers.get("Authorization"))
            self.requests.append((request.method, request.full_path.rstrip("?")))
        adapter = self.url_map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
            response = getattr(self, "on_" + endpoint)(request, **args)
        except _Reply as reply:
            response = _json(reply.body, status=reply.status)
        except MethodNotAllowed:
            response = _json({"detail": f'Method "{request.method}" not allowed.'}, status=405)
        except NotFound:
            response = _json({"detail": "Not found."}, status=404)
        except HTTPException as exc:  # e.g. the redirect that adds a missing trailing slash
            response = exc.get_response(environ)
        return response(environ, start_response)

    @staticmethod
    def _body(request: Request) -> Dict[str, Any]:
        if not request.get_data():
            return {}
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise _Reply(400, {"detail": "JSON parse error - expected a JSON object."})
        return data

    # ------------------------------------------------------------------ auth endpoints
    def on_login(self, request: Request) -> Response:
        data = self._body(request)
        email, password = data.get("email"), data.get("password")
        missing = {k: ["This field is required."] for k in ("email", "password") if not data.get(k)}
        if missing:
            raise _Reply(400, missing)
        with self._lock:
            user = self.users.get(str(email).lower())
        if user is None or user["password"] != password:
            raise _Reply(400, {"non_field_errors": ["Unable to log in with provided credentials."]})
        access, refresh = self.issue_jwt(user["email"])
        return _json({"jwt": access, "jwt_refresh_token": refresh, "username": user["username"],
                      "email": user["email"], "name": user["name"], "slug": user["slug"]})

    def on_logout(self, request: Request) -> Response:
        self._authenticate(request)
        scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            if scheme.lower() == "jwt":
                self.access_tokens.pop(credential, None)
        return Response(status=204)

    def on_refresh(self, request: Request) -> Response:
        data = self._body(request)
        now = time.monotonic()
        with self._lock:
            if "refresh" in data:
                found = self.refresh_tokens.get(str(data["refresh"]))
                if found is None or found[1] <= now:
                    raise _Reply(401, {"detail": "Token is invalid or expired", "code": "token_not_valid"})
                owner = found[0]
                access, refresh = self.issue_jwt(owner)
                if not self.rotate_refresh:
                    self.refresh_tokens.pop(refresh, None)
                    return _json({"access": access})
                self.refresh_tokens.pop(str(data["refresh"]), None)
                return _json({"access": access, "refresh": refresh})
            if "token" in data:
                found = self.access_tokens.get(str(data["token"]))
                if found is None or found[1] <= now:
                    raise _Reply(400, {"non_field_errors": ["Signature has expired."]})
                access, refresh = self.issue_jwt(found[0])
                self.refresh_tokens.pop(refresh, None)
                return _json({"token": access})
        raise _Reply(400, {"refresh": ["This field is required."]})

    def on_user_info(self, request: Request) -> Response:
        user = self._authenticate(request)
        return _json({k: user[k] for k in ("id", "email", "username", "name", "slug")})

    def on_account(self, request: Request) -> Response:
        user = self._authenticate(request)
        return _json(self._page(request, [{k: user[k] for k in ("id", "email", "username", "name", "slug")}]))

    # ------------------------------------------------------------------ records
    def _new_slug(self, kind: str, data: Dict[str, Any]) -> Tuple[int, str]:
        """The next id and slug of ``kind`` (a device may ask for its own id, as claimed hardware does)."""
        table = self.tables[kind]
        if kind == "org":
            base = slugify(str(data.get("name", ""))) or "org"
            slug, n = base, 1
            while slug in table:
                n += 1
                slug = f"{base}-{n}"
            return next(self._ids[kind]), slug
        if kind in _PARENT_PREFIX:
            number = next(self._ids[kind])
            return number, str(ArchFxParentSlug(number, ptype=_PARENT_PREFIX[kind]))
        if kind == "machine":
            number = next(self._ids[kind])
            return number, str(ArchFxDeviceSlug((1 << 32) | number))
        if kind == "device":
            wanted = data.get("slug", data.get("id"))
            if wanted not in (None, ""):
                try:
                    slug = str(ArchFxDeviceSlug(wanted))
                except ValueError as exc:
                    raise _Reply(400, {"slug": [str(exc)]}) from None
                if slug in table:
                    raise _Reply(400, {"slug": [f"device {slug} already exists."]})
                return int(slug.replace("d--", "").replace("-", ""), 16), slug
            while True:
                number = next(self._ids[kind])
                slug = str(ArchFxDeviceSlug(number))
                if slug not in table:
                    return number, slug
        # stream: named by its parts
        if data.get("slug"):
            try:
                stream = ArchFxStreamSlug(str(data["slug"]))
            except ValueError as exc:
                raise _Reply(400, {"slug": [str(exc)]}) from None
        else:
            if not data.get("variable"):
                raise _Reply(400, {"variable": ["This field is required."]})
            stream = ArchFxStreamSlug()
            try:
                stream.from_parts(data.get("parent") or None, data.get("device") or None, data["variable"])
            except (ValueError, KeyError) as exc:
                raise _Reply(400, {"variable": [str(exc)]}) from None
        if str(stream) in table:
            raise _Reply(400, {"slug": [f"stream {stream} already exists."]})
        return next(self._ids[kind]), str(stream)

    def _check_references(self, kind: str, data: Dict[str, Any]) -> None:
        errors = {}
        for field, target in _REFERENCES.items():
            value = data.get(field)
            if value in (None, "") or field == kind:
                continue
            if str(value) not in self.tables[target]:
                errors[field] = [f'Object with slug="{value}" does not exist.']
        if errors:
            raise _Reply(400, errors)

    def _lookup(self, kind: str, slug: str) -> Dict[str, Any]:
        record = self.tables[kind].get(slug)
        if record is None:
            raise _Reply(404, {"detail": "Not found."})
        return record

    def on_collection(self, request: Request, kind: str) -> Response:
        user = self._authenticate(request)
        if request.method == "POST":
            data = self._body(request)
            if kind in _NAMED_KINDS and not data.get("name"):
                raise _Reply(400, {"name": ["This field is required."]})
            with self._lock:
                self._check_references(kind, data)
                number, slug = self._new_slug(kind, data)
                record = dict(data, id=number, slug=slug, created_on=_now_iso(), created_by=user["slug"])
                self.tables[kind][slug] = record
            return _json(record, status=201)
        with self._lock:
            records = list(self.tables[kind].values())
        return _json(self._page(request, self._filter(request, records)))

    def on_item(self, request: Request, kind: str, slug: str) -> Response:
        self._authenticate(request)
        with self._lock:
            record = self._lookup(kind, slug)
            if request.method == "GET":
                return _json(record)
            if request.method == "DELETE":
                del self.tables[kind][slug]
                return Response(status=204)
            data = self._body(request)
            if request.method == "PUT" and kind in _NAMED_KINDS and not data.get("name", record.get("name")):
                raise _Reply(400, {"name": ["This field is required."]})
            self._check_references(kind, data)
            fixed = {k: record[k] for k in ("id", "slug", "created_on", "created_by")}
            record.update(data)
            record.update(fixed)
            return _json(record)

    def on_related(self, request: Request, kind: str, slug: str, related: str) -> Response:
        self._authenticate(request)
        target = "device" if related == "devices" else "stream"
        with self._lock:
            self._lookup(kind, slug)
            found = [r for r in self.tables[target].values()
                     if r.get(kind) == slug or (target == "stream" and r.get("parent") == slug)]
        return _json(found)

    @staticmethod
    def _filter(request: Request, records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        for name in request.args:
            field = name[:-len("__slug")] if name.endswith("__slug") else name
            if name in _CONTROL_PARAMS or field not in _FILTER_FIELDS:
                continue
            wanted = request.args.get(name)
            if field == "project":
                records = [r for r in records if wanted in {str(r.get(k)) for k in ("site", "area", "line", "org")}]
            else:
                records = [r for r in records if str(r.get(field)) == wanted]
        return records

    def _page(self, request: Request, items: List[Any]) -> Dict[str, Any]:
        """DRF ``PageNumberPagination`` with ``page_size`` as the client-settable size."""
        try:
            size = int(request.args.get("page_size", self.page_size))
        except ValueError:
            size = self.page_size
        size = max(1, min(size, self.max_page_size))
        try:
            page = int(request.args.get("page", 1))
        except ValueError:
            raise _Reply(404, {"detail": "Invalid page."}) from None
        pages = max(1, -(-len(items) // size))
        if page < 1 or page > pages:
            raise _Reply(404, {"detail": "Invalid page."})

        def link(number: int) -> str:
            query = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
            if number > 1:
                query.append(("page", str(number)))
            return request.base_url + ("?" + urlencode(query) if query else "")

        return {"count": len(items), "next": link(page + 1) if page < pages else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": items[(page - 1) * size: page * size]}

    # ------------------------------------------------------------------ streamer reports and data
    def _stream_for(self, device: Dict[str, Any], variable: int, user: Dict[str, Any]) -> str:
        """The stream slug a device's reading of ``variable`` lands in (created on first use)."""
        parent = device.get("line") or device.get("area") or device.get("site") or None
        stream = ArchFxStreamSlug()
        stream.from_parts(parent, device["slug"], ArchFxVariableID(variable))
        slug = str(stream)
        if slug not in self.tables["stream"]:
            self.tables["stream"][slug] = {
                "id": next(self._ids["stream"]), "slug": slug, "device": device["slug"], "parent": parent,
                "variable": str(ArchFxVariableID(variable)), "org": device.get("org"),
                "created_on": _now_iso(), "created_by": user["slug"]}
        return slug

    def on_report(self, request: Request) -> Response:
        user = self._authenticate(request)
        upload = request.files.get("file")
        if upload is None:
            raise _Reply(400, {"file": ["No file was submitted."]})
        device_id, readings = read_streamer_report(upload.read())
        device_slug = str(ArchFxDeviceSlug(device_id))
        new = 0
        with self._lock:
            self.reports_received += 1
            device = self.tables["device"].get(device_slug)
            if device is None:
                raise _Reply(400, {"device": [f"Device {device_slug} does not exist."]})
            seen = self.seen_readings.setdefault(device_slug, set())
            streams: Dict[int, str] = {}
            for reading in readings:
                when, variable, reading_id = reading.when, reading.stream, reading.reading_id
                key: Any = reading_id or (variable, when, reading.value)
                if key in seen:
                    continue
                seen.add(key)
                slug = streams.get(variable)
                if slug is None:
                    slug = streams[variable] = self._stream_for(device, variable, user)
                self.readings.setdefault(slug, []).append({
                    "stream": slug, "device": device_slug, "timestamp": _iso(when),
                    "value": reading.value, "dev_seqid": reading_id,
                    "extra_data": reading.extra_data, "_sort": (when, reading_id)})
                new += 1
            for slug in streams.values():
                self.readings[slug].sort(key=lambda r: r["_sort"])
            self.readings_stored += new
        return _json({"count": new}, status=202)

    def on_data(self, request: Request) -> Response:
        self._authenticate(request)
        stream = request.args.get("filter") or request.args.get("stream")
        if not stream:
            raise _Reply(400, {"detail": "A stream is required: ?filter=<stream slug>."})
        start = _parse_time(request.args["start"], "start") if "start" in request.args else None
        end = _parse_time(request.args["end"], "end") if "end" in request.args else None
        with self._lock:
            stored = list(self.readings.get(stream, ()))
        if start is not None or end is not None:
            stored = [r for r in stored
                      if (start is None or r["_sort"][0] >= start) and (end is None or r["_sort"][0] < end)]
        page = self._page(request, stored)
        page["results"] = [{k: v for k, v in r.items() if k != "_sort"} for r in page["results"]]
        return _json(page)


class ArchFxEmulator(ServedApp):
    """:class:`ArchFxApp` on a local server: ``with ArchFxEmulator() as emu: Api(domain=emu.url)``.

    ``email``/``password`` are a seeded user's credentials, ``token`` their DRF token.
    ``wrap`` wraps the app before serving (e.g. a fault injector); ``ssl_context`` serves HTTPS.
    Other keywords go to :class:`ArchFxApp`.
    """

    email = DEFAULT_EMAIL
    password = DEFAULT_PASSWORD

    def __init__(self, *, wrap: Optional[Callable[[Any], Any]] = None, ssl_context: Any = None,
                 **app_options: Any) -> None:
        app = ArchFxApp(**app_options)
        super().__init__(wrap(app) if wrap else app, ssl_context=ssl_context)
        self.app = app

    @property
    def domain(self) -> str:
        return self.server.url

    @property
    def api_url(self) -> str:
        return self.server.url + "/api/v1"

    @property
    def token(self) -> str:
        return self.app.user_token(self.email)

    def add_user(self, email: str, password: str, **kwargs: Any) -> Dict[str, Any]:
        return self.app.add_user(email, password, **kwargs)

    def issue_jwt(self, email: str = DEFAULT_EMAIL, **kwargs: Any) -> Tuple[str, str]:
        return self.app.issue_jwt(email, **kwargs)

    def expire_access_tokens(self) -> None:
        self.app.expire_access_tokens()

    def expire_refresh_tokens(self) -> None:
        self.app.expire_refresh_tokens()
