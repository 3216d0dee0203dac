"""Server-Sent Events: the live feed that keeps every open console current without a reload."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from suraksha.core.auth import ROLES_THAT_SEE_INCIDENTS, Principal
from suraksha.core.events import Event
from suraksha.http.deps import get_container, require_roles

router = APIRouter(tags=["live"])
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
HEARTBEAT_S = 15.0
LIVE_TYPES = {"IncidentReported", "IncidentUpdated", "IncidentTransferred", "IncidentNoted", "IncidentClosed",
              "IncidentReopened", "IncidentLocationProposed", "IncidentLocationChanged",
              "IncidentMessageUndelivered", "UnitDispatched",
              "UnitStatusChanged", "UnitMoved", "UnitCreated", "StationsImported", "HelplineReassigned",
              "HandsetFreePeriodEnding", "IncidentUnassignedAlarm", "AssignmentReleased",
              "AssignmentAtRisk"}


def visible_to(principal: Principal, event: Event) -> bool:
    """The console's event types, each through the one scope rule (`Event.visible_to`)."""
    return event.type in LIVE_TYPES and event.visible_to(principal)


@router.get("/api/v1/stream", summary="Live events in your scope (text/event-stream)", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "Server-Sent Events: `event:` is the type, `data:` its JSON payload"}})
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
