"""Simulation, optimization, dates, logs and snapshots against the emulator."""
from __future__ import annotations

from datetime import datetime

import pytest

from rmlab import API, errors
from rmlab.data.enums import FlightEvent, ScenarioDayStatus, ScenarioState

CSC = "Madrid-Geneva"


def test_simulation_stops_at_checkpoints_and_reports_progress(make_emulator, run, upload_network) -> None:
    emu = make_emulator(day_seconds=0.002)
    seen = []

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0)
            paused = await api.trigger_simulation(0, next=datetime(2022, 4, 10), progress=lambda d, t: seen.append((d, t)),
                                                  progress_interval=0.01)
            finished = await api.trigger_simulation(0, progress=False)
            with pytest.raises(errors.ClientError, match="is finished"):
                await api.trigger_simulation(0, progress=False)
            return paused, finished

    paused, finished = run(main())
    dates, _, _, flights = paused
    assert dates.state is ScenarioState.PAUSED and dates.day_status is ScenarioDayStatus.SIMULATED
    assert dates.current == datetime(2022, 4, 10, tzinfo=dates.current.tzinfo)
    assert dates.checkpoints == [dates.current]
    assert flights.past > 0 and flights.live > 0 and flights.pending > 0
    assert seen and seen[-1] == (26, 78)  # 2022-03-15 .. 04-10, out of 78 days
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))
    dates, _, schedules, flights = finished
    assert dates.state is ScenarioState.FINISHED and flights.past == flights.total == 170
    assert schedules.past == 6


def test_results_fetched_after_simulation_are_deterministic(make_emulator, run, upload_network) -> None:
    emu = make_emulator()

    async def simulate(api):
        await api.trigger_simulation(0, progress=False)
        ids = await api.fetch_flights_ids(0, citysector_id=CSC)
        return ids, await api.fetch_flights_data_historic(0, ids, citysector_id=CSC)

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0)
            ids, first = await simulate(api)
            events = await api.fetch_flights_data_events(0, ids[:1], citysector_id=CSC)
            expected = await api.fetch_flights_data_expected(0, ids[:1], citysector_id=CSC)
            dynamic = await api.fetch_flights_data_dynamic(0, ids[:1], citysector_id=CSC)
            forecast = await api.fetch_flights_data_forecast(0, ids[:1], citysector_id=CSC)
            pps = await api.fetch_flights_data_pricing_per_seat(0, ids[:1], citysector_id=CSC)
            await api.remove_data_historic(0)
            dates = (await api.fetch_info(0))[0]
            _, again = await simulate(api)
            return first, again, events[0], expected[0], dynamic[0], forecast[0], pps[0], dates

    first, again, events, expected, dynamic, forecast, pps, restarted = run(main())
    assert [b.seats_array for b in first] == [b.seats_array for b in again]
    assert sum(b.cumulated_seats_array[-1] for b in first if not b.is_empty()) > 0
    assert events.events_array[:2] == [FlightEvent.FLIGHT_LOADED, FlightEvent.LOADED_INITIAL_THRESHOLDS]
    assert events.events_array[-1] == FlightEvent.FLIGHT_DEPARTED
    assert FlightEvent.DONE_OPT_PASS in events.events_array  # the optimizer model's schedule ran passes
    assert not expected.is_empty() and not dynamic.is_empty() and not forecast.is_empty()
    assert set(pps.fare_to_pps_array) >= {"Q", "P"}
    assert restarted.state is ScenarioState.PAUSED and restarted.current == restarted.first_flight_load


