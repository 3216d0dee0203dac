"""HTTP for housing societies: a station's officers (and administrators) register societies and their
coordinators. A coordinator's number is taken here and never shown back in full (`phone_masked`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_THAT_REGISTER_SOCIETIES, Principal
from suraksha.http.deps import get_container, require_roles
from suraksha.societies.model import ADDRESS_MAX, COORDINATOR_NAME_MAX, NAME_MAX, SocietyDetails

router = APIRouter(prefix="/api/v1", tags=["societies"])
Registrar = Annotated[Principal, Depends(require_roles(ROLES_THAT_REGISTER_SOCIETIES))]
SocietyId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CoordinatorId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class SocietyIn(BaseModel):
    """A housing society: its alerts become incidents at this pin, at its station."""

    name: str = Field(min_length=2, max_length=NAME_MAX, examples=["Sagar Darshan Co-op Housing Society"])
    address: str = Field(min_length=3, max_length=ADDRESS_MAX, examples=["Cuffe Parade, Colaba, Mumbai 400005"])
    lat: float = Field(ge=-90, le=90, examples=[18.9067])
    lon: float = Field(ge=-180, le=180, examples=[72.8147])

    def details(self) -> SocietyDetails:
        return SocietyDetails(self.name, self.address, self.lat, self.lon)


class SocietyRegistration(SocietyIn):
    station_id: int | None = Field(None, ge=1, le=2**31 - 1,
                                   description="its station; empty: a station account's own, else the station "
                                               "whose jurisdiction holds the pin")


class SocietyActive(BaseModel):
    active: bool = Field(description="false: its coordinators' messages are ordinary ones")


class CoordinatorIn(BaseModel):
    name: str = Field(min_length=2, max_length=COORDINATOR_NAME_MAX, examples=["Meera Kulkarni"])
    phone: str = Field(min_length=6, max_length=32, examples=["+91 98200 44444"])


class CoordinatorOut(BaseModel):
    id: int
    name: str
    phone_masked: str = Field(description="the number with all but its last two digits hidden")
    added_by: str
    added_at: dt.datetime


class Place(BaseModel):
    lat: float
    lon: float


class SocietyOut(BaseModel):
    id: int
    name: str
    address: str
    location: Place
    station_id: int
    station_name: str | None
    city: str
    state: str | None
    active: bool
    coordinators: list[CoordinatorOut]
    created_by: str
    created_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime


class SocietyList(BaseModel):
    societies: list[SocietyOut]


@router.get("/societies", response_model=SocietyList, summary="Housing societies in your area, by name")
def list_societies(request: Request, principal: Registrar, active: Annotated[bool | None, Query()] = None):
    return {"societies": get_container(request).societies.in_area(principal, active)}


@router.post("/societies", response_model=SocietyOut, status_code=201, summary="Register a housing society")
def register(request: Request, body: SocietyRegistration, principal: Registrar):
    return get_container(request).societies.register(principal, body.details(), body.station_id)


@router.get("/societies/{society_id}", response_model=SocietyOut, summary="One housing society")
def get_society(request: Request, society_id: SocietyId, principal: Registrar):
    return get_container(request).societies.get(principal, society_id)


@router.put("/societies/{society_id}", response_model=SocietyOut,
            summary="Edit a society's name, address or pin")
def edit(request: Request, society_id: SocietyId, body: SocietyIn, principal: Registrar):
    return get_container(request).societies.edit(principal, society_id, body.details())


@router.put("/societies/{society_id}/active", response_model=SocietyOut,
            summary="Deactivate a society (its coordinators' alerts become ordinary messages) or reactivate it")
def set_active(request: Request, society_id: SocietyId, body: SocietyActive, principal: Registrar):
    return get_container(request).societies.set_active(principal, society_id, body.active)


@router.post("/societies/{society_id}/coordinators", response_model=SocietyOut, status_code=201,
             summary="Add a coordinator (name and mobile number; the number is sealed and shown masked)")
def add_coordinator(request: Request, society_id: SocietyId, body: CoordinatorIn, principal: Registrar):
    return get_container(request).societies.add_coordinator(principal, society_id, body.name, body.phone)


@router.delete("/societies/{society_id}/coordinators/{coordinator_id}", response_model=SocietyOut,
               summary="Remove a coordinator: their messages are ordinary ones from now on")
def remove_coordinator(request: Request, society_id: SocietyId, coordinator_id: CoordinatorId,
                       principal: Registrar):
    return get_container(request).societies.remove_coordinator(principal, society_id, coordinator_id)
