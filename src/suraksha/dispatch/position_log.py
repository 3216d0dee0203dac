"""Writing a fleet's positions without slowing intake, pruning their history, reading a response's track.

The dispatch service checks each fix and who may report it; this writes the accepted ones (rules: positions.py):

- Fixes from requests arriving together are written together: at most one flush every
  `SURAKSHA_POSITION_FLUSH_SECONDS` (`Coalescer`), each flush one piece of work for a group-commit writer, so a
  flush is one transaction of a few statements whatever the number of fixes (the history in bulk, the latest
  positions in one `UPDATE … FROM`, one `UnitsMoved` event per station). A lone fix is written at once.
- The writer is the positions' own by default (`SURAKSHA_POSITION_WRITER=own`), on a database engine whose commits
  do not wait for the disk (`make_engine(durable=False)`): a fix lost to a power cut is replaced ten seconds later.
  `intake` writes them with intake's group-commit writer instead, in its durable commits (on SQLite one thread then
  takes the write lock for both). Measured side by side in docs/benchmarks.md: `own` costs intake a little less.
- A caller is answered once its flush has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

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
    def __init__(self, engine: Engine, clock: Clock, policy: HistoryPolicy, stale_after: timedelta,
                 writer: GroupCommitWriter | None, flush_seconds: float, on_moved: Callable[[Moved], None]) -> None:
        self._engine, self._clock, self.policy, self._stale_after = engine, clock, policy, stale_after
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
            with self._engine.begin() as conn:
                moved = self._store(conn, fixes)
        else:
            moved = self._writer.execute(fixes, self._store_each)
        self._on_moved(moved)

    def _store_each(self, conn: Connection, flushes: list[list[UnitFix]]) -> list[Moved]:
        """The writer's handler: each flush in the writer's transaction."""
        return [self._store(conn, fixes) for fixes in flushes]

    def _store(self, conn: Connection, fixes: list[UnitFix]) -> Moved:
        now = self._clock.now()
        newest = newest_per_unit(fixes)
        moved_ids = store.write_fixes(conn, fixes, newest, now)
        moved = [f for f in newest if f.unit_id in moved_ids]
        events: list[tuple[DomainEvent, datetime]] = [(UnitsMoved(station_id=station_id, city=city, state=state,
                              units=[moved_entry(f, is_stale(f.at, now, self._stale_after)) for f in group]), now)
                  for (station_id, city, state), group in by_place(moved).items()]
        record_many(conn, events)
        return [(f.unit_id, f.lon, f.lat, f.at) for f in moved]

    # ------------------------------------------------------------ the prune step (a timer)

    def prune(self, limit: int = 2000) -> int:
        """Close the tracks of assignments that ended more than a minute ago, then delete what nothing needs any
        more: fixes older than the window, and tracks older than the retention. Up to `limit` rows of each per call
        (in a transaction each: SQLite's write lock is held briefly); the largest count is returned, so that reaching
        `limit` means: call again at once. Every process may run it: closing is a conditional update, and rows
        deleted by one are not deleted again (PostgreSQL: another process's rows are skipped, not waited for)."""
        now = self._clock.now()
        closed = self._write(lambda conn: store.close_tracks(conn, self.policy.tracks_ended_before(now), now, limit))
        history = self._write(lambda conn: store.prune_history(conn, self.policy.history_before(now), limit))
        tracks = self._write(lambda conn: store.prune_tracks(conn, self.policy.tracks_before(now), limit))
        if history or tracks or closed:
            log.debug("pruned %s fixes and %s track fixes, closed %s tracks", history, tracks, closed)
        return max(history, tracks, closed)

    def _write(self, work: Callable[[Connection], int]) -> int:
        """A write of the prune step: through the writer (sharing its commits), else in its own transaction."""
        if self._writer is not None:
            return self._writer.execute(work)
        with self._engine.begin() as conn:
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

    def history_rows(self) -> int:
        with self._engine.connect() as conn:
            return store.history_rows(conn)
