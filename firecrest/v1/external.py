"""Staged (external) transfers through the object store: ``ExternalUpload``, ``ExternalDownload``.

The objects follow the FirecREST task that moves the file between the cluster and the object
store (status 110-115 for uploads, 116-118 for downloads). Reading ``status``, ``in_progress``
or ``data`` polls the task once; ``object_storage_data`` polls until the presigned form (111)
or link (117) is ready.

Unlike pyfirecrest, :meth:`ExternalUpload.finish_upload` sends the presigned form itself,
streamed from the file with a progress bar (no ``curl`` subprocess) and can wait until the file
has reached the cluster (114); :meth:`ExternalDownload.finish_download` streams to a temporary
file renamed when complete, resumes a dropped connection with ``Range`` and checks the size.
Presigned URLs live on the object store's origin: the client's token is never sent there.

The same classes serve the async client, where every member that talks to the server returns
an awaitable (``await download.status``, ``await upload.finish_upload()``).
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, FrozenSet, Generator, List, Mapping, Optional, Union
from urllib.parse import unquote

from ..exceptions import StorageDownloadException, StorageUploadException
from . import _ops
from ._steps import Context, DownloadFile, Sleep, UploadFile
from ._ops import version_tuple

__all__ = ["ExternalStorage", "ExternalUpload", "ExternalDownload", "AsyncExternalStorage",
           "AsyncExternalUpload", "AsyncExternalDownload"]

Op = Generator[Any, Any, Any]

#: Longest wait between two polls of ``object_storage_data`` and ``wait`` (upstream: every second);
#: the first wait is ``FIRST_POLL_SECONDS``, doubling from there.
STAGING_POLL_SECONDS = 1.0
FIRST_POLL_SECONDS = 0.1


class ExternalStorage:
    """A staged transfer, followed through its FirecREST task."""

    _final_states: FrozenSet[str] = frozenset()

    def __init__(self, client: Any, task_id: str, previous_responses: Optional[List[Any]] = None) -> None:
        self._client = client
        self._task_id = task_id
        self._responses: List[Any] = list(previous_responses or [])
        self._status: Optional[str] = None
        self._data: Any = None
        self._object_storage_data: Any = None
        #: seconds between polls while waiting for the object store; tests shorten it
        self.poll_seconds = STAGING_POLL_SECONDS

    @property
    def client(self) -> Any:
        """The client used to follow the task."""
        return self._client

    @property
    def task_id(self) -> str:
        return self._task_id

    # ----------------------------------------------------------------- operations
    def _update(self, ctx: Context) -> Op:
        if self._status in self._final_states:
            return
        task = yield from _ops.task_safe(ctx, self._task_id)
        self._status = task["status"]
        self._data = task["data"]
        ctx.log(logging.INFO, f"task {self._task_id} has status {self._status}")
        if not self._object_storage_data:
            if self._status == "111":
                self._object_storage_data = task["data"]["msg"]
            elif self._status == "117":
                self._object_storage_data = task["data"]

    def _read(self, ctx: Context, attribute: str) -> Op:
        yield from self._update(ctx)
        if attribute == "in_progress":
            return self._status not in self._final_states
        return getattr(self, "_" + attribute)

    def _pauses(self) -> Any:
        """Waits between polls: from 0.1 s doubling up to ``poll_seconds`` (upstream: always 1 s)."""
        pause = min(FIRST_POLL_SECONDS, self.poll_seconds)
        while True:
            yield pause
            pause = min(pause * 2, self.poll_seconds)

    def _storage_data(self, ctx: Context) -> Op:
        if not self._object_storage_data:
            yield from self._update(ctx)
        pauses = self._pauses()
        while not self._object_storage_data:
            yield Sleep(next(pauses))
            yield from self._update(ctx)
        return self._object_storage_data

    def _run(self, op: Any, *args: Any) -> Any:
        return self._client._run(op, *args, history=self._responses)

    # ----------------------------------------------------------------- public members
    @property
    def status(self) -> Any:
        """The task's status code (a string such as ``"117"``); polls the task once."""
        return self._run(self._read, "status")

    @property
    def in_progress(self) -> Any:
        """False once the transfer has ended, successfully or not; polls the task once."""
        return self._run(self._read, "in_progress")

    @property
    def data(self) -> Any:
        """The task's ``data`` from the latest poll."""
        return self._run(self._read, "data")

    @property
    def object_storage_data(self) -> Any:
        """The presigned form (uploads) or link record (downloads); blocks until it is ready."""
        return self._run(self._storage_data)


def _form_parameters(form: Mapping[str, Any]) -> Dict[str, Any]:
    """The request the object store's form describes. Current servers wrap it in
    ``parameters``; older s3v2 storage gave a flat record (``url``, ``method``,
    ``AWSAccessKeyId``, ``Signature`` already percent-encoded, ``Expires``, ``sourcepath``)."""
    if isinstance(form.get("parameters"), Mapping):
        return dict(form["parameters"])
    if "url" not in form:
        raise ValueError("the upload form has neither 'parameters' nor a 'url'")
    params = {name: form[name] for name in ("AWSAccessKeyId", "Signature", "Expires") if name in form}
    if "Signature" in params:
        params["Signature"] = unquote(str(params["Signature"]))  # sent percent-encoded again
    return {"method": form.get("method", "PUT"), "url": form["url"], "params": params,
            "files": form.get("sourcepath")}


