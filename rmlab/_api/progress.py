"""Progress of a simulation, in simulated days: a tqdm bar, a callback, or nothing.

``progress`` follows the repository's convention: ``None`` draws a bar when stderr is a
terminal or in a Jupyter kernel (and tqdm is installed), ``True``/``False`` always/never, a callable
``f(done_days, total_days)`` is called on every update.
"""
from __future__ import annotations

import logging
from typing import Any, Callable, Optional, Union

from archfx_cloud.api.progress import bar_by_default

ProgressArg = Union[None, bool, Callable[[int, Optional[int]], Any]]

log = logging.getLogger("rmlab")


def wants_progress(progress: ProgressArg) -> bool:
    if callable(progress) and not isinstance(progress, bool):
        return True
    if isinstance(progress, bool):
        return progress
    return bar_by_default()


class DaysProgress:
    """Counts simulated days towards a total that may only be known after the first update."""

    def __init__(self, progress: ProgressArg, description: str) -> None:
        self.done = 0
        self.total: Optional[int] = None
        self.description = description
        self._callback = progress if callable(progress) and not isinstance(progress, bool) else None
        self._bar: Any = None
        self._tqdm: Any = None
        if self._callback is None and wants_progress(progress):
            try:
                from tqdm.auto import tqdm
            except ImportError:
                log.debug("progress bar requested but tqdm is not installed (pip install tqdm)")
            else:
                self._tqdm = tqdm

    def update(self, done: int, total: Optional[int]) -> None:
        done = max(0, done)
        if total is not None:
            done = min(done, total)
        if (done, total) == (self.done, self.total):
            return
        if self._bar is None and self._tqdm is not None:
            self._bar = self._tqdm(total=total, unit="day", desc=self.description, leave=True, mininterval=0.1)
            self.done, self.total = 0, total
        if self._bar is not None:
            if total != self.total:
                self._bar.total = total
            self._bar.update(done - self.done)
            self._bar.refresh()
        self.done, self.total = done, total
        if self._callback is not None:
            self._callback(done, total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._tqdm = None
