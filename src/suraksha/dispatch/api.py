"""HTTP for dispatch: units and their positions, recommendations, assignments and each step's time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from suraksha.core.auth import ROLES_THAT_DISPATCH, ROLES_THAT_SEE_INCIDENTS, Principal, Role
from suraksha.core.ids import normalise_tracking_number
from suraksha.dispatch.model import UnitKind, UnitStatus
from suraksha.dispatch.service import MANAGERS, REPORTERS, STATUS_SETTERS
from suraksha.http.deps import get_container, require_roles

router = APIRouter(tags=["dispatch"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
Dispatcher = Annotated[Principal, Depends(require_roles(ROLES_THAT_DISPATCH))]
Manager = Annotated[Principal, Depends(require_roles(MANAGERS))]
Reporter = Annotated[Principal, Depends(require_roles(REPORTERS))]
StatusSetter = Annotated[Principal, Depends(require_roles(STATUS_SETTERS))]
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
    status: str = Field(examples=["en_route", "on_scene", "available", "out_of_service"])


class AssignmentIn(BaseModel):
    unit_id: int = Field(ge=-2**31, le=2**31 - 1)  # an unknown id is a 404


class UnitOut(BaseModel):
    id: int
    call_sign: str
    kind: UnitKind
    home_station_id: int
    city: str | None
    status: UnitStatus
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
    en_route_at: Timestamp | None
    on_scene_at: Timestamp | None
    cleared_at: Timestamp | None
    dispatched_by: int | None = Field(description="the dispatcher's account id")
    step: Literal["dispatched", "en_route", "on_scene", "cleared"]


class AssignmentStep(AssignmentOut):
    seconds_to_arrive: int | None = Field(description="from the incident's first report to on scene")


class AssignmentList(BaseModel):
    assignments: list[AssignmentStep]


class UnitWithAssignment(UnitOut):
    assignment: AssignmentOut | None = Field(description="the assignment the unit is (or was just) on")


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
    distance_m: float
    eta_seconds: int
    stale: bool
    position_age_seconds: int | None
    reason: str


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
             summary="En route, on scene, available (cleared) or out of service")
def set_status(request: Request, unit_id: UnitId, body: StatusIn, principal: StatusSetter):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.set_status(unit_id, body.status, principal, crew_unit_id=crew)


@router.get("/api/v1/incidents/{tracking}/recommendations", response_model=Recommendations,
            summary="The units that would reach an incident first")
def recommendations(request: Request, tracking: str, principal: Dispatcher,
                    limit: Annotated[int, Query(ge=-2**31, le=2**31 - 1, description="1 to 50")] = 5):
    units = get_container(request).dispatch.recommend(tracking, limit, principal=principal)
    return {"tracking": normalise_tracking_number(tracking), "recommendations": units}


@router.post("/api/v1/incidents/{tracking}/assignments", status_code=201, response_model=AssignmentOut,
             summary="Send a unit to an incident")
def assign(request: Request, tracking: str, body: AssignmentIn, principal: Dispatcher):
    return get_container(request).dispatch.assign(tracking, body.unit_id, principal)


@router.get("/api/v1/incidents/{tracking}/assignments", response_model=AssignmentList,
            summary="Units sent to an incident and each step's time")
def assignments(request: Request, tracking: str, principal: Staff):
    return {"assignments": get_container(request).dispatch.timeline(tracking, principal=principal)}
