"""Correlation ids (pyfirecrest 3.10's ``firecrest.correlation_id``): inside the block every
request of the clients here carries ``X-Correlation-ID``, so the server's logs can tie one logical
operation's requests together. Outside a block nothing is sent (pyfirecrest's v1 client sends
no such header)."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, Optional

__all__ = ["correlation_id", "current_correlation_id", "HEADER"]

HEADER = "X-Correlation-ID"

#: the id of the enclosing :func:`correlation_id` block, if any
current_correlation_id: ContextVar[Optional[str]] = ContextVar("firecrest_correlation_id", default=None)


@contextmanager
def correlation_id(cid: Optional[str] = None) -> Iterator[str]:
    """Send ``cid`` (default: a new UUID4) as ``X-Correlation-ID`` on every request made inside
    the block, in this thread or task; yields the id in use."""
    value = cid if cid is not None else str(uuid.uuid4())
    token = current_correlation_id.set(value)
    try:
        yield value
    finally:
        current_correlation_id.reset(token)
