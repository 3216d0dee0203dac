"""Positions at a fleet's rate: a flush's fixes written in a few statements, the history pruned, and each response's
track kept for replay (the rules: `positions.py`).

Every function takes the caller's Connection (the position writer's transaction, or the prune step's). The hot
statements are written once per dialect and run on the driver's cursor (`adapters.bulk`), as intake's are. A flush
writes the history (every fix), the tracks (only the fixes of units with an open track: their ids are read first,
a partial index of a few rows, so a fleet mostly on patrol sends almost nothing to that statement) and the latest
positions (one `UPDATE … FROM` of each unit's newest fix). On PostgreSQL the history goes in by `COPY` (text rows
built in one pass: about a third cheaper than a JSON parameter, measured) and the other two travel in one round
trip (`pipelined`), their rows as a JSON parameter.

The history has no index by unit: at 5,000 fixes a second one would be written at a random place for every fix
(measured on SQLite: it doubled the cost of the commit); it is read in the order it is written (the prune step), and
a response's track is kept apart, by assignment. Nor has it a foreign key to its unit (units are never deleted, and
a fix is written only for a unit the fleet index knows): checking one took half the history's insert on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
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
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from suraksha.adapters.bulk import bind_processors, driver_copy, driver_execute, marks, pipelined
from suraksha.adapters.db import UtcDateTime, metadata
from suraksha.dispatch.positions import UnitFix
from suraksha.dispatch.store import assignments, unit_positions, units

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


def write_fixes(conn: Connection, fixes: Sequence[UnitFix], newest: Sequence[UnitFix], now: datetime) -> set[int]:
    """Every fix into the history, and into the track of an assignment it falls in (an open track: its unit on the
    assignment when the fix was taken); each unit's newest fix (`newest`, one per unit, in unit order: the row locks
    are taken in that order) becomes its latest position unless a newer one is already there (late delivery).
    Returns the ids of the units that moved."""
    tracked = _tracked(conn, fixes)
    if conn.dialect.name == "postgresql":
        return _write_pg(conn, fixes, tracked, newest, now)
    time_of = _sqlite_times(conn)
    for kind, rows in (("history", fixes), ("tracks", tracked)):
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start:start + ROWS_PER_STATEMENT]
            params: list[Any] = []
            for f in chunk:
                params += [f.unit_id, f.lon, f.lat, time_of(f.at), time_of(f.received_at)]
            driver_execute(conn, _sqlite_sql(conn, kind, len(chunk)), params).close()
    moved: set[int] = set()
    for start in range(0, len(newest), ROWS_PER_STATEMENT):
        chunk = newest[start:start + ROWS_PER_STATEMENT]
        params = []
        for f in chunk:
            params += [f.unit_id, f.lon, f.lat, time_of(f.at)]
        cursor = driver_execute(conn, _sqlite_sql(conn, "move", len(chunk)), [*params, time_of(now)])
        moved.update(r[0] for r in cursor.fetchall())
        cursor.close()
    return moved


def _tracked(conn: Connection, fixes: Sequence[UnitFix]) -> list[UnitFix]:
    """The fixes of units with an open track (on an assignment, or off one for less than the late grace)."""
    a = assignments.c
    open_units = set(conn.execute(select(a.unit_id).where(a.track_closed_at.is_(None))).scalars())
    return [f for f in fixes if f.unit_id in open_units] if open_units else []


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
            "move": f"WITH v(unit_id, lon, lat, at) AS (VALUES {values})"
                    " UPDATE units SET lon = v.lon, lat = v.lat, position_at = v.at, updated_at = ?"
                    " FROM v WHERE units.id = v.unit_id AND (units.position_at IS NULL OR units.position_at < v.at)"
                    " RETURNING units.id",
        }[kind]
    return sql


def _sqlite_times(conn: Connection) -> Callable[[datetime], Any]:
    """UTC datetimes as SQLite stores them (the columns' own processor), each distinct one converted once: the
    stored text compares as the times do."""
    process = bind_processors(conn.dialect, [units.c.position_at])[0]
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
_PG_MOVE = ("UPDATE units AS u SET lon = v.lon, lat = v.lat, position_at = v.at, updated_at = %s::timestamp"
            f" FROM {_PG_FIXES} WHERE u.id = v.unit_id AND (u.position_at IS NULL OR u.position_at < v.at)"
            " RETURNING u.id")


def _write_pg(conn: Connection, fixes: Sequence[UnitFix], tracked: Sequence[UnitFix], newest: Sequence[UnitFix],
              now: datetime) -> set[int]:
    text = _pg_times()
    if fixes:
        rows = "".join(f"{f.unit_id}\t{f.lon!r}\t{f.lat!r}\t{text(f.at)}\t{text(f.received_at)}\n" for f in fixes)
        driver_copy(conn, _PG_HISTORY, rows)
    with pipelined(conn):
        if tracked:
            driver_execute(conn, _PG_TRACKS, (_pg_json(tracked, text),))
        cursor = driver_execute(conn, _PG_MOVE, (text(now), _pg_json(newest, text)))
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


# ---------------------------------------------------------------- the tracks


def start_track(conn: Connection, assignment_id: int, unit_id: int, lon: float, lat: float,
                position_at: datetime | None) -> None:
    """A new assignment's track begins where its unit was last known (nothing if it has had no GPS fix yet)."""
    if position_at is not None:
        conn.execute(insert(response_tracks).values(assignment_id=assignment_id, unit_id=unit_id, lon=lon, lat=lat,
                                                    recorded_at=position_at))


def close_tracks(conn: Connection, ended_before: datetime, now: datetime, limit: int) -> int:
    """Close the tracks of assignments that ended before this moment: late fixes no longer join them. A conditional
    update: of two processes, each closes a track at most once."""
    a = assignments.c
    due = (select(a.id).where(a.track_closed_at.is_(None), a.cleared_at.is_not(None), a.cleared_at < ended_before)
           .order_by(a.cleared_at, a.id).limit(limit))
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
    t, a = response_tracks.c, assignments.c
    doomed = (select(t.id).join(assignments, a.id == t.assignment_id)
              .where(t.recorded_at < ended_before, a.cleared_at < ended_before)
              .order_by(t.recorded_at).limit(limit))
    if conn.dialect.name == "postgresql":
        doomed = doomed.with_for_update(of=response_tracks, skip_locked=True)
    return conn.execute(delete(response_tracks).where(t.id.in_(doomed.scalar_subquery()))).rowcount


def history_rows(conn: Connection) -> int:
    """How many fixes the history holds (the bound's check, for benchmarks and tests)."""
    return conn.execute(select(func.count()).select_from(unit_positions)).scalar_one()
