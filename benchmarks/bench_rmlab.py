"""RMLab: do concurrent uploads overlap? 32 x 1 MiB uploads against the emulator with 50 ms latency.

    python benchmarks/bench_rmlab.py [--rounds 7] [--latency 0.05]

The emulator (``rmlab.testing.emulator:BenchmarkApp``) runs in its own process and adds
``--latency`` seconds to every request. The upload is a 1 MiB pricing-optimizer model file
(the bulk is its ``data`` curve), sent with ``api.upload_pricing_optimizer_model``:

* one upload awaited alone (median of ``--rounds``) — the reference;
* the same file to 32 scenarios, awaited together with ``asyncio.gather`` (median of rounds,
  each round right after a single-upload round, so that both see the same machine load),
  target: at most 2x one upload;
* the same 32 uploads awaited one after the other, for contrast;
* 32 *different* 1 MiB files awaited together: each file is parsed and validated locally before
  it is sent (~30 ms of ``json.loads`` each, CPU-bound): with the helper processes that spread
  checks over the cores (the default), and with every check in this process, for contrast.

A file is validated once per (path, device, inode, size, mtime): the first three cases measure
the transfer. Exits with status 1 when the 32 uploads take more than 2x one upload.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from typing import Awaitable, Callable, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _measure import server_process  # noqa: E402

MiB = 1024 * 1024
UPLOADS = 32
TARGET = 2.0


def write_model(path: str, seed: int) -> None:
    """A valid pricing optimizer model padded to 1 MiB with its demand curve."""
    rng = random.Random(seed)
    model = {"schedule": {"INF": 7, "7": 2}, "selector": {"since": "2 years", "filters": []},
             "operator": {"forecaster": "q-forecast", "aggregate": "exponential 1.5",
                          "optimizer": {"type": "qsd", "max_requests_per_day": 50, "price_points": 30,
                                        "ebc_samples": 5}, "effects": "none"},
             "ebc": "data", "data": []}
    text = json.dumps(model)
    values: List[str] = []
    size = len(text)
    while size < MiB - 32:
        values.append(f"{rng.random():.9f}")
        size += len(values[-1]) + 1
    body = text.replace('"data": []', '"data": [' + ",".join(values) + "]")
    with open(path, "w") as handle:
        handle.write(body[:MiB - 2] if len(body) > MiB else body)


async def timed(make: Callable[[], Awaitable[object]]) -> float:
    began = time.perf_counter()
    await make()
    return time.perf_counter() - began


async def measure(url: str, rounds: int, folder: str) -> dict:
    from rmlab import API
    from rmlab._api import checks

    shared = os.path.join(folder, "optimizer.1mib.json")
    write_model(shared, 0)
    results: dict = {"size": os.path.getsize(shared)}
    async with API("demo-workgroup", "demo-user", "demo-password", url, url, max_concurrency=UPLOADS) as api:
        upload = api.upload_pricing_optimizer_model
        await upload(0, shared)  # warm up: login done, file validated, connections open
        await asyncio.gather(*(upload(s, shared) for s in range(UPLOADS)))

        singles: List[float] = []
        together: List[float] = []
        for _ in range(max(rounds, 5)):
            singles.append(await timed(lambda: upload(0, shared)))
            together.append(await timed(lambda: asyncio.gather(*(upload(s, shared) for s in range(UPLOADS)))))
        results["single"] = statistics.median(singles)
        results["together"] = statistics.median(together)
        results["together_all"] = together

        async def one_by_one() -> None:
            for s in range(UPLOADS):
                await upload(s, shared)

        results["sequential"] = await timed(one_by_one)

        async def distinct(tag: str, count: int) -> List[float]:
            times = []
            for r in range(count):
                paths = []
                for i in range(UPLOADS):
                    path = os.path.join(folder, f"{tag}{r}-model{i}.json")
                    write_model(path, 100_000 * len(tag) + 1000 * r + i + 1)
                    paths.append(path)
                times.append(await timed(lambda: asyncio.gather(*(upload(i, p) for i, p in enumerate(paths)))))
            return times

        results["distinct_all"] = await distinct("helpers", max(1, rounds // 2))
        results["distinct"] = statistics.median(results["distinct_all"])
        results["helpers"] = checks.CHECKED_FILES._workers.started if checks.CHECKED_FILES._workers else 0
        os.environ["RMLAB_CHECK_PROCESSES"] = "0"  # contrast: every check in this process
        in_process, checks.CHECKED_FILES = checks.CHECKED_FILES, checks.CheckedFiles()
        try:
            results["distinct_here_all"] = await distinct("here", max(1, rounds // 3))
        finally:
            checks.CHECKED_FILES.close()
            checks.CHECKED_FILES = in_process
            del os.environ["RMLAB_CHECK_PROCESSES"]
        results["distinct_here"] = statistics.median(results["distinct_here_all"])
        models = await api.fetch_parametric_models(UPLOADS - 1)
        results["stored"] = sorted(m.id for m in models)
    return results


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    os.environ["RMLAB_EMULATOR_LATENCY"] = str(args.latency)
    load_before = _load()
    with tempfile.TemporaryDirectory() as folder, server_process("rmlab.testing.emulator:BenchmarkApp") as url:
        r = asyncio.run(measure(url, args.rounds, folder))
    ratio = r["together"] / r["single"]
    met = ratio <= TARGET
    print(f"rmlab uploads, {r['size'] / MiB:.2f} MiB model file each, {args.latency * 1000:.0f} ms added latency, "
          f"emulator in its own process")
    print(f"  {datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, load average before {load_before}, "
          f"after {_load()}")
    print(f"  one upload awaited alone (median)            {r['single'] * 1000:8.1f} ms")
    print(f"  {UPLOADS} uploads awaited together (median)        {r['together'] * 1000:8.1f} ms   "
          f"= {ratio:.2f}x one upload (target <= {TARGET:g}x: {'met' if met else 'NOT met'})")
    print(f"     rounds: {', '.join(f'{t * 1000:.0f}' for t in r['together_all'])} ms")
    print(f"  {UPLOADS} uploads awaited one after the other       {r['sequential'] * 1000:8.1f} ms   "
          f"= {r['sequential'] / r['single']:.1f}x one upload")
    print(f"  {UPLOADS} different files together (each validated) {r['distinct'] * 1000:8.1f} ms   "
          f"= {r['distinct'] / r['single']:.1f}x one upload ({r['helpers']} helper processes; rounds "
          f"{', '.join(f'{t * 1000:.0f}' for t in r['distinct_all'])} ms)")
    print(f"     the same, every check in this process      {r['distinct_here'] * 1000:8.1f} ms   "
          f"= {r['distinct_here'] / r['single']:.1f}x one upload")
    print(f"  stored in scenario {UPLOADS - 1}: {len(r['stored'])} models")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
