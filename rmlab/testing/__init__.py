"""Testing support for rmlab: a local RMLab server (emulator), pytest fixtures, sample data, the tour leg.

    from rmlab.testing import RMLabEmulator, SAMPLES

    with RMLabEmulator() as emu:
        async with emu.api() as api:
            await api.upload_batch_core(0, airline_items=SAMPLES / "table.airline.csv")
"""
from pathlib import Path

#: The sample airline network (CSV items, JSON models and filters) used by the tour and tests.
SAMPLES = Path(__file__).resolve().parent / "samples"


def __getattr__(name: str):  # werkzeug (the emulators extra) is imported only when used
    if name in ("RMLabEmulator", "RMLabApp", "BenchmarkApp"):
        from . import emulator
        return getattr(emulator, name)
    raise AttributeError(name)


__all__ = ["RMLabEmulator", "RMLabApp", "BenchmarkApp", "SAMPLES"]
