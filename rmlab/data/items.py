"""Items of a scenario: the relational data the server stores.

*Bounded* categories (airlines, aircraft, countries, cities, airports, the locations derived
from schedules, parametric models and filters) are small; *unbounded* ones (schedules and the
flights they generate) are fetched by id. Every item has an ``id``; dates are UTC-aware.
Instances are built from the server's JSON with :meth:`Item.from_dict` (unknown keys ignored)
or directly, with either server strings or Python values.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from .enums import DayOfWeek

DateFormat = "%Y-%m-%d"
DateTimeMinFormat = "%Y-%m-%dT%H:%M"
DateTimeSecFormat = "%Y-%m-%dT%H:%M:%S"

T = TypeVar("T", bound="Item")


def parse_date(value: Any, fmt: str = DateFormat) -> Optional[datetime]:
    """A server date string (or a datetime) as a UTC-aware datetime; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.strptime(str(value).strip(), fmt).replace(tzinfo=timezone.utc)


def parse_minutes(value: Any) -> timedelta:
    """Minutes from the server (``480``), ``"T08:00"``/``"08:00"``, or a timedelta."""
    if isinstance(value, timedelta):
        return value
    text = str(value).strip()
    if ":" in text:
        hours, _, minutes = text.lstrip("T").partition(":")
        return timedelta(hours=int(hours), minutes=int(minutes))
    return timedelta(minutes=int(float(text)))


def parse_days_of_week(value: Any) -> List[DayOfWeek]:
    """``"-2-4-6-"`` (position i holds digit i+1 or '-') or a list of days."""
    if isinstance(value, (list, tuple)):
        return [d if isinstance(d, DayOfWeek) else DayOfWeek(int(d)) for d in value]
    return [DayOfWeek(int(ch)) for ch in str(value) if ch.isdigit()]


