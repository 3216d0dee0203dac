"""Server-Sent Events: the live feed that keeps every open console current without a reload."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from suraksha.cases.model import alert_reaches
from suraksha.core import jsontext
from suraksha.core.auth import ROLES_THAT_SEE_CASES, ROLES_THAT_SEE_INCIDENTS, Locus, Principal, Role
from suraksha.core.events import Event
from suraksha.http.deps import get_container, require_roles

router = APIRouter(tags=["live"])
Listener = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS, Role.VOLUNTEER))]
HEARTBEAT_S = 15.0
LIVE_TYPES = {"IncidentReported", "IncidentUpdated", "IncidentTransferred", "IncidentNoted", "IncidentClosed",
              "IncidentReopened", "IncidentLocationProposed", "IncidentLocationChanged",
              "IncidentMessageUndelivered", "UnitDispatched",
              "UnitStatusChanged", "UnitsMoved", "UnitCreated", "StationsImported", "HelplineReassigned",
              "HandsetFreePeriodEnding", "IncidentUnassignedAlarm", "AssignmentReleased",
              "AssignmentAtRisk"}
LIVE_TYPES |= {"IncidentMerged", "IncidentUnmerged"}  # one incident per emergency (incidents/merging.py)
# The case side: to station officers and administrators whose scope covers the case; the clock's alerts only to
# those they are meant for (`cases.model.alert_reaches`: the IO, the station head, the district superintendent).
CASE_TYPES = {"CaseRegistered", "CaseUpdated", "CaseTransferred", "CaseDeadlineAlert"}


# What a volunteer's page is told: only events addressed to their own account (never an incident's).
VOLUNTEER_TYPES = {"VolunteerAlerted"}


def visible_to(principal: Principal, event: Event) -> bool:
    """The console's event types, each through the one scope rule (`Event.visible_to`); for a volunteer, only the
    events addressed to their account."""
    if principal.role is Role.VOLUNTEER:
        return event.type in VOLUNTEER_TYPES and event.payload.get("volunteer_account_id") == principal.account_id
    if event.type in CASE_TYPES:
        payload = event.payload
        return principal.role in ROLES_THAT_SEE_CASES and event.visible_to(principal) and (
            event.type != "CaseDeadlineAlert"
            or alert_reaches(principal, payload.get("notify") or (), payload.get("io_username"), Locus.of(payload)))
    return event.type in LIVE_TYPES and event.visible_to(principal)


def _frame(event: Event) -> str:
    data = jsontext.dumps_lenient({"type": event.type, **event.payload})
    return f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"


@router.get("/api/v1/stream", summary="Live events in your scope (text/event-stream)", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "Server-Sent Events: `event:` is the type, `data:` its JSON payload"}})
async def stream(request: Request, principal: Listener):
    sub = get_container(request).bus.subscribe()

    async def events():
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                events = await sub.get_many(timeout=HEARTBEAT_S)
                if not events:
                    yield ": heartbeat\n\n"
                    continue
                # the events waiting go out in one write: a fleet's moves arrive ~90 at a time, once a second
                chunk = "".join(_frame(event) for event in events if visible_to(principal, event))
                if chunk:
                    yield chunk
        finally:
            sub.close()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
