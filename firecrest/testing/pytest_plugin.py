"""pytest fixtures for the firecrest emulator (registered through the pytest11 entry point).

    def test_my_workflow(firecrest_client):
        firecrest_client.mkdir("cluster", "/home/test_user/run1")
        job = firecrest_client.submit("cluster", script_str="#!/bin/bash\\necho hi\\n")

* ``firecrest_emulator`` – a fresh :class:`~firecrest.testing.FirecrestEmulator` on 127.0.0.1
  (``.url``, ``.auth``, ``.client_id``/``.client_secret``/``.token_url``, ``.app`` for its state).
* ``firecrest_client`` – a :class:`firecrest.v1.Firecrest` logged in to it, polling quickly.
* ``firecrest_async_client`` – an :class:`firecrest.AsyncFirecrest` for it, without spacing.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

FAST_POLLING = [0.02] * 3000


@pytest.fixture
def firecrest_emulator() -> Iterator[Any]:
    from .emulator import FirecrestEmulator  # werkzeug is an optional extra: import on use

    with FirecrestEmulator(task_seconds=0.02, pending_seconds=0.05, staging_seconds=0.02) as emulator:
        yield emulator


@pytest.fixture
def firecrest_client(firecrest_emulator: Any) -> Iterator[Any]:
    from ..v1 import Firecrest

    client = Firecrest(firecrest_emulator.url, authorization=firecrest_emulator.auth)
    client.polling_sleep_times = list(FAST_POLLING)
    yield client
    client.close()


@pytest.fixture
def firecrest_async_client(firecrest_emulator: Any) -> Iterator[Any]:
    from ..v1 import AsyncFirecrest

    client = AsyncFirecrest(firecrest_emulator.url, authorization=firecrest_emulator.auth)
    client.time_between_calls = {service: 0 for service in client.time_between_calls}
    yield client
    if not client.is_session_closed:
        import asyncio

        asyncio.run(client.close_session())
