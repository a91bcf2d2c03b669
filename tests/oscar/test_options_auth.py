"""Client options, the three authentication modes, token refresh and 'never Bearer None'."""
from __future__ import annotations

import json
import sys
import types

import pytest

from oscar_python._oidc import OIDC
from oscar_python._utils import load_config
from oscar_python.client import Client
from oscar_python.client_anon import AnonymousClient
from oscar_python.exceptions import OptionsError, OscarAuthError, OscarUnauthorizedError
from oscar_python.testing import OscarEmulator


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("True", True), ("False", False), ("false", False), ("0", False),
    ("no", False), ("OFF", False), ("yes", True), ("1", True), (0, False), (1, True)])
def test_ssl_option_is_parsed_not_truth_tested(value, expected) -> None:
    client = Client({"cluster_id": "c", "endpoint": "https://oscar.example", "user": "u", "password": "p",
                     "ssl": value})
    assert client.ssl is expected
    assert client.api.verify is expected or (expected is True and client.api.verify)


def test_ssl_option_rejects_garbage_and_accepts_a_ca_bundle(tmp_path) -> None:
    with pytest.raises(ValueError, match="ssl"):
        Client({"cluster_id": "c", "endpoint": "https://h", "user": "u", "password": "p", "ssl": "maybe"})
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    client = Client({"cluster_id": "c", "endpoint": "https://h", "user": "u", "password": "p", "ssl": str(bundle)})
    assert client.ssl == str(bundle)


def test_missing_and_unknown_options_give_clear_errors() -> None:
    with pytest.raises(KeyError, match="cluster_id"):
        Client({"endpoint": "https://h", "user": "u", "password": "p"})
    with pytest.raises(ValueError, match="'endpoint'"):
        Client({"cluster_id": "c", "user": "u", "password": "p"})
    with pytest.raises(ValueError, match="Unrecognized authentication credentials in options"):
        Client({"cluster_id": "c", "endpoint": "https://h", "ssl": True, "token": "x"})
    with pytest.raises(OptionsError, match="'password'"):
        Client({"cluster_id": "c", "endpoint": "https://h", "user": "u"})
    with pytest.raises(ValueError, match="endpoint"):
        Client({"cluster_id": "c", "endpoint": "ftp://h", "user": "u", "password": "p"})
    with pytest.raises(ValueError, match="dict"):
        Client("https://h")  # type: ignore[arg-type]


def test_auth_precedence_and_defaults() -> None:
    base = {"cluster_id": "c", "endpoint": "https://h", "ssl": True}
    assert Client(dict(base, user="u", password="p", shortname="agent"))._AUTH_TYPE == "basicauth"
    assert Client(dict(base, shortname="agent", oidc_token="t"))._AUTH_TYPE == "oidc-agent"
    oidc = Client(dict(base, oidc_token="t"))
    assert oidc._AUTH_TYPE == "oidc"
    assert oidc.scopes == ["openid", "email", "profile", "voperson_id", "eduperson_entitlement"]
    assert oidc.token_endpoint == "https://aai.egi.eu/auth/realms/egi/protocol/openid-connect/token"
    assert oidc.client_id == "token-portal"
    assert "p" not in repr(Client(dict(base, user="u", password="p")).api.auth).replace("password=", "")


def test_secrets_never_show_in_reprs_or_errors(oscar_emulator: OscarEmulator) -> None:
    client = Client(oscar_emulator.options())
    assert oscar_emulator.password not in repr(client) + repr(client.api) + repr(client.api.auth)
    with pytest.raises(OscarUnauthorizedError) as err:
        Client(oscar_emulator.options(password="s3cr3t-value")).list_services()
    assert "s3cr3t-value" not in str(err.value) + repr(err.value)


def test_oidc_user_calls_with_bearer(oscar_emulator: OscarEmulator) -> None:
    emu = oscar_emulator
    client = Client(emu.oidc_options("alice"))
    client.create_service({"name": "mine", "image": "i", "script": "s"})
    assert client.get_service("mine").json()["owner"] == "alice"
    assert emu.exchanges[-1].headers["Authorization"].startswith("Bearer ")
    other = Client(emu.oidc_options("bob"))
    assert other.list_services().json() == []  # private services are the owner's


def test_expired_token_is_refreshed_before_the_request(oscar_emulator: OscarEmulator) -> None:
    emu = oscar_emulator
    options = emu.oidc_options("alice", lifetime=-10, refresh=True)
    expired = options["oidc_token"]
    client = Client(options)
    assert client.list_services().status_code == 200
    sent = emu.exchanges[-1].headers["Authorization"]
    assert sent.startswith("Bearer ") and sent != "Bearer " + expired
    assert client.oidc_token == sent[7:]
    assert [e.path for e in emu.exchanges] == ["/oidc/token", "/system/services"]
    assert not OIDC.is_access_token_expired(client.oidc_token)


def test_a_401_triggers_one_refresh_and_a_replay(oscar_emulator: OscarEmulator) -> None:
    emu = oscar_emulator
    forged = OscarEmulator().app.issue_token("alice")  # valid-looking, signed by another issuer key
    client = Client({"cluster_id": emu.cluster_id, "endpoint": emu.url, "oidc_token": forged,
                     "refresh_token": emu.issue_refresh_token("alice"), "token_endpoint": emu.token_endpoint})
    assert client.list_services().status_code == 200
    assert [(e.path, e.status) for e in emu.exchanges] == [
        ("/system/services", 401), ("/oidc/token", 200), ("/system/services", 200)]


