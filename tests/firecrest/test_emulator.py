"""The emulator itself, spoken to with plain HTTP (the way another client would see it)."""
from __future__ import annotations

import requests

import pytest

from firecrest.testing import FirecrestEmulator
from firecrest.testing.blobs import Blob

HOME = "/home/test_user"


def _session(emu) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emu.auth.get_access_token()}"
    return session


def test_token_endpoint_follows_the_client_credentials_grant(emu) -> None:
    good = requests.post(emu.token_url, data={"grant_type": "client_credentials", "client_id": emu.client_id,
                                              "client_secret": emu.client_secret})
    assert good.status_code == 200 and good.json()["token_type"] == "Bearer" and good.json()["expires_in"] > 0
    assert emu.app.user_of(good.json()["access_token"]) == "test_user"
    wrong = requests.post(emu.token_url, data={"grant_type": "client_credentials", "client_id": emu.client_id,
                                               "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized_client"
    grant = requests.post(emu.token_url, data={"grant_type": "password"})
    assert grant.status_code == 400


@pytest.mark.off_spec
def test_requests_without_machine_or_token(emu) -> None:
    session = _session(emu)
    missing = session.get(f"{emu.url}/utilities/ls", params={"targetPath": HOME})
    assert missing.status_code == 400 and missing.json() == {"description": "No machine name given"}
    assert requests.get(f"{emu.url}/status/systems").status_code == 401
    assert session.get(f"{emu.url}/nothing/here").status_code == 404
    bad = session.get(f"{emu.url}/utilities/ls", params={"targetPath": "/tmp;rm -rf /"},
                      headers={"X-Machine-Name": "cluster"})
    assert bad.status_code == 400 and bad.json()["error"] == "'targetPath' has invalid char"


def test_tasks_by_id_and_listing(emu) -> None:
    session = _session(emu)
    created = session.get(f"{emu.url}/compute/jobs", headers={"X-Machine-Name": "cluster"}).json()
    one = session.get(f"{emu.url}/tasks/{created['task_id']}").json()["task"]
    assert one["task_id"] == created["task_id"] and one["task_url"] == created["task_url"]
    assert session.get(f"{emu.url}/tasks/unknown").status_code == 404
    listing = session.get(f"{emu.url}/tasks").json()["tasks"]
    assert list(listing) == [created["task_id"]]
    assert session.get(f"{emu.url}/tasks", params={"tasks": "unknown"}).json() == {"tasks": {}}


def _staged_link(emu) -> str:
    emu.app.cluster("cluster").fs.write(f"{HOME}/f.bin", "test_user", Blob.of(bytes(range(256)) * 8))
    session = _session(emu)
    task = session.post(f"{emu.url}/storage/xfer-external/download", data={"sourcePath": f"{HOME}/f.bin"},
                        headers={"X-Machine-Name": "cluster"}).json()["task_id"]
    for _ in range(500):
        found = session.get(f"{emu.url}/tasks", params={"tasks": task}).json()["tasks"][task]
        if found["status"] == "117":
            return found["data"]["url"]
        __import__("time").sleep(0.01)
    raise AssertionError("download never staged")


def test_object_store_serves_ranges_and_refuses_a_second_credential(emu) -> None:
    url = _staged_link(emu)
    whole = requests.get(url)
    assert whole.status_code == 200 and whole.content == bytes(range(256)) * 8
    part = requests.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["Content-Range"] == "bytes 100-199/2048"
    stale = requests.get(url, headers={"Range": "bytes=100-", "If-Range": '"other"'})
    assert stale.status_code == 200 and len(stale.content) == 2048
    refused = requests.get(url, headers={"Authorization": "Bearer x"})
    assert refused.status_code == 400 and b"Only one auth mechanism allowed" in refused.content
    tampered = requests.get(url.replace("X-Amz-Expires=604800", "X-Amz-Expires=999999"))
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content


def test_presigned_links_expire(emu) -> None:
    url = _staged_link(emu)
    emu.app.store.clock = lambda: __import__("time").time() + 700000
    expired = requests.get(url)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


def test_the_upload_form_works_with_any_http_client(emu, tmp_path) -> None:
    session = _session(emu)
    task = session.post(f"{emu.url}/storage/xfer-external/upload", data={"sourcePath": "x.txt", "targetPath": HOME},
                        headers={"X-Machine-Name": "cluster"}).json()["task_id"]
    import time

    for _ in range(500):
        found = session.get(f"{emu.url}/tasks", params={"tasks": task}).json()["tasks"][task]
        if found["status"] == "111":
            break
        time.sleep(0.01)
    parameters = found["data"]["msg"]["parameters"]
    answer = requests.post(parameters["url"], data=parameters["data"], files={"file": ("x.txt", b"by hand")})
    assert answer.status_code == 204
    for _ in range(500):
        if session.get(f"{emu.url}/tasks", params={"tasks": task}).json()["tasks"][task]["status"] == "114":
            break
        time.sleep(0.01)
    assert emu.app.cluster("cluster").fs.read(f"{HOME}/x.txt", "test_user").read() == b"by hand"
    forged = dict(parameters["data"], key=parameters["data"]["key"] + "-other")
    assert requests.post(parameters["url"], data=forged, files={"file": ("x", b"1")}).status_code == 403


def test_emulator_runs_with_latency_and_other_systems() -> None:
    with FirecrestEmulator(systems=("daint",), latency=0.01) as emu:
        session = _session(emu)
        answer = session.get(f"{emu.url}/status/systems").json()["out"]
    assert [s["system"] for s in answer] == ["daint"]


def test_compute_tasks_pass_through_in_progress(emu) -> None:
    """Queued (100) -> in progress (101) -> finished (200), as the server's tasks do; the client
    waits through 101."""
    import firecrest as fc

    emu.app.task_seconds = 0.6
    client = fc.v1.Firecrest(emu.url, authorization=emu.auth)
    client.polling_sleep_times = [0.05] * 200
    job = client.submit("cluster", script_str="#!/bin/bash\necho hi\n")
    assert job["jobid"]
    seen = [task["status"] for e in emu.app.exchanges if e.path == "/tasks" and e.status == 200
            for task in e.body["tasks"].values()]
    assert seen[0] == "100" and seen[-1] == "200" and "101" in seen, seen
    assert seen.index("101") < seen.index("200")
