"""Leases (issue 13, point 3): of several processes one holds a lease at a time, renews it while it lives, and
another takes it over once it has expired (or at once when it was given up); the outbox relay relays only while
its process holds the relay's lease. On SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from suraksha.adapters.leases import Lease, leases
from suraksha.adapters.outbox import OutboxRelay, events_table, record
from suraksha.core.clock import FixedClock
from suraksha.core.events import InProcessBus
from suraksha.incidents.events import IncidentNoted
from tests.conftest import at_once, relay_taken_from_the_server

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LENGTH = timedelta(seconds=10)


def two_nodes(engine, clock):
    return Lease(engine, clock, "probe", "node-a", LENGTH), Lease(engine, clock, "probe", "node-b", LENGTH)


def test_one_process_holds_a_lease_and_another_takes_it_over_once_it_expires(container):
    clock = FixedClock(T0)
    a, b = two_nodes(container.engine, clock)
    assert a.held() and not b.held()
    clock.advance(seconds=4)  # a renews after a third of its length
    assert a.held() and not b.held()
    clock.advance(seconds=9)  # 13 s after it was taken: renewed at 4 s until 14 s, now renewed until 23 s
    assert a.held() and not b.held()
    with container.engine.connect() as conn:
        assert conn.execute(select(leases.c.holder, leases.c.expires_at).where(leases.c.name == "probe")).one() \
            == ("node-a", T0 + timedelta(seconds=23))
    # a dies (stops asking): b takes over once a's lease has expired, not before
    dead_at = clock.now()
    clock.advance(seconds=9)
    assert not b.held()
    clock._now = dead_at + LENGTH + timedelta(seconds=1)
    assert b.held()
    # a's process comes back (paused, not dead): it finds the lease taken and stops acting at its own expiry
    assert not a.held()


def test_a_lease_given_up_is_taken_at_once(container):
    clock = FixedClock(T0)
    a, b = two_nodes(container.engine, clock)
    assert a.held() and not b.held()
    a.release()
    clock.advance(seconds=1)  # b asks again a tenth of the length after it was refused
    assert b.held()
    assert not a.held()


def expiry(engine, name: str = "probe") -> datetime:
    with engine.connect() as conn:
        return conn.execute(select(leases.c.expires_at).where(leases.c.name == name)).scalar_one()


def test_a_kept_lease_is_renewed_while_the_work_is_stuck_in_one_long_step(container):
    """The saturated node: its relay step runs for longer than the lease. Renewed only at each step, the lease would
    lapse and another node would relay beside it; the keeper's thread renews it meanwhile."""
    clock = FixedClock(T0)
    a, b = two_nodes(container.engine, clock)
    unkept_a, unkept_b = (Lease(container.engine, clock, "unkept", name, LENGTH) for name in ("node-a", "node-b"))
    assert unkept_a.held() and a.held()  # each at the start of its step, which then runs for a while
    keeper = a.keep()
    try:
        for _ in range(6):  # 30 s of one step
            clock.advance(seconds=5)
            deadline = time.monotonic() + 10
            while expiry(container.engine) <= clock.now() + timedelta(seconds=4) and time.monotonic() < deadline:
                time.sleep(0.01)  # the keeper's next ask (every tenth of the lease's length, in real time)
            assert expiry(container.engine) > clock.now() + timedelta(seconds=4)
            assert not b.held()
        assert a.held()
        assert unkept_b.held()  # the lease renewed only by the steps lapsed: another node took it
    finally:
        keeper.stop()
    clock.advance(seconds=11)  # the keeper stopped (the node died): the lease lapses and is taken over
    assert b.held() and not a.held()


def test_of_processes_asking_at_the_same_moment_exactly_one_gets_the_lease(container):
    clock = FixedClock(T0)
    nodes = [Lease(container.engine, clock, "contested", f"node-{i}", LENGTH) for i in range(4)]
    got = at_once(nodes, lambda lease: lease.held())
    assert sorted(got) == [False, False, False, True]
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(leases).where(leases.c.name == "contested")).scalar_one() == 1


def test_the_outbox_relay_relays_only_while_its_process_holds_the_lease(container):
    clock = FixedClock(T0)
    relays = {}
    seen: dict[str, list] = {"a": [], "b": []}
    for node in ("a", "b"):
        bus = InProcessBus()
        bus.on("*", seen[node].append)
        relays[node] = OutboxRelay(container.engine, bus, clock,
                                   lease=Lease(container.engine, clock, "outbox-relay", f"node-{node}", LENGTH))
    with relay_taken_from_the_server(container, relays["a"].lease):
        with container.engine.begin() as conn:
            record(conn, IncidentNoted(tracking="ABCD-EFGH", station_id=None, city="mumbai", state="MH", by="officer"),
                   T0)
        assert relays["b"].relay_once() == 0  # not its turn: the event waits for the holder
        time.sleep(0.5)
        with container.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(events_table)
                                .where(events_table.c.published_at.is_(None))).scalar_one() == 1
        assert relays["a"].relay_once() == 1
        assert [e.type for e in seen["a"]] == ["IncidentNoted"] and seen["b"] == []
