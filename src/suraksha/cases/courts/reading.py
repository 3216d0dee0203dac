"""Reading the court side of a case: its court, hearings, adjournments, disposal and, on a conviction for a
registrable offence, the offender registry's registration form filled in with the case's details. Never anything
about her: the court side carries the FIR's number only."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from suraksha.cases.courts.model import Court, Disposal, Outcome
from suraksha.cases.courts.store import case_courts, courts, hearings
from suraksha.cases.model import OffenceSection
from suraksha.cases.store import case_accused

REGISTRY_FORM = "/registry/register"
SEXES = {"male": "M", "female": "F", "other": "T"}


def court_of(r: Any) -> Court:
    return Court(r.code, r.state, r.district, r.city, r.name, r.kind, r.source, r.active)


def court_dict(r: Any) -> dict:
    return {"code": r.code, "state": r.state, "district": r.district, "city": r.city, "name": r.name, "kind": r.kind,
            "source": r.source, "active": r.active, "updated_by": r.updated_by, "updated_at": r.updated_at.isoformat()}


def allocation_of(conn: Connection, case_id: int):
    """The case's allocation joined with its court (None: not allocated)."""
    return conn.execute(select(case_courts, courts.c.code, courts.c.name, courts.c.kind, courts.c.state,
                               courts.c.district, courts.c.city, courts.c.source, courts.c.active,
                               courts.c.updated_by, courts.c.updated_at)
                        .join(courts, courts.c.id == case_courts.c.court_id)
                        .where(case_courts.c.case_id == case_id)).first()


def hearings_of(conn: Connection, case_id: int) -> list:
    return list(conn.execute(select(hearings, courts.c.code.label("court_code"))
                             .join(courts, courts.c.id == hearings.c.court_id).where(hearings.c.case_id == case_id)
                             .order_by(hearings.c.scheduled_for, hearings.c.id)).all())


def adjournment_count(conn: Connection, case_id: int) -> int:
    return len(conn.execute(select(hearings.c.id).where(hearings.c.case_id == case_id,
                                                        hearings.c.outcome == Outcome.ADJOURNED.value)).all())


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def section_of(conn: Connection, row: Any, table: dict[str, OffenceSection], today: date, fir_day: date) -> dict:
    """The court side of a case, as the API answers and the case page shows it."""
    got = allocation_of(conn, row.id)
    heard = hearings_of(conn, row.id)
    body: dict[str, Any] = {
        "fir_number": row.fir_number, "status": row.status, "court": None, "allocated_at": None, "allocated_by": None,
        "hearings": [{"id": h.id, "scheduled_for": h.scheduled_for.isoformat(), "court_code": h.court_code,
                      "outcome": h.outcome, "adjournment_reason": h.adjournment_reason, "note": h.note,
                      "recorded_at": _iso(h.recorded_at), "recorded_by": h.recorded_by} for h in heard],
        "adjournments": sum(1 for h in heard if h.outcome == Outcome.ADJOURNED.value),
        "next_hearing": next((h.scheduled_for.isoformat() for h in heard
                              if h.outcome is None and h.scheduled_for >= today), None),
        "disposal": None, "registry_forms": []}
    if got is None:
        return body
    body |= {"court": {k: getattr(got, k) for k in ("code", "name", "kind", "state", "district", "city")},
             "allocated_at": got.allocated_at.isoformat(), "allocated_by": got.allocated_by}
    if got.disposal:
        body["disposal"] = {"disposal": got.disposal, "disposed_on": _iso(got.disposed_on),
                            "detail": got.disposal_detail, "judgment_ref": got.judgment_ref,
                            "convicted": list(got.convicted or [])}
        if got.disposal == Disposal.CONVICTION.value:
            body["registry_forms"] = registry_forms(conn, row, got, table, fir_day)
    return body


def registrable_sections(sections: list[str], table: dict[str, OffenceSection]) -> list[OffenceSection]:
    keys = dict.fromkeys(code.split("(")[0] for code in sections)
    return [table[k] for k in keys if k in table and table[k].registrable]


def registry_forms(conn: Connection, row: Any, got: Any, table: dict[str, OffenceSection],
                   fir_day: date) -> list[dict]:
    """On a conviction for a registrable offence: for each convicted accused, the registry's registration form
    (`/registry/register`) with the FIR's number, the registrable sections, the accused's name, age and sex, the
    court and the date of conviction filled in. Nothing when no section is registrable."""
    found = registrable_sections(list(row.sections), table)
    if not found:
        return []
    accused = conn.execute(select(case_accused).where(case_accused.c.case_id == row.id,
                                                      case_accused.c.position.in_(list(got.convicted or [])))
                           .order_by(case_accused.c.position)).all()
    out = []
    for a in accused:
        if not a.known:
            continue
        fields = {"fir_number": row.fir_number, "record_id": f"{row.fir_number}-{a.position + 1}",
                  "state": row.state or "", "district": got.district, "full_name": a.name or "",
                  "age": "" if a.age is None else str(a.age),
                  "age_as_of": fir_day.isoformat(), "sex": SEXES.get(a.sex or "", ""),
                  "act": ";".join(s.act for s in found), "section": ";".join(s.section for s in found),
                  "court": ";".join(got.name for _ in found), "case_number": ";".join(got.judgment_ref for _ in found),
                  "conviction_date": ";".join(got.disposed_on.isoformat() for _ in found)}
        out.append({"position": a.position, "name": a.name, "url": f"{REGISTRY_FORM}?{urlencode(fields)}"})
    return out
