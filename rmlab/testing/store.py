"""The emulator's scenario: item stores, derived locations, flights, models, flight data, summary.

Ids follow the natural keys of the data: airlines, countries and cities by name, aircraft by
model, airports by IATA code; sectors ``ORG-DST`` and routes ``A-B`` (airports, alphabetical),
citysectors and cityroutes likewise with city names; schedules ``<airline>-<number>-<from>``
and flights ``<airline>-<number>-<departure date>``.

Uploading schedules generates their flights and derives sectors, routes, citysectors and
cityroutes. Models are bound to flights and citysectors through parametric filters, resolved
when asked for. Every method raises :mod:`rmlab.errors` classes, which the app turns into the
server's error JSON.
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .. import errors
from ..data.enums import PMODEL_KINDS

DATE = "%Y-%m-%d"
BOUNDED_UPLOADS = ("airline", "aircraft", "country", "city", "airport", "pfilter")
DERIVED = ("sector", "citysector", "route", "cityroute")
#: Kinds of flight data and the arrays each holds (besides ``Timestamp``).
DATA_ARRAYS = {"actual-books": ("Fares", "PPS", "Seats", "CumSeats", "CumRevenue"),
               "expected-books": ("AvgSeats", "AvgPPS"), "dynamic-books": ("AvgSeats", "AvgPPS"),
               "thresholds-settings": (), "pps-settings": (), "events": ("Kind",), "forecast": ("FRAT5", "BookQE")}
UPLOADABLE_DATA = ("actual-books", "thresholds-settings", "pps-settings")
DEFAULT_FARES = (("Q", 5000), ("P", 10000), ("O", 15000))


def day(text: str, what: str = "date") -> date:
    try:
        return datetime.strptime(str(text), DATE).date()
    except ValueError:
        raise errors.ClientError(f"{what} must look like 2022-04-01, got {text!r}") from None


def minutes(clock: str) -> int:
    hours, _, mins = clock.lstrip("T").partition(":")
    return int(hours) * 60 + int(mins)


def epoch_ms(when: datetime) -> int:
    return int(when.replace(tzinfo=timezone.utc).timestamp() * 1000)


def pair(a: str, b: str) -> str:
    return "-".join(sorted((a, b)))


@dataclass
class PModelRecord:
    """A stored model: its JSON text, parsed and hashed (MD5) on first use. ``content`` may be a
    view of the upload's request body; it becomes bytes the first time they are needed."""

    id: str
    kind: str
    filename: str
    content: Any
    _hash: Optional[str] = None
    _parsed: Any = None

    @property
    def raw(self) -> bytes:
        if not isinstance(self.content, bytes):
            self.content = bytes(self.content)
        return self.content

    @property
    def hash(self) -> str:
        if self._hash is None:
            self._hash = hashlib.md5(self.content).hexdigest()
        return self._hash

    def parsed(self) -> Any:
        if self._parsed is None:
            try:
                self._parsed = json.loads(self.raw)
            except ValueError:
                raise errors.ClientError(f"model `{self.id}` is not valid JSON") from None
        return self._parsed

    def item(self) -> Dict[str, Any]:
        return {"id": self.id, "filename": self.filename, "hash": self.hash,
                "cnt": self.raw.decode("utf-8", "replace")}

    def __deepcopy__(self, memo: Dict[int, Any]) -> "PModelRecord":  # snapshots (a memoryview does not copy)
        return PModelRecord(self.id, self.kind, self.filename, self.raw, self._hash, copy.deepcopy(self._parsed, memo))


