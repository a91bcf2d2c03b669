"""Session: discovery, login operation, credentials per instance, 498 refresh, logout, URLs from env."""
from __future__ import annotations

import pytest

from rmlab import API, errors
from rmlab._api import base


def test_login_uses_basic_then_bearer_and_logout_revokes(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            assert api.scenarios == ["0", "1"]
            await api.fetch_info(0)
            assert emu.app.active_sessions == 1
        return api

    api = run(main())
    schemes = dict(emu.app.auth_schemes)
    assert schemes["auth-log-in"] == "Basic" and schemes["auth-log-in-poll-status"] == "Basic"
    assert schemes["api-discover-user"] == "Bearer" and schemes["api-data-summary-get-single"] == "Bearer"
    assert emu.app.stats["auth-log-in-poll-status"] == 2  # one "pending" answer, then done
    assert set(emu.app.client_versions) == {"0.4.4"}
    assert emu.app.logouts == 1 and emu.app.active_sessions == 0
    with pytest.raises(errors.ValueError, match="Scenarios not initialized"):
        api.scenarios
    with pytest.raises(errors.LogicError, match="not logged in"):
        run(api.fetch_info(0))


def test_logout_happens_even_when_the_block_raises(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await api.fetch_info(0)
            raise KeyError("user code failed")

    with pytest.raises(KeyError, match="user code failed"):
        run(main())
    assert emu.app.logouts == 1 and emu.app.active_sessions == 0


def test_logout_failures_never_hide_the_outcome(make_emulator, run, caplog) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await api.fetch_info(0)
            emu.app.expire_access_tokens()
            emu.app.expire_refresh_tokens()
            return "done"

    assert run(main()) == "done"
    assert emu.app.logouts == 0
    assert "logout failed: ExpiredSessionError" in caplog.text


def test_expired_token_is_refreshed_once_and_replayed(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            emu.app.expire_access_tokens()
            first = await api.fetch_info(0)
            emu.app.expire_access_tokens()
            await api.upload_countries(0, [{"name": "Spain", "currency": "eur"}])
            return first

    dates = run(main())[0]
    assert dates.id == 0
    assert emu.app.refreshes == 2
    codes = [scheme for ep, scheme in emu.app.auth_schemes if ep == "auth-token-refresh"]
    assert codes == ["Bearer", "Bearer"]
    assert emu.app.scenario(emu.workgroup, 0).bounded["country"]["Spain"]["currency"] == "eur"


def test_failed_refresh_surfaces_the_servers_error(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            emu.app.expire_access_tokens()
            emu.app.expire_refresh_tokens()
            await api.fetch_info(0)

    with pytest.raises(errors.ExpiredSessionError, match="log in again") as info:
        run(main())
    assert info.value.status_code == 440


def test_credentials_are_per_instance(make_emulator, run) -> None:
    emu = make_emulator(scenarios=3)
    emu.app.add_user("other-group", "ana", "secret-2")

    async def main():
        async with API(**emu.credentials) as first, \
                API("other-group", "ana", "secret-2", emu.url, emu.url) as second:
            await first.upload_countries(0, [{"name": "Spain", "currency": "eur"}])
            await second.upload_countries(0, [{"name": "Norway", "currency": "nok"}])
            mine = [c.name for c in await first.fetch_countries(0)]
            theirs = [c.name for c in await second.fetch_countries(0)]
            assert first._transport.credentials["access_token"] != second._transport.credentials["access_token"]
            return mine, theirs, second._transport.credentials["workgroup"]

    assert run(main()) == (["Spain"], ["Norway"], "other-group")
    assert emu.app.logouts == 2 and emu.app.active_sessions == 0


def test_scenarios_in_numeric_order_on_instance_and_class(make_emulator, run) -> None:
    emu = make_emulator(scenarios=12)

    async def main():
        async with API(**emu.credentials) as api:
            return api.scenarios, API.scenarios

    on_instance, on_class = run(main())
    assert on_instance == [str(i) for i in range(12)] == on_class
    with pytest.raises(errors.ValueError):
        API.scenarios


def test_string_scenario_ids_work(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            scen_id = api.scenarios[1]
            await api.upload_airlines(scen_id, [{"name": "LowCost2", "type": "low-cost"}])
            return [a.id for a in await api.fetch_airlines(1)]

    assert run(main()) == ["LowCost2"]
    with pytest.raises(TypeError):
        base.scenario_id(1.5)  # type: ignore[arg-type]
    with pytest.raises(errors.ValueError):
        base.scenario_id("first")


def test_wrong_password_and_old_client_version(make_emulator, run, monkeypatch) -> None:
    emu = make_emulator()

    async def login(**kwargs):
        async with API(**{**emu.credentials, **kwargs}):
            pass

    with pytest.raises(errors.AuthenticationError, match="invalid credentials") as info:
        run(login(password="wrong"))
    assert info.value.status_code == 401 and "wrong" not in repr(info.value)
    monkeypatch.setattr(base, "CLIENT_VERSION", "0.2.0")
    with pytest.raises(errors.VersionError, match="no longer supported"):
        run(login())
    assert emu.app.active_sessions == 0


def test_credentials_and_urls_from_the_environment(make_emulator, run, monkeypatch) -> None:
    emu = make_emulator()
    for name in ("RMLAB_WORKGROUP", "RMLAB_USERNAME", "RMLAB_PASSWORD", "RMLAB_APP_URL", "RMLAB_ADMIN_URL",
                 "RMLAB_URL_API", "RMLAB_URL_AUTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RMLAB_WORKGROUP", emu.workgroup)
    with pytest.raises(errors.ValueError, match="RMLAB_USERNAME, RMLAB_PASSWORD"):
        API()
    monkeypatch.setenv("RMLAB_USERNAME", emu.username)
    monkeypatch.setenv("RMLAB_PASSWORD", emu.password)
    assert API().app_url == "https://rmlab.ai" == API().admin_url
    monkeypatch.setenv("RMLAB_URL_API", emu.url)
    monkeypatch.setenv("RMLAB_URL_AUTH", emu.url)
    # all-or-nothing: one missing argument means all three come from the environment
    api = API(workgroup="ignored", username=None, password=None)
    assert api._workgroup == emu.workgroup and api.app_url == emu.url
    monkeypatch.setenv("RMLAB_APP_URL", emu.url + "/")
    assert API().app_url == emu.url + "/"

    async def main():
        async with API() as api:
            return api.scenarios

    assert run(main()) == ["0", "1"]
    assert "demo-password" not in repr(API())


def test_unknown_endpoints_and_async_timeout(make_emulator, run, upload_network) -> None:
    emu = make_emulator(day_seconds=30, snapshot_delete=False, spec_overrides={
        "api-operation-simulation-trigger": {"timeout": 1},
        "api-data-summary-get-single": {"brand_new_key": True}})

    async def main():
        async with API(**emu.credentials) as api:
            with pytest.raises(errors.RuntimeError, match="Undefined endpoint `api-snapshot-delete`"):
                await api.delete_snapshot("x")
            await upload_network(api, 0, models=False)
            with pytest.raises(errors.TimeoutError, match="operation `api-operation-simulation-trigger` did not "
                                                          "finish within 1 s"):
                await api.trigger_simulation(0, progress=False)

    run(main())
