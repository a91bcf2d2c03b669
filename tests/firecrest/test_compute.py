"""Compute calls: submission in the four forms, the task polling, squeue/sacct shapes, cancel."""
from __future__ import annotations

import json

import pytest

import firecrest as fc

HOME = "/home/test_user"
SCRIPT = "#!/bin/bash\n#SBATCH --job-name=hello\necho \"hello $GREETING from $SLURM_JOB_ID\"\necho oops >&2\n"


def _posts(emu, path):
    return [e for e in emu.app.exchanges if e.path == path]


def test_submit_script_str_uploads_it_and_waits_for_the_task(client, emu, job_waiter) -> None:
    job = client.submit("cluster", script_str=SCRIPT, env_vars={"GREETING": "world"}, account="project")
    assert set(job) >= {"jobid", "result", "job_file", "job_file_out", "job_file_err", "job_data_out",
                        "job_data_err", "firecrest_taskid"}
    assert isinstance(job["jobid"], int) and job["result"] == "Job submitted"
    sent = _posts(emu, "/compute/jobs/upload")[0]
    assert sent.files == ["file"] and sent.form["account"] == ["project"]
    assert json.loads(sent.form["env"][0]) == {"GREETING": "world"}
    assert "multipart/form-data" in sent.headers["Content-Type"]
    polls = [e for e in emu.app.exchanges if e.path == "/tasks"]
    assert polls and all(e.args == {"tasks": [job["firecrest_taskid"]]} for e in polls)
    record = job_waiter(client, "cluster", job["jobid"])
    assert record["state"] == "COMPLETED" and record["name"] == "hello"
    assert client.head("cluster", job["job_file_out"]) == f"hello world from {job['jobid']}\noops\n"


def test_submit_from_local_and_remote_paths(client, emu, tmp_path, job_waiter) -> None:
    local = tmp_path / "job.sh"
    local.write_text("#!/bin/bash\n#SBATCH -o out.txt\necho local\n")
    first = client.submit("cluster", script_local_path=str(local))
    assert first["job_file"].endswith("/job.sh")
    client.mkdir("cluster", f"{HOME}/jobs")
    client.simple_upload("cluster", str(local), f"{HOME}/jobs", "remote.sh")
    second = client.submit("cluster", script_remote_path=f"{HOME}/jobs/remote.sh")
    sent = _posts(emu, "/compute/jobs/path")[0]
    assert sent.form == {"targetPath": [f"{HOME}/jobs/remote.sh"]}
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert second["job_file_out"] == f"{HOME}/jobs/out.txt"
    job_waiter(client, "cluster", second["jobid"])
    assert client.view("cluster", f"{HOME}/jobs/out.txt") == "local\n"


def test_submit_deprecated_job_script_and_argument_checks(client, tmp_path) -> None:
    local = tmp_path / "old.sh"
    local.write_text("#!/bin/sh\necho old\n")
    with pytest.warns(DeprecationWarning):
        job = client.submit("cluster", str(local))
    assert job["job_file"].endswith("/old.sh")
    with pytest.raises(ValueError):
        client.submit("cluster")
    with pytest.raises(ValueError):
        client.submit("cluster", script_str=SCRIPT, script_remote_path="/x")


def test_a_refused_script_fails_the_task(client) -> None:
    with pytest.raises(fc.FirecrestException) as caught:
        client.submit("cluster", script_str="echo no shebang\n")
    assert "This does not look like a batch script" in str(caught.value)
    with pytest.raises(fc.FirecrestException) as caught:
        client.submit("cluster", script_remote_path=f"{HOME}/missing.sh")
    assert "Unable to open file" in str(caught.value)


def test_poll_active_and_poll_shapes_and_parameters(client, emu, job_waiter) -> None:
    one = client.submit("cluster", script_str="#!/bin/bash\nsleep 1.5\n")
    two = client.submit("cluster", script_str="#!/bin/bash\nsleep 1.5\n")
    active = client.poll_active("cluster")
    assert {j["jobid"] for j in active} == {str(one["jobid"]), str(two["jobid"])}
    assert set(active[0]) >= {"jobid", "partition", "name", "user", "state", "start_time", "time", "time_left",
                              "nodes", "nodelist"}
    only = client.poll_active("cluster", [one["jobid"]], page_size=5, page_number=0)
    assert [j["jobid"] for j in only] == [str(one["jobid"])]
    sent = [e for e in emu.app.exchanges if e.path == "/compute/jobs"][-1]
    assert sent.args == {"jobs": [str(one["jobid"])], "pageSize": ["5"], "pageNumber": ["0"]}
    job_waiter(client, "cluster", one["jobid"])
    job_waiter(client, "cluster", two["jobid"])
    records = client.poll("cluster", [one["jobid"], two["jobid"]], start_time="2000-01-01", end_time="2999-01-01")
    assert [r["state"] for r in records] == ["COMPLETED", "COMPLETED"]
    sent = [e for e in emu.app.exchanges if e.path == "/compute/acct"][-1]
    assert sent.args["jobs"] == [f"{one['jobid']},{two['jobid']}"]
    assert sent.args["starttime"] == ["2000-01-01"] and sent.args["endtime"] == ["2999-01-01"]
    assert client.poll("cluster", [999999]) == []


