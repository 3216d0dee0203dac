"""Writing a fleet's positions without slowing intake, pruning their history, reading a response's track.

The dispatch service checks each fix and who may report it; this writes the accepted ones (rules: positions.py):

- Fixes from requests arriving together are written together: at most one flush every
  `SURAKSHA_POSITION_FLUSH_SECONDS` (`Coalescer`), each flush one piece of work for the positions' group-commit
  writer, so a flush is one transaction of a few statements whatever the number of fixes. A lone fix is written at
  once.
- A flush writes in two steps. First the positions' store (`position_store`: on SQLite a file of its own, on
  PostgreSQL unlogged tables): the history in bulk and the latest fixes in one upsert, on an engine whose commits do
  not wait for the disk (`make_engine(durable=False)`: a fix lost to a power cut is replaced ten seconds later);
  intake's commits never wait for that lock; in the same transaction, one `UnitsMoved` event per station into the
  store's own outbox (`unit_moves`; 5,000 fixes make about 90 rows), which every relaying node's second relay
  publishes and deletes there. Then, once that has committed, and only for units on a response, the main database:
  their fixes into their tracks. The two are not one transaction: if the process stops between them, a track
  misses the flush's fixes.
- A caller is answered once both have committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from suraksha.adapters.group_commit import Coalescer, GroupCommitWriter
from suraksha.adapters.outbox import record_many
from suraksha.core.clock import Clock
from suraksha.core.events import DomainEvent
from suraksha.dispatch import position_store as store
from suraksha.dispatch.events import UnitsMoved
from suraksha.dispatch.model import is_stale
from suraksha.dispatch.positions import HistoryPolicy, UnitFix, by_place, moved_entry, newest_per_unit

log = logging.getLogger(__name__)
Moved = list[tuple[int, float, float, datetime]]  # (unit id, lon, lat, recorded at) of the units that moved


class PositionLog:
    outbox = store.unit_moves  # the positions' store's own outbox: the flushes' `UnitsMoved`, for a relay (bootstrap)

    def __init__(self, engine: Engine, store_engine: Engine, clock: Clock, policy: HistoryPolicy,
                 stale_after: timedelta, writer: GroupCommitWriter | None, flush_seconds: float,
                 on_moved: Callable[[Moved], None]) -> None:
        """`engine`: the main database (tracks, events); `store_engine`: the positions' store, which `writer`, if
        given, writes."""
        self._engine, self.store_engine = engine, store_engine
        self._clock, self.policy, self._stale_after = clock, policy, stale_after
        self._writer, self._on_moved = writer, on_moved
        self._coalescer = Coalescer(self._flush, flush_seconds)

    @property
    def flush_seconds(self) -> float:
        """At most one flush this often (0: each request on its own)."""
        return self._coalescer.every

    @flush_seconds.setter
    def flush_seconds(self, value: float) -> None:
        self._coalescer.every = value

    @property
    def flushes(self) -> int:
        """Flushes written through the coalescer so far (a server's; direct calls write at once)."""
        return self._coalescer.flushes

    # ------------------------------------------------------------ writing

    def write(self, fixes: list[UnitFix]) -> None:
        """Write these fixes and return once they are committed (with the fixes of other requests of the same
        flush). Without a running writer (tests, the simulator, the command line) each call writes at once."""
        if not fixes:
            return
        if self._writer is None or not self._writer.running:
            self._flush([fixes])
            return
        self._coalescer.submit(fixes)

    def _flush(self, requests: list[list[UnitFix]]) -> None:
        fixes = [f for r in requests for f in r]
        if self._writer is None:
            with self.store_engine.begin() as conn:
                moved = self._store(conn, fixes)
        else:
            moved = self._writer.execute(fixes, self._store_each)
        self._track(fixes)
        self._on_moved([(f.unit_id, f.lon, f.lat, f.at) for f in moved])

    def _store_each(self, conn: Connection, flushes: list[list[UnitFix]]) -> list[list[UnitFix]]:
        """The writer's handler: each flush in the writer's transaction."""
        return [self._store(conn, fixes) for fixes in flushes]

    def _store(self, conn: Connection, fixes: list[UnitFix]) -> list[UnitFix]:
        """The first step, in the positions' store: the fixes, and one `UnitsMoved` event per station for the newest
        fix of each unit that moved; returns those."""
        newest = newest_per_unit(fixes)
        moved_ids = store.write_fixes(conn, fixes, newest)
        moved = [f for f in newest if f.unit_id in moved_ids]
        if moved:
            now = self._clock.now()
            events: list[tuple[DomainEvent, datetime]] = [
                (UnitsMoved(station_id=station_id, city=city, state=state,
                            units=[moved_entry(f, is_stale(f.at, now, self._stale_after)) for f in group]), now)
                for (station_id, city, state), group in by_place(moved).items()]
            record_many(conn, events, self.outbox)
        return moved

    def _track(self, fixes: list[UnitFix]) -> None:
        """The second step, in the main database: the fixes of units on a response into their tracks (nothing is
        written, nor the write lock taken, when none is on a response)."""
        with self._engine.connect() as conn:
            tracked = store.tracked(conn, fixes)
        if tracked:
            with self._engine.begin() as conn:
                store.write_tracks(conn, tracked)

    # ------------------------------------------------------------ the prune step (a timer)

    def prune(self, limit: int = 2000) -> int:
        """Close the tracks of assignments that ended more than a minute ago, then delete what nothing needs any
        more: fixes older than the window (in the positions' store), and tracks older than the retention (in the
        main database, whose write lock is taken only when a read finds some due: while a fleet's history is pruned
        this step runs again at once, and a write transaction each time would keep intake's commits waiting). Up to
        `limit` rows of each per call (in a transaction each); the largest count is returned, so that reaching
        `limit` means: call again at once. Every process may run it: closing is a conditional update, and rows
        deleted by one are not deleted again (PostgreSQL: another process's rows are skipped, not waited for)."""
        now = self._clock.now()
        ended_before, retained_after = self.policy.tracks_ended_before(now), self.policy.tracks_before(now)
        with self._engine.connect() as conn:  # the main database's lock only for work to do: a read first
            closing, pruning = store.track_work(conn, ended_before, retained_after)
        closed = tracks = 0
        if closing:
            with self._engine.begin() as conn:
                closed = store.close_tracks(conn, ended_before, now, limit)
        history = self._write(lambda conn: store.prune_history(conn, self.policy.history_before(now), limit))
        if pruning:
            with self._engine.begin() as conn:
                tracks = store.prune_tracks(conn, retained_after, limit)
        if history or tracks or closed:
            log.debug("pruned %s fixes and %s track fixes, closed %s tracks", history, tracks, closed)
        return max(history, tracks, closed)

    def _write(self, work: Callable[[Connection], int]) -> int:
        """A write to the positions' store: through the writer (sharing its commits), else in its own transaction."""
        if self._writer is not None:
            return self._writer.execute(work)
        with self.store_engine.begin() as conn:
            return work(conn)

    # ------------------------------------------------------------ tracks

    @staticmethod
    def start_track(conn: Connection, assignment_id: int, unit_row) -> None:
        """In the dispatching transaction: the track begins where the unit was last known."""
        store.start_track(conn, assignment_id, unit_row.id, unit_row.lon, unit_row.lat, unit_row.position_at)

    @staticmethod
    def track(conn: Connection, job) -> list[dict]:
        """An assignment's track, oldest first."""
        return [{"lon": r.lon, "lat": r.lat, "recorded_at": r.recorded_at} for r in store.track_points(conn, job.id)]

    # ------------------------------------------------------------ reading the store

    def latest_of(self, unit_ids: Collection[int] | None = None) -> dict[int, Any]:
        """The latest fixes (lon, lat, recorded_at) of these units (None: of all), by unit id: only units that have
        had a fix since the store was created are there."""
        with self.store_engine.connect() as conn:
            return store.latest_of(conn, unit_ids)

    def history(self, unit_id: int, limit: int = 100) -> list:
        with self.store_engine.connect() as conn:
            return store.position_history(conn, unit_id, limit)

    def history_rows(self) -> int:
        with self.store_engine.connect() as conn:
            return store.history_rows(conn)
