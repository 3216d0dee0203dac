"""HTTP for dispatch: units and their positions, recommendations, assignments and each step's time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from suraksha.core.auth import ROLES_THAT_DISPATCH, ROLES_THAT_SEE_INCIDENTS, Principal, Role
from suraksha.core.ids import normalise_tracking_number
from suraksha.dispatch.model import UnitKind, UnitStatus
from suraksha.dispatch.service import CREWS, MANAGERS, REPORTERS, STATUS_SETTERS
from suraksha.http.deps import get_container, require_roles

router = APIRouter(tags=["dispatch"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
Dispatcher = Annotated[Principal, Depends(require_roles(ROLES_THAT_DISPATCH))]
Manager = Annotated[Principal, Depends(require_roles(MANAGERS))]
Reporter = Annotated[Principal, Depends(require_roles(REPORTERS))]
StatusSetter = Annotated[Principal, Depends(require_roles(STATUS_SETTERS))]
Crew = Annotated[Principal, Depends(require_roles(CREWS))]
Gateway = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.ADMIN))]
UnitId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# The service hands back datetimes; they keep the form they had before (isoformat: "+00:00", not "Z").
Timestamp = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "format": "date-time"})]


class NewUnit(BaseModel):
    call_sign: str = Field(min_length=3, max_length=32, examples=["MUM-NS-014"])
    kind: UnitKind
    home_station_id: int
    lon: float | None = None
    lat: float | None = None


class PositionIn(BaseModel):
    lat: float
    lon: float
    recorded_at: datetime | None = None


class GatewayPosition(PositionIn):
    unit_id: int | None = Field(None, ge=-2**31, le=2**31 - 1)  # an unknown id is reported per item
    call_sign: str | None = None


class StatusIn(BaseModel):
    status: str = Field(examples=["acknowledged", "en_route", "on_scene", "available", "out_of_service"])
    reason: str = Field("", max_length=300, description="why the unit is out of service (required for that)")
    disposition: str | None = Field(
        None, max_length=64, examples=["attended_resolved"],
        description="with `available` from an assignment: how it ended (GET /api/v1/dispositions); when the last "
                    "unit clears, the incident closes with it (default: attended and resolved)")


class AssignmentIn(BaseModel):
    unit_id: int = Field(ge=-2**31, le=2**31 - 1)  # an unknown id is a 404
    retask: bool = Field(False, description="take the unit off the incident it is on (recorded on both)")
    reason: str = Field("", max_length=300, description="why it is re-tasked (required with retask)")


class UnitOut(BaseModel):
    id: int
    call_sign: str
    kind: UnitKind
    home_station_id: int
    city: str | None
    status: UnitStatus
    status_reason: str | None = Field(None, description="why it is out of service (or was released)")
    lon: float = Field(description="the latest position (the home station's anchor until a GPS fix)")
    lat: float
    position_at: Timestamp | None = Field(description="when the latest GPS fix was taken; null: none yet")
    stale: bool = Field(description="no GPS fix, or one older than the stale limit")
    position_age_seconds: int | None


class UnitList(BaseModel):
    units: list[UnitOut]


class AssignmentOut(BaseModel):
    id: int
    incident_id: int
    tracking: str
    unit_id: int
    call_sign: str
    kind: UnitKind
    dispatched_at: Timestamp
    acknowledged_at: Timestamp | None = Field(description="when the crew acknowledged (or first moved)")
    en_route_at: Timestamp | None
    on_scene_at: Timestamp | None
    cleared_at: Timestamp | None
    released_at: Timestamp | None = Field(description="ended without clearing: not acknowledged in time, re-tasked")
    release_reason: str | None
    dispatched_by: int | None = Field(description="the dispatcher's account id; null: sent by the escalation")
    step: Literal["dispatched", "acknowledged", "en_route", "on_scene", "cleared", "released"]


class AssignmentStep(AssignmentOut):
    seconds_to_arrive: int | None = Field(description="from the incident's first report to on scene")


class AssignmentList(BaseModel):
    assignments: list[AssignmentStep]


class TrackPoint(BaseModel):
    lon: float
    lat: float
    recorded_at: Timestamp = Field(description="when the unit's device took the fix")


class Track(AssignmentOut):
    points: list[TrackPoint] = Field(
        description="oldest first: where the unit was when it was sent (its latest position then), then every fix it "
                    "took until it cleared or was released (until now while it lasts)")


class TrackList(BaseModel):
    tracking: str
    tracks: list[Track] = Field(description="one per unit sent, in the order they were sent")


class UnitWithAssignment(UnitOut):
    assignment: AssignmentOut | None = Field(description="the assignment the unit is (or was just) on")


class CrewIncident(BaseModel):
    """Only what the crew needs: no message texts; her numbers only where the need-to-know rule allows."""

    tracking: str
    priority: int
    category: str
    status: str
    station_id: int | None
    station_name: str | None
    location_known: bool
    lon: float | None = Field(description="where she is; null: her location is unknown")
    lat: float | None
    received_at: Timestamp
    contacts: list[str] | None = Field(description="her phone numbers; null: withheld (need to know)")


class CrewScreen(BaseModel):
    unit: UnitOut
    assignment: AssignmentOut | None = Field(description="the assignment the unit is on; null: none")
    incident: CrewIncident | None
    next_statuses: list[UnitStatus] = Field(description="what the crew may report next, in the order of the work")


class RejectedPosition(BaseModel):
    index: int = Field(description="position of the item in the batch, from 0")
    code: str
    message: str


class PositionReport(BaseModel):
    accepted: int
    rejected: list[RejectedPosition]


class RecommendedUnit(BaseModel):
    unit_id: int
    call_sign: str
    kind: UnitKind
    home_station_id: int
    status: UnitStatus
    distance_m: float | None = Field(
        description="metres in a straight line from the unit's last position to her; null: her location is unknown")
    eta_seconds: int | None = Field(
        description="estimated seconds to reach her, by the estimator named; null: her location is unknown")
    stale: bool
    position_age_seconds: int | None
    estimator: Literal["road", "straight_line"] = Field(
        description="what gave eta_seconds: `road`, the routing service (SURAKSHA_ROUTING_URL); `straight_line`, "
                    "distance × road factor ÷ the speed of the hour (the default, and the stand-in for a unit the "
                    "routing service could not time)")
    location_known: bool = Field(
        description="false: the incident stands at its station's anchor point; units are ordered by their "
                    "distance from it, only as a guide")
    reason: str = Field(description="why the unit is on the list, with the estimator in words")


class Recommendations(BaseModel):
    tracking: str
    recommendations: list[RecommendedUnit]


def _crew_unit(request: Request, principal: Principal) -> int | None:
    """The unit a responder crews (None for other roles)."""
    if principal.role is not Role.RESPONDER:
        return None
    return principal.unit_id


@router.get("/api/v1/units", response_model=UnitList, summary="Units in your area, with their latest position")
def list_units(request: Request, principal: Staff, city: Annotated[str | None, Query(max_length=64)] = None,
               station_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None):
    return {"units": get_container(request).dispatch.list_units(city, station_id, principal=principal)}


@router.post("/api/v1/units", status_code=201, response_model=UnitOut, summary="Register a unit at its home station")
def create_unit(request: Request, body: NewUnit, principal: Manager):
    return get_container(request).dispatch.create_unit(
        body.call_sign, body.kind.value, body.home_station_id, body.lon, body.lat, principal=principal,
    )


@router.get("/api/v1/units/{unit_id}", response_model=UnitOut, summary="One unit")
def get_unit(request: Request, unit_id: UnitId, principal: Staff):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.get_unit(unit_id, principal=principal, crew_unit_id=crew)


@router.post("/api/v1/units/positions", response_model=PositionReport, summary="A device gateway's batch of positions")
def post_positions(request: Request, body: list[GatewayPosition], principal: Gateway):
    items = [item.model_dump() for item in body]
    return get_container(request).dispatch.post_positions(items, principal=principal)


@router.post("/api/v1/units/{unit_id}/positions", response_model=UnitOut, summary="A unit's GPS position")
def post_position(request: Request, unit_id: UnitId, body: PositionIn, principal: Reporter):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.post_position(
        unit_id, body.lon, body.lat, body.recorded_at, principal=principal, crew_unit_id=crew,
    )


@router.post("/api/v1/units/{unit_id}/status", response_model=UnitWithAssignment,
             summary="Acknowledged, en route, on scene, available (cleared) or out of service (with a reason)")
def set_status(request: Request, unit_id: UnitId, body: StatusIn, principal: StatusSetter):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.set_status(unit_id, body.status, principal, crew_unit_id=crew,
                                                      reason=body.reason, disposition=body.disposition)


@router.get("/api/v1/units/{unit_id}/assignment", response_model=CrewScreen,
            summary="The responder's screen: your unit, its incident (what the crew needs) and its next steps")
def crew_screen(request: Request, unit_id: UnitId, principal: Crew):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.crew_view(unit_id, principal, crew_unit_id=crew)


@router.get("/api/v1/incidents/{tracking}/recommendations", response_model=Recommendations,
            summary="The units that would reach an incident first")
def recommendations(request: Request, tracking: str, principal: Dispatcher,
                    limit: Annotated[int, Query(ge=-2**31, le=2**31 - 1, description="1 to 50")] = 5):
    units = get_container(request).dispatch.recommend(tracking, limit, principal=principal)
    return {"tracking": normalise_tracking_number(tracking), "recommendations": units}


@router.post("/api/v1/incidents/{tracking}/assignments", status_code=201, response_model=AssignmentOut,
             summary="Send a unit to an incident (a unit on another incident only with retask and a reason)")
def assign(request: Request, tracking: str, body: AssignmentIn, principal: Dispatcher):
    return get_container(request).dispatch.assign(tracking, body.unit_id, principal,
                                                  retask_reason=body.reason if body.retask else None)


@router.get("/api/v1/incidents/{tracking}/assignments", response_model=AssignmentList,
            summary="Units sent to an incident and each step's time")
def assignments(request: Request, tracking: str, principal: Staff):
    return {"assignments": get_container(request).dispatch.timeline(tracking, principal=principal)}


@router.get("/api/v1/incidents/{tracking}/tracks", response_model=TrackList,
            summary="Replay a response: each unit sent and the way it went (its GPS fixes)")
def tracks(request: Request, tracking: str, principal: Staff):
    return {"tracking": normalise_tracking_number(tracking),
            "tracks": get_container(request).dispatch.tracks(tracking, principal=principal)}


# ---------------------------------------------------------------- rosters, crews and the unit's log

ShiftId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ShiftIn(BaseModel):
    starts_at: datetime = Field(description="with its time zone, e.g. 2026-12-03T08:00:00+05:30")
    ends_at: datetime
    woman_officer: str = Field("", max_length=120, description="required for a Nirbhaya squad: who leads it")
    crew: str = Field("", max_length=300, description="the crew's names and ranks, as the roster says")


class ShiftOut(BaseModel):
    id: int
    unit_id: int
    starts_at: Timestamp
    ends_at: Timestamp
    woman_officer: str | None
    crew: str
    cancelled: bool


class Roster(BaseModel):
    unit_id: int
    call_sign: str
    rostered: bool = Field(description="false: no roster, on duty round the clock")
    on_duty: bool
    shifts: list[ShiftOut] = Field(description="the shifts that have not ended")


class CrewIn(BaseModel):
    usernames: list[str] = Field(max_length=20, description="the responder accounts on the unit's crew")


class CrewMember(BaseModel):
    username: str
    scope_kind: str
    scope_value: str


class CrewList(BaseModel):
    crew: list[CrewMember]


class UnitLogEntry(BaseModel):
    at: Timestamp
    by: str
    change: str = Field(examples=["created", "status", "released", "shift_added", "shift_cancelled", "crew"])
    detail: str


class UnitLog(BaseModel):
    log: list[UnitLogEntry]


@router.get("/api/v1/units/{unit_id}/roster", response_model=Roster,
            summary="A unit's shifts and whether it is on duty")
def roster(request: Request, unit_id: UnitId, principal: Staff):
    return get_container(request).dispatch.roster(unit_id, principal=principal)


@router.post("/api/v1/units/{unit_id}/shifts", status_code=201, response_model=Roster,
             summary="Put a unit on duty for a shift (admins, officers of its station)")
def add_shift(request: Request, unit_id: UnitId, body: ShiftIn, principal: Manager):
    return get_container(request).dispatch.add_shift(unit_id, body.starts_at, body.ends_at, body.woman_officer,
                                                     body.crew, principal=principal)


@router.post("/api/v1/shifts/{shift_id}/cancel", response_model=Roster, summary="Cancel a shift")
def cancel_shift(request: Request, shift_id: ShiftId, principal: Manager):
    return get_container(request).dispatch.cancel_shift(shift_id, principal=principal)


@router.get("/api/v1/units/{unit_id}/crew", response_model=CrewList, summary="The responder accounts on a unit's crew")
def get_crew(request: Request, unit_id: UnitId, principal: Staff):
    c = get_container(request)
    c.dispatch.roster(unit_id, principal=principal)  # exists, and in the area
    return {"crew": c.accounts.crew_of(unit_id)}


@router.put("/api/v1/units/{unit_id}/crew", response_model=CrewList,
            summary="Set the responder accounts on a unit's crew (admins, officers of its station)")
def set_crew(request: Request, unit_id: UnitId, body: CrewIn, principal: Manager):
    c = get_container(request)
    return {"crew": c.dispatch.set_crew(unit_id, body.usernames, c.accounts, principal=principal)}


@router.get("/api/v1/units/{unit_id}/log", response_model=UnitLog,
            summary="Every change to a unit: status with incident and reason, shifts, crew")
def unit_log(request: Request, unit_id: UnitId, principal: Staff):
    return {"log": get_container(request).dispatch.unit_log(unit_id, principal=principal)}
