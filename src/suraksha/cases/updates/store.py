"""Tables of what she is told: her channel, the hash of her case code and the 90-day timer (one row per case), each
update (step, channel, language, the message it queued, whether the IO told her in person), and arrests."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from suraksha.adapters.db import UtcDateTime, metadata

# One row per case: how she is told, the keyed hash of the code /track asks for, and when the 90-day update falls
# due (null: no update is due, the case is closed or decided). A timer claimed by a conditional update of
# `progress_due_at` (the claim moves it on), so two processes never both send it.
victim_channels = Table(
    "victim_channels",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("channel", String(8), nullable=False),  # sms | none
    Column("track_code_hash", String(64), nullable=False),
    Column("progress_due_at", UtcDateTime, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_victim_channels_progress_due_at", "progress_due_at"),
)

# Every update, whatever its channel: never her details, never a name (the detail holds a date, a court, a disposal).
victim_updates = Table(
    "victim_updates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("step", String(24), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("language", String(8), nullable=False),
    Column("message_id", Integer, nullable=True),  # the outbound message (sms); its status is the update's
    Column("detail", JSON, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("told_at", UtcDateTime, nullable=True),  # the IO recorded that she was told in person
    Column("told_by", String(64), nullable=True),
    Column("told_note", String(500), nullable=True),
    Index("ix_victim_updates_case_at", "case_id", "at"),
)

# An accused's arrest: when, where, who recorded it.
accused_arrests = Table(
    "accused_arrests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("arrested_at", UtcDateTime, nullable=False),
    Column("place", String(300), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    UniqueConstraint("case_id", "position", name="uq_accused_arrests_case_position"),
)
