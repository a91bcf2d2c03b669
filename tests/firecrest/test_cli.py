"""The ``firecrest`` command against the emulator: tables, ``--json``, exit codes, transfers."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from firecrest.cli import app

HOME = "/home/test_user"


@pytest.fixture
def cli(emu):
    runner = CliRunner()
    env = {"FIRECREST_URL": emu.url, "FIRECREST_CLIENT_ID": emu.client_id,
           "FIRECREST_CLIENT_SECRET": emu.client_secret, "AUTH_TOKEN_URL": emu.token_url,
           "FIRECREST_SYSTEM": "cluster", "FIRECREST_CONFIG": ""}

    def run(*args: str, input: str = None):
        return runner.invoke(app, list(args), env=env, input=input)

    run.env = env
    return run


def test_tables_by_default_and_json_on_request(cli) -> None:
    result = cli("systems")
    assert result.exit_code == 0
    assert "| System   | Status    | Description  |" in result.output
    result = cli("services", "--json")
    assert result.exit_code == 0 and {s["service"] for s in json.loads(result.output)} >= {"compute", "utilities"}
    assert json.loads(cli("systems", "-n", "cluster2", "--json").output)[0]["system"] == "cluster2"
    assert "Utilities parameters" in cli("parameters").output
    assert "Status of filesystems for `cluster`" in cli("filesystems").output


def test_file_commands(cli, tmp_path) -> None:
    assert cli("mkdir", f"{HOME}/d/e", "-p").exit_code == 0
    local = tmp_path / "notes.txt"
    local.write_text("".join(f"{i}\n" for i in range(1, 13)))
    assert cli("upload", str(local), f"{HOME}/d").exit_code == 0
    listing = json.loads(cli("ls", f"{HOME}/d", "--json").output)
    assert [e["name"] for e in listing] == ["e", "notes.txt"]
    assert cli("head", f"{HOME}/d/notes.txt", "-n", "2").output == "1\n2\n"
    assert cli("head", f"{HOME}/d/notes.txt", "-n", "-10").output == "1\n2\n"
    assert cli("tail", f"{HOME}/d/notes.txt", "-n", "+12").output == "12\n"
    assert cli("head", f"{HOME}/d/notes.txt", "-n", "1", "-c", "1").exit_code == 1
    assert cli("cp", f"{HOME}/d/notes.txt", f"{HOME}/copy.txt").exit_code == 0
    assert cli("mv", f"{HOME}/copy.txt", f"{HOME}/moved.txt").exit_code == 0
    assert cli("chmod", f"{HOME}/moved.txt", "600").exit_code == 0
    assert cli("chown", f"{HOME}/moved.txt", "--group", "project").exit_code == 0
    assert json.loads(cli("stat", f"{HOME}/moved.txt", "--json").output)["gid"] == 2000
    assert "| size      | 27" in cli("stat", f"{HOME}/moved.txt").output
    assert cli("symlink", f"{HOME}/moved.txt", f"{HOME}/ln").exit_code == 0
    assert cli("file", f"{HOME}/d/notes.txt").output.strip() == "ASCII text"
    assert len(cli("checksum", f"{HOME}/moved.txt").output.strip()) == 64
    assert cli("compress", f"{HOME}/d", f"{HOME}/d.tgz").exit_code == 0
    assert cli("extract", f"{HOME}/d.tgz", f"{HOME}/x", ".tgz").exit_code == 0
    out = tmp_path / "back.txt"
    assert cli("download", f"{HOME}/x/d/notes.txt", str(out)).exit_code == 0
    assert out.read_text() == local.read_text()
    assert cli("rm", f"{HOME}/ln", input="n\n").output.endswith("Operation cancelled\n")
    assert cli("rm", f"{HOME}/ln", "--force").exit_code == 0
    assert cli("whoami").output.strip() == "test_user"
    assert cli("id").output.strip().startswith("uid=1000(test_user) gid=1000(test_user) groups=")


def test_failures_exit_non_zero_with_one_line(cli) -> None:
    result = cli("ls", "/no/where")
    assert result.exit_code == 1
    assert "firecrest: Operation failed: last request: 400" in result.output
    assert "path is an invalid path" in result.output
    bad = CliRunner().invoke(app, ["systems"], env={**cli.env, "FIRECREST_CLIENT_SECRET": "wrong"})
    assert bad.exit_code == 1 and "could not fetch token" in bad.output and "wrong" not in bad.output
    missing = CliRunner().invoke(app, ["systems"], env={"FIRECREST_URL": cli.env["FIRECREST_URL"]})
    assert missing.exit_code != 0 and "--client-id" in missing.output


def test_compute_commands(cli, emu, tmp_path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\necho \"$WHO was here\"\nsleep 1.5\n")
    result = cli("submit", str(script), "-e", "WHO=cli", "--json")
    assert result.exit_code == 0, result.output
    job = json.loads(result.output)
    active = json.loads(cli("poll-active", str(job["jobid"]), "--json").output)
    assert [j["jobid"] for j in active] == [str(job["jobid"])]
    assert "Information about jobs in the queue" in cli("poll-active").output
    import time

    for _ in range(300):
        if not json.loads(cli("poll-active", "--json").output):
            break
        time.sleep(0.02)
    accounting = json.loads(cli("poll", str(job["jobid"]), "--json").output)
    assert accounting[0]["state"] == "COMPLETED"
    assert cli("tail", job["job_file_out"]).output == "cli was here\n"
    assert cli("submit", "x", "-e", "novalue").exit_code != 0
    assert "nid000001" in cli("get-nodes").output
    assert "debug" in cli("get-partitions").output
    assert "Information about reservations" in cli("get-reservations").output
    long = cli("submit", str(script), "--json")
    assert cli("cancel", str(json.loads(long.output)["jobid"])).exit_code == 0
    moved = json.loads(cli("submit-template", "mv", job["job_file_out"], f"{HOME}/out.txt", "--job-name", "mover",
                           "--json").output)
    assert moved["result"] == "Job submitted" and moved["system"] == "cluster"
    assert cli("tasks", "--no-pager").exit_code == 0


def test_reservation_group_is_back(cli) -> None:
    assert cli("reservation", "create", "r1", "project", "1", "mc", "2031-01-01T00:00:00",
               "2031-01-01T01:00:00").exit_code == 0
    assert [r["reservationname"] for r in json.loads(cli("reservation", "list", "--json").output)] == ["r1"]
    assert cli("reservation", "update", "r1", "project", "2", "mc", "2031-01-01T00:00:00",
               "2031-01-01T02:00:00").exit_code == 0
    assert cli("reservation", "delete", "r1").exit_code == 0
    assert cli("reservation", "delete", "r1").exit_code == 1


def test_external_transfers_are_carried_out(cli, emu, tmp_path) -> None:
    data = os.urandom(400_000)
    local = tmp_path / "big.bin"
    local.write_bytes(data)
    result = cli("upload", str(local), HOME, "--type", "external", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "status 114" in result.output
    target = tmp_path / "again.bin"
    result = cli("download", f"{HOME}/big.bin", str(target), "--type", "external", "--no-progress")
    assert result.exit_code == 0 and target.read_bytes() == data
    link = cli("download", f"{HOME}/big.bin", "--type", "external")
    assert link.exit_code == 0 and emu.store_server.url in link.output
    form = cli("upload", str(local), HOME, "--type", "external", "--no-transfer")
    assert "curl -f --show-error" in form.output


def test_config_file_and_version(cli, emu, tmp_path) -> None:
    config = tmp_path / "fc.yaml"
    config.write_text(f"firecrest-url: {emu.url}\nclient_id: {emu.client_id}\nclient_secret: {emu.client_secret}\n"
                      f"token_url: {emu.token_url}\nsystem: cluster2\n")
    result = CliRunner().invoke(app, ["--config", str(config), "whoami", "--system", "cluster"])
    assert result.exit_code == 0 and result.output.strip() == "test_user"
    result = CliRunner().invoke(app, ["--config", str(config), "ls", HOME, "--json"])
    assert result.exit_code == 0, result.output
    assert [e.headers.get("X-Machine-Name") for e in emu.app.exchanges if e.path == "/utilities/ls"] == ["cluster2"]
    assert cli("--version").output.startswith("FirecREST CLI Version: ")


def test_the_console_command_runs_in_its_own_process(cli, emu) -> None:
    env = dict(os.environ, **cli.env)
    done = subprocess.run([sys.executable, "-m", "firecrest", "systems", "--json"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [s["system"] for s in json.loads(done.stdout)] == ["cluster", "cluster2"]
    failed = subprocess.run([sys.executable, "-m", "firecrest", "ls", "/none"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert failed.returncode == 1 and "Operation failed" in failed.stderr


def test_the_console_script_is_declared() -> None:
    from importlib.metadata import entry_points

    found = [e for e in entry_points(group="console_scripts") if e.name == "firecrest"]
    assert [e.value for e in found] == ["firecrest.cli_script:main"]
