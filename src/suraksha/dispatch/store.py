"""Tables and queries for units and their assignments to incidents (their fixes: `position_store`).

Every function takes the caller's Connection, so a use case decides the transaction. `incident_id` and
`tracking` refer to the incidents capability's incidents, and `dispatched_by` to an account: no foreign keys across
capabilities, dispatch only learns about incidents through its IncidentPort.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    or_,
    select,
    update,
)

from suraksha.adapters.db import UtcDateTime, metadata
from suraksha.dispatch.model import UnitKind, UnitStatus


def _one_of(column: str, values: Iterable[str]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


units = Table(
    "units",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_sign", String(32), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("home_station_id", Integer, nullable=False, index=True),
    Column("city", String(64), nullable=True, index=True),  # the home station's, copied at creation
    Column("state", String(2), nullable=True, index=True),  # the home station's state, copied at creation
    Column("status", String(16), nullable=False),
    Column("status_reason", String(300), nullable=True),  # why it is out of service (or was released)
    Column("lon", Float, nullable=False),  # latest position (the home station's anchor until a GPS fix)
    Column("lat", Float, nullable=False),
    Column("position_at", UtcDateTime, nullable=True),  # None: no GPS fix yet
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(_one_of("kind", UnitKind), name="kind"),
    CheckConstraint(_one_of("status", UnitStatus), name="status"),
)

assignments = Table(
    "assignments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, nullable=False, index=True),
    Column("tracking", String(9), nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("dispatched_at", UtcDateTime, nullable=False),
    Column("acknowledged_at", UtcDateTime, nullable=True),  # the crew said "received"
    Column("en_route_at", UtcDateTime, nullable=True),
    Column("on_scene_at", UtcDateTime, nullable=True),
    Column("cleared_at", UtcDateTime, nullable=True),
    Column("dispatched_by", Integer, nullable=True),  # account id of the dispatcher
    # Ended without clearing the scene: not acknowledged in time (by the escalation timer) or re-tasked.
    Column("released_at", UtcDateTime, nullable=True),
    Column("at_risk_at", UtcDateTime, nullable=True),  # escalated: the unit cannot reach her before the deadline
    Column("release_reason", String(300), nullable=True),
    # when its track (response_tracks) was closed: a while after it ended, late fixes no longer join it
    Column("track_closed_at", UtcDateTime, nullable=True),
)
# A unit's roster: the shifts it is on duty (a unit without any is on duty round the clock).
unit_shifts = Table(
    "unit_shifts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False, index=True),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("woman_officer", String(120), nullable=True),  # required for a Nirbhaya squad
    Column("crew", String(300), nullable=False, server_default=""),  # names and ranks, as the roster says
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("cancelled_by", String(64), nullable=True),
)

# Every change to a unit, with when and who: status (with the incident and reason), shifts, crew, creation.
unit_log = Table(
    "unit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("by", String(64), nullable=False),
    Column("change", String(24), nullable=False),
    Column("detail", String(500), nullable=False, server_default=""),
)

# A unit is on at most one assignment at a time, even if two dispatchers click at once.
Index(
    "uq_assignments_open_unit", assignments.c.unit_id, unique=True,
    sqlite_where=assignments.c.cleared_at.is_(None), postgresql_where=assignments.c.cleared_at.is_(None),
)
# The open tracks, which each flush of fixes joins: the assignments under way and those that ended a moment ago.
Index(
    "ix_assignments_track_open", assignments.c.unit_id,
    sqlite_where=assignments.c.track_closed_at.is_(None), postgresql_where=assignments.c.track_closed_at.is_(None),
)


# ---------------------------------------------------------------- units


def insert_unit(conn: Connection, **values: Any) -> int:
    return conn.execute(insert(units).values(**values)).inserted_primary_key[0]


def unit_row(conn: Connection, unit_id: int, *, for_update: bool = False):
    q = select(units).where(units.c.id == unit_id)
    return conn.execute(q.with_for_update() if for_update else q).first()


def call_sign_taken(conn: Connection, call_sign: str) -> bool:
    return conn.execute(select(units.c.id).where(units.c.call_sign == call_sign)).first() is not None


def unit_rows(conn: Connection, *, city: str | None = None, station_id: int | None = None, where=None) -> list:
    q = select(units).order_by(units.c.call_sign)
    if where is not None:
        q = q.where(where)
    if city is not None:
        q = q.where(units.c.city == city)
    if station_id is not None:
        q = q.where(units.c.home_station_id == station_id)
    return conn.execute(q).all()


def status_counts(conn: Connection, where=None) -> dict[str, int]:
    """How many units are in each status (among those `where` selects)."""
    q = select(units.c.status, func.count()).group_by(units.c.status)
    if where is not None:
        q = q.where(where)
    return dict(conn.execute(q).all())


def unit_rows_by_keys(conn: Connection, ids: set[int], call_signs: set[str]) -> list:
    """Units named by id or by call sign (a device gateway may know either)."""
    if not ids and not call_signs:
        return []
    q = select(units).where(or_(units.c.id.in_(ids or [-1]), units.c.call_sign.in_(call_signs or [""])))
    return conn.execute(q).all()


def change_status(conn: Connection, unit_id: int, expected: str, new: str, at: datetime,
                  reason: str | None = None) -> bool:
    """Compare-and-set: only if the unit is still in `expected` (two people may press at once)."""
    result = conn.execute(
        update(units).where(units.c.id == unit_id, units.c.status == expected)
        .values(status=new, updated_at=at, status_reason=reason)
    )
    return result.rowcount == 1


# ---------------------------------------------------------------- assignments

_with_unit = select(assignments, units.c.call_sign, units.c.kind).join(units, units.c.id == assignments.c.unit_id)


def insert_assignment(conn: Connection, **values: Any) -> int:
    return conn.execute(insert(assignments).values(**values)).inserted_primary_key[0]


def assignment(conn: Connection, assignment_id: int):
    return conn.execute(_with_unit.where(assignments.c.id == assignment_id)).first()


def open_assignment(conn: Connection, unit_id: int):
    q = _with_unit.where(assignments.c.unit_id == unit_id, assignments.c.cleared_at.is_(None))
    return conn.execute(q).first()


def mark_step(conn: Connection, assignment_id: int, column: str, at: datetime) -> bool:
    """Timestamp a step (en_route_at, on_scene_at, cleared_at) the first time it happens."""
    col = assignments.c[column]
    result = conn.execute(update(assignments).where(assignments.c.id == assignment_id, col.is_(None)).values({col: at}))
    return result.rowcount == 1


def open_assignments_on(conn: Connection, incident_id: int) -> int:
    q = select(func.count()).select_from(assignments).where(
        assignments.c.incident_id == incident_id, assignments.c.cleared_at.is_(None)
    )
    return conn.execute(q).scalar_one()


def assignments_for(conn: Connection, incident_id: int) -> list:
    q = _with_unit.where(assignments.c.incident_id == incident_id).order_by(
        assignments.c.dispatched_at, assignments.c.id
    )
    return conn.execute(q).all()


def _unacknowledged(dispatched_before: datetime) -> tuple:
    a = assignments.c
    return (a.cleared_at.is_(None), a.acknowledged_at.is_(None), a.en_route_at.is_(None), a.on_scene_at.is_(None),
            a.dispatched_at <= dispatched_before)


def unacknowledged_due(conn: Connection, dispatched_before: datetime, limit: int) -> list[int]:
    """Open assignments whose crew has not acknowledged (nor moved) since before this moment, oldest first."""
    a = assignments.c
    q = select(a.id).where(*_unacknowledged(dispatched_before)).order_by(a.dispatched_at, a.id).limit(limit)
    return list(conn.execute(q).scalars())


def unacknowledged_count(conn: Connection, dispatched_before: datetime) -> int:
    return conn.execute(select(func.count()).select_from(assignments)
                        .where(*_unacknowledged(dispatched_before))).scalar_one()


def release(conn: Connection, assignment_id: int, at: datetime, reason: str, *, unacknowledged_only: bool) -> bool:
    """End an open assignment without its crew clearing the scene; with `unacknowledged_only`, only if the crew
    has still not acknowledged (the escalation timer's claim: of two processes, exactly one gets True)."""
    a = assignments.c
    q = update(assignments).where(a.id == assignment_id, a.cleared_at.is_(None))
    if unacknowledged_only:
        q = q.where(a.acknowledged_at.is_(None), a.en_route_at.is_(None), a.on_scene_at.is_(None))
    return conn.execute(q.values(cleared_at=at, released_at=at, release_reason=reason[:300])).rowcount == 1


# ---------------------------------------------------------------- rosters and the unit's log


def log_change(conn: Connection, unit_id: int, at: datetime, by: str, change: str, detail: str = "") -> None:
    conn.execute(insert(unit_log).values(unit_id=unit_id, at=at, by=by[:64], change=change, detail=detail[:500]))


def unit_log_rows(conn: Connection, unit_id: int, limit: int = 200) -> list:
    return conn.execute(select(unit_log).where(unit_log.c.unit_id == unit_id)
                        .order_by(unit_log.c.at.desc(), unit_log.c.id.desc()).limit(limit)).all()


def insert_shift(conn: Connection, **values: Any) -> int:
    return conn.execute(insert(unit_shifts).values(**values).returning(unit_shifts.c.id)).scalar_one()


def shift_rows(conn: Connection, unit_id: int | None = None, *, ending_after: datetime | None = None) -> list:
    q = select(unit_shifts)
    if unit_id is not None:
        q = q.where(unit_shifts.c.unit_id == unit_id)
    if ending_after is not None:
        q = q.where(unit_shifts.c.ends_at > ending_after)
    return conn.execute(q.order_by(unit_shifts.c.starts_at, unit_shifts.c.id)).all()


def shift_row(conn: Connection, shift_id: int):
    return conn.execute(select(unit_shifts).where(unit_shifts.c.id == shift_id)).first()


def cancel_shift(conn: Connection, shift_id: int, at: datetime, by: str) -> bool:
    return conn.execute(update(unit_shifts).where(unit_shifts.c.id == shift_id, unit_shifts.c.cancelled_at.is_(None))
                        .values(cancelled_at=at, cancelled_by=by[:64])).rowcount == 1


def rostered_units(conn: Connection) -> set[int]:
    """Units that have ever had a shift: they are on duty only during one."""
    return set(conn.execute(select(unit_shifts.c.unit_id).distinct()).scalars())


def en_route_unwatched(conn: Connection, limit: int) -> list:
    """Open assignments not yet on scene and not yet escalated: the deadline watch's candidates, oldest first."""
    a = assignments.c
    q = (_with_unit.where(a.cleared_at.is_(None), a.on_scene_at.is_(None), a.at_risk_at.is_(None))
         .order_by(a.dispatched_at, a.id).limit(limit))
    return conn.execute(q).all()


def mark_at_risk(conn: Connection, assignment_id: int, at: datetime) -> bool:
    """The deadline watch's claim: of two processes, exactly one gets True."""
    a = assignments.c
    return conn.execute(update(assignments).where(a.id == assignment_id, a.at_risk_at.is_(None),
                                                  a.cleared_at.is_(None), a.on_scene_at.is_(None))
                        .values(at_risk_at=at)).rowcount == 1
