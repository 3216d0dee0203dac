"""HTTP for the court side: the courts (maintained data), a case's court, its hearings and its disposal. Answers carry
the FIR's number and the court side only: never anything about her."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_THAT_INVESTIGATE, ROLES_THAT_MANAGE_STATIONS, ROLES_THAT_SEE_CASES, Principal
from suraksha.http.deps import get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["courts"])
Reader = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_CASES))]
Investigator = Annotated[Principal, Depends(require_roles(ROLES_THAT_INVESTIGATE))]
Admin = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_STATIONS))]
FirNumber = Annotated[str, Path(max_length=32, description="e.g. MUM-17-2026-0012 (or the zero FIR's first number)")]
CourtCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$", examples=["MH-MUM-DIN-POCSO-11"])]
HearingId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]
Text = Annotated[str, Field(max_length=500)]
Kind = Literal["fast_track", "pocso"]


class CourtIn(BaseModel):
    state: str = Field(max_length=2, examples=["MH"], description="the state's two-letter code")
    district: str = Field(max_length=64, examples=["Mumbai Suburban"])
    city: str | None = Field(None, max_length=64, examples=["mumbai"])
    name: str = Field(max_length=200)
    kind: Kind = Field(description="fast_track (a fast-track special court: rape and POCSO) or pocso (an exclusive "
                                   "POCSO court: POCSO cases only)")
    source: str = Field("", max_length=300, description="where the court's name and designation come from")
    active: bool = Field(True, description="false: retired (takes no new cases; its cases keep it)")


class CourtOut(BaseModel):
    code: str
    state: str
    district: str
    city: str | None
    name: str
    kind: str
    source: str
    active: bool
    updated_by: str
    updated_at: str


class CourtList(BaseModel):
    courts: list[CourtOut]


class CourtAllocationIn(BaseModel):
    court_code: str = Field(max_length=32, examples=["MH-MUM-DIN-POCSO-11"])
    reason: Text = Field("", description="required when the case already has a court")


class HearingIn(BaseModel):
    scheduled_for: Day = Field(description="the hearing's date (today or later, within two years)")
    note: Text = ""


class OutcomeIn(BaseModel):
    outcome: Literal["held", "adjourned", "evidence_recorded", "arguments_heard", "judgment_reserved"]
    reason: Text = Field("", description="required for adjourned: the reason the court gave")


class DisposalIn(BaseModel):
    disposal: Literal["conviction", "acquittal", "other"]
    disposed_on: Day | None = Field(None, description="the judgment's date (default: today)")
    judgment_ref: str = Field(max_length=120, description="the judgment's reference, e.g. Spl. POCSO 112/2026")
    detail: str = Field("", max_length=300, description="required for other: discharged, compounded, abated …")
    convicted: list[Annotated[int, Field(ge=0, le=19)]] | None = Field(
        None, max_length=20, description="a conviction: the convicted accused by place in the FIR's list, from 0 "
                                         "(default: every known accused)")


class CourtOnCase(BaseModel):
    code: str
    name: str
    kind: str
    state: str
    district: str
    city: str | None


class HearingOut(BaseModel):
    id: int
    scheduled_for: str
    court_code: str
    outcome: str | None = Field(description="null until recorded: held, adjourned, evidence_recorded, "
                                            "arguments_heard, judgment_reserved, judgment_delivered, cancelled")
    adjournment_reason: str | None
    note: str | None
    recorded_at: str | None
    recorded_by: str | None


class DisposalOut(BaseModel):
    disposal: str
    disposed_on: str | None
    detail: str | None
    judgment_ref: str | None
    convicted: list[int]


class RegistryForm(BaseModel):
    position: int
    name: str | None
    url: str = Field(description="the offender registry's registration form, filled in with the case's details")


class CaseCourtOut(BaseModel):
    fir_number: str
    status: str
    court: CourtOnCase | None
    allocated_at: str | None
    allocated_by: str | None
    hearings: list[HearingOut]
    adjournments: int
    next_hearing: str | None
    disposal: DisposalOut | None
    registry_forms: list[RegistryForm] = Field(description="on a conviction for a registrable offence: one per "
                                                           "convicted known accused")


def _courts(request: Request):
    return get_container(request).cases.courts


@router.get("/courts", response_model=CourtList, summary="Fast-track and exclusive POCSO courts")
def list_courts(request: Request, principal: Reader,
                state: Annotated[str | None, Query(max_length=2, pattern="^[A-Za-z]{2}$")] = None,
                kind: Annotated[str | None, Query(max_length=10, pattern="^(fast_track|pocso)$")] = None,
                retired: bool = Query(False, description="retired courts too")):
    return {"courts": _courts(request).list_courts(principal, state, kind, active_only=not retired)}


@router.put("/courts/{code}", response_model=CourtOut, summary="Add a court or change one (administrators)")
def set_court(request: Request, code: CourtCode, body: CourtIn, principal: Admin):
    return _courts(request).set_court(principal, code, body.model_dump())


@router.get("/firs/{fir_number}/court", response_model=CaseCourtOut, summary="The case's court, hearings and disposal")
def case_court(request: Request, fir_number: FirNumber, principal: Reader):
    return _courts(request).section(principal, fir_number)


@router.post("/firs/{fir_number}/court", response_model=CaseCourtOut,
             summary="Allocate a charge-sheeted case to a court of its state (re-allocating needs a reason)")
def allocate(request: Request, fir_number: FirNumber, body: CourtAllocationIn, principal: Investigator):
    return _courts(request).allocate(principal, fir_number, body.court_code, body.reason)


@router.post("/firs/{fir_number}/hearings", response_model=CaseCourtOut, summary="Schedule the next hearing")
def schedule(request: Request, fir_number: FirNumber, body: HearingIn, principal: Investigator):
    return _courts(request).schedule(principal, fir_number, body.scheduled_for, body.note)


@router.post("/firs/{fir_number}/hearings/{hearing_id}/outcome", response_model=CaseCourtOut,
             summary="Record a hearing's outcome (the third adjournment alerts senior officers)")
def record_outcome(request: Request, fir_number: FirNumber, hearing_id: HearingId, body: OutcomeIn,
                   principal: Investigator):
    return _courts(request).record_outcome(principal, fir_number, hearing_id, body.outcome, body.reason)


@router.post("/firs/{fir_number}/disposal", response_model=CaseCourtOut,
             summary="Record the judgment: conviction, acquittal or other")
def dispose(request: Request, fir_number: FirNumber, body: DisposalIn, principal: Investigator):
    return _courts(request).dispose(principal, fir_number, body.disposal, body.disposed_on, body.judgment_ref,
                                    body.detail, body.convicted)
