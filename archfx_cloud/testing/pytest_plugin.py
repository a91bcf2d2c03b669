"""pytest fixtures: the local server harness (and the ArchFX emulator, added by its module).

Registered through the ``pytest11`` entry point, so any project that installs this package
can use them::

    def test_my_code(serve_wsgi):
        server = serve_wsgi(my_wsgi_app)       # real HTTP on 127.0.0.1, stopped after the test
        ...
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, List

import pytest

from .server import LocalServer


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[..., LocalServer]]:
    """A factory: ``serve_wsgi(app, **LocalServer_kwargs)`` -> a running :class:`LocalServer`."""
    servers: List[LocalServer] = []

    def start(app: Any, **kwargs: Any) -> LocalServer:
        server = LocalServer(app, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in reversed(servers):
        server.stop()


# --------------------------------------------------------------------------- ArchFX Cloud
@pytest.fixture
def archfx_emulator() -> Iterator[Any]:
    """A fresh :class:`~archfx_cloud.testing.emulator.ArchFxEmulator` on 127.0.0.1 for one test.

    ``Api(domain=archfx_emulator.url)``; the seeded user is ``archfx_emulator.email`` /
    ``archfx_emulator.password`` (DRF token: ``archfx_emulator.token``).
    """
    from .emulator import ArchFxEmulator  # werkzeug is an optional extra: import on use

    with ArchFxEmulator() as emulator:
        yield emulator


@pytest.fixture
def archfx_api(archfx_emulator: Any) -> Iterator[Any]:
    """An :class:`~archfx_cloud.api.connection.Api` logged in to ``archfx_emulator``."""
    from ..api.connection import Api

    with Api(domain=archfx_emulator.url) as api:
        if not api.login(email=archfx_emulator.email, password=archfx_emulator.password):
            raise RuntimeError("could not log in to the ArchFX emulator")
        yield api
