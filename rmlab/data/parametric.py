"""Parametric models (customers and pricing) and their local validation.

===========  ==================================================================================
kind         JSON shape
===========  ==================================================================================
request      ``{class: {"type": "poisson", "beta", "scale", "lambda_seats"}}``
choice       ``{class: {"type": "random" | "cheapest" | "mnl_multiple_reject", "beta", "reject_prob"}}``
range        ``{"granularity", "min_fare", "max_fare", and one of "tags" | "lowest_tag" | "highest_tag"}``
behavior     ``{"type": "rake_straight" | "rake_ebc", "seats_per_dbd", "zero_shift", "squeeze", "confidence"}``
optimizer    ``{"schedule": {"INF": 7, "<days>": n}, "selector": {"since": "2 years", "filters": [...]},
             "operator": {"forecaster": "q-forecast" | "bayes", "aggregate": "uniform" | "exponential <x>",
             "optimizer": {"type": "qsd", "max_requests_per_day", "price_points", "ebc_samples"},
             "effects": "none" | "promote-dynamic-bc" | "promote-dynamic-bc-thresholds"}}``
===========  ==================================================================================

:func:`validate_model` raises :class:`~rmlab.errors.DataValidationError` naming the source
and the offending field (``operator.optimizer.price_points``); :func:`load_model_file` (and
:func:`check_model_text`) add the line: of the bad value (``range.json, line 7, field
'max_fare': ...``; for a missing key, of the object that lacks it), or of a JSON syntax error.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ..errors import DataValidationError
from .enums import (OptimizationEffectsKind, OptimizationForecasterKind, OptimizationMaximizerKind, PMODEL_KINDS)
from .jsonpos import line_of

__all__ = ["validate_model", "load_model_file", "check_model_text", "PMODEL_KINDS"]

_SINCE = re.compile(r"^\s*(\d+)\s+(day|month|year)s?\s*$", re.IGNORECASE)
_AGGREGATE = re.compile(r"^\s*(uniform|exponential\s+[0-9]*\.?[0-9]+)\s*$", re.IGNORECASE)


Path = Tuple[Any, ...]


def _field(path: Path) -> str:
    """``("operator", "optimizer", "price_points")`` -> ``"operator.optimizer.price_points"``."""
    return ".".join(str(p) for p in path) or "(root)"


class _Checker:
    """Walks a model, raising with the path of the first bad field (a tuple of keys, shown
    dotted; the path also lets the caller find the value's line in the file)."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: Path, message: str) -> None:
        raise DataValidationError(message, source=self.source, field=_field(path), path=path)

    def obj(self, value: Any, path: Path, non_empty: bool = False) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected an object, got {type(value).__name__}")
        if non_empty and not value:
            self.fail(path, "must not be empty")
        return value

    def get(self, parent: Mapping[str, Any], key: str, path: Path) -> Any:
        if key not in parent:
            self.fail(path + (key,), "is missing")
        return parent[key]

    def number(self, parent: Mapping[str, Any], key: str, path: Path, low: float = float("-inf"),
               high: float = float("inf"), low_open: bool = False, required: bool = True) -> Optional[float]:
        if not required and key not in parent:
            return None
        value = self.get(parent, key, path)
        where = path + (key,)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"expected a number, got {json.dumps(value)}")
        if value < low or value > high or (low_open and value == low):
            bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]"
            self.fail(where, f"must be in {bounds}, got {value:g}")
        return float(value)

    def integer(self, parent: Mapping[str, Any], key: str, path: Path, low: int = 1) -> int:
        value = self.get(parent, key, path)
        where = path + (key,)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected an integer, got {json.dumps(value)}")
        if value < low:
            self.fail(where, f"must be at least {low}, got {value}")
        return value

    def choice(self, parent: Mapping[str, Any], key: str, path: Path, allowed: List[str]) -> str:
        value = self.get(parent, key, path)
        if not isinstance(value, str) or value.lower() not in allowed:
            self.fail(path + (key,), f"expected one of {', '.join(allowed)}, got {json.dumps(value)}")
        return value.lower()

    def text(self, parent: Mapping[str, Any], key: str, path: Path) -> str:
        value = self.get(parent, key, path)
        if not isinstance(value, str) or not value.strip():
            self.fail(path + (key,), f"expected a non-empty string, got {json.dumps(value)}")
        return value


ROOT: Path = ()


def _request(c: _Checker, model: Mapping[str, Any]) -> None:
    for name, klass in c.obj(model, ROOT, non_empty=True).items():
        here = (name,)
        c.obj(klass, here)
        c.choice(klass, "type", here, ["poisson"])
        c.number(klass, "beta", here, 0, low_open=True)
        c.number(klass, "scale", here, 0, low_open=True)
        c.number(klass, "lambda_seats", here, 0, low_open=True)


def _choice(c: _Checker, model: Mapping[str, Any]) -> None:
    for name, klass in c.obj(model, ROOT, non_empty=True).items():
        here = (name,)
        c.obj(klass, here)
        kind = c.choice(klass, "type", here, ["random", "cheapest", "mnl_multiple_reject"])
        needs = kind == "mnl_multiple_reject"
        c.number(klass, "beta", here, 0, low_open=True, required=needs)
        c.number(klass, "reject_prob", here, 0, 1, required=needs)


