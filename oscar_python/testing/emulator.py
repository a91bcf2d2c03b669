"""A local OSCAR cluster: the REST API of OSCAR 4.1 as a WSGI app (werkzeug).

    from oscar_python.testing import OscarEmulator
    with OscarEmulator() as emu:                     # real HTTP on 127.0.0.1, free port
        client = Client(emu.options())               # basic auth as the cluster admin
        client.create_service("cowsay.yaml")
        print(client.run_service("cowsay", input="Hi").text)

What it implements (paths, auth schemes, status codes and body shapes of the server's
Swagger description, ``oscar-v4.1.2-swagger2.yaml``):

* ``/health``; ``/system/info|config|status``; services CRUD, deployment status/logs,
  start/stop/restart, ``/auth``; ``/run`` and ``/job`` (a built-in behaviour per service,
  see :mod:`.behaviours`); job listings paginated with ``next_page`` continue tokens
  (``page_size`` jobs a page) and ``remaining_jobs``; job logs; job deletion (``?all=true``);
  the admin access log ``/system/logs``; volumes; buckets (with presigned URLs when an S3
  server is attached); metrics; quotas; federation.
* Auth: HTTP Basic (the admin) or ``Bearer <JWT>`` from the emulator's OIDC issuer for
  ``/system``; for ``/run`` and ``/job`` only ``Bearer``: a 64-character service token or an
  OIDC JWT (unknown issuer -> 400, bad or expired -> 401). PUT ``/system/config``,
  ``GET /system/logs`` and the admin quota routes take Basic only.
* Async jobs go Pending -> Running -> Succeeded (or Failed) on the emulator's clock
  (``job_pending`` and ``job_running`` seconds, a ``clock`` you may replace).
* ``/system/config`` returns ``minio_provider`` pointing at an S3 server when given one
  (``s3_endpoint=...``), so ``client.create_storage_client()`` works against it.
* Outside the API, ``POST /oidc/token`` is the issuer's token endpoint (refresh-token grant).
"""
from __future__ import annotations

import base64
import io
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from archfx_cloud.testing.server import LocalServer

from . import jwt
from .behaviours import (ServiceFailure, behaviour_of, encode_answer, output_encoding, read_input,
                         run_behaviour)

log = logging.getLogger("oscar_python.testing")

__all__ = ["OscarEmulator", "OscarApp", "DEFAULT_ISSUER", "Exchange"]

DEFAULT_ISSUER = "https://aai.egi.eu/auth/realms/egi"
MAX_KEPT_INPUT = 64 * 1024 * 1024
NAME_MAX = 39


def _now_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


