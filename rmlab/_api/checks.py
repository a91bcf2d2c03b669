"""Local checks of upload files, off the event loop, each unchanged file checked once.

    await check_file("model", "pricing_range", "range.json")     # raises DataValidationError

* A file is identified by (path, device, inode, size, mtime): re-uploading an unchanged file (to
  several scenarios, say) does not parse it again, and uploads of the same file awaited
  together share one check.
* Parsing runs in a thread, never on the event loop, so other uploads keep moving meanwhile.
* Parsing holds the interpreter lock (``json.loads`` of a 1 MiB model takes ~30 ms), so when
  several large files (``PROCESS_MIN_BYTES``) are checked at once and the machine has more
  than one core, they are parsed in helper processes (:mod:`rmlab._api.checkworker`, one per
  core, started on first need and reused; starting one costs a few tenths of a second, once):
  32 distinct 1 MiB files then use both cores of a 2-core machine. ``RMLAB_CHECK_PROCESSES=0`` turns the helpers off (``=N``: at most N).
  A single file, or small ones, are parsed in a thread of this process.
"""
from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import stat
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

from ..errors import DataValidationError
from .filecheck import check_file as check_file_here

log = logging.getLogger("rmlab")

__all__ = ["check_file", "CHECKED_FILES", "PROCESS_MIN_BYTES", "NotChecked", "FileCheck"]

#: Files at least this large are worth a helper process when several are checked at once.
PROCESS_MIN_BYTES = 256 * 1024
_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _process_limit() -> int:
    setting = os.environ.get("RMLAB_CHECK_PROCESSES", "").strip()
    cores = os.cpu_count() or 1
    if setting:
        try:
            return max(0, int(setting))
        except ValueError:
            log.warning("RMLAB_CHECK_PROCESSES=%r is not a number; using %d", setting, cores)
    return cores if cores > 1 else 0


FileCheck = Tuple[str, str]  # (what, kind): ("items", category) or ("model", model kind)


class NotChecked(Exception):
    """Raised in a worker thread: the file about to be sent has not passed its check (yet)."""

    def __init__(self, what: str, kind: str, path: str) -> None:
        super().__init__(path)
        self.what, self.kind, self.path = what, kind, path


class _WorkerFailed(Exception):
    """The helper process could not answer; the caller checks in this process instead."""


class _Worker:
    """One helper process (stdin/stdout lines), used by one thread at a time."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen([sys.executable, "-m", "rmlab._api.checkworker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True)

    def ask(self, request: Dict[str, Any]) -> Dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(json.dumps(request).encode("ascii") + b"\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (OSError, ValueError) as exc:
            raise _WorkerFailed(str(exc)) from None
        if not line:
            raise _WorkerFailed(f"helper process ended (exit code {self.proc.poll()})")
        return json.loads(line)

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
            self.proc.wait(2)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


class _Workers:
    """Helper processes, each driven by its own thread of a small pool."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._local = threading.local()
        self._all: List[_Worker] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="rmlab-check-proc")
        self.started = 0
        self.broken = False

    def _worker(self) -> _Worker:
        worker = getattr(self._local, "worker", None)
        if worker is None or worker.proc.poll() is not None:
            dead = worker
            worker = _Worker()
            self._local.worker = worker
            with self._lock:
                if dead is not None and dead in self._all:
                    self._all.remove(dead)
                self._all.append(worker)
                self.started += 1
        return worker

    def _run(self, what: str, kind: str, path: str) -> None:
        worker: Optional[_Worker] = None
        try:
            worker = self._worker()
            reply = worker.ask({"what": what, "kind": kind, "path": path})
        except (_WorkerFailed, OSError) as exc:
            log.debug("check helper failed (%s); checking %s here", exc, path)
            if worker is not None:  # replaced on the next call
                worker.proc.kill()
                worker.proc.wait()
            with self._lock:
                self.broken = self.broken or self.started >= 2 * self.size  # keeps failing: stop using them
            check_file_here(what, kind, path)
            return
        error = reply.get("error")
        if error is None:
            return
        if error == "DataValidationError":
            path_parts = reply.get("path")
            raise DataValidationError(reply.get("reason") or "is not valid", source=reply.get("source"),
                                      line=reply.get("line"), field=reply.get("field"),
                                      path=tuple(path_parts) if path_parts is not None else None)
        if error == "FileNotFoundError":
            raise FileNotFoundError(reply.get("message") or path)
        check_file_here(what, kind, path)  # anything else: raise the real exception from here

    def submit(self, what: str, kind: str, path: str) -> "Future[None]":
        return self._pool.submit(self._run, what, kind, path)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.close()


