"""``UNSET``: tells "not given" (use the client's default) from ``None`` (explicitly disabled)."""
from __future__ import annotations

from typing import Any, Optional


class _Unset:
    _instance: Optional["_Unset"] = None

    def __new__(cls) -> "_Unset":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()
