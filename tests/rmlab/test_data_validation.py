"""Item files and models are refused locally with the file, line and field named."""
from __future__ import annotations

import json

import pytest

from rmlab.data import load_model_file, parse_items, read_items_file, validate_model
from rmlab.data.tables import parse_json_items
from rmlab.errors import DataValidationError
from rmlab.testing import SAMPLES


@pytest.mark.parametrize("category, name", [
    ("aircraft", "table.aircraft.csv"), ("airline", "table.airline.csv"), ("airport", "table.airport.csv"),
    ("city", "table.city.csv"), ("country", "table.country.csv"), ("schedule", "table.schedule.csv"),
    ("pfilter", "table.pfilter.json")])
def test_sample_files_are_valid(category: str, name: str) -> None:
    rows = read_items_file(category, str(SAMPLES / name))
    assert rows and all(isinstance(r, dict) for r in rows)


def test_csv_rows_become_typed_snake_case_items() -> None:
    rows = parse_items("airport", "Name,City,Altitude,Latitude,Longitude,ICAO,IATA\n"
                                  "Geneva,Geneva,431,46.238,6.109,LSGG,GVA  \n", "csv", "a.csv")
    assert rows == [{"name": "Geneva", "city": "Geneva", "altitude": 431.0, "latitude": 46.238, "longitude": 6.109,
                     "icao": "LSGG", "iata": "GVA"}]
    schedule = parse_items("schedule", (SAMPLES / "table.schedule.csv").read_text(), "csv", "s.csv")[0]
    assert schedule["days_of_week"] == "-2-4-6-" and schedule["departure_time"] == "T08:00"
    assert schedule["sell_before_days"] == 15


@pytest.mark.parametrize("text, line, field, reason", [
    ("Model,Seat capacity\nA320,174\nA321,lots\n", 3, "Seat capacity", "expected an integer, got 'lots'"),
    ("Model,Seat capacity\nA320,0\n", 2, "Seat capacity", "must be at least 1"),
    ("Model,Seats\nA320,174\n", 1, None, "unknown column 'Seats'"),
    ("Model\nA320\n", 1, None, "missing column(s) Seat capacity"),
    ("Model,Seat capacity\nA320,174,extra\n", 2, None, "has 3 values for 2 columns"),
    ("Model,Seat capacity\n,174\n", 2, "Model", "must not be empty"),
])
def test_bad_aircraft_csv(text: str, line: int, field, reason: str) -> None:
    with pytest.raises(DataValidationError) as info:
        parse_items("aircraft", text, "csv", "table.aircraft.csv")
    exc = info.value
    assert (exc.source, exc.line, exc.field) == ("table.aircraft.csv", line, field)
    assert reason in exc.reason
    assert str(exc).startswith(f"table.aircraft.csv, line {line}")


@pytest.mark.parametrize("row, field, reason", [
    ("LowCost2,A,MAD,GVA,-2-4-6,T08:00,T02:00,2277,15,2022-04-01,2022-05-31", "Days of Week", "days of week"),
    ("LowCost2,A,MAD,GVA,-------,T08:00,T02:00,2277,15,2022-04-01,2022-05-31", "Days of Week", "no day"),
    ("LowCost2,A,MAD,GVA,-2-4-6-,8 am,T02:00,2277,15,2022-04-01,2022-05-31", "Departure time", "a time like"),
    ("LowCost2,A,MAD,GVA,-2-4-6-,T08:00,T02:00,2277,15,2022-04-31,2022-05-31", "From Date", "a date like"),
    ("LowCost2,A,MAD,GVA,-2-4-6-,T08:00,T02:00,2277,15,2022-06-01,2022-05-31", "to_date", "ends (2022-05-31)"),
    ("LowCost2,A,MAD,MAD,-2-4-6-,T08:00,T02:00,2277,15,2022-04-01,2022-05-31", "destination", "equals the origin"),
    ("LowCost2,A,MAD,GVA,-2-4-6-,T08:00,T02:00,2277,-1,2022-04-01,2022-05-31", "Sell before days", "at least 0"),
])
def test_bad_schedule_rows(row: str, field: str, reason: str) -> None:
    header = (SAMPLES / "table.schedule.csv").read_text().splitlines()[0]
    with pytest.raises(DataValidationError) as info:
        parse_items("schedule", f"{header}\n{row}\n", "csv", "table.schedule.csv")
    assert info.value.line == 2 and info.value.field == field and reason in info.value.reason


