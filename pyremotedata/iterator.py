"""``RemotePathIterator``: stream a remote dataset, file by file, while a background thread
downloads ahead.

How it stays fast: the producer fetches as many batches as the queue has room for in *one*
``get --parallel`` command (no drain-and-restart between small batches), and hands each batch
to the consumer as soon as all its files have arrived (downloads land under temporary names, so
a file that exists is complete). How it stays safe: the queue bounds the look-ahead
(back-pressure), failed transfers are retried with exponential back-off up to a deadline,
consumed files are deleted once ``n_local_files`` newer ones exist, and stopping early (break,
an exception in the loop body, ``close()``) stops the producer and cleans up; a producer stuck
in a long transfer is stopped by restarting the lftp process, which is then re-mounted.
"""
from __future__ import annotations

import copy
import math
import os
import queue
import random
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Deque, Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from . import main_logger
from .errors import (AuthenticationError, HostKeyError, LftpError, MountError, NotMountedError,
                     RemoteFileNotFoundError, RemotePermissionError, UnsupportedPathError)
from .localfs import local_relative
from .mount import _progress_bar

if TYPE_CHECKING:  # pragma: no cover
    from .io_handler import IOHandler

log = main_logger.getChild("iterator")

_END = object()
#: Seconds ``close()`` lets a running transfer finish before it restarts lftp to stop it (the
#: files of an unfinished window are not needed any more; a re-mount costs one SSH login).
STOP_GRACE = 1.0
#: Seconds ``close()`` waits for the producer once lftp has been stopped.
STOP_JOIN = 10.0


