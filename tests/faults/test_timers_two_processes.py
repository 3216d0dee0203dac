"""Escalation timers with real server processes (issue 10): a dispatch made while one server ran, that server
killed with `kill -9`, two fresh `suraksha serve` processes on the same database. The crew that never
acknowledged is released once and exactly one next unit is sent; a P1 left without a unit alarms once."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import create_engine, select

from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.dispatch.store import assignments
from suraksha.settings import Settings
from tests.faults.support import (
    SECRET_KEY,
    TRACKING,
    ServeProcess,
    prepare_database,
    signed_sms,
    units_near,
)

ACK_TIMEOUT_S, ALARM_S = 10, 5


def test_timers_survive_a_kill_and_fire_once_with_two_processes(own_database, tmp_path, monkeypatch):
    monkeypatch.setenv("SURAKSHA_ACK_TIMEOUT_SECONDS", str(ACK_TIMEOUT_S))
    monkeypatch.setenv("SURAKSHA_UNASSIGNED_ALARM_SECONDS", str(ALARM_S))
    numbers = prepare_database(own_database)
    first, second = units_near(own_database, numbers[0], ["MUM-NS-901", "MUM-NS-902"], [0.001, 0.01])

    node_a = ServeProcess(own_database, tmp_path / "a.log").start()
    messages = signed_sms([numbers[0]], node_a.url, seed=3)
    trackings = []
    for _ in range(2):  # two P1s: one gets a unit that never answers, the other none
        form, signature = next(messages)
        r = httpx.post(node_a.url + "/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})
        assert r.status_code == 200, r.text
        trackings.append(TRACKING.search(r.text).group(1))
    dispatched, waiting = trackings
    c = build_container(Settings(database_url=own_database, secret_key=SECRET_KEY))
    try:
        c.stations.reload()
        c.dispatch.assign(dispatched, first["id"])  # the dispatch, while node A runs
    finally:
        c.engine.dispose()
    node_a.kill()  # before the timeout: node A never acts on it

    nodes = [ServeProcess(own_database, tmp_path / f"{n}.log").launch() for n in ("b", "c")]  # side by side
    for node in nodes:
        node.ready()
    engine = create_engine(own_database.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        def released() -> list:
            with engine.connect() as conn:
                return conn.execute(select(assignments).order_by(assignments.c.id)).all()

        deadline = time.monotonic() + ACK_TIMEOUT_S + 30
        while time.monotonic() < deadline and len(released()) < 2:
            time.sleep(0.2)
        time.sleep(3)  # both nodes have looked again since: nothing more may happen
        rows = released()
        # the silent crew released, the next unit sent in its place, once: no third assignment, nobody sent twice
        assert [r.unit_id for r in rows] == [first["id"], second["id"]] and rows[0].released_at is not None, \
            nodes[0].tail() + nodes[1].tail()
        with engine.connect() as conn:
            kinds = conn.execute(select(events_table.c.type, events_table.c.payload)
                                 .where(events_table.c.type.in_(["AssignmentReleased", "IncidentUnassignedAlarm"]))
                                 ).all()
        releases = [(p["tracking"], p["unit_id"]) for t, p in kinds if t == "AssignmentReleased"]
        assert releases.count((dispatched, first["id"])) == 1, releases
        # the unit sent in its place does not acknowledge either: on a machine slow enough that its own timeout has
        # passed by now (two processes starting), it is released too, once; otherwise not yet
        second_released = rows[1].released_at is not None
        assert releases.count((dispatched, second["id"])) == int(second_released), releases
        assert len(releases) == 1 + int(second_released), releases
        # the P1 left without a unit alarmed once (the other may alarm too, in the moment between its release
        # and the next unit's dispatch, or before its first dispatch on a slow machine: once per wait)
        alarms = [p["tracking"] for t, p in kinds if t == "IncidentUnassignedAlarm"]
        assert alarms.count(waiting) == 1 and alarms.count(dispatched) <= 2, alarms
    finally:
        engine.dispose()
        for node in nodes:
            node.stop()
