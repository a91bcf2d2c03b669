"""oscar_python storage: 1 GiB upload and download through S3 (minio.default).

    python benchmarks/bench_oscar_s3.py [size_mib]

moto's S3 server runs in its own process on 127.0.0.1. Each client runs in a fresh
interpreter (peak RSS measured with wait4), uploads the file and downloads it back, and the
copy is checked with SHA-256:

* ours     – ``Storage.upload_file`` / ``download_file`` (bounded transfer config, atomic download);
* baseline – upstream's calls: ``boto3`` ``upload_file`` / ``download_fileobj`` with boto3's defaults.

Target: our peak RSS under 100 MiB; the ratio is baseline RSS / ours.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _measure import PY, run_cmd  # noqa: E402

MiB = 1024 * 1024
CREDS = {"access_key": "bench-access", "secret_key": "bench-secret", "region": "us-east-1", "verify": False}

OURS = r"""
import json, os, sys, time
from oscar_python._providers._minio import Minio
creds, path, bucket, out = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
provider = Minio("default", creds)
began = time.perf_counter()
provider.upload_file(path, bucket + "/ours", progress=False)
up = time.perf_counter() - began
began = time.perf_counter()
provider.download_file(out, bucket + "/ours/" + os.path.basename(path), progress=False)
print(json.dumps({"upload": up, "download": time.perf_counter() - began}))
"""

BASELINE = r"""
import json, os, sys, time
import boto3
creds, path, bucket, out = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s3 = boto3.client("s3", endpoint_url=creds["endpoint"], region_name=creds["region"], verify=False,
                  aws_access_key_id=creds["access_key"], aws_secret_access_key=creds["secret_key"])
key = "baseline/" + os.path.basename(path)
began = time.perf_counter()
s3.upload_file(path, bucket, key)                      # upstream _s3.S3.upload_file
up = time.perf_counter() - began
began = time.perf_counter()
with open(out, "wb") as handle:                        # upstream _s3.S3.download_file
    s3.download_fileobj(bucket, key, handle)
print(json.dumps({"upload": up, "download": time.perf_counter() - began}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(4 * MiB), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    size = int(sys.argv[1]) * MiB if len(sys.argv) > 1 else 1024 * MiB
    port = free_port()
    server = subprocess.Popen([PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        creds = dict(CREDS, endpoint=f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start")
                time.sleep(0.1)
        import boto3
        boto3.client("s3", endpoint_url=creds["endpoint"], region_name="us-east-1", aws_access_key_id="a",
                     aws_secret_access_key="b").create_bucket(Bucket="bench")
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "big.bin")
            with open(path, "wb") as handle:
                block = os.urandom(MiB)
                for i in range(size // MiB):
                    handle.write(block[:-4] + i.to_bytes(4, "big"))
            expected = sha256(path)
            results = {}
            for name, code in (("ours", OURS), ("baseline", BASELINE)):
                out = os.path.join(work, f"copy-{name}.bin")
                wall, rss, printed = run_cmd([PY, "-c", code, json.dumps(creds), path, "bench", out])
                assert sha256(out) == expected, f"{name}: the downloaded copy differs"
                os.unlink(out)
                results[name] = (rss, json.loads(printed))
    finally:
        server.terminate()
        server.wait(10)
    mib = size / MiB
    print(f"S3 (moto server, own process): {mib:.0f} MiB upload then download, SHA-256 verified")
    for name, label in (("ours", "ours (Storage)"), ("baseline", "baseline (boto3 defaults, upstream)")):
        rss, t = results[name]
        print(f"  {label:36s}: peak RSS {rss:6.1f} MiB, upload {mib / t['upload']:6.1f} MiB/s, "
              f"download {mib / t['download']:6.1f} MiB/s")
    ours_rss, base_rss = results["ours"][0], results["baseline"][0]
    print(f"  RSS ratio baseline/ours: {base_rss / ours_rss:.2f}x; target ours < 100 MiB: "
          f"{'PASS' if ours_rss < 100 else 'FAIL'}")


if __name__ == "__main__":
    main()
