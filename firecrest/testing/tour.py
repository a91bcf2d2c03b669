"""The FirecREST leg of the tour (``python -m archfx_cloud.tour --only firecrest``)."""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from typing import Callable

BIG_FILE_MIB = 100


def run(say: Callable[[str], None]) -> None:
    """List systems and a directory, upload a file, submit a job from a string, poll it to the
    end, read its output, and move a 100 MiB file out through an external download."""
    tour(say, BIG_FILE_MIB)


def tour(say: Callable[[str], None], big_file_mib: int) -> None:
    import firecrest as fc
    from .emulator import FirecrestEmulator

    # A job stays queued for a second so that a loaded machine still sees it PENDING first.
    with FirecrestEmulator(pending_seconds=1.0) as emu, tempfile.TemporaryDirectory() as tmp:
        say(f"FirecREST emulator on {emu.url} (object store on {emu.store_server.url})")
        auth = fc.ClientCredentialsAuth(emu.client_id, emu.client_secret, emu.token_url)
        client = fc.v1.Firecrest(firecrest_url=emu.url, authorization=auth)
        systems = client.all_systems()
        say(f"systems: {', '.join(s['system'] + ' (' + s['status'] + ')' for s in systems)}; "
            f"API version {client.parameters()['general'][0]['value']}")
        home = f"/home/{client.whoami('cluster')}"
        local = os.path.join(tmp, "input.txt")
        with open(local, "w") as f:
            f.write("".join(f"sample {i}\n" for i in range(1, 101)))
        client.simple_upload("cluster", local, home)
        entries = client.list_files("cluster", home)
        say(f"ls {home}: " + ", ".join(f"{e['name']} ({e['type']}, {e['size']} B)" for e in entries))
        script = ("#!/bin/bash\n#SBATCH --job-name=tour\n#SBATCH --output=tour-%j.out\n"
                  "echo \"job $SLURM_JOB_ID ($SLURM_JOB_NAME) running on $SLURMD_NODENAME\"\n"
                  f"truncate -s {big_file_mib}M {home}/results.bin\nsleep 1\necho done\n")
        began = time.perf_counter()
        job = client.submit("cluster", script_str=script)
        say(f"submitted job {job['jobid']} from a script string (task {job['firecrest_taskid'][:8]}...) "
            f"in {time.perf_counter() - began:.2f} s")
        states = []
        while True:
            active = client.poll_active("cluster", [job["jobid"]])
            if not active:
                break
            if not states or states[-1] != active[0]["state"]:
                states.append(active[0]["state"])
            time.sleep(0.1)
        record = client.poll("cluster", [job["jobid"]])[0]
        states.append(record["state"])
        say(f"polled job {job['jobid']}: {' -> '.join(states)}")
        say(f"its output ({record['job_file_out'].rsplit('/', 1)[-1]}): "
            f"{client.head('cluster', record['job_file_out']).strip()!r}")
        size = client.stat("cluster", f"{home}/results.bin")["size"]
        down = client.external_download("cluster", f"{home}/results.bin")
        target = os.path.join(tmp, "results.bin")
        began = time.perf_counter()
        down.finish_download(target, progress=True)
        elapsed = time.perf_counter() - began
        digest = hashlib.sha256()
        with open(target, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        same = digest.hexdigest() == client.checksum("cluster", f"{home}/results.bin")
        say(f"external download of {size // 2**20} MiB through the staging area in {elapsed:.2f} s "
            f"(status {down.status}); sha256 matches the cluster's: {same}")
        down.invalidate_object_storage_link()
        say(f"the token was fetched {emu.app.token_requests} time(s) for {len(emu.app.requests)} kinds of request; "
            f"the object store saw {emu.app.store.requests_with_authorization} requests carrying it")
