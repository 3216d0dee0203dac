"""HTTP for what she is told: an accused's arrest, an update told in person, and her case's public status (the FIR
number and her case code: a wrong pair answers as an unknown FIR does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from suraksha.cases.api import CaseOut, FirNumber, Investigator, Position
from suraksha.cases.updates.schemas import ArrestIn, CaseStatusIn, CaseStatusOut, ToldInPerson
from suraksha.core.errors import NotFound
from suraksha.http.deps import get_container

router = APIRouter(prefix="/api/v1", tags=["cases"])
UpdateId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the update's id (the case's `updates`)")]


@router.post("/firs/{fir_number}/accused/{position}/arrest", response_model=CaseOut,
             summary="Record an accused's arrest (date, time and place): on the timeline, and she is told")
def arrest(request: Request, fir_number: FirNumber, position: Position, body: ArrestIn, principal: Investigator):
    cases = get_container(request).cases
    number = cases.updates.arrests.record_arrest(principal, fir_number, position, body.arrested_at, body.place)
    return cases.view(principal, number)


@router.post("/firs/{fir_number}/updates/{update_id}/told", response_model=CaseOut,
             summary="Record that she was told an update in person (her channel is none, or the message failed)")
def told(request: Request, fir_number: FirNumber, update_id: UpdateId, body: ToldInPerson, principal: Investigator):
    cases = get_container(request).cases
    return cases.view(principal, cases.updates.record_told(principal, fir_number, update_id, body.note))


@router.post("/case-status", response_model=CaseStatusOut,
             summary="Her case's status by its FIR number and her case code (public; nothing about anyone)")
def case_status(request: Request, body: CaseStatusIn):
    found = get_container(request).cases.updates.public_status(body.fir_number, body.code)
    if found is None:
        raise NotFound("no case has that FIR number and code", code="case_not_found")
    return found