@dataclass
class Item:
    """Base of every item: the server's identifier."""

    id: str

    category: ClassVar[str] = ""

    @classmethod
    def field_names(cls) -> List[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_dict(cls: Type[T], data: Mapping[str, Any]) -> T:
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        return cls(**{k: v for k, v in data.items() if k in names})


class BoundedItem(Item):
    """Marker: a category the server returns whole (``fetch_<category>s``)."""


class UnboundedItem(Item):
    """Marker: a category fetched by ids (schedules, flights)."""


class AirlineLocation:
    """Marker: a location an airline covers (sector, citysector, route, cityroute)."""


@dataclass
class PModel(BoundedItem):
    """A parametric model as stored: source name, MD5 of the content, the content (JSON text)."""

    filename: str = ""
    hash: str = ""
    cnt: str = ""
    category: ClassVar[str] = "pmodel"


@dataclass
class PFilter(BoundedItem):
    """Binds a parametric model to part of the network (``filter_class`` may combine with ``&``)."""

    filter_class: str = "network"
    filter_content: str = ""
    pmodel_id: str = ""
    category: ClassVar[str] = "pfilter"


@dataclass
class Airline(BoundedItem):
    name: str = ""
    type: str = "undefined"
    category: ClassVar[str] = "airline"


@dataclass
class Aircraft(BoundedItem):
    model: str = ""
    seat_capacity: int = 0
    category: ClassVar[str] = "aircraft"

    def __post_init__(self) -> None:
        self.seat_capacity = int(self.seat_capacity)


@dataclass
class Country(BoundedItem):
    name: str = ""
    currency: str = ""
    category: ClassVar[str] = "country"


@dataclass
class City(BoundedItem):
    name: str = ""
    country_id: str = ""
    category: ClassVar[str] = "city"


@dataclass
class Airport(BoundedItem):
    name: str = ""
    city_id: str = ""
    iata: str = ""
    icao: str = "undefined"
    altitude: int = 0
    latitude: int = 0
    longitude: int = 0
    category: ClassVar[str] = "airport"

    def __post_init__(self) -> None:
        self.altitude = int(float(self.altitude))
        self.latitude = int(float(self.latitude))
        self.longitude = int(float(self.longitude))


@dataclass
class CitySector(BoundedItem, AirlineLocation):
    """Ordered pair of cities, with the customers models bound to it."""

    origin_id: str = ""
    destination_id: str = ""
    crequest_id: Optional[str] = None
    cchoice_id: Optional[str] = None
    category: ClassVar[str] = "citysector"


@dataclass
class CityRoute(BoundedItem, AirlineLocation):
    """Unordered pair of cities (alphabetical), with the customers models bound to it."""

    first_id: str = ""
    second_id: str = ""
    crequest_id: Optional[str] = None
    cchoice_id: Optional[str] = None
    category: ClassVar[str] = "cityroute"


@dataclass
class Sector(BoundedItem, AirlineLocation):
    """Ordered pair of airports."""

    origin_id: str = ""
    destination_id: str = ""
    citysector_id: str = ""
    category: ClassVar[str] = "sector"


@dataclass
class Route(BoundedItem, AirlineLocation):
    """Unordered pair of airports (alphabetical)."""

    first_id: str = ""
    second_id: str = ""
    cityroute_id: str = ""
    category: ClassVar[str] = "route"


@dataclass
class Schedule(UnboundedItem):
    """A template generating flights on given days of week between two dates."""

    airline_id: str = ""
    aircraft_id: str = ""
    origin_id: str = ""
    destination_id: str = ""
    days_of_week: Any = ""
    departure_time: Any = 0
    duration: Any = 0
    flight_number: str = ""
    sell_before_days: int = 0
    from_date: Any = None
    to_date: Any = None
    sector_id: str = ""
    citysector_id: str = ""
    route_id: str = ""
    cityroute_id: str = ""
    from_date_load: Any = None
    to_date_load: Any = None
    from_date_departure: Any = None
    to_date_departure: Any = None
    category: ClassVar[str] = "schedule"

    def __post_init__(self) -> None:
        self.days_of_week = parse_days_of_week(self.days_of_week)
        self.departure_time = parse_minutes(self.departure_time)
        self.duration = parse_minutes(self.duration)
        self.flight_number = str(self.flight_number)
        self.sell_before_days = int(self.sell_before_days)
        for name in ("from_date", "to_date", "from_date_load", "to_date_load", "from_date_departure",
                     "to_date_departure"):
            setattr(self, name, parse_date(getattr(self, name)))


@dataclass
class Flight(UnboundedItem):
    """One flight, with the pricing models bound to it."""

    seat_capacity: int = 0
    schedule_id: Optional[str] = None
    sector_id: str = ""
    citysector_id: str = ""
    airline_id: str = ""
    aircraft_id: str = ""
    flight_number: str = ""
    onsale_date_time: Any = None
    departure_date_time: Any = None
    fares: Any = ""
    lowest_pps: int = 0
    highest_pps: int = 0
    prange_id: Optional[str] = None
    pbehavior_id: Optional[str] = None
    poptimizer_id: Optional[str] = None
    category: ClassVar[str] = "flight"

    def __post_init__(self) -> None:
        self.seat_capacity = int(self.seat_capacity)
        self.flight_number = str(self.flight_number)
        if isinstance(self.fares, str):
            self.fares = [f for f in self.fares.split("-") if f]
        self.lowest_pps = int(self.lowest_pps)
        self.highest_pps = int(self.highest_pps)
        self.onsale_date_time = parse_date(self.onsale_date_time)
        self.departure_date_time = parse_date(self.departure_date_time, DateTimeMinFormat)


AnyAirlineLocationType = Union[Type[Sector], Type[CitySector], Type[Route], Type[CityRoute]]
AnyBoundedType = Type[BoundedItem]
AnyUnboundedType = Union[Type[Schedule], Type[Flight]]

#: Categories counted in a scenario summary (``itemsCount``), in its key order.
COUNTED_BOUNDED: Tuple[Type[BoundedItem], ...] = (Aircraft, Airline, Airport, City, CityRoute, CitySector, Country,
                                                  PModel, Route, Sector)
AllBoundedItems: List[Type[BoundedItem]] = [PModel, PFilter, Airline, Aircraft, Country, City, CitySector,
                                            CityRoute, Airport, Sector, Route]
AllUnboundedItems: List[Type[UnboundedItem]] = [Schedule, Flight]
AirlineLocationItems: List[Type[BoundedItem]] = [Sector, CitySector, Route, CityRoute]
BY_CATEGORY: Dict[str, Type[Item]] = {cls.category: cls for cls in AllBoundedItems + AllUnboundedItems}
