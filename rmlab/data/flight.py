"""Time series attached to a flight: books, forecasts, pricing settings, events.

On the wire (``api-data-flight-get``/``-post``) each is a JSON object of arrays keyed by the
server's names: ``Timestamp`` (epoch milliseconds) plus ``Fares, PPS, Seats[, CumSeats,
CumRevenue]`` (actual books), ``AvgSeats, AvgPPS`` (expected and dynamic books), one array per
fare (threshold and price-per-seat settings), ``Kind`` (events) or ``FRAT5, BookQE`` (forecast).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import accumulate
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

from .enums import FlightDataKind, FlightEvent

_MS = 1000


def _to_datetimes(stamps: Sequence[Any]) -> List[datetime]:
    out = []
    for ts in stamps:
        if isinstance(ts, datetime):
            out.append(ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc))
        elif isinstance(ts, (int, float)) and not isinstance(ts, bool):
            out.append(datetime.fromtimestamp(ts / _MS, tz=timezone.utc))
        else:
            raise TypeError(f"timestamps must be datetimes or epoch milliseconds, got {type(ts).__name__}")
    return out


def _check_aligned(owner: str, stamps: Sequence[Any], **arrays: Sequence[Any]) -> None:
    for name, array in arrays.items():
        if len(array) != len(stamps):
            raise ValueError(f"{owner}: '{name}' has {len(array)} values for {len(stamps)} timestamps")


@dataclass
class FlightData:
    """Base: the flight's id and the time stamps (UTC datetimes) of the series."""

    id: str
    timestamps_array: List[datetime]

    def __post_init__(self) -> None:
        if not isinstance(self.timestamps_array, list):
            raise TypeError(f"timestamps_array must be a list, got {type(self.timestamps_array).__name__}")
        self.timestamps_array = _to_datetimes(self.timestamps_array)

    def is_empty(self) -> bool:
        return len(self.timestamps_array) == 0

    def timestamps_ms(self) -> List[int]:
        return [round(ts.timestamp() * _MS) for ts in self.timestamps_array]

    def id_serial_timestamps(self) -> Tuple[str, Dict[str, List[int]]]:
        return self.id, {"Timestamp": self.timestamps_ms()}


@dataclass
class FlightDataBooks(FlightData):
    """Bookings: fare, price per seat (cents) and seats of each booking, with running totals."""

    fares_array: List[str]
    pps_array: List[int]
    seats_array: List[int]
    cumulated_seats_array: Optional[List[int]] = None
    cumulated_revenue_array: Optional[List[int]] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.cumulated_seats_array is None:
            self.cumulated_seats_array = list(accumulate(self.seats_array))
        if self.cumulated_revenue_array is None:
            self.cumulated_revenue_array = list(accumulate(p * s for p, s in zip(self.pps_array, self.seats_array)))
        _check_aligned("FlightDataBooks", self.timestamps_array, fares_array=self.fares_array,
                       pps_array=self.pps_array, seats_array=self.seats_array,
                       cumulated_seats_array=self.cumulated_seats_array,
                       cumulated_revenue_array=self.cumulated_revenue_array)

    def id_dict(self) -> Tuple[str, Dict[str, Any]]:
        fid, data = self.id_serial_timestamps()
        return fid, {**data, "Seats": list(self.seats_array), "PPS": list(self.pps_array),
                     "Fares": list(self.fares_array)}


@dataclass
class FlightDataForecastedBooks(FlightData):
    """Expected or dynamic books: average cumulated seats and price per seat over time."""

    pps_array: List[float]
    seats_array: List[float]

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_aligned("FlightDataForecastedBooks", self.timestamps_array, pps_array=self.pps_array,
                       seats_array=self.seats_array)


@dataclass
class FlightDataThresholdSettings(FlightData):
    """Seat thresholds of each fare over time."""

    fare_to_threshold_array: Dict[str, List[int]]

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_aligned("FlightDataThresholdSettings", self.timestamps_array, **self.fare_to_threshold_array)

    def id_dict(self) -> Tuple[str, Dict[str, Any]]:
        fid, data = self.id_serial_timestamps()
        return fid, {**data, **{k: list(v) for k, v in self.fare_to_threshold_array.items()}}


