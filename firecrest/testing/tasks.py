"""FirecREST tasks for the emulator: ids, status codes and scheduled progress.

A task can carry a plan: ``(when, change)`` pairs applied once their time has come (checked on
every request), so a task moves 100 -> 200, or 116 -> 117, on the clock without threads.
"""
from __future__ import annotations

import hashlib
import itertools
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

STATUS_TEXT = {
    "100": "Queued", "101": "In progress", "200": "Finished successfully", "300": "Deleted on request",
    "301": "Marked for expiration in persistence", "302": "Task not longer valid", "400": "Finished with errors",
    "110": "Waiting for Form URL from Object Storage to be retrieved",
    "111": "Form URL from Object Storage received",
    "112": "Object Storage confirms that upload to Object Storage has finished",
    "113": "Download from Object Storage to server has started",
    "114": "Download from Object Storage to server has finished",
    "115": "Download from Object Storage error",
    "116": "Started upload from filesystem to Object Storage",
    "117": "Upload from filesystem to Object Storage has finished succesfully",
    "118": "Upload from filesystem to Object Storage has finished with errors",
}
FINAL = {"200", "300", "301", "302", "400", "114", "115", "117", "118"}


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))


class Task:
    """One task; ``finished_at`` is the clock time it reached a final status (for benchmarks)."""

    def __init__(self, number: int, user: str, service: str, system: Optional[str], now: float) -> None:
        self.task_id = hashlib.md5(f"{user}-{number}".encode()).hexdigest()
        self.user = user
        self.service = service
        self.system = system
        self.status = "100"
        self.data: Any = {}
        self.created_at = now
        self.updated_at = now
        self.finished_at: Optional[float] = None
        self.plan: List[Tuple[float, Callable[["Task"], None]]] = []

    def set(self, status: str, data: Any = None, at: Optional[float] = None) -> None:
        when = at if at is not None else time.time()
        self.status = status
        if data is not None:
            self.data = data
        self.updated_at = when
        if status in FINAL and self.finished_at is None:
            self.finished_at = when

    def later(self, when: float, change: Callable[["Task"], None]) -> None:
        self.plan.append((when, change))
        self.plan.sort(key=lambda item: item[0])

    def settle(self, now: float) -> None:
        while self.plan and self.plan[0][0] <= now:
            _, change = self.plan.pop(0)
            change(self)

    def public(self) -> Dict[str, Any]:
        return {"task_id": self.task_id, "hash_id": self.task_id, "description": STATUS_TEXT.get(self.status, ""),
                "data": self.data, "created_at": _stamp(self.created_at), "updated_at": _stamp(self.updated_at),
                "last_modify": _stamp(self.updated_at), "user": self.user, "status": self.status,
                "service": self.service, "system": self.system, "task_url": f"/tasks/{self.task_id}"}


class TaskStore:
    """Every task of the emulator, by id."""

    def __init__(self) -> None:
        self.tasks: Dict[str, Task] = {}
        self._numbers = itertools.count(1)
        self._moving: Dict[str, Task] = {}
        self.lock = threading.RLock()

    def create(self, user: str, service: str, system: Optional[str], now: float, status: str = "100",
               data: Any = None) -> Task:
        with self.lock:
            task = Task(next(self._numbers), user, service, system, now)
            task.set(status, data if data is not None else {}, at=now)
            self.tasks[task.task_id] = task
            return task

    def schedule(self, task: Task, when: float, change: Callable[[Task], None]) -> None:
        with self.lock:
            task.later(when, change)
            self._moving[task.task_id] = task

    def settle(self, now: float) -> None:
        with self.lock:
            for task_id, task in list(self._moving.items()):
                task.settle(now)
                if not task.plan:
                    self._moving.pop(task_id, None)

    def of_user(self, user: str, ids: Optional[Iterable[str]] = None) -> Dict[str, Dict[str, Any]]:
        with self.lock:
            if ids is None:
                chosen = [t for t in self.tasks.values() if t.user == user]
            else:
                chosen = [self.tasks[i] for i in ids if i in self.tasks and self.tasks[i].user == user]
            return {t.task_id: t.public() for t in chosen}
