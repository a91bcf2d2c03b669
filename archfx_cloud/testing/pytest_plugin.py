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
