"""Every FirecREST v1 operation, written once as a generator of steps (see :mod:`._steps`).

An operation yields :class:`Call` (and friends), receives the decoded answer and returns what
pyfirecrest returns. The sync client drives it in the caller's thread, the async client awaits
each step, so both faces share the same paths, fields, checks and return shapes.

Wire conventions kept from pyfirecrest: ``X-Machine-Name`` on machine-scoped calls, form bodies
(multipart only for the two uploads), booleans as ``"True"``/``"False"``, ``None`` fields
dropped, ``GET /tasks?tasks=<id>`` polling, and the documented status of every endpoint.
"""
from __future__ import annotations

import io
import json
import logging
import re
import warnings
from typing import Any, Dict, Generator, List, Optional, Sequence, Tuple

from .._jwt import unverified_claims
from ..exceptions import (FirecrestException, NotImplementedOnAPIversion, PollingIterException,
                          StorageDownloadException, StorageUploadException)
from ._steps import AccessToken, Call, Context, DownloadFile, KnownVersion, SetVersion, Sleep, UploadFile, path

Op = Generator[Any, Any, Any]

ASSUMED_VERSION = "1.15.0"
TIMEOUT_ERROR = "Command has finished with timeout signal"
#: First wait of the compress/extract fallback job poll; doubles each time (upstream: 1, 2, 4 ...).
FALLBACK_FIRST_SLEEP = 1.0
FALLBACK_MAX_SLEEP = 30.0
FALLBACK_MAX_WAIT = 3600.0


def _bool(value: Any) -> str:
    """Booleans travel as the strings ``True``/``False`` (what ``requests`` made of them upstream)."""
    return "True" if value else "False"


def _ids(values: Optional[Sequence[Any]]) -> Optional[str]:
    return ",".join(str(v) for v in values) if values else None


# --------------------------------------------------------------------------- versions
def version_tuple(text: str) -> Tuple[int, ...]:
    """``"1.16.1"``, ``"v1.16.0-dev"`` -> ``(1, 16, 1)``, ``(1, 16, 0)``."""
    match = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", str(text))
    if not match:
        raise ValueError(f"cannot read a version number from {text!r}")
    return tuple(int(part or 0) for part in match.groups())


def _version_from_parameters(out: Any) -> Optional[str]:
    for entry in (out or {}).get("general", []) if isinstance(out, dict) else []:
        if isinstance(entry, dict) and entry.get("name") == "FIRECREST_VERSION" and entry.get("value"):
            return str(entry["value"])
    return None


def api_version(ctx: Context) -> Op:
    """The server's version: set by the user, learned before, or read from ``/status/parameters``."""
    known = yield KnownVersion()
    if known is not None:
        return known
    out = (yield Call("GET", ("status", "parameters")))["out"]
    found = _version_from_parameters(out)
    if found is None:
        warnings.warn(f"FIRECREST_VERSION is not in /status/parameters; assuming {ASSUMED_VERSION}", stacklevel=2)
        found = ASSUMED_VERSION
    try:
        version_tuple(found)
    except ValueError:
        warnings.warn(f"cannot parse FIRECREST_VERSION {found!r}; assuming {ASSUMED_VERSION}", stacklevel=2)
        found = ASSUMED_VERSION
    yield SetVersion(found)
    return found


def require(ctx: Context, minimum: Optional[str], what: str) -> Op:
    """Raise :class:`NotImplementedOnAPIversion` when the server is older than ``minimum``."""
    version = yield from api_version(ctx)
    if minimum is not None and version_tuple(version) < version_tuple(minimum):
        raise NotImplementedOnAPIversion(f"`{what}` is available only for FirecREST>={minimum} "
                                         f"(the server runs {version})")
    return version


# --------------------------------------------------------------------------- tasks
def tasks(ctx: Context, task_ids: Optional[Sequence[str]] = None) -> Op:
    """``GET /tasks``: the tasks by id (every task of the user when ``task_ids`` is empty)."""
    ids = [str(t) for t in task_ids] if task_ids else None
    body = yield Call("GET", ("tasks",), params={"tasks": _ids(ids)}, merge=("tasks", ids))
    return body["tasks"]


