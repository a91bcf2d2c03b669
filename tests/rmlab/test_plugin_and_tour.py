"""The pytest fixtures users get, and the tour leg."""
from __future__ import annotations

from rmlab import API
from rmlab.testing import tour


def test_rmlab_credentials_fixture_points_a_bare_api_at_the_emulator(rmlab_credentials, rmlab_emulator, run) -> None:
    async def main():
        async with API() as api:
            await api.upload_airlines(api.scenarios[0], [{"name": "FixtureAir", "type": "legacy"}])
            return [a.id for a in await api.fetch_airlines(0)]

    assert run(main()) == ["FixtureAir"]
    assert rmlab_credentials["app_url"] == rmlab_emulator.url
    assert rmlab_emulator.app.logouts == 1


def test_tour_leg_follows_the_seed_program() -> None:
    lines = []
    tour.run(lines.append)
    text = "\n".join(lines)
    assert "uploaded the sample network from CSV: 2 airlines, 4 airports, 6 schedules -> 170 flights" in text
    assert "state finished, 170 flights departed" in text and "1 refresh, replayed" in text
    assert "removed the data: 0 flights, 0 airlines left" in text
    assert lines[-1] == "logged out (1 logout, 0 sessions left on the server)"