def test_other_categories_rules() -> None:
    with pytest.raises(DataValidationError, match="unknown currency 'xyz'"):
        parse_items("country", "Name,Currency\nSpain,xyz\n", "csv", "c.csv")
    with pytest.raises(DataValidationError, match="must be between -90 and 90"):
        parse_items("airport", "Name,City,Latitude,IATA\nX,Y,91,XYZ\n", "csv", "a.csv")
    with pytest.raises(DataValidationError, match="3-character IATA"):
        parse_items("airport", "Name,City,IATA\nX,Y,XYZW\n", "csv", "a.csv")
    with pytest.raises(DataValidationError, match="goes on sale"):
        parse_items("flight", "Airline,Aircraft,Origin,Destination,Flight number,On sale date,Departure date,"
                              "Departure time,Duration\nL,A,MAD,GVA,1,2022-05-02,2022-05-01,T08:00,T01:00\n",
                    "csv", "f.csv")
    with pytest.raises(DataValidationError, match="unknown filter class 'planet'"):
        parse_json_items("pfilter", [{"filter_class": "planet", "filter_content": "", "pmodel_id": "m"}], "p")
    with pytest.raises(DataValidationError, match="needs 2 '&'-separated value"):
        parse_items("pfilter", json.dumps([{"filter_class": "airline&sector", "filter_content": "L",
                                            "pmodel_id": "m"}]), "json", "p.json")
    with pytest.raises(DataValidationError, match="empty"):
        parse_items("city", "", "csv", "c.csv")
    with pytest.raises(DataValidationError, match="unsupported extension"):
        parse_items("city", "", "xlsx", "c.xlsx")


def test_json_items_name_the_item_index_and_key() -> None:
    items = [{"model": "A320", "seat_capacity": 174}, {"model": "A321", "seat_capacity": "many"}]
    with pytest.raises(DataValidationError) as info:
        parse_items("aircraft", json.dumps(items), "json", "aircraft.json")
    assert info.value.field == "[1].seat_capacity" and "expected an integer" in info.value.reason
    with pytest.raises(DataValidationError) as info:
        parse_items("aircraft", json.dumps([{"model": "A320", "seats": 1}]), "json", "aircraft.json")
    assert info.value.field == "[0].seats"
    with pytest.raises(DataValidationError) as info:
        parse_items("aircraft", '[{"model": "A320",\n "seat_capacity": }]', "json", "aircraft.json")
    assert info.value.line == 2
    # dataclass-style keys are accepted as synonyms; ids are ignored
    rows = parse_json_items("city", [{"id": "x", "name": "Madrid", "country_id": "Spain"}], "l")
    assert rows == [{"name": "Madrid", "country": "Spain"}]


def test_sample_models_are_valid() -> None:
    for kind, name in (("customers_request", "customers_request.poisson.json"),
                       ("customers_choice", "customers_choice.mnl.json"),
                       ("pricing_range", "pricing_range.sample.json"),
                       ("pricing_behavior", "pricing_behavior.sample.json"),
                       ("pricing_optimizer", "pricing_optimizer.sample.json")):
        assert isinstance(load_model_file(kind, str(SAMPLES / name)), dict)


def _optimizer() -> dict:
    return json.loads((SAMPLES / "pricing_optimizer.sample.json").read_text())


@pytest.mark.parametrize("kind, model, field, reason", [
    ("customers_request", {"leisure": {"type": "gauss", "beta": 1, "scale": 1, "lambda_seats": 1}},
     "leisure.type", "expected one of poisson"),
    ("customers_request", {"leisure": {"type": "poisson", "beta": 1, "scale": 1}}, "leisure.lambda_seats",
     "is missing"),
    ("customers_choice", {"b": {"type": "mnl_multiple_reject", "beta": 1, "reject_prob": 1.5}}, "b.reject_prob",
     "must be in [0, 1]"),
    ("pricing_range", {"granularity": 10, "min_fare": 50, "max_fare": 40, "lowest_tag": "Q"}, "max_fare",
     "must not be below min_fare"),
    ("pricing_range", {"granularity": 10, "min_fare": 40, "max_fare": 50}, "tags", "exactly one of"),
    ("pricing_range", {"granularity": 10, "min_fare": 40, "max_fare": 50, "tags": ["Q", "Q"]}, "tags", "unique"),
    ("pricing_behavior", {"type": "rake_ebc", "seats_per_dbd": 1, "zero_shift": 0, "squeeze": 0.5}, "confidence",
     "is missing"),
    ("pricing_optimizer", {**_optimizer(), "schedule": {"INF": 0}}, "schedule.INF", "positive number of days"),
    ("pricing_optimizer", {**_optimizer(), "selector": {"since": "forever"}}, "selector.since", "days|months"),
    ("pricing_optimizer", {**_optimizer(), "operator": {**_optimizer()["operator"], "aggregate": "median"}},
     "operator.aggregate", "exponential"),
    ("pricing_optimizer", {**_optimizer(), "operator": {**_optimizer()["operator"], "optimizer": {
        "type": "qsd", "max_requests_per_day": 50, "price_points": 0, "ebc_samples": 5}}},
     "operator.optimizer.price_points", "at least 1"),
])
def test_bad_models_name_the_field(kind: str, model: dict, field: str, reason: str) -> None:
    with pytest.raises(DataValidationError) as info:
        validate_model(kind, model, "model.json")
    assert info.value.field == field and reason in info.value.reason and info.value.source == "model.json"


