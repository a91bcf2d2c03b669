"""Remove API."""
from __future__ import annotations

from .._api.base import APIBaseInternal, ScenarioId, scenario_id


class APIRemove(APIBaseInternal):
    """Remove a scenario's data."""

    async def remove_data_full(self, scen_id: ScenarioId) -> None:
        """Everything: items, models, filters, flights and simulation results."""
        await self._submit_call("api-data-remove-full", scen_id=scenario_id(scen_id))

    async def remove_data_historic(self, scen_id: ScenarioId) -> None:
        """Simulation results only, restarting the scenario from its first day."""
        await self._submit_call("api-data-remove-restart", scen_id=scenario_id(scen_id))
