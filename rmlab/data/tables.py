"""Item files (CSV or JSON) and item lists: their columns, and checking them before upload.

CSV headers (case and spacing do not matter)::

    aircraft  Model,Seat capacity
    airline   Name,Type
    airport   Name,City,Altitude,Latitude,Longitude,ICAO,IATA
    city      Name,Country
    country   Name,Currency
    schedule  Airline,Aircraft,Origin,Destination,Days of Week,Departure time,Duration,
              Flight number,Sell before days,From Date,To Date
    flight    Airline,Aircraft,Origin,Destination,Flight number,On sale date,Departure date,
              Departure time,Duration
    pfilter   Filter class,Filter content,PModel id

JSON files and lists hold objects with the snake_case keys (``seat_capacity``,
``days_of_week``...). Times look like ``T08:00``, dates like ``2022-04-01``, days of week
like ``-2-4-6-`` (position *i* holds the digit *i+1* or ``-``).

:func:`parse_items` returns the rows as JSON-ready dicts or raises
:class:`~rmlab.errors.DataValidationError` naming the file, line and field (for JSON the field
is ``[index].key`` and the line is that of the offending value). The client runs it before sending anything; the emulator ingests with it.
"""
from __future__ import annotations

import csv
import io
import json
import os
import dataclasses
import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ..errors import DataValidationError
from .enums import CurrencyKind, ParametricFilterClassKind
from .jsonpos import line_of

Parser = Callable[[Any], Any]

_CLOCK = re.compile(r"^T?([01]?\d|2[0-3]):([0-5]\d)$")
_DAYS = re.compile(r"^[1-][2-][3-][4-][5-][6-][7-]$")
_IATA = re.compile(r"^[A-Za-z0-9]{3}$")
_ICAO = re.compile(r"^[A-Za-z0-9]{4}$")


def _text(value: Any) -> str:
    if isinstance(value, (dict, list, bool)) or value is None:
        raise ValueError(f"expected text, got {json.dumps(value)}")
    text = str(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _optional_text(default: str) -> Parser:
    def parse(value: Any) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        return _text(value)
    return parse


def _integer(minimum: int) -> Parser:
    def parse(value: Any) -> int:
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
        try:
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            raise ValueError(f"expected an integer, got {str(value).strip()!r}") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}, got {number}")
        return number
    return parse


def _number(low: float, high: float, default: Optional[float] = None) -> Parser:
    def parse(value: Any) -> float:
        if default is not None and (value is None or (isinstance(value, str) and not value.strip())):
            return default
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {str(value).strip()!r}") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}, got {number:g}")
        return number
    return parse


def _pattern(regex: "re.Pattern[str]", what: str, default: Optional[str] = None) -> Parser:
    def parse(value: Any) -> str:
        if default is not None and (value is None or (isinstance(value, str) and not value.strip())):
            return default
        text = _text(value)
        if not regex.match(text):
            raise ValueError(f"expected {what}, got {text!r}")
        return text
    return parse


def _currency(value: Any) -> str:
    text = _text(value).lower()
    known = [c.value for c in CurrencyKind]
    if text not in known:
        raise ValueError(f"unknown currency {text!r}; expected one of {', '.join(known)}")
    return text


def _days_of_week(value: Any) -> str:
    text = _text(value)
    if not _DAYS.match(text):
        raise ValueError(f"expected days of week like '-2-4-6-' (digit i+1 at position i, else '-'), got {text!r}")
    if text == "-------":
        raise ValueError("no day of week selected")
    return text


def _clock(value: Any) -> str:
    text = _text(value)
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f"expected a time like 'T08:00', got {text!r}")
    return f"T{int(match.group(1)):02d}:{match.group(2)}"


def _date(value: Any) -> str:
    text = _text(value)
    try:
        datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise ValueError(f"expected a date like '2022-04-01', got {text!r}") from None
    return text


def _filter_class(value: Any) -> str:
    text = _text(value).lower()
    known = [k.value for k in ParametricFilterClassKind]
    for part in text.split("&"):
        if part.strip() not in known:
            raise ValueError(f"unknown filter class {part.strip()!r}; expected one of {', '.join(known)}")
    return "&".join(p.strip() for p in text.split("&"))


def _flight_number(value: Any) -> str:
    return _text(value)


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    parse: Parser
    required: bool = True


def _columns(*specs: Tuple[str, Parser, bool]) -> Tuple[Column, ...]:
    return tuple(Column(header, normalize_key(header), parse, required) for header, parse, required in specs)


