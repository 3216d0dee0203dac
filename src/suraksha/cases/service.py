"""Use cases of the case side: register an FIR (from an incident, a walk-in or an e-FIR), read cases through the one
scope rule, assign the investigating officer, record delays, a charge-sheet or a closure report, sign an e-FIR,
transfer a zero FIR; the clock's alerts (`timers`) and her sealed identity (`identity`).

Each change is one transaction with its timeline entry and its event; a refused change writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.accounts.service import AccountService
from suraksha.adapters.outbox import record
from suraksha.cases import reading
from suraksha.cases.accused import AccusedInRegistry
from suraksha.cases.courts.service import CourtService
from suraksha.cases.dashboards.service import CaseDashboards
from suraksha.cases.events import CaseRegistered, CaseTransferred, CaseUpdated, from_row
from suraksha.cases.forensics.service import ForensicService
from suraksha.cases.identity import SealedIdentity
from suraksha.cases.model import (
    E_FIR_SIGNATURE_WINDOW,
    OPEN_STATUSES,
    STOPPED_STATUSES,
    CaseKind,
    CaseProblem,
    CaseStatus,
    DelayCategory,
    Entry,
    Fir,
    check_fir,
    check_reason,
    days_left,
    deadline_of,
    fir_number,
    pseudonym,
)
from suraksha.cases.rules import RuleBook
from suraksha.cases.store import add_entry, case_accused, cases, find_case, next_serial
from suraksha.cases.timers import (
    DEADLINE_ALERT,
    E_FIR_LAPSE,
    CaseTimers,
    adjournments_of,
    cancel,
    schedule_alerts,
    schedule_lapse,
)
from suraksha.cases.updates.model import Step
from suraksha.cases.updates.service import VictimUpdates
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, ROLES_THAT_SEE_CASES, Locus, Principal, Role
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.i18n import supported
from suraksha.core.localtime import to_local
from suraksha.core.phones import to_e164
from suraksha.core.privacy import Sealer
from suraksha.incidents.service import IncidentService
from suraksha.messaging.service import MessageService
from suraksha.stations.model import StationRef
from suraksha.stations.service import StationService

log = logging.getLogger(__name__)  # FIR numbers, stations and usernames only: never her details
REPORTS = {"charge_sheet": (CaseStatus.CHARGE_SHEETED, Entry.CHARGE_SHEET),
           "closure_report": (CaseStatus.CLOSURE_REPORT, Entry.CLOSURE_REPORT)}


def problem(err: CaseProblem) -> InvalidInput:
    return InvalidInput(str(err), code=err.code, **err.details)


class CaseService:
    def __init__(self, engine: Engine, clock: Clock, stations: StationService, incidents: IncidentService,
                 accounts: AccountService, sealer: Sealer, zone_for: Callable[[str | None], str],
                 messages: MessageService | None = None, track_url: str = "") -> None:
        self._engine, self._clock, self._stations, self._incidents = engine, clock, stations, incidents
        self._accounts, self._zone_for = accounts, zone_for
        self.identity = SealedIdentity(engine, clock, sealer)
        self.timers = CaseTimers(engine, clock)
        self.rules = RuleBook(engine, clock)
        self.accused = AccusedInRegistry(engine, clock, None, self.access_case)  # the registry: wired by bootstrap
        self.updates = VictimUpdates(engine, clock, sealer, messages, self._station_in, zone_for, self.access_case,
                                     track_url)
        self.forensics = ForensicService(engine, clock, self.access_case, self.identity, zone_for)
        self.courts = CourtService(engine, clock, self.access_case, self.updates, self.rules, zone_for)
        self.dashboards = CaseDashboards(engine, clock, zone_for, stations)  # its figures move with each change
        self.forensics.on_change = self.courts.on_change = self.dashboards.refresh

    # who may -------------------------------------------------------------------------------------------
    @staticmethod
    def _role(principal: Principal, roles: frozenset[Role], what: str) -> None:
        if principal.role not in roles:
            raise Forbidden(f"the {principal.role.value} role may not {what}", code="forbidden_role")

    def access_case(self, conn: Connection, principal: Principal, number: str, *, acting: bool = False) -> Any:
        """The case's row (by its FIR number or its zero FIR number) if the principal's scope covers it; outside
        it, reads see no hint that it exists."""
        number = " ".join(number.split()).upper()[:32]
        row = find_case(conn, number)
        if row is None:
            raise NotFound(f"no FIR {number}", code="case_not_found")
        if principal.covers(Locus(row.station_id, row.city, row.state)):
            return row
        if acting:
            raise Forbidden(f"FIR {number} is outside your area", code="out_of_scope")
        raise NotFound(f"no FIR {number}", code="case_not_found")

    def _eligible_io(self, username: str, station: StationRef) -> str:
        """An investigating officer: an enabled station officer whose scope covers the station."""
        for p in self._accounts.with_role(Role.STATION_OFFICER):
            if p.username == username and p.covers(_locus(station)):
                return p.username
        raise InvalidInput(f"{username[:64]!r} is not a station officer of {station.name}", code="io_not_eligible")

    def io_candidates(self, principal: Principal, number: str) -> list[str]:
        with self._engine.connect() as conn:
            row = self.access_case(conn, principal, number)
        where = Locus(row.station_id, row.city, row.state)
        return [p.username for p in self._accounts.with_role(Role.STATION_OFFICER) if p.covers(where)]

    # registering -----------------------------------------------------------------------------------------
    def register(self, principal: Principal, fir: Fir) -> dict:
        """Register an FIR at a station of the principal's scope; answers the case with its number and deadline."""
        self._role(principal, ROLES_THAT_INVESTIGATE, "register an FIR")
        station = self._stations.get(fir.station_id)
        if not principal.covers(_locus(station)):
            raise Forbidden("that station is outside your area", code="out_of_scope")
        now = self._clock.now()
        phone = to_e164(fir.victim.phone) if fir.victim.phone and fir.victim.phone.strip() else None
        fir = replace(fir, victim=replace(fir.victim, phone=phone, language=supported(fir.victim.language)))
        try:
            fir, got = check_fir(fir, self.rules.section_table(), now)
        except CaseProblem as err:
            raise problem(err) from None
        jurisdiction = self._jurisdiction(fir, station)
        io = self._eligible_io(fir.io_username, station) if fir.io_username else None
        rule = self.rules.rule_for(got.clock_class)
        e_fir = fir.kind is CaseKind.E_FIR
        with self._engine.begin() as conn:
            year = to_local(now, self._zone_for(station.city)).year
            number = fir_number(station.city, station.id, year, next_serial(conn, station.id, year))
            alias = pseudonym(number)
            deadline = deadline_of(now, rule) if rule and not e_fir else None
            case_id = conn.execute(insert(cases).values(
                fir_number=number, station_id=station.id, city=station.city, state=station.state,
                registered_station_id=station.id,
                kind=(CaseKind.INCIDENT if fir.incident_tracking and not e_fir else fir.kind).value,
                status=(CaseStatus.AWAITING_SIGNATURE if e_fir else CaseStatus.UNDER_INVESTIGATION).value,
                zero_fir=fir.zero_fir or jurisdiction is not None, jurisdiction_station_id=jurisdiction,
                sections=list(got.sections), sexual_offence=got.sexual_offence, clock_class=got.clock_class,
                occurred_at=fir.occurred_at, place=fir.place, place_lat=fir.place_lat, place_lon=fir.place_lon,
                pseudonym=alias, victim_age=fir.victim.age, victim_language=fir.victim.language,
                woman_officer=fir.woman_officer, incident_tracking=None, registered_by=principal.username,
                registered_at=now, recorded_at=None if e_fir else now,
                signature_due_at=now + E_FIR_SIGNATURE_WINDOW if e_fir else None,
                deadline_days=rule.days if rule and deadline else None, deadline_at=deadline, io_username=io,
                io_assigned_at=now if io else None, updated_at=now, **self.identity.sealed_columns(fir, alias),
            ).returning(cases.c.id)).scalar_one()
            conn.execute(insert(case_accused), [
                {"case_id": case_id, "position": i, "known": a.known, "name": a.name, "age": a.age, "sex": a.sex,
                 "description": a.description} for i, a in enumerate(fir.accused)])
            add_entry(conn, case_id, now, Entry.REGISTERED.value, principal.username, {
                "sections": list(got.sections), "kind": fir.kind.value, "zero_fir": fir.zero_fir or bool(jurisdiction),
                "jurisdiction_station_id": jurisdiction, "woman_officer": fir.woman_officer,
                "deadline_at": deadline.isoformat() if deadline else None, "accused": len(fir.accused)})
            if fir.incident_tracking:
                self._link_incident(conn, principal, case_id, fir.incident_tracking, number, now)
            if io:
                add_entry(conn, case_id, now, Entry.IO_ASSIGNED.value, principal.username, {"io": io, "reason": ""})
            if deadline and rule:
                schedule_alerts(conn, case_id, now, rule)
            if e_fir:
                schedule_lapse(conn, case_id, now + E_FIR_SIGNATURE_WINDOW)
            self.dashboards.refresh(conn, case_id)
            row = conn.execute(select(cases).where(cases.c.id == case_id)).one()
            record(conn, from_row(CaseRegistered, row._mapping, deadline_at=deadline.isoformat() if deadline else None,
                                  by=principal.username), now)
            self.updates.tell(conn, row, Step.FIR_REGISTERED, now, channel=fir.victim.channel)
            if io:
                self.updates.tell(conn, row, Step.IO_ASSIGNED, now)
        log.info("FIR %s registered at station %s by %s (%s)", number, station.id, principal.username,
                 ", ".join(got.sections))
        return self.view(principal, number)

    def _link_incident(self, conn: Connection, principal: Principal, case_id: int, tracking: str, number: str,
                       now: datetime) -> None:
        try:
            linked = self._incidents.fir_registered(conn, principal, tracking, number, now)
        except NotFound:
            raise InvalidInput(f"no incident {tracking[:12]} in your area", code="incident_not_found") from None
        conn.execute(update(cases).where(cases.c.id == case_id).values(incident_tracking=linked["tracking"]))
        add_entry(conn, case_id, now, Entry.INCIDENT_LINKED.value, principal.username, {"tracking": linked["tracking"]})

    def _jurisdiction(self, fir: Fir, station: StationRef) -> int | None:
        """The station with jurisdiction where it is another one (a zero FIR): named, or where the place lies."""
        found = None
        if fir.place_lat is not None and fir.place_lon is not None:
            resolved = self._stations.resolve(fir.place_lon, fir.place_lat).station
            found = resolved.id if resolved else None
        if fir.jurisdiction_station_id is not None:
            found = self._station(fir.jurisdiction_station_id).id
        return None if found == station.id else found

    def _station_in(self, station_id: int, lang: str) -> str:
        """The station's name in her language (for what she is told)."""
        return self._stations.get(station_id).name_in(lang)

    def _station(self, station_id: int) -> StationRef:
        try:
            return self._stations.get(station_id)
        except NotFound:
            raise InvalidInput(f"no station {station_id}", code="unknown_station") from None

    # reading ---------------------------------------------------------------------------------------------
    def _names(self, *ids: int | None) -> dict[int, str]:
        out = {}
        for station_id in {i for i in ids if i is not None}:
            try:
                out[station_id] = self._stations.get(station_id).name
            except NotFound:
                continue
        return out

    def view(self, principal: Principal, number: str) -> dict:
        """One case with its accused, its timeline and who asked to unseal her identity; her details never."""
        self._role(principal, ROLES_THAT_SEE_CASES, "see cases")
        now = self._clock.now()
        with self._engine.connect() as conn:
            row = self.access_case(conn, principal, number)
            titles = {s.code: s.title for s in self.rules.section_table(conn, active_only=False).values()}
            body = reading.summary_of(row, self._names(row.station_id), now, self._zone_for(row.city))
            body |= {"accused": reading.accused_of(conn, row.id), "timeline": reading.timeline_of(conn, row.id),
                     "unsealings": reading.unsealings_of(conn, row.id),
                     "updates": self.updates.list_for(conn, row.id, with_code=principal.role in ROLES_THAT_INVESTIGATE),
                     "arrests": self.updates.arrests.of_case(conn, row.id)}
        names = self._names(row.registered_station_id, row.jurisdiction_station_id)
        body |= {"sections_detail": [{"code": c, "title": titles.get(c.split("(")[0], "")} for c in row.sections],
                 "registered_station_id": row.registered_station_id,
                 "registered_station_name": names.get(row.registered_station_id),
                 "jurisdiction_station_id": row.jurisdiction_station_id,
                 "jurisdiction_station_name": names.get(row.jurisdiction_station_id or -1),
                 "occurred_at": reading.iso(row.occurred_at), "place": row.place,
                 "victim": {"pseudonym": row.pseudonym, "age": row.victim_age, "language": row.victim_language,
                            "sealed": True},
                 "summary": self.identity.summary(row), "woman_officer": row.woman_officer,
                 "registered_by": row.registered_by, "signed_at": reading.iso(row.signed_at),
                 "io_assigned_at": reading.iso(row.io_assigned_at),
                 "incident": (self._incidents.linked_incident(principal, row.incident_tracking)
                              if row.incident_tracking else None)}
        return body

    def list_cases(self, principal: Principal, *, status: str = "open", due_within_days: int | None = None,
                   mine: bool = False, limit: int = 200) -> list[dict]:
        """Cases in scope, the soonest deadline first (overdue ones lead), then those without a set deadline."""
        self._role(principal, ROLES_THAT_SEE_CASES, "see cases")
        now = self._clock.now()
        q = reading.scoped(select(cases), principal)
        wanted = {"open": OPEN_STATUSES, "stopped": STOPPED_STATUSES, "lapsed": (CaseStatus.LAPSED.value,)}
        if status in wanted:
            q = q.where(cases.c.status.in_(wanted[status]))
        if due_within_days is not None:
            q = q.where(cases.c.status == CaseStatus.UNDER_INVESTIGATION.value,
                        cases.c.deadline_at <= now + timedelta(days=due_within_days))
        if mine:
            q = q.where(cases.c.io_username == principal.username)
        q = q.order_by(cases.c.deadline_at.is_(None), cases.c.deadline_at, cases.c.registered_at.desc(),
                       cases.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        names = self._names(*(r.station_id for r in rows))
        return [reading.summary_of(r, names, now, self._zone_for(r.city)) for r in rows]

    def alerts_for(self, principal: Principal, limit: int = 30) -> list[dict]:
        """The clock's alerts that went to this account, for cases still under investigation: each case's latest,
        newest first."""
        self._role(principal, ROLES_THAT_SEE_CASES, "see cases")
        now = self._clock.now()
        with self._engine.connect() as conn:
            fired = self.timers.fired_alerts(conn, principal)
        latest: dict[str, dict] = {}
        for a in fired:  # newest first: the first of each case is its latest
            latest.setdefault(a["fir_number"], a)
        found = list(latest.values())
        names = self._names(*(a["station_id"] for a in found))
        out = []
        for a in found[:limit]:
            clock = a["kind"] == DEADLINE_ALERT and a["deadline_at"] is not None  # else: a trial's adjournments
            out.append(a | {"station_name": names.get(a["station_id"]),
                            "days_left": days_left(a["deadline_at"], now) if clock else None,
                            "deadline_at": a["deadline_at"].isoformat() if clock else None,
                            "adjournments": adjournments_of(a["point"]), "fired_at": a["fired_at"].isoformat()})
        return out

    # the steps of a case ----------------------------------------------------------------------------------
    @contextmanager
    def _change(self, principal: Principal, number: str, *,
                statuses: tuple[str, ...] = OPEN_STATUSES) -> Iterator[tuple[Connection, Any, datetime]]:
        """`with self._change(principal, number) as (conn, row, now)`: one transaction, role and scope checked."""
        self._role(principal, ROLES_THAT_INVESTIGATE, "change a case")
        with self._engine.begin() as conn:
            row = self.access_case(conn, principal, number, acting=True)
            if row.status not in statuses:
                if row.status in STOPPED_STATUSES:
                    raise Conflict("the clock has stopped: the charge-sheet or closure report is recorded",
                                   code="clock_already_stopped")
                raise Conflict(f"the case is {row.status.replace('_', ' ')}", code="case_not_under_investigation")
            yield conn, row, self._clock.now()

    def _updated(self, conn: Connection, row: Any, now: datetime, change: Entry, by: str, detail: dict,
                 **values: Any) -> None:
        conn.execute(update(cases).where(cases.c.id == row.id).values(updated_at=now, **values))
        add_entry(conn, row.id, now, change.value, by, detail)
        self.dashboards.refresh(conn, row.id)
        fresh = conn.execute(select(cases).where(cases.c.id == row.id)).one()
        record(conn, from_row(CaseUpdated, fresh._mapping, change=change.value, by=by), now)

    def assign_io(self, principal: Principal, number: str, username: str, reason: str | None = None) -> dict:
        """Give the case its investigating officer; giving it to another needs a reason (both recorded)."""
        with self._change(principal, number) as (conn, row, now):
            io = self._eligible_io(username, self._stations.get(row.station_id))
            if io == row.io_username:
                raise Conflict(f"{io} is already the investigating officer", code="already_the_io")
            try:
                why = check_reason(reason, "the reason for giving the case to another officer") \
                    if row.io_username else " ".join((reason or "").split())[:500]
            except CaseProblem as err:
                raise problem(err) from None
            change = Entry.IO_REASSIGNED if row.io_username else Entry.IO_ASSIGNED
            detail = ({"from": row.io_username, "to": io, "reason": why} if row.io_username
                      else {"io": io, "reason": why})
            self._updated(conn, row, now, change, principal.username, detail, io_username=io, io_assigned_at=now)
            self.updates.tell(conn, row, Step.IO_REASSIGNED if row.io_username else Step.IO_ASSIGNED, now)
        return self.view(principal, number)

    def record_delay(self, principal: Principal, number: str, category: str, reason: str) -> dict:
        """Why the investigation is taking long: a category the dashboards count, and the officer's words."""
        with self._change(principal, number, statuses=(CaseStatus.UNDER_INVESTIGATION.value,)) as (conn, row, now):
            try:
                chosen = DelayCategory(category)
                why = check_reason(reason, "the reason for the delay")
            except ValueError as err:
                raise (problem(err) if isinstance(err, CaseProblem) else
                       InvalidInput("choose why it is delayed", code="invalid_delay_category")) from None
            left = days_left(row.deadline_at, now) if row.deadline_at else None
            self._updated(conn, row, now, Entry.DELAY_REASON, principal.username,
                          {"category": chosen.value, "reason": why, "days_left": left})
        return self.view(principal, number)

    def file_report(self, principal: Principal, number: str, report: str, reference: str,
                    filed_on: date | None = None, note: str = "", forensic_reason: str | None = None) -> dict:
        """A charge-sheet or a closure report (the final report to the court): the clock stops. A charge-sheet is
        refused (409 `forensic_result_missing`) while a requested forensic result is missing, unless
        `forensic_reason` says why it is filed without it (the reason goes on its timeline entry)."""
        if report not in REPORTS:
            raise InvalidInput("the report is a charge_sheet or a closure_report", code="invalid_report")
        status, entry = REPORTS[report]
        ref = " ".join((reference or "").split())[:120]
        if not ref:
            raise InvalidInput("give the report's number or reference", code="report_reference_required")
        with self._change(principal, number, statuses=(CaseStatus.UNDER_INVESTIGATION.value,)) as (conn, row, now):
            today = to_local(now, self._zone_for(row.city)).date()
            day = filed_on or today
            if day > today:
                raise InvalidInput("a report cannot be filed after today", code="filed_in_future")
            if day < to_local(row.recorded_at or row.registered_at, self._zone_for(row.city)).date():
                raise InvalidInput("a report cannot be filed before the FIR", code="filed_before_fir")
            within = None
            if row.deadline_at is not None:
                within = day <= to_local(row.deadline_at, self._zone_for(row.city)).date()
            forensic = self.forensics.charge_sheet_detail(conn, row.id, forensic_reason) \
                if report == "charge_sheet" else {}
            cancel(conn, row.id, now)
            self._updated(conn, row, now, entry, principal.username,
                          {"reference": ref, "filed_on": day.isoformat(), "note": " ".join(note.split())[:500],
                           "within_deadline": within, **forensic}, status=status.value, stopped_at=now,
                          stopped_by=principal.username, report_reference=ref, report_filed_on=day)
            self.updates.tell(conn, row, Step(report), now)
        return self.view(principal, number)

    def record_signature(self, principal: Principal, number: str) -> dict:
        """The complainant signed an e-FIR within three days: it is on record and its clock starts now."""
        with self._change(principal, number, statuses=(CaseStatus.AWAITING_SIGNATURE.value,)) as (conn, row, now):
            if row.signature_due_at is not None and now > row.signature_due_at:
                raise Conflict("more than three days have passed: the e-FIR lapsed", code="signature_too_late")
            rule = self.rules.rule_for(row.clock_class, conn)
            deadline = deadline_of(now, rule) if rule else None
            cancel(conn, row.id, now, E_FIR_LAPSE)
            if rule:
                schedule_alerts(conn, row.id, now, rule)
            self._updated(conn, row, now, Entry.E_FIR_SIGNED, principal.username,
                          {"deadline_at": deadline.isoformat() if deadline else None},
                          status=CaseStatus.UNDER_INVESTIGATION.value, signed_at=now, recorded_at=now,
                          deadline_at=deadline, deadline_days=rule.days if rule else None)
        return self.view(principal, number)

    def transfer(self, principal: Principal, number: str, station_id: int | None, reason: str = "") -> dict:
        """Hand a zero FIR to the station with jurisdiction in one action: it takes a number in that station's series
        (the old one still finds it), that station owns it under the scope rule, and its officers assign an IO."""
        with self._change(principal, number) as (conn, row, now):
            target_id = station_id or row.jurisdiction_station_id
            if target_id is None:
                raise InvalidInput("say which station has jurisdiction", code="jurisdiction_required")
            target = self._station(target_id)
            if target.id == row.station_id:
                raise InvalidInput("the case is already at that station", code="already_at_station")
            year = to_local(now, self._zone_for(target.city)).year
            new = fir_number(target.city, target.id, year, next_serial(conn, target.id, year))
            first = row.zero_fir_number or row.fir_number
            conn.execute(update(cases).where(cases.c.id == row.id).values(
                fir_number=new, zero_fir_number=first, zero_fir=True, station_id=target.id, city=target.city,
                state=target.state, jurisdiction_station_id=target.id, io_username=None, io_assigned_at=None,
                updated_at=now))
            add_entry(conn, row.id, now, Entry.TRANSFERRED.value, principal.username, {
                "from_station_id": row.station_id, "to_station_id": target.id, "from_number": row.fir_number,
                "to_number": new, "reason": " ".join(reason.split())[:500], "io_released": row.io_username})
            self.dashboards.refresh(conn, row.id)
            record(conn, CaseTransferred(station_id=target.id, city=target.city, state=target.state, fir_number=new,
                                         from_station_id=row.station_id, from_city=row.city, from_state=row.state,
                                         zero_fir_number=first, by=principal.username), now)
        log.info("zero FIR %s transferred to station %s as %s by %s", number, target.id, new, principal.username)
        if principal.covers(_locus(target)):
            return self.view(principal, new)
        return {"fir_number": new, "zero_fir_number": first, "station_id": target.id, "station_name": target.name,
                "transferred": True}

    # her identity, the clock, the keys --------------------------------------------------------------------
    def unseal(self, principal: Principal, number: str, reason: str | None) -> dict:
        return self.identity.unseal(principal, " ".join(number.split()).upper()[:32], reason)

    def fire_due(self, limit: int = 50) -> int:
        """The timer step (`SURAKSHA_RUN_TIMERS`): alerts at the set points, breaches, lapsed e-FIRs."""
        return self.timers.fire_due(limit)

    def timers_due(self) -> int:
        return self.timers.due_count()

    def reseal(self, batch: int = 200) -> int:
        return self.identity.reseal(batch)

    # a known accused and the offender registry (through the registry's own service, audited there) -------------
    def registry_matches(self, principal: Principal, number: str, position: int, purpose: str | None,
                         purpose_text: str | None = "") -> list[dict]:
        return self.accused.matches(principal, number, position, purpose, purpose_text)

    def link_accused(self, principal: Principal, number: str, position: int, person_id: int, purpose: str | None,
                     purpose_text: str | None = "") -> dict:
        return self.view(principal, self.accused.link(principal, number, position, person_id, purpose, purpose_text))


def _locus(station: StationRef) -> Locus:
    return Locus(station.id, station.city, station.state)
