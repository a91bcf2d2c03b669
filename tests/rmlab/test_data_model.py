"""Item dataclasses, flight data and scenario summaries built from the server's JSON."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rmlab import (Airport, Flight, FlightDataBooks, FlightDataEvents, FlightDataPricePerSeatSettings,
                   FlightDataThresholdSettings, Schedule)
from rmlab.data.enums import DayOfWeek, FlightDataKind, FlightEvent, ScenarioDayStatus, ScenarioState
from rmlab.data.flight import FROM_SERVER
from rmlab.data.scenario import summary_to_info

UTC = timezone.utc


def test_schedule_from_server_fields() -> None:
    schedule = Schedule.from_dict({
        "id": "L-2277-2022-04-01", "airline_id": "L", "aircraft_id": "A", "origin_id": "MAD", "destination_id": "GVA",
        "days_of_week": "-2-4-6-", "departure_time": 480, "duration": 120, "flight_number": 2277,
        "sell_before_days": "15", "from_date": "2022-04-01", "to_date": "2022-05-31", "sector_id": "MAD-GVA",
        "citysector_id": "Madrid-Geneva", "route_id": "GVA-MAD", "cityroute_id": "Geneva-Madrid",
        "from_date_load": "2022-03-17", "to_date_load": "2022-05-16", "from_date_departure": "2022-04-02",
        "to_date_departure": "2022-05-31", "unknown_new_field": 1})
    assert schedule.days_of_week == [DayOfWeek.TUESDAY, DayOfWeek.THURSDAY, DayOfWeek.SATURDAY]
    assert schedule.departure_time == timedelta(hours=8) and schedule.duration == timedelta(hours=2)
    assert schedule.flight_number == "2277" and schedule.sell_before_days == 15
    assert schedule.from_date == datetime(2022, 4, 1, tzinfo=UTC)
    assert "unknown_new_field" not in schedule.__dict__


def test_flight_and_airport_conversions() -> None:
    flight = Flight.from_dict({"id": "F", "seat_capacity": "180", "fares": "Q-P-O", "lowest_pps": 4000,
                               "highest_pps": 30000, "onsale_date_time": "2022-03-17",
                               "departure_date_time": "2022-04-01T16:00"})
    assert flight.fares == ["Q", "P", "O"] and flight.seat_capacity == 180
    assert flight.departure_date_time == datetime(2022, 4, 1, 16, 0, tzinfo=UTC)
    assert Airport("GVA", "Geneva", "Geneva", "GVA", "LSGG", 431, 46.238, 6.109).latitude == 46
    assert Flight.field_names()[:2] == ["id", "seat_capacity"]


def test_flight_data_from_server_json() -> None:
    stamps = [1648771200000, 1648857600000]
    books = FROM_SERVER[FlightDataKind.ACTUAL_BOOKS]("F", {"Timestamp": stamps, "Fares": ["Q", "P"],
                                                           "PPS": [4000, 5000], "Seats": [2, 1]})
    assert isinstance(books, FlightDataBooks)
    assert books.cumulated_seats_array == [2, 3] and books.cumulated_revenue_array == [8000, 13000]
    assert books.timestamps_array[0] == datetime(2022, 4, 1, tzinfo=UTC)
    assert books.id_dict() == ("F", {"Timestamp": stamps, "Seats": [2, 1], "PPS": [4000, 5000], "Fares": ["Q", "P"]})
    thresholds = FROM_SERVER[FlightDataKind.THRESHOLDS_SETTINGS]("F", {"Timestamp": stamps[:1], "Q": [10], "P": [20]})
    assert isinstance(thresholds, FlightDataThresholdSettings)
    assert thresholds.fare_to_threshold_array == {"Q": [10], "P": [20]}
    events = FROM_SERVER[FlightDataKind.EVENTS]("F", {"Timestamp": stamps, "Kind": ["flight-loaded", "new-kind"]})
    assert isinstance(events, FlightDataEvents)
    assert events.events_array == [FlightEvent.FLIGHT_LOADED, "new-kind"]
    assert FROM_SERVER[FlightDataKind.FORECAST]("F", {"Timestamp": [], "FRAT5": [], "BookQE": []}).is_empty()


def test_flight_data_arrays_must_align() -> None:
    with pytest.raises(ValueError, match="'pps_array' has 1 values for 2 timestamps"):
        FlightDataBooks("F", [1, 2], ["Q", "Q"], [1], [1, 1])
    with pytest.raises(ValueError, match="'Q' has 2 values"):
        FlightDataPricePerSeatSettings("F", [1], {"Q": [1, 2]})
    with pytest.raises(TypeError):
        FlightDataBooks("F", "not a list", [], [], [])


def test_summary_to_info() -> None:
    summary = {"upload_time": "2024-01-02T03:04:05", "checkpoints": ["2022-04-10"], "state": "paused",
               "dates": {"day_status": "simulated", "current": "2022-04-10", "next": "2022-06-01",
                         "first_flight_load": "2022-03-15", "last_flight_departure": "2022-05-31"},
               "itemsCount": {"aircraft": 3, "airline": 2, "airport": 4, "city": 3, "cityroute": 2, "citysector": 4,
                              "country": 3, "pmodel": 5, "route": 2, "sector": 4,
                              "schedule": {"past": 0, "live": 6, "pending": 0},
                              "flight": {"past": 20, "live": 30, "pending": 120}}}
    dates, items, schedules, flights = summary_to_info(0, summary)
    assert dates.state is ScenarioState.PAUSED and dates.day_status is ScenarioDayStatus.SIMULATED
    assert dates.checkpoints == [datetime(2022, 4, 10, tzinfo=UTC)]
    assert dates.upload_time == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert items.pmodel == 5 and schedules.total == 6 and flights.total == 170
    empty = summary_to_info(1, {"state": "empty", "dates": {"day_status": "empty", "current": None}})
    assert empty[0].current is None and empty[3].total == 0
