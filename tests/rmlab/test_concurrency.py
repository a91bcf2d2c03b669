"""Calls awaited together really overlap, bounded by max_concurrency (proved with server-side gates,
not timings: a gate only opens when the expected number of requests is in flight at once)."""
from __future__ import annotations

import asyncio
import json

from rmlab import API
from rmlab.testing import SAMPLES


def _models(tmp_path, count):
    paths = []
    for i in range(count):
        path = tmp_path / f"range-{i}.json"
        path.write_text(json.dumps({"granularity": 10, "min_fare": 40 + i, "max_fare": 300, "lowest_tag": "Q"}))
        paths.append(path)
    return paths


def test_concurrent_uploads_overlap(make_emulator, run, tmp_path) -> None:
    emu = make_emulator()
    emu.app.gate("api-data-pmodel-post-file", 6, timeout=10)
    paths = _models(tmp_path, 6)

    async def main():
        async with API(**emu.credentials, max_concurrency=8) as api:
            await asyncio.gather(*(api.upload_pricing_range_model(0, p) for p in paths))
            return await api.fetch_parametric_models(0)

    models = run(main())
    assert sorted(m.id for m in models) == sorted(p.name for p in paths)
    assert emu.app.max_in_flight["api-data-pmodel-post-file"] == 6


def test_concurrency_is_bounded_by_max_concurrency(make_emulator, run, tmp_path) -> None:
    emu = make_emulator(latency=0.05)
    paths = _models(tmp_path, 6)

    async def main():
        async with API(**emu.credentials, max_concurrency=2) as api:
            await asyncio.gather(*(api.upload_pricing_range_model(0, p) for p in paths))

    run(main())
    assert emu.app.stats["api-data-pmodel-post-file"] == 6
    assert emu.app.max_in_flight["api-data-pmodel-post-file"] <= 2


def test_batch_model_uploads_and_fetch_chunks_overlap(make_emulator, run, upload_network) -> None:
    emu = make_emulator(ids_limit=20)
    emu.app.gate("api-data-flight-get", 4, timeout=10)  # 61 ids in chunks of 20

    async def main():
        async with API(**emu.credentials) as api:
            emu.app.gate("api-data-pmodel-post-file", 3, timeout=10)  # range, behavior, optimizer together
            await api.upload_batch_pricing_models(0, range_models=[SAMPLES / "pricing_range.sample.json"],
                                                  behavior_models=[SAMPLES / "pricing_behavior.sample.json"],
                                                  optimizer_models=[SAMPLES / "pricing_optimizer.sample.json"])
            emu.app.ungate("api-data-pmodel-post-file")
            await upload_network(api, 0)
            ids = await api.fetch_flights_ids(0, citysector_id="Madrid-Geneva")
            return await api.fetch_flights_data_events(0, ids, citysector_id="Madrid-Geneva")

    data = run(main())
    assert len(data) == 61
    assert emu.app.max_in_flight["api-data-flight-get"] == 4


def test_operations_overlap_across_scenarios(make_emulator, run, upload_network) -> None:
    emu = make_emulator(scenarios=3, day_seconds=0.001)

    async def main():
        async with API(**emu.credentials) as api:
            await asyncio.gather(*(upload_network(api, s) for s in range(3)))
            emu.app.gate("api-operation-simulation-trigger", 3, timeout=10)
            return await asyncio.gather(*(api.trigger_simulation(s, progress=False) for s in range(3)))

    results = run(main())
    assert [r[3].past for r in results] == [170, 170, 170]
    assert emu.app.max_in_flight["api-operation-simulation-trigger"] == 3
    assert {r[1].airline for r in results} == {2}
