"""Run the FirecREST emulator from a shell, until interrupted.

    python -m firecrest.testing [--port 8000] [--latency 0.02] [--rate-limit 10/1] \
        [--file /home/test_user/big.bin:1G]

The first line printed is JSON with ``url``, ``token_url``, ``client_id``, ``client_secret``,
``store_url`` and a user ``token`` valid for 30 days (scripts and benchmarks read it).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
from typing import Optional, Sequence

from .blobs import Blob
from .emulator import FirecrestEmulator
from .scheduler import parse_size

PATTERN_BLOCK = 1024 * 1024


def patterned_blob(size: int, spool_dir: str) -> Blob:
    """``size`` bytes of a repeated random megabyte, written to a spool file."""
    block = os.urandom(PATTERN_BLOCK)
    fd, path = tempfile.mkstemp(prefix="blob-", dir=spool_dir)
    with os.fdopen(fd, "wb") as out:
        left = size
        while left > 0:
            out.write(block[:min(left, len(block))])
            left -= len(block)
    return Blob(path=path, size=size)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API request")
    parser.add_argument("--rate-limit", help="REQUESTS/SECONDS per user and microservice, e.g. 10/1")
    parser.add_argument("--systems", default="cluster,cluster2")
    parser.add_argument("--file", action="append", default=[], metavar="PATH:SIZE",
                        help="create a file on the first system (SIZE like 100M or 1G)")
    args = parser.parse_args(argv)
    rate = None
    if args.rate_limit:
        count, _, seconds = args.rate_limit.partition("/")
        rate = (int(count), float(seconds or 1))
    emu = FirecrestEmulator(latency=args.latency, port=args.port, systems=tuple(args.systems.split(",")),
                            rate_limit=rate)
    cluster = next(iter(emu.app.clusters.values()))
    for spec in args.file:
        path, _, size = spec.rpartition(":")
        cluster.fs.write(path, emu.user, patterned_blob(parse_size(size), emu.app.spool_dir))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with emu:
        print(json.dumps({"url": emu.url, "token_url": emu.token_url, "client_id": emu.client_id,
                          "client_secret": emu.client_secret, "store_url": emu.store_server.url,
                          "token": emu.auth.get_access_token()}), flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