def test_optimization_operations(make_emulator, run, upload_network) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0)
            with pytest.raises(TypeError):
                await api.set_current_date(0, "2022-04-05")  # type: ignore[arg-type]
            await api.set_current_date(0, datetime(2022, 4, 5))
            with pytest.raises(errors.ValueError, match="citysector_id"):
                await api.trigger_optimization_pass(0, "LegacyAir")
            await api.trigger_optimization_pass(0, "LegacyAir", citysector_id="London-Madrid")
            await api.schedule_optimization_pass(0, "LegacyAir", datetime(2022, 4, 12, 9, 30), sector_id="LHR-MAD")
            scheduled = await api.fetch_optimization_scheduled_flights(0, "LegacyAir", "LHR-MAD",
                                                                       datetime(2022, 4, 12), datetime(2022, 4, 12))
            ids = await api.fetch_flights_ids(0, citysector_id="London-Madrid")
            assert "LegacyAir-901-2022-04-15" in ids  # on sale from 03-26: live on 04-05 and on 04-12
            events = await api.fetch_flights_data_events(0, ["LegacyAir-901-2022-04-15"],
                                                         citysector_id="London-Madrid")
            inputs = await api.fetch_optimization_input_flights(0, "LowCost2-2278-2022-05-29", CSC)
            dates = (await api.fetch_info(0))[0]
            return scheduled, events[0], inputs, dates

    scheduled, events, inputs, dates = run(main())
    assert dates.current == datetime(2022, 4, 5, tzinfo=dates.current.tzinfo)
    assert dates.day_status is ScenarioDayStatus.OPTIMIZED
    assert FlightEvent.DONE_OPT_PASS in events.events_array
    assert FlightEvent.SCHEDULED_OPT_PASS in events.events_array
    assert scheduled and all(fid.startswith("LegacyAir-901-") for fid in scheduled)
    # inputs: same citysector, departed before the flight went on sale (2022-05-14)
    assert len(inputs) == 43 and all(i.startswith("LowCost2-227") and i[-10:] < "2022-05-14" for i in inputs)


def test_logs_and_snapshots(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            with pytest.raises(errors.ValueError, match="log context"):
                await api.fetch_logs("debug", 3)
            with pytest.raises(errors.ValueError, match="positive integer"):
                await api.fetch_logs("info", 0)
            await api.upload_airlines(0, [{"name": "Keep"}])
            await api.save_snapshot("before")
            await api.remove_data_full(0)
            assert await api.fetch_airlines(0) == []
            assert await api.fetch_snapshots_list() == ["before"] == await api.list_snapshots()
            await api.restore_snapshot("before")
            restored = [a.id for a in await api.fetch_airlines(0)]
            await api.delete_snapshot("before")
            with pytest.raises(errors.NotFoundError):
                await api.restore_snapshot("before")
            return restored, await api.fetch_logs("INFO", 3), await api.fetch_logs("warning", 10)

    restored, info, warnings = run(main())
    assert restored == ["Keep"]
    assert info == ["[demo-user] snapshot before saved", "[demo-user] snapshot before restored",
                    "[demo-user] snapshot before deleted"]
    assert warnings == ["[demo-user] scenario 0: all data removed"]


@pytest.mark.parametrize("day_seconds", [0.0, 0.003])
def test_progress_true_draws_a_tqdm_bar(make_emulator, run, upload_network, capsys, day_seconds) -> None:
    import tqdm  # noqa: F401  (the bar needs it: an ImportError fails the test)
    emu = make_emulator(day_seconds=day_seconds)

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0, models=False)
            capsys.readouterr()
            return await api.trigger_simulation(0, progress=True, progress_interval=0.01)

    dates, _, _, flights = run(main())
    err = capsys.readouterr().err
    assert flights.past == 170
    assert "Simulating scenario 0:" in err and "78/78" in err and "100%" in err and "day" in err
    assert err.rstrip().endswith("]")  # the bar was closed (left on its line)
    if day_seconds:
        assert "/78 [" in err.split("78/78")[0]  # intermediate states were drawn before the end


def test_progress_default_draws_nothing_off_a_terminal(make_emulator, run, upload_network, capsys) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0, models=False)
            capsys.readouterr()
            await api.trigger_simulation(0)  # progress=None: stderr is captured, not a terminal
            await api.remove_data_historic(0)
            await api.trigger_simulation(0, progress=False)

    run(main())
    assert "Simulating" not in capsys.readouterr().err
