"""HTTP for the case side: FIRs, the investigation clock's steps and alerts, her sealed identity, and the maintained
offence table and clock rules."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, field_validator

from suraksha.cases.model import Accused, CaseKind, Fir, Victim
from suraksha.cases.updates.schemas import ArrestOut, VictimUpdateOut
from suraksha.core.auth import (
    ROLES_OF_STAFF,
    ROLES_THAT_INVESTIGATE,
    ROLES_THAT_MANAGE_STATIONS,
    ROLES_THAT_SEE_CASES,
    Principal,
)
from suraksha.http.deps import get_container, require_roles
from suraksha.registry.api import LinkageResult

router = APIRouter(prefix="/api/v1", tags=["cases"])
Reader = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_CASES))]
Investigator = Annotated[Principal, Depends(require_roles(ROLES_THAT_INVESTIGATE))]
Admin = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_STATIONS))]
# Any staff account may ask to unseal her identity: the service refuses all but the case's IO, and audits each ask.
Staff = Annotated[Principal, Depends(require_roles(ROLES_OF_STAFF))]
FirNumber = Annotated[str, Path(max_length=32, description="e.g. MUM-17-2026-0012 (or the zero FIR's first number)")]
OffenceClass = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,32}$", examples=["bnss_193"])]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
Text = Annotated[str, Field(max_length=500)]
Position = Annotated[int, Path(ge=0, le=19, description="the accused's place in the FIR's list, from 0")]


class VictimIn(BaseModel):
    """Her details: name, phone and address are sealed at once and never shown but to the case's IO."""

    name: str = Field(max_length=200)
    phone: str | None = Field(None, max_length=32, description="her number (any Indian form; stored sealed)")
    address: str | None = Field(None, max_length=500)
    age: int | None = Field(None, ge=0, le=120, description="needed for a POCSO offence (a child: under 18)")
    language: Literal["en", "hi", "mr"] = Field("en", description="the language she is told things in")
    channel: Literal["sms", "none"] | None = Field(
        None, description="how she is told of each step: sms (the default when a phone is given) or none (she asked "
                          "not to be messaged: the IO tells her in person and records it)")


class AccusedIn(BaseModel):
    known: bool = Field(description="false for an unknown accused ({\"known\": false})")
    name: str | None = Field(None, max_length=120)
    age: int | None = Field(None, ge=0, le=120)
    sex: Literal["male", "female", "other"] | None = None
    description: str = Field("", max_length=300)


class FirIn(BaseModel):
    station_id: int = Field(ge=1, le=2**31 - 1, description="the station registering it (a zero FIR: any station)")
    sections: list[Annotated[str, Field(max_length=40)]] = Field(max_length=20, examples=[["BNS 64", "BNS 351"]])
    occurred_at: AwareDatetime = Field(description="when it happened, with its time zone")
    place: str = Field(max_length=300, description="where it happened")
    place_lat: float | None = Field(None, ge=-90, le=90)
    place_lon: float | None = Field(None, ge=-180, le=180)
    victim: VictimIn
    accused: list[AccusedIn] = Field(max_length=20)
    recorded_by_woman_officer: Annotated[str, Field(max_length=120)] | bool | None = Field(
        None, description="the woman officer who recorded it (name and rank; `true` if not named): required for a "
                          "sexual offence (BNSS s173(1)), else 422 `woman_officer_must_record`")
    summary: str = Field(max_length=8000, description="the substance of the information")
    kind: Literal["walk_in", "e_fir"] = Field("walk_in", description="e_fir: on record once signed within 3 days")
    incident_tracking: str | None = Field(None, max_length=20, description="the incident it comes from")
    zero_fir: bool = Field(False, description="the offence happened in another station's jurisdiction")
    jurisdiction_station_id: int | None = Field(None, ge=1, le=2**31 - 1)
    io_username: str | None = Field(None, max_length=64, description="the investigating officer, if chosen now")

    @field_validator("occurred_at")
    @classmethod
    def _plausible(cls, value: dt.datetime) -> dt.datetime:
        if not 1950 <= value.year <= 2100:
            raise ValueError("a time between 1950 and 2100")
        return value

    def fir(self) -> Fir:
        woman = self.recorded_by_woman_officer
        officer = "woman officer" if woman is True else (woman or None) if isinstance(woman, str) else None
        return Fir(self.station_id, tuple(self.sections), self.occurred_at.astimezone(dt.UTC), self.place,
                   Victim(self.victim.name, self.victim.phone, self.victim.address, self.victim.age,
                          self.victim.language, self.victim.channel),
                   tuple(Accused(a.known, a.name, a.age, a.sex, a.description) for a in self.accused), officer,
                   self.summary, CaseKind(self.kind), self.incident_tracking, self.zero_fir,
                   self.jurisdiction_station_id, self.place_lat, self.place_lon, self.io_username)