@dataclass
class FlightDataPricePerSeatSettings(FlightData):
    """Price per seat (cents) of each fare over time."""

    fare_to_pps_array: Dict[str, List[int]]

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_aligned("FlightDataPricePerSeatSettings", self.timestamps_array, **self.fare_to_pps_array)

    def id_dict(self) -> Tuple[str, Dict[str, Any]]:
        fid, data = self.id_serial_timestamps()
        return fid, {**data, **{k: list(v) for k, v in self.fare_to_pps_array.items()}}


@dataclass
class FlightDataEvents(FlightData):
    """Events in the life of the flight (unknown event names are kept as strings)."""

    events_array: List[Union[FlightEvent, str]]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.events_array = [_event(e) for e in self.events_array]
        _check_aligned("FlightDataEvents", self.timestamps_array, events_array=self.events_array)


@dataclass
class FlightDataQForecast(FlightData):
    """Q-forecast output: FRAT5 values and Q-equivalent books."""

    frat5_array: List[float]
    book_qequivalent_array: List[float]

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_aligned("FlightDataQForecast", self.timestamps_array, frat5_array=self.frat5_array,
                       book_qequivalent_array=self.book_qequivalent_array)


def _event(value: Any) -> Union[FlightEvent, str]:
    if isinstance(value, FlightEvent):
        return value
    try:
        return FlightEvent(str(value).lower())
    except ValueError:
        return str(value)


UploadableFlightDataType = Union[FlightDataBooks, FlightDataThresholdSettings, FlightDataPricePerSeatSettings]

UPLOAD_KINDS: Dict[Type[FlightData], FlightDataKind] = {
    FlightDataBooks: FlightDataKind.ACTUAL_BOOKS,
    FlightDataThresholdSettings: FlightDataKind.THRESHOLDS_SETTINGS,
    FlightDataPricePerSeatSettings: FlightDataKind.PRICE_PER_SEAT_SETTINGS,
}


def _per_fare(response: Mapping[str, Any]) -> Dict[str, List[Any]]:
    return {k: list(v) for k, v in response.items() if k != "Timestamp"}


def _books(fid: str, r: Mapping[str, Any]) -> FlightData:
    return FlightDataBooks(fid, list(r.get("Timestamp", [])), list(r.get("Fares", [])), list(r.get("PPS", [])),
                           list(r.get("Seats", [])), r.get("CumSeats"), r.get("CumRevenue"))


def _forecasted(fid: str, r: Mapping[str, Any]) -> FlightData:
    return FlightDataForecastedBooks(fid, list(r.get("Timestamp", [])), list(r.get("AvgPPS", [])),
                                     list(r.get("AvgSeats", [])))


def _thresholds(fid: str, r: Mapping[str, Any]) -> FlightData:
    return FlightDataThresholdSettings(fid, list(r.get("Timestamp", [])), _per_fare(r))


def _pps(fid: str, r: Mapping[str, Any]) -> FlightData:
    return FlightDataPricePerSeatSettings(fid, list(r.get("Timestamp", [])), _per_fare(r))


def _events(fid: str, r: Mapping[str, Any]) -> FlightData:
    return FlightDataEvents(fid, list(r.get("Timestamp", [])), list(r.get("Kind", [])))


def _forecast(fid: str, r: Mapping[str, Any]) -> FlightData:
    return FlightDataQForecast(fid, list(r.get("Timestamp", [])), list(r.get("FRAT5", [])), list(r.get("BookQE", [])))


#: Server JSON of each kind -> its dataclass.
FROM_SERVER: Dict[FlightDataKind, Callable[[str, Mapping[str, Any]], FlightData]] = {
    FlightDataKind.ACTUAL_BOOKS: _books,
    FlightDataKind.EXPECTED_BOOKS: _forecasted,
    FlightDataKind.DYNAMIC_BOOKS: _forecasted,
    FlightDataKind.THRESHOLDS_SETTINGS: _thresholds,
    FlightDataKind.PRICE_PER_SEAT_SETTINGS: _pps,
    FlightDataKind.EVENTS: _events,
    FlightDataKind.FORECAST: _forecast,
}