def task_safe(ctx: Context, task_id: str) -> Op:
    """One poll of a task; its failure states raise (115 upload, 118 download, >= 400 any)."""
    found = yield from tasks(ctx, [task_id])
    try:
        task = found[task_id]
    except KeyError:
        raise KeyError(f"task {task_id} is not known to the server") from None
    status = int(task["status"])
    if status == 115:
        raise StorageUploadException(ctx.history)
    if status == 118:
        raise StorageDownloadException(ctx.history)
    if status >= 400:
        raise FirecrestException(ctx.history)
    return task


def wait_task(ctx: Context, task_id: str, final_status: str = "200") -> Op:
    """Poll until the task reaches ``final_status``, sleeping ``polling_sleep_times`` in between;
    returns ``(data, system)``."""
    sleeps = iter(ctx.polling_sleep_times)
    task = yield from task_safe(ctx, task_id)
    while int(task["status"]) < int(final_status):
        try:
            pause = next(sleeps)
        except StopIteration:
            raise PollingIterException(task_id) from None
        ctx.log(logging.DEBUG, f"task {task_id} has status {task['status']}; next poll in {pause} s")
        if pause:
            yield Sleep(pause)
        task = yield from task_safe(ctx, task_id)
    ctx.log(logging.INFO, f"task {task_id} finished with status {task['status']}")
    return task["data"], task.get("system", "")


def invalidate(ctx: Context, task_id: str) -> Op:
    """``POST /storage/xfer-external/invalidate`` for a download's link."""
    return (yield Call("POST", ("storage", "xfer-external", "invalidate"), headers={"X-Task-Id": task_id},
                       expect=201, allow_none=True))


# --------------------------------------------------------------------------- status
def all_services(ctx: Context) -> Op:
    return (yield Call("GET", ("status", "services")))["out"]


def service(ctx: Context, service_name: str) -> Op:
    return (yield Call("GET", ("status", "services") + path(service_name)))


def all_systems(ctx: Context) -> Op:
    return (yield Call("GET", ("status", "systems")))["out"]


def system(ctx: Context, system_name: str) -> Op:
    return (yield Call("GET", ("status", "systems") + path(system_name)))["out"]


def parameters(ctx: Context) -> Op:
    out = (yield Call("GET", ("status", "parameters")))["out"]
    if (yield KnownVersion()) is None:
        found = _version_from_parameters(out)
        if found is not None:
            yield SetVersion(found)
    return out


def filesystems(ctx: Context, system_name: Optional[str] = None) -> Op:
    yield from require(ctx, "1.15.0", "filesystems")
    if system_name is None:
        return (yield Call("GET", ("status", "filesystems")))["out"]
    out = (yield Call("GET", ("status", "filesystems") + path(system_name)))["out"]
    return {system_name: out}


# --------------------------------------------------------------------------- utilities
def _util(method: str, name: str, machine: str, *, params: Optional[Dict[str, Any]] = None,
          data: Optional[Dict[str, Any]] = None, expect: int = 200, allow_none: bool = False) -> Call:
    return Call(method, ("utilities", name), machine=machine, params=params, data=data, expect=expect,
                allow_none=allow_none)


def list_files(ctx: Context, machine: str, target_path: str, show_hidden: bool = False,
               recursive: bool = False) -> Op:
    yield from require(ctx, "1.16.0" if recursive else None, "list_files(recursive=True)")
    params: Dict[str, Any] = {"targetPath": target_path}
    if show_hidden:
        params["showhidden"] = _bool(show_hidden)
    if recursive:
        params["recursive"] = _bool(recursive)
    return (yield _util("GET", "ls", machine, params=params))["output"]


def mkdir(ctx: Context, machine: str, target_path: str, p: Optional[bool] = None) -> Op:
    data: Dict[str, Any] = {"targetPath": target_path}
    if p:
        data["p"] = _bool(p)
    yield _util("POST", "mkdir", machine, data=data, expect=201)
    return target_path


def mv(ctx: Context, machine: str, source_path: str, target_path: str) -> Op:
    yield _util("PUT", "rename", machine, data={"sourcePath": source_path, "targetPath": target_path})
    return target_path


def chmod(ctx: Context, machine: str, target_path: str, mode: str) -> Op:
    yield _util("PUT", "chmod", machine, data={"targetPath": target_path, "mode": mode})
    return None


def chown(ctx: Context, machine: str, target_path: str, owner: Optional[str] = None,
          group: Optional[str] = None) -> Op:
    if owner is None and group is None:
        return None
    yield _util("PUT", "chown", machine, data={"targetPath": target_path, "owner": owner, "group": group})
    return None


