"""The event bus on NATS JetStream (issue 13, point 2), against the real NATS server on 127.0.0.1:4222 (`make test`
starts it): every node receives every event once and in order, an event published again is dropped by the stream,
and the outbox relay marks events published only once the stream has acknowledged them."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from suraksha.adapters.jetstream import JetStreamBus
from suraksha.adapters.leases import Lease
from suraksha.adapters.outbox import OutboxRelay, events_table, record
from suraksha.core.clock import FixedClock
from suraksha.core.errors import Unavailable
from suraksha.core.events import Event
from suraksha.incidents.events import IncidentNoted
from tests.conftest import NATS_URL, relay_taken_from_the_server

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def nodes(nats_stream):
    """Two nodes' buses on the test's stream, each recording what its local fan-out hands its handlers."""
    buses = []
    for name in ("a", "b"):
        bus = JetStreamBus(NATS_URL, f"node-{name}", nats_stream)
        bus.received = []  # type: ignore[attr-defined]
        bus.on("*", bus.received.append)  # type: ignore[attr-defined]
        bus.start()
        buses.append(bus)
    yield buses
    for bus in buses:
        bus.stop()


def event(i: int) -> Event:
    return Event("IncidentNoted", {"tracking": f"T{i}", "city": "mumbai", "station_id": None, "state": "MH"}, T0, i)


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_every_node_receives_every_event_once_in_order(nodes):
    a, b = nodes
    a.publish_many([event(1), event(2), event(3)])
    a.publish_many([event(2), event(3)])  # a relay that died before marking them: published again
    b.publish_many([event(4)])
    for bus in nodes:
        assert wait_for(lambda bus=bus: len(bus.received) >= 4), bus.received
    time.sleep(0.3)  # nothing more arrives
    for bus in nodes:
        assert [e.id for e in bus.received] == [1, 2, 3, 4]
        assert bus.received[0] == event(1)  # type, payload and time travel intact
        assert bus.delivered == 4


def test_a_slow_cache_handler_does_not_hold_up_the_relays_publishing(nodes):
    """A handler that reads the database (a station's change reloads the lookup) runs beside the bus's loop: while
    it works, the node still publishes (the relay), and the events after it are still handled in order."""
    a, _b = nodes
    working, release = threading.Event(), threading.Event()

    def reload_stations(e: Event) -> None:
        if e.id == 1:
            working.set()
            release.wait(30)

    a.on("IncidentNoted", reload_stations)
    try:
        a.publish_many([event(1)])
        assert working.wait(10)
        a.publish_many([event(2), event(3)])  # would wait on the handler, and fail after PUBLISH_TIMEOUT_S
    finally:
        release.set()
    assert wait_for(lambda: len(a.received) >= 3)
    assert [e.id for e in a.received] == [1, 2, 3]


def test_a_node_that_starts_afresh_receives_only_what_comes_after_it(nodes, nats_stream):
    a, _b = nodes
    a.publish_many([event(1)])
    assert wait_for(lambda: len(a.received) == 1)
    late = JetStreamBus(NATS_URL, "node-late", nats_stream)
    got: list[Event] = []
    late.on("*", got.append)
    late.start()
    try:
        a.publish_many([event(2)])
        assert wait_for(lambda: len(got) >= 1)
        time.sleep(0.2)
        assert [e.id for e in got] == [2]  # its caches were built from the database as it started
    finally:
        late.stop()


def test_the_relay_marks_events_published_only_once_the_stream_has_them(container, nodes):
    a, b = nodes
    clock = FixedClock(T0)
    relay = OutboxRelay(container.engine, a, clock,
                        lease=Lease(container.engine, clock, "outbox-relay", "node-a", timedelta(seconds=10)))

    def unpublished() -> int:
        with container.engine.connect() as conn:
            return len(conn.execute(select(events_table.c.id).where(events_table.c.published_at.is_(None))).all())

    with relay_taken_from_the_server(container, relay.lease):
        with container.engine.begin() as conn:
            record(conn, IncidentNoted(tracking="ABCD-EFGH", station_id=None, city="mumbai", state="MH", by="officer"),
                   T0)
        a.stop()  # the bus is gone: the relay fails and marks nothing
        with pytest.raises(Unavailable) as failed:
            relay.relay_once()
        assert failed.value.code == "bus_unavailable"
        assert unpublished() == 1
        a.start()
        assert relay.relay_once() == 1
        assert unpublished() == 0
    assert wait_for(lambda: [e.type for e in b.received] == ["IncidentNoted"]), b.received
    assert b.received[0].payload["tracking"] == "ABCD-EFGH"


def test_the_units_movement_crosses_the_bus_though_its_outbox_ids_repeat_the_main_outboxs(container, nodes):
    """The positions' store has an outbox of its own (`unit_moves`), whose ids overlap the main outbox's: its relay
    publishes without message ids, so that the stream does not drop a `UnitsMoved` as a duplicate of the main
    outbox's event with the same id."""
    a, b = nodes
    clock = FixedClock(T0)
    lease = Lease(container.engine, clock, "outbox-relay", "node-a", timedelta(seconds=10))
    main = OutboxRelay(container.engine, a, clock, lease=lease)
    moves = OutboxRelay(container.dispatch.positions.store_engine, a, clock, lease=lease,
                        table=container.dispatch.positions.outbox, message_ids=False)
    with relay_taken_from_the_server(container, lease):
        with container.engine.begin() as conn:
            record(conn, IncidentNoted(tracking="ABCD-EFGH", station_id=None, city="mumbai", state="MH", by="officer"),
                   T0)
            same_id = conn.execute(select(events_table.c.id).order_by(events_table.c.id.desc())).scalars().first()
        with container.dispatch.positions.store_engine.begin() as conn:
            conn.execute(container.dispatch.positions.outbox.insert().values(
                id=same_id, type="UnitsMoved", occurred_at=T0,
                payload={"transient": True, "scoped": True, "station_id": None, "city": "mumbai", "state": "MH",
                         "units": [{"unit_id": 1, "call_sign": "MUM-1", "lon": 72.8, "lat": 18.9, "stale": False,
                                    "at": T0.isoformat()}]}))
        assert main.relay_once() == 1 and moves.relay_once() == 1
        with container.dispatch.positions.store_engine.connect() as conn:  # published, then forgotten
            assert conn.execute(select(container.dispatch.positions.outbox.c.id)).all() == []
    assert wait_for(lambda: [e.type for e in b.received] == ["IncidentNoted", "UnitsMoved"]), b.received
    assert b.received[1].payload["units"][0]["call_sign"] == "MUM-1"


def test_a_bus_that_cannot_be_reached_stops_the_start():
    bus = JetStreamBus("nats://127.0.0.1:1", "node-nowhere", start_within=1.0)
    with pytest.raises(Unavailable) as failed:
        bus.start()
    assert failed.value.code == "bus_unavailable"
    assert not bus.reachable()
