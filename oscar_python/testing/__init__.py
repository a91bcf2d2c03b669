"""Test helpers for oscar_python: a local OSCAR cluster (:class:`OscarEmulator`), a OneData
CDMI emulator, and S3 / WebDAV servers on loopback for the storage providers.

The emulators need ``werkzeug`` (the ``emulators`` extra); they are imported on first use, so
installing the package without it never breaks ``import oscar_python.testing`` or pytest.
"""
from __future__ import annotations

from typing import Any

__all__ = ["OscarEmulator", "OscarApp", "Exchange", "DEFAULT_ISSUER"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        try:
            from . import emulator
        except ImportError as exc:
            raise ImportError(f"oscar_python.testing.{name} needs werkzeug: "
                              f"pip install 'remote-service-clients[emulators]' ({exc})") from exc
        return getattr(emulator, name)
    raise AttributeError(name)
