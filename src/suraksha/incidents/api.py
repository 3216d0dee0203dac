"""HTTP for incidents: the queue, search, one incident with its timeline, and the actions of its life."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_THAT_MANAGE_INCIDENTS, ROLES_THAT_SEE_INCIDENTS, Principal
from suraksha.http.deps import get_container, require_roles
from suraksha.incidents.triage import CATEGORIES

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
Manager = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_INCIDENTS))]
Tracking = Annotated[str, Field(max_length=20)]


class GeoPoint(BaseModel):
    """A GeoJSON Point: [longitude, latitude]."""

    type: Literal["Point"]
    coordinates: list[float]


class IncidentOut(BaseModel):
    tracking: str
    station_id: int | None
    station_name: str | None
    city: str | None
    state: str | None
    priority: int = Field(description="1 is the highest")
    category: str
    status: str
    channel: str
    helpline_kind: str | None
    language: str = Field(description="the language she is sent messages in: en, hi or mr (her first message's, "
                                      "or the one she asked for)")
    location: GeoPoint | None = Field(description="her location, or her station's anchor point while unknown")
    location_known: bool
    location_accuracy_m: float | None
    match: str
    proposed_location: GeoPoint | None = Field(description="a later location waiting for a dispatcher")
    proposed_at: str | None
    received_at: str
    last_message_at: str
    first_dispatched_at: str | None
    arrived_at: str | None
    response_seconds: int | None
    closed_at: str | None
    closed_by: str | None
    disposition: str | None
    disposition_code: str | None
    reopened_at: str | None
    merged_into: str | None = Field(None, description="status merged: the incident it was merged into")
    respond_by: str | None = Field(None, description="the deadline: received + the response-time target that "
                                                      "applies (state, area class, priority, category); null: none")
    target_minutes: int | None = Field(None, description="the target's minutes; null: no target applies")
    area_class: str | None = Field(None, description="urban or rural: the area class of the incident's station")
    society_id: int | None = Field(None, description="the housing society whose registered coordinator raised it")
    society_name: str | None = Field(None, description="that society's name, as it was when the alert came")
    noise_kind: str | None = Field(None, description="blank, silent, abusive, prank or test: marked as noise (out of "
                                                     "the queue, kept); null: genuine (docs/adr/0009)")
    flags: list[str] = Field([], description="callback_after_blank (shown first), repeat_noise (docs/adr/0009)")


class ContactOut(BaseModel):
    channel: str
    phone: str


class InboundOut(BaseModel):
    received_at: str
    channel: str
    body: str
    to: str
    has_location: bool


class OutboundOut(BaseModel):
    id: int
    kind: str
    channel: str
    body: str
    status: str
    attempts: int
    created_at: str
    sent_at: str | None
    last_error: str | None


class PersonOut(BaseModel):
    role: str = Field(description="caller, or victim: the woman the call is about, kept apart from the caller")
    relation: str | None = Field(None, description="the caller's relation to her: self, family, neighbour …")
    name: str | None = None
    phone: str | None = None
    age: int | None = None
    details: str | None = Field(None, description="how to recognise her, who is with her")
    recorded_at: str
    recorded_by: str


class TimelineEntry(BaseModel):
    at: str
    kind: str = Field(description="reported, contact, note, priority_changed, category_changed, unit_dispatched, "
                                  "unit_en_route, unit_arrived, unit_cleared, message_to_her, transferred, "
                                  "location_taken, location_proposed, location_accepted, closed, reopened …")
    actor: str | None
    detail: dict[str, Any]


class UnitOnIncident(BaseModel):
    unit_id: int
    call_sign: str


class IncidentDetail(IncidentOut):
    contacts: list[ContactOut] | None = Field(description="null unless you need to know (BNS s72, DPDP Act)")
    contacts_withheld: bool = False
    messages: list[InboundOut] | None = None
    people: list[PersonOut] | None = Field(None, description="the people a call-taker recorded (need to know)")
    outbound: list[OutboundOut] | None = None
    timeline: list[TimelineEntry] | None = None
    units: list[UnitOnIncident] = []


class TransferredAway(BaseModel):
    """The incident went to a station outside your scope: you no longer see it."""

    tracking: str
    station_id: int
    station_name: str
    transferred: bool


class IncidentList(BaseModel):
    incidents: list[IncidentOut]


class UndeliveredIncident(IncidentOut):
    undelivered: int = Field(description="messages to her given up after their retries, waiting for a person")


class UndeliveredList(BaseModel):
    incidents: list[UndeliveredIncident]


class ReachedIn(BaseModel):
    how: str = Field(min_length=3, max_length=500, examples=["called her from the station landline"])


class Timeline(BaseModel):
    tracking: str
    timeline: list[TimelineEntry]


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class PriorityIn(BaseModel):
    priority: int = Field(ge=1, le=5)
    reason: str = Field(min_length=3, max_length=500)


class CategoryIn(BaseModel):
    category: str = Field(max_length=32, examples=list(CATEGORIES))
    reason: str = Field(min_length=3, max_length=500)


class TransferIn(BaseModel):
    station_id: int = Field(ge=1, le=2**31 - 1)
    reason: str = Field(min_length=3, max_length=500)


class CloseIn(BaseModel):
    disposition: str = Field(max_length=32, examples=["attended_resolved", "referred_counselling", "false_alarm"])
    note: str = Field("", max_length=2000)


class ReasonIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


class DispositionOut(BaseModel):
    code: str
    label: str
    outcome: str


class Dispositions(BaseModel):
    dispositions: list[DispositionOut]


class Categories(BaseModel):
    categories: list[str]


def _incidents(request: Request):
    return get_container(request).incidents


@router.get("/incidents", response_model=IncidentList, summary="Open incidents in your scope, by priority then age")
def list_open(request: Request, principal: Staff, limit: Annotated[int, Query(ge=1, le=500)] = 200):
    return {"incidents": _incidents(request).list_open(principal, limit)}


@router.get("/incidents/search", response_model=IncidentList,
            summary="Incidents in your scope by tracking number, station, status, disposition and date received")
def search(request: Request, principal: Staff, tracking: Annotated[str, Query(max_length=20)] = "",
           station_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
           status: Annotated[str | None, Query(max_length=16)] = None,
           disposition: Annotated[str | None, Query(max_length=32)] = None,
           since: datetime | None = None, until: datetime | None = None,
           limit: Annotated[int, Query(ge=1, le=500)] = 100):
    found = _incidents(request).search(principal, tracking=tracking, station_id=station_id, status=status,
                                       disposition=disposition, since=since, until=until, limit=limit)
    return {"incidents": found}


@router.get("/incidents/undelivered", response_model=UndeliveredList,
            summary="Incidents in your scope with messages to her that could not be delivered")
def undelivered(request: Request, principal: Manager):
    return {"incidents": _incidents(request).undelivered(principal)}


@router.get("/dispositions", response_model=Dispositions, summary="Why an incident may be closed (the list in use)")
def list_dispositions(request: Request, principal: Staff):
    return {"dispositions": [d.__dict__ for d in _incidents(request).dispositions()]}


@router.get("/categories", response_model=Categories, summary="The categories an incident may have")
def list_categories(principal: Staff):
    return {"categories": list(CATEGORIES)}


@router.get("/incidents/{tracking}", response_model=IncidentDetail, summary="One incident by tracking number")
def get_incident(request: Request, tracking: str, principal: Staff, timeline: bool = False):
    return _incidents(request).view(principal, tracking, with_timeline=timeline)


@router.get("/incidents/{tracking}/timeline", response_model=Timeline, summary="Everything that happened, in order")
def get_timeline(request: Request, tracking: str, principal: Staff):
    entries = _incidents(request).timeline(principal, tracking)
    return {"tracking": tracking.upper(), "timeline": entries}


@router.post("/incidents/{tracking}/notes", status_code=201, response_model=IncidentDetail, summary="Add a note")
def add_note(request: Request, tracking: str, body: NoteIn, principal: Manager):
    return _incidents(request).add_note(principal, tracking, body.text)


@router.post("/incidents/{tracking}/priority", response_model=IncidentDetail,
             summary="Set the priority (a person may lower it; the reason is recorded)")
def set_priority(request: Request, tracking: str, body: PriorityIn, principal: Manager):
    return _incidents(request).change_priority(principal, tracking, body.priority, body.reason)


@router.post("/incidents/{tracking}/category", response_model=IncidentDetail, summary="Set the category, with a reason")
def set_category(request: Request, tracking: str, body: CategoryIn, principal: Manager):
    return _incidents(request).change_category(principal, tracking, body.category, body.reason)


@router.post("/incidents/{tracking}/transfer", response_model=IncidentDetail | TransferredAway,
             summary="Hand the incident to another station; she is told")
def transfer(request: Request, tracking: str, body: TransferIn, principal: Manager):
    return _incidents(request).transfer(principal, tracking, body.station_id, body.reason)


@router.post("/incidents/{tracking}/close", response_model=IncidentDetail,
             summary="Close at any stage with a disposition; units on it are stood down; she is told")
def close(request: Request, tracking: str, body: CloseIn, principal: Manager):
    return _incidents(request).close(principal, tracking, body.disposition, body.note)


@router.post("/incidents/{tracking}/reopen", response_model=IncidentDetail, summary="Reopen a closed incident")
def reopen(request: Request, tracking: str, body: ReasonIn, principal: Manager):
    return _incidents(request).reopen(principal, tracking, body.reason)


@router.post("/incidents/{tracking}/location/accept", response_model=IncidentDetail,
             summary="Accept the proposed location; the units on the incident are told")
def accept_location(request: Request, tracking: str, principal: Manager):
    return _incidents(request).accept_location(principal, tracking)


@router.post("/incidents/{tracking}/location/dismiss", response_model=IncidentDetail,
             summary="Dismiss the proposed location, with a reason")
def dismiss_location(request: Request, tracking: str, body: ReasonIn, principal: Manager):
    return _incidents(request).dismiss_location(principal, tracking, body.reason)


@router.post("/incidents/{tracking}/messages/{message_id}/retry", response_model=IncidentDetail,
             summary="Try an undelivered message to her again")
def retry_message(request: Request, tracking: str, message_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                  principal: Manager):
    return _incidents(request).retry_message(principal, tracking, message_id)


@router.post("/incidents/{tracking}/messages/{message_id}/reached", response_model=IncidentDetail,
             summary="Record that she was reached another way: the undelivered message is settled")
def reached_otherwise(request: Request, tracking: str, message_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
                      body: ReachedIn, principal: Manager):
    return _incidents(request).message_reached_otherwise(principal, tracking, message_id, body.how)
