"""Storage: internal transfer jobs and staged (external) transfers through the object store."""
from __future__ import annotations

import hashlib
import io
import os

import pytest

import firecrest as fc
from firecrest.testing.blobs import Blob

HOME = "/home/test_user"


def _put(emu, path, data: bytes) -> None:
    emu.app.cluster("cluster").fs.write(path, "test_user", Blob.of(data, emu.app.spool_dir))


@pytest.mark.parametrize("method, kind", [("submit_move_job", "mv"), ("submit_copy_job", "cp"),
                                          ("submit_rsync_job", "rsync")])
def test_transfer_jobs_move_data_when_the_job_runs(client, emu, job_waiter, method, kind) -> None:
    _put(emu, f"{HOME}/src.txt", b"payload")
    result = getattr(client, method)("cluster", f"{HOME}/src.txt", f"{HOME}/dst.txt", job_name="xfer-test",
                                     time="10", account="project")
    assert result["system"] == "cluster" and result["result"] == "Job submitted"
    sent = [e for e in emu.app.exchanges if e.path == f"/storage/xfer-internal/{kind}"][0]
    assert sent.form == {"sourcePath": [f"{HOME}/src.txt"], "targetPath": [f"{HOME}/dst.txt"],
                         "jobName": ["xfer-test"], "time": ["10"], "account": ["project"]}
    record = job_waiter(client, "cluster", result["jobid"])
    assert (record["state"], record["partition"], record["name"]) == ("COMPLETED", "xfer", "xfer-test")
    assert client.view("cluster", f"{HOME}/dst.txt") == "payload"
    names = {e["name"] for e in client.list_files("cluster", HOME)}
    assert ("src.txt" in names) == (kind != "mv")
    assert "rsync" in client.view("cluster", result["job_file"]) or kind != "rsync"


def test_delete_compress_and_extract_jobs_with_a_stage_out_dependency(client, emu, job_waiter) -> None:
    client.mkdir("cluster", f"{HOME}/tree/sub", p=True)
    _put(emu, f"{HOME}/tree/sub/f.txt", b"deep")
    slow = client.submit("cluster", script_str="#!/bin/bash\nsleep 1.5\n")
    packed = client.submit_compress_job("cluster", f"{HOME}/tree", f"{HOME}/tree.tgz",
                                        stage_out_job_id=slow["jobid"])
    sent = [e for e in emu.app.exchanges if e.path == "/storage/xfer-internal/compress"][0]
    assert sent.form["stageOutJobId"] == [str(slow["jobid"])] and sent.form["dereference"] == ["False"]
    assert client.poll_active("cluster", [packed["jobid"]])[0]["state"] == "PENDING"
    assert job_waiter(client, "cluster", packed["jobid"])["state"] == "COMPLETED"
    unpacked = client.submit_extract_job("cluster", f"{HOME}/tree.tgz", f"{HOME}/copy", extension=".tgz")
    job_waiter(client, "cluster", unpacked["jobid"])
    assert client.view("cluster", f"{HOME}/copy/tree/sub/f.txt") == "deep"
    removed = client.submit_delete_job("cluster", f"{HOME}/tree")
    job_waiter(client, "cluster", removed["jobid"])
    assert "tree" not in {e["name"] for e in client.list_files("cluster", HOME)}


def test_a_failing_transfer_job_reports_in_its_error_file(client, job_waiter) -> None:
    result = client.submit_move_job("cluster", f"{HOME}/missing", f"{HOME}/x")
    assert job_waiter(client, "cluster", result["jobid"])["state"] == "FAILED"
    assert "cannot stat" in client.view("cluster", result["job_file_err"])


