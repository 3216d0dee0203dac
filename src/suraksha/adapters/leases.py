"""Leases: work that exactly one server process does at a time, taken over when its holder dies.

A lease is a row (`leases`: its name, its holder, until when it holds). A process takes it with one conditional
update, which succeeds only when the row is free, expired, or already its own; it keeps it by renewing before it
expires. A process that dies stops renewing, and another takes the lease once it has expired: the work pauses for
at most the lease's length, and never runs in two processes at once (as long as a holder stops working when it
cannot renew: `Lease.held` says whether it may act now).

Used for the outbox relay, whose events must leave in the order they were written (docs/deployment.md).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import Column, Connection, Engine, String, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from suraksha.adapters.db import UtcDateTime, metadata
from suraksha.core.clock import Clock

log = logging.getLogger(__name__)

leases = Table(
    "leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)


def try_take(conn: Connection, name: str, holder: str, now: datetime, length: timedelta) -> bool:
    """Take or renew the lease `name` for `holder` until `now + length`, if it is free, expired or its own."""
    c = leases.c
    taken = conn.execute(update(leases)
                         .where(c.name == name, (c.holder == holder) | (c.expires_at <= now))
                         .values(holder=holder, expires_at=now + length)).rowcount
    if taken:
        return True
    if conn.execute(select(c.name).where(c.name == name)).first() is not None:
        return False  # another process holds it
    # The first process ever to ask: the row is created. Of two doing so at once, one insert does nothing.
    make = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(make(leases).values(name=name, holder=holder, expires_at=now + length).on_conflict_do_nothing())
    return conn.execute(select(c.holder).where(c.name == name)).scalar_one() == holder


def give_up(conn: Connection, name: str, holder: str, now: datetime) -> None:
    """Let the lease go at once (a graceful stop), so that another process need not wait for it to expire."""
    c = leases.c
    conn.execute(update(leases).where(c.name == name, c.holder == holder).values(expires_at=now))


class Lease:
    """One process's hold on a named lease. `held()` says whether the process may act now, taking or renewing the
    lease when due: the holder renews once a third of it has passed, another process asks again every tenth, so a
    lease costs a write every few seconds, not one per call. `keep()` renews it from a thread of its own, so that
    a step of the work that runs long (a saturated node, a slow bus) does not let the lease lapse under it."""

    def __init__(self, engine: Engine, clock: Clock, name: str, holder: str, length: timedelta) -> None:
        self._engine, self._clock = engine, clock
        self.name, self.holder, self.length = name, holder, length
        self._until: datetime | None = None  # while held: when it expires
        self._next_try: datetime | None = None  # when to take, renew or ask again
        self._lock = threading.Lock()  # the work's thread and the keeper's ask in turn

    def held(self) -> bool:
        with self._lock:
            now = self._clock.now()
            if self._next_try is None or now >= self._next_try:
                with self._engine.begin() as conn:
                    taken = try_take(conn, self.name, self.holder, now, self.length)
                self._until = now + self.length if taken else None
                self._next_try = now + (self.length / 3 if taken else self.length / 10)
            return self._until is not None and now < self._until

    def keep(self) -> LeaseKeeper:
        """Take and renew the lease from a thread of its own, until the keeper is stopped."""
        return LeaseKeeper(self).start()

    def release(self) -> None:
        """Give the lease up (a graceful stop): another process takes it at its next ask, not at its expiry."""
        with self._lock:
            if self._until is None:
                return
            self._until = self._next_try = None
            with self._engine.begin() as conn:
                give_up(conn, self.name, self.holder, self._clock.now())


class LeaseKeeper:
    """A daemon thread that asks for its lease every tenth of its length: renewed when due, taken when free."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.name}", daemon=True)

    def start(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def _run(self) -> None:
        every = max(0.05, self.lease.length.total_seconds() / 10)
        while not self._stop.is_set():
            try:
                self.lease.held()
            except Exception:  # the database away for a moment: the work stops when the lease lapses
                log.warning("the lease %s could not be renewed", self.lease.name, exc_info=True)
            self._stop.wait(every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
