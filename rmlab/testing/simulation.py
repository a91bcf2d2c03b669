"""The emulator's airline market, one day at a time.

Each day, every flight on sale receives booking requests from the customer classes of the
request model bound to its citysector (``rate = scale/100 * exp(-days_before_departure/beta)``
requests, groups of about ``lambda_seats``), offered the cheapest fare still open under the
seat thresholds; the choice model decides who books (``mnl_multiple_reject``: the further the
price from the lowest fare, the likelier the reject). Optimization passes (the optimizer
model's schedule, explicit ones, or triggered) reforecast demand and move the thresholds.

Randomness is seeded by scenario, flight and day, so a simulation always gives the same books.
"""
from __future__ import annotations

import math
import random
import zlib
from datetime import date, datetime, time, timedelta
from typing import Any, Dict, List, Optional, Set, Tuple

from .store import Scenario

DEFAULT_REQUEST = {"default": {"type": "poisson", "beta": 10.0, "scale": 300.0, "lambda_seats": 2.0}}
DEFAULT_CHOICE = {"default": {"type": "mnl_multiple_reject", "beta": 100.0, "reject_prob": 0.5}}
DEFAULT_BEHAVIOR = {"type": "rake_straight", "seats_per_dbd": 0.1, "zero_shift": 0.05, "squeeze": 0.7}


def _rng(scenario: Scenario, flight_id: str, when: date, salt: str = "") -> random.Random:
    return random.Random(zlib.crc32(f"{scenario.id}|{flight_id}|{when.isoformat()}|{salt}".encode()))


def _poisson(rng: random.Random, rate: float) -> int:
    """Knuth's method (rates here are small)."""
    limit, count, product = math.exp(-min(rate, 30.0)), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _model(scenario: Scenario, kind: str, flight: Dict[str, Any], default: Dict[str, Any]) -> Dict[str, Any]:
    model_id = scenario.bound_model(kind, flight, flight)
    return scenario.pmodels[model_id].parsed() if model_id else default


def _midnight(when: date) -> datetime:
    return datetime.combine(when, time())


def _thresholds(capacity: int, count: int, squeeze: float) -> List[int]:
    """Cumulative seats each fare (cheapest first) may sell; the dearest one always reaches capacity."""
    out = [max(1, round(capacity * ((i + 1) / count) ** max(squeeze, 0.05))) for i in range(count)]
    out[-1] = capacity
    return out


def load_flight(scenario: Scenario, flight: Dict[str, Any], when: date) -> Dict[str, Any]:
    """Put a flight on sale: fares, initial thresholds, expected books, first events."""
    fares = scenario.fares(flight)
    behavior = _model(scenario, "pricing_behavior", flight, DEFAULT_BEHAVIOR)
    capacity = flight["seat_capacity"]
    thresholds = _thresholds(capacity, len(fares), float(behavior.get("squeeze", 0.7)))
    state = {"fares": fares, "thresholds": thresholds, "sold": 0, "revenue": 0, "sold_out": False,
             "departed": False, "passes": pass_days(scenario, flight)}
    scenario.sim[flight["id"]] = state
    stamp = _midnight(when)
    fid = flight["id"]
    scenario.record(fid, "events", stamp, Kind="flight-loaded")
    scenario.record(fid, "events", stamp, Kind="loaded-initial-thresholds")
    scenario.record(fid, "thresholds-settings", stamp, **{tag: t for (tag, _), t in zip(fares, thresholds)})
    scenario.record(fid, "pps-settings", stamp, **{tag: pps for tag, pps in fares})
    _expected(scenario, flight, state, when, "expected-books")
    return state


def _expected(scenario: Scenario, flight: Dict[str, Any], state: Dict[str, Any], since: date, kind: str) -> None:
    """Expected cumulated seats and average price per seat for every remaining selling day."""
    departure = flight["departure"].date()
    span = max(1, (departure - flight["onsale"]).days)
    capacity = flight["seat_capacity"]
    fares = state["fares"]
    scenario.data.setdefault(flight["id"], {}).pop(kind, None)
    sold = state["sold"]
    for offset in range((departure - since).days):
        when = since + timedelta(days=offset)
        progress = min(1.0, (when - flight["onsale"]).days / span + 1.0 / span)
        seats = sold + (0.8 * capacity - sold) * progress if kind == "dynamic-books" else 0.8 * capacity * progress
        price_index = min(len(fares) - 1, int(progress * len(fares)))
        scenario.record(flight["id"], kind, _midnight(when), AvgSeats=round(max(seats, sold), 2),
                        AvgPPS=float(fares[price_index][1]))


