"""Tables: volunteers and their history, the call-out of each SOS (a timer row), and each alert to a volunteer."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from suraksha.adapters.db import UtcDateTime, metadata

volunteers = Table(
    "volunteers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False),
    Column("phone_sealed", Text, nullable=False),  # encrypted at rest, like her number; the police read it
    Column("phone_fingerprint", String(64), nullable=False),  # keyed hash: one application per phone (index below)
    Column("language", String(8), nullable=False),  # what they are sent and shown: en, hi or mr
    # The area where they can help: a locality (a post office's place) inside a station's jurisdiction. The
    # station, its city and state are the volunteer's place for the scope rule: its officers verify them.
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False, index=True),
    Column("city", String(64), nullable=False),
    Column("state", String(2), nullable=True),
    Column("locality", String(120), nullable=False),
    Column("base_lon", Float, nullable=False),
    Column("base_lat", Float, nullable=False),
    Column("skills", String(200), nullable=False, server_default=""),  # comma-separated codes (model.SKILLS)
    Column("status", String(16), nullable=False),  # applied | verified | refused | suspended
    Column("status_reason", String(500), nullable=True),  # why refused or suspended
    Column("verified_by", String(64), nullable=True),
    Column("verified_at", UtcDateTime, nullable=True),
    Column("verification_check", String(500), nullable=True),  # what was checked in person
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=True, unique=True),
    Column("available", Boolean, nullable=False, server_default="0"),  # "available to help now"
    Column("available_since", UtcDateTime, nullable=True),
    Column("lon", Float, nullable=True),  # where they last said they are (their own choice to share)
    Column("lat", Float, nullable=True),
    Column("position_at", UtcDateTime, nullable=True),
    Column("applied_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_volunteers_status_available", "status", "available"),
    # one application per phone number that is not refused, even when two arrive at once (PostgreSQL too)
    Index("ix_volunteers_phone_fingerprint", "phone_fingerprint", unique=True,
          sqlite_where=text("status != 'refused'"), postgresql_where=text("status != 'refused'")),
)

volunteer_changes = Table(
    "volunteer_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("volunteer_id", Integer, ForeignKey("volunteers.id"), nullable=False, index=True),
    Column("change", String(16), nullable=False),  # model.Change
    Column("detail", String(1000), nullable=False, server_default=""),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

# The call-out of one SOS, a timer row: armed once per incident (the unique incident id), due at `due_at`; the
# process whose conditional update sets `alerted_at` alerts the volunteers, in the same transaction (so exactly
# one does, once); `alerted` is how many it alerted.
volunteer_callouts = Table(
    "volunteer_callouts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, unique=True),
    Column("due_at", UtcDateTime, nullable=False),
    Column("alerted_at", UtcDateTime, nullable=True),
    Column("alerted", Integer, nullable=True),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Index("ix_volunteer_callouts_due", "alerted_at", "due_at"),
)

# One alert to one volunteer: what they may be told (a coarse place, a band of distance, the kind of help) and
# their answer. `distance_m` is for the police's view of who accepted; a volunteer is never shown it.
volunteer_alerts = Table(
    "volunteer_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("callout_id", Integer, ForeignKey("volunteer_callouts.id"), nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False, index=True),
    Column("volunteer_id", Integer, ForeignKey("volunteers.id"), nullable=False, index=True),
    Column("category", String(32), nullable=False),
    Column("locality", String(120), nullable=False),
    Column("area_lat", Float, nullable=False),
    Column("area_lon", Float, nullable=False),
    Column("distance_band", String(16), nullable=False),
    Column("distance_m", Integer, nullable=False),
    Column("alerted_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("answer", String(16), nullable=True),  # accepted | declined
    Column("answered_at", UtcDateTime, nullable=True),
    UniqueConstraint("incident_id", "volunteer_id", name="uq_volunteer_alerts_incident_volunteer"),
)


_ARM = {postgres: dialect_insert(volunteer_callouts).on_conflict_do_nothing(index_elements=["incident_id"])
        for postgres, dialect_insert in ((False, sqlite_insert), (True, postgresql_insert))}


def arm(conn: Connection, rows: list[dict]) -> None:
    """Insert call-out rows, leaving out any whose incident has one already (another process armed it). One
    statement for any number of rows (executemany): its text is compiled once, not once per batch size."""
    if not rows:
        return
    conn.execute(_ARM[conn.dialect.name == "postgresql"], rows)


def any_available(conn: Connection) -> bool:
    """Whether any verified volunteer is on duty anywhere: when none is, a call-out has nobody to alert."""
    v = volunteers.c
    return conn.execute(select(v.id).where(v.status == "verified", v.available.is_(True)).limit(1)).first() is not None


def available_near(conn: Connection, lat: float, lon: float, radius_m: float) -> list[Any]:
    """Verified volunteers on duty whose area or shared position lies in the square around a point (the caller
    measures the real distance and decides which position counts)."""
    dlat, dlon = radius_m / 110_574.0, radius_m / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
    v = volunteers.c
    near_area = and_(v.base_lat.between(lat - dlat, lat + dlat), v.base_lon.between(lon - dlon, lon + dlon))
    near_now = and_(v.lat.between(lat - dlat, lat + dlat), v.lon.between(lon - dlon, lon + dlon))
    q = (select(v.id, v.base_lon, v.base_lat, v.lon, v.lat, v.position_at, v.language, v.phone_sealed, v.account_id)
         .where(v.status == "verified", v.available.is_(True), or_(near_area, near_now)))
    return list(conn.execute(q).all())
