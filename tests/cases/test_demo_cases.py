"""The demo's cases (`suraksha demo`): sixty synthetic FIRs lived through the product's own use cases, so that every
case page, list and figure has something to show; seeded once."""

from __future__ import annotations

from collections import Counter

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.demo.cases import DEMO_CASES, seed_cases
from tests.cases.conftest import count


def test_the_demo_seeds_cases_at_every_stage_once(container, http, bearer):
    seed_cases(container)
    national = Principal(0, "x", Role.ADMIN, ScopeKind.NATIONAL, "")
    cases = container.cases.list_cases(national, status="all")
    assert len(cases) == DEMO_CASES
    statuses = Counter(c["status"] for c in cases)
    assert {"under_investigation", "charge_sheeted", "convicted", "acquitted"} <= set(statuses), statuses
    assert any(c["clock"] == "late" for c in cases)  # the IO's overdue list is not empty
    mine = http.get("/api/v1/firs?mine=true", headers=bearer("officer")).json()["cases"]
    assert mine and all(c["io_username"] == "officer" for c in mine)
    assert count(container, "forensic_requests") >= DEMO_CASES // 2 and count(container, "hearings") > 0
    assert count(container, "outbound_messages") > DEMO_CASES  # her messages, sent on their day
    seed_cases(container)  # again: nothing more
    assert len(container.cases.list_cases(national, status="all")) == DEMO_CASES
    listed = http.get("/api/v1/firs?status=all", headers=bearer("admin")).text
    assert "Demo survivor" not in listed and "+9170004" not in listed
