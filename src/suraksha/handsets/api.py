"""HTTP for the phones that carry helpline numbers: station officers (their station) and administrators."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_THAT_KEEP_HANDSETS, Principal
from suraksha.handsets.model import HandsetFacts, HandsetState
from suraksha.http.deps import get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["helpline phones"])
Keeper = Annotated[Principal, Depends(require_roles(ROLES_THAT_KEEP_HANDSETS))]
StationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
HandsetId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Day = Annotated[dt.date, Field(ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))]


class HandsetIn(BaseModel):
    """What is recorded about a phone that carries a helpline number."""

    model: str = Field(min_length=1, max_length=120, examples=["Samsung Galaxy M14"])
    sim_number: str = Field(min_length=1, max_length=40, description="the SIM's ICCID or its own number (digits)")
    given_on: Day
    free_until: Day | None = Field(None, description="when the donor's free period ends; null if nothing ends")
    donor: str = Field(min_length=1, max_length=200)
    note: str = Field("", max_length=500)

    def facts(self) -> HandsetFacts:
        return HandsetFacts(self.model, self.sim_number, self.given_on, self.free_until, self.donor, self.note)


class NewHandset(HandsetIn):
    number: str = Field(min_length=3, max_length=32, description="the station's helpline number it carries")


class Retirement(BaseModel):
    reason: str = Field(min_length=1, max_length=500, examples=["lost on patrol", "replaced by a new handset"])
    on: Day | None = Field(None, description="the day it stopped carrying the number (default: today)")


class HandsetOut(BaseModel):
    id: int
    number: str
    model: str
    sim_number: str
    given_on: dt.date
    free_until: dt.date | None
    donor: str
    note: str
    retired_on: dt.date | None
    retired_reason: str | None
    state: HandsetState
    days_left: int | None = Field(description="days until the free period ends (negative: ended)")
    reminded_at: dt.datetime | None = Field(description="when the station was reminded that the free period ends")
    created_at: dt.datetime
    updated_at: dt.datetime


class HandsetInScope(HandsetOut):
    station_id: int
    station_name: str
    kind: str = Field(examples=["women", "general"])


class NumberEvent(BaseModel):
    change: str = Field(examples=["added", "edited", "retired", "reminded", "number_moved"])
    at: dt.datetime
    by: str
    detail: str
    handset_id: int | None
    from_station: str | None = Field(description="for a move of the number: the station that held it")
    to_station: str | None


class NumberPhones(BaseModel):
    number: str
    kind: str = Field(examples=["women", "general"])
    in_service: list[HandsetOut]
    retired: list[HandsetOut]
    history: list[NumberEvent] = Field(description="the number's history, oldest first: it follows the number")


class StationPhones(BaseModel):
    station_id: int
    station_name: str
    numbers: list[NumberPhones]


class HandsetList(BaseModel):
    handsets: list[HandsetInScope]


@router.get("/handsets", response_model=HandsetList, summary="Helpline phones in your area, soonest-ending first")
def list_handsets(request: Request, principal: Keeper,
                  ending_within_days: Annotated[int | None, Query(ge=0, le=3650)] = None):
    return {"handsets": get_container(request).handsets.overview(principal, ending_within_days)}


@router.get("/stations/{station_id}/handsets", response_model=StationPhones,
            summary="A station's helpline numbers with their phones and history")
def station_handsets(request: Request, station_id: StationId, principal: Keeper):
    found = get_container(request).handsets.station_phones(principal, station_id)
    return {"station_id": found["station"].id, "station_name": found["station"].name, "numbers": found["numbers"]}


@router.post("/stations/{station_id}/handsets", response_model=HandsetOut, status_code=201,
             summary="Record a phone that carries one of the station's helpline numbers")
def add_handset(request: Request, station_id: StationId, body: NewHandset, principal: Keeper):
    return get_container(request).handsets.add(principal, station_id, body.number, body.facts())


@router.get("/handsets/{handset_id}", response_model=HandsetOut, summary="One helpline phone")
def get_handset(request: Request, handset_id: HandsetId, principal: Keeper):
    return get_container(request).handsets.get(principal, handset_id)


@router.put("/handsets/{handset_id}", response_model=HandsetOut, summary="Correct what is recorded about a phone")
def edit_handset(request: Request, handset_id: HandsetId, body: HandsetIn, principal: Keeper):
    return get_container(request).handsets.edit(principal, handset_id, body.facts())


@router.post("/handsets/{handset_id}/retire", response_model=HandsetOut,
             summary="The phone no longer carries its number (lost, broken, replaced, returned)")
def retire_handset(request: Request, handset_id: HandsetId, body: Retirement, principal: Keeper):
    return get_container(request).handsets.retire(principal, handset_id, body.reason, body.on)
