"""Persistence API: named snapshots of the workgroup's scenarios (also part of ``API``)."""
from __future__ import annotations

from typing import Any

from .. import errors
from .._api.base import APIBaseInternal


def _name(snapshot_name: str) -> str:
    if not isinstance(snapshot_name, str) or not snapshot_name.strip():
        raise errors.ValueError("snapshot_name must be a non-empty string")
    return snapshot_name


class APIPersistence(APIBaseInternal):
    """Save, restore, delete and list snapshots."""

    async def save_snapshot(self, snapshot_name: str) -> None:
        await self._submit_call("api-snapshot-save", snapshot_name=_name(snapshot_name))

    async def restore_snapshot(self, snapshot_name: str) -> None:
        await self._submit_call("api-snapshot-restore", snapshot_name=_name(snapshot_name))

    async def delete_snapshot(self, snapshot_name: str) -> None:
        """Works only if the server advertises ``api-snapshot-delete``."""
        await self._submit_call("api-snapshot-delete", snapshot_name=_name(snapshot_name))

    async def list_snapshots(self) -> Any:
        return await self._submit_call("api-snapshot-list")
