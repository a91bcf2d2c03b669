"""Async jobs: pending -> running -> succeeded on the emulator's clock, paging, logs, deletion."""
from __future__ import annotations

from typing import Iterator

import pytest

from oscar_python.client import Client
from oscar_python.exceptions import OscarNotFoundError
from oscar_python.testing import OscarEmulator

SERVICE = {"name": "shout", "image": "alpine", "script": "tr a-z A-Z  # upper"}


@pytest.fixture
def emu(clock) -> Iterator[OscarEmulator]:
    with OscarEmulator(record=True, clock=clock, page_size=3, job_pending=10, job_running=10) as emulator:
        yield emulator


@pytest.fixture
def client(emu: OscarEmulator) -> Client:
    c = Client(emu.options())
    c.create_service(dict(SERVICE))
    return c


def submit(client: Client, clock, count: int, prefix: str = "msg") -> list:
    names = []
    for i in range(count):
        response = client.run_service("shout", input=f"{prefix} {i}", async_call=True)
        assert response.status_code == 201
        names.append(response.job_name)
        clock.advance(1)
    return names


def test_jobs_progress_and_are_listed_across_pages(client: Client, emu: OscarEmulator, clock, check_spec) -> None:
    names = submit(client, clock, 7)
    assert len(set(names)) == 7 and None not in names
    first = client.list_jobs("shout").json()
    assert len(first["jobs"]) == 3 and first["remaining_jobs"] == 4
    second = client.list_jobs("shout", page=first["next_page"]).json()
    assert set(second["jobs"]).isdisjoint(first["jobs"])
    jobs = list(client.iter_jobs("shout"))
    assert [j.name for j in jobs] == names
    assert {j.status for j in jobs} == {"Pending"}
    clock.advance(5)  # the oldest jobs start running
    assert {j.status for j in client.iter_jobs("shout")} == {"Pending", "Running"}
    clock.advance(25)
    jobs = list(client.iter_jobs("shout"))
    assert {j.status for j in jobs} == {"Succeeded"}
    assert all(j["finish_time"] >= j["start_time"] >= j["creation_time"] for j in jobs)
    assert list(client.iter_jobs("shout", max_items=4)) == jobs[:4]
    logs = client.get_job_logs("shout", names[2]).text
    assert "MSG 2" in logs
    assert client.get_latest_job("shout").name == names[-1]
    check_spec(emu)


def test_remove_all_jobs_removes_every_state_unless_asked_otherwise(client: Client, clock) -> None:
    old = submit(client, clock, 2, "old")
    clock.advance(30)  # the first two have succeeded
    fresh = submit(client, clock, 2, "new")
    client.remove_all_jobs("shout", succeeded_only=True)  # upstream's behaviour
    assert [j.name for j in client.iter_jobs("shout")] == fresh
    client.remove_all_jobs("shout")  # ?all=true
    assert list(client.iter_jobs("shout")) == []
    with pytest.raises(OscarNotFoundError):
        client.get_job_logs("shout", old[0])


def test_a_failing_job_ends_failed_with_its_error_in_the_logs(client: Client, clock) -> None:
    client.create_service({"name": "bad", "image": "i", "script": "s",
                           "environment": {"variables": {"EMULATOR_BEHAVIOUR": "fail"}}})
    job = client.run_service("bad", input="x", async_call=True).job_name
    assert client.get_job_logs("bad", job, timestamps=True).text.count("\n") == 1
    clock.advance(30)
    assert [j.status for j in client.iter_jobs("bad")] == ["Failed"]
    assert "ERROR" in client.get_job_logs("bad", job).text
    assert client.remove_job("bad", job).status_code == 204


def test_oidc_users_see_only_their_own_jobs(emu: OscarEmulator, client: Client, clock) -> None:
    client.update_service("shout", dict(SERVICE, visibility="public"))
    alice = Client(emu.oidc_options("alice"))
    bob = Client(emu.oidc_options("bob"))
    mine = alice.run_service("shout", input="a", async_call=True).job_name
    bob.run_service("shout", input="b", async_call=True)
    assert [j.name for j in alice.iter_jobs("shout")] == [mine]
    assert len(list(client.iter_jobs("shout"))) == 2  # the admin sees all
    with pytest.raises(OscarNotFoundError):
        bob.get_job_logs("shout", mine)
