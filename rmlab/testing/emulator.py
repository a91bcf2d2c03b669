"""A local RMLab server: the discovery protocol and the service's behaviour, over real HTTP.

    from rmlab import API
    from rmlab.testing import RMLabEmulator

    with RMLabEmulator() as emu:                                 # http://127.0.0.1:<port>
        async with API(**emu.credentials) as api:                # workgroup, username, password, URLs
            await api.upload_batch_core(0, airline_items=[{"name": "LowCost2", "type": "low-cost"}])

What it implements:

* ``GET /auth/discover`` (public) -> the auth endpoint specs; login as a long-running operation
  with ``Basic base64(workgroup:username:password:<client version>)`` (trigger -> pending ->
  result with ``access_token``, ``refresh_token``, ``services``, ``scenarios`` (string ids),
  ``username``, ``workgroup`` and ``endpoints``); ``api-discover-user`` -> the API specs.
* Bearer tokens; an expired access token answers **498** with the error JSON, the refresh
  endpoint (Bearer refresh token) issues a new pair, logout revokes both.
* Per workgroup, ``scenarios`` scenarios: bounded item stores (with a capacity), CSV/JSON/list
  uploads checked like the client does plus references between items; schedules generating
  flights and deriving sectors, routes, citysectors and cityroutes; parametric models and
  filters binding them; flight data arrays; summary counters; checkpoints; a simulation
  operation advancing one day every ``day_seconds`` (results computed by
  :mod:`.simulation`); optimization passes (triggered, scheduled, or from the optimizer model's
  schedule); activity logs; snapshots.
* Errors as ``{"errors": [{"type", "content", "code", "traceback"}]}`` with the matching status.

Test hooks: ``emu.app.stats`` (requests per endpoint id), ``emu.app.max_in_flight``,
``emu.app.auth_schemes`` (endpoint id, auth scheme) in order, ``emu.app.refreshes``,
``emu.app.logouts``, ``emu.app.expire_access_tokens()``, ``emu.app.gate(endpoint_id, n)``
(hold requests until ``n`` are in flight at once: proves overlap without timing),
``emu.app.request_log`` ((arrival time, endpoint id, server role) per request),
``emu.app.upload_filenames`` ((endpoint id, the part's ``filename`` exactly as received));
``RMLabApp(spec_overrides={endpoint_id: {key: value or None to drop it}})`` changes what is
advertised (timeouts, limits, unknown keys) to exercise clients;
``RMLabApp(expired_token_status=401)`` answers an expired token with that status (the body is
still the ``ExpiredTokenError`` error JSON); ``RMLabEmulator(split=True)`` serves the auth
endpoints and the API endpoints from two servers (``emu.admin_url``, ``emu.app_url``), each
refusing the other's paths.
"""
from __future__ import annotations

import base64
import binascii
import copy
import hmac
import itertools
import json
import os
import secrets
import threading
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import unquote

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from archfx_cloud.testing.server import LocalServer

from .. import errors
from ..data.tables import parse_items, parse_json_items
from ..protocol import CommunicationType, Endpoint, PayloadType, ResponseType
from . import simulation
from .multipart import FilePart, MultipartError, parse_multipart_parts
from .specs import api_specs, auth_specs, login_specs, parse_all
from .store import DATE, Scenario, day

__all__ = ["RMLabApp", "RMLabEmulator", "BenchmarkApp", "DEFAULT_WORKGROUP", "DEFAULT_USERNAME",
           "DEFAULT_PASSWORD"]

DEFAULT_WORKGROUP = "demo-workgroup"
DEFAULT_USERNAME = "demo-user"
DEFAULT_PASSWORD = "demo-password"
SERVICES = ["simulation", "optimization", "web"]
JSON = "application/json"


@dataclass
class Principal:
    """Who is calling: the workgroup and user, and the session tokens behind a Bearer call."""

    workgroup: str
    username: str
    session: Optional["TokenSession"] = None


@dataclass
class TokenSession:
    workgroup: str
    username: str
    access: str
    refresh: str
    access_expires: float
    refresh_expires: float
    lineage: str = ""  # the login this session descends from (refreshes keep it)


@dataclass
class Operation:
    """A long-running operation (login, simulation, optimization) followed by polling."""

    id: str
    kind: str
    owner: Tuple[str, ...]
    scenario: Optional[Scenario] = None
    pending_polls: int = 0
    started: float = field(default_factory=time.monotonic)
    stop: Optional[date] = None
    days_done: int = 0
    done: bool = False
    result: Any = None
    error: Optional[BaseException] = None
    payload: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Workgroup:
    name: str
    scenarios: Dict[int, Scenario]
    logs: List[Tuple[str, str]] = field(default_factory=list)
    snapshots: Dict[str, Dict[int, Scenario]] = field(default_factory=dict)


class _Request:
    """What the emulator reads of a request, straight from the WSGI environ."""

    __slots__ = ("environ", "method")

    def __init__(self, environ: dict) -> None:
        self.environ = environ
        self.method = str(environ.get("REQUEST_METHOD", "GET")).upper()

    @property
    def content_length(self) -> Optional[int]:
        value = self.environ.get("CONTENT_LENGTH")
        if value in (None, ""):
            return None
        try:
            length = int(value)
        except ValueError:
            raise errors.ClientError(f"bad Content-Length {value!r}") from None
        if length < 0:
            raise errors.ClientError(f"bad Content-Length {value!r}")
        return length


