"""FDL files: every service for this cluster deployed, scripts resolved, shared sections embedded."""
from __future__ import annotations

import os

import pytest
import yaml

from oscar_python.client import Client
from oscar_python.exceptions import FDLError, ServiceExistsError, ServiceNotFoundError
from oscar_python.fdl import load_services


def write_fdl(directory, cluster_id, **extra):
    doc = {"functions": {"oscar": [
        {cluster_id: {"name": "cowsay", "image": "ghcr.io/grycap/cowsay", "script": "script.sh", "cpu": 1.5,
                      "storage_providers": {"webdav": {"mine": {"hostname": "own", "login": "l", "password": "p"}}}}},
        {"other-cluster": {"name": "elsewhere", "image": "x", "script": "script.sh"}},
        {cluster_id: {"name": "shout", "image": "alpine", "script": "upper.sh", "memory": "128Mi"}},
    ]}}
    doc.update(extra)
    path = os.path.join(str(directory), "services.yaml")
    with open(path, "w") as handle:
        yaml.safe_dump(doc, handle)
    return path


def test_every_service_for_this_cluster_is_deployed(oscar_client: Client, fdl_dir) -> None:
    shared = {"webdav": {"dcache": {"hostname": "dcache", "login": "u", "password": "p"},
                         "mine": {"hostname": "shared", "login": "x", "password": "y"}}}
    path = write_fdl(fdl_dir, oscar_client.id, storage_providers=shared,
                     clusters={"c2": {"endpoint": "https://c2", "auth_user": "u", "auth_password": "p",
                                      "ssl_verify": True}})
    responses = oscar_client.create_services(path)
    assert [r.status_code for r in responses] == [201, 201]
    names = sorted(s["name"] for s in oscar_client.list_services().json())
    assert names == ["cowsay", "shout"]
    cowsay = oscar_client.get_service("cowsay").json()
    assert cowsay["script"].startswith("#!/bin/sh") and "cowsay" in cowsay["script"]
    assert cowsay["cpu"] == "1.5"
    assert cowsay["storage_providers"]["webdav"]["dcache"]["hostname"] == "dcache"
    assert cowsay["storage_providers"]["webdav"]["mine"]["hostname"] == "own"  # the service's own wins
    assert cowsay["clusters"]["c2"]["endpoint"] == "https://c2"
    shout = oscar_client.get_service("shout").json()
    assert shout["cpu"] == "0.2"  # cpu is optional: the server default applies
    assert oscar_client.run_service("shout", input="quiet please").text == "QUIET PLEASE"


def test_create_service_checks_all_names_before_creating_any(oscar_client: Client, fdl_dir) -> None:
    path = write_fdl(fdl_dir, oscar_client.id)
    oscar_client.create_service({"name": "shout", "image": "i", "script": "s"})
    with pytest.raises(ServiceExistsError, match="A service with name 'shout' is already present on the cluster"):
        oscar_client.create_service(path)
    assert [s["name"] for s in oscar_client.list_services().json()] == ["shout"]


def test_cluster_mismatch_is_reported(oscar_client: Client, fdl_dir) -> None:
    path = write_fdl(fdl_dir, "not-this-one")
    with pytest.raises(FDLError, match="FDL clusterID does not match current clusterID") as err:
        oscar_client.create_service(path)
    assert "not-this-one" in str(err.value) and oscar_client.id in str(err.value)


def test_bad_definitions(oscar_client: Client, fdl_dir) -> None:
    with pytest.raises(ValueError, match="Service definition must be a dictionary or a file path"):
        oscar_client.create_service("/no/such/file.yaml")
    with pytest.raises(ValueError, match="Service definition must be a dictionary or a file path"):
        oscar_client.update_service("x", 42)
    (fdl_dir / "broken.yaml").write_text(f"functions:\n  oscar:\n  - {oscar_client.id}:\n      name: b\n"
                                         "      image: i\n      script: missing.sh\n")
    with pytest.raises(FDLError, match="Couldn't read script"):
        oscar_client.create_service(str(fdl_dir / "broken.yaml"))
    (fdl_dir / "invalid.yaml").write_text("functions: [unclosed")
    with pytest.raises(yaml.YAMLError):
        oscar_client.create_service(str(fdl_dir / "invalid.yaml"))


def test_update_and_apply(oscar_client: Client, fdl_dir) -> None:
    with pytest.raises(ServiceNotFoundError, match="The service ghost is not present on the cluster"):
        oscar_client.update_service("ghost", {"name": "ghost", "image": "i", "script": "s"})
    oscar_client.create_service({"name": "svc", "image": "i", "script": "s"})
    token = oscar_client.get_service("svc").json()["token"]
    with pytest.raises(ValueError, match="does not match"):
        oscar_client.update_service("svc", {"name": "other", "image": "i", "script": "s"})
    assert oscar_client.update_service("svc", {"image": "i2", "script": "s"}).status_code == 204
    updated = oscar_client.get_service("svc").json()
    assert updated["image"] == "i2" and updated["token"] == token
    path = write_fdl(fdl_dir, oscar_client.id)
    oscar_client.create_service({"name": "cowsay", "image": "old", "script": "s"})
    done = oscar_client.apply_service(path)
    assert [(name, action) for name, action, _ in done] == [("cowsay", "updated"), ("shout", "created")]
    assert oscar_client.get_service("cowsay").json()["image"] == "ghcr.io/grycap/cowsay"


def test_load_services_keeps_a_single_dict_as_is(fdl_dir) -> None:
    svc = {"name": "plain", "image": "i", "script": "not a path", "cpu": 2}
    assert load_services(svc, "any") == [svc]
    absolute = str(fdl_dir / "script.sh")
    doc = {"functions": {"oscar": [{"c": {"name": "abs", "image": "i", "script": absolute, "cpu": 2}}]}}
    loaded = load_services(doc, "c")
    assert loaded[0]["script"].startswith("#!/bin/sh") and loaded[0]["cpu"] == "2"
