"""Tables of the offender registry, and the queries that read registrations back as plain records.

A person has one or more registrations; a registration is what one state registered under its own
record_id (the key for re-sends). Identity numbers are stored only as keyed hashes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import (
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
    func,
    insert,
    select,
    text,
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

# The change log: a row for every registration written (`upsert`) or deleted (`delete`) and every merge decision
# (`decision`), numbered in commit order (`note_changes`). What a server process keeps in memory (the search index) is
# built from the database and kept fresh from these rows.
changes = Table(
    "registry_changes", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("registration_id", Integer, nullable=True),  # no foreign key: a deleted registration is logged too
    Column("kind", String(8), nullable=False),
    Column("at", UtcDateTime(), nullable=False, index=True),
)
_CHANGE_HEAD = select(func.max(changes.c.seq))
CHANGE_KINDS = ("upsert", "delete", "decision")
IDS_PER_QUERY = 10_000  # an IN list's ids (SQLite takes at most 32,766 parameters a statement)
_CHANGE_LOCK = 0x5EC0_0001  # PostgreSQL advisory lock: the change log's rows commit in the order of their numbers

Index("ix_registry_registrations_registered_on", registrations.c.registered_on)

REGISTRATION_CHILDREN = (names, marks, identities, files, addresses, convictions)


def latest_addresses(conn: Connection, registration_ids: list[int] | None = None,
                     between: tuple[int, int] | None = None) -> dict[int, dict]:
    """The current address of each registration (the last one recorded)."""
    newest = select(addresses.c.registration_id, func.max(addresses.c.id).label("id")).group_by(
        addresses.c.registration_id)
    if registration_ids is not None:
        newest = newest.where(addresses.c.registration_id.in_(registration_ids))
    if between is not None:
        newest = newest.where(addresses.c.registration_id > between[0], addresses.c.registration_id <= between[1])
    sub = newest.subquery()
    rows = conn.execute(select(addresses).join(sub, sub.c.id == addresses.c.id))
    return {r.registration_id: dict(r._mapping) for r in rows}


def load_records(conn: Connection, registration_ids: list[int] | None = None,
                 between: tuple[int, int] | None = None) -> list[PersonRecord]:
    """Registrations as the core's PersonRecord; record_id is the registration's database id as text. All of them,
    those of `registration_ids`, or those with ids in `between` = (after, up to)."""
    if registration_ids is not None and len(registration_ids) > IDS_PER_QUERY:
        return [r for start in range(0, len(registration_ids), IDS_PER_QUERY)
                for r in load_records(conn, registration_ids[start:start + IDS_PER_QUERY])]
    q = select(registrations).order_by(registrations.c.id)
    if registration_ids is not None:
        q = q.where(registrations.c.id.in_(registration_ids))
    if between is not None:
        q = q.where(registrations.c.id > between[0], registrations.c.id <= between[1])
    regs = conn.execute(q).all()
    wanted = [r.id for r in regs] if registration_ids is not None else None
    alias_of, convs = defaultdict(list), defaultdict(list)
    for r in conn.execute(_children(names, wanted, between).where(names.c.is_alias.is_(True))):
        alias_of[r.registration_id].append(r.name)
    for r in conn.execute(_children(convictions, wanted, between)):
        convs[r.registration_id].append(Conviction(r.act, r.section, r.conviction_date, r.court))
    where = latest_addresses(conn, wanted, between)
    return [PersonRecord(
        str(r.id), r.state, r.district, r.full_name, alias_of[r.id], r.father_name, r.sex, r.dob, r.age,
        r.age_as_of, where.get(r.id, {}).get("address", ""), convs[r.id],
    ) for r in regs]


def _children(table: Table, wanted: list[int] | None, between: tuple[int, int] | None = None):
    q = select(table).order_by(table.c.id)
    if between is not None:
        q = q.where(table.c.registration_id > between[0], table.c.registration_id <= between[1])
    return q if wanted is None else q.where(table.c.registration_id.in_(wanted))


def note_changes(conn: Connection, kind: str, registration_ids: Sequence[int], now: datetime) -> None:
    """Log what this transaction changed, last thing before it commits. On PostgreSQL the rows are numbered under a
    transaction-long lock, so that a reader that has seen number n has seen every number below it (numbers drawn
    from a sequence by concurrent transactions would otherwise commit out of order, and a reader could skip one);
    SQLite has one writer at a time anyway. `decision`: one row without a registration."""
    assert kind in CHANGE_KINDS
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHANGE_LOCK})
    ids: Sequence[int | None] = registration_ids if kind != "decision" else [None]
    for start in range(0, len(ids), 50_000):
        conn.execute(insert(changes), [{"registration_id": i, "kind": kind, "at": now}
                                       for i in ids[start:start + 50_000]])


def change_head(conn: Connection) -> int:
    """The number of the newest change (0: none): one step down the primary key (every search asks it)."""
    return int(conn.execute(_CHANGE_HEAD).scalar() or 0)


def changes_after(conn: Connection, seq: int, limit: int) -> list[tuple[int, int | None, str]]:
    """(number, registration, kind) of the changes after `seq`, oldest first, at most `limit`."""
    c = changes.c
    return [(int(r.seq), r.registration_id, r.kind) for r in conn.execute(
        select(c.seq, c.registration_id, c.kind).where(c.seq > seq).order_by(c.seq).limit(limit))]


def first_change(conn: Connection) -> int:
    """The number of the oldest change still kept (0: none)."""
    return int(conn.execute(select(func.min(changes.c.seq))).scalar() or 0)


def prune_changes(conn: Connection, before: datetime) -> int:
    """Forget changes older than this: an index that has not applied them since builds itself again."""
    return conn.execute(changes.delete().where(changes.c.at < before)).rowcount


def count_registrations(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(registrations)).scalar() or 0)


def iter_records(conn: Connection, chunk: int = 50_000) -> Iterator[list[PersonRecord]]:
    """Every registration as PersonRecords, `chunk` at a time in id order (keyset pages: no offset scans)."""
    last = 0
    while True:
        page = select(registrations.c.id).where(registrations.c.id > last).order_by(registrations.c.id).limit(chunk)
        high = conn.execute(select(func.max(page.subquery().c.id))).scalar()
        if high is None:
            return
        yield load_records(conn, between=(last, high))
        last = high

