"""The oscar-python command against the emulator (and moto S3 for file commands)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
import yaml
from typer.testing import CliRunner

from oscar_python.cli.app import app


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("OSCAR_PYTHON_CONFIG", str(tmp_path / "cfg" / "config.yaml"))
    runner = CliRunner()

    def run(*args, ok=True, stdin=None):
        result = runner.invoke(app, [str(a) for a in args], input=stdin)
        if ok:
            assert result.exit_code == 0, (result.output, result.exception)
        return result
    return run


def add_cluster(cli, emu, name=None, *extra):
    cli("cluster", "add", name or emu.cluster_id, emu.url, emu.user, "--password-stdin", *extra, stdin=emu.password + "\n")


def test_cluster_commands_keep_an_oscar_cli_style_file(cli, oscar_emulator, tmp_path) -> None:
    add_cluster(cli, oscar_emulator, "emu")
    cli("cluster", "add", "other", "https://other.example", "--oidc-account-name", "egi", "--disable-ssl")
    saved = yaml.safe_load((tmp_path / "cfg" / "config.yaml").read_text())
    assert saved["default"] == "emu"
    assert saved["oscar"]["emu"] == {"endpoint": oscar_emulator.url, "ssl_verify": True,
                                     "auth_user": oscar_emulator.user, "auth_password": oscar_emulator.password}
    assert saved["oscar"]["other"]["oidc_account_name"] == "egi" and saved["oscar"]["other"]["ssl_verify"] is False
    assert oct(os.stat(tmp_path / "cfg" / "config.yaml").st_mode & 0o777) == "0o600"
    rows = json.loads(cli("--json", "cluster", "list").stdout)
    assert [(r["id"], r["default"]) for r in rows] == [("emu", True), ("other", False)]
    assert cli("cluster", "default", "-s", "other").stdout.strip() == "other"
    assert cli("cluster", "default").stdout.strip() == "other"
    assert json.loads(cli("cluster", "info", "-c", "emu", "--json").stdout)["version"] == "v4.1.2"
    cli("cluster", "delete", "other")
    assert cli("cluster", "default").stdout.strip() == "emu"
    failed = cli("cluster", "default", "-s", "nope", ok=False)
    assert failed.exit_code == 1 and "not configured" in failed.stderr


def test_apply_run_job_and_logs(cli, oscar_emulator, fdl_dir, tmp_path) -> None:
    add_cluster(cli, oscar_emulator)
    fdl = fdl_dir / "cowsay.yaml"
    fdl.write_text(yaml.safe_dump({"functions": {"oscar": [
        {oscar_emulator.cluster_id: {"name": "cowsay", "image": "ghcr.io/grycap/cowsay", "script": "script.sh"}},
        {oscar_emulator.cluster_id: {"name": "shout", "image": "alpine", "script": "upper.sh"}}]}}))
    assert cli("apply", str(fdl)).stdout.splitlines() == ["service 'cowsay' created", "service 'shout' created"]
    assert [d["action"] for d in json.loads(cli("apply", str(fdl), "--json").stdout)] == ["updated", "updated"]
    assert [s["name"] for s in json.loads(cli("service", "list", "--json").stdout)] == ["cowsay", "shout"]
    assert json.loads(cli("service", "get", "shout").stdout)["image"] == "alpine"
    assert "< Hi there >" in cli("service", "run", "cowsay", "-i", "Hi there").stdout
    (tmp_path / "in.txt").write_text("from a file")
    cli("service", "run", "shout", "-f", tmp_path / "in.txt", "-o", tmp_path / "out.txt", "--no-progress")
    assert (tmp_path / "out.txt").read_text() == "FROM A FILE"
    token = oscar_emulator.service_token("shout")
    assert cli("service", "run", "shout", "-i", "direct", "-e", oscar_emulator.url, "-t", token).stdout == "DIRECT\n"
    job = json.loads(cli("service", "job", "shout", "-i", "later", "--json").stdout)["job"]
    jobs = json.loads(cli("service", "logs", "list", "shout", "--json").stdout)
    assert [j["name"] for j in jobs] == [job]
    assert json.loads(cli("service", "logs", "list", "shout", "-s", "failed", "--json").stdout) == []
    assert job in cli("service", "logs", "get", "shout", "--latest").stdout
    cli("service", "logs", "delete", "shout", "--all")
    assert json.loads(cli("--json", "service", "logs", "list", "shout").stdout) == []
    cli("delete", str(fdl))
    assert json.loads(cli("service", "list", "--json").stdout) == []


def test_failures_exit_non_zero_with_a_message(cli, oscar_emulator) -> None:
    add_cluster(cli, oscar_emulator)
    result = cli("service", "run", "missing", "-i", "x", ok=False)
    assert result.exit_code == 1 and "Error:" in result.stderr and "404" in result.stderr
    assert cli("service", "run", "missing", ok=False).exit_code == 1
    assert cli("service", "logs", "get", "missing", ok=False).exit_code == 1
    assert cli("apply", "/no/such.yaml", ok=False).exit_code == 1
    wrong = cli("cluster", "add", "bad", oscar_emulator.url, "u", "wrong-password")
    assert wrong.exit_code == 0
    denied = cli("service", "list", "-c", "bad", ok=False)
    assert denied.exit_code == 1 and "401" in denied.stderr and "wrong-password" not in denied.stderr


def test_file_commands_through_minio(cli, oscar_s3_emulator, oscar_s3_server, tmp_path) -> None:
    emu = oscar_s3_emulator
    add_cluster(cli, emu)
    bucket = "cli-" + uuid.uuid4().hex[:10]
    oscar_s3_server.boto3_client().create_bucket(Bucket=bucket)
    cli("apply", _fdl(tmp_path, emu.cluster_id))
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8 jpeg bytes")
    cli("service", "put-file", "files", "minio.default", tmp_path / "photo.jpg", f"{bucket}/in", "--no-progress")
    assert json.loads(cli("service", "list-files", "files", "minio.default", bucket, "--json").stdout) == [
        "in/photo.jpg"]
    cli("service", "get-file", "files", "minio.default", f"{bucket}/in/photo.jpg", tmp_path / "copy.jpg",
        "--no-progress")
    assert (tmp_path / "copy.jpg").read_bytes() == b"\xff\xd8 jpeg bytes"
    cli("service", "delete-file", "files", "minio.default", f"{bucket}/in/photo.jpg")
    assert cli("service", "list-files", "files", "minio.default", bucket).stdout.strip() == ""
    missing = cli("service", "get-file", "files", "minio.default", f"{bucket}/nope", tmp_path, ok=False)
    assert missing.exit_code == 1 and "minio.default" in missing.stderr


def _fdl(tmp_path, cluster_id):
    path = tmp_path / "files.yaml"
    path.write_text(yaml.safe_dump({"functions": {"oscar": [
        {cluster_id: {"name": "files", "image": "alpine", "script": "#!/bin/sh\ncat\n"}}]}}))
    return path


def test_console_module_runs_as_a_process(tmp_path) -> None:
    env = dict(os.environ, OSCAR_PYTHON_CONFIG=str(tmp_path / "none.yaml"))
    done = subprocess.run([sys.executable, "-m", "oscar_python.cli", "service", "list"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "no cluster given" in done.stderr
    done = subprocess.run([sys.executable, "-m", "oscar_python.cli", "version"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("oscar-python ")


def _run_with_terminal_stderr(args, env, timeout=60.0):
    """Run the CLI with stderr on a pseudo-terminal (as in an interactive shell); return
    (exit code, stdout, what was drawn on the terminal)."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns, as a terminal has
    proc = subprocess.Popen([sys.executable, "-m", "oscar_python.cli", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    drawn = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    out = proc.stdout.read().decode() if proc.stdout else ""
    return proc.wait(timeout=10), out, drawn.decode("utf-8", "replace")


def test_file_inputs_show_a_progress_bar_on_a_terminal(cli, oscar_emulator, tmp_path) -> None:
    add_cluster(cli, oscar_emulator)
    fdl = tmp_path / "digest.yaml"
    fdl.write_text(yaml.safe_dump({"functions": {"oscar": [
        {oscar_emulator.cluster_id: {"name": "digest", "image": "alpine", "script": "#!/bin/sh\nsha256sum\n"}}]}}))
    cli("apply", fdl)
    big = tmp_path / "input.bin"
    big.write_bytes(os.urandom(3 << 20))
    env = dict(os.environ, OSCAR_PYTHON_CONFIG=os.environ["OSCAR_PYTHON_CONFIG"])
    code, out, drawn = _run_with_terminal_stderr(["service", "run", "digest", "-f", big], env)
    assert code == 0, drawn
    assert "input.bin" in drawn and "100%" in drawn and "3.00M" in drawn, drawn   # tqdm's bar, size in MiB
    code, _, quiet = _run_with_terminal_stderr(["service", "run", "digest", "-f", big, "--no-progress"], env)
    assert code == 0 and "100%" not in quiet
    code, out, drawn = _run_with_terminal_stderr(["service", "job", "digest", "-f", big], env)
    assert code == 0 and "100%" in drawn, drawn
    cli("service", "delete", "digest")
    assert json.loads(cli("service", "list", "--json").stdout) == []
    assert cli("service", "delete", "digest", ok=False).exit_code == 1
