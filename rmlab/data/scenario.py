"""Summary of a scenario (``fetch_info`` and ``trigger_simulation`` return these four)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, List, Mapping, Optional, Tuple

from .enums import ScenarioDayStatus, ScenarioState
from .items import DateTimeSecFormat, parse_date


@dataclass
class Scenario:
    """Base of the per-scenario summaries: the scenario id."""

    id: int

    def __post_init__(self) -> None:
        self.id = int(self.id)


@dataclass
class ScenarioDates(Scenario):
    """Where the simulation stands: day status, current/next dates, load and departure bounds."""

    day_status: Any = ScenarioDayStatus.EMPTY
    current: Optional[datetime] = None
    next: Optional[datetime] = None
    first_flight_load: Optional[datetime] = None
    last_flight_departure: Optional[datetime] = None
    checkpoints: List[datetime] = field(default_factory=list)
    upload_time: Optional[datetime] = None
    state: Any = ScenarioState.EMPTY

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.day_status, ScenarioDayStatus):
            self.day_status = ScenarioDayStatus.str_to_enum_value(self.day_status)
        if not isinstance(self.state, ScenarioState):
            self.state = ScenarioState.str_to_enum_value(self.state)
        self.current = parse_date(self.current)
        self.next = parse_date(self.next)
        self.first_flight_load = parse_date(self.first_flight_load)
        self.last_flight_departure = parse_date(self.last_flight_departure)
        self.checkpoints = [parse_date(c) for c in (self.checkpoints or [])]  # type: ignore[misc]
        self.upload_time = parse_date(self.upload_time, DateTimeSecFormat)


@dataclass
class ItemsCount(Scenario):
    """How many items of each bounded category the scenario holds."""

    aircraft: int = 0
    airline: int = 0
    airport: int = 0
    city: int = 0
    cityroute: int = 0
    citysector: int = 0
    country: int = 0
    pmodel: int = 0
    route: int = 0
    sector: int = 0


@dataclass
class SchedulesCount(Scenario):
    """Schedules whose flights all departed (past), some on sale (live), none on sale yet (pending)."""

    past: int = 0
    live: int = 0
    pending: int = 0
    total: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.total = self.past + self.live + self.pending


@dataclass
class FlightsCount(Scenario):
    """Flights departed (past), on sale (live) and not yet on sale (pending)."""

    past: int = 0
    live: int = 0
    pending: int = 0
    total: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.total = self.past + self.live + self.pending


ScenarioInfo = Tuple[ScenarioDates, ItemsCount, SchedulesCount, FlightsCount]


def summary_to_info(scen_id: int, summary: Mapping[str, Any]) -> ScenarioInfo:
    """The server's summary JSON as the 4-tuple of ``fetch_info``."""
    counts = summary.get("itemsCount") or {}
    dates = dict(summary.get("dates") or {})
    bounded = {name: int(counts.get(name, 0)) for name in
               ("aircraft", "airline", "airport", "city", "cityroute", "citysector", "country", "pmodel", "route",
                "sector")}
    unbounded = {k: {p: int((counts.get(k) or {}).get(p, 0)) for p in ("past", "live", "pending")}
                 for k in ("schedule", "flight")}
    return (
        ScenarioDates(id=scen_id, day_status=dates.get("day_status", "empty"), current=dates.get("current"),
                      next=dates.get("next"), first_flight_load=dates.get("first_flight_load"),
                      last_flight_departure=dates.get("last_flight_departure"),
                      checkpoints=list(summary.get("checkpoints") or []), upload_time=summary.get("upload_time"),
                      state=summary.get("state", "empty")),
        ItemsCount(id=scen_id, **bounded),
        SchedulesCount(id=scen_id, **unbounded["schedule"]),
        FlightsCount(id=scen_id, **unbounded["flight"]),
    )