class CaseSummary(BaseModel):
    fir_number: str
    zero_fir_number: str | None = Field(description="its number where it was first registered, if transferred")
    station_id: int
    station_name: str | None
    city: str | None
    state: str | None
    kind: str = Field(examples=["walk_in", "incident", "e_fir"])
    status: str = Field(examples=["under_investigation", "awaiting_signature", "charge_sheeted", "closure_report",
                                  "lapsed"])
    zero_fir: bool
    sections: list[str]
    sexual_offence: bool
    pseudonym: str = Field(description="how she is shown everywhere: her name, phone and address are sealed")
    io_username: str | None
    registered_at: str
    recorded_at: str | None
    signature_due_at: str | None = Field(description="an e-FIR: signed by then or it lapses")
    stopped_at: str | None
    report_reference: str | None
    report_filed_on: str | None
    deadline_at: str | None = Field(description="the investigation's deadline; null: no set deadline")
    deadline_days: int | None
    days_left: int | None = Field(description="whole days left; negative: days over the deadline")
    clock: str = Field(description="ok, soon (amber), late (red), stopped, lapsed or none")
    within_deadline: bool | None = Field(description="once stopped: filed by the deadline's day")


class AccusedOut(BaseModel):
    position: int
    known: bool
    name: str | None
    age: int | None
    sex: str | None
    description: str
    registry_person_id: int | None = Field(description="the registered offender the accused was linked to, if any")
    registry_linked_by: str | None
    registry_linked_at: str | None


class CaseEntry(BaseModel):
    at: str
    kind: str = Field(description="registered, incident_linked, io_assigned, io_reassigned, delay_reason, "
                                  "deadline_alert, deadline_breached, charge_sheet, closure_report, transferred, "
                                  "e_fir_signed, e_fir_lapsed, identity_unsealed, accused_linked")
    actor: str | None
    detail: dict[str, Any]


class UnsealRequestAudit(BaseModel):
    at: str
    actor: str
    role: str
    reason: str
    granted: bool
    refused_code: str | None


class SectionOnCase(BaseModel):
    code: str
    title: str


class VictimOut(BaseModel):
    pseudonym: str
    age: int | None
    language: str
    sealed: bool = Field(description="always true: her name, phone and address are only unsealed by the IO")


class LinkedIncident(BaseModel):
    tracking: str
    status: str
    received_at: dt.datetime
    station_id: int | None


class CaseOut(CaseSummary):
    sections_detail: list[SectionOnCase]
    registered_station_id: int
    registered_station_name: str | None
    jurisdiction_station_id: int | None
    jurisdiction_station_name: str | None
    occurred_at: str
    place: str
    victim: VictimOut
    summary: str = Field(description="the substance, with her details replaced by her pseudonym")
    woman_officer: str | None
    registered_by: str
    signed_at: str | None
    io_assigned_at: str | None
    incident: LinkedIncident | None
    accused: list[AccusedOut]
    timeline: list[CaseEntry]
    unsealings: list[UnsealRequestAudit] = Field(description="every request to unseal her identity, granted or refused")
    updates: list[VictimUpdateOut] = Field(description="what she was told and when (cases.updates)")
    arrests: list[ArrestOut] = Field(description="the accused arrested: when and where")


class CaseTransferredAway(BaseModel):
    """The case went to a station outside your scope: you no longer see it."""

    fir_number: str
    zero_fir_number: str
    station_id: int
    station_name: str
    transferred: bool


class CaseList(BaseModel):
    cases: list[CaseSummary]


class CaseAlert(BaseModel):
    fir_number: str
    pseudonym: str
    kind: str = Field(examples=["deadline_alert", "adjournments"], description="the clock's, or a trial adjourned "
                                                                                "more than twice (cases.courts)")
    point: str = Field(examples=["day_30", "day_45", "day_55", "breach", "adjourned_3"])
    notify: list[str]
    fired_at: str
    deadline_at: str | None = Field(description="the clock's alerts: the deadline")
    days_left: int | None = Field(description="the clock's alerts: whole days left (negative: over)")
    adjournments: int | None = Field(description="an adjournments alert: how many times the trial was adjourned")
    station_id: int
    station_name: str | None
    io_username: str | None


