"""Where requests go and what they carry: admin vs app URL, upload file names, polling cadence,
store capacity."""
from __future__ import annotations

import json

import pytest
import requests

from rmlab import API, errors
from rmlab.testing import SAMPLES

AUTH_IDS = {"auth-discover", "auth-log-in", "auth-log-in-poll-status", "auth-log-in-result", "auth-token-refresh",
            "auth-log-out"}


def test_auth_calls_go_to_admin_url_and_api_calls_to_app_url(make_emulator, run) -> None:
    emu = make_emulator(split=True)
    assert emu.app_url != emu.admin_url

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_airlines(0, SAMPLES / "table.airline.csv")
            emu.app.expire_access_tokens()  # the refresh is an auth call too
            return [a.id for a in await api.fetch_airlines(0)]

    assert sorted(run(main())) == ["LegacyAir", "LowCost2"]
    served = [(endpoint_id, role) for _, endpoint_id, role in emu.app.request_log]
    by_admin = {ep for ep, role in served if role == "admin"}
    by_app = {ep for ep, role in served if role == "app"}
    assert by_admin == AUTH_IDS
    assert by_app == {"api-discover-user", "api-data-bounded-post-file", "api-data-bounded-get-all"}
    assert emu.app.refreshes == 1 and emu.app.logouts == 1
    # each server really answers only its own paths
    refused = requests.get(emu.admin_url + "/api/data/summary/0", timeout=10)
    assert refused.status_code == 404 and "not served by the admin server" in refused.text
    assert requests.get(emu.app_url + "/auth/discover", timeout=10).status_code == 404


def test_swapped_urls_fail_at_discovery(make_emulator, run) -> None:
    emu = make_emulator(split=True)

    async def main():
        async with API(emu.workgroup, emu.username, emu.password, app_url=emu.admin_url, admin_url=emu.app_url):
            pass

    with pytest.raises(errors.NotFoundError, match="not served by the app server"):
        run(main())


def test_uploads_send_the_files_base_name(make_emulator, run, tmp_path) -> None:
    emu = make_emulator()
    folder = tmp_path / "deep" / "nested dir"
    folder.mkdir(parents=True)
    countries = folder / 'my "countries".csv'
    countries.write_text("Name,Currency\nSpain,eur\n")
    model = folder / "range.sample.json"
    model.write_text((SAMPLES / "pricing_range.sample.json").read_text())

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_countries(0, countries)
            await api.upload_pricing_range_model(0, str(model))
            return await api.fetch_parametric_models(0)

    models = run(main())
    # the filename parameter exactly as it arrived (HTML5-escaped quotes), not reduced by the server
    assert emu.app.upload_filenames == [("api-data-bounded-post-file", "my %22countries%22.csv"),
                                        ("api-data-pmodel-post-file", "range.sample.json")]
    assert all(str(tmp_path) not in raw and "/" not in raw for _, raw in emu.app.upload_filenames)
    assert [(m.id, m.filename) for m in models] == [("range.sample.json", "range.sample.json")]


def test_prepoll_wait_and_poll_interval_come_from_the_spec(make_emulator, run) -> None:
    spec_info = {"prepoll_wait": 0.3, "poll_interval": 0.15, "poll_endpoint_id": "auth-log-in-poll-status",
                 "result_endpoint_id": "auth-log-in-result"}
    emu = make_emulator(login_pending_polls=3, spec_overrides={"auth-log-in": {"async_info": spec_info}})

    async def main():
        async with API(**emu.credentials):
            pass

    run(main())
    log = [(t, ep) for t, ep, _ in emu.app.request_log]
    trigger = next(t for t, ep in log if ep == "auth-log-in")
    polls = [t for t, ep in log if ep == "auth-log-in-poll-status"]
    result = next(t for t, ep in log if ep == "auth-log-in-result")
    assert len(polls) == 4  # three "pending", then done
    assert 0.3 <= polls[0] - trigger < 0.3 + 0.5
    gaps = [b - a for a, b in zip(polls, polls[1:])]
    assert all(0.15 <= gap < 0.15 + 0.5 for gap in gaps), gaps
    assert 0 <= result - polls[-1] < 0.15  # the result is fetched at once, without another interval


def test_operation_polling_uses_the_operations_own_interval(make_emulator, run, upload_network) -> None:
    spec_info = {"prepoll_wait": 0.0, "poll_interval": 0.2, "poll_endpoint_id": "api-monitor-async-scenario-status",
                 "result_endpoint_id": "api-monitor-async-scenario-result"}
    emu = make_emulator(day_seconds=0.012, spec_overrides={"api-operation-simulation-trigger": {"async_info": spec_info}})

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0, models=False)
            return await api.trigger_simulation(0, progress=False)

    dates, _, _, flights = run(main())
    assert flights.past == flights.total == 170
    log = [(t, ep) for t, ep, _ in emu.app.request_log]
    trigger = next(t for t, ep in log if ep == "api-operation-simulation-trigger")
    polls = [t for t, ep in log if ep == "api-monitor-async-scenario-status"]
    assert polls[0] - trigger < 0.1  # no prepoll wait
    assert len(polls) >= 3 and all(gap >= 0.2 for gap in (b - a for a, b in zip(polls, polls[1:])))


def test_store_capacity_is_enforced_all_or_nothing(make_emulator, run) -> None:
    emu = make_emulator(capacity=3)
    airlines = [{"name": f"Air{i}", "type": "legacy"} for i in range(3)]
    ranges = [{"id": f"range-{i}", "granularity": 10, "min_fare": 40, "max_fare": 300, "lowest_tag": "Q"}
              for i in range(4)]

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_airlines(0, airlines)
            with pytest.raises(errors.ClientError, match=r"holds at most 3 items \(this upload would make 5\)"):
                await api.upload_airlines(0, [{"name": "Air0", "type": "low-cost"}, {"name": "Air3"},
                                              {"name": "Air4"}])
            kept = {a.id: a.type for a in await api.fetch_airlines(0)}
            await api.upload_airlines(0, [{"name": "Air0", "type": "low-cost"}])  # replacing stays within it
            replaced = {a.id: a.type for a in await api.fetch_airlines(0)}
            for model in ranges[:3]:
                await api.upload_pricing_range_model(0, model)
            with pytest.raises(errors.ClientError, match="holds at most 3 items"):
                await api.upload_pricing_range_model(0, ranges[3])
            await api.upload_pricing_range_model(0, {**ranges[0], "max_fare": 400})
            return kept, replaced, await api.fetch_parametric_models(0), await api.fetch_airlines(1)

    kept, replaced, models, other_scenario = run(main())
    assert kept == {"Air0": "legacy", "Air1": "legacy", "Air2": "legacy"}  # the refused upload changed nothing
    assert replaced == {"Air0": "low-cost", "Air1": "legacy", "Air2": "legacy"}
    assert sorted(m.id for m in models) == ["range-0", "range-1", "range-2"]
    assert json.loads(next(m.cnt for m in models if m.id == "range-0"))["max_fare"] == 400
    assert other_scenario == []  # the capacity is per scenario
