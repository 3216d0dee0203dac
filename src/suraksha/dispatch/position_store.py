"""Positions at a fleet's rate: a flush's fixes written in a few statements, the history pruned, and each response's
track kept for replay (the rules: `positions.py`).

The positions' store is kept apart from the main database (`positions_metadata`; `adapters.db.companion_url`): on
SQLite a file of its own, so that writing 5,000 fixes a second and pruning them never takes the write lock intake's
commits need; on PostgreSQL unlogged tables in the same database (no WAL for what the next ten seconds replace;
after a crash they are empty, and each unit is where its row last put it until its next fix). It holds:

- the history (`unit_positions`): every fix, for the rolling window;
- the latest fixes (`unit_fixes`): each unit's newest fix, one row per unit that has had one. A unit's latest
  position is that fix, or, before its first, the position on its row in the main database (its home station's
  anchor, or where it was registered): `latest_of` reads them, the dispatch service lays them over the rows;
- the flushes' `UnitsMoved` events (`unit_moves`), an outbox of its own, until they are relayed.

A response's track (`response_tracks`) stays in the main database, beside the assignments it belongs to: it is kept
for months, and written only for the few units on a response.

Every function takes the caller's Connection: the position writer's transaction on the positions' store, or one on
the main database (the tracks). The hot statements are written once per dialect and run on the driver's cursor
(`adapters.bulk`), as intake's are. A flush writes the history (every fix), the latest fixes (an upsert of each
unit's newest, kept only where it is newer) and its events (`unit_moves`) in the positions' store; then the tracks
(only the fixes of units with an open track: their ids are read first, a partial index of a few rows, so a fleet
mostly on patrol sends almost nothing to that statement) in the main database. On PostgreSQL the history goes in by
`COPY` (text rows built in one pass: about a third cheaper than a JSON parameter, measured) and the others take
their rows as one JSON parameter.

The history has no index by unit: at 5,000 fixes a second one would be written at a random place for every fix
(measured on SQLite: it doubled the cost of the commit); it is read in the order it is written (the prune step), and
a response's track is kept apart, by assignment. Nor has it a foreign key to its unit (units are never deleted, and
a fix is written only for a unit the fleet index knows): checking one took half the history's insert on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from suraksha.adapters.bulk import bind_processors, driver_copy, driver_execute, marks
from suraksha.adapters.db import NAMING_CONVENTION, UNLOGGED, UtcDateTime, metadata
from suraksha.adapters.outbox import outbox_table
from suraksha.dispatch.positions import UnitFix
from suraksha.dispatch.store import assignments

positions_metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Every fix received, for the rolling window (`SURAKSHA_POSITION_HISTORY_MINUTES`).
unit_positions = Table(
    "unit_positions",
    positions_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("unit_id", Integer, nullable=False),  # a unit of the main database's `units`
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    # Read in the order written (the prune step): no index by unit, which every fix would write at a random place.
    Index("ix_unit_positions_received_at", "received_at"),
    info={UNLOGGED: True},
)

# Each unit's newest fix. PostgreSQL: half of each page kept free, so that rewriting a unit's row every 10 s is a
# heap-only update (measured on the units' table: 5,000 rows 150-350 ms with full pages, 80-90 with room).
unit_fixes = Table(
    "unit_fixes",
    positions_metadata,
    Column("unit_id", Integer, primary_key=True, autoincrement=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    info={UNLOGGED: True},
    postgresql_with={"fillfactor": 50},
)

# The flushes' `UnitsMoved` events: an outbox of the store's own, written in the flush's transaction and relayed to
# the bus like the main one (`OutboxRelay`), which deletes each once published. About 90 rows and 550 KB a second
# under 5,000 fixes a second: in the main database they were written, read, deleted and checkpointed in the file
# whose commits intake waits for (its commit that shared the relay's delete wrote that much more and synced it).
unit_moves = outbox_table("unit_moves", positions_metadata, info={UNLOGGED: True})

# A response's track: the fixes of a unit sent to an incident, from its position when it was sent until it ended.
response_tracks = Table(
    "response_tracks",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("assignment_id", Integer, ForeignKey("assignments.id", ondelete="CASCADE"), nullable=False),
    Column("unit_id", Integer, nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Index("ix_response_tracks_assignment_recorded", "assignment_id", "recorded_at"),
    Index("ix_response_tracks_recorded_at", "recorded_at"),  # pruning after the retention period
)

ROWS_PER_STATEMENT = 500  # SQLite: 2,500 parameters a statement


# ---------------------------------------------------------------- writing a flush


def write_fixes(conn: Connection, fixes: Sequence[UnitFix], newest: Sequence[UnitFix]) -> set[int]:
    """In the positions' store: every fix into the history; each unit's newest fix (`newest`, one per unit, in unit
    order: the row locks are taken in that order) becomes its latest unless a newer one is already there (late
    delivery). Returns the ids of the units that moved."""
    if conn.dialect.name == "postgresql":
        return _write_pg(conn, fixes, newest)
    time_of = _sqlite_times(conn)
    _sqlite_insert(conn, "history", fixes, time_of)
    moved: set[int] = set()
    for start in range(0, len(newest), ROWS_PER_STATEMENT):
        chunk = newest[start:start + ROWS_PER_STATEMENT]
        params: list[Any] = []
        for f in chunk:
            params += [f.unit_id, f.lon, f.lat, time_of(f.at)]
        cursor = driver_execute(conn, _sqlite_sql(conn, "move", len(chunk)), params)
        moved.update(r[0] for r in cursor.fetchall())
        cursor.close()
    return moved


def tracked(conn: Connection, fixes: Sequence[UnitFix]) -> list[UnitFix]:
    """The fixes of units with an open track (on an assignment, or off one for less than the late grace): a read of
    the main database, a partial index of a few rows."""
    a = assignments.c
    open_units = set(conn.execute(select(a.unit_id).where(a.track_closed_at.is_(None))).scalars())
    return [f for f in fixes if f.unit_id in open_units] if open_units else []


def write_tracks(conn: Connection, tracked: Sequence[UnitFix]) -> None:
    """In the main database: these fixes (of units with an open track) into the tracks they fall in: their unit's
    assignment when the fix was taken, if its track is still open."""
    if not tracked:
        return
    if conn.dialect.name == "postgresql":
        driver_execute(conn, _PG_TRACKS, (_pg_json(tracked, _pg_times()),)).close()
        return
    _sqlite_insert(conn, "tracks", tracked, _sqlite_times(conn))


def _sqlite_insert(conn: Connection, kind: str, fixes: Sequence[UnitFix], time_of: Callable[[datetime], Any]) -> None:
    """Fixes into the history or the tracks, `ROWS_PER_STATEMENT` a statement."""
    for start in range(0, len(fixes), ROWS_PER_STATEMENT):
        chunk = fixes[start:start + ROWS_PER_STATEMENT]
        params: list[Any] = []
        for f in chunk:
            params += [f.unit_id, f.lon, f.lat, time_of(f.at), time_of(f.received_at)]
        driver_execute(conn, _sqlite_sql(conn, kind, len(chunk)), params).close()


_TRACK_JOIN = ("JOIN assignments AS a ON a.unit_id = v.unit_id AND a.track_closed_at IS NULL"
               " AND v.at >= a.dispatched_at AND (a.cleared_at IS NULL OR v.at <= a.cleared_at)")
_SQLITE: dict[tuple[str, int], str] = {}


def _sqlite_sql(conn: Connection, kind: str, rows: int) -> str:
    sql = _SQLITE.get((kind, rows))
    if sql is None:
        width = 4 if kind == "move" else 5
        values = ", ".join([f"({marks(conn.dialect, width)})"] * rows)
        sql = _SQLITE[(kind, rows)] = {
            "history": f"INSERT INTO unit_positions (unit_id, lon, lat, recorded_at, received_at) VALUES {values}",
            "tracks": f"WITH v(unit_id, lon, lat, at, rcv) AS (VALUES {values})"
                      " INSERT INTO response_tracks (assignment_id, unit_id, lon, lat, recorded_at)"
                      f" SELECT a.id, v.unit_id, v.lon, v.lat, v.at FROM v {_TRACK_JOIN}",
            "move": f"INSERT INTO unit_fixes (unit_id, lon, lat, recorded_at) VALUES {values}"
                    " ON CONFLICT (unit_id) DO UPDATE SET lon = excluded.lon, lat = excluded.lat,"
                    " recorded_at = excluded.recorded_at WHERE unit_fixes.recorded_at < excluded.recorded_at"
                    " RETURNING unit_id",
        }[kind]
    return sql


def _sqlite_times(conn: Connection) -> Callable[[datetime], Any]:
    """UTC datetimes as SQLite stores them (the columns' own processor), each distinct one converted once: the
    stored text compares as the times do."""
    process = bind_processors(conn.dialect, [unit_fixes.c.recorded_at])[0]
    done: dict[datetime, Any] = {}

    def time_of(at: datetime) -> Any:
        value = done.get(at)
        if value is None:
            value = done[at] = process(at) if process else at
        return value

    return time_of


_PG_FIXES = ("json_to_recordset(%s::json) AS v(unit_id integer, lon double precision, lat double precision,"
             " at timestamp, rcv timestamp)")
_PG_HISTORY = "COPY unit_positions (unit_id, lon, lat, recorded_at, received_at) FROM STDIN"
_PG_TRACKS = ("INSERT INTO response_tracks (assignment_id, unit_id, lon, lat, recorded_at)"
              f" SELECT a.id, v.unit_id, v.lon, v.lat, v.at FROM {_PG_FIXES} {_TRACK_JOIN}")
_PG_MOVE = (f"INSERT INTO unit_fixes AS u (unit_id, lon, lat, recorded_at) SELECT v.unit_id, v.lon, v.lat, v.at"
            f" FROM {_PG_FIXES} ORDER BY v.unit_id"
            " ON CONFLICT (unit_id) DO UPDATE SET lon = excluded.lon, lat = excluded.lat,"
            " recorded_at = excluded.recorded_at WHERE u.recorded_at < excluded.recorded_at"
            " RETURNING u.unit_id")


def _write_pg(conn: Connection, fixes: Sequence[UnitFix], newest: Sequence[UnitFix]) -> set[int]:
    text = _pg_times()
    if fixes:
        rows = "".join(f"{f.unit_id}\t{f.lon!r}\t{f.lat!r}\t{text(f.at)}\t{text(f.received_at)}\n" for f in fixes)
        driver_copy(conn, _PG_HISTORY, rows)
    if not newest:
        return set()
    cursor = driver_execute(conn, _PG_MOVE, (_pg_json(newest, text),))
    moved = {int(r[0]) for r in cursor.fetchall()}
    cursor.close()
    return moved


def _pg_times() -> Callable[[datetime], str]:
    """UTC datetimes as PostgreSQL reads a `timestamp` (without zone), each distinct one converted once."""
    iso: dict[datetime, str] = {}

    def text(at: datetime) -> str:
        value = iso.get(at)
        if value is None:
            value = iso[at] = at.astimezone(UTC).replace(tzinfo=None).isoformat()
        return value

    return text


def _pg_json(fixes: Sequence[UnitFix], text: Callable[[datetime], str]) -> str:
    return json.dumps([{"unit_id": f.unit_id, "lon": f.lon, "lat": f.lat, "at": text(f.at), "rcv": text(f.received_at)}
                       for f in fixes], allow_nan=False, separators=(",", ":"))


# ---------------------------------------------------------------- reading the latest fixes and the history


def latest_of(conn: Connection, unit_ids: Collection[int] | None = None) -> dict[int, Any]:
    """The latest fixes (lon, lat, recorded_at) of these units (None: of every unit that has one), by unit id."""
    f = unit_fixes.c
    query = select(f.unit_id, f.lon, f.lat, f.recorded_at)
    if unit_ids is None:
        return {r.unit_id: r for r in conn.execute(query)}
    ids = sorted(set(unit_ids))
    found: dict[int, Any] = {}
    for start in range(0, len(ids), ROWS_PER_STATEMENT):
        chunk = ids[start:start + ROWS_PER_STATEMENT]
        found.update((r.unit_id, r) for r in conn.execute(query.where(f.unit_id.in_(chunk))))
    return found


def position_history(conn: Connection, unit_id: int, limit: int = 100) -> list:
    """A unit's fixes in the rolling window, newest first."""
    p = unit_positions.c
    return list(conn.execute(select(unit_positions).where(p.unit_id == unit_id)
                             .order_by(p.recorded_at.desc(), p.id.desc()).limit(limit)))


# ---------------------------------------------------------------- the tracks


def start_track(conn: Connection, assignment_id: int, unit_id: int, lon: float, lat: float,
                position_at: datetime | None) -> None:
    """A new assignment's track begins where its unit was last known (nothing if it has had no GPS fix yet)."""
    if position_at is not None:
        conn.execute(insert(response_tracks).values(assignment_id=assignment_id, unit_id=unit_id, lon=lon, lat=lat,
                                                    recorded_at=position_at))


def _tracks_to_close(ended_before: datetime):
    """The assignments whose tracks are still open though they ended before this moment."""
    a = assignments.c
    return select(a.id).where(a.track_closed_at.is_(None), a.cleared_at.is_not(None), a.cleared_at < ended_before)


def _track_fixes_to_prune(ended_before: datetime):
    """The tracks' fixes of assignments that ended before this moment."""
    t, a = response_tracks.c, assignments.c
    return (select(t.id).join(assignments, a.id == t.assignment_id)
            .where(t.recorded_at < ended_before, a.cleared_at < ended_before))


def track_work(conn: Connection, ended_before: datetime, retained_after: datetime) -> tuple[bool, bool]:
    """Whether any track is due to close (its assignment ended before `ended_before`) and whether any track's fixes
    are due to go (their assignment ended before `retained_after`): two reads, so that the prune step takes the
    main database's write lock only when it has something to write."""
    return (conn.execute(_tracks_to_close(ended_before).limit(1)).first() is not None,
            conn.execute(_track_fixes_to_prune(retained_after).limit(1)).first() is not None)


def close_tracks(conn: Connection, ended_before: datetime, now: datetime, limit: int) -> int:
    """Close the tracks of assignments that ended before this moment: late fixes no longer join them. A conditional
    update: of two processes, each closes a track at most once."""
    a = assignments.c
    due = _tracks_to_close(ended_before).order_by(a.cleared_at, a.id).limit(limit)
    return conn.execute(update(assignments).where(a.id.in_(due.scalar_subquery()), a.track_closed_at.is_(None))
                        .values(track_closed_at=now)).rowcount


def track_points(conn: Connection, assignment_id: int) -> list:
    t = response_tracks.c
    return list(conn.execute(select(t.lon, t.lat, t.recorded_at).where(t.assignment_id == assignment_id)
                             .order_by(t.recorded_at, t.id)))


# ---------------------------------------------------------------- pruning


def prune_history(conn: Connection, received_before: datetime, limit: int) -> int:
    """Delete up to `limit` fixes received before this moment, oldest first; PostgreSQL skips the rows another
    process is deleting instead of waiting for them."""
    p = unit_positions.c
    doomed = select(p.id).where(p.received_at < received_before).order_by(p.received_at).limit(limit)
    if conn.dialect.name == "postgresql":
        doomed = doomed.with_for_update(skip_locked=True)
    return conn.execute(delete(unit_positions).where(p.id.in_(doomed.scalar_subquery()))).rowcount


def prune_tracks(conn: Connection, ended_before: datetime, limit: int) -> int:
    """Delete up to `limit` fixes of the tracks of assignments that ended before this moment."""
    t = response_tracks.c
    doomed = _track_fixes_to_prune(ended_before).order_by(t.recorded_at).limit(limit)
    if conn.dialect.name == "postgresql":
        doomed = doomed.with_for_update(of=response_tracks, skip_locked=True)
    return conn.execute(delete(response_tracks).where(t.id.in_(doomed.scalar_subquery()))).rowcount


def history_rows(conn: Connection) -> int:
    """How many fixes the history holds (the bound's check, for benchmarks and tests)."""
    return conn.execute(select(func.count()).select_from(unit_positions)).scalar_one()
