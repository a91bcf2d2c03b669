"""Public Upload/Fetch methods not covered elsewhere, each checked against what the emulator stored."""
from __future__ import annotations

import json

import pytest

from rmlab import API, Airport, CityRoute, CitySector, Route, Sector, errors
from rmlab.testing import SAMPLES

S = SAMPLES
SCHEDULE_HEADER = "Airline,Aircraft,Origin,Destination,Days of Week,Departure time,Duration,Flight number," \
                  "Sell before days,From Date,To Date"


def _schedule_rows(*prefixes: str) -> str:
    """The sample schedules whose line starts with one of ``prefixes`` (airline,aircraft,origin)."""
    lines = (S / "table.schedule.csv").read_text().splitlines()[1:]
    return "\n".join([SCHEDULE_HEADER] + [line for line in lines if line.startswith(prefixes)]) + "\n"


async def _network_without_schedules(api, scen_id=0):
    await api.upload_airlines(scen_id, S / "table.airline.csv")
    await api.upload_aircrafts(scen_id, S / "table.aircraft.csv")
    await api.upload_countries(scen_id, S / "table.country.csv")
    await api.upload_cities(scen_id, S / "table.city.csv")


def test_upload_airports_and_fetch_airports(make_emulator, run) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await _network_without_schedules(api)
            await api.upload_airports(0, S / "table.airport.csv")
            await api.upload_airports(0, [{"name": "Barcelona El Prat", "city": "Madrid", "iata": "BCN",
                                           "icao": "LEBL", "altitude": 4, "latitude": 41.297, "longitude": 2.078}])
            with pytest.raises(errors.ClientError, match="unknown city `Paris`"):
                await api.upload_airports(0, [{"name": "Orly", "city": "Paris", "iata": "ORY"}])
            return await api.fetch_airports(0)

    airports = {a.id: a for a in run(main())}
    assert set(airports) == {"MAD", "GVA", "LHR", "LGW", "BCN"}
    assert airports["GVA"] == Airport("GVA", "Geneva Cointrin", "Geneva", "GVA", "LSGG", 430, 46, 6)
    assert airports["LHR"].name == "London Heathrow" and airports["LHR"].city_id == "London"
    assert (airports["MAD"].altitude, airports["MAD"].latitude, airports["MAD"].longitude) == (610, 40, -3)
    assert airports["BCN"].icao == "LEBL" and airports["BCN"].city_id == "Madrid"


def test_upload_schedules_with_sector_keywords(make_emulator, run, tmp_path) -> None:
    emu = make_emulator()
    mad_gva = tmp_path / "mad-gva.csv"
    mad_gva.write_text(_schedule_rows("LowCost2,Airbus A320-b,MAD", "LowCost2,Airbus A320-a,MAD"))
    london = tmp_path / "london-madrid.csv"
    london.write_text(_schedule_rows("LegacyAir,Boeing 737-800,LHR"))
    gva_mad = tmp_path / "gva-mad.csv"
    gva_mad.write_text(_schedule_rows("LowCost2,Airbus A320-b,GVA"))

    async def main():
        async with API(**emu.credentials) as api:
            await _network_without_schedules(api)
            await api.upload_airports(0, S / "table.airport.csv")
            await api.upload_schedules(0, mad_gva, sector_id="MAD-GVA")
            await api.upload_schedules(0, london, citysector_id="London-Madrid")
            # the server checks the declared location: the keywords travel with the upload
            with pytest.raises(errors.ClientError, match="not in sector `MAD-GVA`"):
                await api.upload_schedules(0, gva_mad, sector_id="MAD-GVA")
            with pytest.raises(errors.ClientError, match="not in citysector `Madrid-Geneva`"):
                await api.upload_schedules(0, gva_mad, citysector_id="Madrid-Geneva")
            await api.upload_schedules(0, gva_mad, sector_id="GVA-MAD", citysector_id="Geneva-Madrid")
            ids = await api.fetch_schedules_ids(0, airline_id="LowCost2", sector_id="MAD-GVA")
            schedules = await api.fetch_schedules(0, ids, sector_id="MAD-GVA")
            legacy = await api.fetch_schedules_ids(0, citysector_id="London-Madrid")
            back = await api.fetch_schedules_ids(0, sector_id="GVA-MAD")
            return schedules, legacy, back, (await api.fetch_info(0))[2]

    schedules, legacy, back, counts = run(main())
    assert sorted(s.flight_number for s in schedules) == ["2277", "2278"]
    assert {(s.origin_id, s.destination_id, s.sector_id, s.citysector_id) for s in schedules} == \
        {("MAD", "GVA", "MAD-GVA", "Madrid-Geneva")}
    assert legacy == ["LegacyAir-901-2022-04-04"]
    assert back == ["LowCost2-2377-2022-04-01"]
    assert counts.total == 4
    assert emu.app.stats["api-data-unbounded-post-file"] == 5


