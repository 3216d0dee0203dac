"""The event outbox: written inside the state change's transaction, relayed to the bus after commit."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Connection, Engine, Integer, String, Table, select, update

from suraksha.adapters.db import UtcDateTime, metadata
from suraksha.core.events import DomainEvent, Event, EventBus

log = logging.getLogger(__name__)

events_table = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True, index=True),
)


_INSERT_EVENT = events_table.insert()  # built once: intake writes one per message


def record(conn: Connection, event: DomainEvent, at: datetime) -> None:
    """Add an event to the outbox, in the caller's transaction."""
    conn.execute(_INSERT_EVENT, {"type": event.type_name(), "payload": event.payload(), "occurred_at": at})


def record_many(conn: Connection, events: list[tuple[DomainEvent, datetime]]) -> None:
    """Add many events in one statement, in the caller's transaction."""
    if events:
        conn.execute(_INSERT_EVENT, [{"type": e.type_name(), "payload": e.payload(), "occurred_at": at}
                                     for e, at in events])


class OutboxRelay:
    """Moves committed events from the outbox to the bus, oldest first, each once per relay."""

    def __init__(self, engine: Engine, bus: EventBus, clock, batch: int = 500) -> None:
        self._engine, self._bus, self._clock, self.batch = engine, bus, clock, batch

    def relay_once(self) -> int:
        """Publish what is waiting; returns how many events went out."""
        with self._engine.begin() as conn:
            rows = conn.execute(
                select(events_table)
                .where(events_table.c.published_at.is_(None))
                .order_by(events_table.c.id)
                .limit(self.batch)
            ).all()
            if not rows:
                return 0
            conn.execute(
                update(events_table)
                .where(events_table.c.id.in_([r.id for r in rows]))
                .values(published_at=self._clock.now())
            )
        for r in rows:
            self._bus.publish(Event(r.type, r.payload, r.occurred_at, r.id))
        return len(rows)
