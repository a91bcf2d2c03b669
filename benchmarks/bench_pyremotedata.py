"""pyremotedata against OpenSSH's own tools, on a local sshd, one cipher for everyone.

    python benchmarks/bench_pyremotedata.py            # 1 GiB file + 2,000 x 100 KiB, 3 rounds

1. One 1 GiB file: ``IOHandler.download()`` vs the OpenSSH ``sftp`` client fetching it
   (default settings). Target: at least 0.8x the sftp client's throughput.
2. 2,000 files of 100 KiB: ``RemotePathIterator`` (default parameters, the consumer reads
   every file, consumed files are deleted) vs one bulk ``lftp mirror -P 10`` of the folder.
   Target: at least 0.9x mirror's files per second. The file index is built beforehand, as it
   is for a dataset that has been streamed once. Also reported: a consumer that only checks
   each file's size (the iterator's own cost, without the reading that mirror does not do).

Each round runs the baseline and pyremotedata back to back, every engine in its own process,
each timed as a whole process (start-up, login and, for pyremotedata, Python and its imports);
the reported ratio is the median over rounds (the machine is shared, so single runs vary by
a third); dirty pages are flushed (``sync``) before every run. Client peak RSS is the largest
sum of resident memory over the client's processes (Python, lftp, ssh, sftp), sampled every
50 ms. Before the timed rounds every engine's output is checked byte for byte (SHA-256); the
timed rounds check sizes and counts.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pyremotedata.testing.sshd import LocalSFTPServer, missing_tools  # noqa: E402

CIPHER = "aes128-gcm@openssh.com"


def tree(pid: int) -> List[int]:
    """``pid`` and its descendants, from /proc/<pid>/task/*/children (cheap; no /proc scan)."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", "r", encoding="ascii") as handle:
                    stack.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "r", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeRSS(threading.Thread):
    """Samples the summed RSS of a process and its descendants; keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._halt = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, sum(rss_kib(pid) for pid in tree(self.pid)))
            self._halt.wait(0.05)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak / 1024


def run_measured(args: Sequence[str], stdin: Optional[bytes] = None, env: Optional[Dict[str, str]] = None
                 ) -> Tuple[float, float, str]:
    """(wall seconds, peak client RSS MiB, stdout) of a command."""
    os.sync()  # flush the previous run's writes so their writeback does not land in this run
    began = time.perf_counter()
    proc = subprocess.Popen(list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    sampler = TreeRSS(proc.pid)
    sampler.start()
    out, err = proc.communicate(stdin)
    wall = time.perf_counter() - began
    peak = sampler.stop()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)[:300]} failed ({proc.returncode}): {err.decode()[-3000:]}")
    return wall, peak, out.decode()


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_data(server: LocalSFTPServer, large_mib: int, files: int, file_kib: int) -> Tuple[str, Dict[str, str]]:
    big = server.path("big.bin")
    digest = hashlib.sha256()
    with open(big, "wb") as handle:
        block = os.urandom(1 << 20)
        for index in range(large_mib):  # distinct blocks without paying for 1 GiB of urandom
            chunk = index.to_bytes(8, "little") + block[8:]
            digest.update(chunk)
            handle.write(chunk)
    os.makedirs(server.path("many"))
    small = {}
    for index in range(files):
        data = os.urandom(file_kib * 1024)
        name = f"f{index:05d}.bin"
        with open(server.path(f"many/{name}"), "wb") as handle:
            handle.write(data)
        small[name] = hashlib.sha256(data).hexdigest()
    return digest.hexdigest(), small


OURS_LARGE = """
import json, os, sys, time
from pyremotedata.implicit_mount import IOHandler
kwargs, target = json.loads(sys.argv[1]), sys.argv[2]
with IOHandler(local_dir=sys.argv[3], **kwargs) as io:
    began = time.perf_counter()
    assert io.download("big.bin", os.path.dirname(target)) == target  # a destination directory
    print(json.dumps({"seconds": time.perf_counter() - began}))
"""

OURS_MANY = """
import hashlib, json, os, sys, time
from pyremotedata.implicit_mount import IOHandler, RemotePathIterator
kwargs, local, check, read = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4] == "1"
digests = {}
with IOHandler(local_dir=local, **kwargs) as io:
    io.cd("many")
    began = time.perf_counter()
    count = 0
    for local_path, remote_path in RemotePathIterator(io):
        if read or check:
            with open(local_path, "rb") as handle:
                data = handle.read()
            if check:
                digests[remote_path] = hashlib.sha256(data).hexdigest()
        elif os.path.getsize(local_path) <= 0:
            raise SystemExit(f"empty file {local_path}")
        count += 1
    seconds = time.perf_counter() - began
print(json.dumps({"seconds": seconds, "count": count, "digests": digests}))
"""


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-mib", type=int, default=1024)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--file-kib", type=int, default=100)
    parser.add_argument("--workdir", default=None, help="where server and client files go (default: a temp dir)")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing or shutil.which("sftp") is None:
        print(f"missing: {', '.join(missing + (['sftp (openssh-client)'] if not shutil.which('sftp') else []))}")
        return 2
    work = tempfile.mkdtemp(prefix="prd-bench-", dir=args.workdir)
    py = sys.executable
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=repo + os.pathsep + os.environ.get("PYTHONPATH", ""))
    results: Dict[str, List[Dict[str, float]]] = {"large": [], "many": []}
    try:
        with LocalSFTPServer(base_dir=work) as server:
            print(f"sshd on 127.0.0.1:{server.port}; cipher {CIPHER} for every engine; {os.cpu_count()} CPUs",
                  flush=True)
            big_digest, small_digests = make_data(server, args.large_mib, args.files, args.file_kib)
            ssh_options = server.ssh_options() + ["-o", f"Ciphers={CIPHER}"]
            kwargs = dict(server.mount_kwargs(), ssh_options=ssh_options)
            local = os.path.join(work, "client")
            os.makedirs(local)
            index_env = dict(env)
            subprocess.run([py, "-c", "import json,sys\nfrom pyremotedata.implicit_mount import IOHandler\n"
                            "with IOHandler(local_dir=sys.argv[2], **json.loads(sys.argv[1])) as io:\n"
                            "    io.cd('many'); print(len(io.get_file_index(override=True)))",
                            json.dumps(kwargs), local], check=True, env=index_env, capture_output=True)
            connect = "ssh -a -x " + " ".join(ssh_options)
            mirror_cmd = lambda target: ["lftp", "--norc", "-c",  # noqa: E731
                                         f"set sftp:connect-program '{connect}'; "
                                         f"open -u {server.user}, -p {server.port} sftp://127.0.0.1; "
                                         f"mirror -P 10 {server.path('many')} {target}"]
            sftp_cmd = ["sftp", "-q", "-b", "-", "-P", str(server.port), *ssh_options, f"{server.user}@127.0.0.1"]
            big_target = os.path.join(local, "big.bin")
            get_big = f'get "{server.path("big.bin")}" "{big_target}"\n'.encode()
            mirror_dir = os.path.join(local, "mirror")
            stream_dir = os.path.join(local, "stream")

            def ours_many(check: bool, read: bool) -> Tuple[float, float, Dict[str, str]]:
                os.makedirs(stream_dir)
                wall, rss, out = run_measured([py, "-c", OURS_MANY, json.dumps(kwargs), stream_dir,
                                               "1" if check else "0", "1" if read else "0"], env=env)
                answer = json.loads(out)
                if answer["count"] != args.files or os.listdir(stream_dir):
                    raise RuntimeError("the iterator missed files or left files behind")
                shutil.rmtree(stream_dir)
                # the whole process, like the baselines: interpreter, imports, login, index and all
                return wall, rss, answer["digests"]

            # ---- integrity first (untimed): every byte of every engine's output is checked once
            run_measured(sftp_cmd, stdin=get_big)
            sftp_ok = sha256_file(big_target) == big_digest
            os.remove(big_target)
            run_measured([py, "-c", OURS_LARGE, json.dumps(kwargs), big_target, local], env=env)
            ours_ok = sha256_file(big_target) == big_digest
            os.remove(big_target)
            run_measured(mirror_cmd(mirror_dir))
            mirror_ok = all(sha256_file(os.path.join(mirror_dir, n)) == d for n, d in small_digests.items())
            shutil.rmtree(mirror_dir)
            stream_ok = ours_many(check=True, read=True)[2] == small_digests
            if not (sftp_ok and ours_ok and mirror_ok and stream_ok):
                raise RuntimeError(f"integrity check failed: sftp {sftp_ok} download {ours_ok} "
                                   f"mirror {mirror_ok} iterator {stream_ok}")
            print("integrity: SHA-256 of every transferred file matches (sftp, download(), mirror, iterator)",
                  flush=True)

            for round_index in range(args.rounds):
                # ---- one large file
                wall, rss, _ = run_measured(sftp_cmd, stdin=get_big)
                size_ok = os.path.getsize(big_target) == args.large_mib << 20
                os.remove(big_target)
                ours, ours_rss, out = run_measured([py, "-c", OURS_LARGE, json.dumps(kwargs), big_target, local],
                                                   env=env)  # whole process, like the sftp baseline
                if not (size_ok and os.path.getsize(big_target) == args.large_mib << 20):
                    raise RuntimeError("large-file size check failed")
                os.remove(big_target)
                results["large"].append({"sftp_s": wall, "sftp_rss": rss, "ours_s": ours, "ours_rss": ours_rss})
                print(f"round {round_index + 1}: 1 file  sftp {wall:.2f} s ({args.large_mib / wall:.0f} MiB/s, "
                      f"{rss:.0f} MiB) | download() {ours:.2f} s ({args.large_mib / ours:.0f} MiB/s, "
                      f"{ours_rss:.0f} MiB) | ratio {wall / ours:.2f}", flush=True)
                # ---- many small files
                wall, rss, _ = run_measured(mirror_cmd(mirror_dir))
                if sorted(n for n in os.listdir(mirror_dir) if not n.startswith(".")) != sorted(small_digests):
                    raise RuntimeError("mirror missed files")
                shutil.rmtree(mirror_dir)
                ours, ours_rss, _ = ours_many(check=False, read=True)
                light, _rss, _ = ours_many(check=False, read=False)
                results["many"].append({"mirror_s": wall, "mirror_rss": rss, "ours_s": ours, "ours_rss": ours_rss,
                                        "ours_noread_s": light})
                print(f"round {round_index + 1}: {args.files} files  mirror -P 10 {wall:.2f} s "
                      f"({args.files / wall:.0f} files/s, {rss:.0f} MiB) | RemotePathIterator {ours:.2f} s "
                      f"({args.files / ours:.0f} files/s, {ours_rss:.0f} MiB; consumer reads every file) "
                      f"| ratio {wall / ours:.2f} | {light:.2f} s, ratio {wall / light:.2f} (consumer only "
                      f"checks the size)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    large = results["large"]
    many = results["many"]
    large_ratio = statistics.median(r["sftp_s"] / r["ours_s"] for r in large)
    many_ratio = statistics.median(r["mirror_s"] / r["ours_s"] for r in many)
    print("\nsummary (medians over rounds)")
    print(f"  1 GiB file: download() {args.large_mib / statistics.median(r['ours_s'] for r in large):.0f} MiB/s vs "
          f"sftp {args.large_mib / statistics.median(r['sftp_s'] for r in large):.0f} MiB/s -> "
          f"{large_ratio:.2f}x (target >= 0.80); peak client RSS {max(r['ours_rss'] for r in large):.0f} MiB "
          f"(sftp {max(r['sftp_rss'] for r in large):.0f} MiB)")
    print(f"  {args.files} x {args.file_kib} KiB: RemotePathIterator "
          f"{args.files / statistics.median(r['ours_s'] for r in many):.0f} files/s vs mirror -P 10 "
          f"{args.files / statistics.median(r['mirror_s'] for r in many):.0f} files/s -> {many_ratio:.2f}x "
          f"(target >= 0.90); peak client RSS {max(r['ours_rss'] for r in many):.0f} MiB "
          f"(lftp mirror {max(r['mirror_rss'] for r in many):.0f} MiB)")
    light_ratio = statistics.median(r["mirror_s"] / r["ours_noread_s"] for r in many)
    print(f"  same, consumer only checking sizes: {light_ratio:.2f}x")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"large_ratio": large_ratio, "many_ratio": many_ratio, **results}, handle, indent=2)
    return 0 if large_ratio >= 0.8 and many_ratio >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
