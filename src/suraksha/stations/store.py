"""Tables: police stations with their jurisdiction polygons and helpline numbers, and the number history."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from suraksha.adapters.db import UtcDateTime, metadata

stations = Table(
    "stations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("city", String(64), nullable=False),
    Column("state", String(2), nullable=True),  # the city's state (places table), copied at import
    Column("name", String(200), nullable=False),
    Column("name_hi", String(200), nullable=True),  # the name in Hindi and in Marathi, where known
    Column("name_mr", String(200), nullable=True),
    Column("geometry", Text, nullable=False),  # GeoJSON geometry, WGS 84
    Column("anchor_lon", Float, nullable=False),
    Column("anchor_lat", Float, nullable=False),
    Column("women_helpline", String(20), nullable=True, unique=True),
    Column("general_number", String(20), nullable=True, unique=True),
    # the women helpline's WhatsApp Business number, by Meta's id for it (`metadata.phone_number_id`)
    Column("whatsapp_phone_number_id", String(32), nullable=True, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("city", "name", name="uq_stations_city_name"),
)

helpline_changes = Table(
    "helpline_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(20), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("from_station_id", Integer, ForeignKey("stations.id"), nullable=True),
    Column("to_station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("changed_by", String(64), nullable=False),
    Column("reason", String(500), nullable=False, server_default=""),
    Column("changed_at", UtcDateTime, nullable=False),
)
