"""Serve a WSGI app from the command line, on 127.0.0.1, until interrupted.

    python -m archfx_cloud.testing.serve archfx_cloud.testing.demo:DemoApp [--port 8080]

The target is ``module:attribute``; a class or factory is called with no arguments. The first
line printed is the server's URL (scripts and benchmarks read it to find a free port).
"""
from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from typing import Any, Optional, Sequence

from .server import LocalServer


def load(target: str) -> Any:
    """The WSGI app named by ``module:attribute`` (a class is instantiated with no arguments)."""
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise SystemExit(f"target must look like 'package.module:App', got {target!r}")
    obj = getattr(importlib.import_module(module_name), attribute)
    return obj() if isinstance(obj, type) else obj


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", help="module:attribute of a WSGI app, or of a class/factory making one")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    app = load(args.target)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with LocalServer(app, port=args.port) as server:
        print(server.url, flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
