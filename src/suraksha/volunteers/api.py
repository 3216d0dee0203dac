"""HTTP for volunteers near an SOS: anyone applies; a station's officers (and administrators) verify, refuse,
suspend and reinstate; a volunteer goes on and off duty, shares where they are and answers their alerts; the
control room sees who accepted near an incident."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from suraksha.core.auth import (
    ROLES_THAT_SEE_VOLUNTEERS_ON_AN_INCIDENT,
    ROLES_THAT_VERIFY_VOLUNTEERS,
    Principal,
    Role,
)
from suraksha.http.deps import get_container, require_roles
from suraksha.volunteers.model import SKILLS, Application, VolunteerStatus

router = APIRouter(prefix="/api/v1", tags=["volunteers"])
Verifier = Annotated[Principal, Depends(require_roles(ROLES_THAT_VERIFY_VOLUNTEERS))]
Volunteer = Annotated[Principal, Depends(require_roles(Role.VOLUNTEER))]
ControlRoom = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_VOLUNTEERS_ON_AN_INCIDENT))]
VolunteerId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AlertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Tracking = Annotated[str, Path(min_length=1, max_length=20)]
Skill = Literal["first_aid", "counselling", "vehicle"]
assert set(get_args(Skill)) == set(SKILLS), "api.Skill lists model.SKILLS"


class VolunteerApplication(BaseModel):
    """A person who wants to help women in danger near them applies; the station whose area it is meets them."""

    name: str = Field(min_length=2, max_length=120, examples=["Asha Pawar"])
    phone: str = Field(min_length=6, max_length=32, examples=["+91 98200 55555"])
    language: Literal["en", "hi", "mr"] = Field("en", description="what they are sent and shown")
    city: str = Field(min_length=2, max_length=64, examples=["mumbai"])
    locality: str = Field(min_length=3, max_length=120, description="a locality or PIN code where they can help",
                          examples=["Colaba", "400005"])
    skills: list[Skill] = Field(default_factory=list, max_length=len(SKILLS))

    def application(self) -> Application:
        return Application(self.name, self.phone, self.language, self.city, self.locality, tuple(self.skills))


class ApplicationReceived(BaseModel):
    received: bool
    station_id: int = Field(description="the station whose officers will meet the applicant")
    station_name: str
    locality: str = Field(description="the place found for what was typed")


class VolunteerHistoryEntry(BaseModel):
    change: str = Field(examples=["applied", "verified", "suspended", "on_duty", "accepted"])
    at: dt.datetime
    by: str
    detail: str


class VolunteerOut(BaseModel):
    id: int
    name: str
    phone: str
    language: str
    station_id: int
    station_name: str | None
    city: str
    state: str | None
    locality: str
    skills: list[str]
    status: VolunteerStatus
    status_reason: str | None = Field(description="why refused or suspended")
    verified_by: str | None
    verified_at: dt.datetime | None
    verification_check: str | None = Field(description="what was checked in person when verified")
    has_account: bool
    available: bool = Field(description="on duty: available to help now")
    available_since: dt.datetime | None
    position_at: dt.datetime | None = Field(description="when they last shared where they are")
    applied_at: dt.datetime
    updated_at: dt.datetime


class VolunteerWithHistory(VolunteerOut):
    history: list[VolunteerHistoryEntry]


class VolunteerList(BaseModel):
    volunteers: list[VolunteerOut]


class VolunteerVerification(BaseModel):
    check: str = Field(min_length=3, max_length=500, description="what was checked in person",
                       examples=["met at the station; Aadhaar card and address seen"])
    username: str = Field("", max_length=64, description="the account's name; empty: vol-NNNNN")


class VolunteerVerified(VolunteerOut):
    username: str
    password: str = Field(description="the account's first password, shown once: hand it over in person")


class VolunteerReason(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


class VolunteerArea(BaseModel):
    lat: float
    lon: float
    within_m: int = Field(description="her place is somewhere within this many metres of the point")


class VolunteerAlertOut(BaseModel):
    """What a volunteer is told about an SOS near them: never her name, number, words, tracking number or place."""

    id: int
    help: str = Field(description="the kind of help needed (an incident category)", examples=["immediate_danger"])
    locality: str = Field(description="the nearby locality")
    area: VolunteerArea
    distance_band: str = Field(examples=["under_250m", "250_500m", "500m_1km", "1_2km", "2_5km", "over_5km"])
    alerted_at: dt.datetime
    expires_at: dt.datetime
    state: Literal["waiting", "accepted", "declined", "expired", "withdrawn"]
    answered_at: dt.datetime | None
    can_answer: bool


class VolunteerMe(VolunteerOut):
    alerts: list[VolunteerAlertOut]


class VolunteerAlertList(BaseModel):
    alerts: list[VolunteerAlertOut]


class VolunteerAvailability(BaseModel):
    available: bool = Field(description="true: available to help now")


class VolunteerPosition(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class VolunteerAccepted(BaseModel):
    volunteer_id: int
    name: str
    phone: str = Field(description="to call and guide them")
    skills: list[str]
    distance_m: int = Field(description="how far they were when alerted")
    answered_at: dt.datetime | None


class VolunteersOnIncident(BaseModel):
    alerted: int = Field(description="volunteers alerted near the incident")
    radius_m: int
    alerted_at: dt.datetime | None
    accepted: list[VolunteerAccepted]
    declined: int
    waiting: int = Field(description="alerted, not answered, not expired")


@router.post("/volunteers/applications", response_model=ApplicationReceived, status_code=201,
             summary="Apply to volunteer near where you live or work (no sign-in; the station will meet you)")
def apply(request: Request, body: VolunteerApplication):
    return get_container(request).volunteers.apply(body.application())


@router.get("/volunteers", response_model=VolunteerList,
            summary="Volunteers and applications in your area, applications waiting first")
def list_volunteers(request: Request, principal: Verifier,
                    status: Annotated[VolunteerStatus | None, Query()] = None,
                    station_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None):
    found = get_container(request).volunteers.in_area(principal, status.value if status else None, station_id)
    return {"volunteers": found}


@router.get("/volunteers/{volunteer_id}", response_model=VolunteerWithHistory,
            summary="One volunteer with their history")
def get_volunteer(request: Request, volunteer_id: VolunteerId, principal: Verifier):
    return get_container(request).volunteers.get(principal, volunteer_id)


@router.post("/volunteers/{volunteer_id}/verify", response_model=VolunteerVerified,
             summary="Verify an applicant after meeting them: their account is made, its first password shown once")
def verify(request: Request, volunteer_id: VolunteerId, body: VolunteerVerification, principal: Verifier):
    return get_container(request).volunteers.verify(principal, volunteer_id, body.check, body.username)


@router.post("/volunteers/{volunteer_id}/refuse", response_model=VolunteerOut, summary="Refuse an application")
def refuse(request: Request, volunteer_id: VolunteerId, body: VolunteerReason, principal: Verifier):
    return get_container(request).volunteers.refuse(principal, volunteer_id, body.reason)


@router.post("/volunteers/{volunteer_id}/suspend", response_model=VolunteerOut,
             summary="Suspend a volunteer: never alerted, their account disabled")
def suspend(request: Request, volunteer_id: VolunteerId, body: VolunteerReason, principal: Verifier):
    return get_container(request).volunteers.suspend(principal, volunteer_id, body.reason)


@router.post("/volunteers/{volunteer_id}/reinstate", response_model=VolunteerOut,
             summary="Reinstate a suspended volunteer")
def reinstate(request: Request, volunteer_id: VolunteerId, body: VolunteerReason, principal: Verifier):
    return get_container(request).volunteers.reinstate(principal, volunteer_id, body.reason)


@router.get("/incidents/{tracking}/volunteers", response_model=VolunteersOnIncident,
            summary="Volunteers alerted near an incident, and who accepted (with their name and phone)")
def on_incident(request: Request, tracking: Tracking, principal: ControlRoom):
    return get_container(request).volunteers.on_incident(principal, tracking)


@router.get("/volunteer", response_model=VolunteerMe, summary="The signed-in volunteer: their record and latest alerts")
def me(request: Request, principal: Volunteer):
    return get_container(request).volunteers.me(principal)


@router.get("/volunteer/alerts", response_model=VolunteerAlertList, summary="The signed-in volunteer's latest alerts")
def my_alerts(request: Request, principal: Volunteer):
    return {"alerts": get_container(request).volunteers.alerts(principal)}


@router.put("/volunteer/availability", response_model=VolunteerMe, summary="Go on duty (available to help now) or off")
def availability(request: Request, body: VolunteerAvailability, principal: Volunteer):
    return get_container(request).volunteers.set_available(principal, body.available)


@router.put("/volunteer/position", response_model=VolunteerMe,
            summary="Where the volunteer is now (used for two hours, then their area again)")
def position(request: Request, body: VolunteerPosition, principal: Volunteer):
    return get_container(request).volunteers.set_position(principal, body.lon, body.lat)


@router.post("/volunteer/alerts/{alert_id}/accept", response_model=VolunteerAlertOut,
             summary="Accept an alert: on my way")
def accept(request: Request, alert_id: AlertId, principal: Volunteer):
    return get_container(request).volunteers.answer(principal, alert_id, True)


@router.post("/volunteer/alerts/{alert_id}/decline", response_model=VolunteerAlertOut, summary="Decline an alert")
def decline(request: Request, alert_id: AlertId, principal: Volunteer):
    return get_container(request).volunteers.answer(principal, alert_id, False)
