"""The public FirecREST v1 methods, shared by the sync and the async client.

Each method hands its operation (from :mod:`._ops`) to ``self._run``: the sync client returns
the result, the async client wraps every method in a coroutine function of the same signature.
"""
from __future__ import annotations

import os
from io import BytesIO
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from . import _ops

PathOrFile = Union[str, "os.PathLike[str]", BytesIO, Any]


class FirecrestMethods:
    """Status, utilities, compute, storage and reservation calls of the FirecREST v1 API."""

    # provided by the concrete client
    def _run(self, op: Callable[..., Any], *args: Any, history: Optional[List[Any]] = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    def _then(self, result: Any, fn: Callable[[Any], Any]) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    def _external(self, kind: str, task_id: str, history: List[Any], source_path: Optional[str] = None) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    # ------------------------------------------------------------------ status
    def all_services(self) -> List[Dict[str, Any]]:
        """Every microservice with its status. :calls: GET ``/status/services``"""
        return self._run(_ops.all_services)

    def service(self, service_name: str) -> Dict[str, Any]:
        """One microservice. :calls: GET ``/status/services/{service_name}``"""
        return self._run(_ops.service, service_name)

    def all_systems(self) -> List[Dict[str, Any]]:
        """Every system with its status. :calls: GET ``/status/systems``"""
        return self._run(_ops.all_systems)

    def system(self, system_name: str) -> Dict[str, Any]:
        """One system. :calls: GET ``/status/systems/{system_name}``"""
        return self._run(_ops.system, system_name)

    def parameters(self) -> Dict[str, Any]:
        """The deployment's parameters (``general``, ``compute``, ``utilities``, ``storage``); also
        teaches the client the server's API version. :calls: GET ``/status/parameters``"""
        return self._run(_ops.parameters)

    def filesystems(self, system_name: Optional[str] = None) -> Dict[str, List[Dict[str, Any]]]:
        """``{system: [filesystem, ...]}``, for every system or one. FirecREST >= 1.15.0.
        :calls: GET ``/status/filesystems[/{system_name}]``"""
        return self._run(_ops.filesystems, system_name)

    # ------------------------------------------------------------------ utilities
    def list_files(self, machine: str, target_path: str, show_hidden: bool = False,
                   recursive: bool = False) -> List[Dict[str, Any]]:
        """Directory entries (``name, type, link_target, user, group, permissions, last_modified,
        size``); ``recursive`` needs FirecREST >= 1.16.0. :calls: GET ``/utilities/ls``"""
        return self._run(_ops.list_files, machine, target_path, show_hidden, recursive)

    def mkdir(self, machine: str, target_path: str, p: Optional[bool] = None) -> str:
        """Create a directory (``p``: parents too, no error if it exists); returns ``target_path``.
        :calls: POST ``/utilities/mkdir``"""
        return self._run(_ops.mkdir, machine, target_path, p)

    def mv(self, machine: str, source_path: str, target_path: str) -> str:
        """Rename or move; returns ``target_path``. :calls: PUT ``/utilities/rename``"""
        return self._run(_ops.mv, machine, source_path, target_path)

    def chmod(self, machine: str, target_path: str, mode: str) -> None:
        """Change mode bits (numeric, as ``chmod``). :calls: PUT ``/utilities/chmod``"""
        return self._run(_ops.chmod, machine, target_path, mode)

    def chown(self, machine: str, target_path: str, owner: Optional[str] = None,
              group: Optional[str] = None) -> None:
        """Change owner and/or group; nothing is sent when both are None. :calls: PUT ``/utilities/chown``"""
        return self._run(_ops.chown, machine, target_path, owner, group)

    def copy(self, machine: str, source_path: str, target_path: str) -> str:
        """Copy; returns ``target_path``. :calls: POST ``/utilities/copy``"""
        return self._run(_ops.copy, machine, source_path, target_path)

    def compress(self, machine: str, source_path: str, target_path: str, dereference: bool = False,
                 fail_on_timeout: bool = True) -> str:
        """``tar -czf``; returns ``target_path``. With ``fail_on_timeout=False`` a server-side
        timeout runs the compression as a job instead. FirecREST >= 1.16.0.
        :calls: POST ``/utilities/compress``"""
        return self._run(_ops.compress, machine, source_path, target_path, dereference, fail_on_timeout)

    def extract(self, machine: str, source_path: str, target_path: str, extension: str = "auto",
                fail_on_timeout: bool = True) -> str:
        """Extract an archive (``auto``, ``.zip``, ``.tar``, ``.tgz``, ``.gz``, ``.bz2``); returns
        ``target_path``. FirecREST >= 1.16.0. :calls: POST ``/utilities/extract``"""
        return self._run(_ops.extract, machine, source_path, target_path, extension, fail_on_timeout)

    def file_type(self, machine: str, target_path: str) -> str:
        """What ``file -b`` says about the path. :calls: GET ``/utilities/file``"""
        return self._run(_ops.file_type, machine, target_path)

    def stat(self, machine: str, target_path: str, dereference: bool = False) -> Dict[str, int]:
        """``{mode, ino, dev, nlink, uid, gid, size, atime, mtime, ctime}``. :calls: GET ``/utilities/stat``"""
        return self._run(_ops.stat, machine, target_path, dereference)

    def symlink(self, machine: str, target_path: str, link_path: str) -> str:
        """Create ``link_path`` pointing at ``target_path``; returns ``target_path`` (as upstream).
        :calls: POST ``/utilities/symlink``"""
        return self._run(_ops.symlink, machine, target_path, link_path)

    def simple_download(self, machine: str, source_path: str, target_path: PathOrFile) -> None:
        """Download a small file to a path (written atomically) or a binary file object.
        :calls: GET ``/utilities/download``"""
        return self._run(_ops.simple_download, machine, source_path, target_path)

    def simple_upload(self, machine: str, source_path: PathOrFile, target_path: str,
                      filename: Optional[str] = None) -> None:
        """Upload a small file (path or binary file object) into the directory ``target_path``.
        :calls: POST ``/utilities/upload``"""
        return self._run(_ops.simple_upload, machine, source_path, target_path, filename)

    def simple_delete(self, machine: str, target_path: str) -> None:
        """Remove a file or directory (recursively). :calls: DELETE ``/utilities/rm``"""
        return self._run(_ops.simple_delete, machine, target_path)

    def checksum(self, machine: str, target_path: str) -> str:
        """SHA-256 of the file. :calls: GET ``/utilities/checksum``"""
        return self._run(_ops.checksum, machine, target_path)

    def head(self, machine: str, target_path: str, bytes: Optional[Any] = None, lines: Optional[Any] = None,
             skip_ending: bool = False) -> str:
        """The first lines (10 by default) or bytes; ``skip_ending``: all but the last ones.
        :calls: GET ``/utilities/head``"""
        return self._run(_ops.head, machine, target_path, bytes, lines, skip_ending)

    def tail(self, machine: str, target_path: str, bytes: Optional[Any] = None, lines: Optional[Any] = None,
             skip_beginning: bool = False) -> str:
        """The last lines (10 by default) or bytes; ``skip_beginning``: from that one on.
        :calls: GET ``/utilities/tail``"""
        return self._run(_ops.tail, machine, target_path, bytes, lines, skip_beginning)

    def view(self, machine: str, target_path: str) -> str:
        """The content of a small text file. :calls: GET ``/utilities/view``"""
        return self._run(_ops.view, machine, target_path)

    def whoami(self, machine: Optional[str] = None) -> Optional[str]:
        """The user name on ``machine``; without a machine, the one the token names.
        :calls: GET ``/utilities/whoami`` (only with a machine)"""
        return self._run(_ops.whoami, machine)

    def groups(self, machine: str) -> Dict[str, Any]:
        """``{user: {name, id}, group: {name, id}, groups: [...]}``. FirecREST >= 1.15.0.
        :calls: GET ``/utilities/whoami?groups=True``"""
        return self._run(_ops.groups, machine)

    # ------------------------------------------------------------------ compute
    def submit(self, machine: str, job_script: Optional[str] = None, local_file: Optional[bool] = True,
               script_str: Optional[str] = None, script_local_path: Optional[str] = None,
               script_remote_path: Optional[str] = None, account: Optional[str] = None,
               env_vars: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Submit a batch script given as a string, a local file or a file on the machine, and
        wait for the scheduler's answer (``jobid``, ``job_file``, ``job_file_out``...).
        :calls: POST ``/compute/jobs/upload`` or ``/compute/jobs/path``, then GET ``/tasks``"""
        return self._run(_ops.submit, machine, job_script, local_file, script_str, script_local_path,
                         script_remote_path, account, env_vars)

    def poll(self, machine: str, jobs: Optional[Sequence[Any]] = None, start_time: Optional[str] = None,
             end_time: Optional[str] = None, page_size: Optional[int] = None,
             page_number: Optional[int] = None) -> List[Dict[str, Any]]:
        """Accounting records (``sacct``) of jobs. :calls: GET ``/compute/acct``, then GET ``/tasks``"""
        return self._run(_ops.poll, machine, jobs, start_time, end_time, page_size, page_number)

    def poll_active(self, machine: str, jobs: Optional[Sequence[Any]] = None, page_size: Optional[int] = None,
                    page_number: Optional[int] = None) -> List[Dict[str, Any]]:
        """Queued and running jobs (``squeue``). :calls: GET ``/compute/jobs``, then GET ``/tasks``"""
        return self._run(_ops.poll_active, machine, jobs, page_size, page_number)

    def nodes(self, machine: str, nodes: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """Compute nodes (``scontrol show nodes``). FirecREST >= 1.16.0. :calls: GET ``/compute/nodes``"""
        return self._run(_ops.nodes, machine, nodes)

    def partitions(self, machine: str, partitions: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """Partitions. FirecREST >= 1.16.0. :calls: GET ``/compute/partitions``"""
        return self._run(_ops.partitions, machine, partitions)

    def reservations(self, machine: str, reservations: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """Scheduler reservations. FirecREST >= 1.16.0. :calls: GET ``/compute/reservations``"""
        return self._run(_ops.reservations, machine, reservations)

    def cancel(self, machine: str, job_id: Union[str, int]) -> str:
        """Cancel a job. :calls: DELETE ``/compute/jobs/{job_id}``, then GET ``/tasks``"""
        return self._run(_ops.cancel, machine, job_id)

    # ------------------------------------------------------------------ storage
    def submit_move_job(self, machine: str, source_path: str, target_path: str, job_name: Optional[str] = None,
                        time: Optional[str] = None, stage_out_job_id: Optional[str] = None,
                        account: Optional[str] = None) -> Dict[str, Any]:
        """Move files in a transfer job. :calls: POST ``/storage/xfer-internal/mv``, then GET ``/tasks``"""
        return self._run(_ops.submit_move_job, machine, source_path, target_path, job_name, time,
                         stage_out_job_id, account)

    def submit_copy_job(self, machine: str, source_path: str, target_path: str, job_name: Optional[str] = None,
                        time: Optional[str] = None, stage_out_job_id: Optional[str] = None,
                        account: Optional[str] = None) -> Dict[str, Any]:
        """Copy files in a transfer job. :calls: POST ``/storage/xfer-internal/cp``, then GET ``/tasks``"""
        return self._run(_ops.submit_copy_job, machine, source_path, target_path, job_name, time,
                         stage_out_job_id, account)

    def submit_rsync_job(self, machine: str, source_path: str, target_path: str, job_name: Optional[str] = None,
                         time: Optional[str] = None, stage_out_job_id: Optional[str] = None,
                         account: Optional[str] = None) -> Dict[str, Any]:
        """rsync in a transfer job. :calls: POST ``/storage/xfer-internal/rsync``, then GET ``/tasks``"""
        return self._run(_ops.submit_rsync_job, machine, source_path, target_path, job_name, time,
                         stage_out_job_id, account)

    def submit_delete_job(self, machine: str, target_path: str, job_name: Optional[str] = None,
                          time: Optional[str] = None, stage_out_job_id: Optional[str] = None,
                          account: Optional[str] = None) -> Dict[str, Any]:
        """``rm -rf`` in a transfer job. :calls: POST ``/storage/xfer-internal/rm``, then GET ``/tasks``"""
        return self._run(_ops.submit_delete_job, machine, target_path, job_name, time, stage_out_job_id, account)

    def submit_compress_job(self, machine: str, source_path: str, target_path: str, dereference: bool = False,
                            job_name: Optional[str] = None, time: Optional[str] = None,
                            stage_out_job_id: Optional[str] = None, account: Optional[str] = None) -> Dict[str, Any]:
        """Compress in a transfer job. FirecREST >= 1.16.0.
        :calls: POST ``/storage/xfer-internal/compress``, then GET ``/tasks``"""
        return self._run(_ops.submit_compress_job, machine, source_path, target_path, dereference, job_name,
                         time, stage_out_job_id, account)

    def submit_extract_job(self, machine: str, source_path: str, target_path: str,
                           extension: Optional[str] = "auto", job_name: Optional[str] = None,
                           time: Optional[str] = None, stage_out_job_id: Optional[str] = None,
                           account: Optional[str] = None) -> Dict[str, Any]:
        """Extract in a transfer job. FirecREST >= 1.16.0.
        :calls: POST ``/storage/xfer-internal/extract``, then GET ``/tasks``"""
        return self._run(_ops.submit_extract_job, machine, source_path, target_path, extension, job_name, time,
                         stage_out_job_id, account)

    def external_upload(self, machine: str, source_path: str, target_path: str) -> Any:
        """Start an upload through the object store; returns an ``ExternalUpload`` (call its
        ``finish_upload()``). :calls: POST ``/storage/xfer-external/upload``"""
        return self._then(self._run(_ops.external_upload, machine, source_path, target_path),
                          lambda created: self._external("upload", created[0], created[1], source_path))

    def external_download(self, machine: str, source_path: str) -> Any:
        """Start a download through the object store; returns an ``ExternalDownload`` (call its
        ``finish_download(path)``). :calls: POST ``/storage/xfer-external/download``"""
        return self._then(self._run(_ops.external_download, machine, source_path),
                          lambda created: self._external("download", created[0], created[1]))

    # ------------------------------------------------------------------ reservations
    def all_reservations(self, machine: str) -> List[Dict[str, Any]]:
        """Active reservations. :calls: GET ``/reservations``"""
        return self._run(_ops.all_reservations, machine)

    def create_reservation(self, machine: str, reservation: str, account: str, number_of_nodes: str,
                           node_type: str, start_time: str, end_time: str) -> None:
        """Create a reservation (times as ``YYYY-MM-DDTHH:MM:SS``). :calls: POST ``/reservations``"""
        return self._run(_ops.create_reservation, machine, reservation, account, number_of_nodes, node_type,
                         start_time, end_time)

    def update_reservation(self, machine: str, reservation: str, account: str, number_of_nodes: str,
                           node_type: str, start_time: str, end_time: str) -> None:
        """Update a reservation. :calls: PUT ``/reservations/{reservation}``"""
        return self._run(_ops.update_reservation, machine, reservation, account, number_of_nodes, node_type,
                         start_time, end_time)

    def delete_reservation(self, machine: str, reservation: str) -> None:
        """Delete a reservation. :calls: DELETE ``/reservations/{reservation}``"""
        return self._run(_ops.delete_reservation, machine, reservation)

    # ------------------------------------------------------------------ tasks
    def _tasks(self, task_ids: Optional[List[str]] = None) -> Dict[str, Dict[str, Any]]:
        """``{task_id: task}`` for the given tasks (all of the user's when empty). :calls: GET ``/tasks``"""
        return self._run(_ops.tasks, task_ids)


#: Names of the public methods above (the async client wraps each in a coroutine function).
PUBLIC_METHODS = tuple(name for name, value in vars(FirecrestMethods).items()
                       if callable(value) and (not name.startswith("_") or name == "_tasks")
                       and name not in ("_run", "_then", "_external"))
