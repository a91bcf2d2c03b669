"""pytest fixtures for pyremotedata (registered through the ``pytest11`` entry point).

    def test_my_pipeline(pyremotedata_io, pyremotedata_workspace):
        (pyremotedata_workspace.path("images") / ...)   # server-side files
        for local, remote in RemotePathIterator(pyremotedata_io): ...

``pyremotedata_sshd`` is one throw-away OpenSSH server per test session (127.0.0.1, generated
keys; a password user too when running as root). ``pyremotedata_workspace`` is a fresh remote
directory per test; ``pyremotedata_io`` a mounted ``IOHandler`` inside it with a temporary
local directory.
"""
from __future__ import annotations

import os
import pathlib
import secrets
import shutil
from typing import Any, Dict, Iterator

import pytest


class RemoteWorkspace:
    """A directory on the test server that one test owns."""

    def __init__(self, server: Any, name: str) -> None:
        self.server = server
        self.remote_dir = os.path.join(server.data_dir, name)
        os.makedirs(self.remote_dir)

    def path(self, relative: str = "") -> pathlib.Path:
        """Server-side file-system path (write fixtures here, check uploads here)."""
        return pathlib.Path(self.remote_dir, relative)

    def mount_kwargs(self, **overrides: Any) -> Dict[str, Any]:
        kwargs = dict(self.server.mount_kwargs())
        kwargs["default_remote_dir"] = self.remote_dir
        kwargs.update(overrides)
        return kwargs

    def remove(self) -> None:
        shutil.rmtree(self.remote_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pyremotedata_sshd() -> Iterator[Any]:
    """A running :class:`~pyremotedata.testing.sshd.LocalSFTPServer` for the session."""
    from .sshd import LocalSFTPServer

    with LocalSFTPServer(password_user=hasattr(os, "geteuid") and os.geteuid() == 0) as server:
        yield server


@pytest.fixture
def pyremotedata_workspace(pyremotedata_sshd: Any) -> Iterator[RemoteWorkspace]:
    """A fresh, empty remote directory on the session's server."""
    workspace = RemoteWorkspace(pyremotedata_sshd, "ws-" + secrets.token_hex(4))
    yield workspace
    workspace.remove()


@pytest.fixture
def pyremotedata_io(pyremotedata_workspace: RemoteWorkspace, tmp_path: pathlib.Path) -> Iterator[Any]:
    """A mounted ``IOHandler`` in ``pyremotedata_workspace``; local files go to ``tmp_path/local``."""
    from ..io_handler import IOHandler

    local = tmp_path / "local"
    local.mkdir()
    with IOHandler(local_dir=str(local), **pyremotedata_workspace.mount_kwargs()) as io:
        yield io
