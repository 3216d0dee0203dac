"""Use cases of forensics: the labs (maintained data), a case's requests and their steps (sent, received by the
lab, the result), the overdue samples and each lab's turnaround in the reader's area, and the forensic rule's
look-up for the charge-sheet (`CaseService.file_report` calls `charge_sheet_detail`).

Each step is one transaction: the request's row, an entry on the case's timeline (who and when), and a
`CaseUpdated` event. Her details never appear here: the sample's description and the result are stored with her
name, phone and address replaced by her pseudonym.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.cases import reading
from suraksha.cases.events import CaseUpdated, from_row
from suraksha.cases.forensics.model import (
    ForensicProblem,
    Lab,
    Sample,
    Step,
    charge_sheet_allowed,
    check_day,
    check_lab,
    check_result,
    check_sample,
    check_step,
    days_overdue,
    due_on,
    earliest_for,
    lab_code,
    missing_results,
    step_of,
    turnaround,
    words,
)
from suraksha.cases.forensics.store import forensic_labs, forensic_requests
from suraksha.cases.identity import SealedIdentity
from suraksha.cases.model import Entry
from suraksha.cases.store import add_entry, cases
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, ROLES_THAT_MANAGE_STATIONS, ROLES_THAT_SEE_CASES, Principal, Role
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound, SurakshaError
from suraksha.core.localtime import to_local

log = logging.getLogger(__name__)  # FIR numbers, request ids and usernames only
ENTRIES = {Step.SENT: Entry.FORENSIC_SENT, Step.RECEIVED: Entry.FORENSIC_RECEIVED, Step.RESULT: Entry.FORENSIC_RESULT}
COLUMNS = (forensic_requests, forensic_labs.c.code.label("lab_code"), forensic_labs.c.name.label("lab_name"),
           forensic_labs.c.city.label("lab_city"), cases.c.fir_number, cases.c.pseudonym, cases.c.station_id,
           cases.c.city)


def _error(err: ForensicProblem) -> SurakshaError:
    return (Conflict if err.conflict else InvalidInput)(str(err), code=err.code, **err.details)


def _sample(r: Any) -> Sample:
    return Sample(r.id, r.sample_kind, r.lab_code, r.sent_on, r.received_on, r.result_on, r.due_on)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def lab_dict(r: Any) -> dict:
    return {"code": r.code, "name": r.name, "state": r.state, "city": r.city, "kind": r.kind,
            "turnaround_days": r.turnaround_days, "source": r.source, "active": r.active, "updated_by": r.updated_by,
            "updated_at": r.updated_at.isoformat()}


class ForensicService:
    def __init__(self, engine: Engine, clock: Clock, access_case: Callable[..., Any], identity: SealedIdentity,
                 zone_for: Callable[[str | None], str]) -> None:
        self._engine, self._clock, self._access, self._identity = engine, clock, access_case, identity
        self._zone_for = zone_for
        # the case dashboards' figures, moved in the step's transaction (`CaseService` wires it)
        self.on_change: Callable[[Connection, int], None] = lambda _conn, _case_id: None

    @staticmethod
    def _role(principal: Principal, roles: frozenset[Role], what: str) -> None:
        if principal.role not in roles:
            raise Forbidden(f"the {principal.role.value} role may not {what}", code="forbidden_role")

    def _today(self, city: str | None, now: datetime | None = None) -> date:
        return to_local(now or self._clock.now(), self._zone_for(city)).date()

    # the labs ----------------------------------------------------------------------------------------------
    def labs(self, principal: Principal, active_only: bool = False) -> list[dict]:
        self._role(principal, ROLES_THAT_SEE_CASES, "see forensic labs")
        q = select(forensic_labs).order_by(forensic_labs.c.kind != "state", forensic_labs.c.kind,
                                           forensic_labs.c.state, forensic_labs.c.name)
        if active_only:
            q = q.where(forensic_labs.c.active.is_(True))
        with self._engine.connect() as conn:
            return [lab_dict(r) for r in conn.execute(q)]

    def set_lab(self, principal: Principal, code: str, name: str, state: str, city: str, kind: str,
                turnaround_days: int, source: str = "", active: bool = True) -> dict:
        """An administrator adds a lab or changes one (samples already sent keep the day their result was due)."""
        self._role(principal, ROLES_THAT_MANAGE_STATIONS, "change the forensic labs")
        try:
            lab = check_lab(Lab(code, name, state, city, kind, turnaround_days))
        except ForensicProblem as err:
            raise _error(err) from None
        now = self._clock.now()
        values = {"name": lab.name, "state": lab.state, "city": lab.city, "kind": lab.kind,
                  "turnaround_days": lab.turnaround_days, "source": words(source)[:600], "active": active,
                  "updated_by": principal.username, "updated_at": now}
        with self._engine.begin() as conn:
            found = conn.execute(select(forensic_labs.c.id).where(forensic_labs.c.code == lab.code)).first()
            if found:
                conn.execute(update(forensic_labs).where(forensic_labs.c.id == found.id).values(**values))
            else:
                conn.execute(insert(forensic_labs).values(code=lab.code, **values))
            row = conn.execute(select(forensic_labs).where(forensic_labs.c.code == lab.code)).one()
        log.info("forensic lab %s set by %s (%s days)", lab.code, principal.username, lab.turnaround_days)
        return lab_dict(row)

    # reading -----------------------------------------------------------------------------------------------
    def _joined(self):
        return select(*COLUMNS).select_from(forensic_requests.join(forensic_labs).join(cases))

    def _view(self, r: Any, now: datetime) -> dict:
        s = _sample(r)
        late = days_overdue(s, self._today(r.city, now))
        return {"id": r.id, "fir_number": r.fir_number, "pseudonym": r.pseudonym, "station_id": r.station_id,
                "lab_code": r.lab_code, "lab_name": r.lab_name, "lab_city": r.lab_city, "sample_kind": r.sample_kind,
                "description": r.description, "requested_at": r.requested_at.isoformat(),
                "requested_by": r.requested_by, "sent_on": _day(r.sent_on), "received_on": _day(r.received_on),
                "result_on": _day(r.result_on), "result": r.result, "conclusive": r.conclusive,
                "due_on": _day(r.due_on), "state": step_of(s).value, "overdue": late is not None,
                "days_overdue": late}

    def of_case(self, principal: Principal, number: str) -> list[dict]:
        """A case's requests, oldest first (the case in the principal's area, else 404)."""
        self._role(principal, ROLES_THAT_SEE_CASES, "see cases")
        now = self._clock.now()
        with self._engine.connect() as conn:
            row = self._access(conn, principal, number)
            found = conn.execute(self._joined().where(forensic_requests.c.case_id == row.id)
                                 .order_by(forensic_requests.c.id)).all()
        return [self._view(r, now) for r in found]

    def listing(self, principal: Principal, *, overdue: bool = False, limit: int = 500) -> list[dict]:
        """Samples without a result in the principal's area: those sent first, the longest overdue first; only the
        overdue ones if asked."""
        self._role(principal, ROLES_THAT_SEE_CASES, "see cases")
        now = self._clock.now()
        q = reading.scoped(self._joined(), principal).where(forensic_requests.c.result_on.is_(None))
        if overdue:  # every zone's today is at most this day (a day's margin; the exact test per case below)
            q = q.where(forensic_requests.c.due_on < (now + timedelta(days=1)).date())
        q = q.order_by(forensic_requests.c.due_on.is_(None), forensic_requests.c.due_on,
                       forensic_requests.c.id).limit(limit)
        with self._engine.connect() as conn:
            found = [self._view(r, now) for r in conn.execute(q)]
        return [f for f in found if f["overdue"]] if overdue else found

    def turnaround(self, principal: Principal) -> list[dict]:
        """Each lab that has samples from the principal's area: days from sent to result (median, 90th percentile),
        how many are completed, pending (sent, no result) and overdue."""
        self._role(principal, ROLES_THAT_SEE_CASES, "see cases")
        now = self._clock.now()
        q = reading.scoped(self._joined(), principal).where(forensic_requests.c.sent_on.is_not(None))
        by_lab: dict[str, list[Sample]] = {}
        today: dict[str, date] = {}
        with self._engine.connect() as conn:
            for r in conn.execute(q):
                by_lab.setdefault(r.lab_code, []).append(_sample(r))
                today.setdefault(r.lab_code, self._today(r.city, now))
            labs = {r.code: r for r in conn.execute(select(forensic_labs).where(forensic_labs.c.code.in_(by_lab)))}
        out = []
        for code in sorted(by_lab, key=lambda c: (labs[c].kind != "state", labs[c].kind, labs[c].name)):
            figures = turnaround(code, by_lab[code], today[code])
            lab = labs[code]
            out.append({"lab_code": code, "lab_name": lab.name, "city": lab.city, "state": lab.state,
                        "kind": lab.kind, "turnaround_days": lab.turnaround_days, "completed": figures.completed,
                        "median_days": figures.median_days, "p90_days": figures.p90_days,
                        "pending": figures.pending, "overdue": figures.overdue})
        return out

    # the steps -----------------------------------------------------------------------------------------------
    def _changed(self, conn: Connection, row: Any, now: datetime, entry: Entry, by: str, detail: dict) -> None:
        conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now))
        add_entry(conn, row.id, now, entry.value, by, detail)
        self.on_change(conn, row.id)
        fresh = conn.execute(select(cases).where(cases.c.id == row.id)).one()
        record(conn, from_row(CaseUpdated, fresh._mapping, change=entry.value, by=by), now)

    def _one(self, conn: Connection, principal: Principal, number: str, request_id: int) -> tuple[Any, Any]:
        self._role(principal, ROLES_THAT_INVESTIGATE, "change a case")
        row = self._access(conn, principal, number, acting=True)
        found = conn.execute(self._joined().where(forensic_requests.c.id == request_id,
                                                  forensic_requests.c.case_id == row.id)).first()
        if found is None:
            raise NotFound(f"FIR {row.fir_number} has no forensic request {request_id}",
                           code="forensic_request_not_found")
        return row, found

    def request(self, principal: Principal, number: str, code_typed: str, sample_kind: str, description: str) -> dict:
        """Record a forensic request on a case under investigation: the sample and the lab (not yet sent)."""
        self._role(principal, ROLES_THAT_INVESTIGATE, "change a case")
        try:
            kind, said = check_sample(sample_kind, description)
        except ForensicProblem as err:
            raise _error(err) from None
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._access(conn, principal, number, acting=True)
            if row.status != "under_investigation":
                raise Conflict("forensic requests are made while the case is under investigation",
                               code="case_not_under_investigation")
            code = lab_code(code_typed)
            lab = None if code is None else conn.execute(select(forensic_labs).where(
                forensic_labs.c.code == code, forensic_labs.c.active.is_(True))).first()
            if lab is None:
                raise InvalidInput(f"no forensic lab {words(code_typed)[:24]!r}", code="unknown_lab")
            said = self._identity.without_her(row, said)[:300]
            request_id = conn.execute(insert(forensic_requests).values(
                case_id=row.id, lab_id=lab.id, sample_kind=kind.value, description=said, requested_at=now,
                requested_by=principal.username, updated_by=principal.username, updated_at=now,
            ).returning(forensic_requests.c.id)).scalar_one()
            self._changed(conn, row, now, Entry.FORENSIC_REQUESTED, principal.username,
                          {"request": request_id, "sample_kind": kind.value, "lab": lab.code, "description": said})
            made = conn.execute(self._joined().where(forensic_requests.c.id == request_id)).one()
        log.info("forensic request %s on FIR %s to %s by %s", request_id, row.fir_number, lab.code,
                 principal.username)
        return self._view(made, now)

    def record_step(self, principal: Principal, number: str, request_id: int, step: Step, on: date | None,
                    result: str | None = None, conclusive: bool | None = None) -> dict:
        """The sample was sent, received by the lab, or its result came (a day: default today), each once and in
        order; a sent sample's result is due after the lab's turnaround."""
        now = self._clock.now()
        with self._engine.begin() as conn:
            row, found = self._one(conn, principal, number, request_id)
            sample = _sample(found)
            today = self._today(row.city, now)
            try:
                check_step(sample, step)
                offence_day = to_local(row.occurred_at, self._zone_for(row.city)).date()
                day = check_day(on or today, today, earliest_for(sample, step, offence_day),
                                f"the day it was {step.value}")
                text, sure = check_result(result, conclusive) if step is Step.RESULT else (None, None)
            except ForensicProblem as err:
                raise _error(err) from None
            values: dict[str, Any] = {f"{step.value}_on": day, "updated_by": principal.username, "updated_at": now}
            detail: dict[str, Any] = {"request": found.id, "sample_kind": found.sample_kind, "lab": found.lab_code,
                                      "on": day.isoformat()}
            if step is Step.SENT:
                turn = conn.execute(select(forensic_labs.c.turnaround_days)
                                    .where(forensic_labs.c.id == found.lab_id)).scalar_one()
                values["due_on"] = due_on(day, turn)
                detail["due_on"] = values["due_on"].isoformat()
            if step is Step.RESULT and text is not None:
                values |= {"result": self._identity.without_her(row, text)[:2000], "conclusive": sure}
                detail |= {"result": values["result"][:300], "conclusive": sure}
            column = forensic_requests.c[f"{step.value}_on"]
            done = conn.execute(update(forensic_requests).where(forensic_requests.c.id == found.id, column.is_(None))
                                .values(**values))
            if done.rowcount != 1:  # another officer recorded it meanwhile
                raise Conflict(f"the sample's {step.value} step is recorded already", code="forensic_step_done")
            self._changed(conn, row, now, ENTRIES[step], principal.username, detail)
            made = conn.execute(self._joined().where(forensic_requests.c.id == found.id)).one()
        log.info("forensic request %s on FIR %s: %s by %s", found.id, row.fir_number, step.value, principal.username)
        return self._view(made, now)

    # the forensic rule ---------------------------------------------------------------------------------------
    def charge_sheet_detail(self, conn: Connection, case_id: int, reason: str | None) -> dict:
        """In the charge-sheet's transaction: refused (409 `forensic_result_missing`, the samples in `details`)
        while a requested result is missing and no reason is given; else what goes on its timeline entry."""
        found = conn.execute(self._joined().where(forensic_requests.c.case_id == case_id)
                             .order_by(forensic_requests.c.id)).all()
        samples = [_sample(r) for r in found]
        try:
            why = charge_sheet_allowed(samples, reason)
        except ForensicProblem as err:
            raise _error(err) from None
        if why is None:
            return {}
        return {"forensic_reason": why, "forensic_missing": [s.id for s in missing_results(samples)]}
