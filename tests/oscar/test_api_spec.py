"""Every Client method against the emulator; what the client sent and what the emulator answered
must agree with OSCAR's Swagger description (paths, methods, parameters, auth, statuses, schemas)."""
from __future__ import annotations

import pytest
import requests

from oscar_python.client import Client
from oscar_python.exceptions import OscarNotFoundError, OscarUnauthorizedError
from oscar_python.testing import OscarEmulator

SERVICE = {"name": "echo", "image": "ghcr.io/grycap/alpine", "script": "#!/bin/sh\ncat $INPUT_FILE_PATH\n",
           "input": [{"storage_provider": "minio.default", "path": "echo/in"}],
           "output": [{"storage_provider": "minio.default", "path": "echo/out"}]}


def test_every_method_matches_the_spec(oscar_emulator: OscarEmulator, check_spec) -> None:
    emu = oscar_emulator
    client = Client(emu.options())
    assert client.health_check().text == "Ok"
    assert client.get_cluster_info().json()["version"] == "v4.1.2"
    assert "minio_provider" in client.get_cluster_config().json()
    assert client.get_cluster_status().json()["oscar"]["ready"] is True

    assert client.create_service(dict(SERVICE)).status_code == 201
    assert [s["name"] for s in client.list_services().json()] == ["echo"]
    svc = client.get_service("echo").json()
    assert len(svc["token"]) == 64 and svc["memory"] == "256Mi"
    assert client.update_service("echo", dict(SERVICE, memory="512Mi")).status_code == 204
    assert client.get_service("echo").json()["memory"] == "512Mi"
    assert client.get_deployment_status("echo").json()["state"] == "ready"
    assert client.get_deployment_logs("echo", timestamps=True, tail_lines=5).json()["available"] is True
    assert client.stop_service("echo").json()["state"] == "stopped"
    assert client.start_service("echo").json()["state"] == "ready"
    assert client.restart_service("echo").status_code == 200

    assert client.run_service("echo", input="hello").text == "hello"
    response = client.run_service("echo", input="async", async_call=True)
    assert response.status_code == 201 and response.text == ""
    job = response.job_name
    page = client.list_jobs("echo").json()
    assert list(page["jobs"]) == [job]
    assert "created" in client.get_job_logs("echo", job, timestamps=True).text
    assert client.remove_job("echo", job).status_code == 204
    assert client.remove_all_jobs("echo").status_code == 204
    assert client.remove_all_jobs("echo", succeeded_only=True).status_code == 204
    assert "logs" in client.get_system_logs(timestamps=True).json()

    assert client.create_volume("data", "1Gi").json()["name"] == "data"
    assert [v["name"] for v in client.list_volumes().json()] == ["data"]
    assert client.get_volume("data").json()["size"] == "1Gi"
    assert client.delete_volume("data").status_code == 204

    assert client.create_bucket("pics", "restricted", ["alice"]).status_code == 201
    assert {b["bucket_name"] for b in client.list_buckets().json()} == {"pics", "echo"}
    assert client.update_bucket("pics", "public").status_code == 204
    assert client.get_bucket("pics").json()["visibility"] == "public"
    presigned = client.presign_bucket("pics", "a/b.png", "upload", expires=60, content_type="image/png").json()
    assert presigned["method"] == "PUT" and presigned["headers"] == {"Content-Type": "image/png"}
    assert client.delete_bucket("pics").status_code == 204

    assert client.get_metrics_summary().json()["totals"]["services_count_total"] == 1
    assert client.get_metrics_breakdown("service").json()["items"][0]["key"] == "echo"
    assert client.get_service_metrics("echo").json()["service_name"] == "echo"
    assert client.update_user_quota("alice", cpu="2", memory="4Gi").json()["resources"]["cpu"]["max"] == 2000
    assert client.get_user_quota("alice").json()["user_id"] == "alice"

    member = {"cluster_id": "c2", "service_name": "echo", "type": "oscar", "url": "https://c2"}
    assert client.add_federation_members("echo", [member]).status_code == 200
    assert client.get_federation("echo").json()["members"] == [member]
    assert client.update_federation_members("echo", [], [dict(member, priority=1)]).status_code == 200
    assert client.remove_federation_members("echo", [member], delete=True).status_code == 200
    assert client.get_federation("echo").json()["members"] == []

    user = Client(emu.oidc_options("alice"))
    assert user.get_own_quota().json()["user_id"] == "alice"

    assert client.remove_service("echo").status_code == 204
    covered = check_spec(emu)
    assert len(set(covered)) >= 40


def test_error_answers_match_the_spec(oscar_emulator: OscarEmulator, check_spec) -> None:
    emu = oscar_emulator
    client = Client(emu.options())
    with pytest.raises(OscarNotFoundError) as err:
        client.get_service("missing")
    assert isinstance(err.value, requests.HTTPError)
    assert err.value.response.status_code == 404 and "missing" in err.value.response.text
    with pytest.raises(OscarNotFoundError):
        client.get_job_logs("missing", "job")
    with pytest.raises(OscarNotFoundError):
        client.delete_volume("missing")
    wrong = Client(emu.options(password="wrong"))
    with pytest.raises(OscarUnauthorizedError) as err:
        wrong.list_services()
    assert "wrong" not in str(err.value) and "wrong" not in repr(err.value)
    with client.api.unchecked():
        answer = client.api.system.services.post({"name": "x" * 40, "image": "i", "script": "s"}, raw=True)
    assert answer.status_code == 400 and "name" in answer.text
    check_spec(emu)


def test_basic_only_and_bearer_only_routes(oscar_emulator: OscarEmulator, check_spec) -> None:
    emu = oscar_emulator
    user = Client(emu.oidc_options("bob"))
    with pytest.raises(OscarUnauthorizedError):
        user.get_system_logs()
    with pytest.raises(OscarUnauthorizedError):
        user.get_user_quota("bob")
    admin = Client(emu.options())
    with pytest.raises(OscarUnauthorizedError):
        admin.get_own_quota()
    check_spec(emu)


@pytest.mark.parametrize("change, message", [
    ({"path": "/system/nothing"}, "not an operation"),
    ({"method": "PATCH"}, "not an operation"),
    ({"status": 418}, "not declared"),
    ({"query": {"verbose": ["1"]}}, "query parameter"),
    ({"response_body": b'{"version": 4}'}, "does not match"),
    ({"response_body": b'{"version": "v4", "colour": "red"}'}, "undeclared"),
    ({"headers": {}}, "without credentials"),
    ({"method": "POST", "path": "/system/buckets/b/presign", "body": b'{"operation": "upload"}',
      "response_body": b'{}'}, "request body"),
])
def test_the_spec_checker_rejects_what_the_spec_does_not_allow(change, message) -> None:
    import sys
    checker = sys.modules["oscar_tests_spec"]
    checker.check_all([_exchange()])  # the unchanged exchange passes
    with pytest.raises(checker.SpecError, match=message):
        checker.check_all([_exchange(**change)])


def _exchange(**kw):
    from oscar_python.testing.emulator import Exchange
    base = dict(method="GET", path="/system/info", query={}, headers={"Authorization": "Basic eA=="}, body=b"",
                status=200, response_headers={"Content-Type": "application/json"},
                response_body=b'{"version": "v4"}', route=None)
    base.update(kw)
    return Exchange(**base)
