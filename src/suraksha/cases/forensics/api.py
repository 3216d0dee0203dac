"""HTTP for forensics: a case's requests to forensic labs and their steps, the overdue samples and each lab's
turnaround in your area, and the maintained list of labs."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from suraksha.cases.forensics.model import SampleKind, Step
from suraksha.core.auth import ROLES_THAT_INVESTIGATE, ROLES_THAT_MANAGE_STATIONS, ROLES_THAT_SEE_CASES, Principal
from suraksha.http.deps import get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["forensics"])
Reader = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_CASES))]
Investigator = Annotated[Principal, Depends(require_roles(ROLES_THAT_INVESTIGATE))]
Admin = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_STATIONS))]
FirNumber = Annotated[str, Path(max_length=32, description="e.g. MUM-17-2026-0012 (or the zero FIR's first number)")]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the forensic request's id on the case")]
LabCode = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,23}$", examples=["MH-FSL-MUM"])]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]


class ForensicRequestIn(BaseModel):
    lab_code: str = Field(max_length=24, examples=["MH-FSL-MUM"], description="a lab of `GET /api/v1/forensic-labs`")
    sample_kind: Literal["blood", "swab", "clothing", "dna", "digital_device", "viscera", "other"]
    description: str = Field(max_length=300, description="what the sample is (never her name: it is replaced by her "
                                                         "pseudonym)")


class ForensicStepIn(BaseModel):
    on: Day | None = Field(None, description="the day (default: today); not after today, not before the step before")


class ForensicResultIn(ForensicStepIn):
    result: str = Field(max_length=2000, description="the finding, or the lab's report reference")
    conclusive: bool = Field(description="whether the result settles what was asked")


class ForensicRequestOut(BaseModel):
    id: int
    fir_number: str
    pseudonym: str = Field(description="her pseudonym: her name, phone and address are sealed")
    station_id: int
    lab_code: str
    lab_name: str
    lab_city: str
    sample_kind: str = Field(examples=[k.value for k in SampleKind])
    description: str
    requested_at: str
    requested_by: str
    sent_on: str | None
    received_on: str | None
    result_on: str | None
    result: str | None
    conclusive: bool | None
    due_on: str | None = Field(description="the day the result is due: sent on + the lab's turnaround")
    state: str = Field(examples=[s.value for s in Step])
    overdue: bool = Field(description="sent, no result, and the day it was due has passed")
    days_overdue: int | None


class ForensicRequestList(BaseModel):
    requests: list[ForensicRequestOut]


class ForensicLabIn(BaseModel):
    name: str = Field(max_length=200)
    state: str = Field(max_length=2, examples=["MH"])
    city: str = Field(max_length=64)
    kind: Literal["state", "regional", "central"]
    turnaround_days: int = Field(ge=1, le=365, description="a result is due this many days after the sample is sent")
    source: str = Field("", max_length=600)
    active: bool = True


class ForensicLabOut(BaseModel):
    code: str
    name: str
    state: str
    city: str
    kind: str
    turnaround_days: int
    source: str
    active: bool
    updated_by: str
    updated_at: str


class ForensicLabList(BaseModel):
    labs: list[ForensicLabOut]


class LabTurnaround(BaseModel):
    lab_code: str
    lab_name: str
    city: str
    state: str
    kind: str
    turnaround_days: int
    completed: int = Field(description="samples with a result")
    median_days: float | None = Field(description="days from sent to result, the median of the completed ones")
    p90_days: float | None = Field(description="… the 90th percentile (nearest rank)")
    pending: int = Field(description="sent, no result yet")
    overdue: int


class LabTurnaroundList(BaseModel):
    labs: list[LabTurnaround]


@router.get("/forensic-labs", response_model=ForensicLabList, summary="The forensic science laboratories (maintained)")
def labs(request: Request, principal: Reader):
    return {"labs": get_container(request).cases.forensics.labs(principal)}


@router.get("/forensic-labs/turnaround", response_model=LabTurnaroundList,
            summary="Each lab's turnaround for your area's samples: median and 90th percentile days, pending, overdue")
def lab_turnaround(request: Request, principal: Reader):
    return {"labs": get_container(request).cases.forensics.turnaround(principal)}


@router.put("/forensic-labs/{lab_code}", response_model=ForensicLabOut,
            summary="Add or change a lab (samples already sent keep the day their result was due)")
def set_lab(request: Request, lab_code: LabCode, body: ForensicLabIn, principal: Admin):
    return get_container(request).cases.forensics.set_lab(principal, lab_code, body.name, body.state, body.city,
                                                          body.kind, body.turnaround_days, body.source, body.active)


@router.get("/forensic-requests", response_model=ForensicRequestList,
            summary="Samples without a result in your area (overdue=true: only those past their lab's turnaround)")
def forensic_requests(request: Request, principal: Reader, overdue: Annotated[bool, Query()] = False):
    return {"requests": get_container(request).cases.forensics.listing(principal, overdue=overdue)}


@router.get("/firs/{fir_number}/forensics", response_model=ForensicRequestList,
            summary="A case's forensic requests and their steps")
def of_case(request: Request, fir_number: FirNumber, principal: Reader):
    return {"requests": get_container(request).cases.forensics.of_case(principal, fir_number)}


@router.post("/firs/{fir_number}/forensics", response_model=ForensicRequestOut, status_code=201,
             summary="Record a forensic request: the sample and the lab")
def request_forensics(request: Request, fir_number: FirNumber, body: ForensicRequestIn, principal: Investigator):
    return get_container(request).cases.forensics.request(principal, fir_number, body.lab_code, body.sample_kind,
                                                          body.description)


@router.post("/firs/{fir_number}/forensics/{request_id}/sent", response_model=ForensicRequestOut,
             summary="The sample was sent to the lab: its result is due after the lab's turnaround")
def sent(request: Request, fir_number: FirNumber, request_id: RequestId, body: ForensicStepIn,
         principal: Investigator):
    return get_container(request).cases.forensics.record_step(principal, fir_number, request_id, Step.SENT, body.on)


@router.post("/firs/{fir_number}/forensics/{request_id}/received", response_model=ForensicRequestOut,
             summary="The lab received the sample")
def received(request: Request, fir_number: FirNumber, request_id: RequestId, body: ForensicStepIn,
             principal: Investigator):
    return get_container(request).cases.forensics.record_step(principal, fir_number, request_id, Step.RECEIVED,
                                                              body.on)


@router.post("/firs/{fir_number}/forensics/{request_id}/result", response_model=ForensicRequestOut,
             summary="The lab's result: its words or reference, conclusive or not")
def result(request: Request, fir_number: FirNumber, request_id: RequestId, body: ForensicResultIn,
           principal: Investigator):
    return get_container(request).cases.forensics.record_step(principal, fir_number, request_id, Step.RESULT,
                                                              body.on, body.result, body.conclusive)
