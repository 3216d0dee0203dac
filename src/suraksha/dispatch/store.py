"""Tables and queries for units, their position history and their assignments to incidents.

Every function takes the caller's Connection, so a use case decides the transaction. `incident_id` and
`tracking` refer to the incidents capability's incidents, and `dispatched_by` to an account: no foreign keys across
capabilities, dispatch only learns about incidents through its IncidentPort.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
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
    Column("lon", Float, nullable=False),  # latest position (the home station's anchor until a GPS fix)
    Column("lat", Float, nullable=False),
    Column("position_at", UtcDateTime, nullable=True),  # None: no GPS fix yet
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(_one_of("kind", UnitKind), name="kind"),
    CheckConstraint(_one_of("status", UnitStatus), name="status"),
)

unit_positions = Table(
    "unit_positions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("unit_id", Integer, ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Index("ix_unit_positions_unit_recorded", "unit_id", "recorded_at"),
)

assignments = Table(
    "assignments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, nullable=False, index=True),
    Column("tracking", String(9), nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("dispatched_at", UtcDateTime, nullable=False),
    Column("en_route_at", UtcDateTime, nullable=True),
    Column("on_scene_at", UtcDateTime, nullable=True),
    Column("cleared_at", UtcDateTime, nullable=True),
    Column("dispatched_by", Integer, nullable=True),  # account id of the dispatcher
)
# A unit is on at most one assignment at a time, even if two dispatchers click at once.
Index(
    "uq_assignments_open_unit", assignments.c.unit_id, unique=True,
    sqlite_where=assignments.c.cleared_at.is_(None), postgresql_where=assignments.c.cleared_at.is_(None),
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


def unit_rows_by_keys(conn: Connection, ids: set[int], call_signs: set[str]) -> list:
    """Units named by id or by call sign (a device gateway may know either)."""
    if not ids and not call_signs:
        return []
    q = select(units).where(or_(units.c.id.in_(ids or [-1]), units.c.call_sign.in_(call_signs or [""])))
    return conn.execute(q).all()


def change_status(conn: Connection, unit_id: int, expected: str, new: str, at: datetime) -> bool:
    """Compare-and-set: only if the unit is still in `expected` (two people may press at once)."""
    result = conn.execute(
        update(units).where(units.c.id == unit_id, units.c.status == expected).values(status=new, updated_at=at)
    )
    return result.rowcount == 1


def record_positions(conn: Connection, rows: list[dict]) -> None:
    """Append to the history: dicts with unit_id, lon, lat, recorded_at, received_at."""
    if rows:
        conn.execute(insert(unit_positions), rows)


def move_if_newer(conn: Connection, unit_id: int, lon: float, lat: float, at: datetime, now: datetime) -> bool:
    """Make this the unit's latest position unless a newer one is already there (late delivery)."""
    result = conn.execute(
        update(units)
        .where(units.c.id == unit_id, or_(units.c.position_at.is_(None), units.c.position_at < at))
        .values(lon=lon, lat=lat, position_at=at, updated_at=now)
    )
    return result.rowcount == 1


def position_history(conn: Connection, unit_id: int, limit: int = 100) -> list:
    q = (
        select(unit_positions).where(unit_positions.c.unit_id == unit_id)
        .order_by(unit_positions.c.recorded_at.desc(), unit_positions.c.id.desc()).limit(limit)
    )
    return conn.execute(q).all()


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
