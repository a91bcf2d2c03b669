"""Enumerations of the RMLab data model (values are what the server sends and accepts)."""
from __future__ import annotations

import enum
from typing import Any


class LowerStringEnumValues(enum.Enum):
    """Enums parsed case-insensitively from the server's strings."""

    @classmethod
    def str_to_enum_value(cls, value: str) -> Any:
        try:
            return cls(str(value).lower())
        except ValueError:
            known = ", ".join(str(m.value) for m in cls)
            raise ValueError(f"unknown {cls.__name__} {value!r}; expected one of {known}") from None


class FileExtensions(LowerStringEnumValues):
    JSON = ".json"
    CSV = ".csv"


class CurrencyKind(LowerStringEnumValues):
    CROATIAN_KUNA = "hrk"
    CZECH_KORUNA = "czk"
    DANISH_KRONE = "dkk"
    EURO = "eur"
    HUNGARIAN_FORINT = "hug"
    MOLDOVAN_LEU = "mdl"
    NORWEGIAN_KRONE = "nok"
    POLISH_ZLOTY = "pln"
    POUND_STERLING = "gbp"
    SWEDISH_KRONA = "sek"
    SWISS_FRANC = "chf"
    UKRAINIAN_HRYVNIA = "uah"
    US_DOLLAR = "usd"


class ParametricModelKind(LowerStringEnumValues):
    CUSTOMERS = "customers"
    PRICING = "pricing"


class CustomersModelKind(LowerStringEnumValues):
    REQUEST = "request"
    CHOICE = "choice"


class PricingModelKind(LowerStringEnumValues):
    RANGE = "range"
    BEHAVIOR = "behavior"
    OPTIMIZER = "optimizer"


#: ``kind`` values of parametric models on the wire.
PMODEL_KINDS = ("customers_request", "customers_choice", "pricing_range", "pricing_behavior", "pricing_optimizer")


class DayOfWeek(enum.Enum):
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7

    @classmethod
    def int_to_enum_value(cls, value: int) -> "DayOfWeek":
        return cls(int(value))


class ScenarioDayStatus(LowerStringEnumValues):
    EMPTY = "empty"
    STARTED = "started"
    ENDED = "ended"
    IN_PROGRESS = "inprogress"
    READY = "ready"
    PAUSED = "paused"
    SIMULATED = "simulated"
    OPTIMIZED = "optimized"


class ScenarioState(LowerStringEnumValues):
    EMPTY = "empty"
    IN_PROGRESS = "inprogress"
    PAUSED = "paused"
    FINISHED = "finished"


class FlightDataKind(LowerStringEnumValues):
    ACTUAL_BOOKS = "actual-books"
    EXPECTED_BOOKS = "expected-books"
    DYNAMIC_BOOKS = "dynamic-books"
    THRESHOLDS_SETTINGS = "thresholds-settings"
    PRICE_PER_SEAT_SETTINGS = "pps-settings"
    EVENTS = "events"
    FORECAST = "forecast"


class FlightEvent(LowerStringEnumValues):
    FLIGHT_LOADED = "flight-loaded"
    FLIGHT_DEPARTED = "flight-departed"
    FLIGHT_SOLD_OUT = "flight-sold-out"
    SCHEDULED_OPT_PASS = "scheduled-rms-pass"
    DONE_OPT_PASS = "done-rms-pass"
    COMMIT_OPT_PASS = "commit-rms-pass"
    LOADED_INITIAL_THRESHOLDS = "loaded-initial-thresholds"
    OPERATOR_EDIT_THRESHOLDS = "operator-edit-thresholds"
    OPERATOR_DYNAMIC_TO_EXPECTED = "operator-dynamic-to-expected"


class ParametricFilterClassKind(LowerStringEnumValues):
    IN_PERIOD = "in_period"
    FLIGHT_NUMBER = "flight_number"
    AIRLINE = "airline"
    SECTOR = "sector"
    ROUTE = "route"
    CITYSECTOR = "citysector"
    CITYROUTE = "cityroute"
    NETWORK = "network"


class OptimizationForecasterKind(LowerStringEnumValues):
    Q_FORECAST = "q-forecast"
    BAYES = "bayes"


class OptimizationAggregatorKind(LowerStringEnumValues):
    UNIFORM = "uniform"
    EXPONENTIAL = "exponential"


class OptimizationMaximizerKind(LowerStringEnumValues):
    DP_QSD = "qsd"


class OptimizationEffectsKind(LowerStringEnumValues):
    NONE = "none"
    PROMOTE_DYNAMIC_BC = "promote-dynamic-bc"
    PROMOTE_DYNAMIC_BC_THRESHOLDS = "promote-dynamic-bc-thresholds"
