"""Fault injection for any WSGI app, on a seeded schedule so that runs repeat.

    app = FaultInjector(emulator, rate=0.2, faults=("429", "503", "reset"), seed=7)
    with LocalServer(app) as server: ...

Fault kinds:

* ``"429"``, ``"500"``, ``"502"``, ``"503"``, ``"504"`` – that status (429 and 503 carry
  ``Retry-After: <retry_after>``); the wrapped app is not called.
* ``"reset"`` – the connection is closed before any response; the app is not called.
* ``"reset-after"`` – the app runs (its side effects happen), then the connection is closed
  before the response: what a client sees when a server dies mid-request.
* ``"truncate"`` – the app's response is sent with its full ``Content-Length`` but only
  the first ``truncate_fraction`` of the body, then the connection is closed.

``latency`` seconds (plus up to ``latency_jitter``) are added to every request. ``schedule``
replaces the random draw with an explicit list of kinds (``None`` for "no fault"), consumed
in order and then repeated. ``stats`` counts what was injected.
"""
from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any, Callable, Iterable, List, Optional, Sequence

STATUS_TEXT = {"429": "429 Too Many Requests", "500": "500 Internal Server Error", "502": "502 Bad Gateway",
               "503": "503 Service Unavailable", "504": "504 Gateway Timeout"}
KINDS = tuple(STATUS_TEXT) + ("reset", "reset-after", "truncate")


class FaultInjector:
    """WSGI middleware that fails a chosen share of requests in chosen ways."""

    def __init__(self, app: Callable[..., Iterable[bytes]], *, rate: float = 0.0,
                 faults: Sequence[str] = ("503",), seed: int = 0, latency: float = 0.0,
                 latency_jitter: float = 0.0, retry_after: str = "0", truncate_fraction: float = 0.5,
                 schedule: Optional[Sequence[Optional[str]]] = None,
                 only: Optional[Callable[[dict], bool]] = None) -> None:
        unknown = [f for f in list(faults) + [s for s in (schedule or []) if s] if f not in KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(KINDS)}")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self.app = app
        self.rate = rate
        self.faults = tuple(faults)
        self.latency = latency
        self.latency_jitter = latency_jitter
        self.retry_after = retry_after
        self.truncate_fraction = truncate_fraction
        self.schedule: Optional[List[Optional[str]]] = list(schedule) if schedule is not None else None
        self.only = only
        self.stats: Counter = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._position = 0
        self.enabled = True

    def next_fault(self) -> Optional[str]:
        with self._lock:
            if self.schedule is not None:
                if not self.schedule:
                    return None
                kind = self.schedule[self._position % len(self.schedule)]
                self._position += 1
            elif self._random.random() < self.rate:
                kind = self._random.choice(self.faults)
            else:
                kind = None
            self.stats[kind or "ok"] += 1
            return kind

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.enabled or (self.only is not None and not self.only(environ)):
            return self.app(environ, start_response)
        if self.latency or self.latency_jitter:
            with self._lock:
                extra = self._random.uniform(0, self.latency_jitter) if self.latency_jitter else 0.0
            time.sleep(self.latency + extra)
        kind = self.next_fault()
        if kind is None:
            return self.app(environ, start_response)
        if kind in STATUS_TEXT:
            body = f'{{"detail": "injected {kind}"}}'.encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            if kind in ("429", "503"):
                headers.append(("Retry-After", self.retry_after))
            start_response(STATUS_TEXT[kind], headers)
            return [body]
        abort = environ["harness.abort"]
        if kind == "reset":
            abort()
        if kind == "reset-after":
            result = self.app(environ, lambda *a, **k: (lambda data: None))
            for _ in result:
                pass
            getattr(result, "close", lambda: None)()
            abort()
        return self._truncated(environ, start_response, abort)

    def _truncated(self, environ: dict, start_response: Callable[..., Any], abort: Callable[[], None]) -> Iterable[bytes]:
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(captured["status"], headers)
        cut = max(1, int(len(body) * self.truncate_fraction)) if len(body) > 1 else 0

        def stream() -> Iterable[bytes]:
            yield body[:cut]
            abort()

        return stream()
