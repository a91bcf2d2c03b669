"""Local checks of upload files: off the event loop, once per unchanged file, in helper processes
when several large files are checked at once."""
from __future__ import annotations

import asyncio
import json
import os

import pytest

from rmlab import API, errors
from rmlab._api import checks
from rmlab.testing import SAMPLES


def _big_optimizer(path, seed: int, bad: bool = False) -> None:
    """A valid optimizer model padded past PROCESS_MIN_BYTES (the bad one has price_points 0)."""
    model = json.loads((SAMPLES / "pricing_optimizer.sample.json").read_text())
    model["curve"] = [(seed * 7919 + i) % 1000 / 997 for i in range(40_000)]
    if bad:
        model["operator"]["optimizer"]["price_points"] = 0
    path.write_text(json.dumps(model, indent=1))
    assert path.stat().st_size > checks.PROCESS_MIN_BYTES


def test_the_same_new_file_uploaded_together_is_checked_once(make_emulator, run, tmp_path) -> None:
    emu = make_emulator(scenarios=8)
    path = tmp_path / "optimizer.json"
    _big_optimizer(path, 1)
    before = checks.CHECKED_FILES.parsed

    async def main():
        async with API(**emu.credentials) as api:
            await asyncio.gather(*(api.upload_pricing_optimizer_model(s, path) for s in range(8)))
            await api.upload_pricing_optimizer_model(0, path)  # unchanged: not checked again
            path.write_text(path.read_text().replace('"price_points": 30', '"price_points": 31'))
            await api.upload_pricing_optimizer_model(1, path)  # changed: checked again
            return await api.fetch_pricing_optimizer_model(1, "optimizer.json")

    stored = run(main())
    assert checks.CHECKED_FILES.parsed - before == 2
    assert emu.app.stats["api-data-pmodel-post-file"] == 10
    assert stored["operator"]["optimizer"]["price_points"] == 31


def test_a_changed_file_that_became_bad_is_refused(make_emulator, run, tmp_path) -> None:
    emu = make_emulator()
    path = tmp_path / "range.json"
    path.write_text((SAMPLES / "pricing_range.sample.json").read_text())

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_pricing_range_model(0, path)
            path.write_text('{"granularity": 10, "min_fare": 40,\n "max_fare": -1, "lowest_tag": "Q"}')
            with pytest.raises(errors.DataValidationError, match="range.json, line 2, field 'max_fare'"):
                await api.upload_pricing_range_model(0, path)

    run(main())
    assert emu.app.stats["api-data-pmodel-post-file"] == 1


@pytest.fixture
def fresh_checks(monkeypatch):
    made = []

    def make(processes: str):
        monkeypatch.setenv("RMLAB_CHECK_PROCESSES", processes)
        instance = checks.CheckedFiles()
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.close()


def test_several_large_files_are_checked_in_helper_processes(fresh_checks, run, tmp_path) -> None:
    checked = fresh_checks("2")
    paths = []
    for i in range(5):
        path = tmp_path / f"model-{i}.json"
        _big_optimizer(path, i, bad=(i == 3))
        paths.append(path)

    async def main():
        return await asyncio.gather(*(checked.check("model", "pricing_optimizer", str(p)) for p in paths),
                                    return_exceptions=True)

    outcomes = run(main())
    assert [o is None for o in outcomes] == [True, True, True, False, True]
    bad = outcomes[3]
    assert isinstance(bad, errors.DataValidationError)  # rebuilt from the helper's answer
    text = paths[3].read_text()
    assert bad.line == next(n for n, line in enumerate(text.splitlines(), 1) if '"price_points": 0' in line)
    assert str(bad).startswith(f"model-3.json, line {bad.line}, field 'operator.optimizer.price_points'")
    assert bad.__cause__ is None  # no helper traceback chained on
    workers = checked._workers
    assert workers is not None and workers.started == 2  # both helpers took part
    assert all(w.proc.pid != os.getpid() and w.proc.poll() is None for w in workers._all)
    assert checked.parsed == 5

    async def again():  # passed files are remembered; the bad one is checked again
        return await asyncio.gather(*(checked.check("model", "pricing_optimizer", str(p)) for p in paths),
                                    return_exceptions=True)

    assert [o is None for o in run(again())] == [True, True, True, False, True]
    assert checked.parsed == 6


def test_helper_processes_can_be_turned_off(fresh_checks, run, tmp_path) -> None:
    checked = fresh_checks("0")
    paths = []
    for i in range(3):
        path = tmp_path / f"m{i}.json"
        _big_optimizer(path, i)
        paths.append(path)

    async def main():
        await asyncio.gather(*(checked.check("model", "pricing_optimizer", str(p)) for p in paths))

    run(main())
    assert checked._workers is None and checked.parsed == 3


