"""``Client``: an authenticated connection to one OSCAR cluster.

Every method that talks to the cluster returns the ``requests.Response`` (as upstream
oscar-python 2.2 did), so ``.status_code``, ``.text`` and ``.json()`` keep working; HTTP errors
raise :mod:`oscar_python.exceptions` classes, which are also ``requests.HTTPError``. A few
helpers added here return plain values instead (``iter_jobs``, ``apply_service``...).
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from archfx_cloud.api.auth import BasicAuth, TokenAuth
from archfx_cloud.api.exceptions import RequestsResponse as Response
from archfx_cloud.api.paging import Page

from ._auth import OidcAgentAuth, OidcAuth, oidc_agent_token
from ._oidc import DEFAULT_CLIENT_ID, DEFAULT_SCOPES, DEFAULT_TOKEN_ENDPOINT
from ._options import require
from ._transport import PUT_RETRY
from .default_client import DefaultClient
from .exceptions import (FDLError, OptionsError, OscarAuthError, OscarError, OscarNotFoundError,
                         ServiceExistsError, ServiceNotFoundError)
from .fdl import load_services

__all__ = ["Client", "Job"]

log = logging.getLogger("oscar_python")

_SVC_PATH = "/system/services"
_LOGS_PATH = "/system/logs"
_INFO_PATH = "/system/info"
_CONFIG_PATH = "/system/config"
_STATUS_PATH = "/system/status"
_HEALTH_PATH = "/health"
_VOLUMES_PATH = "/system/volumes"
_BUCKETS_PATH = "/system/buckets"
_METRICS_PATH = "/system/metrics"
_QUOTAS_PATH = "/system/quotas/user"
_FEDERATION_PATH = "/system/federation"
_GET = "get"
_POST = "post"
_PUT = "put"
_DELETE = "delete"


class Job(Dict[str, Any]):
    """One job of a service: its ``name`` plus OSCAR's ``status`` and times."""

    @property
    def name(self) -> str:
        return self["name"]

    @property
    def status(self) -> str:
        return str(self.get("status") or "")


def _jobs_paginator(decoded: Any, response: Any, params: Dict[str, Any]) -> Page:
    """OSCAR job listings: ``{"jobs": {name: info}, "next_page": <continue token>}``."""
    jobs = (decoded or {}).get("jobs") or {}
    items = [Job(name=name, **(info or {})) for name, info in jobs.items()]
    token = (decoded or {}).get("next_page")
    return Page(items, None, dict(params, page=token) if token else None)