class ExternalUpload(ExternalStorage):
    """An upload through the object store. Final states: 114 (on the cluster) and 115 (failed).

    | status | meaning |
    |---|---|
    | 110 | waiting for the form URL from the object store |
    | 111 | form URL received: call :meth:`finish_upload` |
    | 112 | the object store confirms the upload |
    | 113 | copy from the object store to the cluster started |
    | 114 | the file is on the cluster |
    | 115 | the copy to the cluster failed |
    """

    _final_states = frozenset({"114", "115"})

    def __init__(self, client: Any, task_id: str, previous_responses: Optional[List[Any]] = None,
                 source_path: Optional[str] = None) -> None:
        super().__init__(client, task_id, previous_responses)
        self._source_path = source_path

    def _finish(self, ctx: Context, progress: Any, wait: bool) -> Op:
        form = yield from self._storage_data(ctx)
        parameters = _form_parameters(form)
        source = self._source_path or parameters.get("files")
        if not source:
            raise ValueError("the upload form names no local file; pass it to external_upload()")
        method = str(parameters.get("method", "POST")).upper()
        if method not in ("POST", "PUT"):
            raise ValueError(f"the object store asks for a {method} upload; POST forms and PUT URLs are supported")
        ctx.log(logging.INFO, f"uploading {source} to the staging area ({method})")
        # POST: a multipart form (s3v4); PUT: the file as the body of a presigned URL (s3v2, swift)
        yield UploadFile(source, url=parameters["url"], fields=parameters.get("data") or {}, expect=None,
                         error_class=StorageUploadException, progress=progress, decode=False,
                         filename=os.path.basename(str(source)), method=method, multipart=method == "POST",
                         params=parameters.get("params") or {},
                         # a presigned PUT is signed with the Content-Type it must carry: none
                         headers={**({"Content-Type": None} if method == "PUT" else {}),
                                  **(parameters.get("headers") or {})})
        if wait:
            yield from self._wait_until(ctx, "114")
        return None

    def _wait_until(self, ctx: Context, final: str) -> Op:
        yield from self._update(ctx)
        pauses = self._pauses()
        while self._status not in self._final_states:
            yield Sleep(next(pauses))
            yield from self._update(ctx)
        return self._status

    def finish_upload(self, progress: Any = None, wait: bool = False) -> Any:
        """Upload the file to the staging area (streamed, from Python; no ``curl``).

        ``progress``: ``None`` shows a bar on a terminal, ``True``/``False`` always/never, or a
        callable ``f(done_bytes, total_bytes)``. The file reaches the cluster only later (status
        114); ``wait=True`` returns only then, raising ``StorageUploadException`` on 115.
        """
        return self._run(self._finish, progress, wait)

    def wait(self) -> Any:
        """Block until the file is on the cluster (114); raises ``StorageUploadException`` on 115."""
        return self._run(self._wait_until, "114")


class ExternalDownload(ExternalStorage):
    """A download through the object store. Final states: 117 (link ready) and 118 (failed).

    | status | meaning |
    |---|---|
    | 116 | copy from the cluster to the object store started |
    | 117 | the file is in the object store: :meth:`finish_download` |
    | 118 | the copy failed |
    """

    _final_states = frozenset({"117", "118"})

    def _link(self, ctx: Context) -> Op:
        data = yield from self._storage_data(ctx)
        version = yield from _ops.api_version(ctx)
        if version_tuple(version) > (1, 13, 0):
            return data["url"]
        return data

    def _download(self, ctx: Context, target: Any, progress: Any) -> Op:
        url = yield from self._link(ctx)
        ctx.log(logging.INFO, f"downloading task {self._task_id}'s file from the staging area")
        yield DownloadFile(target, url=url, progress=progress, error_class=StorageDownloadException)
        return None

    @property
    def object_storage_link(self) -> Any:
        """The presigned download URL (blocks until the file is staged)."""
        return self._run(self._link)

    def finish_download(self, target_path: Union[str, "os.PathLike[str]", Any], progress: Any = None) -> Any:
        """Stream the staged file to ``target_path`` (a path, written atomically, or a binary file
        object); a dropped connection is resumed, and a short body raises instead of leaving a
        truncated file. ``progress`` as for :meth:`ExternalUpload.finish_upload`."""
        return self._run(self._download, target_path, progress)

    def invalidate_object_storage_link(self) -> Any:
        """Make the presigned link unusable (``POST /storage/xfer-external/invalidate``)."""
        return self._client._run(_ops.invalidate, self._task_id)


class AsyncExternalStorage(ExternalStorage):
    """Async twin of :class:`ExternalStorage`: members that poll return awaitables."""


class AsyncExternalUpload(ExternalUpload, AsyncExternalStorage):
    """Async twin of :class:`ExternalUpload` (``await up.finish_upload()``)."""


class AsyncExternalDownload(ExternalDownload, AsyncExternalStorage):
    """Async twin of :class:`ExternalDownload` (``await down.finish_download(path)``)."""