def copy(ctx: Context, machine: str, source_path: str, target_path: str) -> Op:
    yield _util("POST", "copy", machine, data={"sourcePath": source_path, "targetPath": target_path}, expect=201)
    return target_path


def _is_timeout(error: FirecrestException) -> bool:
    if not error.responses or error.responses[-1].status_code != 400:
        return False
    body = error.content
    return isinstance(body, dict) and body.get("error") == TIMEOUT_ERROR


def _fallback_job(ctx: Context, machine: str, job: Dict[str, Any], what: str) -> Op:
    """Wait for the compress/extract job that replaced a timed-out blocking call. Storage jobs
    run on the deployment's transfer machine (``job["system"]``), which need not be ``machine``."""
    jobid = str(job["jobid"])
    machine = job.get("system") or machine
    pause, waited = FALLBACK_FIRST_SLEEP, 0.0
    while True:
        active = yield from poll_active(ctx, machine, [jobid])
        if not active or active[0].get("state") in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
            break
        if waited >= FALLBACK_MAX_WAIT:
            raise PollingIterException(jobid)
        yield Sleep(pause)
        waited += pause
        pause = min(pause * 2, FALLBACK_MAX_SLEEP)
    accounting = yield from poll(ctx, machine, [jobid])
    state = accounting[0]["state"] if accounting else "UNKNOWN"
    errors = yield from head(ctx, machine, job["job_file_err"])
    if state != "COMPLETED" or errors:
        raise Exception(f"{what} job (jobid={jobid}) finished with state {state} and error(s): {errors}")


def compress(ctx: Context, machine: str, source_path: str, target_path: str, dereference: bool = False,
             fail_on_timeout: bool = True) -> Op:
    yield from require(ctx, "1.16.0", "compress")
    try:
        yield _util("POST", "compress", machine, expect=201,
                    data={"sourcePath": source_path, "targetPath": target_path, "dereference": _bool(dereference)})
    except FirecrestException as error:
        if fail_on_timeout or not _is_timeout(error):
            raise
        ctx.log(logging.INFO, "compress timed out on the server; running it as a job instead")
        job = yield from submit_compress_job(ctx, machine, source_path, target_path, dereference)
        yield from _fallback_job(ctx, machine, job, "compression")
    return target_path


def extract(ctx: Context, machine: str, source_path: str, target_path: str, extension: str = "auto",
            fail_on_timeout: bool = True) -> Op:
    yield from require(ctx, "1.16.0", "extract")
    try:
        yield _util("POST", "extract", machine, expect=201,
                    data={"sourcePath": source_path, "targetPath": target_path, "extension": extension})
    except FirecrestException as error:
        if fail_on_timeout or not _is_timeout(error):
            raise
        ctx.log(logging.INFO, "extract timed out on the server; running it as a job instead")
        job = yield from submit_extract_job(ctx, machine, source_path, target_path, extension)
        yield from _fallback_job(ctx, machine, job, "extraction")
    return target_path


def file_type(ctx: Context, machine: str, target_path: str) -> Op:
    return (yield _util("GET", "file", machine, params={"targetPath": target_path}))["output"]


def stat(ctx: Context, machine: str, target_path: str, dereference: bool = False) -> Op:
    params: Dict[str, Any] = {"targetPath": target_path}
    if dereference:
        params["dereference"] = _bool(dereference)
    return (yield _util("GET", "stat", machine, params=params))["output"]


def symlink(ctx: Context, machine: str, target_path: str, link_path: str) -> Op:
    yield _util("POST", "symlink", machine, data={"targetPath": target_path, "linkPath": link_path}, expect=201)
    return target_path


def simple_download(ctx: Context, machine: str, source_path: str, target_path: Any) -> Op:
    yield DownloadFile(target_path, segments=("utilities", "download"), params={"sourcePath": source_path},
                       machine=machine)
    return None


def simple_upload(ctx: Context, machine: str, source_path: Any, target_path: str,
                  filename: Optional[str] = None) -> Op:
    yield UploadFile(source_path, segments=("utilities", "upload"), filename=filename,
                     fields={"targetPath": target_path}, machine=machine, expect=201)
    return None


