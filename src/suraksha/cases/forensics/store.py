"""Tables of forensics: the laboratories (maintained data, seeded from `data/forensics/labs.csv`) and each case's
requests to them. The dashboards read these names: keep them."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from suraksha.adapters.db import UtcDateTime, metadata

forensic_labs = Table(
    "forensic_labs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(24), nullable=False, unique=True),  # "MH-FSL-MUM", "CFSL-HYD"
    Column("name", String(200), nullable=False),
    Column("state", String(2), nullable=False),
    Column("city", String(64), nullable=False),
    Column("kind", String(12), nullable=False),  # state | regional | central
    Column("turnaround_days", Integer, nullable=False),  # a result is due this many days after the sample is sent
    Column("source", String(600), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One row per sample sent (or to be sent) to a lab. Days are the case's local days; `due_on` is fixed when the
# sample is sent (sent_on + the lab's turnaround then): a later change of the lab's turnaround leaves it.
forensic_requests = Table(
    "forensic_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("lab_id", Integer, ForeignKey("forensic_labs.id"), nullable=False),
    Column("sample_kind", String(16), nullable=False),  # blood | swab | clothing | dna | digital_device | …
    Column("description", String(300), nullable=False),  # her details replaced by her pseudonym
    Column("requested_at", UtcDateTime, nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("sent_on", Date, nullable=True),
    Column("received_on", Date, nullable=True),
    Column("result_on", Date, nullable=True),
    Column("result", Text, nullable=True),  # the finding or the lab's report reference (her details replaced)
    Column("conclusive", Boolean, nullable=True),
    Column("due_on", Date, nullable=True),  # sent_on + the lab's turnaround; null until sent
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_forensic_requests_case_open", "case_id", "result_on"),
    Index("ix_forensic_requests_overdue", "result_on", "due_on"),
)
