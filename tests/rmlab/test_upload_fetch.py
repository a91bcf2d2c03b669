"""Upload and fetch against the emulator: files, JSON files, lists, models, flight data, chunking."""
from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from rmlab import (API, Aircraft, City, CitySector, Country, FlightDataBooks, FlightDataThresholdSettings, PModel,
                   Route, Schedule, errors)
from rmlab.data.tables import parse_json_items
from rmlab.testing import SAMPLES


def test_sample_network_is_stored_and_derived(make_emulator, run, upload_network) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0)
            dates, items, schedules, flights = await api.fetch_info(0)
            aircraft = await api.fetch_aircrafts(0)
            citysectors = await api.fetch_citysectors(0)
            routes = await api.fetch_routes(0)
            cityroutes = await api.fetch_cityroutes(0)
            sectors_ids = await api.fetch_airline_sectors_ids(0, "LegacyAir")
            legacy_citysectors = await api.fetch_airline_citysectors(0, "LegacyAir")
            models = await api.fetch_parametric_models(0)
            filters = await api.fetch_parametric_filters(0)
            range_model = await api.fetch_pricing_range_model(0, "pricing_range.sample.json")
            return (dates, items, schedules, flights, aircraft, citysectors, routes, cityroutes, sectors_ids,
                    legacy_citysectors, models, filters, range_model)

    (dates, items, schedules, flights, aircraft, citysectors, routes, cityroutes, sectors_ids, legacy_citysectors,
     models, filters, range_model) = run(main())
    assert (items.airline, items.aircraft, items.country, items.city, items.airport, items.pmodel) == (2, 3, 3, 3, 4, 5)
    assert (items.sector, items.citysector, items.route, items.cityroute) == (4, 4, 2, 2)
    assert schedules.total == 6 and flights.total == 170 and flights.pending + flights.live == 170
    assert dates.first_flight_load.strftime("%Y-%m-%d") == "2022-03-15"
    assert dates.last_flight_departure.strftime("%Y-%m-%d") == "2022-05-31"
    assert Aircraft("Boeing 737-800", "Boeing 737-800", 189) in aircraft
    assert CitySector("Madrid-Geneva", "Madrid", "Geneva", "customers_request.poisson.json",
                      "customers_choice.mnl.json") in citysectors
    assert Route("GVA-MAD", "GVA", "MAD", "Geneva-Madrid") in routes
    assert {c.id for c in cityroutes} == {"Geneva-Madrid", "London-Madrid"}
    assert sorted(sectors_ids) == ["LHR-MAD", "MAD-LHR"]
    assert {c.id for c in legacy_citysectors} == {"London-Madrid", "Madrid-London"}
    by_id = {m.id: m for m in models}
    assert isinstance(by_id["pricing_range.sample.json"], PModel)
    assert by_id["pricing_range.sample.json"].filename == "pricing_range.sample.json"  # base name, not a path
    raw = (SAMPLES / "pricing_range.sample.json").read_bytes()
    assert by_id["pricing_range.sample.json"].hash == hashlib.md5(raw).hexdigest()
    assert json.loads(by_id["pricing_range.sample.json"].cnt) == range_model == {
        "granularity": 10, "min_fare": 40, "max_fare": 300, "lowest_tag": "Q"}
    assert len(filters) == 5


def test_schedules_and_flights_fetched_in_chunks_without_losing_the_last_id(make_emulator, run,
                                                                            upload_network) -> None:
    emu = make_emulator(ids_limit=7)

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0)
            ids = await api.fetch_flights_ids(0, citysector_id="Madrid-Geneva")
            flights = await api.fetch_flights(0, ids, citysector_id="Madrid-Geneva")
            data = await api.fetch_flights_data_historic(0, ids, citysector_id="Madrid-Geneva")
            schedule_ids = await api.fetch_schedules_ids(0, airline_id="LowCost2", sector_id="MAD-GVA")
            schedules = await api.fetch_schedules(0, schedule_ids, sector_id="MAD-GVA")
            return ids, flights, data, schedules

    ids, flights, data, schedules = run(main())
    assert len(ids) == 61 and [f.id for f in flights] == ids and [d.id for d in data] == ids
    assert emu.app.stats["api-data-unbounded-get-fields"] == 9 + 1  # ceil(61 / 7) chunks, plus the schedules
    assert {s.flight_number for s in schedules} == {"2277", "2278"}
    first = flights[0]
    assert first.fares[:2] == ["Q", "P"] and first.lowest_pps == 4000 and first.highest_pps == 30000
    assert first.poptimizer_id == "pricing_optimizer.sample.json" and first.seat_capacity in (174, 180)
    assert all(d.is_empty() for d in data)