def normalize_key(name: str) -> str:
    """``"Seat capacity"`` -> ``"seat_capacity"`` (CSV header or JSON key)."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower().lstrip("\ufeff"))


TABLES: Dict[str, Tuple[Column, ...]] = {
    "aircraft": _columns(("Model", _text, True), ("Seat capacity", _integer(1), True)),
    "airline": _columns(("Name", _text, True), ("Type", _optional_text("undefined"), False)),
    "airport": _columns(("Name", _text, True), ("City", _text, True),
                        ("Altitude", _number(-500, 9000, 0.0), False), ("Latitude", _number(-90, 90, 0.0), False),
                        ("Longitude", _number(-180, 180, 0.0), False),
                        ("ICAO", _pattern(_ICAO, "a 4-character ICAO code", "undefined"), False),
                        ("IATA", _pattern(_IATA, "a 3-character IATA code"), True)),
    "city": _columns(("Name", _text, True), ("Country", _text, True)),
    "country": _columns(("Name", _text, True), ("Currency", _currency, True)),
    "schedule": _columns(("Airline", _text, True), ("Aircraft", _text, True), ("Origin", _text, True),
                         ("Destination", _text, True), ("Days of Week", _days_of_week, True),
                         ("Departure time", _clock, True), ("Duration", _clock, True),
                         ("Flight number", _flight_number, True), ("Sell before days", _integer(0), True),
                         ("From Date", _date, True), ("To Date", _date, True)),
    "flight": _columns(("Airline", _text, True), ("Aircraft", _text, True), ("Origin", _text, True),
                       ("Destination", _text, True), ("Flight number", _flight_number, True),
                       ("On sale date", _date, True), ("Departure date", _date, True),
                       ("Departure time", _clock, True), ("Duration", _clock, True)),
    "pfilter": _columns(("Filter class", _filter_class, True), ("Filter content", _optional_text(""), False),
                        ("PModel id", _text, True)),
}

#: Keys accepted in JSON items as synonyms (the dataclass field names).
ALIASES = {"country_id": "country", "city_id": "city", "airline_id": "airline", "aircraft_id": "aircraft",
           "origin_id": "origin", "destination_id": "destination", "onsale_date": "on_sale_date"}
_IGNORED_KEYS = {"id"}


def as_upload_item(category: str, item: Any) -> Any:
    """``item`` as sent in a JSON upload: an item dataclass becomes its upload values; dicts as given."""
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        return _dataclass_values(item, {c.key for c in _columns_for(category)})
    return item


def _dataclass_values(item: Any, known: Any) -> Dict[str, Any]:
    """An item dataclass as upload values: its fields that are upload columns (``country_id`` for
    ``country``, ...), in their text forms; fields the server derives (``sector_id``, ...) are left out."""
    values: Dict[str, Any] = {}
    for field in dataclasses.fields(item):
        key = ALIASES.get(field.name, field.name)
        if key in known:
            values[key] = _text_form(getattr(item, field.name))
    return values


def _text_form(value: Any) -> Any:
    """A parsed item value back in the form the columns read (dates, ``T08:00``, ``-2-4-6-``)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"T{minutes // 60:02d}:{minutes % 60:02d}"
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, enum.Enum) for v in value):
        days = {int(v.value) for v in value}
        return "".join(str(day) if day in days else "-" for day in range(1, 8))
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _check_row(category: str, row: Dict[str, Any]) -> Optional[Tuple[str, str]]:
    """Cross-field rules; returns (field, message) for the first broken one."""
    if category == "schedule" and row["from_date"] > row["to_date"]:
        return "to_date", f"ends ({row['to_date']}) before it starts ({row['from_date']})"
    if category == "flight" and row["on_sale_date"] > row["departure_date"]:
        return "on_sale_date", f"goes on sale ({row['on_sale_date']}) after departure ({row['departure_date']})"
    if category in ("schedule", "flight") and row["origin"] == row["destination"]:
        return "destination", f"equals the origin ({row['origin']})"
    if category == "pfilter":
        classes = row["filter_class"].split("&")
        contents = row["filter_content"].split("&") if row["filter_content"] else []
        needed = [c for c in classes if c != "network"]
        if len(needed) != len(contents):
            return "filter_content", (f"filter class '{row['filter_class']}' needs {len(needed)} '&'-separated "
                                      f"value(s), got {len(contents)}")
    return None


def _parse_row(category: str, columns: Sequence[Column], values: Mapping[str, Any], source: str,
               line: Optional[int], where: str) -> Dict[str, Any]:
    row: Dict[str, Any] = {}
    for column in columns:
        if column.key not in values:
            if column.required:
                raise DataValidationError("is missing", source=source, line=line, field=column.key if where == "json"
                                          else column.header)
            raw = None
        else:
            raw = values[column.key]
        try:
            row[column.key] = column.parse(raw)
        except ValueError as exc:
            raise DataValidationError(str(exc), source=source, line=line,
                                      field=column.header if where == "csv" else column.key) from None
    broken = _check_row(category, row)
    if broken:
        raise DataValidationError(broken[1], source=source, line=line, field=broken[0])
    return row


