"""The tour: every client of this repository against its embedded local emulator.

    python -m archfx_cloud.tour                 # all legs
    python -m archfx_cloud.tour --only core firecrest

Each package contributes a leg as ``<package>.testing.tour.run(say)``; the core's own leg is
:func:`core_leg`. Exit status is non-zero when any leg failed.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import tempfile
import time
import traceback
from typing import Callable, List, Optional, Sequence, Tuple

Say = Callable[[str], None]

LEGS: Tuple[Tuple[str, str], ...] = (
    ("core", "archfx_cloud.tour"),
    ("archfx_cloud", "archfx_cloud.testing.tour"),
    ("oscar_python", "oscar_python.testing.tour"),
    ("firecrest", "firecrest.testing.tour"),
    ("rmlab", "rmlab.testing.tour"),
    ("pyremotedata", "pyremotedata.testing.tour"),
)


def core_leg(say: Say) -> None:
    """The shared core against the demo service, with 20% of requests failing on purpose."""
    from archfx_cloud.api.auth import OAuth2ClientCredentials
    from archfx_cloud.api.client import RestClient
    from archfx_cloud.api.paging import PageNumberPages
    from archfx_cloud.api.retry import RetryPolicy
    from archfx_cloud.testing.demo import DemoService, blob_sha256
    from archfx_cloud.testing.faults import FaultInjector

    injector: Optional[FaultInjector] = None

    def flaky(app):
        nonlocal injector
        injector = FaultInjector(app, rate=0.2, faults=("429", "503", "reset"), seed=1)
        return injector

    with DemoService(app=flaky) as demo:
        say(f"demo service on {demo.url}, failing 20% of requests (429, 503, dropped connections)")
        auth = OAuth2ClientCredentials(demo.url + "/oauth/token", "demo-client", "demo-secret")
        with RestClient(demo.url, auth=auth, retries=RetryPolicy(total=8, backoff_factor=0.01)) as api:
            say(f"GET {api.echo.org('acme').devices.url()} -> {api.echo.org('acme').devices.get(page=2)['path']}")
            ids = [api.records.post({"n": i}, retry_safe=True)["id"] for i in range(50)]
            say(f"50 POSTs marked retry_safe -> {len(set(ids))} distinct records on the server "
                f"(server holds {len(demo.app.records)})")
            listed = list(api.records.iterate(page_size=7))
            say(f"iterate(): {len(listed)} records across {-(-len(listed) // 7)} DRF pages")
            items = list(api.items.iterate(paginator=PageNumberPages(items="items")))
            say(f"page-number listing: {len(items)} items")
            try:
                api.echo("..").get()
            except ValueError as exc:
                say(f"hostile id refused before sending: {exc}")
            assert injector is not None
            injector.enabled = False
            with tempfile.TemporaryDirectory() as tmp:
                size = 32 * 1024 * 1024
                path = api.blob(size).download(os.path.join(tmp, "blob.bin"), checksum=f"sha256:{blob_sha256(size)}",
                                               progress=True)
                say(f"downloaded {os.path.getsize(path) // 2**20} MiB, sha256 verified, written atomically")
                answer = api.sink.upload(path, fields={"source": "tour"}, progress=True)
                say(f"streamed multipart upload: server counted {answer['size'] // 2**20} MiB")

            async def overlap() -> float:
                aapi = api.aio(max_concurrency=16)
                began = time.perf_counter()
                await asyncio.gather(*(aapi.slow.get(delay=0.2) for _ in range(16)))
                return time.perf_counter() - began

            elapsed = asyncio.run(overlap())
            say(f"16 concurrent 0.2 s calls through the async facade took {elapsed:.2f} s")
        assert injector is not None
        say(f"faults injected along the way: {dict(injector.stats)}; the token was fetched "
            f"{demo.app.token_requests} time(s)")


def run(say: Say) -> None:
    core_leg(say)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=[name for name, _ in LEGS], help="run only these legs")
    args = parser.parse_args(argv)
    failed: List[str] = []
    for name, module_name in LEGS:
        if args.only and name not in args.only:
            continue
        print(f"\n== {name} ==", flush=True)

        def say(text: str, _name: str = name) -> None:
            print(f"[{_name}] {text}", flush=True)

        began = time.perf_counter()
        try:
            module = importlib.import_module(module_name)
            module.run(say)
        except Exception:
            failed.append(name)
            traceback.print_exc()
            print(f"[{name}] FAILED", flush=True)
            continue
        print(f"[{name}] done in {time.perf_counter() - began:.1f} s", flush=True)
    if failed:
        print(f"\ntour finished with failures in: {', '.join(failed)}")
        return 1
    print("\ntour finished: every leg ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