class ApiError(Exception):
    """An error answer: OSCAR sends plain-text error bodies."""

    def __init__(self, status: int, message: str, headers: Optional[Dict[str, str]] = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class Caller:
    """Who made a request: the admin (basic auth), an OIDC user, or a service token holder."""

    kind: str  # "admin" | "oidc" | "service-token"
    user: str
    claims: Dict[str, Any] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


@dataclass
class JobRecord:
    name: str
    service: str
    owner: str
    created: float
    pending: float
    running: float
    input_size: int
    output: bytes = b""
    error: str = ""

    def status(self, now: float) -> str:
        if now < self.created + self.pending:
            return "Pending"
        if now < self.created + self.pending + self.running:
            return "Running"
        return "Failed" if self.error else "Succeeded"

    def info(self, now: float) -> Dict[str, str]:
        status = self.status(now)
        out = {"status": status, "creation_time": _now_iso(self.created)}
        if status != "Pending":
            out["start_time"] = _now_iso(self.created + self.pending)
        if status in ("Succeeded", "Failed"):
            out["finish_time"] = _now_iso(self.created + self.pending + self.running)
        return out


@dataclass
class Exchange:
    """One request and its answer, recorded when the emulator runs with ``record=True``."""

    method: str
    path: str
    query: Dict[str, List[str]]
    headers: Dict[str, str]
    body: bytes
    status: int
    response_headers: Dict[str, str]
    response_body: bytes
    route: Optional[str]


class OscarApp:
    """The WSGI application; state lives in memory, guarded by one lock."""

    def __init__(self, *, user: str = "oscar", password: str = "oscar-password", cluster_id: str = "oscar-emulator",
                 issuers: Iterable[str] = (DEFAULT_ISSUER,), page_size: int = 10, job_pending: float = 0.05,
                 job_running: float = 0.05, clock: Callable[[], float] = time.time,
                 minio_provider: Optional[Dict[str, Any]] = None, record: bool = False,
                 oidc_groups: Iterable[str] = ()) -> None:
        self.user = user
        self.password = password
        self.cluster_id = cluster_id
        self.issuers = list(issuers)
        self.page_size = page_size
        self.job_pending = job_pending
        self.job_running = job_running
        self.clock = clock
        self.oidc_groups = list(oidc_groups)
        self.s3_attached = minio_provider is not None
        self.minio_provider = minio_provider or {"endpoint": "http://minio-service.minio:9000", "verify": True,
                                                 "access_key": "minio", "secret_key": "minio-secret",
                                                 "region": "us-east-1"}
        self.record = record
        self.exchanges: List[Exchange] = []
        self.secret = secrets.token_bytes(32)
        self.refresh_tokens: Dict[str, Dict[str, Any]] = {}
        self.lock = threading.RLock()
        self.services: Dict[str, Dict[str, Any]] = {}
        self.jobs: Dict[str, Dict[str, JobRecord]] = {}
        self.buckets: Dict[str, Dict[str, Any]] = {}
        self.volumes: Dict[str, Dict[str, Any]] = {}
        self.quotas: Dict[str, Dict[str, Any]] = {}
        self.federations: Dict[str, Dict[str, Any]] = {}
        self.deployments: Dict[str, str] = {}
        self.access_log: List[Dict[str, Any]] = []
        self.counters: Dict[str, int] = {"sync": 0, "async": 0}
        self.config_overrides: Dict[str, Any] = {}
        self.url_map = Map([
            Rule("/health", endpoint="health", methods=["GET"]),
            Rule("/oidc/token", endpoint="oidc_token", methods=["POST"]),
            Rule("/run/<svc>", endpoint="run", methods=["POST"]),
            Rule("/job/<svc>", endpoint="job", methods=["POST"]),
            Rule("/system/info", endpoint="info", methods=["GET"]),
            Rule("/system/config", endpoint="config", methods=["GET", "PUT"]),
            Rule("/system/status", endpoint="status", methods=["GET"]),
            Rule("/system/services", endpoint="services", methods=["GET", "POST", "PUT"]),
            Rule("/system/services/<svc>", endpoint="service", methods=["GET", "DELETE"]),
            Rule("/system/services/<svc>/auth", endpoint="service_auth", methods=["GET"]),
            Rule("/system/services/<svc>/deployment", endpoint="deployment", methods=["GET"]),
            Rule("/system/services/<svc>/deployment/logs", endpoint="deployment_logs", methods=["GET"]),
            Rule("/system/services/<svc>/<any(start, stop, restart):action>", endpoint="service_action",
                 methods=["POST"]),
            Rule("/system/logs", endpoint="system_logs", methods=["GET"], strict_slashes=False),
            Rule("/system/logs/<svc>", endpoint="jobs", methods=["GET", "DELETE"]),
            Rule("/system/logs/<svc>/<job>", endpoint="job_logs", methods=["GET", "DELETE"]),
            Rule("/system/volumes", endpoint="volumes", methods=["GET", "POST"]),
            Rule("/system/volumes/<name>", endpoint="volume", methods=["GET", "DELETE"]),
            Rule("/system/buckets", endpoint="buckets", methods=["GET", "POST", "PUT"]),
            Rule("/system/buckets/<bucket>", endpoint="bucket", methods=["GET", "DELETE"]),
            Rule("/system/buckets/<bucket>/presign", endpoint="presign", methods=["POST"]),
            Rule("/system/metrics", endpoint="metrics", methods=["GET"]),
            Rule("/system/metrics/breakdown", endpoint="metrics_breakdown", methods=["GET"]),
            Rule("/system/metrics/<svc>", endpoint="service_metrics", methods=["GET"]),
            Rule("/system/quotas/user", endpoint="own_quota", methods=["GET"]),
            Rule("/system/quotas/user/<user_id>", endpoint="user_quota", methods=["GET", "PUT"]),
            Rule("/system/federation/<svc>", endpoint="federation", methods=["GET", "POST", "PUT", "DELETE"]),
        ], strict_slashes=False)

    # ------------------------------------------------------------------ tokens
    def issue_token(self, sub: str = "user-1", lifetime: float = 3600.0, issuer: Optional[str] = None,
                    groups: Iterable[str] = (), **claims: Any) -> str:
        """An OIDC access token signed by the emulator's issuer."""
        now = self.clock()
        payload = {"iss": issuer or self.issuers[0], "sub": sub, "iat": int(now), "exp": int(now + lifetime),
                   "eduperson_entitlement": [f"urn:mace:egi.eu:group:{g}" for g in groups], **claims}
        return jwt.encode(payload, self.secret)

    def issue_refresh_token(self, sub: str = "user-1", lifetime: float = 3600.0) -> str:
        """A refresh token the ``/oidc/token`` endpoint trades for access tokens of ``lifetime``."""
        token = secrets.token_urlsafe(24)
        self.refresh_tokens[token] = {"sub": sub, "lifetime": lifetime}
        return token

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        recorded_body = b""
        length = environ.get("CONTENT_LENGTH") or ""
        if self.record and length.isdigit() and int(length) <= 1024 * 1024:
            recorded_body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(recorded_body)
        request = Request(environ)
        route: Optional[str] = None
        started = time.perf_counter()
        caller_name = "-"
        try:
            adapter = self.url_map.bind_to_environ(environ)
            rule, args = adapter.match(return_rule=True)
            route = rule.rule
            response, caller_name = self.dispatch(rule.endpoint, request, args)
        except ApiError as err:
            response = _text(err.message, err.status)
            for key, value in err.headers.items():
                response.headers[key] = value
        except MethodNotAllowed:
            response = _text("405 method not allowed", 405)
        except NotFound:
            response = _text("404 page not found", 404)
        except HTTPException as exc:  # pragma: no cover - werkzeug's other errors
            response = _text(exc.description or exc.name, exc.code or 500)
        if self.record:
            body = b"".join(response.iter_encoded()) if not response.is_streamed else b""
            self.exchanges.append(Exchange(
                request.method, request.path, {k: request.args.getlist(k) for k in request.args},
                dict(request.headers), recorded_body, response.status_code, dict(response.headers), body, route))
        if route is not None and not route.startswith("/oidc"):
            self._log_access(request, response.status_code, caller_name, time.perf_counter() - started)
        return response(environ, start_response)

    def _log_access(self, request: Request, status: int, user: str, latency: float) -> None:
        entry = {"timestamp": _now_iso(self.clock()), "status": status, "latency": f"{latency * 1000:.3f}ms",
                 "client_ip": request.remote_addr or "", "method": request.method, "path": request.path,
                 "user": user}
        entry["raw"] = f"[GIN-EXECUTION] {entry['timestamp']} | {status} | {entry['latency']} | " \
                       f"{entry['client_ip']} | {request.method} {request.path} | {user}"
        with self.lock:
            self.access_log.append(entry)
            del self.access_log[:-1000]

    def dispatch(self, endpoint: str, request: Request, args: Dict[str, Any]) -> Tuple[Response, str]:
        if endpoint == "health":
            return _text("Ok", 200), "-"
        if endpoint == "oidc_token":
            return self.on_oidc_token(request), "-"
        if endpoint in ("run", "job"):
            caller = self.invoker(request, args["svc"])
            return getattr(self, f"on_{endpoint}")(request, caller, **args), caller.user
        if endpoint == "own_quota":  # the caller's own quota: OIDC users only
            caller = self.system_caller(request, bearer_only=True)
        else:
            caller = self.system_caller(request, basic_only=self._basic_only(endpoint, request))
        return getattr(self, f"on_{endpoint}")(request, caller, **args), caller.user

    @staticmethod
    def _basic_only(endpoint: str, request: Request) -> bool:
        return (endpoint == "system_logs" or endpoint == "user_quota"
                or (endpoint == "config" and request.method == "PUT"))

    # ------------------------------------------------------------------ authentication
    def _unauthorized(self, message: str = "") -> ApiError:
        return ApiError(401, message, {"WWW-Authenticate": 'Basic realm="Authorization Required"'})

    def _oidc_caller(self, token: str, bad_issuer_status: int) -> Caller:
        try:
            unverified = jwt.unverified_claims(token)
        except jwt.InvalidToken:
            raise ApiError(401, "invalid token") from None
        if unverified.get("iss") not in self.issuers:
            raise ApiError(bad_issuer_status, f"Issuer not supported: {unverified.get('iss')}")
        try:
            claims = jwt.decode(token, self.secret)
        except jwt.InvalidToken:
            raise ApiError(401, "invalid token") from None
        if float(claims.get("exp", 0)) <= self.clock():
            raise ApiError(401, "token expired")
        if self.oidc_groups:
            entitlements = " ".join(claims.get("eduperson_entitlement") or [])
            if not any(f":group:{g}" in entitlements for g in self.oidc_groups):
                raise ApiError(401, "This user isn't enrrolled in the virtual organization")
        return Caller("oidc", str(claims.get("sub") or ""), claims)

    def system_caller(self, request: Request, basic_only: bool = False, bearer_only: bool = False) -> Caller:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and not basic_only:
            return self._oidc_caller(header[7:].strip(), 401)
        if bearer_only:
            raise ApiError(401, "this route needs an OIDC bearer token")
        auth = request.authorization
        if auth is not None and auth.type == "basic" and secrets.compare_digest(
                (auth.username or "").encode(), self.user.encode()) and secrets.compare_digest(
                (auth.password or "").encode(), self.password.encode()):
            return Caller("admin", self.user)
        raise self._unauthorized()

    def invoker(self, request: Request, svc: str) -> Caller:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise ApiError(401, "missing bearer token")
        token = header[7:].strip()
        with self.lock:
            service = self.services.get(svc)
        if service is None:
            raise ApiError(404, f"The service \"{svc}\" does not exist")
        if len(token) == 64:
            if secrets.compare_digest(token.encode(), str(service.get("token", "")).encode()):
                return Caller("service-token", str(service.get("owner") or self.user))
            raise ApiError(401, "invalid token")
        caller = self._oidc_caller(token, 400)
        if not self._may_use(caller, service):
            raise ApiError(403, "the user is not allowed to invoke this service")
        return caller

    def _may_use(self, caller: Caller, service: Mapping[str, Any]) -> bool:
        if caller.is_admin or service.get("visibility") == "public":
            return True
        return caller.user in (service.get("owner"), *(service.get("allowed_users") or []))

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _body(request: Request) -> Any:
        raw = request.get_data(cache=True)
        if not raw:
            raise ApiError(400, "empty request body")
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "invalid JSON body") from None

    def _service(self, svc: str, caller: Caller) -> Dict[str, Any]:
        with self.lock:
            service = self.services.get(svc)
        if service is None:
            raise ApiError(404, f"The service \"{svc}\" does not exist")
        if not self._may_use(caller, service):
            raise ApiError(403, "the user is not allowed to access this service")
        return service

    # ------------------------------------------------------------------ OIDC issuer
    def on_oidc_token(self, request: Request) -> Response:
        form = request.form
        if form.get("grant_type") != "refresh_token":
            return _json({"error": "unsupported_grant_type"}, 400)
        entry = self.refresh_tokens.get(form.get("refresh_token", ""))
        if entry is None:
            return _json({"error": "invalid_grant", "error_description": "Invalid refresh token"}, 400)
        token = self.issue_token(entry["sub"], lifetime=entry["lifetime"])
        return _json({"access_token": token, "token_type": "Bearer", "expires_in": int(entry["lifetime"]),
                      "scope": form.get("scope", "")})

    # ------------------------------------------------------------------ cluster
    def on_info(self, request: Request, caller: Caller) -> Response:
        return _json({"version": "v4.1.2", "git_commit": "emulator", "architecture": "amd64",
                      "kubernetes_version": "v1.30.0",
                      "serverless_backend": {"name": "Knative", "version": "1.15.0"}})

    def _config_body(self, caller: Caller) -> Dict[str, Any]:
        config = {"name": "oscar", "namespace": "oscar", "services_namespace": "oscar-svc",
                  "controller_service_account": "oscar-controller", "gpu_available": False,
                  "interLink_available": False, "serverless_backend": "knative", "yunikorn_enable": False,
                  "kueue_enable": False, "volume_enable": True, "oidc_groups": self.oidc_groups,
                  "minio_quota_enabled": False}
        config.update(self.config_overrides)
        provider = dict(self.minio_provider)
        if not caller.is_admin:  # users get their own MinIO keys
            provider["access_key"] = caller.user
        return {"config": config, "minio_provider": provider, "allowed_image_repositories": []}

    def on_config(self, request: Request, caller: Caller) -> Response:
        if request.method == "PUT":
            body = self._body(request)
            if not isinstance(body, dict):
                raise ApiError(400, "the configuration must be an object")
            with self.lock:
                self.config_overrides.update({k: v for k, v in body.items() if k != "minio_provider"})
        return _json(self._config_body(caller))

    def on_status(self, request: Request, caller: Caller) -> Response:
        now = self.clock()
        with self.lock:
            jobs = sum(len(j) for j in self.jobs.values())
            objects = sum(len(b.get("objects", {})) for b in self.buckets.values())
            buckets = len(self.buckets)
        node = {"name": "emulator-node", "status": "Ready", "is_interlink": False, "gpu": 0,
                "cpu": {"capacity_cores": 2, "usage_cores": 0, "request_cores": 0},
                "memory": {"capacity_bytes": 8 << 30, "usage_bytes": 1 << 30, "request_bytes": 0},
                "conditions": [{"type": "Ready", "status": True}]}
        return _json({
            "cluster": {"nodes_count": 1, "nodes": [node], "metrics": {
                "cpu": {"total_free_cores": 2, "max_free_on_node_cores": 2, "total_schedulable_cores": 2,
                        "total_schedulable_on_node_cores": 2},
                "memory": {"total_free_bytes": 7 << 30, "max_free_on_node_bytes": 7 << 30,
                           "total_schedulable_bytes": 8 << 30, "max_schedulable_on_node_bytes": 8 << 30},
                "gpu": {"total_gpu": 0}}},
            "oscar": {"deployment_name": "oscar", "ready": True, "jobs_count": jobs,
                      "deployment": {"replicas": 1, "ready_replicas": 1, "available_replicas": 1,
                                     "strategy": "RollingUpdate", "creation_timestamp": _now_iso(now),
                                     "labels": {"app": "oscar"}},
                      "pods": {"total": 1, "states": {"Running": 1}},
                      "oidc": {"enabled": True, "issuers": self.issuers, "groups": self.oidc_groups}},
            "minio": {"buckets_count": buckets, "total_objects": objects}})

    # ------------------------------------------------------------------ services
    def _validate_service(self, svc: Any) -> Dict[str, Any]:
        if not isinstance(svc, dict):
            raise ApiError(400, "the service definition must be a JSON object")
        name = svc.get("name")
        if not isinstance(name, str) or not name:
            raise ApiError(400, "Invalid service spec: name is required")
        if len(name) > NAME_MAX:
            raise ApiError(400, f"Invalid service spec: the service name must have at most {NAME_MAX} characters")
        for key in ("image", "script"):
            if not svc.get(key):
                raise ApiError(400, f"Invalid service spec: {key} is required")
        svc = dict(svc)
        svc.setdefault("memory", "256Mi")
        svc.setdefault("cpu", "0.2")
        svc.setdefault("log_level", "INFO")
        svc.setdefault("visibility", "private")
        svc["cluster_id"] = self.cluster_id
        return svc

    def _public_view(self, service: Dict[str, Any]) -> Dict[str, Any]:
        return json.loads(json.dumps(service))

    def on_services(self, request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            with self.lock:
                visible = [self._public_view(s) for s in self.services.values() if self._may_use(caller, s)]
            return _json(visible)
        svc = self._validate_service(self._body(request))
        with self.lock:
            existing = self.services.get(svc["name"])
            if request.method == "POST":
                if existing is not None:
                    raise ApiError(409, f"The service \"{svc['name']}\" already exists")
                svc["owner"] = caller.user if caller.kind == "oidc" else svc.get("owner") or self.user
                svc["token"] = secrets.token_hex(32)
                self.services[svc["name"]] = svc
                self.jobs.setdefault(svc["name"], {})
                self.deployments[svc["name"]] = "ready"
                self._create_service_buckets(svc, caller)
                return _text("", 201)
            if existing is None:
                raise ApiError(404, f"The service \"{svc['name']}\" does not exist")
            if not self._may_use(caller, existing):
                raise ApiError(403, "the user is not allowed to update this service")
            svc["owner"] = existing.get("owner")
            svc["token"] = existing.get("token")
            self.services[svc["name"]] = svc
            self._create_service_buckets(svc, caller)
            return _text("", 204)

    def _create_service_buckets(self, svc: Dict[str, Any], caller: Caller) -> None:
        for entry in list(svc.get("input") or []) + list(svc.get("output") or []):
            provider = str((entry or {}).get("storage_provider") or "")
            path = str((entry or {}).get("path") or "").strip("/")
            if provider.startswith("minio") and path:
                bucket = path.split("/", 1)[0]
                if bucket not in self.buckets:
                    self._create_s3_bucket(bucket)
                self.buckets.setdefault(bucket, {"bucket_name": bucket, "visibility": "private",
                                                 "allowed_users": [], "owner": svc.get("owner") or caller.user,
                                                 "metadata": {"service": svc["name"]}})

    def _s3(self) -> Any:
        import boto3
        provider = self.minio_provider
        return boto3.client("s3", endpoint_url=provider["endpoint"], region_name=provider.get("region") or None,
                            aws_access_key_id=provider["access_key"], aws_secret_access_key=provider["secret_key"])

    def _create_s3_bucket(self, bucket: str) -> None:
        """Like OSCAR, create a service's MinIO buckets, when an S3 server is attached."""
        if not self.s3_attached:
            return
        try:
            self._s3().create_bucket(Bucket=bucket)
        except Exception as exc:  # an existing bucket, or boto3 missing: the listing side still works
            log.debug("could not create bucket %s: %s", bucket, exc)

    def on_service(self, request: Request, caller: Caller, svc: str) -> Response:
        service = self._service(svc, caller)
        if request.method == "GET":
            view = self._public_view(service)
            if request.args.get("include") == "deployment":
                view["deployment"] = self._deployment_summary(svc)
            return _json(view)
        with self.lock:
            self.services.pop(svc, None)
            self.jobs.pop(svc, None)
            self.deployments.pop(svc, None)
        return _text("", 204)

    def on_service_auth(self, request: Request, caller: Caller, svc: str) -> Response:
        self._service(svc, caller)
        return Response(status=200)

    def _deployment_summary(self, svc: str) -> Dict[str, Any]:
        state = self.deployments.get(svc, "ready")
        return {"state": state, "active_instances": 1 if state == "ready" else 0, "affected_instances": 0,
                "resource_kind": "knative-service", "reason": "" if state == "ready" else "stopped by user",
                "last_transition_time": _now_iso(self.clock())}

    def on_deployment(self, request: Request, caller: Caller, svc: str) -> Response:
        self._service(svc, caller)
        return _json(dict(self._deployment_summary(svc), service_name=svc, namespace="oscar-svc"))

    def on_deployment_logs(self, request: Request, caller: Caller, svc: str) -> Response:
        self._service(svc, caller)
        entries = [{"timestamp": _now_iso(self.clock()), "message": f"service {svc} ready"}]
        tail = request.args.get("tailLines", type=int)
        if tail is not None:
            entries = entries[-tail:] if tail > 0 else []
        return _json({"service_name": svc, "available": True, "entries": entries, "message": ""})

    def on_service_action(self, request: Request, caller: Caller, svc: str, action: str) -> Response:
        self._service(svc, caller)
        with self.lock:
            self.deployments[svc] = "stopped" if action == "stop" else "ready"
        return _json(dict(self._deployment_summary(svc), service_name=svc, namespace="oscar-svc"))

    # ------------------------------------------------------------------ invocations
    def _execute(self, request: Request, service: Dict[str, Any]) -> Tuple[bytes, int, str]:
        """Read the body (streamed) and run the service's behaviour: ``(output, input size, error)``."""
        kind = behaviour_of(service)
        keep = 0 if kind == "sha256" else MAX_KEPT_INPUT
        state = read_input(request.stream, keep)
        data, size, digest, truncated = state.result()
        if kind == "sha256":
            truncated = False
        try:
            return run_behaviour(kind, data, size, digest, truncated), size, ""
        except ServiceFailure as exc:
            return b"", size, str(exc)

    def on_run(self, request: Request, caller: Caller, svc: str) -> Response:
        service = self._service_for_invocation(svc)
        output, _size, error = self._execute(request, service)
        with self.lock:
            self.counters["sync"] += 1
        if error:
            return _text(error, 500)
        return Response(encode_answer(output, output_encoding(service)), status=200,
                        mimetype="text/plain")

    def _service_for_invocation(self, svc: str) -> Dict[str, Any]:
        with self.lock:
            service = self.services.get(svc)
        if service is None:
            raise ApiError(404, f"The service \"{svc}\" does not exist")
        return service

    def on_job(self, request: Request, caller: Caller, svc: str) -> Response:
        service = self._service_for_invocation(svc)
        output, size, error = self._execute(request, service)
        record = JobRecord(name=str(uuid.uuid4()), service=svc, owner=caller.user, created=self.clock(),
                           pending=self.job_pending, running=self.job_running, input_size=size,
                           output=encode_answer(output, output_encoding(service)), error=error)
        with self.lock:
            self.jobs.setdefault(svc, {})[record.name] = record
            self.counters["async"] += 1
        return _text("", 201)

    # ------------------------------------------------------------------ jobs and logs
    def _visible_jobs(self, svc: str, caller: Caller) -> List[JobRecord]:
        with self.lock:
            jobs = list(self.jobs.get(svc, {}).values())
        if caller.kind == "oidc":
            jobs = [j for j in jobs if j.owner == caller.user]
        return sorted(jobs, key=lambda j: (j.created, j.name))

    @staticmethod
    def _page_token(offset: int) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "start": offset}).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @staticmethod
    def _page_offset(token: str) -> int:
        if not token:
            return 0
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return max(0, int(decoded["start"]))
        except (ValueError, KeyError, TypeError):
            raise ApiError(500, "invalid continue token") from None

    def on_jobs(self, request: Request, caller: Caller, svc: str) -> Response:
        self._service(svc, caller)
        now = self.clock()
        if request.method == "DELETE":
            remove_all = request.args.get("all", "").lower() == "true"
            with self.lock:
                for job in self._visible_jobs(svc, caller):
                    if remove_all or job.status(now) == "Succeeded":
                        self.jobs.get(svc, {}).pop(job.name, None)
            return _text("", 204)
        jobs = self._visible_jobs(svc, caller)
        offset = self._page_offset(request.args.get("page", ""))
        page = jobs[offset:offset + self.page_size]
        body: Dict[str, Any] = {"jobs": {j.name: j.info(now) for j in page}}
        remaining = len(jobs) - offset - len(page)
        if remaining > 0:
            body["next_page"] = self._page_token(offset + len(page))
            body["remaining_jobs"] = remaining
        return _json(body)

    def _job(self, svc: str, job: str, caller: Caller) -> JobRecord:
        self._service(svc, caller)
        with self.lock:
            record = self.jobs.get(svc, {}).get(job)
        if record is None or (caller.kind == "oidc" and record.owner != caller.user):
            raise ApiError(404, f"Job \"{job}\" not found")
        return record

    def on_job_logs(self, request: Request, caller: Caller, svc: str, job: str) -> Response:
        record = self._job(svc, job, caller)
        if request.method == "DELETE":
            with self.lock:
                self.jobs.get(svc, {}).pop(job, None)
            return _text("", 204)
        now = self.clock()
        status = record.status(now)
        lines = [(record.created, f"Job {job} of service {svc} created ({record.input_size} input bytes)")]
        if status != "Pending":
            lines.append((record.created + record.pending, "Running the service script"))
        if status == "Succeeded":
            lines.append((record.created + record.pending + record.running,
                          record.output.decode("utf-8", "replace").rstrip("\n")))
        if status == "Failed":
            lines.append((record.created + record.pending + record.running, f"ERROR: {record.error}"))
        stamps = request.args.get("timestamps", "").lower() == "true"
        text = "".join((f"{_now_iso(ts)} " if stamps else "") + line + "\n" for ts, line in lines)
        return _text(text, 200)

    def on_system_logs(self, request: Request, caller: Caller) -> Response:
        with self.lock:
            logs = list(self.access_log)
        return _json({"logs": logs})

    # ------------------------------------------------------------------ volumes
    def on_volumes(self, request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            with self.lock:
                return _json(list(self.volumes.values()))
        body = self._body(request)
        if not isinstance(body, dict) or not body.get("name") or not body.get("size"):
            raise ApiError(400, "name and size are required")
        with self.lock:
            if body["name"] in self.volumes:
                raise ApiError(409, f"volume \"{body['name']}\" already exists")
            volume = {"name": body["name"], "size": str(body["size"]), "namespace": "oscar-svc",
                      "pvc_name": body["name"], "owner_user": caller.user, "creation_mode": "api",
                      "lifecycle_policy": "retain", "attachments": [],
                      "status": {"phase": "Bound", "attachment_count": 0, "message": ""}}
            self.volumes[body["name"]] = volume
        return _json(volume, 201)

    def on_volume(self, request: Request, caller: Caller, name: str) -> Response:
        with self.lock:
            volume = self.volumes.get(name)
            if volume is None:
                raise ApiError(404, f"volume \"{name}\" not found")
            if request.method == "DELETE":
                del self.volumes[name]
                return _text("", 204)
        return _json(volume)

    # ------------------------------------------------------------------ buckets
    def _bucket_view(self, bucket: Dict[str, Any]) -> Dict[str, Any]:
        return {k: v for k, v in bucket.items() if k != "objects"}

    def on_buckets(self, request: Request, caller: Caller) -> Response:
        if request.method == "GET":
            with self.lock:
                return _json([self._bucket_view(b) for b in self.buckets.values()
                              if caller.is_admin or b.get("owner") == caller.user
                              or caller.user in (b.get("allowed_users") or []) or b.get("visibility") == "public"])
        body = self._body(request)
        if not isinstance(body, dict) or not body.get("bucket_name"):
            raise ApiError(400, "bucket_name is required")
        name = body["bucket_name"]
        visibility = body.get("visibility") or "private"
        if visibility not in ("private", "public", "restricted"):
            raise ApiError(400, f"invalid visibility \"{visibility}\"")
        with self.lock:
            existing = self.buckets.get(name)
            if request.method == "POST":
                if existing is not None:
                    raise ApiError(400, f"bucket \"{name}\" already exists")
                self.buckets[name] = {"bucket_name": name, "visibility": visibility,
                                      "allowed_users": list(body.get("allowed_users") or []),
                                      "owner": caller.user, "metadata": {}}
                return _text("", 201)
            if existing is None:
                raise ApiError(403, f"bucket \"{name}\" does not exist or is not yours")
            existing.update(visibility=visibility, allowed_users=list(body.get("allowed_users") or []))
            return _text("", 204)

    def on_bucket(self, request: Request, caller: Caller, bucket: str) -> Response:
        with self.lock:
            entry = self.buckets.get(bucket)
            if entry is None:
                raise ApiError(404 if request.method == "DELETE" else 403, f"bucket \"{bucket}\" not found")
            if request.method == "DELETE":
                del self.buckets[bucket]
                return _text("", 204)
            view = self._bucket_view(entry)
        view.update(objects=[], is_truncated=False, returned_items=0)
        return _json(view)

    def on_presign(self, request: Request, caller: Caller, bucket: str) -> Response:
        body = self._body(request)
        if not isinstance(body, dict) or not body.get("object_key") or not body.get("operation"):
            raise ApiError(400, "object_key and operation are required")
        operation = body["operation"]
        if operation not in ("upload", "download"):
            raise ApiError(400, "operation must be 'upload' or 'download'")
        with self.lock:
            if bucket not in self.buckets:
                raise ApiError(404, f"bucket \"{bucket}\" not found")
        expires = int(body.get("expires_in") or 900)
        method = "PUT" if operation == "upload" else "GET"
        url = self._presigned_url(bucket, body["object_key"], method, expires)
        headers = dict(body.get("extra_headers") or {})
        if body.get("content_type"):
            headers["Content-Type"] = body["content_type"]
        return _json({"url": url, "method": method, "headers": headers, "object_key": body["object_key"],
                      "operation": operation, "expires_at": _now_iso(self.clock() + expires)})

    def _presigned_url(self, bucket: str, key: str, method: str, expires: int) -> str:
        provider = self.minio_provider
        try:
            return self._s3().generate_presigned_url("put_object" if method == "PUT" else "get_object",
                                             Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)
        except ImportError:
            return f"{provider['endpoint'].rstrip('/')}/{bucket}/{key}?X-Amz-Expires={expires}"

    # ------------------------------------------------------------------ metrics
    def _window(self, request: Request) -> Tuple[str, str]:
        now = self.clock()
        return request.args.get("start") or _now_iso(now - 30 * 86400), request.args.get("end") or _now_iso(now)

    def on_metrics(self, request: Request, caller: Caller) -> Response:
        start, end = self._window(request)
        with self.lock:
            total = len(self.services)
            sync, asyn = self.counters["sync"], self.counters["async"]
            users = sorted({s.get("owner") or self.user for s in self.services.values()})
        return _json({"start": start, "end": end, "sources": [{"name": "emulator", "status": "ok"}],
                      "totals": {"services_count_total": total, "services_count_active": total,
                                 "requests_count_sync": sync, "requests_count_async": asyn,
                                 "requests_count_exposed": 0, "requests_count_total": sync + asyn,
                                 "cpu_hours_total": 0.0, "gpu_hours_total": 0.0, "users_count": len(users),
                                 "users": users, "countries_count": 0, "countries": []}})

    def on_metrics_breakdown(self, request: Request, caller: Caller) -> Response:
        start, end = self._window(request)
        group_by = request.args.get("group_by", "service")
        if group_by not in ("service", "user"):
            raise ApiError(400, "group_by must be 'service' or 'user'")
        with self.lock:
            keys = sorted(self.services) if group_by == "service" else sorted(
                {s.get("owner") or self.user for s in self.services.values()})
            items = [{"key": k, "executions_count": len(self.jobs.get(k, {})) if group_by == "service" else 0,
                      "requests_count_sync": 0, "requests_count_async": 0, "requests_count_exposed": 0,
                      "requests_count_total": 0, "unique_users_count": 1} for k in keys]
        return _json({"start": start, "end": end, "group_by": group_by, "items": items})

    def on_service_metrics(self, request: Request, caller: Caller, svc: str) -> Response:
        self._service(svc, caller)
        start, end = self._window(request)
        with self.lock:
            count = len(self.jobs.get(svc, {}))
        metrics = [{"metric": "requests-async-per-service", "value": float(count), "unit": "requests"}]
        wanted = request.args.get("metric")
        if wanted:
            metrics = [m for m in metrics if m["metric"] == wanted] or [{"metric": wanted, "value": 0.0,
                                                                          "unit": ""}]
        return _json({"service_name": svc, "start": start, "end": end, "metrics": metrics})

    # ------------------------------------------------------------------ quotas
    def _quota(self, user_id: str) -> Dict[str, Any]:
        with self.lock:
            entry = self.quotas.setdefault(user_id, {"cpu": 4000, "memory": 8 << 30})
        return {"user_id": user_id, "cluster_queue": f"cq-{user_id}",
                "resources": {"cpu": {"max": entry["cpu"], "used": 0},
                              "memory": {"max": entry["memory"], "used": 0}}}

    def on_own_quota(self, request: Request, caller: Caller) -> Response:
        return _json(self._quota(caller.user))

    def on_user_quota(self, request: Request, caller: Caller, user_id: str) -> Response:
        if request.method == "PUT":
            body = self._body(request)
            if not isinstance(body, dict):
                raise ApiError(400, "the quota must be an object")
            try:
                update = {}
                if body.get("cpu"):
                    update["cpu"] = _parse_cpu(str(body["cpu"]))
                if body.get("memory"):
                    update["memory"] = _parse_memory(str(body["memory"]))
            except ValueError as exc:
                raise ApiError(400, str(exc)) from None
            with self.lock:
                self.quotas.setdefault(user_id, {"cpu": 4000, "memory": 8 << 30}).update(update)
        return _json(self._quota(user_id))

    # ------------------------------------------------------------------ federation
    def on_federation(self, request: Request, caller: Caller, svc: str) -> Response:
        self._service(svc, caller)
        with self.lock:
            fed = self.federations.setdefault(svc, {"topology": "star", "members": []})
            if request.method == "GET":
                return _json({"topology": fed["topology"], "members": list(fed["members"])})
            body = self._body(request)
            if not isinstance(body, dict) or not isinstance(body.get("members"), list):
                raise ApiError(400, "members is required")
            if request.method == "POST":
                fed["members"].extend(body["members"])
            elif request.method == "PUT":
                updates = {m.get("cluster_id"): m for m in body.get("update") or []}
                fed["members"] = [updates.get(m.get("cluster_id"), m) for m in fed["members"]]
                fed["members"].extend(m for m in body["members"] if m not in fed["members"])
            else:
                gone = {m.get("cluster_id") for m in body["members"]}
                fed["members"] = [m for m in fed["members"] if m.get("cluster_id") not in gone]
        return _json({"message": "federation updated"} if request.method != "DELETE" else {"message": "removed"})


def _parse_cpu(text: str) -> int:
    """Kubernetes CPU quantity -> millicores."""
    return int(text[:-1]) if text.endswith("m") else int(float(text) * 1000)


def _parse_memory(text: str) -> int:
    units = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return int(float(text[:-len(suffix)]) * factor)
    return int(text)


class OscarEmulator:
    """The emulator on a real local HTTP server; ``with OscarEmulator() as emu: emu.url``.

    ``s3_endpoint`` (with ``s3_access_key``/``s3_secret_key``/``s3_region``) makes
    ``/system/config`` hand out that S3 server as the cluster's MinIO. Other keyword arguments
    go to :class:`OscarApp` (``page_size``, ``job_pending``, ``job_running``, ``clock``,
    ``record``, ``issuers``, ``oidc_groups``, ``user``, ``password``, ``cluster_id``).
    ``wrap`` wraps the app (e.g. in a ``FaultInjector``); ``ssl_context`` serves HTTPS.
    """

    def __init__(self, *, s3_endpoint: Optional[str] = None, s3_access_key: str = "minio",
                 s3_secret_key: str = "minio-secret", s3_region: str = "us-east-1", wrap: Optional[Callable] = None,
                 ssl_context: Any = None, **app_kwargs: Any) -> None:
        if s3_endpoint:
            app_kwargs.setdefault("minio_provider", {"endpoint": s3_endpoint, "verify": False,
                                                     "access_key": s3_access_key, "secret_key": s3_secret_key,
                                                     "region": s3_region})
        app_kwargs.setdefault("password", secrets.token_urlsafe(12))
        self.app = OscarApp(**app_kwargs)
        self._server = LocalServer(wrap(self.app) if wrap else self.app, ssl_context=ssl_context)

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def user(self) -> str:
        return self.app.user

    @property
    def password(self) -> str:
        return self.app.password

    @property
    def cluster_id(self) -> str:
        return self.app.cluster_id

    @property
    def token_endpoint(self) -> str:
        return self.url + "/oidc/token"

    def options(self, **extra: Any) -> Dict[str, Any]:
        """``Client`` options for the admin (basic auth)."""
        return {"cluster_id": self.cluster_id, "endpoint": self.url, "user": self.user,
                "password": self.password, "ssl": "True", **extra}

    def oidc_options(self, sub: str = "user-1", *, lifetime: float = 3600.0, refresh: bool = False,
                     **extra: Any) -> Dict[str, Any]:
        """``Client`` options for an OIDC user (with a refresh token and this issuer when ``refresh``)."""
        opts: Dict[str, Any] = {"cluster_id": self.cluster_id, "endpoint": self.url, "ssl": True,
                                "oidc_token": self.issue_token(sub, lifetime)}
        if refresh:
            opts.update(refresh_token=self.issue_refresh_token(sub), token_endpoint=self.token_endpoint)
        opts.update(extra)
        return opts

    def issue_token(self, sub: str = "user-1", lifetime: float = 3600.0, **kwargs: Any) -> str:
        return self.app.issue_token(sub, lifetime, **kwargs)

    def issue_refresh_token(self, sub: str = "user-1", lifetime: float = 3600.0) -> str:
        return self.app.issue_refresh_token(sub, lifetime)

    def service_token(self, name: str) -> str:
        with self.app.lock:
            return str(self.app.services[name]["token"])

    @property
    def exchanges(self) -> List[Exchange]:
        return self.app.exchanges

    def start(self) -> "OscarEmulator":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> "OscarEmulator":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<OscarEmulator {self._server!r}>"