def test_upload_forms_files_json_files_and_lists(make_emulator, run, tmp_path) -> None:
    emu = make_emulator()
    countries = tmp_path / "countries.json"
    countries.write_text(json.dumps([{"name": "Spain", "currency": "eur"}, {"name": "Norway", "currency": "NOK"}]))

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_countries(0, str(countries))
            await api.upload_cities(0, [{"name": "Oslo", "country": "Norway"}])
            await api.upload_airlines(0, SAMPLES / "table.airline.csv")
            return await api.fetch_countries(0), await api.fetch_cities(0), await api.fetch_airlines(0)

    countries_back, cities, airlines = run(main())
    assert {(c.name, c.currency) for c in countries_back} == {("Spain", "eur"), ("Norway", "nok")}
    assert cities[0].country_id == "Norway"
    assert {a.type for a in airlines} == {"low-cost", "legacy"}
    assert emu.app.stats["api-data-bounded-post-file"] == 2 and emu.app.stats["api-data-bounded-post-json"] == 1


def test_lists_of_item_dataclasses_upload_like_dicts(make_emulator, run) -> None:
    # what fetch_* returns can be uploaded again (e.g. into another scenario)
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_countries(0, [Country(id="ignored", name="Norway", currency="nok")])
            await api.upload_cities(0, [City(id="ignored", name="Oslo", country_id="Norway")])
            await api.upload_countries(1, await api.fetch_countries(0))
            await api.upload_cities(1, await api.fetch_cities(0))
            return await api.fetch_cities(1), await api.fetch_countries(1)

    cities, countries = run(main())
    assert [(c.name, c.country_id) for c in cities] == [("Oslo", "Norway")]
    assert [(c.name, c.currency) for c in countries] == [("Norway", "nok")]
    bad = Schedule(id="s", airline_id="A", aircraft_id="B", origin_id="MAD", destination_id="MAD",
                   days_of_week="-2-4-6-", departure_time="T08:30", duration=75, flight_number="101",
                   sell_before_days=90, from_date="2022-04-01", to_date="2022-05-01")
    with pytest.raises(errors.DataValidationError, match="equals the origin"):  # checked like a dict, locally
        parse_json_items("schedule", [bad], "items")
    assert parse_json_items("schedule", [dataclasses.replace(bad, destination_id="BCN")], "items")[0] == {
        "airline": "A", "aircraft": "B", "origin": "MAD", "destination": "BCN", "days_of_week": "-2-4-6-",
        "departure_time": "T08:30", "duration": "T01:15", "flight_number": "101", "sell_before_days": 90,
        "from_date": "2022-04-01", "to_date": "2022-05-01"}


def test_item_lists_are_chunked_by_the_servers_limit(make_emulator, run) -> None:
    emu = make_emulator(items_limit=4)
    airlines = [{"name": f"Air{i}", "type": "legacy"} for i in range(10)]

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_airlines(0, airlines)
            return await api.fetch_airlines(0)

    assert sorted(a.id for a in run(main())) == sorted(a["name"] for a in airlines)
    assert emu.app.stats["api-data-bounded-post-json"] == 3


def test_bad_files_are_refused_before_anything_is_sent(make_emulator, run, tmp_path) -> None:
    emu = make_emulator()
    bad = tmp_path / "table.schedule.csv"
    lines = (SAMPLES / "table.schedule.csv").read_text().splitlines()
    lines[3] = lines[3].replace("-2-4-6-", "2-4-6")
    bad.write_text("\n".join(lines) + "\n")
    bad_model = tmp_path / "range.json"
    bad_model.write_text(json.dumps({"granularity": 10, "min_fare": 40, "max_fare": "high", "lowest_tag": "Q"},
                                    indent=2))

    async def main():
        async with API(**emu.credentials) as api:
            with pytest.raises(errors.DataValidationError) as info:
                await api.upload_batch_core(0, airline_items=SAMPLES / "table.airline.csv", schedule_items=str(bad))
            assert (info.value.source, info.value.line, info.value.field) == \
                ("table.schedule.csv", 4, "Days of Week")
            with pytest.raises(errors.DataValidationError, match="range.json, line 4, field 'max_fare'"):
                await api.upload_pricing_range_model(0, bad_model)
            with pytest.raises(FileNotFoundError):
                await api.upload_aircrafts(0, tmp_path / "missing.csv")
            with pytest.raises(errors.DataValidationError, match="unsupported extension"):
                await api.upload_aircrafts(0, tmp_path / "aircraft.xlsx")
            with pytest.raises(TypeError):
                await api.upload_aircrafts(0, {"model": "A320"})  # type: ignore[arg-type]

    run(main())
    uploads = [ep for ep in emu.app.stats if "post" in ep]
    assert uploads == []  # nothing reached the server, not even the valid airlines of the batch


