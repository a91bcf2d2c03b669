"""Fetch API: scenario summary, items, airline locations, schedules, flights, flight data, models.

Lists of ids are split by the server's ``limit`` on the ``ids`` argument; the chunks are
fetched concurrently and every id is fetched (upstream dropped the last id of the last chunk).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Type, TypeVar

from .. import errors
from .._api.base import APIBaseInternal, ScenarioId, chunks, scenario_id
from ..data.enums import FlightDataKind
from ..data.flight import (FROM_SERVER, FlightData, FlightDataBooks, FlightDataEvents, FlightDataForecastedBooks,
                           FlightDataPricePerSeatSettings, FlightDataQForecast, FlightDataThresholdSettings)
from ..data.items import (Aircraft, Airline, Airport, BoundedItem, City, CityRoute, CitySector, Country, Flight,
                          Item, PFilter, PModel, Route, Schedule, Sector)
from ..data.scenario import ScenarioInfo, summary_to_info

I = TypeVar("I", bound=Item)


def _need_sector(citysector_id: Optional[str], sector_id: Optional[str]) -> None:
    if citysector_id is None and sector_id is None:
        raise errors.ValueError("Require definition of either `citysector_id` or `sector_id`")


def _ids(ids: Sequence[str]) -> List[str]:
    if isinstance(ids, (str, bytes)):
        raise TypeError("ids must be a list of ids, not a single string")
    return [str(i) for i in ids]


class APIFetchInternal(APIBaseInternal):
    """Shared fetch steps."""

    async def _fetch_info(self, scen_id: ScenarioId) -> ScenarioInfo:
        sid = scenario_id(scen_id)
        return summary_to_info(sid, await self._submit_call("api-data-summary-get-single", scen_id=sid))

    async def _fetch_bounded_items(self, scen_id: ScenarioId, cls: Type[I]) -> List[I]:
        answer = await self._submit_call("api-data-bounded-get-all", scen_id=scenario_id(scen_id),
                                         category=cls.category)
        return [cls.from_dict(item) for item in answer["items"]]

    async def _fetch_airline_locations(self, scen_id: ScenarioId, airline_id: str, cls: Type[I],
                                       ids_only: bool) -> Any:
        endpoint = "api-data-airline-locations-get-ids" if ids_only else "api-data-airline-locations-get-items"
        answer = await self._submit_call(endpoint, scen_id=scenario_id(scen_id), airline_id=airline_id,
                                         location_type=cls.category)
        return list(answer) if ids_only else [cls.from_dict(item) for item in answer]

    async def _fetch_unbounded_ids(self, scen_id: ScenarioId, cls: Type[Item], *, citysector_id: Optional[str],
                                   airline_id: Optional[str], sector_id: Optional[str]) -> List[str]:
        if airline_id is None and citysector_id is None and sector_id is None:
            raise errors.ValueError("Require definition of `citysector_id`, `airline_id` or `sector_id`")
        if airline_id is not None and citysector_id is None and sector_id is None:
            raise errors.ValueError("Required definition of `citysector_id` and/or `sector_id` when airline_id "
                                    "is defined")
        return list(await self._submit_call("api-data-unbounded-get-ids", scen_id=scenario_id(scen_id),
                                            category=cls.category, citysector_id=citysector_id,
                                            airline_id=airline_id, sector_id=sector_id))

    async def _fetch_unbounded_items(self, scen_id: ScenarioId, cls: Type[I], ids: Sequence[str], *,
                                     citysector_id: Optional[str], sector_id: Optional[str]) -> List[I]:
        _need_sector(citysector_id, sector_id)
        sid, wanted = scenario_id(scen_id), _ids(ids)
        endpoint = "api-data-unbounded-get-fields"
        fields = cls.field_names()
        parts = await self._gather(
            self._submit_call(endpoint, scen_id=sid, category=cls.category, citysector_id=citysector_id,
                              sector_id=sector_id, ids=list(part), fields=fields)
            for part in chunks(wanted, self._limit_of(endpoint, "ids")) if part)
        return [cls.from_dict(item) for part in parts for item in part]

    async def _fetch_flights_data(self, scen_id: ScenarioId, ids: Sequence[str], kind: FlightDataKind, *,
                                  citysector_id: Optional[str], sector_id: Optional[str]) -> List[Any]:
        _need_sector(citysector_id, sector_id)
        sid, wanted = scenario_id(scen_id), _ids(ids)
        endpoint = "api-data-flight-get"
        parts = [list(p) for p in chunks(wanted, self._limit_of(endpoint, "ids")) if p]
        answers = await self._gather(
            self._submit_call(endpoint, scen_id=sid, ids=part, kind=kind.value, citysector_id=citysector_id,
                              sector_id=sector_id) for part in parts)
        convert = FROM_SERVER[kind]
        out: List[FlightData] = []
        for part, answer in zip(parts, answers):
            if not isinstance(answer, list) or len(answer) != len(part):
                raise errors.LogicError(f"server answered {len(answer) if isinstance(answer, list) else 'no list'} "
                                        f"flight data entries for {len(part)} ids")
            out.extend(convert(fid, data or {}) for fid, data in zip(part, answer))
        return out

    async def _fetch_pmodel(self, scen_id: ScenarioId, kind: str, pmodel_id: str) -> Any:
        return await self._submit_call("api-data-pmodel-get", scen_id=scenario_id(scen_id), kind=kind,
                                       pmodel_id=pmodel_id)


class APIFetchCore(APIFetchInternal):
    """Fetch the summary, items and locations of a scenario."""

    async def fetch_info(self, scen_id: ScenarioId) -> ScenarioInfo:
        """``(ScenarioDates, ItemsCount, SchedulesCount, FlightsCount)`` of the scenario."""
        return await self._fetch_info(scen_id)

    async def fetch_aircrafts(self, scen_id: ScenarioId) -> List[Aircraft]:
        return await self._fetch_bounded_items(scen_id, Aircraft)

    async def fetch_airlines(self, scen_id: ScenarioId) -> List[Airline]:
        return await self._fetch_bounded_items(scen_id, Airline)

    async def fetch_airports(self, scen_id: ScenarioId) -> List[Airport]:
        return await self._fetch_bounded_items(scen_id, Airport)

    async def fetch_countries(self, scen_id: ScenarioId) -> List[Country]:
        return await self._fetch_bounded_items(scen_id, Country)

    async def fetch_cities(self, scen_id: ScenarioId) -> List[City]:
        return await self._fetch_bounded_items(scen_id, City)

    async def fetch_citysectors(self, scen_id: ScenarioId) -> List[CitySector]:
        return await self._fetch_bounded_items(scen_id, CitySector)

    async def fetch_sectors(self, scen_id: ScenarioId) -> List[Sector]:
        return await self._fetch_bounded_items(scen_id, Sector)

    async def fetch_cityroutes(self, scen_id: ScenarioId) -> List[CityRoute]:
        return await self._fetch_bounded_items(scen_id, CityRoute)

    async def fetch_routes(self, scen_id: ScenarioId) -> List[Route]:
        return await self._fetch_bounded_items(scen_id, Route)

    async def fetch_airline_sectors(self, scen_id: ScenarioId, airline_id: str) -> List[Sector]:
        return await self._fetch_airline_locations(scen_id, airline_id, Sector, ids_only=False)

    async def fetch_airline_citysectors(self, scen_id: ScenarioId, airline_id: str) -> List[CitySector]:
        return await self._fetch_airline_locations(scen_id, airline_id, CitySector, ids_only=False)

    async def fetch_airline_routes(self, scen_id: ScenarioId, airline_id: str) -> List[Route]:
        return await self._fetch_airline_locations(scen_id, airline_id, Route, ids_only=False)

    async def fetch_airline_cityroutes(self, scen_id: ScenarioId, airline_id: str) -> List[CityRoute]:
        return await self._fetch_airline_locations(scen_id, airline_id, CityRoute, ids_only=False)

    async def fetch_airline_sectors_ids(self, scen_id: ScenarioId, airline_id: str) -> List[str]:
        return await self._fetch_airline_locations(scen_id, airline_id, Sector, ids_only=True)

    async def fetch_airline_citysectors_ids(self, scen_id: ScenarioId, airline_id: str) -> List[str]:
        return await self._fetch_airline_locations(scen_id, airline_id, CitySector, ids_only=True)

    async def fetch_airline_routes_ids(self, scen_id: ScenarioId, airline_id: str) -> List[str]:
        return await self._fetch_airline_locations(scen_id, airline_id, Route, ids_only=True)

    async def fetch_airline_cityroutes_ids(self, scen_id: ScenarioId, airline_id: str) -> List[str]:
        return await self._fetch_airline_locations(scen_id, airline_id, CityRoute, ids_only=True)

    async def fetch_schedules_ids(self, scen_id: ScenarioId, *, citysector_id: Optional[str] = None,
                                  airline_id: Optional[str] = None, sector_id: Optional[str] = None) -> List[str]:
        return await self._fetch_unbounded_ids(scen_id, Schedule, citysector_id=citysector_id,
                                               airline_id=airline_id, sector_id=sector_id)

    async def fetch_flights_ids(self, scen_id: ScenarioId, *, citysector_id: Optional[str] = None,
                                airline_id: Optional[str] = None, sector_id: Optional[str] = None) -> List[str]:
        return await self._fetch_unbounded_ids(scen_id, Flight, citysector_id=citysector_id,
                                               airline_id=airline_id, sector_id=sector_id)

    async def fetch_schedules(self, scen_id: ScenarioId, ids: Sequence[str], *, citysector_id: Optional[str] = None,
                              sector_id: Optional[str] = None) -> List[Schedule]:
        return await self._fetch_unbounded_items(scen_id, Schedule, ids, citysector_id=citysector_id,
                                                 sector_id=sector_id)

    async def fetch_flights(self, scen_id: ScenarioId, ids: Sequence[str], *, citysector_id: Optional[str] = None,
                            sector_id: Optional[str] = None) -> List[Flight]:
        return await self._fetch_unbounded_items(scen_id, Flight, ids, citysector_id=citysector_id,
                                                 sector_id=sector_id)


class APIFetchFlightData(APIFetchInternal):
    """Fetch time series of flights (each list is aligned with ``ids``)."""

    async def fetch_flights_data_historic(self, scen_id: ScenarioId, ids: Sequence[str], *,
                                          citysector_id: Optional[str] = None,
                                          sector_id: Optional[str] = None) -> List[FlightDataBooks]:
        """Actual books."""
        return await self._fetch_flights_data(scen_id, ids, FlightDataKind.ACTUAL_BOOKS,
                                              citysector_id=citysector_id, sector_id=sector_id)

    async def fetch_flights_data_expected(self, scen_id: ScenarioId, ids: Sequence[str], *,
                                          citysector_id: Optional[str] = None,
                                          sector_id: Optional[str] = None) -> List[FlightDataForecastedBooks]:
        return await self._fetch_flights_data(scen_id, ids, FlightDataKind.EXPECTED_BOOKS,
                                              citysector_id=citysector_id, sector_id=sector_id)

    async def fetch_flights_data_dynamic(self, scen_id: ScenarioId, ids: Sequence[str], *,
                                         citysector_id: Optional[str] = None,
                                         sector_id: Optional[str] = None) -> List[FlightDataForecastedBooks]:
        return await self._fetch_flights_data(scen_id, ids, FlightDataKind.DYNAMIC_BOOKS,
                                              citysector_id=citysector_id, sector_id=sector_id)

    async def fetch_flights_data_forecast(self, scen_id: ScenarioId, ids: Sequence[str], *,
                                          citysector_id: Optional[str] = None,
                                          sector_id: Optional[str] = None) -> List[FlightDataQForecast]:
        return await self._fetch_flights_data(scen_id, ids, FlightDataKind.FORECAST,
                                              citysector_id=citysector_id, sector_id=sector_id)

    async def fetch_flights_data_pricing_thresholds(self, scen_id: ScenarioId, ids: Sequence[str], *,
                                                    citysector_id: Optional[str] = None,
                                                    sector_id: Optional[str] = None
                                                    ) -> List[FlightDataThresholdSettings]:
        return await self._fetch_flights_data(scen_id, ids, FlightDataKind.THRESHOLDS_SETTINGS,
                                              citysector_id=citysector_id, sector_id=sector_id)

    async def fetch_flights_data_pricing_per_seat(self, scen_id: ScenarioId, ids: Sequence[str], *,
                                                  citysector_id: Optional[str] = None,
                                                  sector_id: Optional[str] = None
                                                  ) -> List[FlightDataPricePerSeatSettings]:
        return await self._fetch_flights_data(scen_id, ids, FlightDataKind.PRICE_PER_SEAT_SETTINGS,
                                              citysector_id=citysector_id, sector_id=sector_id)

    async def fetch_flights_data_events(self, scen_id: ScenarioId, ids: Sequence[str], *,
                                        citysector_id: Optional[str] = None,
                                        sector_id: Optional[str] = None) -> List[FlightDataEvents]:
        return await self._fetch_flights_data(scen_id, ids, FlightDataKind.EVENTS,
                                              citysector_id=citysector_id, sector_id=sector_id)


class APIFetchParametric(APIFetchInternal):
    """Fetch parametric filters and models."""

    async def fetch_parametric_filters(self, scen_id: ScenarioId) -> List[PFilter]:
        return await self._fetch_bounded_items(scen_id, PFilter)

    async def fetch_parametric_models(self, scen_id: ScenarioId) -> List[PModel]:
        return await self._fetch_bounded_items(scen_id, PModel)

    async def fetch_customers_request_model(self, scen_id: ScenarioId, pmodel_id: str) -> Dict[str, Any]:
        return await self._fetch_pmodel(scen_id, "customers_request", pmodel_id)

    async def fetch_customers_choice_model(self, scen_id: ScenarioId, pmodel_id: str) -> Dict[str, Any]:
        return await self._fetch_pmodel(scen_id, "customers_choice", pmodel_id)

    async def fetch_pricing_range_model(self, scen_id: ScenarioId, pmodel_id: str) -> Dict[str, Any]:
        return await self._fetch_pmodel(scen_id, "pricing_range", pmodel_id)

    async def fetch_pricing_behavior_model(self, scen_id: ScenarioId, pmodel_id: str) -> Dict[str, Any]:
        return await self._fetch_pmodel(scen_id, "pricing_behavior", pmodel_id)

    async def fetch_pricing_optimizer_model(self, scen_id: ScenarioId, pmodel_id: str) -> Dict[str, Any]:
        return await self._fetch_pmodel(scen_id, "pricing_optimizer", pmodel_id)
