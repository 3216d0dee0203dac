"""Tables: response-time targets (and the area class of each station is on the stations table)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, UniqueConstraint

from suraksha.adapters.db import UtcDateTime, metadata

response_targets = Table(
    "response_targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(2), nullable=False),  # a state code, or "*" for any state
    Column("area_class", String(8), nullable=False),  # urban | rural
    Column("priority", Integer, nullable=True),  # None: any priority
    Column("category", String(32), nullable=True),  # None: any category
    Column("minutes", Integer, nullable=False),
    Column("source", String(300), nullable=False, server_default=""),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("state", "area_class", "priority", "category", name="uq_response_targets_rule"),
)

station_areas = Table(
    "station_areas",
    metadata,
    Column("station_id", Integer, primary_key=True),  # a station without a row is urban
    Column("area_class", String(8), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
