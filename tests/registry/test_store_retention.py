"""The retention purge: exactly the expired registrations go, tier 3 stays for life, and the purge is audited."""

from __future__ import annotations

from sqlalchemy import select

from suraksha.registry import store
from suraksha.registry.audit import AuditFilters
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator

# Today in the tests is 2026-11-22.
EXPIRED = SUNIL | {"record_id": "MH-OLD", "risk_tier": "1", "registered_on": "2008-02-01",
                   "act": "IPC", "section": "354", "conviction_date": "2007-11-30"}  # due 2023-02-01
RECENT_CONVICTION = SUNIL | {"record_id": "MH-RECENT", "risk_tier": "1", "registered_on": "2008-02-01",
                             "act": "IPC", "section": "376", "conviction_date": "2015-03-01"}  # due 2030-03-01
FOR_LIFE = RAMESH | {"record_id": "MH-LIFE", "risk_tier": "3", "registered_on": "1990-01-01",
                     "conviction_date": "1989-01-01"}
TIER2 = RAMESH | {"record_id": "MH-T2", "risk_tier": "2", "registered_on": "2001-12-01",
                  "conviction_date": "2001-11-23"}  # due 2026-12-01


def record_ids(c) -> set[str]:
    with c.engine.connect() as conn:
        return set(conn.execute(select(store.registrations.c.record_id)).scalars())


def test_purge_removes_exactly_the_expired_registrations_and_is_audited(container):
    registry = container.registry
    registry.import_csv(csv_bytes(EXPIRED, RECENT_CONVICTION, FOR_LIFE, TIER2), operator())
    assert [d["record_id"] for d in registry.purge(operator(), dry_run=True)] == ["MH-OLD"]
    assert len(record_ids(container)) == 4  # a dry run deletes nothing

    purged = registry.purge(operator())
    assert [d["record_id"] for d in purged] == ["MH-OLD"]
    assert record_ids(container) == {"MH-RECENT", "MH-LIFE", "MH-T2"}
    entry = registry.audit.entries(AuditFilters(action="purge"))[0]
    assert [p["record_id"] for p in entry["detail"]["purged"]] == ["MH-OLD"]

    container.clock.advance(days=10)  # 2026-12-02: the tier-2 registration's 25 years are over
    assert [d["record_id"] for d in registry.purge(operator())] == ["MH-T2"]
    container.clock.advance(days=365 * 60)
    assert {d["record_id"] for d in registry.purge(operator())} == {"MH-RECENT"}
    assert record_ids(container) == {"MH-LIFE"}
    assert registry.audit.verify() == (registry.audit.count(), None)


def test_purged_registrations_leave_the_search_index(container, auth, http):
    container.registry.import_csv(csv_bytes(EXPIRED), operator())
    params = {"name": "Sunil Patil", "purpose": "investigation"}
    assert http.get("/api/v1/registry/search", params=params, headers=auth("registry")).json()["results"]
    container.registry.purge(operator())
    assert http.get("/api/v1/registry/search", params=params, headers=auth("registry")).json()["results"] == []
