"""The seed README's samples (upstream oscar-python's README), run against the emulator.

The samples are taken from data/seed_readme.md as they are; only the placeholders a reader
would fill in are replaced (endpoint, FDL path, service/job/provider names and paths). The
sample code refers to ``options`` after defining ``options_basic_auth``: ``options`` is that dict,
and the first samples use ``Client`` before the import that later samples show.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import textwrap
import uuid

import pytest
import yaml

from oscar_python.testing import OscarEmulator

README = os.path.join(os.path.dirname(__file__), "data", "seed_readme.md")
PSEUDO_CODE = ('"path_to_fdl" | "JSON_definition"',)  # not Python: a choice between two arguments


def blocks():
    text = open(README, encoding="utf-8").read()
    return [b for b in re.findall(r"``` ?python\n(.*?)```", text, re.S)]


@pytest.fixture
def emu(oscar_s3_server):
    with OscarEmulator(cluster_id="cluster-id", user="username", password="password", record=True,
                       s3_endpoint=oscar_s3_server.url, s3_access_key=oscar_s3_server.access_key,
                       s3_secret_key=oscar_s3_server.secret_key) as emulator:
        yield emulator


def run_block(code: str, namespace: dict, replacements: dict) -> str:
    for old, new in replacements.items():
        code = code.replace(old, new)
    code = "\n".join(line for line in code.splitlines() if not any(p in line for p in PSEUDO_CODE))
    code = textwrap.dedent(code)  # the first samples are indented by two spaces
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, README, "exec"), namespace)
    return buffer.getvalue()


def test_every_seed_sample_runs(emu, oscar_s3_server, tmp_path, check_spec) -> None:
    samples = blocks()
    assert len(samples) == 21
    (tmp_path / "script.sh").write_text("#!/bin/sh\njq '.message' \"$INPUT_FILE_PATH\" -r | /usr/games/cowsay\n")
    (tmp_path / "cowsay.yaml").write_text(yaml.safe_dump({"functions": {"oscar": [{"cluster-id": {
        "name": "cowsay", "memory": "1Gi", "cpu": "1.0", "image": "ghcr.io/grycap/cowsay",
        "script": "script.sh", "log_level": "CRITICAL"}}]}}))
    bucket = "seed-" + uuid.uuid4().hex[:8]
    oscar_s3_server.boto3_client().create_bucket(Bucket=bucket)
    (tmp_path / "local.txt").write_text("seed sample file")
    base = {"'https://cluster-endpoint'": repr(emu.url), "/absolute_path/cowsay.yaml": str(tmp_path / "cowsay.yaml")}
    from oscar_python.client import Client  # the first samples assume the import shown further down
    namespace: dict = {"Client": Client, "options": {"cluster_id": "cluster-id", "endpoint": emu.url, "user": "username",
                                   "password": "password", "ssl": "True"}}
    printed = [run_block(code, namespace, base) for code in samples[:5]]
    assert "Failed with" not in "".join(printed)
    assert '"version": "v4.1.2"' in printed[3].replace("'", '"')
    assert "< Hi there >" in printed[4]
    client = namespace["client"]
    client.create_service({"name": "service_name", "image": "alpine", "script": "#!/bin/sh\ncat\n",
                           "storage_providers": {"minio": {"extra": oscar_s3_server.credentials()}}})
    job = client.run_service("service_name", input="x", async_call=True).job_name
    per_method = dict(base, **{'"job_id"': repr(job), '"storage_provider"': '"minio.default"',
                               '"local_path"': repr(str(tmp_path / "local.txt")), "out.png": str(tmp_path / "out.png")})
    storage_blocks = samples[-4:]
    for code in samples[5:-4]:
        if "remove_service" in code:
            continue  # run last: the calls before need the service
        run_block(code, namespace, per_method)
    assert namespace["service"].json()["name"] == "service_name"
    assert namespace["logs"].status_code == 200 and namespace["log_list"].json()["jobs"]
    assert (tmp_path / "out.png").read_bytes() == b"input"
    run_block(storage_blocks[0], namespace, per_method)
    namespace["storage_service"].upload_file("minio.default", str(tmp_path / "local.txt"), f"{bucket}/in")
    run_block(storage_blocks[1], namespace, per_method)
    assert bucket in {b["Name"] for b in namespace["files"]["Buckets"]}
    run_block(storage_blocks[2], namespace, dict(per_method, **{'"remote_path"': repr(f"{bucket}/up")}))
    os.makedirs(tmp_path / "down")
    run_block(storage_blocks[3], namespace, dict(per_method, **{'"local_path"': repr(str(tmp_path / "down")),
                                                                '"remote_path"': repr(f"{bucket}/up/local.txt")}))
    assert (tmp_path / "down" / "local.txt").read_text() == "seed sample file"
    run_block(next(code for code in samples if "remove_service" in code), namespace, per_method)
    assert namespace["response"].status_code == 204
    check_spec(emu)