class CaseAlertList(BaseModel):
    alerts: list[CaseAlert]


class CaseTransfer(BaseModel):
    station_id: int | None = Field(None, ge=1, le=2**31 - 1, description="default: the station with jurisdiction")
    reason: Text = ""


class InvestigatingOfficerIn(BaseModel):
    username: str = Field(max_length=64)
    reason: Text = Field("", description="required when the case already has an investigating officer")


class DelayReasonIn(BaseModel):
    category: str = Field(max_length=40, examples=["forensic_report_awaited", "medical_report_awaited",
                                                   "accused_absconding", "victim_statement_pending",
                                                   "witness_unavailable", "other"])
    reason: Text


class FinalReportIn(BaseModel):
    reference: str = Field(max_length=120, description="the report's number, e.g. CS 41/2026")
    filed_on: Day | None = Field(None, description="default: today")
    note: Text = ""
    forensic_reason: Text | None = Field(None, description="a charge-sheet while a requested forensic result is "
                                                           "missing: why it is filed without it (else 409 "
                                                           "`forensic_result_missing`)")


class EFirSignature(BaseModel):
    note: Text = ""


class UnsealRequest(BaseModel):
    reason: Text = Field(description="why her identity is needed now (recorded with who and when)")


class VictimIdentity(BaseModel):
    fir_number: str
    pseudonym: str
    name: str
    phone: str | None
    address: str | None
    unsealed_at: str
    unsealed_by: str


class OffenceSectionOut(BaseModel):
    code: str
    act: str
    section: str
    title: str
    sexual_offence: bool
    woman_officer_required: bool
    clock_class: str | None
    registrable: bool
    source: str
    active: bool


class OffenceSectionList(BaseModel):
    sections: list[OffenceSectionOut]


class RegistryPurpose(BaseModel):
    """Why the offender registry is read: asked on every read and written to its audit trail with the FIR."""

    purpose: str = Field(max_length=32, examples=["investigation"], description="investigation, staff_verification "
                                                                                "or other")
    purpose_text: str = Field("", max_length=500, description="in a few words (required for other)")


class RegistryLinkIn(RegistryPurpose):
    person_id: int = Field(ge=1, le=2**31 - 1, description="the registered person the accused is")


class ClockPoint(BaseModel):
    point: str = Field(max_length=16, examples=["day_30"])
    after_days: int | None = Field(None, ge=1, le=365, description="null: at the deadline (the breach)")
    notify: list[Literal["io", "station_head", "district_superintendent"]] = Field(max_length=3)


class ClockRuleIn(BaseModel):
    days: int = Field(ge=1, le=365)
    points: list[ClockPoint] = Field(max_length=12)
    title: str = Field("", max_length=200)
    source: str = Field("", max_length=600, description="the law or order that sets it")


class ClockRuleOut(BaseModel):
    offence_class: str
    title: str
    days: int
    points: list[ClockPoint]
    source: str
    updated_by: str
    updated_at: str


class ClockRuleList(BaseModel):
    rules: list[ClockRuleOut]


@router.post("/firs", response_model=CaseOut, status_code=201,
             summary="Register an FIR (walk-in, from an incident, or an e-FIR); answers its number and deadline")
def register(request: Request, body: FirIn, principal: Investigator):
    return get_container(request).cases.register(principal, body.fir())


@router.get("/firs", response_model=CaseList, summary="Cases in your area, the soonest deadline first")
def list_cases(request: Request, principal: Reader,
               status: Annotated[str, Query(max_length=8, pattern="^(open|stopped|lapsed|all)$",
                                            description="open, stopped, lapsed or all")] = "open",
               due_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None, mine: bool = False):
    return {"cases": get_container(request).cases.list_cases(principal, status=status,
                                                             due_within_days=due_within_days, mine=mine)}


@router.get("/case-alerts", response_model=CaseAlertList, summary="The investigation clock's alerts that came to you")
def case_alerts(request: Request, principal: Reader):
    return {"alerts": get_container(request).cases.alerts_for(principal)}


