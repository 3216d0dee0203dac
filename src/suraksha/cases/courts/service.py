"""Use cases of the court side: the courts as maintained data; a charge-sheeted case allocated (and re-allocated, with
a reason) to a court of its state; hearings scheduled and their outcomes recorded (the third adjournment and each
after it alert the station head and the district superintendent); the disposal. Each step is one transaction with its
timeline entry and its event (`CaseUpdated`); a refused step writes nothing. She is told of each hearing date and of
the outcome (`cases.updates`), in the same transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.cases.courts.model import (
    ADJOURNMENT_NOTIFY,
    Disposal,
    Outcome,
    adjournment_alert_due,
    adjournment_point,
    check_court,
    check_court_fits,
    check_disposal,
    check_hearing_date,
    check_outcome,
    clean,
)
from suraksha.cases.courts.reading import (
    adjournment_count,
    allocation_of,
    court_dict,
    court_of,
    section_of,
)
from suraksha.cases.courts.store import case_courts, courts, hearings
from suraksha.cases.events import CaseUpdated, from_row
from suraksha.cases.model import DISPOSED_STATUSES, CaseProblem, CaseStatus, Entry, check_reason
from suraksha.cases.rules import RuleBook
from suraksha.cases.store import add_entry, case_accused, cases
from suraksha.cases.timers import alert_at_once
from suraksha.cases.updates.model import Step
from suraksha.cases.updates.service import VictimUpdates
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, ROLES_THAT_MANAGE_STATIONS, ROLES_THAT_SEE_CASES, Principal, Role
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.localtime import to_local

log = logging.getLogger(__name__)  # FIR numbers, court codes and usernames only
DISPOSED_AS = {Disposal.CONVICTION: CaseStatus.CONVICTED, Disposal.ACQUITTAL: CaseStatus.ACQUITTED,
               Disposal.OTHER: CaseStatus.DISPOSED}
AccessCase = Callable[..., Any]


def _problem(err: CaseProblem) -> InvalidInput:
    return InvalidInput(str(err), code=err.code, **err.details)


def _role(principal: Principal, roles: frozenset[Role], what: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"the {principal.role.value} role may not {what}", code="forbidden_role")


class CourtService:
    def __init__(self, engine: Engine, clock: Clock, access_case: AccessCase, updates: VictimUpdates,
                 rules: RuleBook, zone_for: Callable[[str | None], str]) -> None:
        self._engine, self._clock, self._access_case, self._updates = engine, clock, access_case, updates
        self._rules, self._zone_for = rules, zone_for
        # the case dashboards' figures, moved in the step's transaction (`CaseService` wires it)
        self.on_change: Callable[[Connection, int], None] = lambda _conn, _case_id: None

    # the courts, as data ---------------------------------------------------------------------------------
    def list_courts(self, principal: Principal, state: str | None = None, kind: str | None = None,
                    active_only: bool = True) -> list[dict]:
        _role(principal, ROLES_THAT_SEE_CASES, "see courts")
        q = select(courts).order_by(courts.c.state, courts.c.district, courts.c.name)
        if state:
            q = q.where(courts.c.state == state.upper())
        if kind:
            q = q.where(courts.c.kind == kind)
        if active_only:
            q = q.where(courts.c.active.is_(True))
        with self._engine.connect() as conn:
            return [court_dict(r) for r in conn.execute(q)]

    def set_court(self, principal: Principal, code: str, fields: dict[str, Any]) -> dict:
        """An administrator adds a court or changes one (retires it with active=false): recorded with who and when."""
        _role(principal, ROLES_THAT_MANAGE_STATIONS, "change the courts")
        try:
            court = check_court(code, fields.get("state", ""), fields.get("district", ""), fields.get("city"),
                                fields.get("name", ""), fields.get("kind", ""), fields.get("source", ""),
                                bool(fields.get("active", True)))
        except CaseProblem as err:
            raise _problem(err) from None
        values = {"state": court.state, "district": court.district, "city": court.city, "name": court.name,
                  "kind": court.kind, "source": court.source, "active": court.active,
                  "updated_by": principal.username, "updated_at": self._clock.now()}
        with self._engine.begin() as conn:
            if conn.execute(select(courts.c.id).where(courts.c.code == court.code)).first():
                conn.execute(update(courts).where(courts.c.code == court.code).values(**values))
            else:
                conn.execute(insert(courts).values(code=court.code, **values))
            row = conn.execute(select(courts).where(courts.c.code == court.code)).one()
        return court_dict(row)

    def courts_for(self, principal: Principal, number: str) -> list[dict]:
        """The courts that may try this case (its state's, by the POCSO rule), for the allocation form."""
        with self._engine.connect() as conn:
            row = self._access_case(conn, principal, number)
            found = conn.execute(select(courts).where(courts.c.state == (row.state or ""), courts.c.active.is_(True))
                                 .order_by(courts.c.district, courts.c.name)).all()
        return [court_dict(r) for r in found if _fits(court_of(r), row)]

    # reading a case's court side --------------------------------------------------------------------------
    def section(self, principal: Principal, number: str) -> dict:
        _role(principal, ROLES_THAT_SEE_CASES, "see cases")
        with self._engine.connect() as conn:
            row = self._access_case(conn, principal, number)
            fir_day = to_local(row.registered_at, self._zone_for(row.city)).date()  # the accused's age was as of it
            return section_of(conn, row, self._rules.section_table(conn, active_only=False), self._today(row),
                              fir_day)

    # the steps ---------------------------------------------------------------------------------------------
    @contextmanager
    def _step(self, principal: Principal, number: str) -> Iterator[tuple[Connection, Any, datetime]]:
        """One transaction on a charge-sheeted case in the principal's scope (another station's case: not found)."""
        _role(principal, ROLES_THAT_INVESTIGATE, "change a case")
        with self._engine.begin() as conn:
            row = self._access_case(conn, principal, number)
            if row.status in DISPOSED_STATUSES:
                raise Conflict("the court has disposed of the case", code="case_already_disposed")
            if row.status != CaseStatus.CHARGE_SHEETED.value:
                raise Conflict("only a charge-sheeted case goes to court", code="case_not_charge_sheeted")
            yield conn, row, self._clock.now()

    def _done(self, conn: Connection, row: Any, now: datetime, entry: Entry, by: str, detail: dict,
              **values: Any) -> Any:
        conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now, **values))
        add_entry(conn, row.id, now, entry.value, by, detail)
        self.on_change(conn, row.id)
        fresh = conn.execute(select(cases).where(cases.c.id == row.id)).one()
        record(conn, from_row(CaseUpdated, fresh._mapping, change=entry.value, by=by), now)
        return fresh

    def _today(self, row: Any) -> date:
        return to_local(self._clock.now(), self._zone_for(row.city)).date()

    def allocate(self, principal: Principal, number: str, court_code: str, reason: str | None = "") -> dict:
        """Give a charge-sheeted case to a court of its state; giving it to another court needs a reason."""
        code = " ".join(clean(court_code).split()).upper()[:32]
        with self._step(principal, number) as (conn, row, now):
            court = conn.execute(select(courts).where(courts.c.code == code)).first()
            if court is None:
                raise InvalidInput(f"no court {code!r}", code="unknown_court")
            try:
                check_court_fits(court_of(court), row.state, _pocso(row))
                had = allocation_of(conn, row.id)
                if had is not None and had.court_id == court.id:
                    raise Conflict("the case is already at that court", code="already_at_court")
                why = check_reason(clean(reason), "the reason for moving the case to another court") if had else \
                    " ".join(clean(reason).split())[:500]
            except CaseProblem as err:
                raise _problem(err) from None
            if had is None:
                conn.execute(insert(case_courts).values(case_id=row.id, court_id=court.id, allocated_at=now,
                                                        allocated_by=principal.username))
                entry, detail = Entry.COURT_ALLOCATED, {"court": court.code, "court_name": court.name, "reason": why}
            else:
                conn.execute(update(case_courts).where(case_courts.c.case_id == row.id).values(
                    court_id=court.id, allocated_at=now, allocated_by=principal.username))
                entry, detail = Entry.COURT_REALLOCATED, {"from": had.code, "to": court.code,
                                                          "court_name": court.name, "reason": why}
            self._done(conn, row, now, entry, principal.username, detail)
        log.info("FIR %s allocated to court %s by %s", row.fir_number, code, principal.username)
        return self.section(principal, number)

    def _allocated(self, conn: Connection, row: Any) -> Any:
        got = allocation_of(conn, row.id)
        if got is None:
            raise Conflict("allocate the case to a court first", code="no_court_allocated")
        return got

    def schedule(self, principal: Principal, number: str, day: date, note: str = "") -> dict:
        """The court's next date for the case (one waiting hearing at a time); she is told the date and court."""
        with self._step(principal, number) as (conn, row, now):
            got = self._allocated(conn, row)
            waiting = conn.execute(select(hearings.c.id).where(hearings.c.case_id == row.id,
                                                               hearings.c.outcome.is_(None))).first()
            if waiting is not None:
                raise Conflict("record the outcome of the hearing already scheduled first",
                               code="hearing_outcome_pending")
            try:
                check_hearing_date(day, self._today(row), to_local(got.allocated_at, self._zone_for(row.city)).date())
            except CaseProblem as err:
                raise _problem(err) from None
            said = " ".join(clean(note).split())[:500] or None
            made = conn.execute(insert(hearings).values(
                case_id=row.id, court_id=got.court_id, scheduled_for=day, note=said, created_at=now,
                created_by=principal.username)).inserted_primary_key
            hearing_id = made[0] if made else None
            fresh = self._done(conn, row, now, Entry.HEARING_SCHEDULED, principal.username,
                               {"hearing": hearing_id, "on": day.isoformat(), "court": got.code})
            self._updates.tell(conn, fresh, Step.HEARING_DATE, now, hearing_on=day, court=got.name)
        return self.section(principal, number)

    def record_outcome(self, principal: Principal, number: str, hearing_id: int, outcome: str,
                       reason: str | None = "", note: str | None = "") -> dict:
        """What happened on a hearing's date; the third adjournment (and each after it) alerts senior officers."""
        with self._step(principal, number) as (conn, row, now):
            h = conn.execute(select(hearings).where(hearings.c.id == hearing_id, hearings.c.case_id == row.id)).first()
            if h is None:
                raise NotFound(f"no hearing {hearing_id} on this case", code="hearing_not_found")
            if h.outcome is not None:
                raise Conflict("that hearing's outcome is already recorded", code="outcome_already_recorded")
            try:
                chosen, why = check_outcome(outcome, reason, h.scheduled_for, self._today(row))
            except CaseProblem as err:
                raise _problem(err) from None
            adjourned = chosen is Outcome.ADJOURNED
            conn.execute(update(hearings).where(hearings.c.id == h.id).values(
                outcome=chosen.value, adjournment_reason=why if adjourned else None,
                note=h.note if adjourned else (why or h.note), recorded_at=now, recorded_by=principal.username))
            count = adjournment_count(conn, row.id)
            fresh = self._done(conn, row, now, Entry.HEARING_OUTCOME, principal.username,
                               {"hearing": h.id, "on": h.scheduled_for.isoformat(), "outcome": chosen.value,
                                "reason": why, "adjournments": count})
            if adjourned and adjournment_alert_due(count):
                point = adjournment_point(count)
                add_entry(conn, row.id, now, Entry.ADJOURNMENT_ALERT.value, None,
                          {"point": point, "adjournments": count, "notify": list(ADJOURNMENT_NOTIFY)})
                alert_at_once(conn, fresh, point, ADJOURNMENT_NOTIFY, now)
                log.info("FIR %s: adjourned %d times: senior officers alerted", row.fir_number, count)
        return self.section(principal, number)

    def dispose(self, principal: Principal, number: str, disposal: str, disposed_on: date | None,
                judgment_ref: str | None, detail: str | None = "", convicted: list[int] | None = None) -> dict:
        """The judgment: conviction (of which accused), acquittal or other; the case's status follows it, a hearing
        still waiting is closed, and she is told the outcome."""
        with self._step(principal, number) as (conn, row, now):
            got = self._allocated(conn, row)
            today = self._today(row)
            day = disposed_on or today
            try:
                chosen, ref, said = check_disposal(disposal, judgment_ref, detail, day, today,
                                                   to_local(got.allocated_at, self._zone_for(row.city)).date())
            except CaseProblem as err:
                raise _problem(err) from None
            who = self._convicted(conn, row.id, convicted) if chosen is Disposal.CONVICTION else None
            conn.execute(update(case_courts).where(case_courts.c.case_id == row.id).values(
                disposal=chosen.value, disposed_on=day, disposal_detail=said, judgment_ref=ref, convicted=who))
            for outcome, same_day in ((Outcome.JUDGMENT_DELIVERED, True), (Outcome.CANCELLED, False)):
                conn.execute(update(hearings).where(
                    hearings.c.case_id == row.id, hearings.c.outcome.is_(None),
                    (hearings.c.scheduled_for == day) if same_day else (hearings.c.scheduled_for != day))
                    .values(outcome=outcome.value, recorded_at=now, recorded_by=principal.username))
            fresh = self._done(conn, row, now, Entry.DISPOSED, principal.username,
                               {"disposal": chosen.value, "on": day.isoformat(), "judgment_ref": ref, "detail": said,
                                "convicted": who, "court": got.code}, status=DISPOSED_AS[chosen].value)
            self._updates.tell(conn, fresh, Step.OUTCOME, now, disposal=chosen.value)
        log.info("FIR %s disposed of (%s) by %s", row.fir_number, chosen.value, principal.username)
        return self.section(principal, number)

    @staticmethod
    def _convicted(conn: Connection, case_id: int, positions: list[int] | None) -> list[int]:
        """The convicted accused by their place in the FIR's list (default: every known accused)."""
        rows = conn.execute(select(case_accused.c.position, case_accused.c.known)
                            .where(case_accused.c.case_id == case_id)).all()
        if positions is None:
            chosen = sorted(r.position for r in rows if r.known)
        else:
            have = {r.position for r in rows}
            chosen = sorted(set(positions))
            if any(p not in have for p in chosen):
                raise InvalidInput("name the convicted accused by their place in the FIR's list, from 0",
                                   code="unknown_accused")
        if not chosen:
            raise InvalidInput("say which accused were convicted", code="convicted_required")
        return chosen


def _pocso(row: Any) -> bool:
    return any(str(code).upper().startswith("POCSO") for code in row.sections)


def _fits(court, row: Any) -> bool:
    try:
        check_court_fits(court, row.state, _pocso(row))
    except CaseProblem:
        return False
    return True