def pass_days(scenario: Scenario, flight: Dict[str, Any]) -> Set[date]:
    """Days of the selling period on which the bound optimizer model runs a pass."""
    model_id = scenario.bound_model("pricing_optimizer", flight, flight)
    if model_id is None:
        return set()
    schedule = scenario.pmodels[model_id].parsed().get("schedule", {})
    steps = sorted((int(k), int(v)) for k, v in schedule.items() if k != "INF")
    default = int(schedule.get("INF", 7))
    departure = flight["departure"].date()
    days, last = set(), None
    when = flight["onsale"]
    while when < departure:
        dbd = (departure - when).days
        every = next((v for k, v in steps if dbd <= k), default)
        if last is None or (when - last).days >= every:
            days.add(when)
            last = when
        when += timedelta(days=1)
    return days


def _offer(state: Dict[str, Any]) -> Optional[int]:
    """Index of the cheapest fare still open, or None when nothing can be sold."""
    for index, threshold in enumerate(state["thresholds"]):
        if state["sold"] < threshold:
            return index
    return None


def _accepts(rng: random.Random, choice: Dict[str, Any], price: int, lowest: int, index: int) -> bool:
    kind = choice.get("type", "mnl_multiple_reject")
    if kind == "random":
        return rng.random() < 0.5
    if kind == "cheapest":
        return index == 0 or rng.random() < 0.2
    reject = float(choice.get("reject_prob", 0.5))
    beta = max(float(choice.get("beta", 100.0)), 1e-6)
    return rng.random() < (1.0 - reject * 0.5) * math.exp(-(price - lowest) / (beta * 100.0))


def book_day(scenario: Scenario, flight: Dict[str, Any], state: Dict[str, Any], when: date) -> None:
    departure = flight["departure"].date()
    dbd = (departure - when).days
    requests = _model(scenario, "customers_request", flight, DEFAULT_REQUEST)
    choices = _model(scenario, "customers_choice", flight, DEFAULT_CHOICE)
    rng = _rng(scenario, flight["id"], when)
    capacity = flight["seat_capacity"]
    bookings: List[Tuple[int, str, int, int]] = []
    for name in sorted(requests):
        params = requests[name]
        choice = choices.get(name) or next(iter(choices.values()), DEFAULT_CHOICE["default"])
        rate = float(params.get("scale", 300)) / 100.0 * math.exp(-dbd / max(float(params.get("beta", 10)), 1e-6))
        for _ in range(_poisson(rng, rate)):
            index = _offer(state)
            if index is None:
                break
            tag, price = state["fares"][index]
            group = 1 + _poisson(rng, max(float(params.get("lambda_seats", 2)) - 1.0, 0.0))
            if not _accepts(rng, choice, price, state["fares"][0][1], index):
                continue
            seats = min(group, capacity - state["sold"])
            if seats <= 0:
                break
            state["sold"] += seats
            state["revenue"] += seats * price
            bookings.append((rng.randrange(24 * 60), tag, price, seats))
    sold, revenue = state["sold"] - sum(b[3] for b in bookings), state["revenue"] - sum(b[2] * b[3] for b in bookings)
    for minute, tag, price, seats in sorted(bookings):
        sold += seats
        revenue += price * seats
        scenario.record(flight["id"], "actual-books", _midnight(when) + timedelta(minutes=minute), Fares=tag, PPS=price,
                        Seats=seats, CumSeats=sold, CumRevenue=revenue)
    if state["sold"] >= capacity and not state["sold_out"]:
        state["sold_out"] = True
        scenario.record(flight["id"], "events", _midnight(when) + timedelta(hours=23, minutes=59),
                        Kind="flight-sold-out")


