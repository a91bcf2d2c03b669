"""The ArchFX leg of the tour runs end to end and reports what the emulator did."""
from __future__ import annotations

from typing import List

from archfx_cloud.testing import tour


def test_archfx_tour_leg() -> None:
    lines: List[str] = []
    tour.run(lines.append)
    text = "\n".join(lines)
    assert "logged in as user" in text
    assert "created org tour-widgets, site ps--0000-0001, device d--0000-0000-0000-0001" in text
    assert "uploaded it twice: 10,000 readings stored, then 0 (duplicates skipped); the cloud holds 10,000" in text
    assert "10,000 readings in 10 pages of 1,000" in text
    assert "walks the same 10,000 readings" in text
    assert lines[-1] == "logged out; Authorization header present: False"
