"""The seed tutorial ("Tutorial for FirecREST v1") runs as written against the emulator.

Its Python blocks are taken from ``data/seed_tutorial_v1.rst`` and executed in order in one
namespace; only the placeholders are filled in: ``<TOKEN>``, ``<firecrest_url>`` and the local
file ``/path/to/local/file`` (a temporary file, so that nothing is written outside the test's
directory). The remote paths it uses are created on the emulated cluster first.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import textwrap

import firecrest.v1.external as external
from firecrest.testing.blobs import Blob

SEED = os.path.join(os.path.dirname(__file__), "data", "seed_tutorial_v1.rst")


def _blocks(language: str):
    text = open(SEED).read()
    pattern = re.compile(rf"\.\. code-block:: {language}\n\n((?:(?:    .*)?\n)+)", re.IGNORECASE)
    return [textwrap.dedent(match.group(1)) for match in pattern.finditer(text)]


def test_the_tutorial_runs_verbatim(emu, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(external, "STAGING_POLL_SECONDS", 0.02)
    monkeypatch.chdir(tmp_path)
    fs = emu.app.cluster("cluster").fs
    fs.mkdir("/home/test_user/test_directory", "test_user")
    fs.write("/home/test_user/test_file.txt", "test_user", Blob.of(b"0123456789"), mode=0o664)
    fs.chmod("/home/test_user/test_directory", "775", "test_user")
    for directory in ("/remote/path/to/the", "/remote/path/to/filesystem"):
        fs.mkdir(directory, "root", parents=True)
        fs.chown(directory, "test_user", "test_user", "root")
    fs.write("/remote/path/to/the/file", "test_user", Blob.of(b"staged for download\n"))
    (tmp_path / "script.sh").write_text("#!/bin/bash\n#SBATCH --job-name=tutorial\necho tutorial\n")
    local = tmp_path / "local-file"
    local.write_bytes(b"uploaded through the staging area\n")

    blocks = _blocks("Python")
    assert len(blocks) == 6
    source = "\n".join(blocks)
    source = source.replace("<TOKEN>", repr(emu.auth.get_access_token())).replace("<firecrest_url>", repr(emu.url))
    source = source.replace('"/path/to/local/file"', repr(str(local)))
    printed = io.StringIO()
    namespace: dict = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(source, SEED, "exec"), namespace)

    client = namespace["client"]
    expected_systems, expected_files = [json.loads(block) for block in _blocks("json")[:2]]
    assert namespace["systems"] == expected_systems
    drop = {"last_modified"}
    assert [{k: v for k, v in e.items() if k not in drop} for e in namespace["files"]] == \
        [{k: v for k, v in e.items() if k not in drop} for e in expected_files]
    job = namespace["job"]
    expected_job = json.loads(_blocks("json")[2])
    assert set(job) - {"firecrest_taskid"} == set(expected_job)
    assert re.fullmatch(r"/home/test_user/firecrest/[0-9a-f]{32}/script.sh", job["job_file"])
    assert job["job_file_out"] == job["job_file"].replace("script.sh", f"slurm-{job['jobid']}.out")
    assert (tmp_path / "my_local_file").read_bytes() == b"staged for download\n"
    up_obj = namespace["up_obj"]
    up_obj.wait()
    assert client.view("cluster", "/remote/path/to/filesystem/local-file") == "uploaded through the staging area\n"
    lines = printed.getvalue().splitlines()
    assert lines[3] in ("116", "117") and lines[4] in ("111", "112", "113", "114")