def optimize(scenario: Scenario, flight: Dict[str, Any], when: date, commit: Optional[bool] = None) -> None:
    """One optimization pass: reforecast, dynamic books, and (per the optimizer's effects) thresholds."""
    state = scenario.sim.get(flight["id"]) or load_flight(scenario, flight, max(when, flight["onsale"]))
    model_id = scenario.bound_model("pricing_optimizer", flight, flight)
    effects = scenario.pmodels[model_id].parsed().get("operator", {}).get("effects", "none") if model_id else None
    if commit is None:
        commit = effects in (None, "promote-dynamic-bc-thresholds")
    stamp = _midnight(when) + timedelta(hours=12)
    fid = flight["id"]
    departure = flight["departure"].date()
    expected = 0.8 * flight["seat_capacity"] * max(0.0, 1 - (departure - when).days /
                                                   max(1, (departure - flight["onsale"]).days))
    ahead = state["sold"] > expected
    scenario.record(fid, "events", stamp, Kind="done-rms-pass")
    dbd = max(1, (departure - when).days)
    scenario.data.setdefault(fid, {}).pop("forecast", None)
    for step in range(dbd):
        ratio = (step + 1) / dbd
        scenario.record(fid, "forecast", _midnight(when + timedelta(days=step)), FRAT5=round(1.5 + 2.5 * ratio, 3),
                        BookQE=round((flight["seat_capacity"] - state["sold"]) * ratio / dbd, 3))
    _expected(scenario, flight, state, when, "dynamic-books")
    if effects == "promote-dynamic-bc":
        _expected(scenario, flight, state, when, "expected-books")
        scenario.record(fid, "events", stamp, Kind="operator-dynamic-to-expected")
    if commit:
        factor = 0.9 if ahead else 1.1
        capacity = flight["seat_capacity"]
        moved = [min(capacity, max(1, round(t * factor))) for t in state["thresholds"][:-1]] + [capacity]
        state["thresholds"] = sorted(moved)
        scenario.record(fid, "thresholds-settings", stamp,
                        **{tag: t for (tag, _), t in zip(state["fares"], state["thresholds"])})
        scenario.record(fid, "events", stamp, Kind="commit-rms-pass")


def _explicit_passes(scenario: Scenario, flight: Dict[str, Any], when: date) -> bool:
    for scheduled in scenario.scheduled_passes:
        if scheduled["when"].date() != when or scheduled["airline_id"] != flight["airline_id"]:
            continue
        if scheduled["citysector_id"] not in (None, flight["citysector_id"]):
            continue
        if scheduled["sector_id"] not in (None, flight["sector_id"]):
            continue
        return True
    return False


def simulate_day(scenario: Scenario, when: date) -> None:
    """Advance every flight through ``when``: load, book, optimize when due, depart."""
    for fid in sorted(scenario.flights):
        flight = scenario.flights[fid]
        departure = flight["departure"].date()
        if when < flight["onsale"] or when > departure:
            continue
        state = scenario.sim.get(fid) or load_flight(scenario, flight, when)
        if state["departed"]:
            continue
        if when == departure:
            state["departed"] = True
            scenario.record(fid, "events", flight["departure"], Kind="flight-departed")
            continue
        if when in state["passes"] or _explicit_passes(scenario, flight, when):
            optimize(scenario, flight, when)
        book_day(scenario, flight, state, when)


def input_flights(scenario: Scenario, flight: Dict[str, Any], since_days: int = 730) -> List[str]:
    """Flights of the same citysector that departed before ``flight`` went on sale (within the window)."""
    start = flight["onsale"] - timedelta(days=since_days)
    return sorted(f["id"] for f in scenario.flights.values()
                  if f["citysector_id"] == flight["citysector_id"] and f["id"] != flight["id"]
                  and start <= f["departure"].date() < flight["onsale"])


def since_days(scenario: Scenario, flight: Dict[str, Any]) -> int:
    model_id = scenario.bound_model("pricing_optimizer", flight, flight)
    if model_id is None:
        return 730
    since = str(scenario.pmodels[model_id].parsed().get("selector", {}).get("since", "2 years")).split()
    unit = since[1].lower().rstrip("s") if len(since) > 1 else "year"
    return int(since[0]) * {"day": 1, "month": 30, "year": 365}.get(unit, 365)
