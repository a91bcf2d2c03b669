"""FirecREST benchmarks, each printed next to its baseline.

    python benchmarks/bench_firecrest.py              # all sections
    python benchmarks/bench_firecrest.py poll         # one of: poll concurrency download

* poll        – seconds between a task finishing on the server and ``client.poll_active()``
                returning, default ``polling_sleep_times`` vs upstream's ``[1, 0.5] + 234*[0.25]``
                (tasks lasting 0.05-1.5 s, drawn with a fixed seed; in-process emulator).
* concurrency – 200 ``list_files`` through ``AsyncFirecrest`` (``time_between_calls`` set to 0
                for utilities) vs 200 sequential sync calls, emulator in its own process with
                20 ms latency per request. Target >= 8x.
* download    – 1 GiB external download: ``finish_download`` in a fresh interpreter vs
                ``curl`` on the same presigned URL, alternating, ``sync`` between runs
                (``BENCH_TMP`` picks the directory). Target >= 0.8x curl's throughput.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import Dict, Iterator, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _measure import PY, median, run_cmd  # noqa: E402

GiB = 1024 ** 3
UPSTREAM_POLLING = [1, 0.5] + 234 * [0.25]


@contextmanager
def emulator_process(*args: str) -> Iterator[Dict[str, str]]:
    """``python -m firecrest.testing ...`` in its own process; yields its connection details."""
    proc = subprocess.Popen([PY, "-m", "firecrest.testing", *args], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("{"):
            raise RuntimeError("the emulator did not start")
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.wait(10)


# --------------------------------------------------------------------------- poll
def bench_poll(samples: int = 15, seed: int = 5) -> None:
    import firecrest as fc
    from firecrest.testing import FirecrestEmulator

    rng = random.Random(seed)
    durations = [rng.uniform(0.05, 1.5) for _ in range(samples)]
    results: Dict[str, List[float]] = {}
    with FirecrestEmulator() as emu:
        client = fc.v1.Firecrest(emu.url, authorization=emu.auth)
        client.set_api_version("1.16.1")
        for name, schedule in (("default", list(client.polling_sleep_times)), ("upstream", UPSTREAM_POLLING)):
            client.polling_sleep_times = list(schedule)
            waits = []
            for duration in durations:
                emu.app.task_seconds = duration
                client.poll_active("cluster")
                returned = time.time()
                task = max(emu.app.tasks.tasks.values(), key=lambda t: t.created_at)
                waits.append(returned - task.finished_at)
            results[name] = waits
    print(f"poll wait: seconds from a task finishing to the call returning ({samples} tasks of 0.05-1.5 s):")
    for name, waits in results.items():
        waits.sort()
        p95 = waits[min(len(waits) - 1, int(0.95 * len(waits)))]
        print(f"  {name:9s} mean {statistics.mean(waits):.3f} s  median {median(waits):.3f} s  p95 {p95:.3f} s")
    ratio = statistics.mean(results["upstream"]) / statistics.mean(results["default"])
    print(f"  upstream's mean wait / ours: {ratio:.1f}x")


# --------------------------------------------------------------------------- concurrency
CONCURRENCY = r"""
import asyncio, json, sys, time
import firecrest as fc
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

class Token:
    def get_access_token(self):
        return token

sync = fc.v1.Firecrest(url, authorization=Token())
sync.set_api_version("1.16.1")
sync.list_files("cluster", "/home/test_user")
t = time.perf_counter()
for _ in range(n):
    sync.list_files("cluster", "/home/test_user")
sequential = time.perf_counter() - t

async def concurrent():
    client = fc.AsyncFirecrest(url, authorization=Token())
    client.set_api_version("1.16.1")
    client.time_between_calls["utilities"] = 0
    await client.list_files("cluster", "/home/test_user")
    t = time.perf_counter()
    results = await asyncio.gather(*(client.list_files("cluster", "/home/test_user") for _ in range(n)))
    elapsed = time.perf_counter() - t
    assert len(results) == n
    await client.close_session()
    return elapsed

print(json.dumps({"sequential": sequential, "concurrent": asyncio.run(concurrent())}))
"""


def bench_concurrency(n: int = 200, rounds: int = 3) -> None:
    with emulator_process("--latency", "0.02") as info:
        seq, conc = [], []
        for _ in range(rounds):
            _, _, out = run_cmd([PY, "-c", CONCURRENCY, info["url"], info["token"], str(n)])
            result = json.loads(out)
            seq.append(result["sequential"])
            conc.append(result["concurrent"])
    s, c = median(seq), median(conc)
    print(f"{n} list_files, emulator with 20 ms latency ({rounds} rounds, median): sequential sync {s:.2f} s, "
          f"AsyncFirecrest {c:.2f} s -> {s / c:.1f}x faster (target >= 8x)")


# --------------------------------------------------------------------------- download
DOWNLOAD = r"""
import sys, time
import firecrest as fc
url, token, task, dest = sys.argv[1:5]

class Token:
    def get_access_token(self):
        return token

client = fc.v1.Firecrest(url, authorization=Token())
client.set_api_version("1.16.1")
down = fc.v1.ExternalDownload(client, task)
down.object_storage_link
t = time.perf_counter()
down.finish_download(dest, progress=False)
print(time.perf_counter() - t)
"""


def bench_download(size: int = GiB, rounds: int = 4) -> None:
    import firecrest as fc

    with emulator_process("--file", f"/home/test_user/big.bin:{size}") as info, \
            tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        class Token:
            def get_access_token(self) -> str:
                return info["token"]

        client = fc.v1.Firecrest(info["url"], authorization=Token())
        down = client.external_download("cluster", "/home/test_user/big.bin")
        link = down.object_storage_link
        dest = os.path.join(tmp, "big.bin")
        ours, curl, rss = [], [], []

        def run_ours() -> None:
            _, peak, out = run_cmd([PY, "-c", DOWNLOAD, info["url"], info["token"], down.task_id, dest])
            assert os.path.getsize(dest) == size
            ours.append(size / float(out) / 2 ** 20)
            rss.append(peak)

        def run_curl() -> None:
            wall, _, _ = run_cmd(["curl", "-sS", "-o", dest, link])
            assert os.path.getsize(dest) == size
            curl.append(size / wall / 2 ** 20)

        for index in range(rounds):
            # alternate who goes first, and flush the page cache's dirty pages between runs, so that
            # neither pays for writing back the other's gigabyte
            for run in ((run_ours, run_curl) if index % 2 == 0 else (run_curl, run_ours)):
                run()
                os.unlink(dest)
                os.sync()
    o, c = median(ours), median(curl)
    print(f"external download {size // 2 ** 20} MiB to disk ({rounds} rounds, median): finish_download {o:.0f} MiB/s, "
          f"curl {c:.0f} MiB/s -> {o / c:.2f}x curl (target >= 0.8); client peak RSS {max(rss):.0f} MiB")


SECTIONS = {"poll": bench_poll, "concurrency": bench_concurrency, "download": bench_download}

if __name__ == "__main__":
    for section in sys.argv[1:] or list(SECTIONS):
        SECTIONS[section]()
