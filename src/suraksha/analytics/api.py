"""HTTP for the supervisor's wallboard: the figures the page draws, as JSON, within the caller's area."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from suraksha.analytics.service import WATCHERS
from suraksha.core.auth import Principal
from suraksha.http.deps import get_container, require_roles

router = APIRouter(prefix="/api/v1", tags=["analytics"])
Watcher = Annotated[Principal, Depends(require_roles(WATCHERS))]
AgeBucket = Literal["under_5", "5_15", "15_60", "over_60"]


class PriorityCount(BaseModel):
    priority: int = Field(ge=1, le=5)
    count: int = Field(ge=0)


class AgeCount(BaseModel):
    bucket: AgeBucket = Field(description="minutes since receipt: under 5, 5-15, 15-60, over 60")
    count: int = Field(ge=0)


class AgePriorityCount(BaseModel):
    bucket: AgeBucket
    priority: int = Field(ge=1, le=5)
    count: int = Field(ge=0)


class OpenIncidents(BaseModel):
    total: int = Field(ge=0)
    by_priority: list[PriorityCount]
    by_age: list[AgeCount]
    by_age_and_priority: list[AgePriorityCount]


class StatusCount(BaseModel):
    status: str = Field(examples=["available", "dispatched", "en_route"])
    count: int = Field(ge=0)


class Units(BaseModel):
    total: int = Field(ge=0)
    by_status: list[StatusCount]


class Spread(BaseModel):
    count: int = Field(ge=0, description="incidents of the day that have this time")
    median_seconds: float | None
    p90_seconds: float | None = Field(description="90th percentile, nearest rank")


class DayFigures(BaseModel):
    station_id: int | None = Field(description="null: the whole area")
    station_name: str | None
    city: str | None
    incidents: int = Field(ge=0, description="received today (the city's local day)")
    answer: Spread = Field(description="first answering action or dispatch after receipt")
    dispatch: Spread = Field(description="first dispatch after receipt")
    arrival: Spread = Field(description="first unit on scene after receipt")
    target_minutes: int | None = Field(description="the arrival target most of them had")
    within_target: int = Field(ge=0)
    decided: int = Field(ge=0, description="arrived, or open with the deadline passed")
    share_within_target: float | None = Field(description="within_target / decided")


class Wallboard(BaseModel):
    generated_at: str
    zone: str = Field(examples=["Asia/Kolkata"])
    day: str = Field(description="today in the viewer's city, YYYY-MM-DD")
    open: OpenIncidents
    units: Units
    area: DayFigures
    stations: list[DayFigures]


@router.get("/wallboard", response_model=Wallboard,
            summary="The supervisor's wallboard: open incidents, units, the day's response times per station")
def wallboard(request: Request, principal: Watcher):
    return get_container(request).analytics.wallboard(principal)


class ShareFigures(BaseModel):
    contacts: int = Field(ge=0, description="messages, calls and alerts received")
    genuine: int = Field(ge=0, description="of them, those whose incident is not marked as noise")
    share: float | None = Field(description="genuine / contacts; null without contacts")


class ChannelShare(ShareFigures):
    channel: str = Field(examples=["sms", "whatsapp", "sos", "call"])


class HourShare(ShareFigures):
    start: str = Field(description="the hour's start on the city's clock (ISO 8601 with its offset)")
    by_channel: list[ChannelShare]


class ContactShare(BaseModel):
    generated_at: str
    zone: str = Field(examples=["Asia/Kolkata"])
    since: str
    until: str
    channels: list[str]
    total: ShareFigures
    by_channel: list[ChannelShare]
    hours: list[HourShare]


@router.get("/analytics/contact-share", response_model=ContactShare,
            summary="The share of contacts that became (genuine) incidents, per channel and per hour, in your area")
def contact_share(request: Request, principal: Watcher, hours: Annotated[int, Query(ge=1, le=168)] = 24):
    return get_container(request).analytics.contact_share(principal, hours)
