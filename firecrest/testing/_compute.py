"""The emulator's ``/compute`` and ``/reservations`` endpoints: every compute call creates a task
whose result is what ``sbatch``/``squeue``/``sacct``/``scancel``/``scontrol`` answered."""
from __future__ import annotations

import calendar
import json
import posixpath
import re
import time
from typing import Any, Callable, Dict, List, Optional

from werkzeug.wrappers import Request, Response

from ._http import Reply, json_response, validate_input
from .blobs import Blob
from .scheduler import SbatchError
from .vfs import FsError


def parse_when(text: Optional[str]) -> Optional[float]:
    """``sacct`` times we understand: ``YYYY-MM-DD[THH:MM[:SS]]`` (others do not filter)."""
    if not text:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            return time.mktime(time.strptime(text, pattern))
        except ValueError:
            continue
    return None


class ComputeHandlers:
    """Mixed into :class:`~firecrest.testing.emulator.FirecrestApp`."""

    def _task_created(self, task: Any) -> Response:
        return json_response({"success": "Task created", "task_id": task.task_id,
                              "task_url": f"/tasks/{task.task_id}"}, 201)

    def _in_progress_until_due(self, task: Any) -> float:
        """Plan 100 (queued) -> 101 (in progress) halfway; return when the task is due to finish."""
        started = self.clock()  # type: ignore[attr-defined]
        halfway = started + self.task_seconds / 2  # type: ignore[attr-defined]
        self.tasks.schedule(task, halfway, lambda t: t.set("101", "In progress", at=halfway))  # type: ignore[attr-defined]
        return started + self.task_seconds  # type: ignore[attr-defined]

    def _compute_task(self, request: Request, cluster: Any, work: Callable[[], Any], status: int = 201) -> Response:
        """A task that finishes after ``task_seconds`` with ``work()``'s result (or its error)."""
        user = request.environ["firecrest.user"]
        task = self.tasks.create(user, "compute", cluster.name, self.clock())  # type: ignore[attr-defined]

        def finish(t: Any) -> None:
            try:
                t.set("200", work(), at=due)
            except SbatchError as exc:
                t.set("400", str(exc), at=due)

        due = self._in_progress_until_due(task)
        self.tasks.schedule(task, due, finish)  # type: ignore[attr-defined]
        response = self._task_created(task)
        response.status_code = status
        return response

    def _env(self, request: Request) -> Dict[str, str]:
        text = request.form.get("env")
        if not text:
            return {}
        try:
            env = json.loads(text)
        except ValueError:
            env = None
        if not isinstance(env, dict):
            raise Reply(400, {"error": "'env' parameter format is not valid. It should be a JSON dictionary"})
        return {str(k): str(v) for k, v in env.items()}

    def compute_submit_upload(self, request: Request) -> Response:
        cluster = self.machine(request, "Error submitting job")  # type: ignore[attr-defined]
        user = request.environ["firecrest.user"]
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise Reply(400, {"error": "No batch file given"}, {"X-sbatch-error": "No batch file given"})
        env = self._env(request)
        account = request.form.get("account") or None
        script = upload.stream.read()
        task = self.tasks.create(user, "compute", cluster.name, self.clock())  # type: ignore[attr-defined]
        directory = f"/home/{user}/firecrest/{task.task_id}"
        path = f"{directory}/{posixpath.basename(upload.filename)}"
        try:
            cluster.fs.mkdir(directory, user, parents=True)
            cluster.fs.write(path, user, Blob.of(script, cluster.fs.spool_dir), mode=0o755)
        except FsError as exc:
            raise Reply(400, {"error": str(exc)}, {"X-sbatch-error": str(exc)}) from None
        due = self._in_progress_until_due(task)

        def finish(t: Any) -> None:
            try:
                job = cluster.scheduler.submit(user, script.decode("utf-8", "replace"), path, account, env)
                t.set("200", self._submitted(job), at=due)
            except SbatchError as exc:
                t.set("400", str(exc), at=due)

        self.tasks.schedule(task, due, finish)  # type: ignore[attr-defined]
        return self._task_created(task)

    @staticmethod
    def _submitted(job: Any) -> Dict[str, Any]:
        return {"result": "Job submitted", "jobid": job.jobid, "job_file": job.script_path,
                "job_file_out": job.out_path, "job_file_err": job.err_path, "job_data_out": "", "job_data_err": ""}

    def compute_submit_path(self, request: Request) -> Response:
        cluster = self.machine(request, "Error submitting job")  # type: ignore[attr-defined]
        user = request.environ["firecrest.user"]
        target = request.form.get("targetPath")
        problem = validate_input(target)
        if problem:
            raise Reply(400, {"error": f"'targetPath' {problem}"})
        path = cluster.fs.absolute(target, f"/home/{user}")
        env = self._env(request)
        account = request.form.get("account") or None

        def work() -> Dict[str, Any]:
            try:
                script = cluster.fs.read(path, user, "sbatch").read().decode("utf-8", "replace")
            except FsError:
                raise SbatchError(f"sbatch: error: Unable to open file {target}") from None
            return self._submitted(cluster.scheduler.submit(user, script, path, account, env))

        return self._compute_task(request, cluster, work)

    def _ids(self, request: Request, name: str) -> Optional[List[str]]:
        text = request.args.get(name)
        if not text:
            return None
        return [t.strip() for t in text.split(",") if t.strip()]

    def compute_jobs(self, request: Request, jobid: Optional[str] = None) -> Response:
        cluster = self.machine(request, "Error listing jobs")  # type: ignore[attr-defined]
        user = request.environ["firecrest.user"]
        if request.method == "DELETE":
            return self._compute_task(request, cluster, lambda: cluster.scheduler.cancel(user, jobid), status=200)
        wanted = [jobid] if jobid else self._ids(request, "jobs")
        size, number = request.args.get("pageSize"), request.args.get("pageNumber")

        def work() -> Dict[str, Any]:
            found = cluster.scheduler.active(user, wanted)
            if jobid and not found:
                raise SbatchError("slurm_load_jobs error: Invalid job id specified")
            if size and size.isdigit() and int(size) > 0:
                first = int(number) * int(size) if number and number.isdigit() else 0
                found = found[first:first + int(size)]
            return {str(i): record for i, record in enumerate(found)}

        return self._compute_task(request, cluster, work, status=200)

    def compute_acct(self, request: Request) -> Response:
        cluster = self.machine(request, "Error listing accounting")  # type: ignore[attr-defined]
        user = request.environ["firecrest.user"]
        wanted = self._ids(request, "jobs")
        start, end = parse_when(request.args.get("starttime")), parse_when(request.args.get("endtime"))
        size, number = request.args.get("pageSize"), request.args.get("pageNumber")

        def work() -> List[Dict[str, str]]:
            found = cluster.scheduler.accounting(user, wanted, start, end)
            if size and size.isdigit() and int(size) > 0:
                first = int(number) * int(size) if number and number.isdigit() else 0
                found = found[first:first + int(size)]
            return found

        return self._compute_task(request, cluster, work, status=200)

    def compute_show(self, request: Request, kind: str, name: Optional[str] = None) -> Response:
        cluster = self.machine(request, f"Error listing {kind}")  # type: ignore[attr-defined]
        param = "reservations" if kind == "reservations" and "reservations" in request.args else \
            ("partitions" if kind == "reservations" else kind)
        names = [name] if name else self._ids(request, param)
        return self._compute_task(request, cluster, lambda: cluster.scheduler.show(kind, names), status=200)

    # ------------------------------------------------------------------ /reservations
    def reservations(self, request: Request, reservation: Optional[str] = None) -> Response:
        cluster = self.machine(request, "Error on reservations")  # type: ignore[attr-defined]
        book: Dict[str, Dict[str, str]] = cluster.reservation_book
        if request.method == "GET":
            return json_response({"success": list(book.values())})
        if request.method == "DELETE":
            if reservation not in book:
                raise self._reservation_error("deleting", reservation or "",
                                              f"Error: {reservation} doesn't seem to be a valid reservation")
            del book[reservation]
            cluster.scheduler.reservations = [r for r in cluster.scheduler.reservations
                                              if r["ReservationName"] != reservation]
            return json_response(None, 204)
        name = reservation if request.method == "PUT" else request.form.get("reservation")
        verb = "updating" if request.method == "PUT" else "creating"
        fields = {k: request.form.get(k) for k in ("account", "numberOfNodes", "nodeType", "starttime", "endtime")}
        for key in (["reservation"] if request.method == "POST" else []) + ["numberOfNodes", "nodeType",
                                                                             "starttime", "endtime"]:
            value = name if key == "reservation" else fields[key]
            if validate_input(value):
                raise Reply(400, {"error": f"Error {verb} reservation {name}",
                                  "description": f"'{key}' {validate_input(value)}"})
        if request.method == "POST" and name in book:
            raise self._reservation_error(verb, name, f"Error: Duplicate reservation name {name}")
        if request.method == "PUT" and name not in book:
            raise self._reservation_error(verb, name or "", f"Error: {name} doesn't seem to be a valid reservation")
        times = []
        for key in ("starttime", "endtime"):
            try:
                times.append(calendar.timegm(time.strptime(fields[key], "%Y-%m-%dT%H:%M:%S")))
            except ValueError:
                raise self._reservation_error(verb, name, f"Error: invalid {key[:-4]} time reservation") from None
        if times[1] <= times[0]:
            raise self._reservation_error(verb, name, "Error: end time must be after start time")
        if not re.fullmatch(r"\d+", fields["numberOfNodes"] or ""):
            raise self._reservation_error(verb, name, "Error: invalid number of nodes")
        record = {"reservationname": name, "starttime": fields["starttime"], "endtime": fields["endtime"],
                  "duration": f"{(times[1] - times[0]) // 60} minutes", "nodes": "nid00000[1-2]",
                  "nodecnt": fields["numberOfNodes"], "corecnt": str(int(fields["numberOfNodes"]) * 128),
                  "features": fields["nodeType"], "partitionname": "normal", "flags": "SPEC_NODES",
                  "users": request.environ["firecrest.user"], "accounts": fields["account"] or "",
                  "licenses": "(null)", "state": "INACTIVE", "burstbuffer": "(null)", "watts": "n/a"}
        book[name] = record
        cluster.scheduler.reservations = [r for r in cluster.scheduler.reservations if r["ReservationName"] != name]
        cluster.scheduler.reservations.append({"ReservationName": name, "State": "INACTIVE", "Nodes": record["nodes"],
                                               "StartTime": record["starttime"], "EndTime": record["endtime"],
                                               "Features": record["features"]})
        if request.method == "POST":
            return json_response({"success": f"Reservation created: {name}"}, 201)
        return json_response({"success": f"Reservation {name} updated"}, 200)

    @staticmethod
    def _reservation_error(verb: str, name: str, description: str) -> Reply:
        return Reply(400, {"error": f"Error {verb} reservation {name}", "description": description},
                     {"X-Error": description})
