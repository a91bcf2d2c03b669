"""The endpoint specs the emulator advertises (and routes by): the discovery protocol's data.

Auth endpoints live under ``/auth`` (served by ``auth-discover``); API endpoints under
``/api`` (served after login by ``api-discover-user``). Argument limits are deliberately small
for ``ids`` so that clients exercise chunking.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from ..protocol import Endpoint

REQ = "REQUIRED"


def _arg(type_name: str, default: Any = REQ, limit: Optional[int] = None) -> Dict[str, Any]:
    return {"type": type_name, "default": default, "limit": limit}


def _spec(ep_id: str, resource: List[str], method: str, payload: str, auth: str, arguments: Dict[str, Any],
          *, timeout: int = 60, response: str = "json", operation: Optional[Tuple[str, str]] = None,
          poll_interval: float = 0.05, prepoll_wait: float = 0.0) -> Dict[str, Any]:
    spec: Dict[str, Any] = {"id": ep_id, "resource": resource, "method": method, "payload": payload, "auth": auth,
                            "response": response, "arguments": arguments, "timeout": timeout,
                            "communication": "async" if operation else "sync"}
    if operation:
        spec["async_info"] = {"prepoll_wait": prepoll_wait, "poll_interval": poll_interval,
                              "poll_endpoint_id": operation[0], "result_endpoint_id": operation[1]}
    return spec


def auth_specs(poll_interval: float) -> Dict[str, Dict[str, Any]]:
    op_id = {"operation_id": _arg("str")}
    specs = [
        _spec("auth-log-in", ["auth", "log-in"], "post", "none", "basic", {}, timeout=120,
              operation=("auth-log-in-poll-status", "auth-log-in-result"), poll_interval=poll_interval),
        _spec("auth-log-in-poll-status", ["auth", "log-in", "status"], "get", "match", "basic", op_id),
        _spec("auth-log-in-result", ["auth", "log-in", "result"], "get", "match", "basic", op_id),
        _spec("auth-log-out", ["auth", "log-out"], "post", "none", "jwt", {}, response="none"),
        _spec("auth-token-refresh", ["auth", "token", "refresh"], "post", "none", "jwt", {}),
    ]
    return {s["id"]: s for s in specs}


def login_specs() -> Dict[str, Dict[str, Any]]:
    """Specs handed over with the login result."""
    return {"api-discover-user": _spec("api-discover-user", ["api", "discover"], "get", "none", "jwt-expirable", {})}


def api_specs(poll_interval: float, ids_limit: int, items_limit: int,
              with_snapshot_delete: bool = True) -> Dict[str, Dict[str, Any]]:
    scen = {"scen_id": _arg("int")}
    sector_kw = {"citysector_id": _arg("str", None), "sector_id": _arg("str", None)}
    op = ("api-monitor-async-scenario-status", "api-monitor-async-scenario-result")
    jwt = "jwt-expirable"
    specs = [
        _spec("api-data-bounded-get-all", ["api", "data", "bounded", "all"], "get", "match", jwt,
              {**scen, "category": _arg("str")}),
        _spec("api-data-bounded-post-file", ["api", "data", "bounded", "file"], "post", "multipart", jwt,
              {**scen, "category": _arg("str"), "content": _arg("FileType"), "extension": _arg("str")},
              response="none", timeout=300),
        _spec("api-data-bounded-post-json", ["api", "data", "bounded", "json"], "post", "json", jwt,
              {**scen, "category": _arg("str"), "items": _arg("list", limit=items_limit)}, response="none"),
        _spec("api-data-unbounded-post-file", ["api", "data", "unbounded", "file"], "post", "multipart", jwt,
              {**scen, "category": _arg("str"), **sector_kw, "content": _arg("FileType"),
               "extension": _arg("str")}, response="none", timeout=300),
        _spec("api-data-unbounded-post-json", ["api", "data", "unbounded", "json"], "post", "json", jwt,
              {**scen, "category": _arg("str"), **sector_kw, "items": _arg("list", limit=items_limit)},
              response="none"),
        _spec("api-data-unbounded-get-ids", ["api", "data", "unbounded", "ids"], "get", "match", jwt,
              {**scen, "category": _arg("str"), "citysector_id": _arg("str", None), "airline_id": _arg("str", None),
               "sector_id": _arg("str", None)}),
        _spec("api-data-unbounded-get-fields", ["api", "data", "unbounded", "fields"], "get", "json", jwt,
              {**scen, "category": _arg("str"), **sector_kw, "ids": _arg("list", limit=ids_limit),
               "fields": _arg("list")}),
        _spec("api-data-airline-locations-get-ids", ["api", "data", "airline", "ids"], "get", "match", jwt,
              {**scen, "airline_id": _arg("str"), "location_type": _arg("str")}),
        _spec("api-data-airline-locations-get-items", ["api", "data", "airline", "items"], "get", "match", jwt,
              {**scen, "airline_id": _arg("str"), "location_type": _arg("str")}),
        _spec("api-data-flight-post", ["api", "data", "flight", "post"], "post", "json", jwt,
              {**scen, "flight_id": _arg("str"), "kind": _arg("str"), **sector_kw, "data": _arg("dict")},
              response="none"),
        _spec("api-data-flight-get", ["api", "data", "flight", "get"], "get", "json", jwt,
              {**scen, "ids": _arg("list", limit=ids_limit), "kind": _arg("str"), **sector_kw}),
        _spec("api-data-pmodel-post-file", ["api", "data", "pmodel", "file"], "post", "multipart", jwt,
              {"scen_id": _arg("str"), "kind": _arg("str"), "pmodel_id": _arg("str"), "content": _arg("FileType"),
               "extension": _arg("str")}, response="none", timeout=300),
        _spec("api-data-pmodel-post-json", ["api", "data", "pmodel", "json"], "post", "json", jwt,
              {"scen_id": _arg("str"), "kind": _arg("str"), "pmodel_id": _arg("str"), "content": _arg("dict")},
              response="none"),
        _spec("api-data-pmodel-get", ["api", "data", "pmodel", "get"], "get", "match", jwt,
              {**scen, "kind": _arg("str"), "pmodel_id": _arg("str")}),
        _spec("api-data-remove-full", ["api", "data", "remove", "full"], "post", "match", jwt, scen,
              response="none"),
        _spec("api-data-remove-restart", ["api", "data", "remove", "restart"], "post", "match", jwt, scen,
              response="none"),
        _spec("api-data-summary-get-single", ["api", "data", "summary"], "get", "match", jwt, scen),
        _spec("api-operation-simulation-checkpoint", ["api", "operation", "simulation", "checkpoint"], "post", "json",
              jwt, {**scen, "checkpoints": _arg("list", limit=1000)}, response="none"),
        _spec("api-operation-simulation-trigger", ["api", "operation", "simulation", "trigger"], "post", "json", jwt,
              {**scen, "operation": _arg("str", "auto")}, timeout=3600, operation=op, poll_interval=poll_interval),
        _spec("api-operation-optimization-trigger", ["api", "operation", "optimization", "trigger"], "post", "json",
              jwt, {**scen, "airline_id": _arg("str"), **sector_kw}, timeout=600, operation=op,
              poll_interval=poll_interval),
        _spec("api-operation-optimization-schedule", ["api", "operation", "optimization", "schedule"], "post",
              "json", jwt, {**scen, "airline_id": _arg("str"), "date_time": _arg("str"), **sector_kw},
              response="none"),
        _spec("api-operation-optimization-input-ids", ["api", "operation", "optimization", "inputs"], "get", "match",
              jwt, {**scen, "flight_id": _arg("str"), "citysector_id": _arg("str")}),
        _spec("api-operation-optimization-scheduled-ids", ["api", "operation", "optimization", "scheduled"], "get",
              "match", jwt, {**scen, "airline_id": _arg("str"), "sector_id": _arg("str"), "ds_start": _arg("str"),
                             "ds_end": _arg("str")}),
        _spec("api-operation-set-date", ["api", "operation", "date"], "post", "json", jwt,
              {**scen, "ds_current": _arg("str")}, response="none"),
        _spec("api-monitor-async-scenario-status", ["api", "monitor", "async", "status"], "get", "match", jwt,
              {"operation_id": _arg("str")}),
        _spec("api-monitor-async-scenario-result", ["api", "monitor", "async", "result"], "get", "match", jwt,
              {"operation_id": _arg("str")}),
        _spec("api-monitor-activity-user", ["api", "monitor", "activity"], "get", "match", jwt,
              {"context": _arg("str"), "count": _arg("int", limit=1000)}),
        _spec("api-snapshot-list", ["api", "snapshot", "list"], "get", "none", jwt, {}),
        _spec("api-snapshot-save", ["api", "snapshot", "save"], "post", "json", jwt,
              {"snapshot_name": _arg("str")}, response="none"),
        _spec("api-snapshot-restore", ["api", "snapshot", "restore"], "post", "json", jwt,
              {"snapshot_name": _arg("str")}, response="none"),
    ]
    if with_snapshot_delete:
        specs.append(_spec("api-snapshot-delete", ["api", "snapshot", "delete"], "post", "json", jwt,
                           {"snapshot_name": _arg("str")}, response="none"))
    return {s["id"]: s for s in specs}


def parse_all(*groups: Dict[str, Dict[str, Any]]) -> Dict[str, Endpoint]:
    """The specs as :class:`Endpoint` objects (the emulator routes with the same classes)."""
    out: Dict[str, Endpoint] = {}
    for group in groups:
        for ep_id, spec in group.items():
            out[ep_id] = Endpoint.make_from_json(spec)
    return out