def simple_delete(ctx: Context, machine: str, target_path: str) -> Op:
    yield _util("DELETE", "rm", machine, data={"targetPath": target_path}, expect=204, allow_none=True)
    return None


def checksum(ctx: Context, machine: str, target_path: str) -> Op:
    return (yield _util("GET", "checksum", machine, params={"targetPath": target_path}))["output"]


def head(ctx: Context, machine: str, target_path: str, bytes: Optional[Any] = None, lines: Optional[Any] = None,
         skip_ending: bool = False) -> Op:
    params = {"targetPath": target_path, "lines": lines, "bytes": bytes, "skip_ending": _bool(skip_ending)}
    return (yield _util("GET", "head", machine, params=params))["output"]


def tail(ctx: Context, machine: str, target_path: str, bytes: Optional[Any] = None, lines: Optional[Any] = None,
         skip_beginning: bool = False) -> Op:
    params = {"targetPath": target_path, "lines": lines, "bytes": bytes, "skip_beginning": _bool(skip_beginning)}
    return (yield _util("GET", "tail", machine, params=params))["output"]


def view(ctx: Context, machine: str, target_path: str) -> Op:
    return (yield _util("GET", "view", machine, params={"targetPath": target_path}))["output"]


def whoami(ctx: Context, machine: Optional[str] = None) -> Op:
    """The user on ``machine``; without a machine, read from the token (service accounts: the
    client's first role), or None when the token does not say."""
    if machine is not None:
        return (yield _util("GET", "whoami", machine))["output"]
    claims = unverified_claims((yield AccessToken()))
    if not claims:
        return None
    try:
        if ctx.sa_role in claims.get("realm_access", {}).get("roles", []):
            client_id = claims["clientId"]
            return claims["resource_access"][client_id]["roles"][0]
    except (KeyError, IndexError, TypeError, AttributeError):
        pass  # a service-account token without its client's roles: the user name, as pyfirecrest
    return claims.get("preferred_username") if isinstance(claims, dict) else None


def groups(ctx: Context, machine: str) -> Op:
    yield from require(ctx, "1.15.0", "groups")
    return (yield _util("GET", "whoami", machine, params={"groups": "True"}))["output"]


# --------------------------------------------------------------------------- compute
def submit(ctx: Context, machine: str, job_script: Optional[str] = None, local_file: Optional[bool] = True,
           script_str: Optional[str] = None, script_local_path: Optional[str] = None,
           script_remote_path: Optional[str] = None, account: Optional[str] = None,
           env_vars: Optional[Dict[str, Any]] = None) -> Op:
    given = [x is not None for x in (job_script, script_str, script_local_path, script_remote_path)]
    if sum(given) != 1:
        raise ValueError("exactly one of `script_str`, `script_local_path`, `script_remote_path` or "
                         "`job_script` (deprecated) must be given")
    if job_script is not None:
        warnings.warn("`job_script` is deprecated; use `script_str`, `script_local_path` or `script_remote_path`",
                      DeprecationWarning, stacklevel=4)
        if local_file:
            script_local_path = job_script
        else:
            script_remote_path = job_script
    env = json.dumps(env_vars) if env_vars else None
    if script_remote_path is not None:
        created = yield Call("POST", ("compute", "jobs", "path"), machine=machine, expect=201,
                             data={"targetPath": script_remote_path, "account": account, "env": env})
    else:
        source: Any = script_local_path
        if script_str is not None:
            source = ("script.batch", io.BytesIO(script_str.encode("utf-8")))
        created = yield UploadFile(source, segments=("compute", "jobs", "upload"), machine=machine, expect=201,
                                   fields={"account": account, "env": env})
    task_id = created["task_id"]
    ctx.log(logging.INFO, f"job submission task {task_id}")
    data, _ = yield from wait_task(ctx, task_id)
    result = dict(data)
    result["firecrest_taskid"] = task_id
    return result


def _filter_jobs(jobs: List[Dict[str, Any]], wanted: Optional[Sequence[Any]]) -> List[Dict[str, Any]]:
    """Keep the jobs asked for (a merged async request may have fetched more).

    Slurm answers for an array or heterogeneous job ``123`` with records such as ``123_4``,
    ``123_[5-9]`` or ``123+1``: they belong to ``123`` and are kept, as the server sent them.
    """
    if not wanted:
        return jobs
    ids = {str(j) for j in wanted}
    kept = []
    for job in jobs:
        jobid = str(job.get("jobid"))
        if jobid in ids or re.split(r"[_+]", jobid, maxsplit=1)[0] in ids:
            kept.append(job)
    return kept


