"""The tamper-evident audit trail: every search and view is recorded; a changed entry is found."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, update
from typer.testing import CliRunner

from suraksha.entrypoints.registry_cli import app as registry_cli
from suraksha.registry import store
from suraksha.registry.audit import Actor
from suraksha.registry.rules import check_purpose
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator


def search(http, auth, user="registry", **params):
    return http.get("/api/v1/registry/search", headers=auth(user),
                    params={"name": "Ramesh Yadav", "purpose": "investigation"} | params)


def test_every_search_and_view_is_recorded_with_its_purpose(container, http, auth):
    container.registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    found = search(http, auth, purpose="other", purpose_text="verifying a tip-off").json()["results"]
    reg_id = found[0]["registration_id"]
    assert http.get(f"/api/v1/registry/registrations/{reg_id}", headers=auth("registry"),
                    params={"purpose": "staff_verification"}).status_code == 200
    entries = http.get("/api/v1/registry/audit", headers=auth("supervisor")).json()
    actions = [(e["actor"], e["action"], e["purpose"]) for e in entries["entries"]]
    assert actions[:2] == [("registry", "view", "staff_verification"), ("registry", "search", "other")]
    assert entries["entries"][1]["purpose_text"] == "verifying a tip-off"
    assert entries["chain"] == {"entries": 3, "intact": True, "first_bad_seq": None}


def test_a_tampered_entry_is_detected_by_verify_and_the_command(container, http, auth, test_settings):
    for name in ("Ramesh Yadav", "Sunil Patil", "Anil Kumar"):
        assert search(http, auth, name=name).status_code == 200
    assert container.registry.audit.verify() == (3, None)
    with container.engine.begin() as conn:
        conn.execute(update(store.audit).where(store.audit.c.seq == 2).values(actor="someone-else"))
    assert container.registry.audit.verify() == (3, 2)
    env = {"SURAKSHA_DATABASE_URL": test_settings.database_url,
           "SURAKSHA_SECRET_KEY": test_settings.secret_key.get_secret_value(),
           "SURAKSHA_AUDIT_CHECKPOINT_PATH": test_settings.audit_checkpoint_path}
    result = CliRunner().invoke(registry_cli, ["verify-audit"], env=env)
    assert result.exit_code == 1
    assert "broken at entry 2" in result.output


def test_a_deleted_entry_breaks_the_chain(container, http, auth):
    for name in ("Ramesh Yadav", "Sunil Patil", "Anil Kumar"):
        search(http, auth, name=name)
    with container.engine.begin() as conn:
        conn.execute(store.audit.delete().where(store.audit.c.seq == 2))
    assert container.registry.audit.verify() == (2, 3)


def test_only_supervisors_review_the_audit_trail(http, auth):
    for user in ("registry", "admin", "dispatcher"):
        r = http.get("/api/v1/registry/audit", headers=auth(user))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role")
    assert http.get("/api/v1/registry/audit").status_code == 401


def test_the_audit_api_filters_by_purpose_time_and_registration(container, http, auth):
    container.registry.import_csv(csv_bytes(RAMESH, SUNIL), operator())
    found = search(http, auth).json()["results"]
    ramesh = next(r["registration_id"] for r in found if r["record_id"] == "MH-0001")
    http.get(f"/api/v1/registry/registrations/{ramesh}", headers=auth("registry"),
             params={"purpose": "staff_verification"})
    search(http, auth, name="Sunil Patil", purpose="other", purpose_text="a tip-off today")

    def seqs(**params) -> list[int]:
        r = http.get("/api/v1/registry/audit", headers=auth("supervisor"), params=params)
        assert r.status_code == 200, r.text
        return [e["seq"] for e in r.json()["entries"]]

    assert seqs() == [4, 3, 2, 1]
    assert seqs(purpose="staff_verification") == [3]
    assert seqs(registration_id=ramesh) == [3, 2]  # the look, and the search that found him
    assert seqs(since="2026-11-22T04:30:00Z", until="2026-11-22T04:30:01Z") == [4, 3, 2, 1]
    assert seqs(since="2026-11-22T10:00:01+05:30") == []  # an offset is honoured
    assert seqs(until="2026-11-22T04:30:00") == []  # no zone: UTC
    assert seqs(after_seq=1, limit=2) == [3, 2] and seqs(before_seq=3) == [2, 1]
    for extreme in ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"):  # the calendar's ends: no 500
        assert http.get("/api/v1/registry/audit", headers=auth("supervisor"),
                        params={"since": extreme, "until": extreme}).status_code == 200


def test_the_supervisors_check_resumes_after_what_it_checked_and_rechecks_the_whole_chain_hourly(container, http,
                                                                                                 auth):
    audit = container.registry.audit

    def chain() -> dict:
        return http.get("/api/v1/registry/audit", headers=auth("supervisor")).json()["chain"]

    for name in ("Ramesh Yadav", "Sunil Patil", "Anil Kumar"):
        search(http, auth, name=name)
    assert chain() == {"entries": 3, "intact": True, "first_bad_seq": None}  # the whole chain, once
    search(http, auth, name="Mohan Lal")
    assert chain() == {"entries": 4, "intact": True, "first_bad_seq": None}  # only entry 4 recomputed
    with container.engine.begin() as conn:  # an entry removed from the middle: found at once
        conn.execute(store.audit.delete().where(store.audit.c.seq == 2))
    assert chain()["first_bad_seq"] == 3
    container.registry.import_csv(csv_bytes(RAMESH), operator())  # a fresh trail: the test's own
    with container.engine.begin() as conn:
        conn.execute(store.audit.delete())
    for name in ("Ramesh Yadav", "Sunil Patil"):
        search(http, auth, name=name)
    assert chain()["intact"]
    with container.engine.begin() as conn:  # an old entry changed in place, its hashes kept
        conn.execute(update(store.audit).where(store.audit.c.seq == 1).values(actor="someone-else"))
    assert audit.verify() == (2, 1)  # the command finds it at once
    assert chain()["intact"]  # the page resumes after entry 2 (hash unchanged): the next whole check finds it
    container.clock._now += timedelta(minutes=61)
    audit.keep_checked()  # the timer step's hourly whole check
    assert chain()["first_bad_seq"] == 1


def test_concurrent_entries_share_one_commit_and_keep_the_chain_whole(container):
    """Group commit: entries queued while another writer holds the lock are written together, in one transaction,
    each caller getting its own sequence number; the chain stays intact."""
    trail = container.registry.audit
    commits: list[threading.Thread] = []  # the committing threads: the server's own background work commits too
    listen = lambda conn: commits.append(threading.current_thread())  # noqa: E731
    event.listen(container.engine, "commit", listen)
    seqs: list[int] = []
    try:
        with trail._lock:  # a writer is busy: these eight queue up behind it
            threads = [threading.Thread(target=lambda k=k: seqs.append(
                trail.record(Actor("registry", "registry_officer"), "search", {"query": {"name": f"n{k}"}},
                             check_purpose("investigation")))) for k in range(8)]
            for t in threads:
                t.start()
            deadline = time.monotonic() + 10
            while len(trail._queue) < 8 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert len(trail._queue) == 8
        for t in threads:
            t.join(10)
    finally:
        event.remove(container.engine, "commit", listen)
    assert sorted(seqs) == list(range(1, 9))
    assert len([t for t in commits if t in threads]) == 1  # one of the eight wrote them all, in one transaction
    assert trail.verify() == (8, None)
    with pytest.raises(TypeError):
        trail.record(Actor("registry", "registry_officer"), "search", {"query": {(1, 2): "not JSON"}})
    assert trail.record(Actor("registry", "registry_officer"), "search", {"query": {}}) == 9