def _columns_for(category: str) -> Tuple[Column, ...]:
    try:
        return TABLES[category]
    except KeyError:
        raise DataValidationError(f"category {category!r} cannot be uploaded; expected one of "
                                  f"{', '.join(TABLES)}") from None


def parse_csv(category: str, text: str, source: str) -> List[Dict[str, Any]]:
    """Rows of a CSV item file (see the module docstring for the headers)."""
    columns = _columns_for(category)
    by_key = {c.key: c for c in columns}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: Optional[List[str]] = None
    rows: List[Dict[str, Any]] = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [normalize_key(cell) for cell in cells]
            for position, key in enumerate(header):
                if key not in by_key:
                    raise DataValidationError(
                        f"unknown column {cells[position].strip()!r} for {category} items; expected "
                        f"{', '.join(c.header for c in columns)}", source=source, line=reader.line_num)
            missing = [c.header for c in columns if c.required and c.key not in header]
            if missing:
                raise DataValidationError(f"missing column(s) {', '.join(missing)}", source=source,
                                          line=reader.line_num)
            continue
        if len(cells) != len(header):
            raise DataValidationError(f"has {len(cells)} values for {len(header)} columns", source=source,
                                      line=reader.line_num)
        rows.append(_parse_row(category, columns, dict(zip(header, cells)), source, reader.line_num, "csv"))
    if header is None:
        raise DataValidationError("is empty (no header line)", source=source)
    return rows


def parse_json_items(category: str, items: Any, source: str) -> List[Dict[str, Any]]:
    """Items given as JSON objects (from a file or a Python list). Errors name the item and key
    (``field='[3].seat_capacity'``) and carry its ``path`` (``(3, "seat_capacity")``, the key as
    written), from which :func:`parse_items` finds the line in a file."""
    columns = _columns_for(category)
    known = {c.key for c in columns}
    if not isinstance(items, list):
        raise DataValidationError(f"expected a list of {category} objects, got {type(items).__name__}",
                                  source=source, path=())
    rows = []
    for index, item in enumerate(items):
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            item = _dataclass_values(item, known)  # Country(...), Schedule(...): the item classes of rmlab.data
        if not isinstance(item, Mapping):
            raise DataValidationError(f"item {index} is a {type(item).__name__}, not an object", source=source,
                                      path=(index,))
        values: Dict[str, Any] = {}
        written: Dict[str, Any] = {}
        for key, value in item.items():
            norm = normalize_key(key)
            norm = ALIASES.get(norm, norm)
            if norm in _IGNORED_KEYS:
                continue
            if norm not in known:
                raise DataValidationError(f"unknown key for {category} items; expected "
                                          f"{', '.join(sorted(known))}", source=source, field=f"[{index}].{key}",
                                          path=(index, key))
            values[norm] = value
            written[norm] = key
        try:
            rows.append(_parse_row(category, columns, values, source, None, "json"))
        except DataValidationError as exc:
            key = written.get(exc.field or "")
            raise DataValidationError(exc.reason, source=source, field=f"[{index}].{exc.field}",
                                      path=(index, key) if key is not None else (index,)) from None
    return rows


def parse_items(category: str, data: Union[bytes, str], extension: str, source: str) -> List[Dict[str, Any]]:
    """Rows of an item file's content (``extension`` is ``csv`` or ``json``)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    ext = extension.lower().lstrip(".")
    if ext == "csv":
        return parse_csv(category, text, source)
    if ext == "json":
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataValidationError(f"is not valid JSON ({exc.msg}, column {exc.colno})", source=source,
                                      line=exc.lineno) from None
        try:
            return parse_json_items(category, loaded, source)
        except DataValidationError as exc:
            if exc.line is None and exc.path is not None:
                raise exc.at_line(line_of(text, exc.path)) from None
            raise
    raise DataValidationError(f"unsupported extension {extension!r}; expected .csv or .json", source=source)


def file_extension(path: str) -> str:
    """``csv`` or ``json`` for an item or model file; anything else is refused."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext not in ("csv", "json"):
        raise DataValidationError(f"unsupported extension {ext or '(none)'!r}; expected .csv or .json",
                                  source=os.path.basename(path))
    return ext


def read_items_file(category: str, path: str) -> List[Dict[str, Any]]:
    """Check (and parse) a local item file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    ext = file_extension(path)
    with open(path, "rb") as handle:
        return parse_items(category, handle.read(), ext, os.path.basename(path))