def test_cancel_expects_200_and_returns_the_task_data(client, emu, job_waiter) -> None:
    job = client.submit("cluster", script_str="#!/bin/bash\nsleep 30\n")
    assert isinstance(client.cancel("cluster", job["jobid"]), str)
    sent = [e for e in emu.app.exchanges if e.method == "DELETE"][-1]
    assert (sent.path, sent.status) == (f"/compute/jobs/{job['jobid']}", 200)
    assert job_waiter(client, "cluster", job["jobid"])["state"] == "CANCELLED"
    with pytest.raises(fc.FirecrestException) as caught:
        client.cancel("cluster", job["jobid"])
    assert "already completing or completed" in str(caught.value)


def test_nodes_partitions_reservations(client, emu) -> None:
    nodes = client.nodes("cluster")
    assert {"NodeName", "Partitions", "State", "ActiveFeatures"} <= set(nodes[0])
    assert [n["NodeName"] for n in client.nodes("cluster", ["nid000001", "nid000002"])] == ["nid000001", "nid000002"]
    assert [e for e in emu.app.exchanges if e.path == "/compute/nodes"][-1].args == {"nodes": ["nid000001,nid000002"]}
    assert [p["PartitionName"] for p in client.partitions("cluster", ["debug"])] == ["debug"]
    client.create_reservation("cluster", "res1", "project", "2", "mc", "2030-01-01T10:00:00", "2030-01-01T12:00:00")
    assert [r["ReservationName"] for r in client.reservations("cluster", ["res1"])] == ["res1"]
    assert [e for e in emu.app.exchanges if e.path == "/compute/reservations"][-1].args == {"reservations": ["res1"]}
    with pytest.raises(fc.FirecrestException) as caught:
        client.nodes("cluster", ["nope"])
    assert "Node nope not found" in str(caught.value)


def test_job_script_features_time_limit_dependency_and_files(client, job_waiter) -> None:
    first = client.submit("cluster", script_str="#!/bin/bash\n#SBATCH --time=0:01\nsleep 5\n")
    assert job_waiter(client, "cluster", first["jobid"])["state"] == "TIMEOUT"
    assert "DUE TO TIME LIMIT" in client.view("cluster", first["job_file_err"])
    script = ("#!/bin/bash\nmkdir -p data\ntruncate -s 2M data/zeros.bin\necho made > data/log.txt\n"
              "echo again >> data/log.txt\nunknowncmd\n")
    job = client.submit("cluster", script_str=script)
    assert job_waiter(client, "cluster", job["jobid"])["state"] == "FAILED"
    workdir = job["job_file"].rsplit("/", 1)[0]
    assert client.stat("cluster", f"{workdir}/data/zeros.bin")["size"] == 2 * 1024 * 1024
    assert client.view("cluster", f"{workdir}/data/log.txt") == "made\nagain\n"
    assert "unknowncmd: command not found" in client.view("cluster", job["job_file_err"])


def test_reservations_crud(client, emu) -> None:
    client.create_reservation("cluster", "r1", "project", "2", "knl", "2030-01-01T10:00:00", "2030-01-01T11:00:00")
    listed = client.all_reservations("cluster")
    assert [r["reservationname"] for r in listed] == ["r1"] and listed[0]["nodecnt"] == "2"
    client.update_reservation("cluster", "r1", "project", "3", "knl", "2030-01-01T10:00:00", "2030-01-01T12:00:00")
    assert client.all_reservations("cluster")[0]["nodecnt"] == "3"
    sent = [e for e in emu.app.exchanges if e.method == "PUT"][-1]
    assert sent.path == "/reservations/r1" and "reservation" not in sent.form
    with pytest.raises(fc.HeaderException) as caught:
        client.create_reservation("cluster", "r1", "project", "2", "knl", "2030-01-01T10:00:00", "2030-01-01T11:00:00")
    assert caught.value.header == "X-Error"
    assert client.delete_reservation("cluster", "r1") is None
    assert client.all_reservations("cluster") == []


def test_array_and_heterogeneous_job_records_are_kept() -> None:
    """Slurm answers a poll of job 123 with its elements (123_4, 123_[5-9], 123+1): keep them,
    and drop only records of other jobs (what a merged async request also fetched)."""
    from firecrest.v1._ops import _filter_jobs

    records = [{"jobid": "123_4"}, {"jobid": "123_[5-9]"}, {"jobid": "123+1"}, {"jobid": "1234"},
               {"jobid": "99"}, {"jobid": 123}]
    assert _filter_jobs(records, ["123"]) == [records[0], records[1], records[2], records[5]]
    assert _filter_jobs(records, None) == records
    assert _filter_jobs(records, [1234, "99"]) == [records[3], records[4]]
