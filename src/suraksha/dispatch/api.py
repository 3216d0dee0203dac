"""HTTP for dispatch: units and their positions, recommendations, assignments and each step's time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from suraksha.accounts.model import ROLES_THAT_DISPATCH, ROLES_THAT_SEE_INCIDENTS, Principal, Role
from suraksha.core.ids import normalise_tracking_number
from suraksha.dispatch.model import UnitKind
from suraksha.dispatch.service import MANAGERS, REPORTERS, STATUS_SETTERS
from suraksha.web.deps import get_container, require_roles

router = APIRouter(tags=["dispatch"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
Dispatcher = Annotated[Principal, Depends(require_roles(ROLES_THAT_DISPATCH))]
Manager = Annotated[Principal, Depends(require_roles(MANAGERS))]
Reporter = Annotated[Principal, Depends(require_roles(REPORTERS))]
StatusSetter = Annotated[Principal, Depends(require_roles(STATUS_SETTERS))]
Gateway = Annotated[Principal, Depends(require_roles(Role.DISPATCHER, Role.ADMIN))]


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
    unit_id: int | None = None
    call_sign: str | None = None


class StatusIn(BaseModel):
    status: str = Field(examples=["en_route", "on_scene", "available", "out_of_service"])


class AssignmentIn(BaseModel):
    unit_id: int


def _crew_unit(request: Request, principal: Principal) -> int | None:
    """The unit a responder crews (None for other roles)."""
    if principal.role is not Role.RESPONDER:
        return None
    return get_container(request).accounts.unit_of(principal.account_id)


@router.get("/api/v1/units", summary="Units in your area, with their latest position")
def list_units(request: Request, principal: Staff, city: str | None = None, station_id: int | None = None):
    return {"units": get_container(request).dispatch.list_units(city, station_id, principal=principal)}


@router.post("/api/v1/units", status_code=201, summary="Register a unit at its home station")
def create_unit(request: Request, body: NewUnit, principal: Manager):
    return get_container(request).dispatch.create_unit(
        body.call_sign, body.kind.value, body.home_station_id, body.lon, body.lat, principal=principal,
    )


@router.get("/api/v1/units/{unit_id}", summary="One unit")
def get_unit(request: Request, unit_id: int, principal: Staff):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.get_unit(unit_id, principal=principal, crew_unit_id=crew)


@router.post("/api/v1/units/positions", summary="A device gateway's batch of positions")
def post_positions(request: Request, body: list[GatewayPosition], principal: Gateway):
    items = [item.model_dump() for item in body]
    return get_container(request).dispatch.post_positions(items, principal=principal)


@router.post("/api/v1/units/{unit_id}/positions", summary="A unit's GPS position")
def post_position(request: Request, unit_id: int, body: PositionIn, principal: Reporter):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.post_position(
        unit_id, body.lon, body.lat, body.recorded_at, principal=principal, crew_unit_id=crew,
    )


@router.post("/api/v1/units/{unit_id}/status", summary="En route, on scene, available (cleared) or out of service")
def set_status(request: Request, unit_id: int, body: StatusIn, principal: StatusSetter):
    crew = _crew_unit(request, principal)
    return get_container(request).dispatch.set_status(unit_id, body.status, principal, crew_unit_id=crew)


@router.get("/api/v1/incidents/{tracking}/recommendations", summary="The units that would reach an incident first")
def recommendations(request: Request, tracking: str, principal: Dispatcher, limit: Annotated[int, Query()] = 5):
    units = get_container(request).dispatch.recommend(tracking, limit, principal=principal)
    return {"tracking": normalise_tracking_number(tracking), "recommendations": units}


@router.post("/api/v1/incidents/{tracking}/assignments", status_code=201, summary="Send a unit to an incident")
def assign(request: Request, tracking: str, body: AssignmentIn, principal: Dispatcher):
    return get_container(request).dispatch.assign(tracking, body.unit_id, principal)


@router.get("/api/v1/incidents/{tracking}/assignments", summary="Units sent to an incident and each step's time")
def assignments(request: Request, tracking: str, principal: Staff):
    return {"assignments": get_container(request).dispatch.timeline(tracking, principal=principal)}