def poll(ctx: Context, machine: str, jobs: Optional[Sequence[Any]] = None, start_time: Optional[str] = None,
         end_time: Optional[str] = None, page_size: Optional[int] = None, page_number: Optional[int] = None) -> Op:
    ids = [str(j) for j in jobs] if jobs else None
    params = {"jobs": _ids(ids), "starttime": start_time, "endtime": end_time, "pageSize": page_size,
              "pageNumber": page_number}
    mergeable = ids is not None and all(v is None for v in (start_time, end_time, page_size, page_number))
    created = yield Call("GET", ("compute", "acct"), machine=machine, params=params,
                         merge=("jobs", ids) if mergeable else None)
    data, _ = yield from wait_task(ctx, created["task_id"])
    found = list(data.values()) if isinstance(data, dict) else list(data)
    return _filter_jobs(found, ids)


def poll_active(ctx: Context, machine: str, jobs: Optional[Sequence[Any]] = None, page_size: Optional[int] = None,
                page_number: Optional[int] = None) -> Op:
    ids = [str(j) for j in jobs] if jobs else None
    params = {"jobs": _ids(ids), "pageSize": page_size, "pageNumber": page_number}
    mergeable = page_size is None and page_number is None
    created = yield Call("GET", ("compute", "jobs"), machine=machine, params=params,
                         merge=("jobs", ids) if mergeable else None)
    data, _ = yield from wait_task(ctx, created["task_id"])
    found = list(data.values()) if isinstance(data, dict) else list(data)
    return _filter_jobs(found, ids)


def _listing(ctx: Context, machine: str, what: str, name: str, values: Optional[Sequence[str]]) -> Op:
    yield from require(ctx, "1.16.0", what)
    created = yield Call("GET", ("compute", what), machine=machine, params={name: _ids(values)})
    data, _ = yield from wait_task(ctx, created["task_id"])
    return data


def nodes(ctx: Context, machine: str, nodes: Optional[Sequence[str]] = None) -> Op:
    return (yield from _listing(ctx, machine, "nodes", "nodes", nodes))


def partitions(ctx: Context, machine: str, partitions: Optional[Sequence[str]] = None) -> Op:
    return (yield from _listing(ctx, machine, "partitions", "partitions", partitions))


def reservations(ctx: Context, machine: str, reservations: Optional[Sequence[str]] = None) -> Op:
    return (yield from _listing(ctx, machine, "reservations", "reservations", reservations))


def cancel(ctx: Context, machine: str, job_id: Any) -> Op:
    created = yield Call("DELETE", ("compute", "jobs") + path(job_id), machine=machine, expect=200)
    data, _ = yield from wait_task(ctx, created["task_id"])
    return data


# --------------------------------------------------------------------------- storage
def _internal(ctx: Context, kind: str, machine: str, fields: Dict[str, Any]) -> Op:
    created = yield Call("POST", ("storage", "xfer-internal", kind), machine=machine, data=fields, expect=201)
    ctx.log(logging.INFO, f"{kind} job submission task {created['task_id']}")
    data, system_name = yield from wait_task(ctx, created["task_id"])
    result = dict(data)
    result["system"] = system_name
    return result


def _job_fields(job_name: Optional[str], time: Optional[str], stage_out_job_id: Optional[Any],
                account: Optional[str]) -> Dict[str, Any]:
    return {"jobName": job_name, "time": time,
            "stageOutJobId": None if stage_out_job_id is None else str(stage_out_job_id), "account": account}


def submit_move_job(ctx: Context, machine: str, source_path: str, target_path: str, job_name: Optional[str] = None,
                    time: Optional[str] = None, stage_out_job_id: Optional[Any] = None,
                    account: Optional[str] = None) -> Op:
    fields = {"sourcePath": source_path, "targetPath": target_path, **_job_fields(job_name, time, stage_out_job_id, account)}
    return (yield from _internal(ctx, "mv", machine, fields))


def submit_copy_job(ctx: Context, machine: str, source_path: str, target_path: str, job_name: Optional[str] = None,
                    time: Optional[str] = None, stage_out_job_id: Optional[Any] = None,
                    account: Optional[str] = None) -> Op:
    fields = {"sourcePath": source_path, "targetPath": target_path, **_job_fields(job_name, time, stage_out_job_id, account)}
    return (yield from _internal(ctx, "cp", machine, fields))


