"""Signed checkpoints of the audit chain's head, kept apart from the database: taken once per period however many
processes run the step; `suraksha registry verify-audit` finds the newest entries deleted, a rewritten trail, and a
checkpoint file that was altered or cut."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update
from typer.testing import CliRunner

from suraksha.entrypoints.registry_cli import app as registry_cli
from suraksha.registry import store
from suraksha.registry.audit import AuditTrail
from suraksha.registry.checkpoints import AuditCheckpoints, Checkpoint, due_slot, sign
from tests.registry.registry_data import operator

PERIOD = timedelta(minutes=5)  # the default SURAKSHA_AUDIT_CHECKPOINT_MINUTES


@pytest.fixture
def checkpoints(container):
    """The test server's checkpoint file (the baseline reset removes it before each test)."""
    cp = container.registry.audit.checkpoints
    assert cp.enabled and not cp.path.exists()
    return cp


def write(container, n: int = 3) -> None:
    """n audit entries, as searches would leave them."""
    for i in range(n):
        container.registry.audit.record(operator(), "search", {"query": {"name": f"person {i}"}, "results": []})


def lines(cp) -> list[dict]:
    return [json.loads(x) for x in cp.path.read_text().splitlines()] if cp.path.exists() else []


def verify(test_settings, cp):
    env = {"SURAKSHA_DATABASE_URL": test_settings.database_url,
           "SURAKSHA_SECRET_KEY": test_settings.secret_key.get_secret_value(),
           "SURAKSHA_AUDIT_CHECKPOINT_PATH": str(cp.path)}
    result = CliRunner().invoke(registry_cli, ["verify-audit"], env=env)
    result.said = " ".join(result.output.split())  # the console wraps long lines
    return result


def test_the_slot_is_the_start_of_the_period():
    at = datetime(2026, 11, 22, 4, 33, 59, tzinfo=UTC)
    assert due_slot(at, 5) == datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
    assert due_slot(at + timedelta(minutes=2), 5) == datetime(2026, 11, 22, 4, 35, tzinfo=UTC)
    assert due_slot(at, 60) == datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def test_a_line_is_signed_over_every_field():
    cp = AuditCheckpoints("/nonexistent/x.jsonl", "a checkpoint key of some length", "")
    line = json.loads(cp.line(Checkpoint(7, "ab" * 32, "2026-11-22T04:30:00+00:00", "2026-11-22T04:30:00+00:00")))
    body = {k: v for k, v in line.items() if k != "sig"}
    assert line["sig"] == sign(b"a checkpoint key of some length", body)
    for field, other in (("seq", 6), ("hash", "cd" * 32), ("at", "2026-11-22T04:31:00+00:00")):
        assert sign(b"a checkpoint key of some length", body | {field: other}) != line["sig"], field


def test_one_checkpoint_per_period_however_often_the_step_runs(container, checkpoints):
    audit = container.registry.audit
    assert container.registry.checkpoint_audit() == 0  # an empty trail: nothing to sign
    write(container)
    assert container.registry.checkpoint_audit() == 1
    assert container.registry.checkpoint_audit() == 0  # the same period: done already
    (first,) = lines(checkpoints)
    head = audit.entries(limit=1)[0]
    assert (first["seq"], first["hash"], head["action"]) == (4, head["hash"], "checkpoint")
    assert first["slot"] == due_slot(container.clock.now(), 5).isoformat()
    container.clock._now += timedelta(minutes=4)
    write(container, 1)
    assert container.registry.checkpoint_audit() == 0  # the trail grew, but this period has its checkpoint
    container.clock._now += timedelta(minutes=1)
    assert container.registry.checkpoint_audit() == 1  # the next period: the entry of minute 4 is covered now
    assert container.registry.checkpoint_audit() == 0

    container.clock._now += PERIOD
    assert container.registry.checkpoint_audit() == 0  # a new period, but nothing written since: still covered
    write(container, 2)
    assert container.registry.checkpoint_audit() == 1
    assert container.registry.checkpoint_audit() == 0
    assert [c["seq"] for c in lines(checkpoints)] == [4, 6, 9]
    assert audit.report().intact and audit.report().checkpoints.verified == 3


