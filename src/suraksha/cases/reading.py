"""Reading cases: the views lists, pages and the API show. Her details never appear here: she is her pseudonym.

Functions take the caller's connection; the service has checked the scope first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from suraksha.adapters.db import scope_filter
from suraksha.cases.model import STOPPED_STATUSES, clock_state, days_left
from suraksha.cases.store import case_accused, case_log, case_unsealings, cases
from suraksha.core.auth import Principal
from suraksha.core.localtime import to_local


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def scoped(query, principal: Principal):
    """The one scope rule (`core.auth.scope_key`) as SQL on the case's station, city and state."""
    return query.where(scope_filter(principal, station_id=cases.c.station_id, city=cases.c.city,
                                    state=cases.c.state))


def clock_of(r: Any, now: datetime, zone_name: str) -> dict:
    """The investigation clock of a case: its deadline, whole days left (negative: over), its colour, and once
    stopped whether the report was filed by the deadline's day (BNSS s193(2) counts in days)."""
    stopped = r.status in STOPPED_STATUSES
    left = days_left(r.deadline_at, now) if r.deadline_at is not None and not stopped and r.status != "lapsed" \
        else None
    within = None
    if stopped and r.deadline_at is not None and r.report_filed_on is not None:
        within = r.report_filed_on <= to_local(r.deadline_at, zone_name).date()
    return {"deadline_at": iso(r.deadline_at), "deadline_days": r.deadline_days, "days_left": left,
            "clock": "lapsed" if r.status == "lapsed" else clock_state(r.deadline_at, stopped, now),
            "within_deadline": within}


def summary_of(r: Any, names: dict[int, str], now: datetime, zone_name: str) -> dict:
    """A case as lists show it: no substance, no accused, her pseudonym only."""
    return {"fir_number": r.fir_number, "zero_fir_number": r.zero_fir_number, "station_id": r.station_id,
            "station_name": names.get(r.station_id), "city": r.city, "state": r.state, "kind": r.kind,
            "status": r.status, "zero_fir": r.zero_fir, "sections": list(r.sections),
            "sexual_offence": r.sexual_offence, "pseudonym": r.pseudonym, "io_username": r.io_username,
            "registered_at": iso(r.registered_at), "recorded_at": iso(r.recorded_at),
            "signature_due_at": iso(r.signature_due_at), "stopped_at": iso(r.stopped_at),
            "report_reference": r.report_reference,
            "report_filed_on": r.report_filed_on.isoformat() if r.report_filed_on else None,
            } | clock_of(r, now, zone_name)


def accused_of(conn: Connection, case_id: int) -> list[dict]:
    rows = conn.execute(select(case_accused).where(case_accused.c.case_id == case_id)
                        .order_by(case_accused.c.position)).all()
    return [{"position": a.position, "known": a.known, "name": a.name, "age": a.age, "sex": a.sex,
             "description": a.description, "registry_person_id": a.registry_person_id,
             "registry_linked_by": a.registry_linked_by, "registry_linked_at": iso(a.registry_linked_at)}
            for a in rows]


def timeline_of(conn: Connection, case_id: int) -> list[dict]:
    rows = conn.execute(select(case_log).where(case_log.c.case_id == case_id)
                        .order_by(case_log.c.at, case_log.c.id)).all()
    return [{"at": iso(e.at), "kind": e.kind, "actor": e.actor, "detail": dict(e.detail or {})} for e in rows]


def unsealings_of(conn: Connection, case_id: int) -> list[dict]:
    rows = conn.execute(select(case_unsealings).where(case_unsealings.c.case_id == case_id)
                        .order_by(case_unsealings.c.id)).all()
    return [{"at": iso(u.at), "actor": u.actor, "role": u.role, "reason": u.reason, "granted": u.granted,
             "refused_code": u.refused_code} for u in rows]
