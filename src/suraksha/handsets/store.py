"""Tables: the handsets that carry helpline numbers, and every change to them."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table

from suraksha.adapters.db import UtcDateTime, metadata

handsets = Table(
    "handsets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(20), nullable=False),  # the helpline number it carries (E.164): its history follows it
    Column("model", String(120), nullable=False),
    Column("sim_number", String(22), nullable=False),
    Column("given_on", Date, nullable=False),
    Column("free_until", Date, nullable=True),
    Column("donor", String(200), nullable=False),
    Column("note", String(500), nullable=False, server_default=""),
    Column("retired_on", Date, nullable=True),
    Column("retired_reason", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # The reminder, a timer row: due at `remind_at`; the process whose conditional update sets `reminded_at`
    # gives it, in the same transaction (so exactly one does); a new free period sets a new `remind_at`.
    Column("remind_at", UtcDateTime, nullable=True),
    Column("reminded_at", UtcDateTime, nullable=True),
    Index("ix_handsets_number", "number"),
    Index("ix_handsets_remind_at", "remind_at"),
)

handset_changes = Table(
    "handset_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("handset_id", Integer, ForeignKey("handsets.id"), nullable=False, index=True),
    Column("number", String(20), nullable=False, index=True),
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=True),  # who held the number then
    Column("change", String(16), nullable=False),  # added | edited | retired | reminded
    Column("detail", String(1000), nullable=False, server_default=""),
    Column("changed_by", String(64), nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)
