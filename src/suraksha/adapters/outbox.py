"""The event outbox: written inside the state change's transaction, relayed to the bus after commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
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


def outbox_table(name: str, md: MetaData, **kw) -> Table:
    """An outbox: the main database's `events`, and the positions' store's `unit_moves` (`position_store`)."""
    return Table(
        name,
        md,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("type", String(64), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("occurred_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        # the relay's search, oldest unpublished first: reads only the unpublished events, however many are published
        Index(f"ix_{name}_unpublished", "id", sqlite_where=text("published_at IS NULL"),
              postgresql_where=text("published_at IS NULL")),
        **kw,
    )


events_table = outbox_table("events", metadata)
_INSERT_EVENT = events_table.insert()
_INSERTS: dict[str, BulkInsert] = {}  # one multi-row insert per outbox; intake writes one event per message


def record(conn: Connection, event: DomainEvent, at: datetime) -> None:
    """Add an event to the outbox, in the caller's transaction."""
    conn.execute(_INSERT_EVENT, {"type": event.type_name(), "payload": event.payload(), "occurred_at": at})


def record_many(conn: Connection, events: list[tuple[DomainEvent, datetime]], table: Table = events_table) -> None:
    """Add many events in one statement, in the caller's transaction (to the main outbox unless another is named)."""
    insert = _INSERTS.get(table.name)
    if insert is None:
        insert = _INSERTS[table.name] = BulkInsert(table, ("type", "payload", "occurred_at"))
    insert.execute(conn, [{"type": e.type_name(), "payload": e.payload(), "occurred_at": at} for e, at in events])


class OutboxRelay:
    """Moves committed events from the outbox to the bus, oldest first, each once (across relays too).

    Looking for events is a read: it never takes SQLite's write lock. Marking them published is a write, done
    through the group-commit writer when there is one, so that it shares intake's commits instead of waiting for
    the lock and paying an fsync of its own. A transient event (units' movement, superseded by the next) is
    deleted instead of marked: the outbox does not grow by thousands of rows a minute under a fleet's fixes.

    `table`: the outbox it relays (the main database's `events` unless another is named, with the engine and writer
    of its database). `message_ids`: whether the events go out with their outbox id, by which a broker drops a batch
    published again; an outbox whose ids overlap the main one's (another table, its own sequence) goes out without,
    and only with events a second delivery cannot mislead (units' movement: the newest fix wins)."""

    def __init__(self, engine: Engine, bus: EventBus, clock, batch: int = 500,
                 writer: GroupCommitWriter | None = None, lease: Lease | None = None, table: Table = events_table,
                 message_ids: bool = True) -> None:
        self._engine, self._bus, self._clock, self.batch = engine, bus, clock, batch
        self._writer, self.lease, self.table, self._message_ids = writer, lease, table, message_ids

    def waiting(self) -> int:
        """Events committed and not yet relayed (the metrics; the partial index of the unpublished)."""
        t = self.table
        with self._engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(t).where(t.c.published_at.is_(None))).scalar_one()

    def relay_once(self) -> int:
        """Publish what is waiting; returns how many events were found (a full batch means: call again). With a
        lease, only while this process holds it: of several nodes one relays, in the outbox's order."""
        if self.lease is not None and not self.lease.held():
            return 0
        t = self.table
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(t).where(t.c.published_at.is_(None)).order_by(t.c.id).limit(self.batch)
            ).all()
        if not rows:
            return 0
        kept = [r.id for r in rows if not r.payload.get("transient")]
        forgotten = [r.id for r in rows if r.payload.get("transient")]
        events = [Event(r.type, r.payload, r.occurred_at, r.id) for r in rows]
        if self._bus.confirms:  # a broker: published (acknowledged, duplicates dropped by id) before marked
            self._bus.publish_many(self._outgoing(events))  # raises when it cannot: nothing is marked, tried again
            self._marked(kept, forgotten)
        else:  # in-process: marked first; only the events this relay took are delivered
            mine = self._marked(kept, forgotten)
            self._bus.publish_many(self._outgoing([e for e in events if e.id in mine]))
        return len(rows)

    def _outgoing(self, events: list[Event]) -> list[Event]:
        return events if self._message_ids else [replace(e, id=None) for e in events]

    def _marked(self, kept: list[int], forgotten: list[int]) -> set[int]:
        if self._writer is not None:
            return self._writer.execute(lambda conn: self._mark(conn, kept, forgotten))
        with self._engine.begin() as conn:
            return self._mark(conn, kept, forgotten)

    def _mark(self, conn: Connection, ids: list[int], transient: Sequence[int] = ()) -> set[int]:
        """Mark these events published, and delete the transient ones (`DomainEvent.transient`); returns those this
        relay took (another relay may have taken some)."""
        mine: set[int] = set()
        t = self.table
        if ids:
            mine.update(conn.execute(
                update(t).where(t.c.id.in_(ids), t.c.published_at.is_(None))
                .values(published_at=self._clock.now()).returning(t.c.id)
            ).scalars())
        if transient:
            mine.update(conn.execute(
                delete(t).where(t.c.id.in_(transient), t.c.published_at.is_(None)).returning(t.c.id)
            ).scalars())
        return mine
