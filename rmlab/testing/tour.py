"""The RMLab leg of the tour: the seed's program structure against the embedded emulator.

Upload the sample airline network (CSV items, JSON models and filters), run the simulation
with a progress bar, fetch flights and their data (several fetches at once), remove the data.
"""
from __future__ import annotations

import asyncio
import time
from typing import Callable

Say = Callable[[str], None]


async def _leg(emu, say: Say) -> None:
    from . import SAMPLES as S

    async with emu.api(max_concurrency=8) as api:
        say(f"logged in to {emu.url} (Basic login operation, then Bearer tokens); scenarios {api.scenarios}")
        scen_id = api.scenarios[0]
        await api.remove_data_full(scen_id)
        await api.upload_batch_customers_models(scen_id, request_models=[S / "customers_request.poisson.json"],
                                                choice_models=[S / "customers_choice.mnl.json"])
        await api.upload_batch_pricing_models(scen_id, range_models=[S / "pricing_range.sample.json"],
                                              behavior_models=[S / "pricing_behavior.sample.json"],
                                              optimizer_models=[S / "pricing_optimizer.sample.json"])
        await api.upload_parametric_filters(scen_id, S / "table.pfilter.json")
        await api.upload_batch_core(scen_id, aircraft_items=S / "table.aircraft.csv",
                                    airline_items=S / "table.airline.csv", airport_items=S / "table.airport.csv",
                                    city_items=S / "table.city.csv", country_items=S / "table.country.csv",
                                    schedule_items=S / "table.schedule.csv")
        dates, items, schedules, flights = await api.fetch_info(scen_id)
        say(f"uploaded the sample network from CSV: {items.airline} airlines, {items.airport} airports, "
            f"{schedules.total} schedules -> {flights.total} flights, {items.citysector} citysectors, "
            f"{items.pmodel} models")

        emu.expire_access_tokens()
        began = time.perf_counter()
        dates, _, _, flights = await api.trigger_simulation(scen_id, progress=True)
        say(f"simulated {dates.first_flight_load:%Y-%m-%d} .. {dates.last_flight_departure:%Y-%m-%d} in "
            f"{time.perf_counter() - began:.1f} s: state {dates.state.value}, {flights.past} flights departed "
            f"(the access token had expired: HTTP 498 -> {emu.app.refreshes} refresh, replayed)")

        citysectors = await api.fetch_citysectors(scen_id)
        csc = citysectors[0]
        ids = await api.fetch_flights_ids(scen_id, citysector_id=csc.id)
        began = time.perf_counter()
        found, books, events, thresholds = await asyncio.gather(
            api.fetch_flights(scen_id, ids, citysector_id=csc.id),
            api.fetch_flights_data_historic(scen_id, ids, citysector_id=csc.id),
            api.fetch_flights_data_events(scen_id, ids, citysector_id=csc.id),
            api.fetch_flights_data_pricing_thresholds(scen_id, ids, citysector_id=csc.id))
        seats = sum(b.cumulated_seats_array[-1] for b in books if not b.is_empty())
        revenue = sum(b.cumulated_revenue_array[-1] for b in books if not b.is_empty()) / 100
        say(f"{csc.id}: {len(found)} flights, their books, events and thresholds fetched together "
            f"({emu.app.max_in_flight['api-data-flight-get']} requests in flight at once, ids chunked by the "
            f"server's limit) in {time.perf_counter() - began:.2f} s: {seats} seats sold, {revenue:,.0f} in revenue")
        first = books[0]
        say(f"flight {first.id}: {len(first.timestamps_array)} bookings, fares {found[0].fares[:3]}..., "
            f"{sum(1 for e in events[0].events_array if getattr(e, 'value', e) == 'done-rms-pass')} "
            f"optimization passes")

        await api.remove_data_full(scen_id)
        _, items, _, flights = await api.fetch_info(scen_id)
        say(f"removed the data: {flights.total} flights, {items.airline} airlines left")
    say(f"logged out ({emu.app.logouts} logout, {emu.app.active_sessions} sessions left on the server)")


def run(say: Say) -> None:
    """Run the RMLab leg against a fresh emulator."""
    from .emulator import RMLabEmulator

    with RMLabEmulator(day_seconds=0.02, latency=0.02) as emu:
        asyncio.run(_leg(emu, say))
