"""The event outbox: written inside the state change's transaction, relayed to the bus after commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    delete,
    func,
    select,
    text,
    update,
)

from suraksha.adapters.bulk import BulkInsert
from suraksha.adapters.db import UtcDateTime, metadata
from suraksha.adapters.group_commit import GroupCommitWriter
from suraksha.adapters.leases import Lease
from suraksha.core.events import DomainEvent, Event, EventBus

log = logging.getLogger(__name__)

events_table = Table(
    "events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime, nullable=True),
    # the relay's search, oldest unpublished first: reads only the unpublished events, however many are published
    Index("ix_events_unpublished", "id", sqlite_where=text("published_at IS NULL"),
          postgresql_where=text("published_at IS NULL")),
)


_INSERT_EVENT = events_table.insert()
_INSERT_EVENTS = BulkInsert(events_table, ("type", "payload", "occurred_at"))  # intake writes one per message


def record(conn: Connection, event: DomainEvent, at: datetime) -> None:
    """Add an event to the outbox, in the caller's transaction."""
    conn.execute(_INSERT_EVENT, {"type": event.type_name(), "payload": event.payload(), "occurred_at": at})


def record_many(conn: Connection, events: list[tuple[DomainEvent, datetime]]) -> None:
    """Add many events in one statement, in the caller's transaction."""
    _INSERT_EVENTS.execute(conn, [{"type": e.type_name(), "payload": e.payload(), "occurred_at": at}
                                  for e, at in events])


class OutboxRelay:
    """Moves committed events from the outbox to the bus, oldest first, each once (across relays too).

    Looking for events is a read: it never takes SQLite's write lock. Marking them published is a write, done
    through the group-commit writer when there is one, so that it shares intake's commits instead of waiting for
    the lock and paying an fsync of its own. A transient event (units' movement, superseded by the next) is
    deleted instead of marked: the outbox does not grow by thousands of rows a minute under a fleet's fixes."""

    def __init__(self, engine: Engine, bus: EventBus, clock, batch: int = 500,
                 writer: GroupCommitWriter | None = None, lease: Lease | None = None) -> None:
        self._engine, self._bus, self._clock, self.batch = engine, bus, clock, batch
        self._writer, self.lease = writer, lease

    def waiting(self) -> int:
        """Events committed and not yet relayed (the metrics; the partial index of the unpublished)."""
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(events_table)
                                .where(events_table.c.published_at.is_(None))).scalar_one()

    def relay_once(self) -> int:
        """Publish what is waiting; returns how many events were found (a full batch means: call again). With a
        lease, only while this process holds it: of several nodes one relays, in the outbox's order."""
        if self.lease is not None and not self.lease.held():
            return 0
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(events_table)
                .where(events_table.c.published_at.is_(None))
                .order_by(events_table.c.id)
                .limit(self.batch)
            ).all()
        if not rows:
            return 0
        kept = [r.id for r in rows if not r.payload.get("transient")]
        forgotten = [r.id for r in rows if r.payload.get("transient")]
        events = [Event(r.type, r.payload, r.occurred_at, r.id) for r in rows]
        if self._bus.confirms:  # a broker: published (acknowledged, duplicates dropped by id) before marked
            self._bus.publish_many(events)  # raises when it cannot: nothing is marked, the next call tries again
            self._marked(kept, forgotten)
        else:  # in-process: marked first; only the events this relay took are delivered
            mine = self._marked(kept, forgotten)
            self._bus.publish_many([e for e in events if e.id in mine])
        return len(rows)

    def _marked(self, kept: list[int], forgotten: list[int]) -> set[int]:
        if self._writer is not None:
            return self._writer.execute(lambda conn: self._mark(conn, kept, forgotten))
        with self._engine.begin() as conn:
            return self._mark(conn, kept, forgotten)

    def _mark(self, conn: Connection, ids: list[int], transient: Sequence[int] = ()) -> set[int]:
        """Mark these events published, and delete the transient ones (`DomainEvent.transient`); returns those this
        relay took (another relay may have taken some)."""
        mine: set[int] = set()
        if ids:
            mine.update(conn.execute(
                update(events_table)
                .where(events_table.c.id.in_(ids), events_table.c.published_at.is_(None))
                .values(published_at=self._clock.now())
                .returning(events_table.c.id)
            ).scalars())
        if transient:
            mine.update(conn.execute(
                delete(events_table)
                .where(events_table.c.id.in_(transient), events_table.c.published_at.is_(None))
                .returning(events_table.c.id)
            ).scalars())
        return mine