def test_a_helper_that_dies_is_replaced(fresh_checks, run, tmp_path) -> None:
    checked = fresh_checks("2")
    paths = []
    for i in range(6):
        path = tmp_path / f"m{i}.json"
        _big_optimizer(path, i, bad=(i == 5))
        paths.append(path)

    async def batch(selected):
        return await asyncio.gather(*(checked.check("model", "pricing_optimizer", str(p)) for p in selected),
                                    return_exceptions=True)

    assert run(batch(paths[:3])) == [None, None, None]
    for worker in checked._workers._all:
        worker.proc.kill()
        worker.proc.wait()
    outcomes = run(batch(paths[3:]))
    assert outcomes[:2] == [None, None] and isinstance(outcomes[2], errors.DataValidationError)
    assert outcomes[2].line is not None


def test_small_files_and_item_files_are_checked_in_threads(fresh_checks, run, tmp_path) -> None:
    checked = fresh_checks("2")
    bad_csv = tmp_path / "table.aircraft.csv"
    bad_csv.write_text("Model,Seat capacity\nA320,174\nA321,lots\n")

    async def main():
        return await asyncio.gather(
            checked.check("items", "schedule", str(SAMPLES / "table.schedule.csv")),
            checked.check("items", "aircraft", str(bad_csv)),
            checked.check("model", "pricing_range", str(SAMPLES / "pricing_range.sample.json")),
            checked.check("items", "city", str(tmp_path / "missing.csv")),
            return_exceptions=True)

    schedule, aircraft, model, missing = run(main())
    assert schedule is None and model is None
    assert isinstance(aircraft, errors.DataValidationError) and (aircraft.line, aircraft.field) == (3, "Seat capacity")
    assert isinstance(missing, FileNotFoundError)
    assert checked._workers is None  # nothing large enough for a helper


def test_the_helper_process_protocol(tmp_path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "range.json"
    bad.write_text('{"granularity": 10,\n "min_fare": 40, "max_fare": "x", "lowest_tag": "Q"}')
    requests_ = [{"what": "model", "kind": "pricing_range", "path": str(SAMPLES / "pricing_range.sample.json")},
                 {"what": "model", "kind": "pricing_range", "path": str(bad)},
                 {"what": "items", "kind": "city", "path": str(tmp_path / "none.csv")},
                 {"what": "nonsense", "kind": "x", "path": "y"}]
    proc = subprocess.run([sys.executable, "-m", "rmlab._api.checkworker"], capture_output=True, timeout=60,
                          input="".join(json.dumps(r) + "\n" for r in requests_).encode())
    replies = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 0 and replies[0] == {"ok": True}
    assert replies[1]["error"] == "DataValidationError" and replies[1]["line"] == 2
    assert replies[1]["field"] == "max_fare" and replies[1]["path"] == ["max_fare"]
    assert replies[2]["error"] == "FileNotFoundError"
    assert replies[3] == {"error": "other", "message": "ValueError: unknown check 'nonsense'"}


def test_the_event_loop_does_no_file_system_calls_for_an_upload(make_emulator, run, tmp_path, monkeypatch) -> None:
    import threading

    emu = make_emulator()
    path = tmp_path / "range.json"
    path.write_text((SAMPLES / "pricing_range.sample.json").read_text())
    calls = []
    real_stat, real_open = os.stat, open

    def stat(target, *args, **kwargs):
        if str(target) == str(path):
            calls.append(("stat", threading.current_thread() is threading.main_thread()))
        return real_stat(target, *args, **kwargs)

    def opener(target, *args, **kwargs):
        if str(target) == str(path):
            calls.append(("open", threading.current_thread() is threading.main_thread()))
        return real_open(target, *args, **kwargs)

    async def main():
        async with API(**emu.credentials) as api:
            await api.upload_pricing_range_model(0, path)  # first time: checked, then sent
            monkeypatch.setattr(os, "stat", stat)
            monkeypatch.setattr("builtins.open", opener)
            await asyncio.gather(*(api.upload_pricing_range_model(s, path) for s in range(2)))
            monkeypatch.undo()

    run(main())
    assert [kind for kind, _ in calls] == ["open", "open"]  # opened to be sent, nothing else
    assert not any(on_loop for _, on_loop in calls)
    assert emu.app.stats["api-data-pmodel-post-file"] == 3
