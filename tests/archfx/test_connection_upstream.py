"""Code written against upstream's connection module: RestResource's constructor, subclasses
set as ``Api.resource_class``, and ``api.session`` used directly. Against the emulator, over
real sockets."""
from __future__ import annotations

import os
from typing import Any, List

import pytest
import requests
from requests.adapters import HTTPAdapter

from archfx_cloud.api.connection import Api, RestResource
from archfx_cloud.api.exceptions import HttpCouldNotVerifyServerError, HttpNotFoundError, ImproperlyConfigured
from archfx_cloud.testing.emulator import ArchFxEmulator


class Enveloped(RestResource):
    """An upstream-style subclass: its own __init__, a response hook and a verb of its own."""

    def __init__(self, session: Any, base_url: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(session, base_url, *args, **kwargs)
        self.made_with = (session, base_url)

    def _process_response(self, resp: requests.Response) -> Any:
        return {"status": resp.status_code, "body": super()._process_response(resp)}

    def options(self, **kwargs: Any) -> int:
        resp = self._convert_ssl_exception(self._session.options, params=kwargs)
        return resp.status_code


class EnvelopedApi(Api):
    resource_class = Enveloped


class Recording(HTTPAdapter):
    """A transport adapter mounted by the caller, as one would on upstream's session."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: List[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        return super().send(request, *args, **kwargs)


def test_rest_resource_takes_upstreams_constructor(archfx_api: Api) -> None:
    org = RestResource(session=archfx_api.session, base_url=archfx_api.url("org"))
    assert org.url() == org._base_url == archfx_api.url("org") and org._session is archfx_api.session
    assert org._store == {}
    created = org.post({"name": "Acme"})
    assert created["slug"] == "acme" and org("acme").get()["name"] == "Acme"
    assert RestResource(archfx_api.session, archfx_api.url("org"))("acme").get()["slug"] == "acme"  # positional
    kept = RestResource(session=archfx_api.session, base_url=archfx_api.url("org"), flavour="x")
    assert kept._store == {"flavour": "x"}
    assert kept.devices._store == {"flavour": "x"} and kept("acme")._store == {"flavour": "x"}
    assert kept("acme").devices.url() == archfx_api.url("org") + "acme/devices/"


def test_upstream_constructed_resources_share_the_apis_refresh(archfx_api: Api,
                                                               archfx_emulator: ArchFxEmulator) -> None:
    org = RestResource(session=archfx_api.session, base_url=archfx_api.url("org"))
    old = archfx_api.token
    archfx_emulator.expire_access_tokens()
    assert org.get()["count"] == 0  # 401 -> refresh through the Api -> replayed
    assert archfx_api.token != old


def test_rest_resource_on_a_session_no_api_owns(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    archfx_api.org.post({"name": "Acme"})
    session = requests.Session()
    session.headers["Authorization"] = f"jwt {archfx_api.token}"
    session.trust_env, session.verify = True, True
    org = RestResource(session, archfx_emulator.url + "/api/v1/org/")
    assert org.get()["count"] == 1 and org("acme").get()["slug"] == "acme"
    assert org("acme")._client is org._client  # children share one client
    assert (session.trust_env, session.verify) == (True, True)  # the caller's session is left as it was
    with pytest.raises(ValueError, match="requests.Session"):
        RestResource(object(), "http://h/api/v1/org/")
    with pytest.raises(TypeError):
        RestResource()
    with pytest.raises(TypeError, match="base_url"):
        RestResource(session=session)


def test_subclass_as_resource_class_is_built_and_called_as_upstream(archfx_emulator: ArchFxEmulator) -> None:
    api = EnvelopedApi(archfx_emulator.url)
    assert api.login(email=archfx_emulator.email, password=archfx_emulator.password)
    org = api.org
    assert type(org) is Enveloped and org.made_with == (api.session, api.url("org"))
    assert api.org.post({"name": "Acme"}) == {"status": 201, "body": api.org("acme").get()["body"]}
    child = api.org("acme").devices
    assert type(child) is Enveloped and child.made_with[1] == api.url("org") + "acme/devices/"
    assert child.get() == {"status": 200, "body": []}
    assert type(api("streamer/report")) is Enveloped and type(api["user-info"]) is Enveloped
    assert api.org.options() == 405  # a verb of the subclass's own, on self._session
    with pytest.raises(HttpNotFoundError):  # errors still raise through the hook
        api.org("nope").get()
    assert api.org("acme").delete() is True
    assert api.org.get()["body"]["count"] == 0


def test_resource_class_set_on_an_instance_or_the_class(archfx_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    archfx_api.resource_class = Enveloped
    assert archfx_api.org.get() == {"status": 200, "body": archfx_api.rest_client.root.org.get()}
    del archfx_api.resource_class
    assert type(archfx_api.org) is RestResource
    monkeypatch.setattr(Api, "resource_class", Enveloped)
    assert type(archfx_api.org) is Enveloped and archfx_api.org.get()["status"] == 200


def test_subclass_without_own_init_keeps_the_fast_chain(archfx_api: Api) -> None:
    class Plain(RestResource):
        __slots__ = ()

    archfx_api.resource_class = Plain
    assert type(archfx_api.org("x").devices) is Plain
    assert archfx_api.org.get()["count"] == 0


def test_api_session_mounts_headers_and_direct_calls(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    adapter = Recording()
    archfx_api.session.mount(archfx_emulator.url, adapter)
    archfx_api.session.headers["X-Trace"] = "t-1"
    assert archfx_api.org.get()["count"] == 0
    assert adapter.sent and adapter.sent[-1].headers["X-Trace"] == "t-1"
    assert adapter.sent[-1].headers["Authorization"] == f"jwt {archfx_api.token}"
    # the session itself, as upstream scripts use it, carries the token header
    direct = archfx_api.session.get(archfx_api.url("org"))
    assert direct.status_code == 200 and direct.json()["count"] == 0
    assert adapter.sent[-1].url == archfx_api.url("org")


def test_api_session_can_be_replaced(archfx_api: Api, archfx_emulator: ArchFxEmulator) -> None:
    org = archfx_api.org  # made before the replacement
    mine = requests.Session()
    adapter = Recording()
    mine.mount("http://", adapter)
    archfx_api.session = mine
    assert archfx_api.session is mine and mine.headers["Authorization"] == f"jwt {archfx_api.token}"
    assert org.get()["count"] == 0 and archfx_api.org.post({"name": "Acme"})["slug"] == "acme"
    assert len(adapter.sent) == 2
    assert RestResource(session=mine, base_url=archfx_api.url("org")).get()["count"] == 1
    assert len(adapter.sent) == 3
    archfx_api.logout()
    assert "Authorization" not in mine.headers
    with pytest.raises(ImproperlyConfigured, match="requests.Session"):
        archfx_api.session = "not a session"  # type: ignore[assignment]


@pytest.fixture
def tls_emulator(tmp_path):  # type: ignore[no-untyped-def]
    from archfx_cloud.testing.tls import self_signed_server_context
    context, cert_path = self_signed_server_context(str(tmp_path))
    with ArchFxEmulator(ssl_context=context) as emu:
        yield emu, cert_path


def test_api_session_verify_is_the_one_used(tls_emulator, monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from archfx_cloud.testing.tls import self_signed_server_context
    emu, cert_path = tls_emulator
    api = Api(emu.url, retries=0)
    with pytest.raises(HttpCouldNotVerifyServerError):
        api.org.get()
    api.session.verify = cert_path  # as upstream scripts set it
    assert api.login(email=emu.email, password=emu.password) and api.org.get()["count"] == 0
    os.makedirs(tmp_path / "other")
    _, other_ca = self_signed_server_context(str(tmp_path / "other"))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", other_ca)  # still not allowed to override the session's choice
    assert api.org.get()["count"] == 0
    api.session.verify = other_ca
    with pytest.raises(HttpCouldNotVerifyServerError):
        api.org.get()