class _Failure:
    """A producer error, delivered through the queue and re-raised in the consumer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


class _Stopped(Exception):
    """The consumer asked the producer to stop."""


class RemotePathIterator:
    """Iterate ``(local_path, remote_path)`` over the remote working directory's file index.

    ``RemotePathIterator(io_handler, batch_size=64, batch_parallel=10, max_queued_batches=3,
    n_local_files=384, clear_local=True, retry_base_delay=0.5, retry_max_delay=30.0,
    retry_timeout=120.0, progress=False, **index_kwargs)``; ``index_kwargs`` go to
    ``io_handler.get_file_index`` (``pattern``, ``store``, ``override``, ``skip``, ``nmax``).
    Local files keep their remote directory structure under ``io_handler.lpwd()``, so
    same-named files in different directories never overwrite each other.
    """

    def __init__(self, io_handler: "IOHandler", batch_size: int = 64, batch_parallel: int = 10,
                 max_queued_batches: int = 3, n_local_files: int = 2 * 3 * 64, clear_local: bool = True,
                 retry_base_delay: float = 0.5, retry_max_delay: float = 30.0, retry_timeout: float = 120.0,
                 progress: bool = False, **kwargs: Any) -> None:
        if batch_size < 1 or batch_parallel < 1 or max_queued_batches < 1:
            raise ValueError("batch_size, batch_parallel and max_queued_batches must be at least 1")
        if n_local_files < 0:
            raise ValueError("n_local_files must not be negative")
        self.io_handler = io_handler
        self.batch_size = int(batch_size)
        self.batch_parallel = int(batch_parallel)
        self.max_queued_batches = int(max_queued_batches)
        self.n_local_files = int(n_local_files)
        self.clear_local = bool(clear_local)
        self.retry_base_delay = float(retry_base_delay)
        self.retry_max_delay = float(retry_max_delay)
        self.retry_timeout = float(retry_timeout)
        self.progress = progress
        cache = getattr(io_handler, "cache", None)
        cached = cache.get(io_handler.pwd()) if cache else None
        if cached is not None:  # cache_file_index() was called for this directory: use it, as upstream
            if kwargs:
                log.warning("using the cached file index of %s; %s ignored", io_handler.pwd(), ", ".join(kwargs))
            self.remote_paths: List[str] = list(cached)
        else:
            self.remote_paths = list(io_handler.get_file_index(**kwargs))
        self.local_directory: str = io_handler.lpwd()
        self.download_thread: Optional[threading.Thread] = None
        self.download_queue: "queue.Queue[Any]" = queue.Queue(maxsize=self.max_queued_batches)
        self.delete_queue: Deque[str] = deque()
        self.stop_event = threading.Event()
        self._room = threading.Semaphore(self.max_queued_batches)
        self._downloaded: Set[str] = set()
        self._lock = threading.Lock()
        self._emptied_dirs: Set[str] = set()

    # ------------------------------------------------------------------ dataset shaping
    def __len__(self) -> int:
        return len(self.remote_paths)

    def _check_idle(self, what: str) -> None:
        if self.download_thread is not None and self.download_thread.is_alive():
            raise RuntimeError(f"cannot {what} while the iterator is downloading")

    def shuffle(self, seed: Optional[int] = None) -> "RemotePathIterator":
        """Shuffle the order in place: with the global ``random`` state, as upstream (so
        ``random.seed()`` applies), or with ``seed`` (give the same one on every process before
        ``shard``)."""
        self._check_idle("shuffle")
        (random.shuffle if seed is None else random.Random(seed).shuffle)(self.remote_paths)
        return self

    def subset(self, indices: Union[Sequence[int], int, slice]) -> "RemotePathIterator":
        """Keep only ``indices`` (a list, one index, or a slice), in that order; in place."""
        self._check_idle("subset")
        if isinstance(indices, slice):
            self.remote_paths = self.remote_paths[indices]
        elif isinstance(indices, int):
            self.remote_paths = [self.remote_paths[indices]]
        else:
            paths = self.remote_paths
            self.remote_paths = [paths[int(index)] for index in indices]
        return self

    def _clone(self) -> "RemotePathIterator":
        clone = copy.copy(self)
        clone.remote_paths = list(self.remote_paths)
        clone.download_thread = None
        clone.download_queue = queue.Queue(maxsize=self.max_queued_batches)
        clone.delete_queue = deque()
        clone.stop_event = threading.Event()
        clone._room = threading.Semaphore(self.max_queued_batches)
        clone._downloaded = set()
        clone._lock = threading.Lock()
        clone._emptied_dirs = set()
        return clone

    def split(self, proportion: Optional[Sequence[Union[float, int]]] = None,
              indices: Optional[Sequence[Sequence[int]]] = None) -> List["RemotePathIterator"]:
        """New iterators over disjoint parts: consecutive shares by ``proportion`` (weights), or
        the given index lists. They share the IOHandler, so use them one after another."""
        if (proportion is None) == (indices is None):
            raise ValueError("give exactly one of proportion or indices")
        if indices is not None:
            parts = [list(part) for part in indices]
        else:
            weights = [float(w) for w in proportion or []]
            if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
                raise ValueError("proportion must be non-negative weights with a positive sum")
            total = len(self.remote_paths)
            bounds = [0]
            running = 0.0
            for weight in weights:
                running += weight
                bounds.append(round(total * running / sum(weights)))
            bounds[-1] = total
            parts = [list(range(bounds[i], bounds[i + 1])) for i in range(len(weights))]
        out = []
        for part in parts:
            clone = self._clone()
            clone.subset(part)
            out.append(clone)
        return out

    def shard(self, rank: Optional[int] = None, world_size: Optional[int] = None,
              even: bool = False) -> "RemotePathIterator":
        """Keep this process's share: every ``world_size``-th file starting at ``rank``.

        Defaults come from ``$RANK`` and ``$WORLD_SIZE`` (torch.distributed's launchers set
        them). With ``even`` every rank gets the same number of files (the remainder is
        dropped), which keeps distributed training loops in step. In place.
        """
        if rank is None:
            rank = int(os.environ.get("RANK", "0"))
        if world_size is None:
            world_size = int(os.environ.get("WORLD_SIZE", "1"))
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"need 0 <= rank < world_size, got rank={rank}, world_size={world_size}")
        self._check_idle("shard")
        paths = self.remote_paths
        if even:
            paths = paths[: (len(paths) // world_size) * world_size]
        self.remote_paths = paths[rank::world_size]
        return self

    # ------------------------------------------------------------------ producer
    def local_path(self, remote_path: str) -> str:
        """Where a remote file of the index is stored locally."""
        return os.path.join(self.local_directory, local_relative(remote_path))

    def start_download_queue(self) -> None:
        """Start the background producer (``__iter__`` does this)."""
        if self.download_thread is not None and self.download_thread.is_alive():
            return
        self.stop_event = threading.Event()
        self.download_queue = queue.Queue(maxsize=self.max_queued_batches)
        self._room = threading.Semaphore(self.max_queued_batches)
        self.download_thread = threading.Thread(target=self.download_files, name="RemotePathIterator-producer",
                                                daemon=True)
        self.download_thread.start()

    def download_files(self) -> None:
        """The producer: download every batch in order, with back-pressure and retries."""
        batches = [self.remote_paths[i:i + self.batch_size] for i in range(0, len(self.remote_paths), self.batch_size)]
        try:
            position = 0
            while position < len(batches):
                room = self._wait_for_room()
                window = batches[position:position + room]
                self._download_window(window)
                position += len(window)
            self._deliver(_END, reserved=False)
        except _Stopped:
            pass
        except BaseException as exc:  # delivered to the consumer, which re-raises it
            self._deliver(_Failure(exc), reserved=False)

    def _wait_for_room(self) -> int:
        """Block until at least one batch fits in the queue; return how many do."""
        while not self._room.acquire(timeout=0.2):
            if self.stop_event.is_set():
                raise _Stopped()
        room = 1
        while room < self.max_queued_batches and self._room.acquire(blocking=False):
            room += 1
        return room

    def _deliver(self, item: Any, reserved: bool = True) -> None:
        if reserved:
            self.download_queue.put_nowait(item)
            return
        while True:  # the end marker / failure: wait for space, but never past a stop
            try:
                self.download_queue.put(item, timeout=0.2)
                return
            except queue.Full:
                if self.stop_event.is_set():
                    return

    def _download_window(self, window: List[List[str]]) -> None:
        pairs = [(remote, self.local_path(remote)) for batch in window for remote in batch]
        for _, local in pairs:
            if os.path.lexists(local):
                os.remove(local)  # a stale copy would look like a finished download
        with self._lock:
            self._downloaded.update(local for _, local in pairs)
        delivered = [0]

        def hand_out() -> None:
            while delivered[0] < len(window):
                batch = window[delivered[0]]
                if not all(os.path.exists(self.local_path(remote)) for remote in batch):
                    break
                self._deliver([(self.local_path(remote), remote) for remote in batch])
                delivered[0] += 1

        def undelivered() -> List[Tuple[str, str]]:
            # Files of batches already handed out may be consumed and deleted by now (a window
            # can be larger than n_local_files): they are neither missing nor to be fetched again.
            pending = ((remote, self.local_path(remote)) for batch in window[delivered[0]:] for remote in batch)
            return [(remote, local) for remote, local in pending if not os.path.exists(local)]

        started = time.monotonic()
        attempt = 0
        while True:
            self._prune_emptied_dirs()  # one directory per sample must not pile up for a whole epoch
            todo = undelivered()
            try:
                if todo:
                    self.io_handler._fetch(todo, self.batch_parallel, on_poll=hand_out)
                hand_out()
                missing = [remote for remote, _ in undelivered()]
                if missing:
                    raise LftpError(f"lftp reported success but {len(missing)} file(s) did not arrive, "
                                    f"e.g. {missing[0]!r}", "get")
                return
            except _Stopped:
                raise
            except (RemoteFileNotFoundError, RemotePermissionError) as exc:
                hand_out()  # the batches that did arrive, in order, before the failure
                raise type(exc)(f"{exc}\n(the file index lists a file the server does not give; rebuild the "
                                f"index with get_file_index(override=True))", exc.command, exc.stderr) from exc
            except (AuthenticationError, HostKeyError, UnsupportedPathError):
                raise
            except (LftpError, MountError, NotMountedError) as exc:
                if self.stop_event.is_set():
                    raise _Stopped() from exc
                elapsed = time.monotonic() - started
                if elapsed >= self.retry_timeout:
                    raise TimeoutError(f"downloading a batch kept failing for {elapsed:.0f} s "
                                       f"(retry_timeout={self.retry_timeout:g}); last error: {exc}") from exc
                delay = min(self.retry_max_delay, self.retry_base_delay * (2 ** attempt))
                delay = min(delay, max(0.0, self.retry_timeout - elapsed))
                log.warning("batch download failed (attempt %d), retrying in %.1f s: %s", attempt + 1, delay, exc)
                attempt += 1
                if self.stop_event.wait(delay):
                    raise _Stopped() from exc
                if not self.io_handler.mounted:
                    try:
                        self.io_handler.ensure_mounted()
                    except (AuthenticationError, HostKeyError):
                        raise
                    except (LftpError, MountError) as mount_exc:
                        log.warning("re-mount failed, will retry: %s", mount_exc)

    # ------------------------------------------------------------------ consumer
    def __iter__(self) -> Iterator[Tuple[str, str]]:
        self.start_download_queue()
        bar = _progress_bar(bool(self.progress), total=len(self.remote_paths), desc="Streaming", unit="file")
        try:
            while True:
                item = self._next_item()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.exc
                self._room.release()
                for local, remote in item:
                    yield local, remote
                    if bar is not None:
                        bar.update(1)
                    self._consumed(local)
        finally:
            if bar is not None:
                bar.close()
            self.close()

    def _next_item(self) -> Any:
        while True:
            try:
                return self.download_queue.get(timeout=0.5)
            except queue.Empty:
                thread = self.download_thread
                if thread is None or not thread.is_alive():
                    try:
                        return self.download_queue.get_nowait()
                    except queue.Empty:
                        raise RuntimeError("the download thread stopped without finishing") from None

    def _consumed(self, local: str) -> None:
        if not self.clear_local:
            return
        self.delete_queue.append(local)
        while len(self.delete_queue) > self.n_local_files:
            self._remove(self.delete_queue.popleft())

    def _remove(self, local: str) -> None:
        try:
            os.remove(local)
        except FileNotFoundError:
            pass
        thread = self.download_thread
        producing = thread is not None and thread.is_alive()
        with self._lock:
            self._downloaded.discard(local)
            if producing:
                # not now: the producer may have created this directory for files it is fetching
                self._emptied_dirs.add(os.path.dirname(local))
        if not producing:
            self._prune_empty_dirs(os.path.dirname(local))

    def _prune_emptied_dirs(self) -> None:
        """Remove the directories the consumer emptied, deepest first. Called where no transfer
        can be writing into them: by the producer between two fetches (``_fetch`` creates the
        parents it needs afterwards), and once the producer has stopped."""
        with self._lock:
            emptied, self._emptied_dirs = self._emptied_dirs, set()
        for directory in sorted(emptied, key=len, reverse=True):
            self._prune_empty_dirs(directory)

    def _prune_empty_dirs(self, directory: str) -> None:
        root = os.path.abspath(self.local_directory)
        directory = os.path.abspath(directory)
        while directory.startswith(root + os.sep):
            try:
                os.rmdir(directory)
            except OSError:
                return
            directory = os.path.dirname(directory)

    def close(self) -> None:
        """Stop the producer (promptly, even mid-transfer) and delete local files if
        ``clear_local``. Safe to call more than once."""
        self.stop_event.set()
        thread = self.download_thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(STOP_GRACE)
            if thread.is_alive():
                log.warning("stopping a transfer that outlived the stop grace period by restarting lftp")
                process = getattr(self.io_handler, "_process", None)
                if process is not None:
                    process.kill()
                thread.join(STOP_JOIN)
                try:
                    self.io_handler.ensure_mounted()
                except (LftpError, MountError) as exc:
                    log.warning("could not re-mount after stopping the producer: %s", exc)
        while True:
            try:
                self.download_queue.get_nowait()
            except queue.Empty:
                break
        self._remove_partials()
        self._cleanup(force=True)
        self._prune_emptied_dirs()

    def _remove_partials(self) -> None:
        """Delete lftp's temporary files (``.in.<name>``) of transfers cut short by a stop."""
        with self._lock:
            pending = [local for local in self._downloaded if not os.path.exists(local)]
        for local in pending:
            partial = os.path.join(os.path.dirname(local), ".in." + os.path.basename(local))
            try:
                os.remove(partial)
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("could not remove the partial download %s: %s", partial, exc)
                continue
            self._prune_empty_dirs(os.path.dirname(local))

    def _cleanup(self, force: bool = False) -> None:
        """Delete consumed local files beyond ``n_local_files`` (``force``: every file this
        iterator downloaded), when ``clear_local``."""
        if not self.clear_local:
            return
        if force:
            with self._lock:
                leftovers = list(self._downloaded)
            for local in list(self.delete_queue) + leftovers:
                self._remove(local)
            self.delete_queue.clear()
            return
        while len(self.delete_queue) > self.n_local_files:
            self._remove(self.delete_queue.popleft())

    def __enter__(self) -> "RemotePathIterator":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.stop_event.set()
        except Exception:
            pass