def submit_rsync_job(ctx: Context, machine: str, source_path: str, target_path: str, job_name: Optional[str] = None,
                     time: Optional[str] = None, stage_out_job_id: Optional[Any] = None,
                     account: Optional[str] = None) -> Op:
    fields = {"sourcePath": source_path, "targetPath": target_path, **_job_fields(job_name, time, stage_out_job_id, account)}
    return (yield from _internal(ctx, "rsync", machine, fields))


def submit_delete_job(ctx: Context, machine: str, target_path: str, job_name: Optional[str] = None,
                      time: Optional[str] = None, stage_out_job_id: Optional[Any] = None,
                      account: Optional[str] = None) -> Op:
    fields = {"targetPath": target_path, **_job_fields(job_name, time, stage_out_job_id, account)}
    return (yield from _internal(ctx, "rm", machine, fields))


def submit_compress_job(ctx: Context, machine: str, source_path: str, target_path: str, dereference: bool = False,
                        job_name: Optional[str] = None, time: Optional[str] = None,
                        stage_out_job_id: Optional[Any] = None, account: Optional[str] = None) -> Op:
    yield from require(ctx, "1.16.0", "submit_compress_job")
    fields = {"sourcePath": source_path, "targetPath": target_path, "dereference": _bool(dereference),
              **_job_fields(job_name, time, stage_out_job_id, account)}
    return (yield from _internal(ctx, "compress", machine, fields))


def submit_extract_job(ctx: Context, machine: str, source_path: str, target_path: str,
                       extension: Optional[str] = "auto", job_name: Optional[str] = None, time: Optional[str] = None,
                       stage_out_job_id: Optional[Any] = None, account: Optional[str] = None) -> Op:
    yield from require(ctx, "1.16.0", "submit_extract_job")
    fields = {"sourcePath": source_path, "targetPath": target_path, "extension": extension,
              **_job_fields(job_name, time, stage_out_job_id, account)}
    return (yield from _internal(ctx, "extract", machine, fields))


def external_upload(ctx: Context, machine: str, source_path: str, target_path: str) -> Op:
    """Creates the upload task; returns ``(task_id, history)``."""
    yield from require(ctx, None, "external_upload")
    created = yield Call("POST", ("storage", "xfer-external", "upload"), machine=machine, expect=201,
                         data={"targetPath": target_path, "sourcePath": source_path})
    return created["task_id"], list(ctx.history)


def external_download(ctx: Context, machine: str, source_path: str) -> Op:
    yield from require(ctx, None, "external_download")
    created = yield Call("POST", ("storage", "xfer-external", "download"), machine=machine, expect=201,
                         data={"sourcePath": source_path})
    return created["task_id"], list(ctx.history)


# --------------------------------------------------------------------------- reservations
def all_reservations(ctx: Context, machine: str) -> Op:
    return (yield Call("GET", ("reservations",), machine=machine))["success"]


def _reservation_fields(account: str, number_of_nodes: Any, node_type: str, start_time: str,
                        end_time: str) -> Dict[str, Any]:
    return {"account": account, "numberOfNodes": None if number_of_nodes is None else str(number_of_nodes),
            "nodeType": node_type, "starttime": start_time, "endtime": end_time}


def create_reservation(ctx: Context, machine: str, reservation: str, account: str, number_of_nodes: Any,
                       node_type: str, start_time: str, end_time: str) -> Op:
    fields = {"reservation": reservation,
              **_reservation_fields(account, number_of_nodes, node_type, start_time, end_time)}
    yield Call("POST", ("reservations",), machine=machine, data=fields, expect=201)
    return None


def update_reservation(ctx: Context, machine: str, reservation: str, account: str, number_of_nodes: Any,
                       node_type: str, start_time: str, end_time: str) -> Op:
    yield Call("PUT", ("reservations",) + path(reservation), machine=machine, expect=200,
               data=_reservation_fields(account, number_of_nodes, node_type, start_time, end_time))
    return None


def delete_reservation(ctx: Context, machine: str, reservation: str) -> Op:
    yield Call("DELETE", ("reservations",) + path(reservation), machine=machine, expect=204, allow_none=True)
    return None
