"""Status calls and the API-version gating (one ``/status/parameters`` query, then cached)."""
from __future__ import annotations

import pytest

import firecrest as fc


def test_status_calls_and_shapes(client) -> None:
    services = client.all_services()
    assert {s["service"] for s in services} >= {"compute", "status", "storage", "tasks", "utilities"}
    assert set(services[0]) == {"service", "status", "status_code", "description"}
    assert client.service("compute")["service"] == "compute"
    assert [s["system"] for s in client.all_systems()] == ["cluster", "cluster2"]
    assert client.system("cluster") == {"system": "cluster", "status": "available", "description": "System ready"}
    params = client.parameters()
    assert set(params) == {"general", "compute", "utilities", "storage"}
    assert {"name", "value", "unit", "description"} <= set(params["utilities"][0])
    everything = client.filesystems()
    assert set(everything) == {"cluster", "cluster2"}
    assert client.filesystems("cluster") == {"cluster": everything["cluster"]}
    assert {"name", "path", "description", "status_code", "status"} <= set(everything["cluster"][0])


def test_unknown_service_and_system_are_not_found(client) -> None:
    with pytest.raises(fc.NotFound) as caught:
        client.service("nope")
    assert str(caught.value).endswith(": FirecREST endpoint not found")
    with pytest.raises(fc.NotFound):
        client.system("nope")
    with pytest.raises(ValueError):
        client.system("../tasks")  # refused before anything is sent


def test_the_version_is_asked_once_and_shared(client, emu) -> None:
    assert client.api_version is None
    client.list_files("cluster", "/home/test_user")
    client.list_files("cluster", "/home/test_user")
    client.groups("cluster")
    asked = [e for e in emu.app.exchanges if e.path == "/status/parameters"]
    assert len(asked) == 1 and client.api_version == "1.16.1"


def test_set_api_version_skips_the_query_and_gates(client, emu) -> None:
    client.set_api_version("1.14.0")
    with pytest.raises(fc.NotImplementedOnAPIversion):
        client.filesystems()
    with pytest.raises(fc.NotImplementedOnAPIversion):
        client.list_files("cluster", "/home/test_user", recursive=True)
    with pytest.raises(fc.NotImplementedOnAPIversion):
        client.nodes("cluster")
    assert client.list_files("cluster", "/home/test_user") == []
    assert not [e for e in emu.app.exchanges if e.path == "/status/parameters"]
    with pytest.raises(ValueError):
        client.set_api_version("not a version")


@pytest.mark.emulator(version="1.15.0")
def test_an_older_server_refuses_1_16_features(client) -> None:
    with pytest.raises(fc.NotImplementedOnAPIversion) as caught:
        client.compress("cluster", "/home/test_user", "/home/test_user/x.tgz")
    assert "1.16.0" in str(caught.value)
    assert client.groups("cluster")["user"]["name"] == "test_user"


@pytest.mark.emulator(version="")
def test_a_server_without_a_version_is_assumed_1_15(client) -> None:
    with pytest.warns(UserWarning, match="assuming 1.15.0"):
        client.list_files("cluster", "/home/test_user")
    assert client.api_version == "1.15.0"
