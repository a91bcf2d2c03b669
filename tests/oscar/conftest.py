"""Shared helpers for the oscar_python tests (the emulator fixtures come from its pytest plugin)."""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from typing import Any, Callable, Iterator

import pytest

_HERE = os.path.dirname(__file__)
_spec = importlib.util.spec_from_file_location("oscar_tests_spec", os.path.join(_HERE, "oscar_spec.py"))
oscar_spec = importlib.util.module_from_spec(_spec)
sys.modules["oscar_tests_spec"] = oscar_spec
_spec.loader.exec_module(oscar_spec)  # type: ignore[union-attr]

DATA = os.path.join(_HERE, "data")


class FakeClock:
    """The emulator's clock, moved by hand so job states do not depend on timing."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def check_spec() -> Callable[..., Any]:
    """``check_spec(emulator)`` validates every recorded exchange against the Swagger file."""
    def run(emu: Any, strict_response: bool = True) -> Any:
        assert emu.exchanges, "nothing was recorded"
        return oscar_spec.check_all(emu.exchanges, strict_response)
    return run


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.1fs" % timeout)
        time.sleep(step)


@pytest.fixture
def fdl_dir(tmp_path: Any) -> Iterator[Any]:
    """A directory with a cowsay script (relative paths in FDLs resolve here)."""
    (tmp_path / "script.sh").write_text("#!/bin/sh\ncat \"$INPUT_FILE_PATH\" | /usr/games/cowsay\n")
    (tmp_path / "upper.sh").write_text("#!/bin/sh\ntr '[:lower:]' '[:upper:]' < \"$INPUT_FILE_PATH\"  # upper\n")
    yield tmp_path
