"""Checking the ``options`` dict that ``Client(options)`` takes."""
from __future__ import annotations

import os
from typing import Any, Mapping, Union

from .exceptions import OptionsError

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}


def parse_ssl(value: Any) -> Union[bool, str]:
    """TLS verification from an ``ssl`` option.

    Booleans as they are; the strings ``true/false/1/0/yes/no/on/off`` (any case) as booleans
    (upstream took the string ``'False'`` as true); a path to an existing CA bundle as that path.
    Anything else is a ``ValueError``.
    """
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        if os.path.exists(value):
            return value
    raise OptionsError(f"option 'ssl' must be a boolean, 'True'/'False', or a CA bundle path; got {value!r}")


def require(options: Mapping[str, Any], *keys: str) -> None:
    """Raise one clear error naming every missing key."""
    missing = [k for k in keys if options.get(k) in (None, "")]
    if missing:
        raise OptionsError(f"Client options are missing {', '.join(repr(k) for k in missing)}")


def check_mapping(options: Any) -> Mapping[str, Any]:
    if not isinstance(options, Mapping):
        raise OptionsError(f"Client options must be a dict, got {type(options).__name__}")
    return options
