"""Errors raised for bad report data."""
from __future__ import annotations

from typing import Any, Dict

from ..utils.convert import describe

__all__ = ["DataError"]


class DataError(ValueError):
    """The data given to (or found in) a report is invalid.

    Upstream derived this from typedargs' ``KeyValueException``; it keeps that shape
    (``.msg`` and the keyword ``.params``) without the dependency, and is a ``ValueError``
    too, so callers may catch either.
    """

    def __init__(self, msg: str, **params: Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.params: Dict[str, Any] = params

    def format(self, exclude_class: bool = False) -> str:
        """The message, optionally prefixed by the class name, with the parameters appended."""
        text = self.msg if exclude_class else f"{type(self).__name__}: {self.msg}"
        if self.params:
            details = ", ".join(f"{key}={describe(value)}" for key, value in self.params.items())
            text = f"{text} ({details})"
        return text

    def __str__(self) -> str:
        return self.format(exclude_class=True)