class _Reply:
    """A finished answer (cheaper than a werkzeug Response for the emulator's simple replies)."""

    __slots__ = ("status", "body", "content_type")

    def __init__(self, status: int, body: bytes = b"", content_type: Optional[str] = None) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = []
        if self.status != 204:
            headers.append(("Content-Length", str(len(self.body))))
        if self.content_type:
            headers.append(("Content-Type", self.content_type))
        start_response(f"{self.status} {HTTP_STATUS_CODES.get(self.status, 'Unknown')}", headers)
        return [self.body] if self.body else []


def _json(data: Any, status: int = 200) -> _Reply:
    return _Reply(status, json.dumps(data).encode("utf-8"), JSON)


#: Which server answers an endpoint when the emulator runs as two (``split=True``).
def role_of(endpoint_id: str) -> str:
    return "admin" if endpoint_id.startswith("auth-") else "app"


def _version_tuple(text: str) -> Tuple[int, ...]:
    try:
        return tuple(int(p) for p in text.split("."))
    except ValueError:
        return ()


class RMLabApp:
    """The WSGI application (state inspectable by tests)."""

    def __init__(self, *, users: Iterable[Tuple[str, str, str]] = ((DEFAULT_WORKGROUP, DEFAULT_USERNAME,
                                                                    DEFAULT_PASSWORD),),
                 scenarios: int = 2, capacity: int = 10_000, access_lifetime: float = 600.0,
                 refresh_lifetime: float = 86_400.0, poll_interval: float = 0.02, day_seconds: float = 0.0,
                 login_pending_polls: int = 1, ids_limit: int = 50, items_limit: int = 1000,
                 max_body: int = 64 * 1024 * 1024, min_client_version: str = "0.4.0",
                 snapshot_delete: bool = True, latency: float = 0.0,
                 spec_overrides: Optional[Dict[str, Dict[str, Any]]] = None,
                 expired_token_status: int = 498) -> None:
        self.latency = latency
        self.expired_token_status = expired_token_status
        self.users: Dict[Tuple[str, str], str] = {}
        self.workgroups: Dict[str, Workgroup] = {}
        self.scenario_count = scenarios
        self.capacity = capacity
        for workgroup, username, password in users:
            self.add_user(workgroup, username, password)
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime
        self.day_seconds = day_seconds
        self.login_pending_polls = login_pending_polls
        self.max_body = max_body
        self.min_client_version = _version_tuple(min_client_version)
        self.public_specs = auth_specs(poll_interval)
        self.login_specs = login_specs()
        self.user_specs = api_specs(poll_interval, ids_limit, items_limit, snapshot_delete)
        for ep_id, changes in (spec_overrides or {}).items():
            group = next(g for g in (self.public_specs, self.login_specs, self.user_specs) if ep_id in g)
            for key, value in changes.items():
                if value is None:
                    group[ep_id].pop(key, None)
                else:
                    group[ep_id][key] = value
        self.endpoints: Dict[str, Endpoint] = parse_all(self.public_specs, self.login_specs, self.user_specs)
        self.lock = threading.RLock()
        self._sessions: Dict[str, TokenSession] = {}
        self._refresh_index: Dict[str, TokenSession] = {}
        #: Access tokens replaced by a refresh: still recognised, and expired (calls that were in
        #: flight during a refresh can refresh-and-replay instead of failing as unknown).
        self._superseded: "OrderedDict[str, str]" = OrderedDict()
        self.operations: Dict[str, Operation] = {}
        self._ids = itertools.count(1)
        self.stats: Counter = Counter()
        self.in_flight: Counter = Counter()
        self.max_in_flight: Counter = Counter()
        self.auth_schemes: List[Tuple[str, str]] = []
        self.request_log: List[Tuple[float, str, str]] = []
        self.upload_filenames: List[Tuple[str, str]] = []
        self.client_versions: List[str] = []
        self.refreshes = 0
        self.logouts = 0
        self._gates: Dict[str, Tuple[threading.Barrier, float, bool]] = {}
        self._flight_lock = threading.Lock()
        self._handlers: Dict[str, Callable[[Principal, Dict[str, Any]], Any]] = {
            ep_id: getattr(self, "on_" + ep_id.replace("-", "_")) for ep_id in self.endpoints}
        self._routes: Dict[Tuple[str, ...], List[Endpoint]] = {}
        for endpoint in self.endpoints.values():
            self._routes.setdefault(endpoint.resource, []).append(endpoint)
        self._route_sizes = sorted({len(r) for r in self._routes}, reverse=True)

    # ------------------------------------------------------------------ test hooks
    def add_user(self, workgroup: str, username: str, password: str) -> None:
        self.users[(workgroup, username)] = password
        if workgroup not in self.workgroups:
            self.workgroups[workgroup] = Workgroup(workgroup, {i: Scenario(i, self.capacity)
                                                               for i in range(self.scenario_count)})

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now answers 498."""
        with self.lock:
            for session in self._sessions.values():
                session.access_expires = 0.0

    def expire_refresh_tokens(self) -> None:
        with self.lock:
            for session in self._sessions.values():
                session.refresh_expires = 0.0

    def gate(self, endpoint_id: str, parties: int, timeout: float = 10.0, before_auth: bool = False) -> None:
        """Hold each ``endpoint_id`` request until ``parties`` of them are in flight together
        (``before_auth``: before their credentials are checked, so all of them see the same
        token state)."""
        self._gates[endpoint_id] = (threading.Barrier(parties), timeout, before_auth)

    def ungate(self, endpoint_id: str) -> None:
        self._gates.pop(endpoint_id, None)

    def scenario(self, workgroup: str, scen_id: int) -> Scenario:
        return self.workgroups[workgroup].scenarios[scen_id]

    @property
    def active_sessions(self) -> int:
        with self.lock:
            return len(self._sessions)

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = _Request(environ)
        try:
            response = self._dispatch(request, environ)
        except errors.DataValidationError as exc:
            response = self._error(errors.ClientError(str(exc)))
        except (errors.ValueError, MultipartError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            response = self._error(errors.ClientError(str(exc)))
        except errors.RMLabError as exc:
            response = self._error(exc)
        except FileNotFoundError as exc:
            response = self._error(errors.ClientError(str(exc)))
        return response(environ, start_response)

    def _error(self, exc: BaseException) -> _Reply:
        body = errors.error_handler(exc)
        status = body["errors"][0]["code"]
        if isinstance(exc, errors.ExpiredTokenError) and self.expired_token_status != status:
            status = body["errors"][0]["code"] = self.expired_token_status
        return _json(body, status=status)

    @staticmethod
    def _segments(environ: dict) -> List[str]:
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        path = raw.split("?", 1)[0]
        if "://" in path:
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        return [unquote(part) for part in path.split("/") if part]

    def _route(self, method: str, segments: List[str]) -> Tuple[Endpoint, List[str]]:
        wrong_method = False
        for size in self._route_sizes:
            for endpoint in self._routes.get(tuple(segments[:size]), ()):
                expected = size + (len(endpoint.arguments) if endpoint.payload is PayloadType.MATCH else 0)
                if len(segments) != expected:
                    continue
                if endpoint.method.value.upper() != method:
                    wrong_method = True
                    continue
                return endpoint, segments[size:]
        if wrong_method:
            raise errors.MethodNotAllowed(f"{method} is not allowed on /{'/'.join(segments)}")
        raise errors.NotFoundError(f"no endpoint at /{'/'.join(segments)}")

    def _dispatch(self, request: _Request, environ: dict) -> Any:
        segments = self._segments(environ)
        method = request.method
        role = environ.get("rmlab.role", "")
        if segments == ["auth", "discover"]:
            self._check_role("auth-discover", role)
            if method != "GET":
                raise errors.MethodNotAllowed(f"{method} is not allowed on /auth/discover")
            self.stats["auth-discover"] += 1
            self.request_log.append((time.monotonic(), "auth-discover", role))
            return _json(self.public_specs)
        endpoint, rest = self._route(method, segments)
        self._check_role(endpoint.id, role)
        self.stats[endpoint.id] += 1
        with self._flight_lock:
            self.request_log.append((time.monotonic(), endpoint.id, role))
            self.in_flight[endpoint.id] += 1
            self.max_in_flight[endpoint.id] = max(self.max_in_flight[endpoint.id], self.in_flight[endpoint.id])
        try:
            gate = self._gates.get(endpoint.id)
            if gate is not None and gate[2]:
                self._pass_gate(endpoint.id, gate)
            principal = self._authenticate(endpoint, request)
            values = self._decode(endpoint, request, rest)
            if self.latency > 0:  # the answer comes `latency` after the request arrived
                time.sleep(self.latency)
            if gate is not None and not gate[2]:
                self._pass_gate(endpoint.id, gate)
            result = self._handlers[endpoint.id](principal, values)
        finally:
            with self._flight_lock:
                self.in_flight[endpoint.id] -= 1
        if isinstance(result, (Response, _Reply)):
            return result
        if endpoint.communication is CommunicationType.ASYNC:
            return _json(result, status=202)
        if endpoint.response is ResponseType.NONE:
            return _Reply(204)
        return _json(result)

    @staticmethod
    def _pass_gate(endpoint_id: str, gate: Tuple[threading.Barrier, float, bool]) -> None:
        try:
            gate[0].wait(gate[1])
        except threading.BrokenBarrierError:
            raise errors.InternalServerError(f"gate on `{endpoint_id}`: {gate[0].parties} requests did not "
                                             f"arrive together") from None

    @staticmethod
    def _check_role(endpoint_id: str, role: str) -> None:
        """When served as two servers, each answers only its own endpoints."""
        if role and role_of(endpoint_id) != role:
            raise errors.NotFoundError(f"`{endpoint_id}` is not served by the {role} server")

    # ------------------------------------------------------------------ auth
    def _authenticate(self, endpoint: Endpoint, request: _Request) -> Principal:
        header = request.environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, credential = header.partition(" ")
        self.auth_schemes.append((endpoint.id, scheme or "none"))
        kind = endpoint.auth.value
        if kind == "public":
            return Principal("", "")
        if kind == "basic":
            if scheme.lower() != "basic":
                raise errors.AuthenticationError("Basic credentials required")
            return self._basic(credential.strip())
        if scheme.lower() != "bearer" or not credential.strip():
            raise errors.AuthenticationError("Bearer token required")
        token = credential.strip()
        now = time.monotonic()
        with self.lock:
            if endpoint.id == "auth-token-refresh":
                session = self._refresh_index.get(token)
                if session is None:
                    raise errors.AuthenticationError("unknown refresh token")
                if now >= session.refresh_expires:
                    raise errors.ExpiredSessionError("Session expired: log in again")
            else:
                session = self._sessions.get(token)
                if session is None:
                    if token in self._superseded:
                        raise errors.ExpiredTokenError("Token expired")
                    raise errors.AuthenticationError("unknown or revoked token")
                if now >= session.access_expires:
                    raise errors.ExpiredTokenError("Token expired")
        return Principal(session.workgroup, session.username, session)

    def _basic(self, credential: str) -> Principal:
        try:
            text = base64.b64decode(credential, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise errors.AuthenticationError("malformed Basic credentials") from None
        parts = text.split(":", 2)
        if len(parts) != 3 or ":" not in parts[2]:
            raise errors.VersionError("credentials must be workgroup:username:password:<client version>")
        workgroup, username, rest = parts
        password, version = rest.rsplit(":", 1)
        self.client_versions.append(version)
        if _version_tuple(version) < self.min_client_version:
            raise errors.VersionError(f"client version {version} is no longer supported")
        expected = self.users.get((workgroup, username))
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            raise errors.AuthenticationError("invalid credentials")
        return Principal(workgroup, username)

    def _issue(self, workgroup: str, username: str, lineage: Optional[str] = None) -> TokenSession:
        now = time.monotonic()
        session = TokenSession(workgroup, username, secrets.token_hex(24), secrets.token_hex(24),
                               now + self.access_lifetime, now + self.refresh_lifetime,
                               lineage or secrets.token_hex(8))
        self._sessions[session.access] = session
        self._refresh_index[session.refresh] = session
        return session

    def _revoke(self, session: TokenSession) -> None:
        self._sessions.pop(session.access, None)
        self._refresh_index.pop(session.refresh, None)

    def _forget_superseded(self, session: TokenSession) -> None:
        """At logout, the tokens a session's refreshes replaced become unknown too."""
        for old in [token for token, lineage in self._superseded.items() if lineage == session.lineage]:
            del self._superseded[old]

    # ------------------------------------------------------------------ decoding
    def _decode(self, endpoint: Endpoint, request: _Request, rest: List[str]) -> Dict[str, Any]:
        specs = endpoint.arguments.specs
        if endpoint.payload is PayloadType.NONE:
            return {}
        if endpoint.payload is PayloadType.MATCH:
            return {name: endpoint.decode_text(name, text) for name, text in zip(specs, rest)}
        body = self._read_body(request)
        if endpoint.payload is PayloadType.JSON:
            data = json.loads(body or b"{}")
            if not isinstance(data, dict):
                raise errors.ClientError("JSON body must be an object")
            out = {}
            for name, spec in specs.items():
                if name in data:
                    out[name] = spec.cast(data[name], endpoint.id)
                elif spec.required:
                    raise errors.ClientError(f"`{endpoint.id}` requires argument '{name}'")
                else:
                    out[name] = spec.default
                spec.check_limit(out[name], endpoint.id)
            return out
        fields, files = parse_multipart_parts(body, request.environ.get("CONTENT_TYPE", ""))
        out = {}
        for name, spec in specs.items():
            if spec.type == "FileType":
                if name not in files:
                    raise errors.ClientError(f"`{endpoint.id}` requires file part '{name}'")
                out[name] = files[name]
                self.upload_filenames.append((endpoint.id, files[name].raw_filename))
            elif name in fields:
                out[name] = endpoint.decode_text(name, fields[name])
            elif spec.required:
                raise errors.ClientError(f"`{endpoint.id}` requires argument '{name}'")
            else:
                out[name] = spec.default
        return out

    def _read_body(self, request: _Request) -> bytes:
        """The whole body, read straight from ``wsgi.input`` (bounded by ``max_body``)."""
        stream = request.environ["wsgi.input"]
        length = request.content_length
        if length is None:
            if not request.environ.get("wsgi.input_terminated"):
                return b""
            data = stream.read(self.max_body + 1)
            if len(data) > self.max_body:
                raise errors.ClientError(f"request body exceeds {self.max_body} bytes")
            return data
        if length > self.max_body:
            raise errors.ClientError(f"request body of {length} bytes exceeds {self.max_body}")
        parts, left = [], length
        while left > 0:
            chunk = stream.read(left)
            if not chunk:
                raise errors.ClientError(f"request body ended {left} bytes early")
            parts.append(chunk)
            left -= len(chunk)
        return b"".join(parts)

    # ------------------------------------------------------------------ helpers
    def _scenario(self, principal: Principal, scen_id: Any) -> Scenario:
        group = self.workgroups[principal.workgroup]
        try:
            number = int(scen_id)
        except (TypeError, ValueError):
            raise errors.ClientError(f"scenario id must be an integer, got {scen_id!r}") from None
        if number not in group.scenarios:
            raise errors.ForbiddenError(f"scenario {number} is not available to workgroup {principal.workgroup}")
        scenario = group.scenarios[number]
        self._advance_scenario(scenario)
        return scenario

    def _log(self, principal: Principal, context: str, message: str) -> None:
        self.workgroups[principal.workgroup].logs.append((context, f"[{principal.username}] {message}"))

    def _new_operation(self, kind: str, owner: Tuple[str, ...], **kwargs: Any) -> Operation:
        op = Operation(f"op-{next(self._ids)}-{secrets.token_hex(4)}", kind, owner, **kwargs)
        self.operations[op.id] = op
        return op

    def _operation(self, op_id: str, owner: Tuple[str, ...]) -> Operation:
        op = self.operations.get(op_id)
        if op is None or op.owner != owner:
            raise errors.NotFoundError(f"no operation `{op_id}`")
        return op

    def _advance_scenario(self, scenario: Scenario) -> None:
        if scenario.running:
            op = self.operations.get(scenario.running)
            if op is not None:
                self._advance(op)

    def _advance(self, op: Operation) -> None:
        """Move an operation on: simulations by the days their elapsed time allows."""
        if op.done:
            return
        if op.kind == "simulation":
            scenario = op.scenario
            assert scenario is not None and op.stop is not None
            allowed = (int((time.monotonic() - op.started) / self.day_seconds) if self.day_seconds > 0
                       else 1 << 30)
            while scenario.current is not None and scenario.current < op.stop and op.days_done < allowed:
                simulation.simulate_day(scenario, scenario.current)
                scenario.current += timedelta(days=1)
                op.days_done += 1
            if scenario.current is None or scenario.current >= op.stop:
                scenario.running = None
                scenario.day_status = "simulated"
                op.done = True
                op.result = scenario.summary()
        elif op.kind == "optimization":
            scenario = op.scenario
            assert scenario is not None
            flights = op.payload["flights"]
            for fid in flights:
                simulation.optimize(scenario, scenario.flights[fid], op.payload["day"], commit=None)
            scenario.running = None
            scenario.day_status = "optimized"
            op.done = True
            op.result = {"flights": flights}
        elif op.pending_polls > 0:
            op.pending_polls -= 1
        else:
            op.done = True

    # ------------------------------------------------------------------ auth handlers
    def on_auth_log_in(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            op = self._new_operation("login", (principal.workgroup, principal.username),
                                     pending_polls=self.login_pending_polls)
        return {"operation_id": op.id}

    def on_auth_log_in_poll_status(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            op = self._operation(values["operation_id"], (principal.workgroup, principal.username))
            self._advance(op)
            return {"status": "done" if op.done else "pending"}

    def on_auth_log_in_result(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            op = self._operation(values["operation_id"], (principal.workgroup, principal.username))
            if not op.done:
                raise errors.ClientError(f"operation `{op.id}` has not finished")
            del self.operations[op.id]  # credentials are handed out once
            session = self._issue(principal.workgroup, principal.username)
            group = self.workgroups[principal.workgroup]
            self._log(principal, "info", "logged in")
            return {"access_token": session.access, "refresh_token": session.refresh, "services": list(SERVICES),
                    "scenarios": {str(i): {"name": f"Scenario {i}"} for i in sorted(group.scenarios)},
                    "username": principal.username, "workgroup": principal.workgroup,
                    "endpoints": self.login_specs}

    def on_auth_log_out(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            assert principal.session is not None
            self._revoke(principal.session)
            self._forget_superseded(principal.session)
            self.logouts += 1
            self._log(principal, "info", "logged out")
        return None

    def on_auth_token_refresh(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            assert principal.session is not None
            self._revoke(principal.session)
            self._superseded[principal.session.access] = principal.session.lineage
            while len(self._superseded) > 1000:
                self._superseded.popitem(last=False)
            session = self._issue(principal.workgroup, principal.username, principal.session.lineage)
            self.refreshes += 1
        return {"access_token": session.access, "refresh_token": session.refresh}

    def on_api_discover_user(self, principal: Principal, values: Dict[str, Any]) -> Any:
        return self.user_specs

    # ------------------------------------------------------------------ data handlers
    def on_api_data_bounded_get_all(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            return {"items": self._scenario(principal, values["scen_id"]).bounded_items(values["category"])}

    def _ingest(self, principal: Principal, values: Dict[str, Any], rows: List[Dict[str, Any]],
                unbounded: bool) -> None:
        category = values["category"]
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            if scenario.running:
                raise errors.ClientError(f"scenario {scenario.id} is running `{scenario.running}`")
            if not unbounded:
                count = scenario.add_bounded(category, rows)
            elif category == "schedule":
                count = scenario.add_schedules(rows, values.get("citysector_id"), values.get("sector_id"))
            elif category == "flight":
                count = scenario.add_flights(rows, values.get("citysector_id"), values.get("sector_id"))
            else:
                raise errors.ClientError(f"category `{category}` is not unbounded (schedule, flight)")
            if scenario.day_status == "empty" and scenario.flights:
                scenario.day_status = "ready"
            self._log(principal, "info", f"scenario {scenario.id}: uploaded {count} {category} items")

    def _rows_from_file(self, values: Dict[str, Any]) -> List[Dict[str, Any]]:
        part: FilePart = values["content"]
        return parse_items(values["category"], bytes(part.content), values["extension"],
                           os.path.basename(part.filename))

    def on_api_data_bounded_post_file(self, principal: Principal, values: Dict[str, Any]) -> Any:
        self._ingest(principal, values, self._rows_from_file(values), unbounded=False)

    def on_api_data_bounded_post_json(self, principal: Principal, values: Dict[str, Any]) -> Any:
        self._ingest(principal, values, parse_json_items(values["category"], values["items"], "items"),
                     unbounded=False)

    def on_api_data_unbounded_post_file(self, principal: Principal, values: Dict[str, Any]) -> Any:
        self._ingest(principal, values, self._rows_from_file(values), unbounded=True)

    def on_api_data_unbounded_post_json(self, principal: Principal, values: Dict[str, Any]) -> Any:
        self._ingest(principal, values, parse_json_items(values["category"], values["items"], "items"),
                     unbounded=True)

    def on_api_data_unbounded_get_ids(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            return self._scenario(principal, values["scen_id"]).unbounded_ids(
                values["category"], values["citysector_id"], values["airline_id"], values["sector_id"])

    def on_api_data_unbounded_get_fields(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            return self._scenario(principal, values["scen_id"]).unbounded_fields(
                values["category"], [str(i) for i in values["ids"]], [str(f) for f in values["fields"]],
                values["citysector_id"], values["sector_id"])

    def _airline_locations(self, principal: Principal, values: Dict[str, Any]) -> List[Dict[str, Any]]:
        with self.lock:
            return self._scenario(principal, values["scen_id"]).airline_locations(values["airline_id"],
                                                                                  values["location_type"])

    def on_api_data_airline_locations_get_ids(self, principal: Principal, values: Dict[str, Any]) -> Any:
        return [item["id"] for item in self._airline_locations(principal, values)]

    def on_api_data_airline_locations_get_items(self, principal: Principal, values: Dict[str, Any]) -> Any:
        return self._airline_locations(principal, values)

    def on_api_data_flight_post(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            self._scenario(principal, values["scen_id"]).put_data(values["flight_id"], values["kind"], values["data"],
                                                                  values["citysector_id"], values["sector_id"])

    def on_api_data_flight_get(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            return [scenario.get_data(str(fid), values["kind"], values["citysector_id"], values["sector_id"])
                    for fid in values["ids"]]

    def _store_model(self, principal: Principal, values: Dict[str, Any], filename: str, raw: Any) -> None:
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            scenario.add_pmodel(values["pmodel_id"], values["kind"], filename, raw)
            self._log(principal, "info", f"scenario {scenario.id}: stored {values['kind']} model "
                                         f"{values['pmodel_id']}")

    def on_api_data_pmodel_post_file(self, principal: Principal, values: Dict[str, Any]) -> Any:
        part: FilePart = values["content"]
        # kept as a view of the request body: a 1 MiB model is not copied again
        self._store_model(principal, values, os.path.basename(part.filename), part.content)

    def on_api_data_pmodel_post_json(self, principal: Principal, values: Dict[str, Any]) -> Any:
        self._store_model(principal, values, "none", json.dumps(values["content"]).encode("utf-8"))

    def on_api_data_pmodel_get(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            record = self._scenario(principal, values["scen_id"]).pmodel(values["kind"], values["pmodel_id"])
            record.parsed()
            return _Reply(200, bytes(record.raw), JSON)

    def on_api_data_remove_full(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            scenario.remove_full()
            self._log(principal, "warning", f"scenario {scenario.id}: all data removed")

    def on_api_data_remove_restart(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            scenario.remove_results()
            self._log(principal, "warning", f"scenario {scenario.id}: simulation results removed")

    def on_api_data_summary_get_single(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            return self._scenario(principal, values["scen_id"]).summary()

    # ------------------------------------------------------------------ operation handlers
    def on_api_operation_simulation_checkpoint(self, principal: Principal, values: Dict[str, Any]) -> Any:
        dates = sorted({day(str(c), "checkpoint") for c in values["checkpoints"]})
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            scenario.checkpoints = dates
            self._log(principal, "info", f"scenario {scenario.id}: checkpoints "
                                         f"{', '.join(d.strftime(DATE) for d in dates) or 'cleared'}")

    def on_api_operation_simulation_trigger(self, principal: Principal, values: Dict[str, Any]) -> Any:
        if values["operation"] != "auto":
            raise errors.ClientError(f"unknown simulation operation {values['operation']!r}; expected 'auto'")
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            if scenario.running:
                raise errors.ClientError(f"scenario {scenario.id} is already running `{scenario.running}`")
            if not scenario.flights:
                raise errors.ClientError(f"scenario {scenario.id} has no flights to simulate")
            if scenario.state() == "finished":
                raise errors.ClientError(f"scenario {scenario.id} is finished; remove its results to run it again")
            scenario.current = scenario.current_day()
            scenario.started = True
            op = self._new_operation("simulation", (principal.workgroup,), scenario=scenario,
                                     stop=scenario.next_stop())
            scenario.running = op.id
            self._log(principal, "info", f"scenario {scenario.id}: simulation from {scenario.current} to {op.stop}")
            return {"operation_id": op.id}

    def on_api_operation_optimization_trigger(self, principal: Principal, values: Dict[str, Any]) -> Any:
        citysector_id, sector_id = values["citysector_id"], values["sector_id"]
        if citysector_id is None and sector_id is None:
            raise errors.ClientError("give citysector_id and/or sector_id")
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            if scenario.running:
                raise errors.ClientError(f"scenario {scenario.id} is running `{scenario.running}`")
            scenario._need("airline", values["airline_id"], "optimization")
            today = scenario.current_day()
            if today is None:
                raise errors.ClientError(f"scenario {scenario.id} has no flights")
            flights = sorted(f["id"] for f in scenario.flights.values()
                             if f["airline_id"] == values["airline_id"]
                             and citysector_id in (None, f["citysector_id"]) and sector_id in (None, f["sector_id"])
                             and f["onsale"] <= today < f["departure"].date())
            op = self._new_operation("optimization", (principal.workgroup,), scenario=scenario,
                                     payload={"flights": flights, "day": today})
            scenario.running = op.id
            self._log(principal, "info", f"scenario {scenario.id}: optimization of {len(flights)} flights")
            return {"operation_id": op.id}

    def _async_operation(self, principal: Principal, values: Dict[str, Any]) -> Operation:
        op = self._operation(values["operation_id"], (principal.workgroup,))
        self._advance(op)
        return op

    def on_api_monitor_async_scenario_status(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            op = self._async_operation(principal, values)
            return {"status": "done" if op.done else "pending",
                    "progress": {"days": op.days_done} if op.kind == "simulation" else {}}

    def on_api_monitor_async_scenario_result(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            op = self._async_operation(principal, values)
            if not op.done:
                raise errors.ClientError(f"operation `{op.id}` has not finished")
            if op.error is not None:
                raise op.error
            return op.result

    def on_api_operation_optimization_schedule(self, principal: Principal, values: Dict[str, Any]) -> Any:
        try:
            when = datetime.strptime(values["date_time"], "%Y-%m-%dT%H:%M")
        except ValueError:
            raise errors.ClientError(f"date_time must look like 2022-04-01T10:00, got {values['date_time']!r}") \
                from None
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            scenario._need("airline", values["airline_id"], "scheduled optimization")
            scenario.scheduled_passes.append({"when": when, "airline_id": values["airline_id"],
                                              "citysector_id": values["citysector_id"],
                                              "sector_id": values["sector_id"]})
            for flight in scenario.flights.values():
                if (flight["airline_id"] == values["airline_id"]
                        and values["citysector_id"] in (None, flight["citysector_id"])
                        and values["sector_id"] in (None, flight["sector_id"])
                        and flight["onsale"] <= when.date() < flight["departure"].date()):
                    scenario.record(flight["id"], "events", when, Kind="scheduled-rms-pass")

    def on_api_operation_optimization_input_ids(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            flight = scenario.flight(values["flight_id"], values["citysector_id"], None)
            return simulation.input_flights(scenario, flight, simulation.since_days(scenario, flight))

    def on_api_operation_optimization_scheduled_ids(self, principal: Principal, values: Dict[str, Any]) -> Any:
        start, end = day(values["ds_start"], "ds_start"), day(values["ds_end"], "ds_end")
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            found = []
            for fid in sorted(scenario.flights):
                flight = scenario.flights[fid]
                if flight["airline_id"] != values["airline_id"] or flight["sector_id"] != values["sector_id"]:
                    continue
                days = simulation.pass_days(scenario, flight) | {
                    p["when"].date() for p in scenario.scheduled_passes
                    if p["airline_id"] == flight["airline_id"] and p["sector_id"] in (None, flight["sector_id"])
                    and p["citysector_id"] in (None, flight["citysector_id"])
                    and flight["onsale"] <= p["when"].date() < flight["departure"].date()}
                if any(start <= d <= end for d in days):
                    found.append(fid)
            return found

    def on_api_operation_set_date(self, principal: Principal, values: Dict[str, Any]) -> Any:
        when = day(values["ds_current"], "ds_current")
        with self.lock:
            scenario = self._scenario(principal, values["scen_id"])
            if scenario.running:
                raise errors.ClientError(f"scenario {scenario.id} is running `{scenario.running}`")
            first, last = scenario.first_load(), scenario.last_departure()
            if first is None or last is None:
                raise errors.ClientError(f"scenario {scenario.id} has no flights")
            if not first <= when <= last + timedelta(days=1):
                raise errors.ClientError(f"date {when} is outside the scenario ({first} to {last})")
            scenario.current = when
            scenario.started = True
            scenario.day_status = "ready"

    # ------------------------------------------------------------------ observability
    def on_api_monitor_activity_user(self, principal: Principal, values: Dict[str, Any]) -> Any:
        context = str(values["context"]).lower()
        if context not in ("info", "warning", "error", "critical"):
            raise errors.ClientError(f"unknown log context {values['context']!r}")
        count = int(values["count"])
        if count <= 0:
            raise errors.ClientError("count must be positive")
        with self.lock:
            lines = [text for ctx, text in self.workgroups[principal.workgroup].logs if ctx == context]
            return lines[-count:]

    def on_api_snapshot_list(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            return sorted(self.workgroups[principal.workgroup].snapshots)

    def _idle_group(self, principal: Principal) -> Workgroup:
        group = self.workgroups[principal.workgroup]
        busy = [s.id for s in group.scenarios.values() if s.running]
        if busy:
            raise errors.ClientError(f"scenario(s) {busy} are running; wait for them to finish")
        return group

    def on_api_snapshot_save(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            group = self._idle_group(principal)
            group.snapshots[values["snapshot_name"]] = copy.deepcopy(group.scenarios)
            self._log(principal, "info", f"snapshot {values['snapshot_name']} saved")

    def on_api_snapshot_restore(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            group = self._idle_group(principal)
            saved = group.snapshots.get(values["snapshot_name"])
            if saved is None:
                raise errors.NotFoundError(f"no snapshot {values['snapshot_name']!r}")
            group.scenarios = copy.deepcopy(saved)
            self._log(principal, "info", f"snapshot {values['snapshot_name']} restored")

    def on_api_snapshot_delete(self, principal: Principal, values: Dict[str, Any]) -> Any:
        with self.lock:
            group = self.workgroups[principal.workgroup]
            if group.snapshots.pop(values["snapshot_name"], None) is None:
                raise errors.NotFoundError(f"no snapshot {values['snapshot_name']!r}")
            self._log(principal, "info", f"snapshot {values['snapshot_name']} deleted")


class _Role:
    """Marks every request with the server that received it (``split`` emulators)."""

    def __init__(self, app: Any, role: str) -> None:
        self.app = app
        self.role = role

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ["rmlab.role"] = self.role
        return self.app(environ, start_response)


class RMLabEmulator:
    """:class:`RMLabApp` on a local server.

    ``latency`` delays every API answer by that many seconds after the request has arrived
    (counted as in flight, so ``app.max_in_flight`` shows overlap); ``wrap(app)`` wraps the app in any other middleware,
    e.g. the core's ``FaultInjector`` for 429/5xx/dropped connections. ``split=True`` runs two
    servers over the same state: ``admin_url`` answers only the auth endpoints (``/auth/...``),
    ``app_url`` only the API ones; ``app.request_log`` says which server got each request.
    Other keywords go to :class:`RMLabApp`. ``credentials`` are the keyword arguments of
    ``rmlab.API``.
    """

    def __init__(self, *, workgroup: str = DEFAULT_WORKGROUP, username: str = DEFAULT_USERNAME,
                 password: str = DEFAULT_PASSWORD, latency: float = 0.0,
                 wrap: Optional[Callable[[Any], Any]] = None, ssl_context: Any = None, split: bool = False,
                 **app_kwargs: Any) -> None:
        self.workgroup, self.username, self.password = workgroup, username, password
        self.app = RMLabApp(users=[(workgroup, username, password)], latency=latency, **app_kwargs)
        served: Any = self.app
        if wrap is not None:
            served = wrap(served)
        self.split = split
        if split:
            self.server = LocalServer(_Role(served, "app"), ssl_context=ssl_context)
            self.admin_server: Optional[LocalServer] = LocalServer(_Role(served, "admin"), ssl_context=ssl_context)
        else:
            self.server = LocalServer(served, ssl_context=ssl_context)
            self.admin_server = None

    @property
    def url(self) -> str:
        """The (API) server's URL."""
        return self.server.url

    @property
    def app_url(self) -> str:
        return self.server.url

    @property
    def admin_url(self) -> str:
        return self.admin_server.url if self.admin_server is not None else self.server.url

    @property
    def credentials(self) -> Dict[str, str]:
        return {"workgroup": self.workgroup, "username": self.username, "password": self.password,
                "app_url": self.app_url, "admin_url": self.admin_url}

    def api(self, **kwargs: Any) -> Any:
        """An ``rmlab.API`` for this emulator (enter it with ``async with``)."""
        from ..api import API
        return API(**{**self.credentials, **kwargs})

    def expire_access_tokens(self) -> None:
        self.app.expire_access_tokens()

    def start(self) -> "RMLabEmulator":
        self.server.start()
        if self.admin_server is not None:
            self.admin_server.start()
        return self

    def stop(self) -> None:
        if self.admin_server is not None:
            self.admin_server.stop()
        self.server.stop()

    def __enter__(self) -> "RMLabEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<RMLabEmulator {self.server!r}>"


class BenchmarkApp:
    """The emulator for ``python -m archfx_cloud.testing.serve rmlab.testing.emulator:BenchmarkApp``:
    64 scenarios, the default user, ``RMLAB_EMULATOR_LATENCY`` seconds (default 0.05) per request."""

    def __init__(self) -> None:
        self.app = RMLabApp(scenarios=64, latency=float(os.environ.get("RMLAB_EMULATOR_LATENCY", "0.05")))

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.app(environ, start_response)
