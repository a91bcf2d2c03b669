"""The OSCAR face of the shared request pipeline.

Only two things differ from the core's defaults: errors become :mod:`oscar_python.exceptions`
classes (which are also ``requests.HTTPError``, as upstream's ``raise_for_status`` raised), and
a caller may ask for an unchecked response (upstream's ``make_request(..., handle=False)``).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.codecs import decode_leniently
from archfx_cloud.api.retry import RETRY_STATUSES, RetryPolicy

from .exceptions import to_oscar_error

#: Upstream retried a PUT answered with 500 (three attempts, 0.5 s then 1 s apart).
PUT_RETRY = RetryPolicy(total=2, backoff_factor=0.5, backoff_max=1.0, statuses=frozenset(RETRY_STATUSES | {500}))


class OscarRestClient(RestClient):
    """A :class:`RestClient` raising oscar_python's exceptions."""

    logger_name = "oscar_python"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._local = threading.local()

    @contextmanager
    def unchecked(self) -> Iterator[None]:
        """Within the block, error statuses are returned instead of raised (this thread only)."""
        previous = getattr(self._local, "unchecked", False)
        self._local.unchecked = True
        try:
            yield
        finally:
            self._local.unchecked = previous

    def map_error(self, response: Any, method: str, url: str) -> Optional[BaseException]:
        if self.error_hook is not None:
            error = self.error_hook(response)
            if error is not None:
                return error
        if response.status_code < 400 or getattr(self._local, "unchecked", False):
            return None
        return to_oscar_error(response, decode_leniently(response), method, url)
