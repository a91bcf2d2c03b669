"""rmlab.protocol: parsing endpoint specs and encoding calls exactly as the wire protocol says."""
from __future__ import annotations

import pytest
from rmlab import errors
from rmlab.protocol import DEFAULT_ASYNC_TIMEOUT, DEFAULT_SYNC_TIMEOUT, CommunicationType, Endpoint, PayloadType


def spec(**changes):
    base = {"id": "api-x", "resource": ["api", "x"], "method": "get", "payload": "match", "auth": "jwt",
            "communication": "sync", "response": "json", "timeout": 30,
            "arguments": {"scen_id": {"type": "int", "default": "REQUIRED", "limit": None},
                          "citysector_id": {"type": "str", "default": None, "limit": None}}}
    base.update(changes)
    return base


def test_match_payload_appends_arguments_in_order_with_none_as_text() -> None:
    endpoint = Endpoint.make_from_json(spec())
    call = endpoint.encode({"scen_id": "3"})
    assert call.method == "GET" and call.segments == ("api", "x", "3", "None")
    assert endpoint.address == "api/x" and endpoint.budget == 30


def test_json_payload_fills_defaults_casts_and_drops_undeclared() -> None:
    endpoint = Endpoint.make_from_json(spec(payload="json", method="post", arguments={
        "scen_id": {"type": "int", "default": "REQUIRED"}, "operation": {"type": "str", "default": "auto"},
        "ids": {"type": "list", "default": [], "limit": 3}, "ratio": {"type": "float", "default": 1}}))
    call = endpoint.encode({"scen_id": "7", "ids": ("a", "b"), "unknown": 1})
    assert call.json_body == {"scen_id": 7, "operation": "auto", "ids": ["a", "b"], "ratio": 1}
    with pytest.raises(errors.ValueError, match="requires argument 'scen_id'"):
        endpoint.encode({})
    with pytest.raises(errors.ValueError, match="exceeds the server's limit 3"):
        endpoint.encode({"scen_id": 1, "ids": ["a", "b", "c", "d"]})
    with pytest.raises(errors.ValueError, match="argument 'scen_id' .* must be int"):
        endpoint.encode({"scen_id": "seven"})
    with pytest.raises(errors.ValueError, match="must be int"):
        endpoint.encode({"scen_id": True})


def test_multipart_payload_sends_text_fields_and_file_parts(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("Name,Currency\nSpain,eur\n")
    endpoint = Endpoint.make_from_json(spec(payload="multipart", method="post", arguments={
        "scen_id": {"type": "int", "default": "REQUIRED"}, "sector_id": {"type": "str", "default": None},
        "content": {"type": "FileType", "default": "REQUIRED"}}))
    call = endpoint.encode({"scen_id": 2, "content": str(path)})
    assert call.fields == {"scen_id": "2", "sector_id": "None"}
    assert call.files == {"content": str(path)}
    with pytest.raises(FileNotFoundError):
        endpoint.encode({"scen_id": 2, "content": str(tmp_path / "missing.csv")})


def test_spec_rules() -> None:
    with pytest.raises(errors.ValueError, match="no 'communication'"):
        Endpoint.make_from_json({k: v for k, v in spec().items() if k != "communication"})
    with pytest.raises(errors.ValueError, match="cannot declare arguments"):
        Endpoint.make_from_json(spec(payload="none"))
    with pytest.raises(errors.ValueError, match="needs arguments"):
        Endpoint.make_from_json(spec(arguments={}))
    with pytest.raises(errors.ValueError, match="no async_info"):
        Endpoint.make_from_json(spec(communication="async"))
    with pytest.raises(errors.ValueError, match="limit only applies"):
        Endpoint.make_from_json(spec(arguments={"name": {"type": "str", "default": "x", "limit": 3}}))
    with pytest.raises(errors.ValueError, match="must be REQUIRED"):
        Endpoint.make_from_json(spec(payload="multipart", arguments={"f": {"type": "FileType", "default": None}}))
    # Unknown keys are ignored: a newer server must not break this client.
    endpoint = Endpoint.make_from_json(spec(rate_limit=5))
    assert endpoint.json()["id"] == "api-x"
    assert Endpoint.make_from_json(spec()).arguments.limit_of("scen_id") is None


def test_async_budget_defaults_to_an_hour_when_the_spec_has_no_timeout() -> None:
    async_spec = spec(communication="async", timeout=None,
                      async_info={"prepoll_wait": 1, "poll_interval": 10, "poll_endpoint_id": "p",
                                  "result_endpoint_id": "r"})
    del async_spec["timeout"]
    endpoint = Endpoint.make_from_json(async_spec)
    assert endpoint.communication is CommunicationType.ASYNC
    assert endpoint.budget == DEFAULT_ASYNC_TIMEOUT
    sync_spec = spec()
    del sync_spec["timeout"]
    assert Endpoint.make_from_json(sync_spec).budget == DEFAULT_SYNC_TIMEOUT


def test_decode_text_is_the_inverse_of_the_wire_form() -> None:
    endpoint = Endpoint.make_from_json(spec(payload=PayloadType.JSON.value, arguments={
        "scen_id": {"type": "int", "default": "REQUIRED"}, "ids": {"type": "list", "default": []},
        "sector_id": {"type": "str", "default": None}}))
    assert endpoint.decode_text("scen_id", "4") == 4
    assert endpoint.decode_text("ids", '["a"]') == ["a"]
    assert endpoint.decode_text("sector_id", "None") is None
    with pytest.raises(errors.ValueError):
        endpoint.decode_text("scen_id", "None")
