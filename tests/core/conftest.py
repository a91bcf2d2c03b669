"""Fixtures for the core tests: the demo service on a real local server."""
from __future__ import annotations

from typing import Iterator, List

import pytest

from archfx_cloud.api.client import RestClient
from archfx_cloud.api.retry import RetryPolicy
from archfx_cloud.testing.demo import DemoService


class SleepRecorder:
    """Stands in for time.sleep in retry policies: records waits, sleeps only a token amount."""

    def __init__(self) -> None:
        self.waits: List[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def demo() -> Iterator[DemoService]:
    with DemoService() as service:
        yield service


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(demo: DemoService, sleeps: SleepRecorder) -> Iterator[RestClient]:
    with RestClient(demo.url, retries=RetryPolicy(total=3, sleep=sleeps)) as c:
        yield c
