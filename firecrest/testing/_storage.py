"""The emulator's ``/storage`` endpoints: internal transfer jobs on the ``xfer`` partition, and
staged transfers through the emulated object store (status 110-115 up, 116-118 down)."""
from __future__ import annotations

import posixpath
import shlex
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from ._http import Reply, json_response, validate_input
from .blobs import Blob
from .scheduler import SbatchError
from .vfs import FsError, classify

#: Seconds a presigned URL stays valid (``STORAGE_TEMPURL_EXP_TIME``).
TEMPURL_SECONDS = 604800


class StorageHandlers:
    """Mixed into :class:`~firecrest.testing.emulator.FirecrestApp`."""

    staging_seconds: float
    staging_bytes_per_second: float

    # ------------------------------------------------------------------ internal transfers
    def xfer_internal(self, request: Request, kind: str) -> Response:
        cluster = self.machine(request, f"Error on {kind} operation")  # type: ignore[attr-defined]
        user = request.environ["firecrest.user"]
        fs = cluster.fs
        home = f"/home/{user}"
        form = request.form
        needs_source = kind != "rm"
        names = (["sourcePath"] if needs_source else []) + ["targetPath"]
        paths: Dict[str, str] = {}
        for name in names:
            problem = validate_input(form.get(name))
            if problem:
                raise Reply(400, {"error": f"'{name}' {problem}"})
            paths[name] = fs.absolute(form[name], home)
        source, target = paths.get("sourcePath", ""), paths["targetPath"]
        job_name = form.get("jobName") or f"{kind}-job"
        options = {"job-name": job_name, "partition": "xfer"}
        if form.get("time"):
            options["time"] = form["time"]
        if form.get("stageOutJobId"):
            options["dependency"] = f"afterok:{form['stageOutJobId']}"
        account = form.get("account") or None
        deref = form.get("dereference", "False") == "True"
        extension = form.get("extension") or "auto"
        command = {
            "mv": f"mv --force -- {shlex.quote(source)} {shlex.quote(target)}",
            "cp": f"cp --force -dR --preserve=all -- {shlex.quote(source)} {shlex.quote(target)}",
            "rsync": f"rsync -av -- {shlex.quote(source)} {shlex.quote(target)}",
            "rm": f"rm -rf -- {shlex.quote(target)}",
            "compress": f"tar -czf {shlex.quote(target)} -C {shlex.quote(posixpath.dirname(source))} "
                        f"{shlex.quote(posixpath.basename(source))}",
            "extract": f"tar -xf {shlex.quote(source)} -C {shlex.quote(target)}",
        }[kind]

        def action(job: Any) -> Tuple[bool, str]:
            try:
                if kind == "mv":
                    fs.rename(source, target, user)
                elif kind in ("cp", "rsync"):
                    fs.copy(source, target, user)
                elif kind == "rm":
                    if fs.exists(target, user):
                        fs.remove(target, user)
                elif kind == "compress":
                    fs.compress(source, target, user, deref)
                else:
                    fs.extract(source, target, user, extension)
            except FsError as exc:
                return False, str(exc)
            return True, ""

        task = self.tasks.create(user, "storage", cluster.name, self.clock())  # type: ignore[attr-defined]
        due = self.clock() + self.task_seconds  # type: ignore[attr-defined]

        def finish(t: Any) -> None:
            directory = f"{home}/firecrest/{t.task_id}"
            script = (f"#!/bin/bash -l\n#SBATCH --job-name='{job_name}'\n#SBATCH --output=res_%j.out\n"
                      f"#SBATCH --error=res_%j.err\n#SBATCH --partition=xfer\n\necho -e \"$SLURM_JOB_NAME started on $(date)\"\n"
                      f"{command}\n")
            try:
                fs.mkdir(directory, user, parents=True)
                path = f"{directory}/sbatch-job.sh"
                fs.write(path, user, Blob.of(script.encode(), fs.spool_dir), mode=0o755)
                submit_options = dict(options, output=f"{directory}/res_%j.out", error=f"{directory}/res_%j.err")
                job = cluster.scheduler.submit(user, '#!/bin/bash -l\necho "$SLURM_JOB_NAME started"\n', path,
                                               account, None, action=action, extra_options=submit_options)
                t.set("200", self._submitted(job), at=due)  # type: ignore[attr-defined]
            except (SbatchError, FsError) as exc:
                t.set("400", str(exc), at=due)

        self.tasks.schedule(task, due, finish)  # type: ignore[attr-defined]
        return self._task_created(task)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ external transfers
    def _staging_delay(self, size: int) -> float:
        rate = self.staging_bytes_per_second
        return self.staging_seconds + (size / rate if rate else 0.0)

    def xfer_upload(self, request: Request) -> Response:
        cluster = self.machine(request, "Error on upload operation")  # type: ignore[attr-defined]
        user = request.environ["firecrest.user"]
        fs = cluster.fs
        for name in ("sourcePath", "targetPath"):
            problem = validate_input(request.form.get(name))
            if problem:
                raise Reply(400, {"error": f"'{name}' {problem}"})
        source = request.form["sourcePath"]
        target = fs.absolute(request.form["targetPath"], f"/home/{user}")
        filename = posixpath.basename(source.rstrip("/")) or "file"
        destination = self._upload_destination(fs, user, target, filename)
        task = self.tasks.create(user, "storage", cluster.name, self.clock(), status="110",  # type: ignore[attr-defined]
                                 data=self._upload_data(user, cluster.name, target, source, "110",
                                                        "Waiting for Form URL from Object Storage to be retrieved"))
        key = f"{task.task_id}/{filename}"
        if self.upload_form == "put":  # type: ignore[attr-defined]
            url, params = self.store.presigned_put(user, key, TEMPURL_SECONDS)  # type: ignore[attr-defined]
            command = f"curl -f --show-error -s -i -X PUT '{url}?{urlencode(params)}' -T '{source}'"
            form = {"command": command,
                    "parameters": {"method": "PUT", "url": url, "data": {}, "files": source, "json": {},
                                   "params": params, "headers": {}}}
        else:
            url, fields = self.store.presigned_post(user, key, TEMPURL_SECONDS)  # type: ignore[attr-defined]
            command = f"curl -f --show-error -s -i -X POST {url}"
            for k, v in fields.items():
                command += f" -F '{k}={v}'"
            command += f" -F file=@{source}"
            form = {"command": command,
                    "parameters": {"method": "POST", "url": url, "data": fields, "files": source, "json": {},
                                   "params": {}, "headers": {}}}

        def form_ready(t: Any) -> None:
            t.set("111", self._upload_data(user, cluster.name, target, source, "111", form), at=ready_at)

        ready_at = self.clock() + self.staging_seconds  # type: ignore[attr-defined]
        self.tasks.schedule(task, ready_at, form_ready)  # type: ignore[attr-defined]

        def uploaded(blob: Blob) -> None:
            with self.lock:  # type: ignore[attr-defined]
                now = self.clock()  # type: ignore[attr-defined]
                task.plan.clear()
                task.set("112", self._upload_data(user, cluster.name, target, source, "112", form), at=now)
                started = now + self.staging_seconds
                done = started + self._staging_delay(blob.size)
                self.tasks.schedule(task, started, lambda t: t.set("113", self._upload_data(  # type: ignore[attr-defined]
                    user, cluster.name, target, source, "113", "Download from Object Storage to server has started"),
                    at=started))

                def copy_in(t: Any) -> None:
                    try:
                        fs.write(destination, user, blob)
                    except FsError as exc:
                        t.set("115", self._upload_data(user, cluster.name, target, source, "115",
                                                       f"Download from Object Storage error: {exc}"), at=done)
                    else:
                        t.set("114", self._upload_data(user, cluster.name, target, source, "114",
                                                       "Download from Object Storage to server has finished"), at=done)
                    self.store.delete(user, key)  # type: ignore[attr-defined]

                self.tasks.schedule(task, done, copy_in)  # type: ignore[attr-defined]

        self.store.expect_upload(user, key, uploaded)  # type: ignore[attr-defined]
        return self._task_created(task)  # type: ignore[attr-defined]

    def _upload_destination(self, fs: Any, user: str, target: str, filename: str) -> str:
        try:
            node, parent, _ = fs._walk(target, user, True, "ls")
        except FsError as exc:
            header, value = classify(str(exc))
            raise Reply(400, {"error": str(exc)}, {header: value}) from None
        if node is not None and node.kind == "d":
            directory, destination = target, posixpath.join(target, filename)
        else:
            directory, destination = posixpath.dirname(target.rstrip("/")) or "/", target
        if not fs.is_dir(directory, user):
            raise Reply(400, {"error": f"{directory} is not a directory"},
                        {"X-Not-A-Directory": "targetPath is not a directory"})
        if not fs._can(fs.lookup(directory, user, "ls"), user, 3):
            raise Reply(400, {"error": f"cannot write to {directory}: Permission denied"},
                        {"X-Permission-Denied": "User does not have permissions to access path"})
        return destination

    @staticmethod
    def _upload_data(user: str, system: str, target: str, source: str, status: str, msg: Any) -> Dict[str, Any]:
        return {"user": user, "msg": msg, "system_name": system, "system_addr": f"{system}.emulated:22",
                "target": target, "source": source, "status": status, "hash_id": "", "trace_id": ""}

    def xfer_download(self, request: Request) -> Response:
        cluster = self.machine(request, "Error on download operation")  # type: ignore[attr-defined]
        user = request.environ["firecrest.user"]
        fs = cluster.fs
        problem = validate_input(request.form.get("sourcePath"))
        if problem:
            raise Reply(400, {"error": f"'sourcePath' {problem}"})
        given = request.form["sourcePath"]
        source = fs.absolute(given, f"/home/{user}")
        try:
            node = fs.lookup(source, user, "stat")
        except FsError as exc:
            if "No such file" in str(exc):
                raise Reply(400, {"error": f"{given} not found"}, {"X-Not-Found": "sourcePath not found"}) from None
            header, value = classify(str(exc))
            raise Reply(400, {"error": str(exc)}, {header: value}) from None
        if node.kind == "d":
            raise Reply(400, {"error": f"{given} is a directory"}, {"X-A-Directory": "sourcePath is a directory"})
        if not fs._can(node, user, 4):
            raise Reply(400, {"error": f"{given}: Permission denied"},
                        {"X-Permission-Denied": "User does not have permissions to access path"})
        task = self.tasks.create(user, "storage", cluster.name, self.clock(), status="116",  # type: ignore[attr-defined]
                                 data={"source": given, "system_name": cluster.name})
        key = f"{task.task_id}/{posixpath.basename(source)}"
        done = self.clock() + self._staging_delay(node.blob.size)  # type: ignore[attr-defined]

        def staged(t: Any) -> None:
            try:
                blob = fs.read(source, user, "cp")
            except FsError as exc:
                t.set("118", {"error": str(exc), "source": given, "system_name": cluster.name}, at=done)
                return
            self.store.put(user, key, blob)  # type: ignore[attr-defined]
            url = self.store.presigned_get(user, key, TEMPURL_SECONDS)  # type: ignore[attr-defined]
            t.set("117", {"url": url, "source": given, "system_name": cluster.name}, at=done)
            cluster.staged[t.task_id] = (user, key)

        self.tasks.schedule(task, done, staged)  # type: ignore[attr-defined]
        return self._task_created(task)  # type: ignore[attr-defined]

    def xfer_invalidate(self, request: Request) -> Response:
        user = request.environ["firecrest.user"]
        task_id = request.headers.get("X-Task-Id")
        if not task_id:
            raise Reply(400, {"error": "Header X-Task-Id missing"})
        task = self.tasks.tasks.get(task_id)  # type: ignore[attr-defined]
        if task is None or task.user != user:
            raise Reply(400, {"error": f"Task {task_id} does not exist"})
        for cluster in self.clusters.values():  # type: ignore[attr-defined]
            staged: Optional[Tuple[str, str]] = cluster.staged.pop(task_id, None)
            if staged is not None:
                self.store.delete(*staged)  # type: ignore[attr-defined]
                return json_response({"success": "URL invalidated"}, 201)
        raise Reply(400, {"error": f"Task {task_id} has no temporary URL"})
