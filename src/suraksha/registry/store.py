"""Tables of the offender registry, and the queries that read registrations back as plain records.

A person has one or more registrations; a registration is what one state registered under its own
record_id (the key for re-sends). Identity numbers are stored only as keyed hashes.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import (
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
    func,
    select,
)

from suraksha.adapters.db import UtcDateTime, metadata
from suraksha.registry.matching.record import Conviction, PersonRecord

persons = Table(
    "registry_persons", metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
)

registrations = Table(
    "registry_registrations", metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("registry_persons.id"), nullable=False, index=True),
    Column("state", String(2), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("district", String(120), nullable=False, server_default=""),
    Column("full_name", String(500), nullable=False),
    Column("father_name", String(500), nullable=False, server_default=""),
    Column("sex", String(1), nullable=False, server_default=""),
    Column("dob", Date(), nullable=True),
    Column("age", Integer, nullable=True),
    Column("age_as_of", Date(), nullable=True),
    Column("risk_tier", Integer, nullable=False),
    Column("registered_on", Date(), nullable=False),
    Column("purge_due", Date(), nullable=True, index=True),  # None: kept for life (tier 3)
    Column("fingerprint", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("state", "record_id", name="uq_registry_registrations_state_record"),
)

names = Table(
    "registry_names", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", String(500), nullable=False),  # any script
    Column("is_alias", Boolean, nullable=False),
)

marks = Table(
    "registry_marks", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("description", String(500), nullable=False),
)

identities = Table(
    "registry_identities", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("number_hmac", String(64), nullable=False, index=True),  # HMAC-SHA256; the number itself is never kept
)

files = Table(
    "registry_files", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # photo or prints
    Column("sha256", String(64), nullable=False, index=True),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
)

addresses = Table(
    "registry_addresses", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("address", Text(), nullable=False, server_default=""),
    Column("state", String(2), nullable=False, server_default=""),
    Column("district", String(120), nullable=False, server_default=""),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("valid_from", Date(), nullable=True),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

convictions = Table(
    "registry_convictions", metadata,
    Column("id", Integer, primary_key=True),
    Column("registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("act", String(200), nullable=False, server_default=""),
    Column("section", String(100), nullable=False, server_default=""),
    Column("court", String(300), nullable=False, server_default=""),
    Column("case_number", String(100), nullable=False, server_default=""),
    Column("conviction_date", Date(), nullable=True),
    Column("sentence", String(300), nullable=False, server_default=""),
)

merges = Table(
    "registry_merges", metadata,
    Column("id", Integer, primary_key=True),
    Column("left_registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False),
    Column("right_registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False),
    Column("score", Float, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # proposed, confirmed, rejected, undone
    Column("kept_person_id", Integer, nullable=True),
    Column("moved_person_id", Integer, nullable=True),
    Column("moved_registrations", Text(), nullable=False, server_default=""),  # comma-separated ids
    Column("proposed_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("decided_by", String(64), nullable=False, server_default=""),
    UniqueConstraint("left_registration_id", "right_registration_id", name="uq_registry_merges_pair"),
)

alerts = Table(
    "registry_alerts", metadata,
    Column("id", Integer, primary_key=True),
    Column("state", String(2), nullable=False, index=True),  # whose registry officers see it
    Column("registration_id", Integer, ForeignKey("registry_registrations.id", ondelete="CASCADE"),
           nullable=False),
    Column("kind", String(32), nullable=False),  # moved_address or linked_suspect
    Column("from_state", String(2), nullable=False),
    Column("to_state", String(2), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime(), nullable=True),
    Column("read_by", String(64), nullable=False, server_default=""),
)

audit = Table(
    "registry_audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("action", String(32), nullable=False, index=True),
    Column("purpose", String(32), nullable=False, server_default=""),
    Column("purpose_text", String(500), nullable=False, server_default=""),
    Column("detail", Text(), nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

Index("ix_registry_registrations_registered_on", registrations.c.registered_on)

REGISTRATION_CHILDREN = (names, marks, identities, files, addresses, convictions)


def latest_addresses(conn: Connection, registration_ids: list[int] | None = None) -> dict[int, dict]:
    """The current address of each registration (the last one recorded)."""
    newest = select(addresses.c.registration_id, func.max(addresses.c.id).label("id")).group_by(
        addresses.c.registration_id)
    if registration_ids is not None:
        newest = newest.where(addresses.c.registration_id.in_(registration_ids))
    sub = newest.subquery()
    rows = conn.execute(select(addresses).join(sub, sub.c.id == addresses.c.id))
    return {r.registration_id: dict(r._mapping) for r in rows}


def load_records(conn: Connection, registration_ids: list[int] | None = None) -> list[PersonRecord]:
    """Registrations as the core's PersonRecord; record_id is the registration's database id as text."""
    q = select(registrations).order_by(registrations.c.id)
    if registration_ids is not None:
        q = q.where(registrations.c.id.in_(registration_ids))
    regs = conn.execute(q).all()
    wanted = [r.id for r in regs] if registration_ids is not None else None
    alias_of, convs = defaultdict(list), defaultdict(list)
    for r in conn.execute(_children(names, wanted).where(names.c.is_alias.is_(True))):
        alias_of[r.registration_id].append(r.name)
    for r in conn.execute(_children(convictions, wanted)):
        convs[r.registration_id].append(Conviction(r.act, r.section, r.conviction_date, r.court))
    where = latest_addresses(conn, wanted)
    return [PersonRecord(
        str(r.id), r.state, r.district, r.full_name, alias_of[r.id], r.father_name, r.sex, r.dob, r.age,
        r.age_as_of, where.get(r.id, {}).get("address", ""), convs[r.id],
    ) for r in regs]


def _children(table: Table, wanted: list[int] | None):
    q = select(table).order_by(table.c.id)
    return q if wanted is None else q.where(table.c.registration_id.in_(wanted))


def index_signature(conn: Connection) -> tuple:
    """Changes whenever registrations or merge decisions change (also when another process wrote them)."""
    r = registrations
    regs = conn.execute(select(func.count(), func.max(r.c.id), func.max(r.c.updated_at),
                               func.min(r.c.fingerprint), func.max(r.c.fingerprint))).one()
    decided = conn.execute(select(func.count(), func.max(merges.c.decided_at))
                           .where(merges.c.status.in_(("confirmed", "rejected", "undone")))).one()
    return tuple(regs) + tuple(decided)