@router.get("/firs/{fir_number}", response_model=CaseOut, summary="One case with its timeline (her details sealed)")
def get_case(request: Request, fir_number: FirNumber, principal: Reader):
    return get_container(request).cases.view(principal, fir_number)


@router.post("/firs/{fir_number}/transfer", response_model=CaseOut | CaseTransferredAway,
             summary="CaseTransfer a zero FIR to the station with jurisdiction, in one action")
def transfer(request: Request, fir_number: FirNumber, body: CaseTransfer, principal: Investigator):
    return get_container(request).cases.transfer(principal, fir_number, body.station_id, body.reason)


@router.post("/firs/{fir_number}/io", response_model=CaseOut,
             summary="Assign the investigating officer (re-assigning needs a reason)")
def assign_io(request: Request, fir_number: FirNumber, body: InvestigatingOfficerIn, principal: Investigator):
    return get_container(request).cases.assign_io(principal, fir_number, body.username, body.reason)


@router.post("/firs/{fir_number}/delays", response_model=CaseOut, summary="Record why the investigation is late")
def record_delay(request: Request, fir_number: FirNumber, body: DelayReasonIn, principal: Investigator):
    return get_container(request).cases.record_delay(principal, fir_number, body.category, body.reason)


@router.post("/firs/{fir_number}/charge-sheet", response_model=CaseOut,
             summary="Record the charge-sheet: the investigation clock stops")
def charge_sheet(request: Request, fir_number: FirNumber, body: FinalReportIn, principal: Investigator):
    return get_container(request).cases.file_report(principal, fir_number, "charge_sheet", body.reference,
                                                    body.filed_on, body.note, body.forensic_reason)


@router.post("/firs/{fir_number}/closure-report", response_model=CaseOut,
             summary="Record the closure report: the investigation clock stops")
def closure_report(request: Request, fir_number: FirNumber, body: FinalReportIn, principal: Investigator):
    return get_container(request).cases.file_report(principal, fir_number, "closure_report", body.reference,
                                                    body.filed_on, body.note)


@router.post("/firs/{fir_number}/signature", response_model=CaseOut,
             summary="The complainant signed the e-FIR (within three days): it is on record, its clock starts")
def signature(request: Request, fir_number: FirNumber, body: EFirSignature, principal: Investigator):
    return get_container(request).cases.record_signature(principal, fir_number)


@router.post("/firs/{fir_number}/unseal", response_model=VictimIdentity,
             summary="Her name, phone and address, for the case's IO with a stated reason (every request audited)")
def unseal(request: Request, fir_number: FirNumber, body: UnsealRequest, principal: Staff):
    return get_container(request).cases.unseal(principal, fir_number, body.reason)


@router.get("/offence-sections", response_model=OffenceSectionList, summary="The maintained table of offence sections")
def offence_sections(request: Request, principal: Reader):
    return {"sections": get_container(request).cases.rules.sections()}


@router.get("/deadline-rules", response_model=ClockRuleList,
            summary="The investigation clock's rules: days and alert points per offence class")
def deadline_rules(request: Request, principal: Reader):
    return {"rules": get_container(request).cases.rules.all_rules()}


@router.put("/deadline-rules/{offence_class}", response_model=ClockRuleOut,
            summary="Set an offence class's deadline and alert points (FIRs put on record from now on follow it)")
def set_deadline_rule(request: Request, offence_class: OffenceClass, body: ClockRuleIn, principal: Admin):
    return get_container(request).cases.rules.set_rule(principal, offence_class, body.days,
                                                       [p.model_dump() for p in body.points], body.title, body.source)


@router.post("/firs/{fir_number}/accused/{position}/registry-matches", response_model=LinkageResult,
             summary="Registered offenders who may be this known accused (the registry's linkage; purpose, audited)")
def registry_matches(request: Request, fir_number: FirNumber, position: Position, body: RegistryPurpose,
                     principal: Investigator):
    return {"candidates": get_container(request).cases.registry_matches(principal, fir_number, position,
                                                                        body.purpose, body.purpose_text)}


@router.post("/firs/{fir_number}/accused/{position}/registry-link", response_model=CaseOut,
             summary="Link a known accused to a registered person (through the registry; purpose, audited)")
def registry_link(request: Request, fir_number: FirNumber, position: Position, body: RegistryLinkIn,
                  principal: Investigator):
    return get_container(request).cases.link_accused(principal, fir_number, position, body.person_id, body.purpose,
                                                     body.purpose_text)
