"""A local FirecREST v1: the API of ``firecrest-v1.16-openapi.yaml``, served over real HTTP.

    from firecrest.testing import FirecrestEmulator
    import firecrest as fc

    with FirecrestEmulator() as emu:
        client = fc.v1.Firecrest(emu.url, authorization=emu.auth)
        client.list_files("cluster", "/home/test_user")

What it implements:

* ``POST /auth/token``: OAuth2 client credentials (``emu.client_id``/``emu.client_secret``,
  form or HTTP Basic) issuing signed JWTs; API requests need ``Authorization: Bearer <jwt>``
  and map the token to a user as FirecREST does (service accounts through ``sa_role``).
* ``/status``: services, systems (``cluster`` and ``cluster2`` by default), filesystems, parameters.
* ``/utilities``: every endpoint, on a virtual file system per system (home ``/home/test_user``),
  with the server's error headers (``X-Invalid-Path``, ``X-Exists``, ``X-Permission-Denied``...),
  its size limit (``X-Size-Limit``) and, on demand, its timeout (``X-Timeout``).
* ``/compute``: a small Slurm (jobs pending -> running -> completed, ``squeue``/``sacct``
  records, cancel, nodes, partitions, reservations), every call answered through a task.
* ``/storage``: internal transfer jobs (``mv``, ``cp``, ``rsync``, ``rm``, ``compress``,
  ``extract`` on the ``xfer`` partition) and staged transfers through an S3-like object store
  on a second port (presigned form upload, presigned download, statuses 110-118).
* ``/tasks`` and ``/reservations``.
* Optional 429s: ``rate_limit=(requests, seconds)`` per user and microservice, or
  ``emu.app.throttle(n)`` for the next ``n`` requests, with ``Retry-After``/``RateLimit-Reset``.

``record=True`` keeps every exchange in ``emu.app.exchanges`` (the tests check them against the
API description). Run it from a shell with ``python -m firecrest.testing``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import shutil
import tempfile
import threading
import time
from collections import Counter, deque
from typing import Any, Callable, Deque, Dict, Iterable, List, Optional, Sequence, Tuple

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from archfx_cloud.testing.faults import FaultInjector
from archfx_cloud.testing.server import LocalServer, ServedApp

from ._compute import ComputeHandlers
from ._http import Reply, json_response
from ._storage import StorageHandlers
from ._utilities import UtilitiesHandlers
from .objectstore import ObjectStore
from .scheduler import Scheduler
from .tasks import TaskStore
from .vfs import Users, VirtualFS

__all__ = ["FirecrestApp", "FirecrestEmulator", "Exchange", "DEFAULT_USER", "DEFAULT_CLIENT_ID",
           "DEFAULT_CLIENT_SECRET"]

DEFAULT_USER = "test_user"
DEFAULT_CLIENT_ID = "firecrest-emulator-client"
DEFAULT_CLIENT_SECRET = "firecrest-emulator-secret"
SERVICES = ("certificator", "compute", "reservations", "status", "storage", "tasks", "utilities")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Cluster:
    """One system: its file system, its scheduler, its staged downloads and reservations."""

    def __init__(self, name: str, users: Users, user: str, spool_dir: str, pending_seconds: float,
                 time_scale: float) -> None:
        self.name = name
        self.status = "available"
        self.fs = VirtualFS(users, spool_dir)
        self.home = self.fs.add_home(user)
        self.scheduler = Scheduler(self.fs, pending_seconds=pending_seconds, time_scale=time_scale)
        self.staged: Dict[str, Tuple[str, str]] = {}
        self.reservation_book: Dict[str, Dict[str, str]] = {}
        self.filesystems = [
            {"name": "HOME", "path": "/home", "description": "Users home filesystem"},
            {"name": "SCRATCH", "path": "/scratch", "description": "Scratch filesystem"},
        ]


class Exchange:
    """One recorded request and its answer (``record=True``)."""

    __slots__ = ("method", "path", "args", "headers", "form", "files", "status", "response_headers", "body",
                 "endpoint")

    def __init__(self, request: Request, response: Response, endpoint: Optional[str]) -> None:
        self.method = request.method
        self.path = request.path
        self.args = request.args.to_dict(flat=False)
        self.headers = {k: v for k, v in request.headers.items()}
        self.form = request.form.to_dict(flat=False) if request.method in ("POST", "PUT", "DELETE") else {}
        self.files = list(request.files.keys()) if request.method in ("POST", "PUT") else []
        self.status = response.status_code
        self.response_headers = {k: v for k, v in response.headers.items()}
        self.endpoint = endpoint
        self.body: Any = None
        if not response.is_streamed and response.mimetype == "application/json":
            text = response.get_data()
            self.body = json.loads(text) if text else None

    def __repr__(self) -> str:
        return f"<Exchange {self.method} {self.path} -> {self.status}>"


class FirecrestApp(UtilitiesHandlers, ComputeHandlers, StorageHandlers):
    """The emulated FirecREST API as a WSGI app; ``app.store`` is the object store's WSGI app."""

    def __init__(self, systems: Sequence[str] = ("cluster", "cluster2"), user: str = DEFAULT_USER,
                 client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET,
                 version: str = "1.16.1", task_seconds: float = 0.05, pending_seconds: float = 0.2,
                 staging_seconds: float = 0.05, staging_bytes_per_second: float = 0.0, time_scale: float = 1.0,
                 max_file_size_mb: float = 5, compress_timeout_bytes: Optional[int] = None,
                 rate_limit: Optional[Tuple[int, float]] = None, retry_after: float = 1.0,
                 token_lifetime: float = 300.0, sa_role: str = "firecrest-sa", record: bool = False,
                 spool_dir: Optional[str] = None, upload_form: str = "post") -> None:
        if upload_form not in ("post", "put"):
            raise ValueError(f"upload_form must be 'post' (S3 v4 presigned POST) or 'put' (presigned PUT), "
                             f"not {upload_form!r}")
        #: the object store's upload form: "post" (FirecREST's s3v4 storage) or "put" (a presigned PUT)
        self.upload_form = upload_form
        self._owned_spool = spool_dir is None
        self.spool_dir = spool_dir or tempfile.mkdtemp(prefix="firecrest-emulator-")
        self.user = user
        self.client_id = client_id
        self._client_secret = client_secret
        self.version = version
        self.task_seconds = task_seconds
        self.staging_seconds = staging_seconds
        self.staging_bytes_per_second = staging_bytes_per_second
        self.max_file_size = int(max_file_size_mb * 1024 * 1024)
        self.max_file_size_mb = max_file_size_mb
        self.compress_timeout_bytes = compress_timeout_bytes
        self.rate_limit = rate_limit
        self.retry_after = retry_after
        self.token_lifetime = token_lifetime
        self.sa_role = sa_role
        self.record = record
        self.clock: Callable[[], float] = time.time
        self._secret = secrets.token_bytes(32)
        self.users = Users(user)
        self.clusters: Dict[str, Cluster] = {
            name: Cluster(name, self.users, user, self.spool_dir, pending_seconds, time_scale) for name in systems}
        self.tasks = TaskStore()
        self.store = ObjectStore(self._secret, self.spool_dir)
        self.lock = threading.RLock()
        self.exchanges: List[Exchange] = []
        self.requests: Counter = Counter()
        self.token_requests = 0
        self._throttle_left = 0
        self._throttle_hints: Tuple[str, ...] = ("Retry-After", "RateLimit-Reset")
        self._windows: Dict[Tuple[str, str], Deque[float]] = {}
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ setup helpers
    def close(self) -> None:
        """Remove the spool directory (large file contents)."""
        if self._owned_spool:
            shutil.rmtree(self.spool_dir, ignore_errors=True)

    def cluster(self, name: str = "cluster") -> Cluster:
        return self.clusters[name]

    def set_system_status(self, name: str, status: str) -> None:
        """``available`` or ``not available`` (utilities then answer ``X-Machine-Not-Available``)."""
        self.clusters[name].status = status

    def throttle(self, count: int, retry_after: Optional[float] = None,
                 hints: Tuple[str, ...] = ("Retry-After", "RateLimit-Reset")) -> None:
        """Answer the next ``count`` API requests with 429, saying when to retry in ``hints``
        (``Retry-After``, ``RateLimit-Reset``, both, or none)."""
        with self.lock:
            self._throttle_left = count
            self._throttle_hints = tuple(hints)
            if retry_after is not None:
                self.retry_after = retry_after

    # ------------------------------------------------------------------ tokens
    def revoke_tokens(self) -> None:
        """Invalidate every token issued so far (clients must fetch new ones)."""
        self._secret = secrets.token_bytes(32)

    def issue_token(self, user: Optional[str] = None, lifetime: Optional[float] = None,
                    service_account: Optional[str] = None) -> str:
        """A signed JWT for ``user`` (or for a service account mapped to the user via ``sa_role``)."""
        now = int(time.time())
        username = user or self.user
        claims: Dict[str, Any] = {"iat": now, "exp": now + int(lifetime if lifetime is not None else self.token_lifetime),
                                  "iss": "firecrest-emulator", "typ": "Bearer", "sub": secrets.token_hex(8)}
        if service_account:
            claims.update(preferred_username=f"service-account-{service_account}", clientId=service_account,
                          azp=service_account, realm_access={"roles": [self.sa_role, "offline_access"]},
                          resource_access={service_account: {"roles": [username]}})
        else:
            claims.update(preferred_username=username, realm_access={"roles": ["offline_access"]})
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        payload = _b64(json.dumps(claims).encode())
        signature = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        return f"{header}.{payload}.{signature}"

    def user_of(self, token: str) -> Optional[str]:
        """The user a valid token stands for, or None."""
        try:
            header, payload, signature = token.split(".")
            expected = _b64(hmac.new(self._secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(expected, signature):
                return None
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (ValueError, TypeError):
            return None
        if claims.get("exp", 0) < time.time():
            return None
        if self.sa_role in claims.get("realm_access", {}).get("roles", []):
            try:
                return claims["resource_access"][claims["clientId"]]["roles"][0]
            except (KeyError, IndexError, TypeError):
                return None
        return claims.get("preferred_username")

    def _token_endpoint(self, request: Request) -> Response:
        with self.lock:
            self.token_requests += 1
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
        if request.authorization is not None and request.authorization.type == "basic":
            client_id, secret = request.authorization.username, request.authorization.password
        if request.form.get("grant_type") != "client_credentials":
            return json_response({"error": "unsupported_grant_type"}, 400)
        if client_id != self.client_id or not secret or not hmac.compare_digest(secret, self._client_secret):
            return json_response({"error": "unauthorized_client", "error_description": "Invalid client secret"}, 401)
        token = self.issue_token(service_account=client_id)
        return json_response({"access_token": token, "expires_in": int(self.token_lifetime), "token_type": "Bearer",
                              "refresh_expires_in": 0, "not-before-policy": 0, "scope": "profile email"})

    # ------------------------------------------------------------------ routing
    def _build_routes(self) -> Map:
        rules = [
            Rule("/auth/token", endpoint="token", methods=["POST"]),
            Rule("/status/services", endpoint="services", methods=["GET"]),
            Rule("/status/services/<name>", endpoint="service", methods=["GET"]),
            Rule("/status/systems", endpoint="systems", methods=["GET"]),
            Rule("/status/systems/<name>", endpoint="system", methods=["GET"]),
            Rule("/status/filesystems", endpoint="filesystems", methods=["GET"]),
            Rule("/status/filesystems/<name>", endpoint="filesystems", methods=["GET"]),
            Rule("/status/parameters", endpoint="parameters", methods=["GET"]),
            Rule("/compute/jobs/upload", endpoint="submit_upload", methods=["POST"]),
            Rule("/compute/jobs/path", endpoint="submit_path", methods=["POST"]),
            Rule("/compute/jobs", endpoint="jobs", methods=["GET"]),
            Rule("/compute/jobs/<jobid>", endpoint="jobs", methods=["GET", "DELETE"]),
            Rule("/compute/acct", endpoint="acct", methods=["GET"]),
            Rule("/compute/nodes", endpoint="nodes", methods=["GET"]),
            Rule("/compute/nodes/<name>", endpoint="nodes", methods=["GET"]),
            Rule("/compute/partitions", endpoint="partitions", methods=["GET"]),
            Rule("/compute/reservations", endpoint="sched_reservations", methods=["GET"]),
            Rule("/storage/xfer-internal/<any(rsync,mv,cp,rm,compress,extract):kind>", endpoint="xfer_internal",
                 methods=["POST"]),
            Rule("/storage/xfer-external/upload", endpoint="xfer_upload", methods=["POST"]),
            Rule("/storage/xfer-external/download", endpoint="xfer_download", methods=["POST"]),
            Rule("/storage/xfer-external/invalidate", endpoint="xfer_invalidate", methods=["POST"]),
            Rule("/tasks", endpoint="tasks", methods=["GET"]),
            Rule("/tasks/", endpoint="tasks", methods=["GET"]),
            Rule("/tasks/<task_id>", endpoint="task", methods=["GET"]),
            Rule("/reservations", endpoint="reservations", methods=["GET", "POST"]),
            Rule("/reservations/<reservation>", endpoint="reservations", methods=["PUT", "DELETE"]),
        ]
        methods = {"ls": "GET", "mkdir": "POST", "rename": "PUT", "chmod": "PUT", "chown": "PUT", "copy": "POST",
                   "file": "GET", "head": "GET", "stat": "GET", "symlink": "POST", "tail": "GET",
                   "download": "GET", "upload": "POST", "rm": "DELETE", "checksum": "GET", "view": "GET",
                   "whoami": "GET", "compress": "POST", "extract": "POST"}
        for command, method in methods.items():
            rules.append(Rule(f"/utilities/{command}", endpoint="utilities", methods=[method],
                              defaults={"command": command}))
        return Map(rules, strict_slashes=False)

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        endpoint: Optional[str] = None
        try:
            adapter = self._routes.bind_to_environ(environ)
            endpoint, args = adapter.match()
            with self.lock:
                self.requests[endpoint if endpoint != "utilities" else f"utilities/{args['command']}"] += 1
            response = self._dispatch(request, endpoint, args)
        except Reply as reply:
            response = reply.response()
        except MethodNotAllowed:
            response = json_response({"message": "Method not allowed"}, 405)
        except NotFound:
            response = json_response({"message": "no Route matched with those values"}, 404)
        except HTTPException as exc:
            response = json_response({"description": exc.description}, exc.code or 500)
        if self.record:
            with self.lock:
                self.exchanges.append(Exchange(request, response, endpoint))
        return response(environ, start_response)

    def _dispatch(self, request: Request, endpoint: str, args: Dict[str, Any]) -> Response:
        if endpoint == "token":
            return self._token_endpoint(request)
        user = self._authenticate(request)
        self._check_rate(user, request.path.strip("/").split("/", 1)[0])
        request.environ["firecrest.user"] = user
        if request.method in ("POST", "PUT", "DELETE"):
            request.form  # parse (and spool) the body before taking the lock
        with self.lock:
            self.tick()
            handler = getattr(self, f"on_{endpoint}", None)
            if handler is not None:
                return handler(request, **args)
            return self._mixin_dispatch(request, endpoint, args)

    def _mixin_dispatch(self, request: Request, endpoint: str, args: Dict[str, Any]) -> Response:
        table: Dict[str, Callable[..., Response]] = {
            "utilities": self.utilities, "submit_upload": self.compute_submit_upload,
            "submit_path": self.compute_submit_path, "jobs": self.compute_jobs, "acct": self.compute_acct,
            "nodes": lambda r, **a: self.compute_show(r, "nodes", a.get("name")),
            "partitions": lambda r, **a: self.compute_show(r, "partitions"),
            "sched_reservations": lambda r, **a: self.compute_show(r, "reservations"),
            "xfer_internal": self.xfer_internal, "xfer_upload": self.xfer_upload,
            "xfer_download": self.xfer_download, "xfer_invalidate": self.xfer_invalidate,
            "reservations": self.reservations,
        }
        return table[endpoint](request, **args)

    def tick(self) -> None:
        """Bring jobs and tasks up to the clock (called on every request)."""
        with self.lock:
            for cluster in self.clusters.values():
                cluster.scheduler.settle()
            self.tasks.settle(self.clock())

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        if not header:
            raise Reply(401, {"description": "No Auth Header given"})
        scheme, _, token = header.partition(" ")
        user = self.user_of(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Reply(401, {"description": "Invalid or expired token"})
        if user not in self.users.uids:
            raise Reply(401, {"description": f"User {user} is not known on the systems"})
        return user

    def _check_rate(self, user: str, service: str) -> None:
        with self.lock:
            if self._throttle_left > 0:
                self._throttle_left -= 1
                raise self._too_many(self.retry_after, self._throttle_hints)
            if self.rate_limit is None:
                return
            limit, window = self.rate_limit
            now = time.monotonic()
            seen = self._windows.setdefault((user, service), deque())
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= limit:
                raise self._too_many(seen[0] + window - now)
            seen.append(now)

    @staticmethod
    def _too_many(wait: float, hints: Tuple[str, ...] = ("Retry-After", "RateLimit-Reset")) -> Reply:
        text = str(math.ceil(wait)) if wait >= 1 else f"{max(wait, 0.0):.3f}"
        return Reply(429, {"message": "API rate limit exceeded"}, {name: text for name in hints})

    def machine(self, request: Request, description: str) -> Cluster:
        name = request.headers.get("X-Machine-Name")
        if not name:
            raise Reply(400, {"description": "No machine name given"})
        cluster = self.clusters.get(name)
        if cluster is None:
            raise Reply(400, {"description": description, "error": "Machine does not exist"},
                        {"X-Machine-Does-Not-Exist": "Machine does not exist"})
        if cluster.status != "available":
            raise Reply(400, {"description": description, "error": "Machine is not available"},
                        {"X-Machine-Not-Available": "Machine is not available"})
        return cluster

    # ------------------------------------------------------------------ /status
    def on_services(self, request: Request) -> Response:
        out = [self._service(name) for name in SERVICES]
        return json_response({"description": "List of services with status and description.", "out": out})

    @staticmethod
    def _service(name: str) -> Dict[str, Any]:
        return {"service": name, "status": "available", "status_code": 200,
                "description": "server up & flask running"}

    def on_service(self, request: Request, name: str) -> Response:
        if name not in SERVICES:
            raise Reply(404, {"description": "Service does not exists", "status_code": 404})
        return json_response(self._service(name))

    def _system(self, cluster: Cluster) -> Dict[str, str]:
        if cluster.status == "available":
            return {"system": cluster.name, "status": "available", "description": "System ready"}
        return {"system": cluster.name, "status": "not available", "description": "System down"}

    def on_systems(self, request: Request) -> Response:
        return json_response({"description": "List of systems with status and description.",
                              "out": [self._system(c) for c in self.clusters.values()]})

    def on_system(self, request: Request, name: str) -> Response:
        cluster = self.clusters.get(name)
        if cluster is None:
            raise Reply(404, {"description": "System does not exists."})
        return json_response({"description": "System information", "out": self._system(cluster)})

    def _filesystems(self, cluster: Cluster) -> List[Dict[str, Any]]:
        ok = cluster.status == "available"
        return [dict(fs, status_code=200 if ok else 400, status="available" if ok else "not available")
                for fs in cluster.filesystems]

    def on_filesystems(self, request: Request, name: Optional[str] = None) -> Response:
        if name is None:
            return json_response({"description": "Filesystem information",
                                  "out": {n: self._filesystems(c) for n, c in self.clusters.items()}})
        cluster = self.clusters.get(name)
        if cluster is None:
            raise Reply(404, {"description": f"Filesystem information for system {name}",
                              "out": f"System '{name}' doesn't exist"})
        return json_response({"description": f"Filesystem information for system {name}",
                              "out": self._filesystems(cluster)})

    def on_parameters(self, request: Request) -> Response:
        mounted = [{"system": n, "mounted": [fs["path"] for fs in c.filesystems]} for n, c in self.clusters.items()]
        out = {
            "general": [{"name": "FIRECREST_VERSION", "value": self.version, "unit": "",
                         "description": "FirecREST version."},
                        {"name": "FIRECREST_BUILD", "value": "emulator", "unit": "",
                         "description": "FirecREST build timestamp."}],
            "compute": [{"name": "WORKLOAD_MANAGER", "value": "Slurm", "unit": "",
                         "description": "Type of resource and workload manager used in compute microservice"}],
            "utilities": [{"name": "UTILITIES_MAX_FILE_SIZE", "value": f"{self.max_file_size_mb:g}", "unit": "MB",
                           "description": "The maximum allowable file size for various operations of the "
                                          "utilities microservice."},
                          {"name": "UTILITIES_TIMEOUT", "value": "5", "unit": "seconds",
                           "description": "Maximum time duration for executing the commands in the cluster for "
                                          "the utilities microservice."}],
            "storage": [{"name": "OBJECT_STORAGE", "value": "s3v4", "unit": "",
                         "description": "Type of object storage, like `swift`, `s3v2` or `s3v4`."},
                        {"name": "STORAGE_TEMPURL_EXP_TIME", "value": "604800", "unit": "seconds",
                         "description": "Expiration time for temp URLs."},
                        {"name": "STORAGE_MAX_FILE_SIZE", "value": "5120", "unit": "MB",
                         "description": "Maximum file size for temp URLs."},
                        {"name": "FILESYSTEMS", "value": mounted, "unit": "",
                         "description": "Available filesystems through the API."}],
        }
        return json_response({"description": "Firecrest's parameters", "out": out})

    # ------------------------------------------------------------------ /tasks
    def on_tasks(self, request: Request) -> Response:
        user = request.environ["firecrest.user"]
        text = request.args.get("tasks")
        ids = [t for t in text.split(",") if t] if text is not None else None
        return json_response({"tasks": self.tasks.of_user(user, ids)})

    def on_task(self, request: Request, task_id: str) -> Response:
        user = request.environ["firecrest.user"]
        task = self.tasks.tasks.get(task_id)
        if task is None:
            raise Reply(404, {"error": f"Task {task_id} does not exist"})
        if task.user != user:
            raise Reply(403, {"description": "Operation not permitted. Invalid task owner."})
        return json_response({"task": task.public()})


class _UserAuth:
    """What ``emu.auth`` is: a pyfirecrest-style authorization object with a fixed user token."""

    def __init__(self, app: FirecrestApp) -> None:
        self._token = app.issue_token(lifetime=30 * 24 * 3600)

    def get_access_token(self) -> str:
        return self._token

    def __repr__(self) -> str:
        return "<emulator user token ***>"


class FirecrestEmulator(ServedApp):
    """:class:`FirecrestApp` on ``127.0.0.1`` (``url``) and its object store on a second port.

    Keyword arguments go to :class:`FirecrestApp`, except ``latency`` (seconds added to every
    API request, through the core's fault injector), ``host``, ``port`` (of the API), and
    ``wrap``/``wrap_store``: WSGI middleware for the API and the object store, e.g.
    ``wrap_store=lambda app: FaultInjector(app, schedule=["truncate", None])``.
    """

    def __init__(self, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0,
                 wrap: Optional[Callable[[Any], Any]] = None, wrap_store: Optional[Callable[[Any], Any]] = None,
                 **app_kwargs: Any) -> None:
        self.firecrest = FirecrestApp(**app_kwargs)
        served: Any = self.firecrest
        if latency:
            served = FaultInjector(self.firecrest, latency=latency)
        if wrap is not None:
            served = wrap(served)
        super().__init__(served, host=host, port=port)
        self.app = self.firecrest  # the state, for tests to inspect (``served`` may wrap it)
        store: Any = self.firecrest.store
        self.store_server = LocalServer(wrap_store(store) if wrap_store is not None else store, host=host)
        self.auth = _UserAuth(self.firecrest)

    @property
    def token_url(self) -> str:
        return f"{self.url}/auth/token"

    @property
    def client_id(self) -> str:
        return self.firecrest.client_id

    @property
    def client_secret(self) -> str:
        return self.firecrest._client_secret

    @property
    def user(self) -> str:
        return self.firecrest.user

    @property
    def home(self) -> str:
        return f"/home/{self.firecrest.user}"

    def start(self) -> "FirecrestEmulator":
        self.store_server.start()
        self.firecrest.store.url = self.store_server.url
        super().start()
        return self

    def stop(self) -> None:
        super().stop()
        self.store_server.stop()
        self.firecrest.close()

    def __enter__(self) -> "FirecrestEmulator":
        return self.start()