def _range(c: _Checker, model: Mapping[str, Any]) -> None:
    c.obj(model, ROOT, non_empty=True)
    c.number(model, "granularity", ROOT, 0, low_open=True)
    low = c.number(model, "min_fare", ROOT, 0)
    high = c.number(model, "max_fare", ROOT, 0)
    if low is not None and high is not None and high < low:
        c.fail(("max_fare",), f"must not be below min_fare ({low:g}), got {high:g}")
    given = [k for k in ("tags", "lowest_tag", "highest_tag") if k in model]
    if len(given) != 1:
        c.fail(("tags",), "give exactly one of 'tags', 'lowest_tag', 'highest_tag'"
               + (f" (got {', '.join(given)})" if given else ""))
    if given[0] == "tags":
        tags = model["tags"]
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags):
            c.fail(("tags",), "expected a non-empty list of fare tags")
        if len(set(tags)) != len(tags):
            c.fail(("tags",), "fare tags must be unique")
    else:
        c.text(model, given[0], ROOT)


def _behavior(c: _Checker, model: Mapping[str, Any]) -> None:
    c.obj(model, ROOT, non_empty=True)
    kind = c.choice(model, "type", ROOT, ["rake_straight", "rake_ebc"])
    c.number(model, "seats_per_dbd", ROOT, 0, low_open=True)
    c.number(model, "zero_shift", ROOT, 0, 1)
    c.number(model, "squeeze", ROOT, 0, 1, low_open=True)
    c.number(model, "confidence", ROOT, 0, 1, required=kind == "rake_ebc")


def _optimizer(c: _Checker, model: Mapping[str, Any]) -> None:
    c.obj(model, ROOT, non_empty=True)
    schedule = c.obj(c.get(model, "schedule", ROOT), ("schedule",), non_empty=True)
    for key, every in schedule.items():
        if key != "INF" and not (isinstance(key, str) and key.isdigit() and int(key) > 0):
            c.fail(("schedule", key), "keys are 'INF' or a positive number of days before departure")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            c.fail(("schedule", key), f"expected a positive number of days, got {json.dumps(every)}")
    selector = c.obj(c.get(model, "selector", ROOT), ("selector",))
    since = c.get(selector, "since", ("selector",))
    if not isinstance(since, str) or not _SINCE.match(since):
        c.fail(("selector", "since"), f"expected '<n> days|months|years', got {json.dumps(since)}")
    filters = selector.get("filters", [])
    if not isinstance(filters, list):
        c.fail(("selector", "filters"), "expected a list")
    operator = c.obj(c.get(model, "operator", ROOT), ("operator",))
    c.choice(operator, "forecaster", ("operator",), [k.value for k in OptimizationForecasterKind])
    aggregate = c.get(operator, "aggregate", ("operator",))
    if not isinstance(aggregate, str) or not _AGGREGATE.match(aggregate):
        c.fail(("operator", "aggregate"), f"expected 'uniform' or 'exponential <factor>', got "
                                          f"{json.dumps(aggregate)}")
    maximizer = c.obj(c.get(operator, "optimizer", ("operator",)), ("operator", "optimizer"))
    c.choice(maximizer, "type", ("operator", "optimizer"), [k.value for k in OptimizationMaximizerKind])
    for key in ("max_requests_per_day", "price_points", "ebc_samples"):
        c.integer(maximizer, key, ("operator", "optimizer"))
    c.choice(operator, "effects", ("operator",), [k.value for k in OptimizationEffectsKind])


_VALIDATORS: Dict[str, Callable[[_Checker, Mapping[str, Any]], None]] = {
    "customers_request": _request, "customers_choice": _choice, "pricing_range": _range,
    "pricing_behavior": _behavior, "pricing_optimizer": _optimizer,
}


def validate_model(kind: str, model: Any, source: str = "model") -> None:
    """Raise :class:`DataValidationError` unless ``model`` is a valid model of ``kind``."""
    try:
        check = _VALIDATORS[kind]
    except KeyError:
        raise DataValidationError(f"unknown model kind {kind!r}; expected one of {', '.join(PMODEL_KINDS)}",
                                  source=source) from None
    check(_Checker(source), model)


def parse_model_text(text: str, source: str) -> Any:
    """JSON text of a model; a syntax error names its line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataValidationError(f"is not valid JSON ({exc.msg}, column {exc.colno})", source=source,
                                  line=exc.lineno) from None


def check_model_text(kind: str, text: str, source: str) -> Any:
    """Parse and validate a model's JSON text; a bad value is reported with its line."""
    model = parse_model_text(text, source)
    try:
        validate_model(kind, model, source)
    except DataValidationError as exc:
        if exc.line is None and exc.path is not None:
            raise exc.at_line(line_of(text, exc.path)) from None
        raise
    return model


def read_model_text(path: str) -> str:
    """A model file's text (``.json`` only)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    name = os.path.basename(path)
    if os.path.splitext(name)[1].lower() != ".json":
        raise DataValidationError("model files must be .json", source=name)
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8-sig")


def load_model_file(kind: str, path: str) -> Any:
    """Read, parse and validate a model file (``.json``): errors name the file, line and field."""
    return check_model_text(kind, read_model_text(path), os.path.basename(path))
