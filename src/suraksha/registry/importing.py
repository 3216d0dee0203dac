"""States' uploads: every row checked, good rows written, bad rows reported; re-sends update, never duplicate."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text, update

from suraksha.adapters.bulk import BulkInsert
from suraksha.core.errors import InvalidInput
from suraksha.registry import store
from suraksha.registry.rows import RegistrationRow, RowProblem, parse_row
from suraksha.registry.rules import identity_hash, purge_due

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    alerts: int = 0
    written: list[int] = field(default_factory=list, repr=False)  # registrations created or updated

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "alerts": self.alerts, "problems": [p.as_dict() for p in self.problems]}


def read_rows(data: bytes, state_override: str | None) -> Iterator[tuple[dict, int]]:
    """The rows of a CSV upload and the line each starts on, one at a time; refuses files without the key columns
    (before any row is read)."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file is not UTF-8 text", code="not_utf8") from None
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    needed = ["record_id", "full_name"] + ([] if state_override else ["state"])
    missing = [c for c in needed if c not in header]
    if missing:
        raise InvalidInput(f"the file has no column {', '.join(missing)}", code="bad_header", missing=missing)
    return _rows(reader)


def _rows(reader: csv.DictReader) -> Iterator[tuple[dict, int]]:
    start = reader.line_num + 1
    for row in reader:
        yield row, start
        start = reader.line_num + 1


CHUNK = 5_000  # rows written together: a few statements per chunk (COPY on PostgreSQL), not ten per row
_PERSONS = BulkInsert(store.persons, ("id", "created_at"))
_REGISTRATIONS = BulkInsert(store.registrations, (
    "id", "person_id", "state", "record_id", "district", "full_name", "father_name", "sex", "dob", "age", "age_as_of",
    "risk_tier", "registered_on", "purge_due", "fingerprint", "created_at", "updated_at"))
_NAMES = BulkInsert(store.names, ("registration_id", "name", "is_alias"))
_MARKS = BulkInsert(store.marks, ("registration_id", "description"))
_IDENTITIES = BulkInsert(store.identities, ("registration_id", "kind", "number_hmac"))
_CONVICTIONS = BulkInsert(store.convictions, ("registration_id", "act", "section", "court", "case_number",
                                               "conviction_date", "sentence"))
_ADDRESSES = BulkInsert(store.addresses, ("registration_id", "address", "state", "district", "lat", "lon",
                                          "valid_from", "recorded_at"))


class RegistrationWriter:
    """Writes clean rows, a chunk at a time. Key: registering state + the state's record_id."""

    def __init__(self, id_key: bytes) -> None:
        self._key = id_key

    def run(self, conn: Connection, data: bytes, now: datetime, state_override: str | None,
            allowed_state: str | None, progress: Progress | None = None) -> ImportReport:
        rows = read_rows(data, state_override)
        total = max(data.count(b"\n") - 1, 1)  # lines after the header: the rows, or a little more (quoted breaks)
        report = ImportReport()
        chunk: dict[tuple[str, str], RegistrationRow] = {}
        k = 0
        for k, (raw, line) in enumerate(rows, start=1):
            row, problems = parse_row(raw, line, now.date(), state_override)
            if row is not None and allowed_state and row.state != allowed_state:
                problems = [RowProblem(line, "state", f"your account may upload only {allowed_state} records")]
            if problems:
                report.problems.extend(problems)
            else:
                assert row is not None
                if (row.state, row.record_id) in chunk or len(chunk) >= CHUNK:  # a record twice: in file order
                    self.write_many(conn, list(chunk.values()), now, report)
                    chunk = {}
                chunk[(row.state, row.record_id)] = row
            if progress and (k % 1000 == 0):
                progress(k, max(total, k))
        if chunk:
            self.write_many(conn, list(chunk.values()), now, report)
        if progress:
            progress(k, k)
        store.note_changes(conn, "upsert", report.written, now)
        return report

    def write(self, conn: Connection, row: RegistrationRow, now: datetime, report: ImportReport) -> None:
        self.write_many(conn, [row], now, report)
        store.note_changes(conn, "upsert", report.written, now)

    def write_many(self, conn: Connection, rows: list[RegistrationRow], now: datetime, report: ImportReport) -> None:
        """Write registrations with distinct keys: new ones inserted, changed ones updated, the same ones left."""
        regs = store.registrations
        existing: dict[tuple[str, str], tuple[int, str]] = {}
        by_state: dict[str, list[str]] = {}
        for row in rows:
            by_state.setdefault(row.state, []).append(row.record_id)
        for state, record_ids in by_state.items():
            for r in conn.execute(_held(conn, state, record_ids)):
                existing[(state, r.record_id)] = (r.id, r.fingerprint)
        new: list[tuple[RegistrationRow, dict]] = []
        changed: list[tuple[RegistrationRow, dict]] = []
        for row in rows:
            fingerprint = hmac.new(self._key, row.content().encode(), hashlib.sha256).hexdigest()
            found = existing.get((row.state, row.record_id))
            if found is not None and found[1] == fingerprint:
                report.unchanged += 1
                continue
            values = _registration_values(row) | {"fingerprint": fingerprint, "updated_at": now}
            (changed if found else new).append((row, values | ({"_id": found[0]} if found else {})))
        written: list[tuple[int, RegistrationRow]] = []
        if new:
            person_ids = _PERSONS.load(conn, [{"created_at": now} for _ in new], new_ids=True)
            reg_ids = _REGISTRATIONS.load(conn, [values | {"person_id": person_id, "created_at": now}
                                                 for (_, values), person_id in zip(new, person_ids)], new_ids=True)
            written += list(zip(reg_ids, (row for row, _ in new)))
            report.created += len(new)
        if changed:
            columns: dict[str, Any] = {k: bindparam(k) for k in changed[0][1] if k != "_id"}
            conn.execute(update(regs).where(regs.c.id == bindparam("_id")).values(columns),
                         [values for _, values in changed])
            ids = [values["_id"] for _, values in changed]
            for table in (store.names, store.marks, store.identities, store.convictions):
                conn.execute(delete(table).where(table.c.registration_id.in_(ids)))
            written += [(values["_id"], row) for row, values in changed]
            report.updated += len(changed)
        if written:
            self._details(conn, written)
            report.alerts += _append_addresses(conn, written, now, {values["_id"] for _, values in changed})
            report.written += [reg_id for reg_id, _ in written]

    def _details(self, conn: Connection, written: list[tuple[int, RegistrationRow]]) -> None:
        """Names (and aliases), marks, identity numbers (keyed hashes only) and convictions, each table at once."""
        names, marks, identities, convictions = [], [], [], []
        for reg_id, row in written:
            names.append({"registration_id": reg_id, "name": row.full_name, "is_alias": False})
            names += [{"registration_id": reg_id, "name": a, "is_alias": True} for a in row.aliases]
            marks += [{"registration_id": reg_id, "description": m} for m in row.marks]
            identities += [{"registration_id": reg_id, "kind": kind,
                            "number_hmac": identity_hash(self._key, kind, number)} for kind, number in row.identities]
            convictions += [{"registration_id": reg_id, "act": c.act, "section": c.section, "court": c.court,
                             "case_number": c.case_number, "conviction_date": c.conviction_date,
                             "sentence": c.sentence} for c in row.convictions]
        for table, values in ((_NAMES, names), (_MARKS, marks), (_IDENTITIES, identities),
                              (_CONVICTIONS, convictions)):
            if values:
                table.load(conn, values)


