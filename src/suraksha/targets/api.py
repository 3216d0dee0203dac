"""HTTP for response-time targets: everyone on staff reads them; administrators change them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_OF_STAFF, ROLES_THAT_MANAGE_STATIONS, Principal
from suraksha.http.deps import get_container, require_roles
from suraksha.targets.model import AreaClass

router = APIRouter(prefix="/api/v1", tags=["response targets"])
Admin = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_STATIONS))]
Staff = Annotated[Principal, Depends(require_roles(ROLES_OF_STAFF))]  # not a volunteer
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class TargetIn(BaseModel):
    state: str = Field(min_length=1, max_length=2, examples=["MH", "*"], description="a state code, or * for any")
    area_class: AreaClass
    priority: int | None = Field(None, ge=1, le=5, description="null: any priority")
    category: str | None = Field(None, max_length=32, description="null: any category")
    minutes: int = Field(ge=1, le=1440)
    source: str = Field("", max_length=300, description="where the figure comes from")


class TargetOut(BaseModel):
    id: int
    state: str
    area_class: AreaClass
    priority: int | None
    category: str | None
    minutes: int
    source: str


class TargetList(BaseModel):
    targets: list[TargetOut]


class AreaClassIn(BaseModel):
    area_class: AreaClass


class StationArea(BaseModel):
    station_id: int
    area_class: AreaClass


@router.get("/response-targets", response_model=TargetList,
            summary="Response-time targets: minutes to reach her, by state, area class, priority and category")
def list_targets(request: Request, principal: Staff):
    return {"targets": get_container(request).targets.targets()}


@router.put("/response-targets", response_model=TargetOut,
            summary="Set a target (adds one, or changes the minutes of the same rule)")
def set_target(request: Request, body: TargetIn, principal: Admin):
    return get_container(request).targets.set_target(principal, body.state, body.area_class.value, body.priority,
                                                     body.category, body.minutes, body.source)


@router.delete("/response-targets/{target_id}", response_model=TargetList,
               summary="Remove a target; answers with the targets left")
def delete_target(request: Request, target_id: Id, principal: Admin):
    targets = get_container(request).targets
    targets.delete_target(principal, target_id)
    return {"targets": targets.targets()}


@router.put("/stations/{station_id}/area-class", response_model=StationArea,
            summary="Whether a station's area is urban or rural (which targets apply)")
def set_area_class(request: Request, station_id: Id, body: AreaClassIn, principal: Admin):
    return get_container(request).targets.set_area_class(principal, station_id, body.area_class.value)
