"""Authorization objects: client credentials (cached, refreshed on 401), token commands, API keys."""
from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

import firecrest as fc


def _creds(emu, **kwargs) -> fc.ClientCredentialsAuth:
    return fc.ClientCredentialsAuth(emu.client_id, emu.client_secret, emu.token_url, **kwargs)


def test_client_credentials_token_is_cached(emu) -> None:
    auth = _creds(emu)
    client = fc.v1.Firecrest(emu.url, authorization=auth)
    for _ in range(4):
        client.all_systems()
    assert emu.app.token_requests == 1
    assert auth.get_access_token() == auth.get_access_token()
    assert emu.app.token_requests == 1
    token_call = [e for e in emu.app.exchanges if e.endpoint == "token"][0]
    assert token_call.form["grant_type"] == ["client_credentials"]
    assert token_call.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert emu.client_secret not in repr(auth)


@pytest.mark.emulator(token_lifetime=5)
def test_min_token_validity_renews_tokens_about_to_expire(emu) -> None:
    auth = _creds(emu, min_token_validity=10)
    client = fc.v1.Firecrest(emu.url, authorization=auth)
    client.all_systems()
    client.all_systems()
    assert emu.app.token_requests == 2


def test_client_secret_basic(emu) -> None:
    auth = _creds(emu, client_auth_method="client_secret_basic")
    assert fc.v1.Firecrest(emu.url, authorization=auth).whoami("cluster") == "test_user"
    token_call = [e for e in emu.app.exchanges if e.endpoint == "token"][0]
    assert token_call.headers["Authorization"].startswith("Basic ") and "client_secret" not in token_call.form
    with pytest.raises(ValueError):
        _creds(emu, client_auth_method="private_key_jwt")


def test_refused_credentials(emu) -> None:
    auth = fc.ClientCredentialsAuth(emu.client_id, "wrong-secret", emu.token_url)
    client = fc.v1.Firecrest(emu.url, authorization=auth)
    with pytest.raises(fc.ClientsCredentialsException) as caught:
        client.all_systems()
    message = str(caught.value)
    assert message.startswith("last request: 401 {'error': 'unauthorized_client'")
    assert message.endswith(": Client credentials error") and "wrong-secret" not in message


def test_a_revoked_token_is_replaced_once_and_the_call_replayed(emu) -> None:
    auth = _creds(emu)
    client = fc.v1.Firecrest(emu.url, authorization=auth)
    client.all_systems()
    emu.app.revoke_tokens()
    assert client.all_systems()[0]["system"] == "cluster"
    assert emu.app.token_requests == 2
    statuses = [e.status for e in emu.app.exchanges if e.endpoint == "systems"]
    assert statuses == [200, 401, 200]


def test_whoami_without_machine_reads_the_service_account_role(emu) -> None:
    client = fc.v1.Firecrest(emu.url, authorization=_creds(emu))
    assert client.whoami() == "test_user"
    other = fc.v1.Firecrest(emu.url, authorization=_creds(emu), sa_role="another-role")
    assert other.whoami() == f"service-account-{emu.client_id}"

    class Opaque:
        def get_access_token(self) -> str:
            return "opaque"

    assert fc.v1.Firecrest(emu.url, authorization=Opaque()).whoami() is None


def test_token_command_reuses_a_jwt_until_it_expires(emu) -> None:
    token = emu.auth.get_access_token()
    auth = fc.TokenCommandAuth(f"echo {shlex.quote(token)}")
    client = fc.v1.Firecrest(emu.url, authorization=auth)
    for _ in range(3):
        client.all_systems()
    assert auth.runs == 1 and auth.get_access_token() == token
    short = emu.app.issue_token(lifetime=5)
    per_call = fc.TokenCommandAuth([sys.executable, "-c", f"print({short!r})"], min_token_validity=10)
    client = fc.v1.Firecrest(emu.url, authorization=per_call)
    client.all_systems()
    client.all_systems()
    assert per_call.runs == 2


def test_a_failing_token_command(emu) -> None:
    client = fc.v1.Firecrest(emu.url, authorization=fc.TokenCommandAuth("exit 3"))
    with pytest.raises(subprocess.CalledProcessError):
        client.all_systems()


def test_api_key_auth_works_with_v1(emu) -> None:
    client = fc.v1.Firecrest(emu.url, authorization=fc.ApiKeyAuth("k-123"))
    with pytest.raises(fc.UnauthorizedException):
        client.all_systems()  # the emulator wants a JWT; what matters is that the header went out
    sent = emu.app.exchanges[-1]
    assert sent.headers["X-Api-Key"] == "k-123" and "Authorization" not in sent.headers
    assert "k-123" not in repr(fc.ApiKeyAuth("k-123"))


def test_an_object_without_token_methods_is_refused() -> None:
    with pytest.raises(TypeError, match="get_access_token"):
        fc.v1.Firecrest("https://firecrest.example.org", authorization=object())


def test_whoami_of_a_service_account_token_without_its_client_roles(emu) -> None:
    """pyfirecrest falls back to preferred_username when the service-account claims are incomplete."""
    import base64
    import json

    claims = {"preferred_username": "svc-user", "realm_access": {"roles": ["firecrest-sa"]}}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    class Partial:
        def get_access_token(self) -> str:
            return f"eyJhbGciOiJub25lIn0.{body}.sig"

    assert fc.v1.Firecrest(emu.url, authorization=Partial()).whoami() == "svc-user"
