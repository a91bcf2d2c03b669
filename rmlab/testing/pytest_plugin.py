"""pytest fixtures for the rmlab emulator (registered through the pytest11 entry point).

    async def test_my_pipeline(rmlab_emulator):
        async with API(**rmlab_emulator.credentials) as api:
            ...

    def test_sync_code(rmlab_credentials, monkeypatch):      # RMLAB_* variables point at it
        ...
"""
from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest


@pytest.fixture
def rmlab_emulator() -> Iterator[Any]:
    """A fresh :class:`~rmlab.testing.emulator.RMLabEmulator` on 127.0.0.1 for one test."""
    from .emulator import RMLabEmulator  # werkzeug is an optional extra: import on use

    with RMLabEmulator() as emulator:
        yield emulator


@pytest.fixture
def rmlab_credentials(rmlab_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    """Point ``RMLAB_WORKGROUP/USERNAME/PASSWORD`` and ``RMLAB_APP_URL/ADMIN_URL`` at the
    emulator, so that a bare ``API()`` talks to it; returns the same values as a dict."""
    creds = rmlab_emulator.credentials
    for key, name in (("workgroup", "RMLAB_WORKGROUP"), ("username", "RMLAB_USERNAME"),
                      ("password", "RMLAB_PASSWORD"), ("app_url", "RMLAB_APP_URL"),
                      ("admin_url", "RMLAB_ADMIN_URL")):
        monkeypatch.setenv(name, creds[key])
    return creds
