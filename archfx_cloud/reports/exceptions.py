"""Errors raised for bad report data.

``DataError`` is always a :class:`ValueError`. When typedargs is importable it is also a
``typedargs.exceptions.KeyValueException``, as in upstream 0.17 (where typedargs was a
dependency), so ``except KeyValueException`` written against upstream keeps catching it;
typedargs is not a dependency of this package.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

from ..utils.convert import describe

__all__ = ["DataError", "KEY_VALUE_EXCEPTION"]

try:  # optional: upstream's base class, when the caller's environment has typedargs
    from typedargs.exceptions import KeyValueException as _KeyValueException
except Exception:  # not installed (or broken): a plain ValueError then
    _KeyValueException = None

#: typedargs' ``KeyValueException`` when it could be imported (DataError then subclasses it), else None.
KEY_VALUE_EXCEPTION = _KeyValueException

_BASES: Tuple[type, ...] = (ValueError,) if _KeyValueException is None else (_KeyValueException, ValueError)


class DataError(*_BASES):  # type: ignore[misc]
    """The data given to (or found in) a report is invalid.

    It has typedargs' ``KeyValueException`` shape (``.msg``, the keyword ``.params``,
    ``format()``, ``format_msg()``, ``to_dict()``) and is a ``ValueError``, so callers may
    catch either (and ``KeyValueException`` itself when typedargs is installed).
    """

    def __init__(self, msg: str, **params: Any) -> None:
        # Not KeyValueException.__init__: it leaves ``args`` empty; ours keeps the message there.
        Exception.__init__(self, msg)
        self.msg = msg
        self.params: Dict[str, Any] = params

    def format(self, exclude_class: bool = False) -> str:
        """The message, optionally prefixed by the class name, with the parameters appended."""
        text = self.msg if exclude_class else f"{type(self).__name__}: {self.msg}"
        if self.params:
            details = ", ".join(f"{key}={describe(value)}" for key, value in self.params.items())
            text = f"{text} ({details})"
        return text

    def format_msg(self) -> str:
        """The message and parameters without the class name (typedargs' name for it)."""
        return self.format(exclude_class=True)

    def to_dict(self) -> Dict[str, Any]:
        """``{"reason", "type", "params"}``, as typedargs' ``KeyValueException.to_dict()``."""
        return {"reason": self.msg, "type": type(self).__name__, "params": self.params}

    def __str__(self) -> str:
        return self.format(exclude_class=True)
