"""The README's first command: the tour runs every leg against the embedded emulators."""
from __future__ import annotations

import os
import subprocess
import sys

from archfx_cloud.tour import LEGS


def test_the_whole_tour_runs(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, "-m", "archfx_cloud.tour"], capture_output=True, text=True,
                            timeout=600, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for name, _ in LEGS:
        assert f"[{name}] done in" in result.stdout, name
    assert "tour finished: every leg ran" in result.stdout