@pytest.mark.emulator(compress_timeout_bytes=1000)
def test_compress_falls_back_to_a_job_after_a_server_timeout(client, emu, monkeypatch) -> None:
    from firecrest.v1 import _ops

    monkeypatch.setattr(_ops, "FALLBACK_FIRST_SLEEP", 0.05)
    _put(emu, f"{HOME}/big.bin", os.urandom(5000))
    with pytest.raises(fc.HeaderException) as caught:
        client.compress("cluster", f"{HOME}/big.bin", f"{HOME}/big.tgz")
    assert caught.value.header == "X-Timeout"
    assert client.compress("cluster", f"{HOME}/big.bin", f"{HOME}/big.tgz", fail_on_timeout=False) == f"{HOME}/big.tgz"
    assert client.file_type("cluster", f"{HOME}/big.tgz") == "gzip compressed data"
    assert [e.path for e in emu.app.exchanges].count("/storage/xfer-internal/compress") == 1
    assert client.extract("cluster", f"{HOME}/big.tgz", f"{HOME}/x", fail_on_timeout=False) == f"{HOME}/x"
    assert client.checksum("cluster", f"{HOME}/x/big.bin") == client.checksum("cluster", f"{HOME}/big.bin")


def test_external_upload_walks_110_to_114_without_curl(client, emu, tmp_path) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 17)
    local = tmp_path / "data.bin"
    local.write_bytes(payload)
    up = client.external_upload("cluster", str(local), f"{HOME}")
    up.poll_seconds = 0.01
    assert isinstance(up, fc.v1.ExternalUpload) and up.task_id
    assert up.status in ("110", "111")
    form = up.object_storage_data
    assert set(form) == {"command", "parameters"} and form["command"].startswith("curl ")
    assert form["parameters"]["method"] == "POST" and form["parameters"]["files"] == str(local)
    seen = []
    up.finish_upload(progress=lambda done, total: seen.append((done, total)), wait=True)
    assert up.status == "114" and not up.in_progress
    assert seen[-1][0] == seen[-1][1] and seen[-1][1] > len(payload)
    assert client.checksum("cluster", f"{HOME}/data.bin") == hashlib.sha256(payload).hexdigest()
    statuses = [t["status"] for e in emu.app.exchanges if e.path == "/tasks" and e.body
                for t in e.body["tasks"].values()]
    assert statuses[0] in ("110", "111") and statuses[-1] == "114"
    assert emu.app.store.requests_with_authorization == 0  # the token never went to the object store


@pytest.mark.emulator(upload_form="put")
def test_external_upload_through_a_presigned_put_url(client, emu, tmp_path) -> None:
    # s3v2/swift storage hands out a PUT URL with the signature in the query, not a POST form
    payload = os.urandom(1024 * 1024 + 5)
    local = tmp_path / "put.bin"
    local.write_bytes(payload)
    up = client.external_upload("cluster", str(local), HOME)
    up.poll_seconds = 0.01
    parameters = up.object_storage_data["parameters"]
    assert parameters["method"] == "PUT" and set(parameters["params"]) == {"AWSAccessKeyId", "Expires", "Signature"}
    up.finish_upload(progress=False, wait=True)
    assert up.status == "114"
    assert client.checksum("cluster", f"{HOME}/put.bin") == hashlib.sha256(payload).hexdigest()
    assert emu.app.store.requests_with_authorization == 0


def test_legacy_flat_s3v2_forms_are_read_as_put_urls() -> None:
    from firecrest.v1.external import _form_parameters
    form = {"url": "http://store/bucket/key", "method": "PUT", "AWSAccessKeyId": "AK", "Signature": "a%2Bb%3D",
            "Expires": 99, "sourcepath": "/tmp/f", "command": "curl ..."}
    assert _form_parameters(form) == {"method": "PUT", "url": "http://store/bucket/key", "files": "/tmp/f",
                                      "params": {"AWSAccessKeyId": "AK", "Signature": "a+b=", "Expires": 99}}
    with pytest.raises(ValueError, match="neither"):
        _form_parameters({"command": "curl"})