def test_model_file_syntax_error_names_the_line(tmp_path) -> None:
    path = tmp_path / "range.json"
    path.write_text('{\n  "granularity": 10,\n  "min_fare": ,\n}')
    with pytest.raises(DataValidationError) as info:
        load_model_file("pricing_range", str(path))
    assert info.value.source == "range.json" and info.value.line == 3


def test_a_bad_model_value_is_reported_with_its_line(tmp_path) -> None:
    path = tmp_path / "range_bad.json"
    path.write_text('{\n'
                    '  "granularity": 10,\n'
                    '  "min_fare": 40,\n'
                    '  "tags": ["Q", "P", "O"],\n'
                    '  "note": {"text": "max_fare: }\\" [tricky", "levels": [1, [2, 3], {"a": 4}]},\n'
                    '\n'
                    '  "max_fare": "high"\n'
                    '}\n')
    with pytest.raises(DataValidationError) as info:
        load_model_file("pricing_range", str(path))
    assert str(info.value) == 'range_bad.json, line 7, field \'max_fare\': expected a number, got "high"'
    assert (info.value.line, info.value.field, info.value.path) == (7, "max_fare", ("max_fare",))


def test_nested_and_missing_model_fields_name_their_lines(tmp_path) -> None:
    model = _optimizer()
    model["operator"]["optimizer"]["price_points"] = 0
    text = json.dumps(model, indent=2)
    path = tmp_path / "optimizer.json"
    path.write_text(text)
    with pytest.raises(DataValidationError) as info:
        load_model_file("pricing_optimizer", str(path))
    expected = next(n for n, line in enumerate(text.splitlines(), 1) if '"price_points": 0' in line)
    assert info.value.line == expected and info.value.field == "operator.optimizer.price_points"
    # a missing key: the line of the object that lacks it
    del model["operator"]["optimizer"]["ebc_samples"]
    model["operator"]["optimizer"]["price_points"] = 30
    text = json.dumps(model, indent=2)
    path.write_text(text)
    with pytest.raises(DataValidationError, match="is missing") as info:
        load_model_file("pricing_optimizer", str(path))
    assert info.value.line == next(n for n, line in enumerate(text.splitlines(), 1) if '"optimizer": {' in line)
    # duplicate keys: json keeps the last one, and so does the line
    path.write_text('{"granularity": 10, "min_fare": 40, "lowest_tag": "Q",\n"max_fare": 1,\n"max_fare": -5}')
    with pytest.raises(DataValidationError) as info:
        load_model_file("pricing_range", str(path))
    assert info.value.line == 3 and "got -5" in info.value.reason


def test_a_bad_json_item_is_reported_with_its_line() -> None:
    items = [{"model": f"Plane {i}", "seat_capacity": 100 + i} for i in range(300)]
    items[250] = {"Model": "Plane 250", "Seat capacity": "lots"}  # written with CSV-style keys
    text = json.dumps(items, indent=2)
    with pytest.raises(DataValidationError) as info:
        parse_items("aircraft", text, "json", "aircraft.json")
    expected = next(n for n, line in enumerate(text.splitlines(), 1) if '"lots"' in line)
    assert str(info.value) == (f"aircraft.json, line {expected}, field '[250].seat_capacity': expected an integer, "
                               f"got 'lots'")
    assert info.value.path == (250, "Seat capacity")
    compact = "[" + json.dumps(items[:3])[1:-1] + ",\n" + json.dumps(items[3:])[1:-1] + "]"
    with pytest.raises(DataValidationError) as info:
        parse_items("aircraft", compact, "json", "aircraft.json")
    assert info.value.line == 2
    missing = json.dumps([{"model": "A", "seat_capacity": 3}, {"model": "B"}], indent=1)
    with pytest.raises(DataValidationError, match="is missing") as info:
        parse_items("aircraft", missing, "json", "aircraft.json")
    assert info.value.field == "[1].seat_capacity"
    assert info.value.line == next(n for n, line in enumerate(missing.splitlines(), 1) if '"B"' in line) - 1
    # lists given in Python have no lines
    with pytest.raises(DataValidationError) as info:
        parse_json_items("aircraft", items, "items")
    assert info.value.line is None and info.value.field == "[250].seat_capacity"


def test_locating_values_in_a_1_mib_model_is_fast() -> None:
    import time

    from rmlab.data.jsonpos import line_of, locate
    model = _optimizer()
    model["curve"] = [i / 7 for i in range(90_000)]
    model["labels"] = [{"name": f"x{i}", "v": [i, "]"]} for i in range(2000)]
    model["operator"]["optimizer"]["price_points"] = 0
    text = json.dumps(model, indent=1)
    assert len(text) > 1_000_000
    began = time.perf_counter()
    line = line_of(text, ("operator", "optimizer", "price_points"))
    assert time.perf_counter() - began < 0.25
    assert text.splitlines()[line - 1].strip() == '"price_points": 0,'
    index, found = locate(text, ("labels", 1999, "v", 1))
    assert found and json.JSONDecoder().raw_decode(text, index)[0] == "]"
    assert locate(text, ("curve", 90_000)) == (locate(text, ("curve",))[0], False)
