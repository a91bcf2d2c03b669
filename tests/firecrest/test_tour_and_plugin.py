"""The tour leg (with a smaller file) and the pytest fixtures other projects get."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from firecrest.testing import tour


def test_the_tour_leg_runs_and_reports(capsys) -> None:
    said = []
    tour.tour(said.append, big_file_mib=2)
    text = "\n".join(said)
    assert "systems: cluster (available), cluster2 (available)" in text
    assert "PENDING" in text and "COMPLETED" in text
    assert "external download of 2 MiB" in text and "sha256 matches the cluster's: True" in text
    assert "the object store saw 0 requests carrying it" in text


def test_plugin_fixtures(firecrest_client, firecrest_async_client, firecrest_emulator) -> None:
    assert firecrest_client.whoami("cluster") == firecrest_emulator.user
    job = firecrest_client.submit("cluster", script_str="#!/bin/bash\necho fixture\n")
    assert job["jobid"] == 1

    async def listing():
        return await firecrest_async_client.list_files("cluster", firecrest_emulator.home)

    assert [e["name"] for e in asyncio.run(listing())] == ["firecrest"]  # where the job script went


def test_the_emulator_runs_from_a_shell() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "firecrest.testing", "--file", "/home/test_user/f.bin:3M"],
                            stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(proc.stdout.readline())
        import firecrest as fc

        client = fc.v1.Firecrest(info["url"], authorization=fc.ClientCredentialsAuth(
            info["client_id"], info["client_secret"], info["token_url"]))
        entries = client.list_files("cluster", "/home/test_user")
        assert [(e["name"], e["size"]) for e in entries] == [("f.bin", str(3 * 1024 * 1024))]
    finally:
        proc.terminate()
        proc.wait(10)
