"""Tables of the court side: the courts (maintained data, seeded from `data/courts/courts.csv`), each case's court
and disposal, and its hearings. The dashboards read these names: keep them."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table

from suraksha.adapters.db import UtcDateTime, metadata

courts = Table(
    "courts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("state", String(2), nullable=False, index=True),
    Column("district", String(64), nullable=False),
    Column("city", String(64), nullable=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(12), nullable=False),  # fast_track | pocso
    Column("source", String(300), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# A charge-sheeted case's court (one row per case: a re-allocation changes it, the timeline keeps the history) and,
# once judged, its disposal.
case_courts = Table(
    "case_courts",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False, index=True),
    Column("allocated_at", UtcDateTime, nullable=False),
    Column("allocated_by", String(64), nullable=False),
    Column("disposed_on", Date, nullable=True),
    Column("disposal", String(12), nullable=True),  # null | conviction | acquittal | other
    Column("disposal_detail", String(300), nullable=True),
    Column("judgment_ref", String(120), nullable=True),
    Column("convicted", JSON, nullable=True),  # on a conviction: the positions of the convicted accused
)

hearings = Table(
    "hearings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("court_id", Integer, ForeignKey("courts.id"), nullable=False),
    Column("scheduled_for", Date, nullable=False),
    Column("outcome", String(24), nullable=True),  # null until recorded: held, adjourned, evidence_recorded …
    Column("adjournment_reason", String(500), nullable=True),
    Column("note", String(500), nullable=True),
    Column("recorded_at", UtcDateTime, nullable=True),
    Column("recorded_by", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Index("ix_hearings_scheduled_for", "scheduled_for"),
)
