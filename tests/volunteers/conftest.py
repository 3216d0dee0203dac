"""What the volunteers' tests share: verified volunteers placed where a test needs them, and an SOS beside them."""

from __future__ import annotations

import pytest

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.volunteers.model import Application
from tests.conftest import TEST_PASSWORD, rows_in

ADMIN = Principal(0, "tests-admin", Role.ADMIN, ScopeKind.NATIONAL, "")
HER_PHONE = "+919820012345"  # `make_incident`'s sender
HER_WORDS = "Help, my husband is beating me with a stick"
HER = (18.921234, 72.829876)  # inside Colaba Police Station's area (the home station)
M_PER_DEG_LAT = 110_574.0


def north(point: tuple[float, float], metres: float) -> tuple[float, float]:
    return point[0] + metres / M_PER_DEG_LAT, point[1]


count = rows_in


@pytest.fixture
def enrol(container):
    """A verified volunteer (password TEST_PASSWORD, so `auth(username)` works), at `at` (their shared position)
    and on duty unless told otherwise; `status` "applied" leaves them unverified, "suspended" suspends them."""
    made = iter(range(1, 1000))

    def make(name: str, at: tuple[float, float] | None = None, *, available: bool = True, status: str = "verified",
             locality: str = "Tajmahal", language: str = "en", phone: str | None = None) -> dict:
        n = next(made)
        phone = phone or f"+9198333{n:05d}"
        container.volunteers.apply(Application(name, phone, language, "mumbai", locality, ("first_aid",)))
        vid = max(v["id"] for v in container.volunteers.in_area(ADMIN) if v["name"] == name)
        if status == "applied":
            return {"id": vid, "name": name, "phone": phone}
        done = container.volunteers.verify(ADMIN, vid, "met at the station; identity card seen",
                                           password=TEST_PASSWORD)
        me = container.accounts.authenticate(done["username"], TEST_PASSWORD)
        if at is not None:
            container.volunteers.set_position(me, at[1], at[0])
        if available:
            container.volunteers.set_available(me, True)
        if status == "suspended":
            container.volunteers.suspend(ADMIN, vid, "did not come to the training")
        return {"id": vid, "name": name, "phone": phone, "username": done["username"], "principal": me}

    return make


@pytest.fixture
def sos(make_incident):
    """An SOS to the home station's women helpline from her place (P1, her location known)."""
    def send(body: str = HER_WORDS, at: tuple[float, float] = HER, **kw) -> str:
        return make_incident(body, lat=at[0], lon=at[1], **kw)

    return send
