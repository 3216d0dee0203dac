"""Server-Sent Events: the live feed that keeps every open console current without a reload."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from suraksha.accounts.model import ROLES_THAT_SEE_INCIDENTS, Principal, ScopeKind
from suraksha.core.events import Event
from suraksha.web.deps import get_container, require_roles

router = APIRouter(tags=["live"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
HEARTBEAT_S = 15.0
LIVE_TYPES = {"IncidentReported", "IncidentUpdated", "IncidentClosed", "UnitDispatched", "UnitStatusChanged",
              "UnitMoved", "UnitCreated", "StationsImported", "HelplineReassigned"}


def visible_to(principal: Principal, event: Event) -> bool:
    """Events carry no personal data; they are still filtered to the principal's patch."""
    if event.type not in LIVE_TYPES:
        return False
    city = event.payload.get("city")
    if principal.scope_kind is ScopeKind.CITY and city is not None:
        return city == principal.scope_value
    if principal.scope_kind is ScopeKind.STATION and "station_id" in event.payload:
        return str(event.payload.get("station_id")) == principal.scope_value
    return True


@router.get("/api/v1/stream", summary="Live events (text/event-stream)")
async def stream(request: Request, principal: Staff):
    sub = get_container(request).bus.subscribe()

    async def events():
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                event = await sub.get(timeout=HEARTBEAT_S)
                if event is None:
                    yield ": heartbeat\n\n"
                elif visible_to(principal, event):
                    data = json.dumps({"type": event.type, **event.payload}, default=str)
                    yield f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"
        finally:
            sub.close()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
