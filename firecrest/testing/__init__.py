"""Testing helpers for FirecREST clients: a local emulator of the v1 API (needs ``werkzeug``,
the ``emulators`` extra), pytest fixtures and the tour leg.

    from firecrest.testing import FirecrestEmulator
"""
from __future__ import annotations

from typing import Any

__all__ = ["FirecrestEmulator", "FirecrestApp"]


def __getattr__(name: str) -> Any:  # werkzeug is optional: import the emulator on first use
    if name in __all__:
        from . import emulator
        return getattr(emulator, name)
    raise AttributeError(name)
