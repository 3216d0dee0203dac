"""HTTP for one incident per emergency: suggested merges, merging, unmerging, and "not the same"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from suraksha.http.deps import get_container
from suraksha.incidents.api import IncidentDetail, Manager

router = APIRouter(prefix="/api/v1", tags=["incidents"])


class MergeSuggestion(BaseModel):
    tracking: str
    priority: int
    category: str
    status: str
    channel: str
    station_id: int | None
    station_name: str | None
    received_at: str
    distance_m: int = Field(description="metres between the two incidents' locations")
    minutes_apart: int = Field(description="minutes between their first contacts")


class MergeSuggestions(BaseModel):
    tracking: str
    radius_m: float
    window_minutes: int
    suggestions: list[MergeSuggestion]


class MergeIn(BaseModel):
    into: str = Field(min_length=1, max_length=20, description="the tracking number of the incident that stays")
    reason: str = Field("", max_length=500)


class RejectIn(BaseModel):
    reason: str = Field("", max_length=500)


class UnmergeIn(BaseModel):
    reason: str = Field(min_length=3, max_length=500)


class Rejected(BaseModel):
    tracking: str
    other: str
    rejected: bool


class SuggestedInQueue(BaseModel):
    incidents: list[str] = Field(description="tracking numbers of open incidents in your scope with a suggestion")


def _merges(request: Request):
    return get_container(request).merges


@router.get("/incidents/{tracking}/merge-suggestions", response_model=MergeSuggestions,
            summary="Open incidents from other callers near it in place and time: perhaps the same emergency")
def merge_suggestions(request: Request, tracking: str, principal: Manager):
    merges = _merges(request)
    return {"tracking": tracking.upper(), "radius_m": merges.rules.radius_m,
            "window_minutes": int(merges.rules.window.total_seconds() // 60),
            "suggestions": merges.suggestions(principal, tracking)}


@router.get("/merge-suggestions", response_model=SuggestedInQueue,
            summary="Which open incidents in your scope have a suggested merge (the queue's badge)")
def suggested_in_queue(request: Request, principal: Manager):
    return {"incidents": _merges(request).suggested_in_queue(principal)}


@router.post("/incidents/{tracking}/merge", response_model=IncidentDetail,
             summary="Merge this incident into another about the same emergency (the other one is returned)")
def merge(request: Request, tracking: str, body: MergeIn, principal: Manager):
    return _merges(request).merge(principal, tracking, body.into, body.reason)


@router.post("/incidents/{tracking}/unmerge", response_model=IncidentDetail,
             summary="Undo the merge of this incident: its contacts and status come back")
def unmerge(request: Request, tracking: str, body: UnmergeIn, principal: Manager):
    return _merges(request).unmerge(principal, tracking, body.reason)


@router.post("/incidents/{tracking}/merge-suggestions/{other}/reject", response_model=Rejected,
             summary="Not the same emergency: the pair is not suggested again")
def reject(request: Request, tracking: str, other: str, principal: Manager, body: RejectIn | None = None):
    return _merges(request).reject(principal, tracking, other, body.reason if body else "")