class Client(DefaultClient):
    """A cluster client; ``options`` as upstream:

    * ``cluster_id``, ``endpoint`` (required), ``ssl`` (bool, ``'True'``/``'False'`` or a CA
      bundle path; default True), optional ``timeout`` (seconds) and ``retries``;
    * one credential set, first match wins: ``user`` + ``password`` (basic auth);
      ``shortname`` (an oidc-agent account); ``oidc_token`` and/or ``refresh_token`` (with
      ``token_endpoint``, ``client_id``, ``scopes``; EGI Check-in defaults).
    """

    def __init__(self, options: Dict[str, Any]) -> None:
        super().__init__(options)
        self.set_auth_type(options)
        self._api.auth = self._auth

    # ------------------------------------------------------------------ authentication
    def set_auth_type(self, options: Dict[str, Any]) -> None:
        """Pick the authentication mode from ``options`` (upstream's precedence)."""
        if "user" in options:
            require(options, "user", "password")
            self._AUTH_TYPE = "basicauth"
            self.user = str(options["user"])
            self.password = str(options["password"])
            self._auth = BasicAuth(self.user, self.password)
        elif "shortname" in options:
            require(options, "shortname")
            self._AUTH_TYPE = "oidc-agent"
            self.shortname = str(options["shortname"])
            self._auth = OidcAgentAuth(self.shortname)
        elif "oidc_token" in options or "refresh_token" in options:
            self._AUTH_TYPE = "oidc"
            self.oidc_token = options.get("oidc_token") or None
            self.refresh_token = options.get("refresh_token") or None
            if not self.oidc_token and not self.refresh_token:
                raise OptionsError("options 'oidc_token' and 'refresh_token' are both empty")
            scopes = options.get("scopes", DEFAULT_SCOPES)
            self.scopes = scopes.split() if isinstance(scopes, str) else list(scopes)
            self.token_endpoint = options.get("token_endpoint") or DEFAULT_TOKEN_ENDPOINT
            self.client_id = options.get("client_id") or DEFAULT_CLIENT_ID
            self._auth = OidcAuth(self.oidc_token, self.refresh_token, token_endpoint=self.token_endpoint,
                                  client_id=self.client_id, scopes=self.scopes,
                                  client_secret=options.get("client_secret"), verify=self.ssl,
                                  on_refresh=self._store_token)
        else:
            raise OptionsError("Unrecognized authentication credentials in options")

    def _store_token(self, token: str) -> None:
        self.oidc_token = token
        if isinstance(self._auth, OidcAuth):
            self.refresh_token = self._auth.refresh_token

    def get_access_token(self) -> str:
        """The user's current access token (refreshed when due; from oidc-agent for agent accounts)."""
        if self._AUTH_TYPE == "oidc-agent":
            return oidc_agent_token(self.shortname)
        if self._AUTH_TYPE == "oidc":
            return self._auth.current_access_token()
        raise OscarAuthError("basic-auth clients have no access token")

    def _get_token(self, svc: str) -> str:
        """The token to invoke ``svc`` with: its service token (basic auth) or the user's token."""
        if self._AUTH_TYPE == "basicauth":
            token = self._resource(_SVC_PATH, svc).get().get("token")
            if not token:
                raise OscarAuthError(f"service {svc!r} has no invocation token")
            return token
        return self.get_access_token()

    def _invocation_auth(self, svc: str, token: Optional[str]) -> TokenAuth:
        if not token and self._AUTH_TYPE in ("oidc", "oidc-agent"):
            return self._auth  # refreshes before expiry and on a 401, like every other call
        return super()._invocation_auth(svc, token)

    # ------------------------------------------------------------------ request helpers
    def _resource(self, path: str, *ids: Any) -> Any:
        return self._api(path.lstrip("/"))(*ids)

    def _call(self, method: str, path: str, *ids: Any, data: Any = None, params: Optional[Dict[str, Any]] = None,
              **kwargs: Any) -> Response:
        return self._resource(path, *ids).request(method.upper(), data, params=params, raw=True, **kwargs)

    # ------------------------------------------------------------------ cluster
    def get_cluster_info(self) -> Response:
        """GET /system/info."""
        return self._call(_GET, _INFO_PATH)

    def get_cluster_config(self) -> Response:
        """GET /system/config (``minio_provider`` holds the MinIO credentials)."""
        return self._call(_GET, _CONFIG_PATH)

    def get_cluster_status(self) -> Response:
        """GET /system/status."""
        return self._call(_GET, _STATUS_PATH)

    def health_check(self) -> Response:
        """GET /health (no authentication)."""
        return self._api.request("GET", self._resource(_HEALTH_PATH).url(), raw=True, auth=None)

    # ------------------------------------------------------------------ services
    def list_services(self) -> Response:
        """GET /system/services."""
        return self._call(_GET, _SVC_PATH)

    def get_service(self, name: str) -> Response:
        """GET /system/services/{name}."""
        return self._call(_GET, _SVC_PATH, name)

    def service_exists(self, name: str) -> bool:
        """True when ``name`` is deployed (404 -> False; other errors raise)."""
        try:
            self._call(_GET, _SVC_PATH, name)
        except OscarNotFoundError:
            return False
        return True

    def _definitions(self, service_definition: Any, default_name: Optional[str] = None) -> List[Dict[str, Any]]:
        if isinstance(service_definition, dict):
            services = load_services(service_definition, self.id)
        elif isinstance(service_definition, (str, os.PathLike)) and os.path.isfile(service_definition):
            services = load_services(service_definition, self.id)
        else:
            raise ValueError("Service definition must be a dictionary or a file path")
        if default_name is not None and len(services) == 1:
            if not services[0].get("name"):
                services[0]["name"] = default_name
            elif services[0]["name"] != default_name:
                raise ValueError(f"update_service: name {default_name!r} does not match the definition's "
                                 f"name {services[0]['name']!r}")
        for svc in services:
            if not svc.get("name"):
                raise FDLError("a service definition has no 'name'")
        return services

    def create_services(self, service_definition: Any) -> List[Response]:
        """Create every service of an FDL file (or one dict); all names are checked first."""
        services = self._definitions(service_definition)
        for svc in services:
            if self.service_exists(svc["name"]):
                raise ServiceExistsError(f"A service with name '{svc['name']}' is already present on the cluster")
        return [self._call(_POST, _SVC_PATH, data=svc) for svc in services]

    def create_service(self, service_definition: Any) -> Response:
        """POST /system/services for each service in ``service_definition`` (a dict or an FDL
        file path); returns the last response. Existing names raise ``ServiceExistsError``
        (a ``ValueError``) before anything is created."""
        return self.create_services(service_definition)[-1]

    def update_services(self, service_definition: Any, name: Optional[str] = None) -> List[Response]:
        """PUT /system/services for each service in the definition; each must exist."""
        services = self._definitions(service_definition, default_name=name)
        for svc in services:
            if not self.service_exists(svc["name"]):
                raise ServiceNotFoundError(f"The service {svc['name']} is not present on the cluster")
        return [self._call(_PUT, _SVC_PATH, data=svc, retries=PUT_RETRY) for svc in services]

    def update_service(self, name: str, new_service: Any) -> Response:
        """PUT /system/services (``new_service``: a dict or an FDL file path); returns the last
        response. A missing service raises ``ServiceNotFoundError`` (a ``ValueError``)."""
        return self.update_services(new_service, name)[-1]

    def apply_service(self, service_definition: Any) -> List[Tuple[str, str, Response]]:
        """Create or update every service of the definition: ``[(name, "created"|"updated", response)]``."""
        done: List[Tuple[str, str, Response]] = []
        for svc in self._definitions(service_definition):
            if self.service_exists(svc["name"]):
                done.append((svc["name"], "updated", self._call(_PUT, _SVC_PATH, data=svc, retries=PUT_RETRY)))
            else:
                done.append((svc["name"], "created", self._call(_POST, _SVC_PATH, data=svc)))
        return done

    def remove_service(self, name: str) -> Response:
        """DELETE /system/services/{name}."""
        return self._call(_DELETE, _SVC_PATH, name)

    def get_deployment_status(self, name: str) -> Response:
        """GET /system/services/{name}/deployment."""
        return self._call(_GET, _SVC_PATH, name, "deployment")

    def get_deployment_logs(self, name: str, timestamps: bool = False, tail_lines: Optional[int] = None) -> Response:
        """GET /system/services/{name}/deployment/logs."""
        params: Dict[str, Any] = {}
        if timestamps:
            params["timestamps"] = "true"
        if tail_lines is not None:
            params["tailLines"] = int(tail_lines)
        return self._call(_GET, _SVC_PATH, name, "deployment", "logs", params=params or None)

    def start_service(self, name: str) -> Response:
        """POST /system/services/{name}/start."""
        return self._call(_POST, _SVC_PATH, name, "start")

    def stop_service(self, name: str) -> Response:
        """POST /system/services/{name}/stop."""
        return self._call(_POST, _SVC_PATH, name, "stop")

    def restart_service(self, name: str) -> Response:
        """POST /system/services/{name}/restart."""
        return self._call(_POST, _SVC_PATH, name, "restart")

    # ------------------------------------------------------------------ jobs and logs
    def get_job_logs(self, svc: str, job: str, timestamps: bool = False) -> Response:
        """GET /system/logs/{svc}/{job} (text)."""
        return self._call(_GET, _LOGS_PATH, svc, job, params={"timestamps": "true"} if timestamps else None)

    def list_jobs(self, svc: str, page: str = "") -> Response:
        """GET /system/logs/{svc}?page={page}: one page of ``{"jobs": {...}, "next_page"?}``."""
        return self._call(_GET, _LOGS_PATH, svc, params={"page": page or ""})

    def iter_jobs(self, svc: str, max_items: Optional[int] = None) -> Iterator[Job]:
        """Every job of ``svc``, following ``next_page`` across pages lazily."""
        return self._api.iterate(self._resource(_LOGS_PATH, svc).url(), params={"page": ""},
                                 paginator=_jobs_paginator, max_items=max_items)

    def _can_list_jobs(self) -> bool:
        return True

    def _jobs_info_or_none(self, svc: str) -> Optional[Dict[str, Dict[str, Any]]]:
        try:
            return {job.name: dict(job) for job in self.iter_jobs(svc)}
        except OscarError as exc:
            log.info("cannot list the jobs of %s to identify the new job: %s", svc, exc)
            return None

    def get_latest_job(self, svc: str) -> Optional[Job]:
        """The most recently created job of ``svc``, or None."""
        latest: Optional[Job] = None
        for job in self.iter_jobs(svc):
            if latest is None or str(job.get("creation_time") or "") >= str(latest.get("creation_time") or ""):
                latest = job
        return latest

    def remove_job(self, svc: str, job: str) -> Response:
        """DELETE /system/logs/{svc}/{job}."""
        return self._call(_DELETE, _LOGS_PATH, svc, job)

    def remove_all_jobs(self, svc: str, succeeded_only: bool = False) -> Response:
        """DELETE /system/logs/{svc}: every job (``?all=true``), or with ``succeeded_only=True``
        only the succeeded ones (what upstream's call did)."""
        return self._call(_DELETE, _LOGS_PATH, svc, params=None if succeeded_only else {"all": "true"})

    def get_system_logs(self, timestamps: bool = False, previous: bool = False) -> Response:
        """GET /system/logs (admin, basic auth)."""
        params = {k: "true" for k, v in (("timestamps", timestamps), ("previous", previous)) if v}
        return self._call(_GET, _LOGS_PATH, params=params or None)

    # ------------------------------------------------------------------ volumes
    def list_volumes(self) -> Response:
        """GET /system/volumes."""
        return self._call(_GET, _VOLUMES_PATH)

    def get_volume(self, name: str) -> Response:
        """GET /system/volumes/{name}."""
        return self._call(_GET, _VOLUMES_PATH, name)

    def create_volume(self, name: str, size: str) -> Response:
        """POST /system/volumes ``{"name", "size"}``."""
        return self._call(_POST, _VOLUMES_PATH, data={"name": name, "size": str(size)})

    def delete_volume(self, name: str) -> Response:
        """DELETE /system/volumes/{name}."""
        return self._call(_DELETE, _VOLUMES_PATH, name)

    # ------------------------------------------------------------------ buckets
    def list_buckets(self) -> Response:
        """GET /system/buckets."""
        return self._call(_GET, _BUCKETS_PATH)

    def get_bucket(self, name: str, page: Optional[str] = None) -> Response:
        """GET /system/buckets/{name} (objects, paginated with ``page``)."""
        return self._call(_GET, _BUCKETS_PATH, name, params={"page": page} if page else None)

    def create_bucket(self, name: str, visibility: str = "private",
                      allowed_users: Optional[Sequence[str]] = None) -> Response:
        """POST /system/buckets."""
        return self._call(_POST, _BUCKETS_PATH, data={"bucket_name": name, "visibility": visibility,
                                                      "allowed_users": list(allowed_users or [])})

    def update_bucket(self, name: str, visibility: str, allowed_users: Optional[Sequence[str]] = None) -> Response:
        """PUT /system/buckets."""
        return self._call(_PUT, _BUCKETS_PATH, data={"bucket_name": name, "visibility": visibility,
                                                     "allowed_users": list(allowed_users or [])},
                          retries=PUT_RETRY)

    def delete_bucket(self, name: str) -> Response:
        """DELETE /system/buckets/{name}."""
        return self._call(_DELETE, _BUCKETS_PATH, name)

    def presign_bucket(self, name: str, object_key: str, operation: str = "download", expires: int = 0,
                       content_type: str = "", extra_headers: Optional[Dict[str, str]] = None) -> Response:
        """POST /system/buckets/{name}/presign; ``expires`` is sent as the server's ``expires_in``."""
        body: Dict[str, Any] = {"object_key": object_key, "operation": operation}
        if expires:
            body["expires_in"] = int(expires)
        if content_type:
            body["content_type"] = content_type
        if extra_headers:
            body["extra_headers"] = dict(extra_headers)
        return self._call(_POST, _BUCKETS_PATH, name, "presign", data=body)

    # ------------------------------------------------------------------ metrics and quotas
    def get_metrics_summary(self, start: Optional[str] = None, end: Optional[str] = None) -> Response:
        """GET /system/metrics."""
        params = {k: v for k, v in (("start", start), ("end", end)) if v}
        return self._call(_GET, _METRICS_PATH, params=params or None)

    def get_metrics_breakdown(self, group_by: str = "service", start: Optional[str] = None,
                              end: Optional[str] = None, include_users: bool = False,
                              format: Optional[str] = None) -> Response:
        """GET /system/metrics/breakdown?group_by=..."""
        params: Dict[str, Any] = {"group_by": group_by}
        params.update({k: v for k, v in (("start", start), ("end", end), ("format", format)) if v})
        if include_users:
            params["include_users"] = "true"
        return self._call(_GET, _METRICS_PATH, "breakdown", params=params)

    def get_service_metrics(self, service_name: str, metric: Optional[str] = None, start: Optional[str] = None,
                            end: Optional[str] = None) -> Response:
        """GET /system/metrics/{service}."""
        params = {k: v for k, v in (("metric", metric), ("start", start), ("end", end)) if v}
        return self._call(_GET, _METRICS_PATH, service_name, params=params or None)

    def get_own_quota(self) -> Response:
        """GET /system/quotas/user."""
        return self._call(_GET, _QUOTAS_PATH)

    def get_user_quota(self, user_id: str) -> Response:
        """GET /system/quotas/user/{user_id} (admin)."""
        return self._call(_GET, _QUOTAS_PATH, user_id)

    def update_user_quota(self, user_id: str, cpu: Optional[str] = None, memory: Optional[str] = None) -> Response:
        """PUT /system/quotas/user/{user_id} ``{"cpu", "memory"}`` (admin)."""
        body = {k: str(v) for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
        return self._call(_PUT, _QUOTAS_PATH, user_id, data=body, retries=PUT_RETRY)

    # ------------------------------------------------------------------ federation
    def get_federation(self, service_name: str) -> Response:
        """GET /system/federation/{service}."""
        return self._call(_GET, _FEDERATION_PATH, service_name)

    @staticmethod
    def _federation_body(members: Any, clusters: Any = None, storage_providers: Any = None,
                         **extra: Any) -> Dict[str, Any]:
        body: Dict[str, Any] = {"members": list(members)}
        if clusters is not None:
            body["clusters"] = clusters
        if storage_providers is not None:
            body["storage_providers"] = storage_providers
        body.update(extra)
        return body

    def add_federation_members(self, service_name: str, members: Any, clusters: Any = None,
                               storage_providers: Any = None) -> Response:
        """POST /system/federation/{service}."""
        return self._call(_POST, _FEDERATION_PATH, service_name,
                          data=self._federation_body(members, clusters, storage_providers))

    def update_federation_members(self, service_name: str, members: Any, update: Any, clusters: Any = None,
                                  storage_providers: Any = None) -> Response:
        """PUT /system/federation/{service}."""
        return self._call(_PUT, _FEDERATION_PATH, service_name, retries=PUT_RETRY,
                          data=self._federation_body(members, clusters, storage_providers, update=list(update)))

    def remove_federation_members(self, service_name: str, members: Any, delete: bool = False) -> Response:
        """DELETE /system/federation/{service} with a JSON body ``{"members", "delete"}``."""
        return self._call(_DELETE, _FEDERATION_PATH, service_name,
                          data={"members": list(members), "delete": bool(delete)})

    # ------------------------------------------------------------------ storage
    def create_storage_client(self, svc: Optional[str] = None) -> Any:
        """A :class:`~oscar_python.storage.Storage` for ``svc``'s providers (and ``minio.default``)."""
        from .storage import Storage
        return Storage(client_obj=self, svc_name=svc) if svc else Storage(client_obj=self)