def test_server_side_reference_errors_come_back_as_typed_errors(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            with pytest.raises(errors.ClientError, match="unknown country `Atlantis`") as info:
                await api.upload_cities(0, [{"name": "Poseidonia", "country": "Atlantis"}])
            assert info.value.status_code == 400 and info.value.content["errors"][0]["type"] == "ClientError"
            with pytest.raises(errors.ForbiddenError, match="scenario 7"):
                await api.fetch_airlines(7)
            with pytest.raises(errors.NotFoundError, match="no pricing_range model `nope`"):
                await api.fetch_pricing_range_model(0, "nope")
            with pytest.raises(errors.ClientError, match="unknown model `missing.json`"):
                await api.upload_parametric_filters(0, [{"filter_class": "network", "filter_content": "",
                                                         "pmodel_id": "missing.json"}])

    run(main())


def test_batch_uploads_skip_none_and_models_keep_callers_dicts(make_emulator, run) -> None:
    emu = make_emulator()
    request_model = {"id": "req-1", **json.loads((SAMPLES / "customers_request.poisson.json").read_text())}
    caller_copy = dict(request_model)

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_batch_core(0, country_items=SAMPLES / "table.country.csv",
                                        city_items=SAMPLES / "table.city.csv")
            await api.upload_batch_customers_models(0, request_models=[request_model], choice_models=None)
            await api.upload_batch_pricing_models(0, behavior_models=[SAMPLES / "pricing_behavior.sample.json"])
            with pytest.raises(errors.ValueError, match="non-empty string 'id'"):
                await api.upload_customers_choice_model(0, {"x": {"type": "random"}})
            with pytest.raises(errors.MultipleError) as info:
                await api.upload_batch_pricing_models(0, range_models=["nope.json", 3])
            assert [type(e) for e in info.value.errors] == [FileNotFoundError, TypeError]
            return await api.fetch_info(0), await api.fetch_customers_request_model(0, "req-1")

    (_, items, _, _), stored = run(main())
    assert request_model == caller_copy  # upstream popped 'id' from the caller's dict
    assert stored == {k: v for k, v in caller_copy.items() if k != "id"}
    assert (items.country, items.city, items.airline, items.pmodel) == (3, 3, 0, 2)


def test_flight_data_upload_and_fetch(make_emulator, run, upload_network) -> None:
    emu = make_emulator()
    fid = "LowCost2-2277-2022-04-02"
    books = FlightDataBooks(fid, [1647302400000, 1647388800000], ["Q", "P"], [4000, 7700], [2, 3])
    thresholds = FlightDataThresholdSettings(fid, [1647302400000], {"Q": [50], "P": [120]})

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0)
            with pytest.raises(errors.ValueError, match="citysector_id"):
                await api.upload_flights_data(0, [books])
            await api.upload_flights_data(0, [books, thresholds], sector_id="MAD-GVA")
            with pytest.raises(errors.ClientError, match="unknown fare"):
                await api.upload_flights_data(0, [FlightDataThresholdSettings(fid, [1], {"ZZ": [1]})],
                                              citysector_id="Madrid-Geneva")
            with pytest.raises(errors.NotFoundError, match="in sector `GVA-MAD`"):
                await api.upload_flights_data(0, [books], sector_id="GVA-MAD")
            with pytest.raises(TypeError):
                await api.upload_flights_data(0, ["not data"], sector_id="MAD-GVA")  # type: ignore[list-item]
            back = await api.fetch_flights_data_historic(0, [fid], sector_id="MAD-GVA")
            settings = await api.fetch_flights_data_pricing_thresholds(0, [fid], citysector_id="Madrid-Geneva")
            return back[0], settings[0]

    back, settings = run(main())
    assert back.seats_array == [2, 3] and back.cumulated_seats_array == [2, 5]
    assert back.cumulated_revenue_array == [8000, 31100] and back.timestamps_array == books.timestamps_array
    assert settings.fare_to_threshold_array == {"Q": [50], "P": [120]}


def test_flights_uploaded_directly(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_batch_core(0, aircraft_items=SAMPLES / "table.aircraft.csv",
                                        airline_items=SAMPLES / "table.airline.csv",
                                        airport_items=SAMPLES / "table.airport.csv", city_items=SAMPLES / "table.city.csv",
                                        country_items=SAMPLES / "table.country.csv")
            await api.upload_flights(0, [{"airline": "LegacyAir", "aircraft": "Boeing 737-800", "origin": "LGW",
                                          "destination": "GVA", "flight_number": "77", "on_sale_date": "2022-04-01",
                                          "departure_date": "2022-04-20", "departure_time": "T09:05",
                                          "duration": "T01:40"}], citysector_id="London-Geneva")
            with pytest.raises(errors.ClientError, match="not in citysector"):
                await api.upload_flights(0, [{"airline": "LegacyAir", "aircraft": "Boeing 737-800", "origin": "GVA",
                                              "destination": "LGW", "flight_number": "78",
                                              "on_sale_date": "2022-04-01", "departure_date": "2022-04-20",
                                              "departure_time": "T12:00", "duration": "T01:40"}],
                                         citysector_id="London-Geneva")
            ids = await api.fetch_flights_ids(0, citysector_id="London-Geneva")
            return await api.fetch_flights(0, ids, citysector_id="London-Geneva")

    flights = run(main())
    assert [(f.id, f.schedule_id, f.seat_capacity) for f in flights] == [("LegacyAir-77-2022-04-20", None, 189)]
    assert flights[0].departure_date_time.strftime("%Y-%m-%dT%H:%M") == "2022-04-20T09:05"
