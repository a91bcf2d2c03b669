"""Operations API: simulation (checkpoints, trigger with progress, current date) and optimization."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, List, Optional, Sequence

from .. import errors
from .._api.base import APIBaseInternal, ScenarioId, scenario_id
from .._api.progress import DaysProgress, ProgressArg, wants_progress
from ..data.items import DateFormat, DateTimeMinFormat, parse_date
from ..data.scenario import ScenarioInfo, summary_to_info

log = logging.getLogger("rmlab")

TRIGGER_SIMULATION = "api-operation-simulation-trigger"
#: Upstream redraws its bars every 2 s; a server advertising faster polling gets faster updates.
PROGRESS_INTERVAL = 2.0


def _day(value: datetime, argument: str, fmt: str = DateFormat) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"Expected `datetime` type in {argument}, got `{type(value).__name__}`")
    return value.strftime(fmt)


def _days_progress(summary: Any) -> tuple:
    """(done, total) simulated days from a summary, or (0, None) when dates are unknown."""
    dates = (summary or {}).get("dates") or {}
    first = parse_date(dates.get("first_flight_load"))
    last = parse_date(dates.get("last_flight_departure"))
    current = parse_date(dates.get("current"))
    if first is None or last is None or current is None:
        return 0, None
    total = max(0, (last - first).days + 1)
    return (current - first).days, total


class APISimulation(APIBaseInternal):
    """Run the simulation of a scenario."""

    async def upload_checkpoints(self, scen_id: ScenarioId, checkpoints: Sequence[datetime]) -> None:
        """Dates at which the simulation will stop."""
        days = [_day(c, "checkpoints") for c in checkpoints]
        await self._submit_call("api-operation-simulation-checkpoint", scen_id=scenario_id(scen_id), checkpoints=days)

    async def trigger_simulation(self, scen_id: ScenarioId, next: Optional[datetime] = None, *,
                                 progress: ProgressArg = None,
                                 progress_interval: Optional[float] = None) -> ScenarioInfo:
        """Simulate until the next checkpoint (``next``, if given, is added as one) or the end.

        Shows a progress bar of simulated days (``progress``: None = on a terminal, True,
        False, or ``f(done_days, total_days)``), updated from the scenario summary. Returns the
        summary once the operation has finished, as :meth:`fetch_info` does.
        """
        sid = scenario_id(scen_id)
        if next is not None:
            await self.upload_checkpoints(sid, [next])
        operation = asyncio.ensure_future(self._submit_call(TRIGGER_SIMULATION, scen_id=sid, operation="auto"))
        bar = DaysProgress(progress, f"Simulating scenario {sid}") if wants_progress(progress) else None
        try:
            if bar is not None:
                interval = progress_interval or self._progress_interval()
                while not operation.done():
                    finished, _ = await asyncio.wait({operation}, timeout=interval)
                    if finished:
                        break
                    try:
                        summary = await self._submit_call("api-data-summary-get-single", scen_id=sid)
                    except errors.RMLabError as exc:  # progress is best effort; the operation decides
                        log.debug("progress summary failed: %s", exc)
                        continue
                    bar.update(*_days_progress(summary))
            result = await operation
            if bar is not None:
                bar.update(*_days_progress(result))
        finally:
            if not operation.done():
                operation.cancel()
            if bar is not None:
                bar.close()
        return summary_to_info(sid, result)

    def _progress_interval(self) -> float:
        info = self._session().endpoint(TRIGGER_SIMULATION).async_info
        return min(PROGRESS_INTERVAL, info.poll_interval) if info is not None and info.poll_interval > 0 \
            else PROGRESS_INTERVAL


class APIOptimization(APIBaseInternal):
    """Run and schedule revenue optimization passes; inspect their inputs and schedules."""

    async def trigger_optimization_pass(self, scen_id: ScenarioId, airline_id: str, *,
                                        citysector_id: Optional[str] = None, sector_id: Optional[str] = None) -> None:
        """Optimize the airline's flights on sale in a citysector or sector, now."""
        if citysector_id is None and sector_id is None:
            raise errors.ValueError("At least one of `citysector_id`, `sector_id` must be defined")
        await self._submit_call("api-operation-optimization-trigger", scen_id=scenario_id(scen_id),
                                airline_id=airline_id, citysector_id=citysector_id, sector_id=sector_id)

    async def schedule_optimization_pass(self, scen_id: ScenarioId, airline_id: str, date_time: datetime, *,
                                         citysector_id: Optional[str] = None,
                                         sector_id: Optional[str] = None) -> None:
        """Run an optimization pass at ``date_time`` of the simulation."""
        if citysector_id is None and sector_id is None:
            raise errors.ValueError("At least one of `citysector_id`, `sector_id` must be defined")
        await self._submit_call("api-operation-optimization-schedule", scen_id=scenario_id(scen_id),
                                date_time=_day(date_time, "date_time", DateTimeMinFormat), airline_id=airline_id,
                                citysector_id=citysector_id, sector_id=sector_id)

    async def fetch_optimization_input_flights(self, scen_id: ScenarioId, flight_id: str,
                                               citysector_id: str) -> List[str]:
        """Flights whose data feeds the optimization of ``flight_id``."""
        return list(await self._submit_call("api-operation-optimization-input-ids", scen_id=scenario_id(scen_id),
                                            flight_id=flight_id, citysector_id=citysector_id))

    async def fetch_optimization_scheduled_flights(self, scen_id: ScenarioId, airline_id: str, sector_id: str,
                                                   date_start: datetime, date_end: datetime) -> List[str]:
        """Flights of an airline in a sector with optimization passes between two dates."""
        return list(await self._submit_call("api-operation-optimization-scheduled-ids",
                                            scen_id=scenario_id(scen_id), airline_id=airline_id,
                                            sector_id=sector_id, ds_start=_day(date_start, "date_start"),
                                            ds_end=_day(date_end, "date_end")))

    async def set_current_date(self, scen_id: ScenarioId, date_current: datetime) -> None:
        """Move the scenario's current date."""
        await self._submit_call("api-operation-set-date", scen_id=scenario_id(scen_id),
                                ds_current=_day(date_current, "date_current"))
