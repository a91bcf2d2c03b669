"""Upload API: items (CSV/JSON files or lists), parametric filters and models, flight data.

Everything is checked locally first (:mod:`rmlab.data.tables`, :mod:`rmlab.data.parametric`):
a bad file or item is refused with its file, line and field before anything is sent. Checks
run off the event loop (:mod:`rmlab._api.checks`: threads, and helper processes when several
large files are checked at once), once per unchanged file.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

from .. import errors
from .._api.base import APIBaseInternal, ScenarioId, check_items_file, check_model_file, chunks, scenario_id
from ..data.flight import UPLOAD_KINDS, FlightData
from ..data.items import Aircraft, Airline, Airport, City, Country, Flight, Item, PFilter, Schedule
from ..data.parametric import validate_model
from ..data.tables import as_upload_item, file_extension, parse_json_items

Items = Union[str, "os.PathLike[str]", List[Dict[str, Any]]]
ModelContent = Union[str, "os.PathLike[str]", Mapping[str, Any]]


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


#: Item lists longer than this are checked in a thread rather than on the event loop.
INLINE_ITEMS = 200


async def _check_items(category: str, items: Any, argument: str = "items") -> None:
    """Validate ``items`` of ``category`` locally (files are checked once per unchanged file)."""
    if _is_path(items):
        path = os.fspath(items)
        file_extension(path)
        await check_items_file(category, path)
    elif isinstance(items, list):
        if len(items) > INLINE_ITEMS:
            await asyncio.to_thread(parse_json_items, category, items, argument)
        else:
            parse_json_items(category, items, source=argument)
    else:
        raise TypeError(f"{argument} must be a .csv/.json file path or a list of items, got {type(items).__name__}")


def _model_dict(kind: str, content: Any, validate: bool = True) -> Tuple[str, Dict[str, Any]]:
    """``(pmodel_id, model)`` of a model given as a dict (a copy: the caller's dict keeps its
    ``id``, which upstream popped), validated unless ``validate`` is False."""
    if not isinstance(content, Mapping):
        raise TypeError(f"model content must be a .json file path or a dict, got {type(content).__name__}")
    model = dict(content)
    pmodel_id = model.pop("id", None)
    if not isinstance(pmodel_id, str) or not pmodel_id.strip():
        raise errors.ValueError("a model given as a dict needs a non-empty string 'id'")
    if validate:
        validate_model(kind, model, source=f"model {pmodel_id!r}")
    return pmodel_id, model


class APIUploadInternal(APIBaseInternal):
    """Shared upload steps."""

    @staticmethod
    async def _checked(checks: Any) -> None:
        """Run local checks together; raise the one failure, or a MultipleError of several."""
        outcomes = await asyncio.gather(*checks, return_exceptions=True)
        failures = [o for o in outcomes if isinstance(o, BaseException)]
        for failure in failures:
            if not isinstance(failure, Exception):  # cancellation and the like
                raise failure
        errors.raise_from_list(failures)

    async def _upload_items(self, scen_id: ScenarioId, cls: Type[Item], items: Items, *, unbounded: bool = False,
                            citysector_id: Optional[str] = None, sector_id: Optional[str] = None,
                            checked: bool = False) -> None:
        sid = scenario_id(scen_id)
        prefix = "api-data-unbounded" if unbounded else "api-data-bounded"
        extra: Dict[str, Any] = {"citysector_id": citysector_id, "sector_id": sector_id} if unbounded else {}
        if _is_path(items):
            path = os.fspath(items)  # type: ignore[arg-type]
            # checked where it is opened for sending (the very file sent), once per unchanged file
            await self._submit_call(f"{prefix}-post-file", scen_id=sid, category=cls.category, content=path,
                                    extension=file_extension(path), file_checks={"content": ("items", cls.category)},
                                    **extra)
            return
        if not checked:
            await _check_items(cls.category, items)
        endpoint_id = f"{prefix}-post-json"
        # Sequential chunks keep the order: later items may refer to earlier ones.
        payload = [as_upload_item(cls.category, item) for item in items]  # type: ignore[union-attr]
        for part in chunks(payload, self._limit_of(endpoint_id, "items")):
            await self._submit_call(endpoint_id, scen_id=sid, category=cls.category, items=list(part), **extra)

    async def _upload_model(self, scen_id: ScenarioId, kind: str, content: ModelContent, *,
                            checked: bool = False) -> None:
        sid = scenario_id(scen_id)
        if _is_path(content):
            path = os.fspath(content)  # type: ignore[arg-type]
            # checked where it is opened for sending (the very file sent), once per unchanged file
            await self._submit_call("api-data-pmodel-post-file", scen_id=str(sid), kind=kind,
                                    pmodel_id=os.path.basename(path), content=path, extension="json",
                                    file_checks={"content": ("model", kind)})
            return
        pmodel_id, model = _model_dict(kind, content, validate=not checked)
        await self._submit_call("api-data-pmodel-post-json", scen_id=str(sid), kind=kind, pmodel_id=pmodel_id,
                                content=model)

    async def _upload_models(self, scen_id: ScenarioId, batches: Sequence[Tuple[str, Optional[Sequence[Any]]]]) -> None:
        """Check every model of every kind, then upload them all concurrently."""
        plan: List[Tuple[str, Any]] = []
        problems: List[BaseException] = []
        for kind, models in batches:
            if models is None:
                continue
            if _is_path(models) or isinstance(models, Mapping):
                problems.append(TypeError(f"{kind} models must be given as a list"))
                continue
            for model in models:
                if _is_path(model) and not os.path.isfile(os.fspath(model)):
                    problems.append(FileNotFoundError(os.fspath(model)))
                elif not (_is_path(model) or isinstance(model, Mapping)):
                    problems.append(TypeError(f"{kind} model must be a file path or a dict, got "
                                              f"{type(model).__name__}"))
                else:
                    if isinstance(model, Mapping):
                        try:
                            _model_dict(kind, model)
                        except (errors.ValueError, TypeError) as exc:
                            problems.append(exc)
                            continue
                    plan.append((kind, model))
        errors.raise_from_list(problems)
        await self._checked(check_model_file(kind, os.fspath(model)) for kind, model in plan if _is_path(model))
        await self._gather(self._upload_model(scen_id, kind, model, checked=True) for kind, model in plan)


class APIUploadCore(APIUploadInternal):
    """Upload airlines, aircraft, countries, cities, airports and schedules."""

    async def upload_aircrafts(self, scen_id: ScenarioId, items: Items) -> None:
        """Aircraft from a file (``Model,Seat capacity``) or a list of ``{model, seat_capacity}``."""
        await self._upload_items(scen_id, Aircraft, items)

    async def upload_airlines(self, scen_id: ScenarioId, items: Items) -> None:
        """Airlines from a file (``Name,Type``) or a list of ``{name, type}``."""
        await self._upload_items(scen_id, Airline, items)

    async def upload_airports(self, scen_id: ScenarioId, items: Items) -> None:
        """Airports (``Name,City,Altitude,Latitude,Longitude,ICAO,IATA``); cities must exist."""
        await self._upload_items(scen_id, Airport, items)

    async def upload_cities(self, scen_id: ScenarioId, items: Items) -> None:
        """Cities (``Name,Country``); countries must exist."""
        await self._upload_items(scen_id, City, items)

    async def upload_countries(self, scen_id: ScenarioId, items: Items) -> None:
        """Countries (``Name,Currency``)."""
        await self._upload_items(scen_id, Country, items)

    async def upload_schedules(self, scen_id: ScenarioId, items: Items, *, citysector_id: Optional[str] = None,
                               sector_id: Optional[str] = None) -> None:
        """Flight schedules; the server generates their flights and derives sectors and routes.

        ``citysector_id``/``sector_id`` declare that every schedule belongs there (the server
        checks), which lets uploads for different sectors run concurrently.
        """
        await self._upload_items(scen_id, Schedule, items, unbounded=True, citysector_id=citysector_id,
                                 sector_id=sector_id)

    async def upload_batch_core(self, scen_id: ScenarioId, *, aircraft_items: Optional[Items] = None,
                                airline_items: Optional[Items] = None, airport_items: Optional[Items] = None,
                                city_items: Optional[Items] = None, country_items: Optional[Items] = None,
                                schedule_items: Optional[Items] = None) -> None:
        """Upload whichever categories are given (None ones are skipped), in dependency order:
        airlines, aircraft, countries, cities, airports, schedules. Everything is checked first,
        so a bad last file does not leave half a network on the server."""
        order: List[Tuple[str, Type[Item], Optional[Items]]] = [
            ("airline_items", Airline, airline_items), ("aircraft_items", Aircraft, aircraft_items),
            ("country_items", Country, country_items), ("city_items", City, city_items),
            ("airport_items", Airport, airport_items), ("schedule_items", Schedule, schedule_items)]
        problems: List[BaseException] = []
        for name, _, items in order:
            if items is None:
                continue
            if _is_path(items) and not os.path.isfile(os.fspath(items)):
                problems.append(FileNotFoundError(os.fspath(items)))
            elif not (_is_path(items) or isinstance(items, list)):
                problems.append(TypeError(f"{name} must be a file path or a list, got {type(items).__name__}"))
        errors.raise_from_list(problems)
        await self._checked(_check_items(cls.category, items, argument=name) for name, cls, items in order
                            if items is not None)
        for _, cls, items in order:
            if items is not None:
                await self._upload_items(scen_id, cls, items, unbounded=cls is Schedule, checked=True)


class APIUploadParametric(APIUploadInternal):
    """Upload parametric filters (which bind models to parts of the network)."""

    async def upload_parametric_filters(self, scen_id: ScenarioId, filters: Items) -> None:
        """Filters from a file or a list of ``{filter_class, filter_content, pmodel_id}``."""
        await self._upload_items(scen_id, PFilter, filters)


class APIUploadCustomersModels(APIUploadInternal):
    """Upload customers models (request and choice)."""

    async def upload_customers_request_model(self, scen_id: ScenarioId, content: ModelContent) -> None:
        """A request model: a .json file (its base name is the model id) or a dict with an ``id``."""
        await self._upload_model(scen_id, "customers_request", content)

    async def upload_customers_choice_model(self, scen_id: ScenarioId, content: ModelContent) -> None:
        """A choice model: a .json file (its base name is the model id) or a dict with an ``id``."""
        await self._upload_model(scen_id, "customers_choice", content)

    async def upload_batch_customers_models(self, scen_id: ScenarioId, *,
                                            request_models: Optional[List[ModelContent]] = None,
                                            choice_models: Optional[List[ModelContent]] = None) -> None:
        """Several customers models at once (None lists are skipped)."""
        await self._upload_models(scen_id, [("customers_request", request_models),
                                            ("customers_choice", choice_models)])


class APIUploadPricingModels(APIUploadInternal):
    """Upload pricing models (range, behavior, optimizer)."""

    async def upload_pricing_range_model(self, scen_id: ScenarioId, content: ModelContent) -> None:
        await self._upload_model(scen_id, "pricing_range", content)

    async def upload_pricing_behavior_model(self, scen_id: ScenarioId, content: ModelContent) -> None:
        await self._upload_model(scen_id, "pricing_behavior", content)

    async def upload_pricing_optimizer_model(self, scen_id: ScenarioId, content: ModelContent) -> None:
        await self._upload_model(scen_id, "pricing_optimizer", content)

    async def upload_batch_pricing_models(self, scen_id: ScenarioId, *,
                                          range_models: Optional[List[ModelContent]] = None,
                                          behavior_models: Optional[List[ModelContent]] = None,
                                          optimizer_models: Optional[List[ModelContent]] = None) -> None:
        """Several pricing models at once (None lists are skipped)."""
        await self._upload_models(scen_id, [("pricing_range", range_models), ("pricing_behavior", behavior_models),
                                            ("pricing_optimizer", optimizer_models)])


class APIUploadFlightData(APIUploadInternal):
    """Upload flights and flight data."""

    async def upload_flights(self, scen_id: ScenarioId, items: Items, *, citysector_id: Optional[str] = None,
                             sector_id: Optional[str] = None) -> None:
        """Flights (``Airline,Aircraft,Origin,Destination,Flight number,On sale date,Departure
        date,Departure time,Duration``) from a file or a list."""
        await self._upload_items(scen_id, Flight, items, unbounded=True, citysector_id=citysector_id,
                                 sector_id=sector_id)

    async def upload_flights_data(self, scen_id: ScenarioId, flights_data: Sequence[FlightData], *,
                                  citysector_id: Optional[str] = None, sector_id: Optional[str] = None) -> None:
        """Books, thresholds or price-per-seat settings of flights, uploaded concurrently."""
        if citysector_id is None and sector_id is None:
            raise errors.ValueError("Require definition of either `citysector_id` or `sector_id`")
        sid = scenario_id(scen_id)
        payloads = []
        for data in flights_data:
            kind = UPLOAD_KINDS.get(type(data))
            if kind is None:
                raise TypeError(f"flight data of type {type(data).__name__} cannot be uploaded; expected one of "
                                f"{', '.join(k.__name__ for k in UPLOAD_KINDS)}")
            flight_id, body = data.id_dict()  # type: ignore[attr-defined]
            payloads.append((flight_id, kind.value, body))
        await self._gather(self._submit_call("api-data-flight-post", scen_id=sid, flight_id=flight_id, kind=kind,
                                             citysector_id=citysector_id, sector_id=sector_id, data=body)
                           for flight_id, kind, body in payloads)
