"""Helpers shared by the benchmark scripts: a server in its own process, peak RSS of a child."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Iterator, List, Sequence, Tuple

PY = sys.executable


@contextmanager
def server_process(target: str) -> Iterator[str]:
    """Run ``python -m archfx_cloud.testing.serve <target>`` and yield its URL."""
    proc = subprocess.Popen([PY, "-m", "archfx_cloud.testing.serve", target], stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        if not url.startswith("http"):
            raise RuntimeError(f"server for {target} did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)




def run_cmd(cmd: Sequence[str]) -> Tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, its peak RSS in MiB measured exactly with wait4, stdout)."""
    began = time.perf_counter()
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    out = proc.stdout.read().decode()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{' '.join(cmd)[:200]} failed: {proc.stderr.read().decode()[-3000:]}")  # type: ignore[union-attr]
    return wall, usage.ru_maxrss / 1024, out


def run_python(code: str) -> Tuple[float, float, str]:
    """Run Python ``code`` in a fresh interpreter; see :func:`run_cmd`."""
    return run_cmd([PY, "-c", code])


def median(values: List[float]) -> float:
    return statistics.median(values)
