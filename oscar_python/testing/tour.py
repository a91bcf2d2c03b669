"""The OSCAR leg of the tour: a service from an FDL file, sync and async runs, paged jobs and
logs, and a file through the cluster's MinIO (an in-memory S3 server on loopback)."""
from __future__ import annotations

import os
import tempfile
import time
from typing import Callable

from .emulator import OscarEmulator
from .minis3 import MiniS3

FDL = """\
functions:
  oscar:
  - {cluster}:
      name: cowsay
      image: ghcr.io/grycap/cowsay
      script: script.sh
      cpu: 0.5
      input:
      - storage_provider: minio.default
        path: cowsay/in
      output:
      - storage_provider: minio.default
        path: cowsay/out
"""
SCRIPT = "#!/bin/sh\njq '.message' \"$INPUT_FILE_PATH\" -r | /usr/games/cowsay\n"


def run(say: Callable[[str], None]) -> None:
    from oscar_python.client import Client

    with tempfile.TemporaryDirectory() as work, MiniS3() as s3, \
            OscarEmulator(s3_endpoint=s3.url, s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
                          page_size=4, job_pending=0.05, job_running=0.05) as emu:
        say(f"OSCAR emulator on {emu.url}, its MinIO on {s3.url}")
        with open(os.path.join(work, "script.sh"), "w") as handle:
            handle.write(SCRIPT)
        fdl = os.path.join(work, "cowsay.yaml")
        with open(fdl, "w") as handle:
            handle.write(FDL.format(cluster=emu.cluster_id))
        client = Client(emu.options())
        client.create_service(fdl)
        svc = client.get_service("cowsay").json()
        say(f"create_service(cowsay.yaml) -> service {svc['name']!r}, cpu {svc['cpu']}, script read from script.sh")
        answer = client.run_service("cowsay", input={"message": "Hello from the tour"})
        say("run_service (sync) ->\n" + "\n".join("    " + line for line in answer.text.rstrip().splitlines()))
        names = [client.run_service("cowsay", input={"message": f"job {i}"}, async_call=True).job_name
                 for i in range(6)]
        say(f"6 async invocations -> 201 each, jobs found by listing: {', '.join(n[:8] for n in names)}...")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            jobs = list(client.iter_jobs("cowsay"))
            if all(j.status == "Succeeded" for j in jobs):
                break
            time.sleep(0.05)
        first = client.list_jobs("cowsay").json()
        say(f"list_jobs: {len(first['jobs'])} jobs on page 1, remaining_jobs={first['remaining_jobs']}; "
            f"iter_jobs followed next_page -> {len(jobs)} jobs, statuses {sorted({j.status for j in jobs})}")
        logs = client.get_job_logs("cowsay", names[-1]).text
        bubble = next((line.strip() for line in logs.splitlines() if line.strip().startswith("<")), "")
        say(f"get_job_logs(last job): {len(logs.splitlines())} lines, the cow says {bubble!r}")
        storage = client.create_storage_client("cowsay")
        local = os.path.join(work, "message.json")
        with open(local, "w") as handle:
            handle.write('{"message": "stored in MinIO"}')
        storage.upload_file("minio.default", local, "cowsay/in", progress=False)
        listed = [o["Key"] for o in storage.list_files_from_path("minio.default", "cowsay/in")["Contents"]]
        target = os.path.join(work, "downloaded")
        os.makedirs(target)
        storage.download_file("minio.default", target, "cowsay/in/message.json", progress=False)
        with open(os.path.join(target, "message.json")) as handle:
            same = handle.read() == '{"message": "stored in MinIO"}'
        say("the service's buckets were created with it (as OSCAR does); "
            f"minio.default: uploaded message.json, listed {listed}, downloaded it back (identical: {same})")
        client.remove_all_jobs("cowsay")
        client.remove_service("cowsay")
        say("remove_all_jobs (?all=true) and remove_service -> cluster empty: "
            f"{client.list_services().json() == []}")
