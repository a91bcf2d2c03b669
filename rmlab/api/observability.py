"""Observability API: activity logs and snapshots of the workgroup."""
from __future__ import annotations

from typing import Any, List

from .. import errors
from .._api.base import APIBaseInternal

LOG_CONTEXTS = ("info", "warning", "error", "critical")


class APIObservability(APIBaseInternal):
    """Read the workgroup's activity."""

    async def fetch_logs(self, context: str, count: int) -> List[str]:
        """The last ``count`` log lines of ``context`` (info, warning, error or critical)."""
        if not isinstance(context, str) or context.lower() not in LOG_CONTEXTS:
            raise errors.ValueError("Expected log context either 'info', 'warning', 'error' or 'critical'")
        if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            raise errors.ValueError("Expected 'count' to be a positive integer")
        return list(await self._submit_call("api-monitor-activity-user", context=context.lower(), count=count))

    async def fetch_snapshots_list(self) -> Any:
        return await self._submit_call("api-snapshot-list")
