"""The RMLab data model: items, flight data, scenario summaries, parametric models, enums."""
from .enums import (CurrencyKind, CustomersModelKind, DayOfWeek, FileExtensions, FlightDataKind, FlightEvent,
                    ParametricFilterClassKind, ParametricModelKind, PricingModelKind, ScenarioDayStatus,
                    ScenarioState)
from .flight import (FlightData, FlightDataBooks, FlightDataEvents, FlightDataForecastedBooks,
                     FlightDataPricePerSeatSettings, FlightDataQForecast, FlightDataThresholdSettings)
from .items import (Aircraft, Airline, Airport, BoundedItem, City, CityRoute, CitySector, Country, Flight, Item,
                    PFilter, PModel, Route, Schedule, Sector, UnboundedItem)
from .parametric import load_model_file, validate_model
from .scenario import FlightsCount, ItemsCount, ScenarioDates, SchedulesCount
from .tables import parse_items, read_items_file

__all__ = [
    "Aircraft", "Airline", "Airport", "BoundedItem", "City", "CityRoute", "CitySector", "Country", "Flight",
    "Item", "PFilter", "PModel", "Route", "Schedule", "Sector", "UnboundedItem",
    "FlightData", "FlightDataBooks", "FlightDataEvents", "FlightDataForecastedBooks",
    "FlightDataPricePerSeatSettings", "FlightDataQForecast", "FlightDataThresholdSettings",
    "FlightsCount", "ItemsCount", "ScenarioDates", "SchedulesCount",
    "CurrencyKind", "CustomersModelKind", "DayOfWeek", "FileExtensions", "FlightDataKind", "FlightEvent",
    "ParametricFilterClassKind", "ParametricModelKind", "PricingModelKind", "ScenarioDayStatus", "ScenarioState",
    "load_model_file", "validate_model", "parse_items", "read_items_file",
]