@dataclass
class Scenario:
    """Everything the server holds for one scenario."""

    id: int
    capacity: int
    bounded: Dict[str, Dict[str, Dict[str, Any]]] = field(
        default_factory=lambda: {c: {} for c in BOUNDED_UPLOADS + DERIVED})
    pmodels: Dict[str, PModelRecord] = field(default_factory=dict)
    schedules: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    flights: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    data: Dict[str, Dict[str, Dict[str, List[Any]]]] = field(default_factory=dict)
    checkpoints: List[date] = field(default_factory=list)
    current: Optional[date] = None
    started: bool = False
    day_status: str = "empty"
    upload_time: Optional[datetime] = None
    running: Optional[str] = None
    scheduled_passes: List[Dict[str, Any]] = field(default_factory=list)
    sim: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    # ------------------------------------------------------------------ items
    def _touch(self) -> None:
        self.upload_time = datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)

    def _room(self, category: str, new_ids: Iterable[str]) -> None:
        store = self.bounded.get(category, {})
        total = len(set(store) | set(new_ids))
        if total > self.capacity:
            raise errors.ClientError(f"bounded category `{category}` holds at most {self.capacity} items "
                                     f"(this upload would make {total})")

    def _need(self, category: str, item_id: str, who: str) -> Dict[str, Any]:
        found = self.bounded[category].get(item_id)
        if found is None:
            raise errors.ClientError(f"{who} refers to unknown {category} `{item_id}`")
        return found

    def add_bounded(self, category: str, rows: List[Dict[str, Any]]) -> int:
        """Insert or replace items of a bounded category (all or nothing)."""
        if category not in BOUNDED_UPLOADS:
            raise errors.ClientError(f"category `{category}` cannot be uploaded as bounded items")
        made: Dict[str, Dict[str, Any]] = {}
        for row in rows:
            record = self._bounded_record(category, row)
            made[record["id"]] = record
        self._room(category, made)
        self.bounded[category].update(made)
        self._touch()
        return len(made)

    def _bounded_record(self, category: str, row: Dict[str, Any]) -> Dict[str, Any]:
        if category == "airline":
            return {"id": row["name"], "name": row["name"], "type": row["type"]}
        if category == "aircraft":
            return {"id": row["model"], "model": row["model"], "seat_capacity": row["seat_capacity"]}
        if category == "country":
            return {"id": row["name"], "name": row["name"], "currency": row["currency"]}
        if category == "city":
            self._need("country", row["country"], f"city `{row['name']}`")
            return {"id": row["name"], "name": row["name"], "country_id": row["country"]}
        if category == "airport":
            self._need("city", row["city"], f"airport `{row['iata']}`")
            return {"id": row["iata"], "name": row["name"], "city_id": row["city"], "iata": row["iata"],
                    "icao": row["icao"], "altitude": int(row["altitude"]), "latitude": int(row["latitude"]),
                    "longitude": int(row["longitude"])}
        # pfilter
        if row["pmodel_id"] not in self.pmodels:
            raise errors.ClientError(f"filter refers to unknown model `{row['pmodel_id']}`")
        filter_id = f"{row['filter_class']}:{row['filter_content']}:{row['pmodel_id']}"
        return {"id": filter_id, "filter_class": row["filter_class"], "filter_content": row["filter_content"],
                "pmodel_id": row["pmodel_id"]}

    def _locations(self, origin: str, destination: str) -> Dict[str, str]:
        """Derive (and store) the sector, route, citysector and cityroute of an airport pair."""
        o_city = self.bounded["airport"][origin]["city_id"]
        d_city = self.bounded["airport"][destination]["city_id"]
        ids = {"sector_id": f"{origin}-{destination}", "route_id": pair(origin, destination),
               "citysector_id": f"{o_city}-{d_city}", "cityroute_id": pair(o_city, d_city)}
        first, second = sorted((origin, destination))
        c_first, c_second = sorted((o_city, d_city))
        self.bounded["citysector"].setdefault(ids["citysector_id"], {"id": ids["citysector_id"], "origin_id": o_city,
                                                                     "destination_id": d_city})
        self.bounded["cityroute"].setdefault(ids["cityroute_id"], {"id": ids["cityroute_id"], "first_id": c_first,
                                                                   "second_id": c_second})
        self.bounded["sector"].setdefault(ids["sector_id"], {"id": ids["sector_id"], "origin_id": origin,
                                                             "destination_id": destination,
                                                             "citysector_id": ids["citysector_id"]})
        self.bounded["route"].setdefault(ids["route_id"], {"id": ids["route_id"], "first_id": first,
                                                           "second_id": second, "cityroute_id": ids["cityroute_id"]})
        return ids

    def _check_refs(self, row: Dict[str, Any], who: str) -> Dict[str, Any]:
        self._need("airline", row["airline"], who)
        aircraft = self._need("aircraft", row["aircraft"], who)
        self._need("airport", row["origin"], who)
        self._need("airport", row["destination"], who)
        return aircraft

    def _check_location(self, row: Dict[str, Any], citysector_id: Optional[str], sector_id: Optional[str],
                        who: str) -> None:
        o_city = self.bounded["airport"][row["origin"]]["city_id"]
        d_city = self.bounded["airport"][row["destination"]]["city_id"]
        if sector_id is not None and sector_id != f"{row['origin']}-{row['destination']}":
            raise errors.ClientError(f"{who} is not in sector `{sector_id}`")
        if citysector_id is not None and citysector_id != f"{o_city}-{d_city}":
            raise errors.ClientError(f"{who} is not in citysector `{citysector_id}`")

    def add_schedules(self, rows: List[Dict[str, Any]], citysector_id: Optional[str],
                      sector_id: Optional[str]) -> int:
        """Insert schedules, generate their flights and derive their locations (all or nothing)."""
        staged: Dict[str, Tuple[Dict[str, Any], List[date]]] = {}
        for row in rows:
            who = f"schedule {row['airline']} {row['flight_number']}"
            self._check_refs(row, who)
            self._check_location(row, citysector_id, sector_id, who)
            first, last = day(row["from_date"]), day(row["to_date"])
            weekdays = {int(ch) for ch in row["days_of_week"] if ch.isdigit()}
            dates = [first + timedelta(days=n) for n in range((last - first).days + 1)
                     if (first + timedelta(days=n)).isoweekday() in weekdays]
            if not dates:
                raise errors.ClientError(f"{who} generates no flight between {first} and {last}")
            schedule_id = f"{row['airline']}-{row['flight_number']}-{row['from_date']}"
            clash = [other_id for other_id, other in self.schedules.items()
                     if other_id != schedule_id and other["airline_id"] == row["airline"]
                     and other["flight_number"] == row["flight_number"]
                     and self._schedule_days(other_id) & set(dates)]
            clash += [other_id for other_id, (other, other_dates) in staged.items()
                      if other_id != schedule_id and other["airline"] == row["airline"]
                      and other["flight_number"] == row["flight_number"] and set(other_dates) & set(dates)]
            if clash:
                raise errors.ClientError(f"{who} overlaps schedule `{clash[0]}` (same flight number on the same days)")
            staged[schedule_id] = (row, dates)
        for schedule_id, (row, dates) in staged.items():
            self._store_schedule(schedule_id, row, dates)
        self._touch()
        return len(staged)

    def _schedule_days(self, schedule_id: str) -> set:
        return {f["departure"].date() for f in self.flights.values() if f["schedule_id"] == schedule_id}

    def _store_schedule(self, schedule_id: str, row: Dict[str, Any], dates: List[date]) -> None:
        aircraft = self.bounded["aircraft"][row["aircraft"]]
        where = self._locations(row["origin"], row["destination"])
        sell_before = int(row["sell_before_days"])
        for old in [fid for fid, f in self.flights.items() if f["schedule_id"] == schedule_id]:
            self._drop_flight(old)
        self.schedules[schedule_id] = {
            "id": schedule_id, "airline_id": row["airline"], "aircraft_id": row["aircraft"],
            "origin_id": row["origin"], "destination_id": row["destination"], "days_of_week": row["days_of_week"],
            "departure_time": minutes(row["departure_time"]), "duration": minutes(row["duration"]),
            "flight_number": row["flight_number"], "sell_before_days": sell_before,
            "from_date": row["from_date"], "to_date": row["to_date"], **where,
            "from_date_load": (day(row["from_date"]) - timedelta(days=sell_before)).strftime(DATE),
            "to_date_load": (day(row["to_date"]) - timedelta(days=sell_before)).strftime(DATE),
            "from_date_departure": dates[0].strftime(DATE), "to_date_departure": dates[-1].strftime(DATE)}
        clock = minutes(row["departure_time"])
        for flight_day in dates:
            departure = datetime.combine(flight_day, time()) + timedelta(minutes=clock)
            self._store_flight(f"{row['airline']}-{row['flight_number']}-{flight_day.strftime(DATE)}", schedule_id,
                               row, aircraft, where, flight_day - timedelta(days=sell_before), departure)

    def _store_flight(self, flight_id: str, schedule_id: Optional[str], row: Dict[str, Any],
                      aircraft: Dict[str, Any], where: Dict[str, str], onsale: date, departure: datetime) -> None:
        self.flights[flight_id] = {
            "id": flight_id, "seat_capacity": aircraft["seat_capacity"], "schedule_id": schedule_id,
            "airline_id": row["airline"], "aircraft_id": row["aircraft"], "flight_number": row["flight_number"],
            "origin_id": row["origin"], "destination_id": row["destination"], "onsale": onsale,
            "departure": departure, "duration": minutes(row["duration"]), **where}

    def _drop_flight(self, flight_id: str) -> None:
        self.flights.pop(flight_id, None)
        self.data.pop(flight_id, None)
        self.sim.pop(flight_id, None)

    def add_flights(self, rows: List[Dict[str, Any]], citysector_id: Optional[str], sector_id: Optional[str]) -> int:
        staged = []
        for row in rows:
            who = f"flight {row['airline']} {row['flight_number']} on {row['departure_date']}"
            aircraft = self._check_refs(row, who)
            self._check_location(row, citysector_id, sector_id, who)
            flight_id = f"{row['airline']}-{row['flight_number']}-{row['departure_date']}"
            existing = self.flights.get(flight_id)
            if existing is not None and existing["schedule_id"] is not None:
                raise errors.ClientError(f"{who} already exists (generated by schedule `{existing['schedule_id']}`)")
            departure = datetime.combine(day(row["departure_date"]), time()) + \
                timedelta(minutes=minutes(row["departure_time"]))
            staged.append((flight_id, row, aircraft, day(row["on_sale_date"]), departure))
        for flight_id, row, aircraft, onsale, departure in staged:
            where = self._locations(row["origin"], row["destination"])
            self._store_flight(flight_id, None, row, aircraft, where, onsale, departure)
        self._touch()
        return len(staged)

    # ------------------------------------------------------------------ models and bindings
    def add_pmodel(self, pmodel_id: str, kind: str, filename: str, raw: bytes) -> None:
        if kind not in PMODEL_KINDS:
            raise errors.ClientError(f"unknown model kind `{kind}`; expected one of {', '.join(PMODEL_KINDS)}")
        if not bytes(raw[:4096]).lstrip()[:1] == b"{":
            raise errors.ClientError(f"model `{pmodel_id}` must be a JSON object")
        existing = self.pmodels.get(pmodel_id)
        if existing is None:
            self._room("pmodel", list(self.pmodels) + [pmodel_id])
        self.pmodels[pmodel_id] = PModelRecord(pmodel_id, kind, filename, raw)
        self._touch()

    def pmodel(self, kind: str, pmodel_id: str) -> PModelRecord:
        record = self.pmodels.get(pmodel_id)
        if record is None or record.kind != kind:
            raise errors.NotFoundError(f"no {kind} model `{pmodel_id}` in scenario {self.id}")
        return record

    def _matches(self, pfilter: Dict[str, Any], flight: Optional[Dict[str, Any]], location: Dict[str, str]) -> bool:
        classes = pfilter["filter_class"].split("&")
        contents = iter(pfilter["filter_content"].split("&") if pfilter["filter_content"] else [])
        for klass in classes:
            if klass == "network":
                continue
            value = next(contents, "")
            if klass in ("sector", "route", "citysector", "cityroute"):
                if location.get(f"{klass}_id") != value:
                    return False
            elif flight is None:
                return False
            elif klass == "airline" and flight["airline_id"] != value:
                return False
            elif klass == "flight_number" and flight["flight_number"] != value:
                return False
            elif klass == "in_period":
                start, _, end = value.replace(":", "/").partition("/")
                when = flight["departure"].date()
                if not (day(start) <= when <= day(end or start)):
                    return False
        return True

    def bound_model(self, kind: str, flight: Optional[Dict[str, Any]], location: Dict[str, str]) -> Optional[str]:
        """The model of ``kind`` the last matching filter binds (None when no filter matches)."""
        chosen = None
        for pfilter in self.bounded["pfilter"].values():
            record = self.pmodels.get(pfilter["pmodel_id"])
            if record is not None and record.kind == kind and self._matches(pfilter, flight, location):
                chosen = record.id
        return chosen

    def fares(self, flight: Dict[str, Any]) -> List[Tuple[str, int]]:
        """``[(tag, price per seat in cents)]`` cheapest first, from the bound range model."""
        model_id = self.bound_model("pricing_range", flight, flight)
        if model_id is None:
            return list(DEFAULT_FARES)
        model = self.pmodels[model_id].parsed()
        low, high, step = float(model["min_fare"]), float(model["max_fare"]), float(model["granularity"])
        if "tags" in model:
            tags = list(model["tags"])
        else:
            count = min(8, int((high - low) // step) + 1)
            if "lowest_tag" in model:
                start = ord(str(model["lowest_tag"])[0].upper())
                tags = [chr(c) for c in range(start, max(start - count, 64), -1)]
            else:
                start = ord(str(model["highest_tag"])[0].upper())
                tags = [chr(c) for c in range(start, min(start + count, 91))][::-1]
        if len(tags) == 1:
            return [(tags[0], int(round(low * 100)))]
        prices = [low + (high - low) * i / (len(tags) - 1) for i in range(len(tags))]
        return [(tag, int(round(round(p / step) * step * 100))) for tag, p in zip(tags, prices)]

    # ------------------------------------------------------------------ views
    def location_record(self, category: str, item: Dict[str, Any]) -> Dict[str, Any]:
        if category in ("citysector", "cityroute"):
            where = {f"{category}_id": item["id"]}
            return {**item, "crequest_id": self.bound_model("customers_request", None, where),
                    "cchoice_id": self.bound_model("customers_choice", None, where)}
        return dict(item)

    def bounded_items(self, category: str) -> List[Dict[str, Any]]:
        if category == "pmodel":
            return [record.item() for record in self.pmodels.values()]
        if category not in self.bounded:
            raise errors.ClientError(f"unknown bounded category `{category}`")
        return [self.location_record(category, item) for item in self.bounded[category].values()]

    def flight_view(self, flight: Dict[str, Any]) -> Dict[str, Any]:
        fares = self.fares(flight)
        return {"id": flight["id"], "seat_capacity": flight["seat_capacity"], "schedule_id": flight["schedule_id"],
                "sector_id": flight["sector_id"], "citysector_id": flight["citysector_id"],
                "airline_id": flight["airline_id"], "aircraft_id": flight["aircraft_id"],
                "flight_number": flight["flight_number"], "onsale_date_time": flight["onsale"].strftime(DATE),
                "departure_date_time": flight["departure"].strftime("%Y-%m-%dT%H:%M"),
                "fares": "-".join(tag for tag, _ in fares), "lowest_pps": fares[0][1], "highest_pps": fares[-1][1],
                "prange_id": self.bound_model("pricing_range", flight, flight),
                "pbehavior_id": self.bound_model("pricing_behavior", flight, flight),
                "poptimizer_id": self.bound_model("pricing_optimizer", flight, flight)}

    def unbounded(self, category: str) -> Dict[str, Dict[str, Any]]:
        if category == "schedule":
            return self.schedules
        if category == "flight":
            return self.flights
        raise errors.ClientError(f"unknown unbounded category `{category}`")

    def unbounded_ids(self, category: str, citysector_id: Optional[str], airline_id: Optional[str],
                      sector_id: Optional[str]) -> List[str]:
        if citysector_id is None and sector_id is None:
            raise errors.ClientError("give citysector_id and/or sector_id")
        found = []
        for item in self.unbounded(category).values():
            if citysector_id is not None and item["citysector_id"] != citysector_id:
                continue
            if sector_id is not None and item["sector_id"] != sector_id:
                continue
            if airline_id is not None and item["airline_id"] != airline_id:
                continue
            found.append(item["id"])
        return sorted(found, key=lambda i: (self.unbounded(category)[i].get("departure") or i, i))

    def unbounded_fields(self, category: str, ids: List[str], fields: List[str], citysector_id: Optional[str],
                         sector_id: Optional[str]) -> List[Dict[str, Any]]:
        store = self.unbounded(category)
        out = []
        for item_id in ids:
            item = self._located(store, item_id, category, citysector_id, sector_id)
            view = self.flight_view(item) if category == "flight" else dict(item)
            unknown = [f for f in fields if f not in view]
            if unknown:
                raise errors.ClientError(f"unknown {category} field(s) {', '.join(unknown)}")
            out.append({"id": view["id"], **{f: view[f] for f in fields}})
        return out

    def _located(self, store: Dict[str, Dict[str, Any]], item_id: str, category: str, citysector_id: Optional[str],
                 sector_id: Optional[str]) -> Dict[str, Any]:
        item = store.get(item_id)
        if item is None or (citysector_id is not None and item["citysector_id"] != citysector_id) or \
                (sector_id is not None and item["sector_id"] != sector_id):
            where = " and ".join(f"{k} `{v}`" for k, v in (("citysector", citysector_id), ("sector", sector_id))
                                 if v is not None)
            raise errors.NotFoundError(f"no {category} `{item_id}` in {where or 'the scenario'}")
        return item

    def airline_locations(self, airline_id: str, location_type: str) -> List[Dict[str, Any]]:
        if location_type not in DERIVED:
            raise errors.ClientError(f"location_type must be one of {', '.join(DERIVED)}")
        self._need("airline", airline_id, "request")
        ids = sorted({f[f"{location_type}_id"] for f in self.flights.values() if f["airline_id"] == airline_id})
        return [self.location_record(location_type, self.bounded[location_type][i]) for i in ids]

    # ------------------------------------------------------------------ flight data
    def flight(self, flight_id: str, citysector_id: Optional[str], sector_id: Optional[str]) -> Dict[str, Any]:
        if citysector_id is None and sector_id is None:
            raise errors.ClientError("give citysector_id and/or sector_id")
        return self._located(self.flights, flight_id, "flight", citysector_id, sector_id)

    def put_data(self, flight_id: str, kind: str, arrays: Dict[str, Any], citysector_id: Optional[str],
                 sector_id: Optional[str]) -> None:
        flight = self.flight(flight_id, citysector_id, sector_id)
        if kind not in UPLOADABLE_DATA:
            raise errors.ClientError(f"flight data kind `{kind}` cannot be uploaded; expected one of "
                                     f"{', '.join(UPLOADABLE_DATA)}")
        stamps = arrays.get("Timestamp")
        if not isinstance(stamps, list):
            raise errors.ClientError("flight data needs a 'Timestamp' list")
        series = {k: v for k, v in arrays.items() if k != "Timestamp"}
        if kind == "actual-books":
            missing = [k for k in ("Fares", "PPS", "Seats") if k not in series]
            if missing:
                raise errors.ClientError(f"actual-books data lacks {', '.join(missing)}")
            series = {k: series[k] for k in ("Fares", "PPS", "Seats")}
            seats, total = [], 0
            revenue, money = [], 0
            for pps, count in zip(series["PPS"], series["Seats"]):
                total += int(count)
                money += int(pps) * int(count)
                seats.append(total)
                revenue.append(money)
            series.update(CumSeats=seats, CumRevenue=revenue)
            if total > flight["seat_capacity"]:
                raise errors.ClientError(f"books of `{flight_id}` exceed its {flight['seat_capacity']} seats")
        else:
            tags = {tag for tag, _ in self.fares(flight)}
            unknown = sorted(set(series) - tags)
            if unknown:
                raise errors.ClientError(f"unknown fare(s) {', '.join(unknown)} for `{flight_id}`")
        for name, values in series.items():
            if not isinstance(values, list) or len(values) != len(stamps):
                raise errors.ClientError(f"'{name}' must be a list as long as 'Timestamp' ({len(stamps)})")
        self.data.setdefault(flight_id, {})[kind] = {"Timestamp": list(stamps), **series}
        self._touch()

    def get_data(self, flight_id: str, kind: str, citysector_id: Optional[str],
                 sector_id: Optional[str]) -> Dict[str, List[Any]]:
        flight = self.flight(flight_id, citysector_id, sector_id)
        if kind not in DATA_ARRAYS:
            raise errors.ClientError(f"unknown flight data kind `{kind}`; expected one of {', '.join(DATA_ARRAYS)}")
        stored = self.data.get(flight_id, {}).get(kind)
        if stored is not None:
            return stored
        names = DATA_ARRAYS[kind] or tuple(tag for tag, _ in self.fares(flight))
        return {"Timestamp": [], **{name: [] for name in names}}

    def record(self, flight_id: str, kind: str, when: datetime, **values: Any) -> None:
        """Append one point to a stored series (creating it with every array empty)."""
        series = self.data.setdefault(flight_id, {}).get(kind)
        if series is None:
            names = DATA_ARRAYS[kind] or tuple(values)
            series = self.data[flight_id][kind] = {"Timestamp": [], **{name: [] for name in names}}
        series["Timestamp"].append(epoch_ms(when))
        for name, value in values.items():
            series.setdefault(name, [None] * (len(series["Timestamp"]) - 1)).append(value)

    # ------------------------------------------------------------------ dates and summary
    def first_load(self) -> Optional[date]:
        return min((f["onsale"] for f in self.flights.values()), default=None)

    def last_departure(self) -> Optional[date]:
        return max((f["departure"].date() for f in self.flights.values()), default=None)

    def current_day(self) -> Optional[date]:
        if not self.flights:
            return None
        if not self.started or self.current is None:
            return self.first_load()
        return self.current

    def next_stop(self) -> Optional[date]:
        current, last = self.current_day(), self.last_departure()
        if current is None or last is None:
            return None
        upcoming = [c for c in self.checkpoints if c > current]
        return min(upcoming) if upcoming and min(upcoming) <= last else last + timedelta(days=1)

    def state(self) -> str:
        if not self.flights:
            return "empty"
        if self.running:
            return "inprogress"
        current, last = self.current_day(), self.last_departure()
        if current is not None and last is not None and current > last:
            return "finished"
        return "paused"

    def summary(self) -> Dict[str, Any]:
        current = self.current_day()
        stop = self.next_stop()

        def fmt(value: Optional[date]) -> Optional[str]:
            return value.strftime(DATE) if value is not None else None

        flights = {"past": 0, "live": 0, "pending": 0}
        per_schedule: Dict[str, set] = {}
        for flight in self.flights.values():
            if current is None:
                phase = "pending"
            elif flight["departure"].date() < current:
                phase = "past"
            elif flight["onsale"] <= current:
                phase = "live"
            else:
                phase = "pending"
            flights[phase] += 1
            if flight["schedule_id"] is not None:
                per_schedule.setdefault(flight["schedule_id"], set()).add(phase)
        schedules = {"past": 0, "live": 0, "pending": 0}
        for phases in per_schedule.values():
            schedules[phases.pop() if len(phases) == 1 and "live" not in phases else "live"] += 1
        counts = {c: len(self.bounded[c]) for c in ("aircraft", "airline", "airport", "city", "country") + DERIVED}
        counts["pmodel"] = len(self.pmodels)
        day_status = "empty" if not self.flights else ("inprogress" if self.running else self.day_status)
        return {"upload_time": self.upload_time.strftime("%Y-%m-%dT%H:%M:%S") if self.upload_time else None,
                "checkpoints": [fmt(c) for c in sorted(self.checkpoints)], "state": self.state(),
                "dates": {"day_status": day_status, "current": fmt(current), "next": fmt(stop),
                          "first_flight_load": fmt(self.first_load()),
                          "last_flight_departure": fmt(self.last_departure())},
                "itemsCount": {**counts, "schedule": schedules, "flight": flights}}

    # ------------------------------------------------------------------ removal
    def remove_full(self) -> None:
        if self.running:
            raise errors.ClientError(f"scenario {self.id} is running `{self.running}`; wait for it to finish")
        fresh = Scenario(self.id, self.capacity)
        self.__dict__.update(fresh.__dict__)

    def remove_results(self) -> None:
        if self.running:
            raise errors.ClientError(f"scenario {self.id} is running `{self.running}`; wait for it to finish")
        self.data.clear()
        self.sim.clear()
        self.started = False
        self.current = None
        self.day_status = "ready" if self.flights else "empty"
