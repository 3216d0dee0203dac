"""HTTP for noise (docs/adr/0009): mark an incident noise or genuine again, and the noise list. Thin: it parses,
calls incidents/noise.py, and answers with the incident as `GET /api/v1/incidents/{tracking}` does."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from suraksha.core.auth import ROLES_THAT_MANAGE_INCIDENTS, ROLES_THAT_SEE_INCIDENTS, Principal
from suraksha.http.deps import get_container, require_roles
from suraksha.incidents.api import IncidentDetail, IncidentList, ReasonIn

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
Manager = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_INCIDENTS))]
Kind = Literal["blank", "silent", "abusive", "prank", "test"]


class NoiseIn(BaseModel):
    kind: Kind = Field(description="blank: nothing in it or nobody there; silent: someone there who says nothing; "
                                   "abusive; prank; test")
    note: str = Field("", max_length=500)


def _noise(request: Request):
    return get_container(request).noise


@router.get("/incidents/noise", response_model=IncidentList,
            summary="Incidents in your scope marked as noise (kept, out of the queue), newest first")
def noise_list(request: Request, principal: Staff,
               kind: Annotated[str | None, Query(max_length=16, description="one kind only")] = None,
               closed: bool = False,
               limit: Annotated[int, Query(ge=1, le=500)] = 200):
    return {"incidents": _noise(request).noise_list(principal, kind=kind, include_closed=closed, limit=limit)}


@router.post("/incidents/{tracking}/noise", response_model=IncidentDetail,
             summary="Mark as noise (blank, silent, abusive, prank, test): out of the queue, never deleted")
def mark_noise(request: Request, tracking: str, body: NoiseIn, principal: Manager):
    return _noise(request).mark_noise(principal, tracking, body.kind, body.note)


@router.post("/incidents/{tracking}/genuine", response_model=IncidentDetail,
             summary="Undo a noise mark, with a reason: the incident is back in the queue")
def mark_genuine(request: Request, tracking: str, body: ReasonIn, principal: Manager):
    return _noise(request).mark_genuine(principal, tracking, body.reason)
