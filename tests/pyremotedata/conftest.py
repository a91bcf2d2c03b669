"""Every pyremotedata test runs with its own HOME and XDG directories, so nothing touches the
real ~/.config, ~/.ssh or ~/.local; the PYREMOTEDATA_* variables start unset."""
from __future__ import annotations

import os
import pathlib

import pytest

from pyremotedata.config import AUTO_VARIABLE, ENVIRONMENT_VARIABLES

EXTRA_VARIABLES = ("PYREMOTEDATA_SSH_OPTIONS", "RANK", "WORLD_SIZE")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for name in (*ENVIRONMENT_VARIABLES, AUTO_VARIABLE, *EXTRA_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    return home


def files_under(root: "os.PathLike[str] | str") -> list:
    """Relative paths of every file below ``root`` (sorted)."""
    found = []
    for directory, _dirs, files in os.walk(root):
        for name in files:
            found.append(os.path.relpath(os.path.join(directory, name), root))
    return sorted(found)
