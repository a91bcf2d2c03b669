"""Where a value sits in a JSON text: the line of ``data["operator"]["optimizer"]["price_points"]``.

Validation works on parsed objects, which have no positions. When it fails, the offending
value's path (object keys and array indexes) is looked up again in the text, so an error can
name its line. Only the error path pays for it. The walk follows the path and steps over
everything else with the json module's C scanner; a flat array (numbers only, the usual bulk of
a model file) is stepped over in one ``str.find``. Locating a value in a 1 MiB file takes from
about a millisecond to a few tens of milliseconds (the item 14 000 of a list).

The text must already have parsed as JSON (the walk trusts its syntax).
"""
from __future__ import annotations

import json
import re
from json.decoder import scanstring
from json.scanner import make_scanner
from typing import Any, Optional, Sequence, Tuple

__all__ = ["locate", "line_of"]

_WS = re.compile(r"[ \t\n\r]*")
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_COMMA = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")
_scan_once = make_scanner(json.JSONDecoder())


def _flat_end(text: str, index: int) -> int:
    """For the array at ``index``: the index of its ``]`` if it holds only numbers and literals
    (no strings, no containers), else -1."""
    close = text.find("]", index)
    if close > 0 and text.find('"', index, close) < 0 and text.find("[", index + 1, close) < 0 \
            and text.find("{", index, close) < 0:
        return close
    return -1


def _skip(text: str, index: int) -> int:
    """The index just after the value starting at ``index``."""
    if text[index] == "[":
        close = _flat_end(text, index)
        if close > 0:
            return close + 1
    return _scan_once(text, index)[1]


def _member(text: str, index: int, key: str) -> Optional[int]:
    """Start of the value of ``key`` in the object at ``index`` (the last one, as json keeps)."""
    position = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
    if text[position] == "}":
        return None
    found = None
    while True:
        name, position = scanstring(text, position + 1)
        position = _COLON.match(text, position).end()  # type: ignore[union-attr]
        if name == key:
            found = position
        separator = _COMMA.match(text, _skip(text, position))
        if separator is None:
            return found
        position = separator.end()


def _element(text: str, index: int, wanted: int) -> Optional[int]:
    position = _WS.match(text, index + 1).end()  # type: ignore[union-attr]
    if text[position] == "]":
        return None
    close = _flat_end(text, index)
    if close > 0:  # only numbers and literals: elements are separated by the commas
        for _ in range(wanted):
            position = text.find(",", position, close)
            if position < 0:
                return None
            position += 1
        return _WS.match(text, position).end()  # type: ignore[union-attr]
    for _ in range(wanted):
        separator = _COMMA.match(text, _skip(text, position))
        if separator is None:
            return None
        position = separator.end()
    return position


def locate(text: str, path: Sequence[Any]) -> Tuple[Optional[int], bool]:
    """``(index, complete)``: where the value at ``path`` starts, or (``complete`` False) where
    the deepest existing container on the path starts (a missing key: its object). ``(None,
    False)`` when ``text`` is not a JSON document the walk understands."""
    try:
        position = _WS.match(text, 0).end()  # type: ignore[union-attr]
        if position >= len(text):
            return None, False
        for part in path:
            char = text[position]
            if char == "{" and isinstance(part, str):
                found = _member(text, position, part)
            elif char == "[" and isinstance(part, int) and not isinstance(part, bool) and part >= 0:
                found = _element(text, position, part)
            else:
                found = None
            if found is None:
                return position, False
            position = found
        return position, True
    except (IndexError, ValueError, StopIteration):  # not the JSON the caller said it was
        return None, False


def line_of(text: str, path: Optional[Sequence[Any]]) -> Optional[int]:
    """1-based line of the value at ``path`` (or of its nearest existing container)."""
    if path is None:
        return None
    index, _ = locate(text, path)
    if index is None:
        return None
    return text.count("\n", 0, index) + 1
