"""The case side's test set-up: an FIR as an officer types it, the officers a case needs (investigating officers of
Colaba, the station head of another station, the city's district superintendent), and bearer tokens made now, so
that a test may move the clock by weeks (a token lives 12 hours)."""

from __future__ import annotations

import pytest

from suraksha.core.auth import Principal, Role, ScopeKind
from tests.conftest import add_account, rows_in

# Her details: none of them may appear in any list, page, event or log line (test_identity.py looks).
NAME = "Sunita Pawar"
PHONE = "+91 98200 54321"
PHONE_E164 = "+919820054321"
ADDRESS = "12 Shivaji Nagar Chawl, Colaba"
SECRETS = (NAME, PHONE_E164, "9820054321", "98200 54321", ADDRESS, "Shivaji Nagar Chawl")


def fir_body(station: int, **over) -> dict:
    body = {"station_id": station, "sections": ["BNS 64", "BNS 351"], "occurred_at": "2026-11-21T21:30:00+05:30",
            "place": "Lane behind the Colaba bus depot",
            "victim": {"name": NAME, "phone": PHONE, "address": ADDRESS, "age": 24, "language": "mr"},
            "accused": [{"known": True, "name": "Ramesh Kale", "age": 31, "sex": "male",
                         "description": "neighbour, works at the depot"}, {"known": False}],
            "recorded_by_woman_officer": "PSI Anjali Jadhav",
            "summary": f"{NAME} of {ADDRESS} (phone 98200 54321) reports that the accused forced her into the lane "
                       "and assaulted her; a second man kept watch."}
    return body | over


count = rows_in


CASE_TABLES = ("cases", "case_accused", "case_log", "case_timers", "case_unsealings", "fir_counters", "events")


def counts(container) -> dict[str, int]:
    return {t: count(container, t) for t in CASE_TABLES}


def principal(container, username: str) -> Principal:
    for role in Role:
        for p in container.accounts.with_role(role):
            if p.username == username:
                return p
    raise AssertionError(f"no account {username}")


@pytest.fixture
def bearer(container):
    """Headers with a token made at the clock's now (the `auth` fixture's tokens expire when a test moves weeks on)."""
    def headers(username: str) -> dict[str, str]:
        token, _ = container.accounts.issue_token(principal(container, username))
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def other_station(container, station_id):
    """A Mumbai station that is not Colaba: a zero FIR's station with jurisdiction."""
    return next(s for s in sorted(container.stations.all("mumbai"), key=lambda s: s.name) if s.id != station_id)


@pytest.fixture
def officers(container, station_id, other_station):
    """io_a and io_b (station officers of Colaba), sho_b (the other station's head) and dcp (the city's: the
    district superintendent)."""
    add_account(container, "io_a", Role.STATION_OFFICER, ScopeKind.STATION, str(station_id))
    add_account(container, "io_b", Role.STATION_OFFICER, ScopeKind.STATION, str(station_id))
    add_account(container, "sho_b", Role.STATION_OFFICER, ScopeKind.STATION, str(other_station.id))
    add_account(container, "dcp", Role.STATION_OFFICER, ScopeKind.CITY, "mumbai")
    return {name: principal(container, name) for name in ("io_a", "io_b", "sho_b", "dcp", "officer", "admin")}


@pytest.fixture
def register(http, bearer, station_id):
    """Register an FIR through the API as `officer` (or `by`), answering the case's JSON."""
    def make(by: str = "officer", **over) -> dict:
        r = http.post("/api/v1/firs", json=fir_body(station_id, **over), headers=bearer(by))
        assert r.status_code == 201, r.text
        return r.json()

    return make
