"""Test helpers for oscar_python: a local OSCAR cluster (:class:`OscarEmulator`), a OneData
CDMI emulator, and S3 / WebDAV servers on loopback for the storage providers."""
from __future__ import annotations

from .emulator import DEFAULT_ISSUER, Exchange, OscarApp, OscarEmulator

__all__ = ["OscarEmulator", "OscarApp", "Exchange", "DEFAULT_ISSUER"]
