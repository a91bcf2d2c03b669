"""RMLab client (drop-in for rmlab 0.4.4) on the shared REST core.

    import asyncio
    from rmlab import API

    async def main():
        async with API() as api:            # RMLAB_WORKGROUP / RMLAB_USERNAME / RMLAB_PASSWORD
            scen_id = api.scenarios[0]
            await api.upload_batch_core(scen_id, airline_items="table.airline.csv", ...)
            await api.trigger_simulation(scen_id)

    asyncio.run(main())
"""
from ._version import __version__
from .api import API
from .data.flight import (FlightDataBooks, FlightDataEvents, FlightDataForecastedBooks,
                          FlightDataPricePerSeatSettings, FlightDataQForecast, FlightDataThresholdSettings)
from .data.items import (Aircraft, Airline, Airport, City, CityRoute, CitySector, Country, Flight, PFilter, PModel,
                         Route, Schedule, Sector)
from .data.scenario import FlightsCount, ItemsCount, ScenarioDates, SchedulesCount

__all__ = [
    "API", "__version__",
    "Aircraft", "Airline", "Airport", "City", "CityRoute", "CitySector", "Country", "Flight", "PFilter", "PModel",
    "Route", "Schedule", "Sector",
    "FlightDataBooks", "FlightDataEvents", "FlightDataForecastedBooks", "FlightDataPricePerSeatSettings",
    "FlightDataQForecast", "FlightDataThresholdSettings",
    "ScenarioDates", "ItemsCount", "SchedulesCount", "FlightsCount",
]