def test_failed_refresh_raises_and_sends_no_bearer_none(oscar_emulator: OscarEmulator) -> None:
    emu = oscar_emulator
    client = Client({"cluster_id": emu.cluster_id, "endpoint": emu.url, "ssl": "True",
                     "oidc_token": emu.issue_token("alice", lifetime=-5), "refresh_token": "revoked",
                     "token_endpoint": emu.token_endpoint})
    with pytest.raises(OscarAuthError, match="refresh failed"):
        client.list_services()
    assert [e.path for e in emu.exchanges] == ["/oidc/token"]
    assert OIDC.refresh_access_token("revoked", ["openid"], emu.token_endpoint, "token-portal") is None


def test_refresh_token_only_fetches_a_token_first(oscar_emulator: OscarEmulator) -> None:
    emu = oscar_emulator
    client = Client({"cluster_id": emu.cluster_id, "endpoint": emu.url,
                     "refresh_token": emu.issue_refresh_token("carol"), "token_endpoint": emu.token_endpoint})
    assert client.get_access_token().count(".") == 2
    assert client.get_own_quota().json()["user_id"] == "carol"


@pytest.fixture
def fake_oidc_agent(monkeypatch):
    """liboidcagent's interface, answering like a local oidc-agent would (no agent runs here)."""
    calls = []
    module = types.ModuleType("liboidcagent")

    def get_access_token(account, min_valid_period=0, application_hint="", scope=None, audience=None):
        calls.append(account)
        return tokens[account]

    tokens = {}
    module.get_access_token = get_access_token  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "liboidcagent", module)
    return tokens, calls


def test_oidc_agent_token_is_fetched_per_call(oscar_emulator: OscarEmulator, fake_oidc_agent) -> None:
    emu = oscar_emulator
    tokens, calls = fake_oidc_agent
    tokens["egi"] = emu.issue_token("dave")
    client = Client({"cluster_id": emu.cluster_id, "endpoint": emu.url, "shortname": "egi", "ssl": True})
    client.create_service({"name": "agent-svc", "image": "i", "script": "s"})  # GET (exists?) + POST
    assert calls == ["egi", "egi"]
    tokens["egi"] = emu.issue_token("dave", lifetime=7200)  # the agent renewed the token
    client.list_services()
    assert calls == ["egi", "egi", "egi"]
    assert emu.exchanges[-1].headers["Authorization"] == "Bearer " + tokens["egi"]
    # upstream raised AttributeError here: the agent token is used for the invocation
    assert client.run_service("agent-svc", input="hi").text == "hi"
    assert client.get_access_token() == tokens["egi"]


def test_oidc_agent_unavailable_is_an_auth_error(monkeypatch, oscar_emulator: OscarEmulator) -> None:
    monkeypatch.setitem(sys.modules, "liboidcagent", None)
    client = Client({"cluster_id": "c", "endpoint": oscar_emulator.url, "shortname": "egi"})
    with pytest.raises(OscarAuthError, match="liboidcagent"):
        client.list_services()
    assert oscar_emulator.exchanges == []


def test_anonymous_client_needs_a_token(oscar_client, oscar_emulator: OscarEmulator) -> None:
    oscar_client.create_service({"name": "anon", "image": "i", "script": "s"})
    anon = AnonymousClient({"cluster_id": "c", "endpoint": oscar_emulator.url, "ssl": "False"})
    with pytest.raises(OscarAuthError, match="token="):
        anon.run_service("anon", input="x")
    token = oscar_emulator.service_token("anon")
    assert anon.run_service("anon", input="x", token=token).text == "x"
    response = anon.run_service("anon", input="y", token=token, async_call=True)
    assert response.status_code == 201 and response.job_name is None


def test_load_config(tmp_path) -> None:
    path = tmp_path / "clusters.json"
    path.write_text(json.dumps({"clusters": {"prod": {"endpoint": "https://oscar", "user": "u", "password": "p"},
                                             "egi": {"endpoint": "https://egi", "ssl": False, "shortname": "a"}}}))
    assert load_config(str(path), "prod") == {"cluster_id": "prod", "endpoint": "https://oscar", "ssl": True,
                                              "user": "u", "password": "p"}
    assert Client(load_config(str(path), "egi"))._AUTH_TYPE == "oidc-agent"
    with pytest.raises(KeyError, match="default"):
        load_config(str(path))


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verification_follows_the_ssl_option(tmp_path) -> None:
    from archfx_cloud.api.exceptions import HttpCouldNotVerifyServerError
    from archfx_cloud.testing.tls import self_signed_server_context
    context, cert = self_signed_server_context(str(tmp_path))
    with OscarEmulator(ssl_context=context) as emu:
        assert emu.url.startswith("https://")
        with pytest.raises(HttpCouldNotVerifyServerError):
            Client(emu.options(ssl="True", retries=0)).get_cluster_info()
        assert Client(emu.options(ssl="False")).get_cluster_info().status_code == 200
        assert Client(emu.options(ssl=cert)).get_cluster_info().status_code == 200