def test_two_processes_take_each_periods_checkpoint_once(container, checkpoints):
    """Two audit trails on the same database, as two server processes have (each its own lock)."""
    write(container)
    trails = [AuditTrail(container.engine, container.clock, checkpoints) for _ in range(2)]
    for period in range(3):
        container.clock._now += PERIOD
        write(container)
        start = threading.Barrier(2)
        taken: list = []

        def step(trail, start=start, taken=taken):
            start.wait()
            taken.append(trail.take_checkpoint())

        threads = [threading.Thread(target=step, args=(t,)) for t in trails]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(c is not None for c in taken) == 1, (period, taken)
    assert len(lines(checkpoints)) == 3
    assert container.registry.audit.report().checkpoints.problems == []


def test_verify_audit_detects_the_newest_entries_deleted(container, checkpoints, test_settings):
    write(container)
    container.registry.checkpoint_audit()
    write(container, 2)  # after the checkpoint: seq 5 and 6
    result = verify(test_settings, checkpoints)
    assert result.exit_code == 0, result.output
    assert "audit chain intact" in result.said and "covers entries up to 4 (2 written since)" in result.said

    with container.engine.begin() as conn:  # an insider removes the last three entries: the chain is still valid
        conn.execute(delete(store.audit).where(store.audit.c.seq >= 4))
    assert container.registry.audit.verify() == (3, None)
    result = verify(test_settings, checkpoints)
    assert result.exit_code == 1, result.output
    assert "audit_cut_short" in result.said and "the trail now ends at entry 3" in result.said
    report = container.registry.audit.report()
    assert not report.intact and [p.code for p in report.checkpoints.problems] == ["audit_cut_short"]


def test_verify_audit_detects_a_rewritten_trail(container, checkpoints, test_settings):
    write(container)
    container.registry.checkpoint_audit()
    with container.engine.begin() as conn:  # remove the checkpoint and the search before it, write others instead
        conn.execute(delete(store.audit).where(store.audit.c.seq >= 3))
    write(container, 3)  # a whole, valid chain of 5 entries: the hash chain alone sees nothing
    assert container.registry.audit.verify() == (5, None)
    result = verify(test_settings, checkpoints)
    assert result.exit_code == 1 and "checkpoint_mismatch" in result.said, result.output


def test_verify_audit_reports_a_tampered_checkpoint_file(container, checkpoints, test_settings):
    write(container)
    container.registry.checkpoint_audit()
    container.clock._now += PERIOD
    write(container)
    container.registry.checkpoint_audit()
    good = checkpoints.path.read_text()
    first, second = good.splitlines()
    forged = json.loads(second) | {"seq": 3}  # moved back to hide what came after: the signature no longer holds
    checkpoints.path.write_text(first + "\n" + json.dumps(forged) + "\n")
    result = verify(test_settings, checkpoints)
    assert result.exit_code == 1 and "checkpoint_signature_bad" in result.said and "line 2" in result.said

    checkpoints.path.write_text(good.replace(first + "\n", ""))  # the older line removed
    result = verify(test_settings, checkpoints)
    assert result.exit_code == 1 and "checkpoint_lines_removed" in result.said, result.output

    other_key = AuditCheckpoints(str(checkpoints.path), "someone else's key, long enough", "")
    checkpoints.path.write_text("".join(other_key.line(Checkpoint(**{k: v for k, v in json.loads(x).items()
                                                                     if k != "sig"})) + "\n"
                                        for x in good.splitlines()))
    result = verify(test_settings, checkpoints)
    assert result.exit_code == 1 and result.said.count("checkpoint_signature_bad") == 2, result.output

    checkpoints.path.write_text(good)
    assert verify(test_settings, checkpoints).exit_code == 0


def test_a_checkpoint_whose_line_was_never_written_is_a_warning_not_tampering(container, checkpoints, test_settings):
    write(container)
    container.registry.checkpoint_audit()
    checkpoints.path.unlink()  # as if the process had stopped between the commit and the line
    result = verify(test_settings, checkpoints)
    assert result.exit_code == 0 and "checkpoint_line_missing" in result.said, result.output


def test_the_supervisors_api_and_page_show_the_checkpoints(container, checkpoints, http, auth):
    write(container)
    container.registry.checkpoint_audit()
    status = http.get("/api/v1/registry/audit", headers=auth("supervisor")).json()["checkpoints"]
    assert (status["enabled"], status["verified"], status["newest_seq"], status["problems"]) == (True, 1, 4, [])
    with container.engine.begin() as conn:
        conn.execute(update(store.audit).where(store.audit.c.seq == 4).values(action="search"))
        conn.execute(delete(store.audit).where(store.audit.c.seq == 4))
    status = http.get("/api/v1/registry/audit", headers=auth("supervisor")).json()["checkpoints"]
    assert [p["code"] for p in status["problems"]] == ["audit_cut_short"]