_HELD_PG = text("SELECT r.id, r.record_id, r.fingerprint FROM registry_registrations AS r"
                " JOIN unnest(CAST(:ids AS text[])) AS k(record_id) ON r.record_id = k.record_id"
                " WHERE r.state = :state")


def _held(conn: Connection, state: str, record_ids: list[str]):
    """The registrations of these keys already held. On PostgreSQL the keys travel as one array joined to the table
    (an index probe each, or one hash join): a list of thousands of parameters in `IN (…)` is compared linearly
    against every row of a sequential scan, which the planner picks inside a large upload (73 s a chunk at 1 M
    rows, measured)."""
    regs = store.registrations
    if conn.dialect.name == "postgresql":
        return _HELD_PG.bindparams(ids=record_ids, state=state)
    return select(regs.c.id, regs.c.record_id, regs.c.fingerprint).where(
        regs.c.state == state, regs.c.record_id.in_(record_ids))


def _registration_values(row: RegistrationRow) -> dict:
    return {
        "state": row.state, "record_id": row.record_id, "district": row.district, "full_name": row.full_name,
        "father_name": row.father_name, "sex": row.sex, "dob": row.dob, "age": row.age,
        "age_as_of": row.age_as_of, "risk_tier": row.risk_tier, "registered_on": row.registered_on,
        "purge_due": purge_due(row.risk_tier, row.registered_on, [c.conviction_date for c in row.convictions]),
    }


def _append_addresses(conn: Connection, written: list[tuple[int, RegistrationRow]], now: datetime,
                      updated: set[int]) -> int:
    """A changed address is appended (the history is kept). Returns the number of movement alerts raised. Only the
    `updated` registrations can have a current address already."""
    given = [(reg_id, row) for reg_id, row in written if row.address is not None]
    if not given:
        return 0
    had = [reg_id for reg_id, _ in given if reg_id in updated]
    current = store.latest_addresses(conn, had) if had else {}
    appended: list[dict] = []
    moved: list[tuple[int, str, str]] = []
    for reg_id, row in given:
        a = row.address
        assert a is not None
        there = a.state or row.state
        new = {"address": a.text, "state": there, "district": a.district, "lat": a.lat, "lon": a.lon}
        was = current.get(reg_id)
        if was is not None and all(was[k] == v for k, v in new.items()):
            continue
        appended.append(new | {"registration_id": reg_id, "valid_from": a.valid_from, "recorded_at": now})
        if there != row.state:
            moved.append((reg_id, row.state, there))
    if appended:
        _ADDRESSES.load(conn, appended)
    return sum(raise_movement_alerts(conn, reg_id, "moved_address", home, there, now) for reg_id, home, there in moved)


def raise_movement_alerts(conn: Connection, reg_id: int, kind: str, from_state: str, to_state: str,
                          now: datetime) -> int:
    """Both states' registry officers hear of it: the registering state and the one the person is now in."""
    a = store.alerts
    pending = {r.state for r in conn.execute(select(a.c.state).where(
        a.c.registration_id == reg_id, a.c.kind == kind, a.c.to_state == to_state, a.c.read_at.is_(None)))}
    rows = [{"state": s, "registration_id": reg_id, "kind": kind, "from_state": from_state, "to_state": to_state,
             "created_at": now} for s in dict.fromkeys((from_state, to_state)) if s not in pending]
    if rows:
        conn.execute(insert(a), rows)
    return len(rows)