Key = Tuple[Any, ...]


class CheckedFiles:
    """Which files passed their check (bounded LRU), and the checks under way."""

    def __init__(self, size: int = 256) -> None:
        self._seen: "OrderedDict[Key, bool]" = OrderedDict()
        self._pending: Dict[Key, "Future[None]"] = {}
        self._lock = threading.RLock()
        self._size = size
        self._threads: Optional[ThreadPoolExecutor] = None
        self._workers: Optional[_Workers] = None
        self.parsed = 0  # checks actually run (for tests and benchmarks)

    @staticmethod
    def key_of(what: str, kind: str, path: str, st: os.stat_result) -> Key:
        """The identity of a file checked as ``what``/``kind``, from its stat (or fstat) result."""
        return what, kind, os.path.abspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns

    @classmethod
    def identify(cls, what: str, kind: str, path: str) -> Tuple[Key, int]:
        """The file's identity and size; FileNotFoundError unless it is a regular file."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            raise FileNotFoundError(path) from None
        if not stat.S_ISREG(st.st_mode):
            raise FileNotFoundError(f"{path} is not a regular file")
        return cls.key_of(what, kind, path, st), st.st_size

    def passed(self, key: Key) -> bool:
        """Whether the file with this identity passed its check (thread-safe, no I/O)."""
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
            return False

    def _thread_pool(self) -> ThreadPoolExecutor:
        if self._threads is None:
            self._threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="rmlab-check")
        return self._threads

    def _use_processes(self, size: int) -> bool:
        if size < PROCESS_MIN_BYTES:
            return False
        if self._workers is not None:
            return not self._workers.broken and (self._workers.started > 0 or bool(self._pending))
        return bool(self._pending) and _process_limit() > 0  # a lone file is parsed here

    def _submit(self, what: str, kind: str, path: str, size: int) -> "Future[None]":
        if self._use_processes(size):
            if self._workers is None:
                self._workers = _Workers(_process_limit())
            return self._workers.submit(what, kind, path)
        return self._thread_pool().submit(check_file_here, what, kind, path)

    def _settle(self, key: Key, future: "Future[None]") -> None:
        with self._lock:
            self._pending.pop(key, None)
            if not future.cancelled() and future.exception() is None:
                self._seen[key] = True
                while len(self._seen) > self._size:
                    self._seen.popitem(last=False)

    def start(self, what: str, kind: str, path: str) -> Optional["Future[None]"]:
        """None if the unchanged file already passed, else the (possibly shared) check."""
        key, size = self.identify(what, kind, path)
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return None
            future = self._pending.get(key)
            if future is None:
                future = self._submit(what, kind, path, size)
                self.parsed += 1
                self._pending[key] = future
                future.add_done_callback(lambda done, key=key: self._settle(key, done))
            return future

    async def check(self, what: str, kind: str, path: str) -> None:
        future = self.start(what, kind, path)
        if future is None:
            return
        try:
            # shield: one caller giving up must not cancel the check others wait for
            await asyncio.shield(asyncio.wrap_future(future))
        except (DataValidationError, FileNotFoundError) as exc:
            raise exc from None  # no chained helper traceback: the message says it all

    def forget(self) -> None:
        """Drop the record of checked files (tests)."""
        with self._lock:
            self._seen.clear()

    def close(self) -> None:
        if self._workers is not None:
            self._workers.close()
            self._workers = None
        if self._threads is not None:
            self._threads.shutdown(wait=False)
            self._threads = None


CHECKED_FILES = CheckedFiles()
atexit.register(CHECKED_FILES.close)


async def check_file(what: str, kind: str, path: str) -> None:
    """Check an item file (``what="items"``, ``kind`` = category) or a model file (``"model"``,
    ``kind`` = model kind) unless it already passed unchanged; raises what the check raises."""
    await CHECKED_FILES.check(what, kind, path)