def test_external_upload_wait_raises_on_115(client, emu, tmp_path) -> None:
    local = tmp_path / "f.txt"
    local.write_bytes(b"abc")
    client.mkdir("cluster", f"{HOME}/drop")
    up = client.external_upload("cluster", str(local), f"{HOME}/drop")
    up.poll_seconds = 0.01
    up.object_storage_data  # form ready
    emu.app.cluster("cluster").fs.chmod(f"{HOME}/drop", "500", "test_user")  # the copy in will fail
    with pytest.raises(fc.StorageUploadException):
        up.finish_upload(progress=False, wait=True)


def test_external_download_streams_resumably_and_invalidates(client, emu, tmp_path) -> None:
    payload = os.urandom(2 * 1024 * 1024 + 5)
    _put(emu, f"{HOME}/out.bin", payload)
    down = client.external_download("cluster", f"{HOME}/out.bin")
    down.poll_seconds = 0.01
    assert isinstance(down, fc.v1.ExternalDownload)
    link = down.object_storage_link
    assert link.startswith(emu.store_server.url) and "X-Amz-Signature" in link
    assert down.status == "117" and not down.in_progress and down.data["url"] == link
    target = tmp_path / "got.bin"
    down.finish_download(str(target), progress=False)
    assert target.read_bytes() == payload
    buffer = io.BytesIO()
    down.finish_download(buffer, progress=False)
    assert buffer.getvalue() == payload
    down.invalidate_object_storage_link()
    sent = [e for e in emu.app.exchanges if e.path == "/storage/xfer-external/invalidate"][0]
    assert sent.headers["X-Task-Id"] == down.task_id and sent.status == 201
    with pytest.raises(fc.StorageDownloadException):
        down.finish_download(str(tmp_path / "again.bin"), progress=False)
    assert not (tmp_path / "again.bin").exists()
    assert emu.app.store.requests_with_authorization == 0


def test_external_download_errors(client, emu) -> None:
    with pytest.raises(fc.HeaderException) as caught:
        client.external_download("cluster", f"{HOME}/nothing")
    assert caught.value.header == "X-Not-Found"
    with pytest.raises(fc.HeaderException) as caught:
        client.external_download("cluster", HOME)
    assert caught.value.header == "X-A-Directory"


def test_external_download_fails_with_118_when_the_file_vanishes(client, emu) -> None:
    _put(emu, f"{HOME}/brief.bin", b"x" * 10)
    emu.app.staging_seconds = 1.0
    down = client.external_download("cluster", f"{HOME}/brief.bin")
    down.poll_seconds = 0.01
    client.simple_delete("cluster", f"{HOME}/brief.bin")
    with pytest.raises(fc.StorageDownloadException):
        down.object_storage_data


def test_a_dropped_download_is_resumed_and_a_short_one_never_lands(tmp_path) -> None:
    from archfx_cloud.api.exceptions import TransferError
    from archfx_cloud.testing.faults import FaultInjector
    from firecrest.testing import FirecrestEmulator

    injectors = []

    def flaky(app):
        injectors.append(FaultInjector(app, schedule=["truncate", None]))
        return injectors[0]

    payload = os.urandom(3 * 1024 * 1024)
    with FirecrestEmulator(task_seconds=0.01, staging_seconds=0.01, wrap_store=flaky) as emu:
        _put(emu, f"{HOME}/r.bin", payload)
        client = fc.v1.Firecrest(emu.url, authorization=emu.auth)
        client.polling_sleep_times = [0.01] * 500
        down = client.external_download("cluster", f"{HOME}/r.bin")
        down.poll_seconds = 0.01
        target = tmp_path / "r.bin"
        down.finish_download(str(target), progress=False)
        assert target.read_bytes() == payload
        assert injectors[0].stats["truncate"] == 1
        injectors[0].schedule = ["truncate"]  # every attempt drops: give up, leave nothing behind
        with pytest.raises(TransferError) as caught:
            down.finish_download(str(tmp_path / "never.bin"), progress=False)
        assert sorted(os.listdir(tmp_path)) == ["r.bin"]
        signature = down.object_storage_link.split("X-Amz-Signature=")[1]
        assert signature not in str(caught.value) and signature not in repr(caught.value)