def test_upload_and_fetch_each_model_kind(make_emulator, run, tmp_path) -> None:
    emu = make_emulator()
    behavior = {"id": "rake-ebc", "type": "rake_ebc", "seats_per_dbd": 0.2, "zero_shift": 0.1, "squeeze": 0.5,
                "confidence": 0.8}
    optimizer = json.loads((S / "pricing_optimizer.sample.json").read_text())
    optimizer["operator"]["effects"] = "none"
    optimizer_file = tmp_path / "optimizer-b.json"
    optimizer_file.write_text(json.dumps(optimizer))

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_customers_request_model(0, S / "customers_request.poisson.json")
            await api.upload_customers_request_model(0, {"id": "req-dict", "solo": {
                "type": "poisson", "beta": 2.0, "scale": 50, "lambda_seats": 1}})
            await api.upload_customers_choice_model(0, S / "customers_choice.mnl.json")
            await api.upload_pricing_behavior_model(0, S / "pricing_behavior.sample.json")
            await api.upload_pricing_behavior_model(0, behavior)
            await api.upload_pricing_optimizer_model(0, S / "pricing_optimizer.sample.json")
            await api.upload_pricing_optimizer_model(0, str(optimizer_file))
            with pytest.raises(errors.NotFoundError, match="no pricing_behavior model `customers_choice.mnl.json`"):
                await api.fetch_pricing_behavior_model(0, "customers_choice.mnl.json")  # kinds are kept apart
            return (await api.fetch_customers_request_model(0, "customers_request.poisson.json"),
                    await api.fetch_customers_request_model(0, "req-dict"),
                    await api.fetch_customers_choice_model(0, "customers_choice.mnl.json"),
                    await api.fetch_pricing_behavior_model(0, "pricing_behavior.sample.json"),
                    await api.fetch_pricing_behavior_model(0, "rake-ebc"),
                    await api.fetch_pricing_optimizer_model(0, "pricing_optimizer.sample.json"),
                    await api.fetch_pricing_optimizer_model(0, "optimizer-b.json"),
                    await api.fetch_parametric_models(0))

    request, request_dict, choice, behavior_file, behavior_dict, optimizer_a, optimizer_b, models = run(main())
    assert request == json.loads((S / "customers_request.poisson.json").read_text())
    assert request["business"]["lambda_seats"] == 1.5
    assert request_dict == {"solo": {"type": "poisson", "beta": 2.0, "scale": 50, "lambda_seats": 1}}
    assert choice == json.loads((S / "customers_choice.mnl.json").read_text())
    assert choice["leisure"]["reject_prob"] == 0.9
    assert behavior_file == {"type": "rake_straight", "seats_per_dbd": 0.15, "zero_shift": 0.06, "squeeze": 0.7}
    assert behavior_dict == {k: v for k, v in behavior.items() if k != "id"}
    assert optimizer_a["operator"]["effects"] == "promote-dynamic-bc-thresholds"
    assert optimizer_b == optimizer and optimizer_b["schedule"] == {"INF": 7, "7": 2}
    assert {m.id for m in models} == {"customers_request.poisson.json", "req-dict", "customers_choice.mnl.json",
                                      "pricing_behavior.sample.json", "rake-ebc", "pricing_optimizer.sample.json",
                                      "optimizer-b.json"}


def test_derived_locations_and_airline_locations(make_emulator, run, upload_network) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0)
            return {
                "sectors": await api.fetch_sectors(0),
                "low_sectors": await api.fetch_airline_sectors(0, "LowCost2"),
                "low_sector_ids": await api.fetch_airline_sectors_ids(0, "LowCost2"),
                "legacy_routes": await api.fetch_airline_routes(0, "LegacyAir"),
                "low_route_ids": await api.fetch_airline_routes_ids(0, "LowCost2"),
                "legacy_cityroutes": await api.fetch_airline_cityroutes(0, "LegacyAir"),
                "low_cityroute_ids": await api.fetch_airline_cityroutes_ids(0, "LowCost2"),
                "legacy_citysector_ids": await api.fetch_airline_citysectors_ids(0, "LegacyAir"),
            }

    got = run(main())
    assert sorted(s.id for s in got["sectors"]) == ["GVA-MAD", "LHR-MAD", "MAD-GVA", "MAD-LHR"]
    assert Sector("MAD-GVA", "MAD", "GVA", "Madrid-Geneva") in got["sectors"]
    assert sorted(got["low_sectors"], key=lambda s: s.id) == [Sector("GVA-MAD", "GVA", "MAD", "Geneva-Madrid"),
                                                              Sector("MAD-GVA", "MAD", "GVA", "Madrid-Geneva")]
    assert sorted(got["low_sector_ids"]) == ["GVA-MAD", "MAD-GVA"]
    assert got["legacy_routes"] == [Route("LHR-MAD", "LHR", "MAD", "London-Madrid")]
    assert got["low_route_ids"] == ["GVA-MAD"]
    assert got["legacy_cityroutes"] == [CityRoute("London-Madrid", "London", "Madrid",
                                                  "customers_request.poisson.json", "customers_choice.mnl.json")]
    assert got["low_cityroute_ids"] == ["Geneva-Madrid"]
    assert sorted(got["legacy_citysector_ids"]) == ["London-Madrid", "Madrid-London"]
    assert all(isinstance(c, CityRoute) for c in got["legacy_cityroutes"])


def test_airline_locations_of_an_unknown_airline_are_an_error(make_emulator, run, upload_network) -> None:
    emu = make_emulator()

    async def main():
        async with API(**emu.credentials) as api:
            await upload_network(api, 0, models=False)
            with pytest.raises(errors.ClientError, match="unknown airline `NoSuchAir`"):
                await api.fetch_airline_sectors(0, "NoSuchAir")
            return await api.fetch_airline_citysectors(0, "LowCost2")

    citysectors = run(main())
    assert sorted(c.id for c in citysectors) == ["Geneva-Madrid", "Madrid-Geneva"]
    assert all(isinstance(c, CitySector) and c.crequest_id is None for c in citysectors)  # no models uploaded
