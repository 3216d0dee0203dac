"""States' uploads: every row checked, good rows written, bad rows reported; re-sends update, never duplicate."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

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

    @property
    def rejected(self) -> int:
        return len({p.row for p in self.problems})

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "alerts": self.alerts, "problems": [p.as_dict() for p in self.problems]}


def read_rows(data: bytes, state_override: str | None) -> tuple[list[dict], list[int]]:
    """The rows of a CSV upload and the line each starts on; refuses files without the key columns."""
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
    rows, lines = [], []
    start = reader.line_num + 1
    for row in reader:
        rows.append(row)
        lines.append(start)
        start = reader.line_num + 1
    return rows, lines


class RegistrationWriter:
    """Writes clean rows. Key: registering state + the state's record_id."""

    def __init__(self, id_key: bytes) -> None:
        self._key = id_key

    def run(self, conn: Connection, data: bytes, now: datetime, state_override: str | None,
            allowed_state: str | None, progress: Progress | None = None) -> ImportReport:
        rows, lines = read_rows(data, state_override)
        report = ImportReport()
        for k, (raw, line) in enumerate(zip(rows, lines), start=1):
            row, problems = parse_row(raw, line, now.date(), state_override)
            if row is not None and allowed_state and row.state != allowed_state:
                problems = [RowProblem(line, "state", f"your account may upload only {allowed_state} records")]
            if problems:
                report.problems.extend(problems)
            else:
                self.write(conn, row, now, report)
            if progress:
                progress(k, len(rows))
        return report

    def write(self, conn: Connection, row: RegistrationRow, now: datetime, report: ImportReport) -> None:
        regs = store.registrations
        fingerprint = hmac.new(self._key, row.content().encode(), hashlib.sha256).hexdigest()
        existing = conn.execute(select(regs.c.id, regs.c.fingerprint).where(
            regs.c.state == row.state, regs.c.record_id == row.record_id)).first()
        if existing is not None and existing.fingerprint == fingerprint:
            report.unchanged += 1
            return
        values = _registration_values(row) | {"fingerprint": fingerprint, "updated_at": now}
        if existing is None:
            person_id = conn.execute(insert(store.persons).values(created_at=now)).inserted_primary_key[0]
            reg_id = conn.execute(insert(regs).values(
                values | {"person_id": person_id, "created_at": now})).inserted_primary_key[0]
            report.created += 1
        else:
            reg_id = existing.id
            conn.execute(update(regs).where(regs.c.id == reg_id).values(values))
            report.updated += 1
        self._replace_details(conn, reg_id, row)
        report.alerts += _append_address(conn, reg_id, row, now)

    def _replace_details(self, conn: Connection, reg_id: int, row: RegistrationRow) -> None:
        for table in (store.names, store.marks, store.identities, store.convictions):
            conn.execute(delete(table).where(table.c.registration_id == reg_id))
        name_rows = [{"registration_id": reg_id, "name": row.full_name, "is_alias": False}]
        name_rows += [{"registration_id": reg_id, "name": a, "is_alias": True} for a in row.aliases]
        conn.execute(insert(store.names), name_rows)
        if row.marks:
            conn.execute(insert(store.marks), [{"registration_id": reg_id, "description": m} for m in row.marks])
        if row.identities:
            conn.execute(insert(store.identities), [
                {"registration_id": reg_id, "kind": kind, "number_hmac": identity_hash(self._key, kind, number)}
                for kind, number in row.identities])
        if row.convictions:
            conn.execute(insert(store.convictions), [
                {"registration_id": reg_id, "act": c.act, "section": c.section, "court": c.court,
                 "case_number": c.case_number, "conviction_date": c.conviction_date, "sentence": c.sentence}
                for c in row.convictions])


def _registration_values(row: RegistrationRow) -> dict:
    return {
        "state": row.state, "record_id": row.record_id, "district": row.district, "full_name": row.full_name,
        "father_name": row.father_name, "sex": row.sex, "dob": row.dob, "age": row.age,
        "age_as_of": row.age_as_of, "risk_tier": row.risk_tier, "registered_on": row.registered_on,
        "purge_due": purge_due(row.risk_tier, row.registered_on, [c.conviction_date for c in row.convictions]),
    }


def _append_address(conn: Connection, reg_id: int, row: RegistrationRow, now: datetime) -> int:
    """A changed address is appended (the history is kept). Returns the number of movement alerts raised."""
    a = row.address
    if a is None:
        return 0
    current = store.latest_addresses(conn, [reg_id]).get(reg_id)
    new = {"address": a.text, "state": a.state or row.state, "district": a.district, "lat": a.lat, "lon": a.lon}
    if current is not None and all(current[k] == v for k, v in new.items()):
        return 0
    conn.execute(insert(store.addresses).values(new | {"registration_id": reg_id, "valid_from": a.valid_from,
                                                       "recorded_at": now}))
    if new["state"] == row.state:
        return 0
    return raise_movement_alerts(conn, reg_id, "moved_address", row.state, new["state"], now)


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
