"""Checking one upload file (shared by :mod:`rmlab._api.checks` and its helper processes)."""
from __future__ import annotations


def check_file(what: str, kind: str, path: str) -> None:
    """Validate an item file (``what="items"``, ``kind`` = category) or a model file
    (``"model"``, ``kind`` = model kind); raises what the validation raises."""
    if what == "items":
        from ..data.tables import read_items_file
        read_items_file(kind, path)
    elif what == "model":
        from ..data.parametric import load_model_file
        load_model_file(kind, path)
    else:
        raise ValueError(f"unknown check {what!r}")
