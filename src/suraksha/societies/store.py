"""Tables: housing societies a station registered, and their coordinators (numbers sealed, with a keyed
fingerprint that intake's in-memory lookup is keyed by)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text, text

from suraksha.adapters.db import UtcDateTime, metadata

societies = Table(
    "societies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False),
    Column("address", String(300), nullable=False),
    Column("lon", Float, nullable=False),  # the pin an officer put on the map: where its incidents are
    Column("lat", Float, nullable=False),
    # the station its alerts go to, with its city and state: the society's place for the scope rule
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False, index=True),
    Column("city", String(64), nullable=False),
    Column("state", String(2), nullable=True),
    Column("active", Boolean, nullable=False, server_default="1"),  # a deactivated society's alerts are ordinary
    Column("created_by", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

society_coordinators = Table(
    "society_coordinators",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("society_id", Integer, ForeignKey("societies.id"), nullable=False, index=True),
    Column("name", String(120), nullable=False),
    Column("phone_sealed", Text, nullable=False),  # encrypted at rest; shown masked, never logged
    Column("phone_fingerprint", String(64), nullable=False),  # the sender's fingerprint intake computes anyway
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("removed_by", String(64), nullable=True),
    Column("removed_at", UtcDateTime, nullable=True),  # kept for the record; a removed coordinator is not matched
    # one number coordinates one society at a time (else which society's place would her alert take?)
    Index("ix_society_coordinators_phone", "phone_fingerprint", unique=True,
          sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
)
