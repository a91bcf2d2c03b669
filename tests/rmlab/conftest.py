"""Shared helpers for the rmlab tests: run a coroutine, start emulators, the sample files."""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Coroutine, Iterator, List

import pytest

from rmlab.testing import SAMPLES
from rmlab.testing.emulator import RMLabEmulator


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout=60))


@pytest.fixture
def run() -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """``run(coro)``: every rmlab call is async; tests drive them with asyncio.run (60 s bound)."""
    return _run


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., RMLabEmulator]]:
    """``make_emulator(**RMLabApp options)`` -> a running emulator, stopped after the test."""
    started: List[RMLabEmulator] = []

    def make(**kwargs: Any) -> RMLabEmulator:
        emu = RMLabEmulator(**kwargs).start()
        started.append(emu)
        return emu

    yield make
    for emu in reversed(started):
        emu.stop()


@pytest.fixture
def samples():
    return SAMPLES


async def _upload_network(api: Any, scen_id: Any = 0, *, models: bool = True) -> None:
    """The sample network: models and filters (optional), then the core items from CSV."""
    s = SAMPLES
    if models:
        await api.upload_batch_customers_models(scen_id, request_models=[s / "customers_request.poisson.json"],
                                                choice_models=[s / "customers_choice.mnl.json"])
        await api.upload_batch_pricing_models(scen_id, range_models=[s / "pricing_range.sample.json"],
                                              behavior_models=[s / "pricing_behavior.sample.json"],
                                              optimizer_models=[s / "pricing_optimizer.sample.json"])
        await api.upload_parametric_filters(scen_id, s / "table.pfilter.json")
    await api.upload_batch_core(scen_id, aircraft_items=s / "table.aircraft.csv", airline_items=s / "table.airline.csv",
                                airport_items=s / "table.airport.csv", city_items=s / "table.city.csv",
                                country_items=s / "table.country.csv", schedule_items=s / "table.schedule.csv")


@pytest.fixture
def upload_network() -> Callable[..., Coroutine[Any, Any, None]]:
    """``await upload_network(api, scen_id, models=True)``: the sample network from its files."""
    return _upload_network
