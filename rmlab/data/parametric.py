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
and the offending field (``operator.optimizer.price_points``); :func:`load_model_file` adds
the line and column of a JSON syntax error.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Dict, List, Mapping, Optional

from ..errors import DataValidationError
from .enums import (OptimizationEffectsKind, OptimizationForecasterKind, OptimizationMaximizerKind, PMODEL_KINDS)

__all__ = ["validate_model", "load_model_file", "PMODEL_KINDS"]

_SINCE = re.compile(r"^\s*(\d+)\s+(day|month|year)s?\s*$", re.IGNORECASE)
_AGGREGATE = re.compile(r"^\s*(uniform|exponential\s+[0-9]*\.?[0-9]+)\s*$", re.IGNORECASE)


class _Checker:
    """Walks a model, raising with the path of the first bad field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str) -> None:
        raise DataValidationError(message, source=self.source, field=path or "(root)")

    def obj(self, value: Any, path: str, non_empty: bool = False) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected an object, got {type(value).__name__}")
        if non_empty and not value:
            self.fail(path, "must not be empty")
        return value

    def get(self, parent: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in parent:
            self.fail(_join(path, key), "is missing")
        return parent[key]

    def number(self, parent: Mapping[str, Any], key: str, path: str, low: float = float("-inf"),
               high: float = float("inf"), low_open: bool = False, required: bool = True) -> Optional[float]:
        if not required and key not in parent:
            return None
        value = self.get(parent, key, path)
        where = _join(path, key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(where, f"expected a number, got {json.dumps(value)}")
        if value < low or value > high or (low_open and value == low):
            bounds = f"{'(' if low_open else '['}{low:g}, {high:g}]"
            self.fail(where, f"must be in {bounds}, got {value:g}")
        return float(value)

    def integer(self, parent: Mapping[str, Any], key: str, path: str, low: int = 1) -> int:
        value = self.get(parent, key, path)
        where = _join(path, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected an integer, got {json.dumps(value)}")
        if value < low:
            self.fail(where, f"must be at least {low}, got {value}")
        return value

    def choice(self, parent: Mapping[str, Any], key: str, path: str, allowed: List[str]) -> str:
        value = self.get(parent, key, path)
        if not isinstance(value, str) or value.lower() not in allowed:
            self.fail(_join(path, key), f"expected one of {', '.join(allowed)}, got {json.dumps(value)}")
        return value.lower()

    def text(self, parent: Mapping[str, Any], key: str, path: str) -> str:
        value = self.get(parent, key, path)
        if not isinstance(value, str) or not value.strip():
            self.fail(_join(path, key), f"expected a non-empty string, got {json.dumps(value)}")
        return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _request(c: _Checker, model: Mapping[str, Any]) -> None:
    for name, klass in c.obj(model, "", non_empty=True).items():
        c.obj(klass, name)
        c.choice(klass, "type", name, ["poisson"])
        c.number(klass, "beta", name, 0, low_open=True)
        c.number(klass, "scale", name, 0, low_open=True)
        c.number(klass, "lambda_seats", name, 0, low_open=True)


def _choice(c: _Checker, model: Mapping[str, Any]) -> None:
    for name, klass in c.obj(model, "", non_empty=True).items():
        c.obj(klass, name)
        kind = c.choice(klass, "type", name, ["random", "cheapest", "mnl_multiple_reject"])
        needs = kind == "mnl_multiple_reject"
        c.number(klass, "beta", name, 0, low_open=True, required=needs)
        c.number(klass, "reject_prob", name, 0, 1, required=needs)


def _range(c: _Checker, model: Mapping[str, Any]) -> None:
    c.obj(model, "", non_empty=True)
    c.number(model, "granularity", "", 0, low_open=True)
    low = c.number(model, "min_fare", "", 0)
    high = c.number(model, "max_fare", "", 0)
    if low is not None and high is not None and high < low:
        c.fail("max_fare", f"must not be below min_fare ({low:g}), got {high:g}")
    given = [k for k in ("tags", "lowest_tag", "highest_tag") if k in model]
    if len(given) != 1:
        c.fail("tags", "give exactly one of 'tags', 'lowest_tag', 'highest_tag'"
               + (f" (got {', '.join(given)})" if given else ""))
    if given[0] == "tags":
        tags = model["tags"]
        if not isinstance(tags, list) or not tags or not all(isinstance(t, str) and t for t in tags):
            c.fail("tags", "expected a non-empty list of fare tags")
        if len(set(tags)) != len(tags):
            c.fail("tags", "fare tags must be unique")
    else:
        c.text(model, given[0], "")


def _behavior(c: _Checker, model: Mapping[str, Any]) -> None:
    c.obj(model, "", non_empty=True)
    kind = c.choice(model, "type", "", ["rake_straight", "rake_ebc"])
    c.number(model, "seats_per_dbd", "", 0, low_open=True)
    c.number(model, "zero_shift", "", 0, 1)
    c.number(model, "squeeze", "", 0, 1, low_open=True)
    c.number(model, "confidence", "", 0, 1, required=kind == "rake_ebc")


def _optimizer(c: _Checker, model: Mapping[str, Any]) -> None:
    c.obj(model, "", non_empty=True)
    schedule = c.obj(c.get(model, "schedule", ""), "schedule", non_empty=True)
    for key, every in schedule.items():
        if key != "INF" and not (isinstance(key, str) and key.isdigit() and int(key) > 0):
            c.fail(f"schedule.{key}", "keys are 'INF' or a positive number of days before departure")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            c.fail(f"schedule.{key}", f"expected a positive number of days, got {json.dumps(every)}")
    selector = c.obj(c.get(model, "selector", ""), "selector")
    since = c.get(selector, "since", "selector")
    if not isinstance(since, str) or not _SINCE.match(since):
        c.fail("selector.since", f"expected '<n> days|months|years', got {json.dumps(since)}")
    filters = selector.get("filters", [])
    if not isinstance(filters, list):
        c.fail("selector.filters", "expected a list")
    operator = c.obj(c.get(model, "operator", ""), "operator")
    c.choice(operator, "forecaster", "operator", [k.value for k in OptimizationForecasterKind])
    aggregate = c.get(operator, "aggregate", "operator")
    if not isinstance(aggregate, str) or not _AGGREGATE.match(aggregate):
        c.fail("operator.aggregate", f"expected 'uniform' or 'exponential <factor>', got {json.dumps(aggregate)}")
    maximizer = c.obj(c.get(operator, "optimizer", "operator"), "operator.optimizer")
    c.choice(maximizer, "type", "operator.optimizer", [k.value for k in OptimizationMaximizerKind])
    for key in ("max_requests_per_day", "price_points", "ebc_samples"):
        c.integer(maximizer, key, "operator.optimizer")
    c.choice(operator, "effects", "operator", [k.value for k in OptimizationEffectsKind])


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


def load_model_file(kind: str, path: str) -> Any:
    """Read, parse and validate a model file (``.json``)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(path)
    name = os.path.basename(path)
    if os.path.splitext(name)[1].lower() != ".json":
        raise DataValidationError("model files must be .json", source=name)
    with open(path, "rb") as handle:
        model = parse_model_text(handle.read().decode("utf-8-sig"), name)
    validate_model(kind, model, name)
    return model
