"""Tables of the case side: the offence table and clock rules (maintained data), each station's FIR counter, the
cases with her sealed details, the accused, the timeline, the clock's timer rows and the unsealing audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from suraksha.adapters.db import UtcDateTime, metadata

offence_sections = Table(
    "offence_sections",
    metadata,
    Column("code", String(24), primary_key=True),  # "BNS 64", "POCSO 4"
    Column("act", String(8), nullable=False),
    Column("section", String(8), nullable=False),
    Column("title", String(200), nullable=False),
    Column("sexual_offence", Boolean, nullable=False),
    Column("woman_officer_required", Boolean, nullable=False),
    Column("clock_class", String(32), nullable=True),  # the deadline rule that applies; null: no set deadline
    Column("registrable", Boolean, nullable=False),
    Column("source", String(300), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

clock_rules = Table(
    "clock_rules",
    metadata,
    Column("offence_class", String(32), primary_key=True),
    Column("title", String(200), nullable=False, server_default=""),
    Column("days", Integer, nullable=False),
    Column("points", JSON, nullable=False),  # [{"point", "after_days" (null: at the deadline), "notify": [...]}]
    Column("source", String(600), nullable=False, server_default=""),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# One row per station and year: the last serial given. An upsert that adds one and returns it is the whole
# allocation, in the FIR's own transaction: concurrent registrations queue on the row, and a failed one gives its
# number back when it rolls back.
fir_counters = Table(
    "fir_counters",
    metadata,
    Column("station_id", Integer, ForeignKey("stations.id"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_serial", Integer, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("fir_number", String(32), nullable=False, unique=True),
    Column("zero_fir_number", String(32), nullable=True, unique=True),  # its number where it was first registered
    Column("station_id", Integer, ForeignKey("stations.id"), nullable=False, index=True),  # the station that owns it
    Column("city", String(64), nullable=True),
    Column("state", String(2), nullable=True, index=True),
    Column("registered_station_id", Integer, ForeignKey("stations.id"), nullable=False),
    Column("kind", String(12), nullable=False),  # walk_in | incident | e_fir
    Column("status", String(20), nullable=False),
    Column("zero_fir", Boolean, nullable=False, server_default="0"),
    Column("jurisdiction_station_id", Integer, ForeignKey("stations.id"), nullable=True),
    Column("sections", JSON, nullable=False),
    Column("sexual_offence", Boolean, nullable=False),
    Column("clock_class", String(32), nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("place", String(300), nullable=False),
    Column("place_lat", Float, nullable=True),
    Column("place_lon", Float, nullable=True),
    Column("summary_sealed", Text, nullable=False),  # the substance, her details replaced by her pseudonym, sealed
    Column("pseudonym", String(64), nullable=False, unique=True),
    Column("victim_name_sealed", Text, nullable=False),
    Column("victim_phone_sealed", Text, nullable=True),
    Column("victim_address_sealed", Text, nullable=True),
    Column("victim_age", Integer, nullable=True),
    Column("victim_language", String(8), nullable=False),
    Column("woman_officer", String(120), nullable=True),  # who recorded it (sexual offences: a woman officer)
    Column("incident_tracking", String(9), nullable=True, index=True),
    Column("registered_by", String(64), nullable=False),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=True),  # on record (an e-FIR: once signed); the clock runs from it
    Column("signature_due_at", UtcDateTime, nullable=True),  # an e-FIR: signed by then, or it lapses
    Column("signed_at", UtcDateTime, nullable=True),
    Column("deadline_days", Integer, nullable=True),  # the rule's days when it was put on record
    Column("deadline_at", UtcDateTime, nullable=True),
    Column("io_username", String(64), nullable=True, index=True),
    Column("io_assigned_at", UtcDateTime, nullable=True),
    Column("stopped_at", UtcDateTime, nullable=True),  # a charge-sheet or closure report stopped the clock
    Column("stopped_by", String(64), nullable=True),
    Column("report_reference", String(120), nullable=True),  # the charge-sheet's or closure report's number
    Column("report_filed_on", Date, nullable=True),  # the day it was filed (the clock is judged by it)
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_cases_open_deadline", "status", "deadline_at"),
)

case_accused = Table(
    "case_accused",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("known", Boolean, nullable=False),
    Column("name", String(120), nullable=True),
    Column("age", Integer, nullable=True),
    Column("sex", String(16), nullable=True),
    Column("description", String(300), nullable=False, server_default=""),
    # a known accused linked to a registered person of the offender registry (through the registry's service,
    # with a purpose, in its audit trail): the person's id there, who linked and when
    Column("registry_person_id", Integer, nullable=True),
    Column("registry_linked_by", String(64), nullable=True),
    Column("registry_linked_at", UtcDateTime, nullable=True),
    UniqueConstraint("case_id", "position", name="uq_case_accused_case_position"),
)

# The case's timeline: typed entries (`model.Entry`), each with who and when, detail as JSON. Never her details.
case_log = Table(
    "case_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(64), nullable=True),  # a username, or None for Suraksha (the clock)
    Column("detail", JSON, nullable=False),
    Index("ix_case_log_case_at", "case_id", "at"),
    Index("ix_case_log_kind_at", "kind", "at"),
)

# Timer rows: due at `due_at`; the process whose conditional update sets `fired_at` acts on it, in the same
# transaction (so exactly one does); a charge-sheet or closure report sets `cancelled_at` on those still waiting.
case_timers = Table(
    "case_timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # deadline_alert | e_fir_lapse
    Column("point", String(16), nullable=True),  # the alert point: day_30, day_45, day_55, breach …
    Column("notify", JSON, nullable=False),  # the audiences of the alert
    Column("due_at", UtcDateTime, nullable=False),
    Column("fired_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    UniqueConstraint("case_id", "kind", "point", name="uq_case_timers_case_kind_point"),
    Index("ix_case_timers_due", "due_at"),
)

# Every request to unseal her identity, granted or refused, with who, their role, why and when.
case_unsealings = Table(
    "case_unsealings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("granted", Boolean, nullable=False),
    Column("refused_code", String(40), nullable=True),
)


def next_serial(conn: Connection, station_id: int, year: int) -> int:
    """The station's next FIR serial for the year, in the caller's transaction: one atomic upsert (SQLite and
    PostgreSQL both take `INSERT … ON CONFLICT DO UPDATE … RETURNING`), so two registrations never share one."""
    build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    upsert = build(fir_counters).values(station_id=station_id, year=year, last_serial=1)
    statement = upsert.on_conflict_do_update(
        index_elements=[fir_counters.c.station_id, fir_counters.c.year],
        set_={"last_serial": fir_counters.c.last_serial + 1}).returning(fir_counters.c.last_serial)
    return int(conn.execute(statement).scalar_one())


def add_entry(conn: Connection, case_id: int, at: datetime, kind: str, actor: str | None, detail: dict) -> None:
    """One typed entry on the case's timeline (`model.Entry`), in the caller's transaction."""
    conn.execute(case_log.insert().values(case_id=case_id, at=at, kind=kind, actor=actor, detail=detail))


def find_case(conn: Connection, number: str):
    """A case's row by its FIR number, or by the zero FIR number it was first registered under (None: no such)."""
    return conn.execute(select(cases).where(or_(cases.c.fir_number == number, cases.c.zero_fir_number == number))
                        .limit(1)).first()
