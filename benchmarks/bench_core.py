"""Core benchmarks, each printed as a ratio against a baseline run side by side.

    pip install -e '.[bench]'
    python benchmarks/bench_core.py            # all sections
    python benchmarks/bench_core.py requests   # one of: requests download upload import

* requests  – per-request time of ``api.x(id).get()`` / raw ``requests.Session().get(url)``
              on one keep-alive local server (also slumber 0.7.1 and httpx). Target <= 1.05.
* download  – 1 GiB to disk: our throughput / curl's (target >= 0.8), client peak RSS (< 80 MiB).
* upload    – 1 GiB streamed multipart upload: client peak RSS (< 80 MiB), throughput vs curl -F.
* import    – ``import archfx_cloud.api.<module>`` time / ``import requests`` time (<= 1.3), for
              ``connection`` (where ``Api`` lives) and ``client`` (the generic ``RestClient``);
              the package ``archfx_cloud.api`` itself imports nothing.

One server process serves every section (keep-alive HTTP/1.1); clients run in fresh
interpreters so that peak RSS is theirs alone (measured with wait4). Transfer times are taken
the same way on both sides: from the start of the transfer to its end, inside the client
(our timer around the call; curl's own ``%{time_total}``), so process start-up counts for
neither.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _measure import PY, median, run_cmd, run_python, server_process  # noqa: E402

GiB = 1024 ** 3
DEMO = "archfx_cloud.testing.demo:DemoApp"

PER_REQUEST = r"""
import sys, time, json
url = sys.argv[1] if len(sys.argv) > 1 else {url!r}
N = {n}
def timed(fn):
    fn(0)
    t = time.perf_counter()
    for i in range(N):
        fn(i)
    return (time.perf_counter() - t) / N * 1e6
import requests
from archfx_cloud.api.client import RestClient
api = RestClient(url)
raw = requests.Session()
out = {{}}
import slumber, httpx
sl = slumber.API(url + "/", append_slash=False)
hx = httpx.Client()
clients = {{
    "ours": lambda i: api.echo(i).get(),
    "requests": lambda i: raw.get(f"{{url}}/echo/{{i}}"),
    "slumber": lambda i: sl.echo(i).get(),
    "httpx": lambda i: hx.get(f"{{url}}/echo/{{i}}"),
}}
for rnd in range({rounds}):
    for name, fn in clients.items():
        out.setdefault(name, []).append(timed(fn))
print(json.dumps(out))
"""


def bench_requests(url: str, n: int = 1000, rounds: int = 5) -> None:
    import json
    _, _, out = run_python(PER_REQUEST.format(url=url, n=n, rounds=rounds))
    results = {name: median(values) for name, values in json.loads(out).items()}
    base = results["requests"]
    print(f"per-request ({n} sequential GETs x {rounds} interleaved rounds, median, keep-alive local server):")
    for name in ("ours", "requests", "slumber", "httpx"):
        print(f"  {name:9s} {results[name]:8.1f} us/request   ratio to raw requests {results[name] / base:.3f}")


DOWNLOAD = r"""
import sys, time
from archfx_cloud.api.client import RestClient
t = time.perf_counter()
RestClient({url!r}).download({url!r} + "/blob/{size}", {dest!r}, progress=False)
print(time.perf_counter() - t)
"""


def curl_seconds(args: list) -> tuple:
    """(curl's own transfer time, its peak RSS) for ``curl args``."""
    _, peak, out = run_cmd(["curl", "-sS", "-w", "%{time_total}", *args])
    return float(out.strip().split()[-1]), peak


def bench_download(url: str, size: int = GiB, rounds: int = 3) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        dest = os.path.join(tmp, "blob.bin")
        ours, curl, rss = [], [], []
        for _ in range(rounds):
            wall, peak, out = run_python(DOWNLOAD.format(url=url, size=size, dest=dest))
            ours.append(size / float(out) / 2 ** 20)
            rss.append(peak)
            os.unlink(dest)
            seconds, _ = curl_seconds(["-o", dest, f"{url}/blob/{size}"])
            curl.append(size / seconds / 2 ** 20)
            os.unlink(dest)
    o, c = median(ours), median(curl)
    print(f"download {size // 2 ** 20} MiB to disk ({rounds} rounds, median): ours {o:.0f} MiB/s, curl {c:.0f} MiB/s, "
          f"ratio {o / c:.2f}; client peak RSS {max(rss):.0f} MiB")


UPLOAD = r"""
import time
from archfx_cloud.api.client import RestClient
t = time.perf_counter()
answer = RestClient({url!r}).upload({url!r} + "/sink", {src!r}, progress=False)
assert answer["size"] == {size}, answer
print(time.perf_counter() - t)
"""


def bench_upload(url: str, size: int = GiB, rounds: int = 2) -> None:
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        src = os.path.join(tmp, "src.bin")
        with open(src, "wb") as fh:
            block = os.urandom(1024 * 1024)
            for _ in range(size // len(block)):
                fh.write(block)
        ours, curl, rss = [], [], []
        for _ in range(rounds):
            wall, peak, out = run_python(UPLOAD.format(url=url, src=src, size=size))
            ours.append(size / float(out) / 2 ** 20)
            rss.append(peak)
            seconds, _ = curl_seconds(["-o", "/dev/null", "-F", f"file=@{src}", f"{url}/sink"])
            curl.append(size / seconds / 2 ** 20)
    o, c = median(ours), median(curl)
    print(f"streamed multipart upload {size // 2 ** 20} MiB ({rounds} rounds, median): ours {o:.0f} MiB/s, "
          f"curl -F {c:.0f} MiB/s, ratio {o / c:.2f}; client peak RSS {max(rss):.0f} MiB")


def bench_import(url: str, rounds: int = 15) -> None:
    def cost(module: str) -> float:
        times = []
        for _ in range(rounds):
            _, _, out = run_python(f"import time; t = time.perf_counter(); import {module}; "
                                   f"print(time.perf_counter() - t)")
            times.append(float(out))
        return median(times) * 1000

    base = cost("requests")
    for module in ("archfx_cloud.api.client", "archfx_cloud.api.connection"):
        try:
            ours = cost(module)
        except RuntimeError as exc:
            print(f"import {module}: not importable ({str(exc).strip().splitlines()[-1]})")
            continue
        print(f"import {module}: {ours:.1f} ms vs import requests {base:.1f} ms, ratio {ours / base:.2f}")


SECTIONS = {"requests": bench_requests, "download": bench_download, "upload": bench_upload, "import": bench_import}

if __name__ == "__main__":
    chosen = sys.argv[1:] or list(SECTIONS)
    with server_process(DEMO) as server_url:  # one keep-alive server for every section
        for name in chosen:
            SECTIONS[name](server_url)
