"""Progress reporting for transfers: a callback, a tqdm bar, or nothing.

``progress`` arguments everywhere in the repository accept:

* ``None`` – a tqdm bar when stderr is a terminal or this runs in a Jupyter kernel (and tqdm is
  installed), else nothing;
* ``True``/``False`` – always / never a bar (``True`` without tqdm installed: nothing, with a
  debug log line);
* a callable ``f(done_bytes, total_bytes_or_None)`` – called after every chunk.
"""
from __future__ import annotations

import logging
import sys
from typing import Any, Callable, Optional, Union

ProgressArg = Union[None, bool, Callable[[int, Optional[int]], Any]]

log = logging.getLogger("archfx_cloud.api")


class Progress:
    """Counts bytes and forwards them to a callback and/or a tqdm bar."""

    def __init__(self, progress: ProgressArg, total: Optional[int], description: str = "") -> None:
        self.done = 0
        self.total = total
        self._callback: Optional[Callable[[int, Optional[int]], Any]] = None
        self._bar: Any = None
        if callable(progress) and not isinstance(progress, bool):
            self._callback = progress
            return
        want_bar = progress if isinstance(progress, bool) else bar_by_default()
        if want_bar:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                log.debug("progress bar requested but tqdm is not installed (pip install tqdm)")
                return
            self._bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                             desc=description or None, leave=True, mininterval=0.2)

    def update(self, count: int) -> None:
        if count <= 0:
            return
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def reset_to(self, done: int) -> None:
        """Restart counting at ``done`` bytes (a download restarted from the beginning)."""
        if self._bar is not None:
            self._bar.reset(total=self.total)
            self._bar.update(done)
        self.done = done
        if self._callback is not None:
            self._callback(self.done, self.total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def bar_by_default() -> bool:
    """Whether ``progress=None`` draws a bar: when stderr is a terminal, or in a Jupyter kernel
    (whose stderr is no terminal, but where ``tqdm.auto`` draws a notebook widget)."""
    try:
        if sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return "ipykernel" in sys.modules
