"""oscar_python: run_service with a 200 MiB file input.

    python benchmarks/bench_oscar_run_service.py [size_mib]

The OSCAR emulator runs in its own process with a service whose behaviour is ``sha256`` (it
decodes the base64 body as it streams in and answers ``"<size> <sha256>"``, so the answer
proves every byte arrived). Two clients run in fresh interpreters, peak RSS measured with wait4:

* ours     – ``Client.run_service(name, input=path)``: base64 streamed, Content-Length known;
* baseline – upstream oscar-python's way: read the file, ``base64.b64encode`` it in memory,
             POST the bytes (through the same pipeline, so only the body handling differs).

Target: our peak RSS under 100 MiB; the ratio is baseline RSS / ours.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _measure import PY, run_cmd  # noqa: E402

MiB = 1024 * 1024

SERVER = r"""
import signal, sys, threading
from oscar_python.testing import OscarEmulator
emu = OscarEmulator(user="bench", password="bench-password", cluster_id="bench")
emu.start()
emu.app.services["digest"] = emu.app._validate_service({"name": "digest", "image": "i", "script": "sha256sum"})
emu.app.services["digest"].update(token="t" * 64, owner="bench")
print(emu.url, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
emu.stop()
"""

OURS = r"""
import json, sys, time
from oscar_python.client import Client
url, path = sys.argv[1], sys.argv[2]
client = Client({"cluster_id": "bench", "endpoint": url, "user": "bench", "password": "bench-password", "ssl": False})
began = time.perf_counter()
answer = client.run_service("digest", input=path, timeout=900, progress=False).text
print(json.dumps({"seconds": time.perf_counter() - began, "answer": answer}))
"""

BASELINE = r"""
import base64, json, sys, time
from archfx_cloud.api.auth import TokenAuth
from oscar_python.client import Client
url, path = sys.argv[1], sys.argv[2]
client = Client({"cluster_id": "bench", "endpoint": url, "user": "bench", "password": "bench-password", "ssl": False})
began = time.perf_counter()
token = client.get_service("digest").json()["token"]
with open(path, "rb") as handle:
    body = base64.b64encode(handle.read())          # upstream _utils.encode_input
answer = client.api.request("POST", url + "/run/digest", body=body, raw=True, auth=TokenAuth(token),
                            headers={"Content-Type": "application/json"}, timeout=900).text
print(json.dumps({"seconds": time.perf_counter() - began, "answer": answer}))
"""


def main() -> None:
    size = int(sys.argv[1]) * MiB if len(sys.argv) > 1 else 200 * MiB
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "input.bin")
        digest = hashlib.sha256()
        with open(path, "wb") as handle:
            block = os.urandom(MiB)
            for i in range(size // MiB):
                chunk = block[:-4] + i.to_bytes(4, "big")
                handle.write(chunk)
                digest.update(chunk)
        expected = f"{size} {digest.hexdigest()}"
        server = subprocess.Popen([PY, "-c", SERVER], stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()  # type: ignore[union-attr]
            results = {}
            for name, code in (("ours", OURS), ("baseline", BASELINE)):
                wall, rss, out = run_cmd([PY, "-c", code, url, path])
                data = json.loads(out)
                assert data["answer"].strip() == expected, f"{name}: server saw {data['answer']!r}"
                results[name] = (rss, data["seconds"])
        finally:
            server.terminate()
            server.wait(10)
    ours_rss, ours_s = results["ours"]
    base_rss, base_s = results["baseline"]
    mib = size / MiB
    print(f"run_service, {mib:.0f} MiB file input (base64 body {mib * 4 / 3:.0f} MiB), emulator in its own process")
    print(f"  ours (streamed)   : peak RSS {ours_rss:6.1f} MiB, {ours_s:5.2f} s, {mib / ours_s:6.1f} MiB/s of input")
    print(f"  baseline (upstream: b64encode in memory): peak RSS {base_rss:6.1f} MiB, {base_s:5.2f} s, "
          f"{mib / base_s:6.1f} MiB/s")
    print(f"  RSS ratio baseline/ours: {base_rss / ours_rss:.1f}x; throughput ratio ours/baseline: "
          f"{(mib / ours_s) / (mib / base_s):.2f}")
    print(f"  target ours < 100 MiB: {'PASS' if ours_rss < 100 else 'FAIL'}")


if __name__ == "__main__":
    main()
