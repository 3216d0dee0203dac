"""HTTP for intake: Twilio's SMS webhook, and incidents addressed by tracking number."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from suraksha.accounts.model import ROLES_THAT_DISPATCH, ROLES_THAT_SEE_INCIDENTS, Principal, Role, may_see_contacts
from suraksha.core.errors import Forbidden, NotFound
from suraksha.intake.twilio import check_signature, parse_form, to_inbound, twiml_reply
from suraksha.stations.model import state_of
from suraksha.web.deps import get_container, require_roles

log = logging.getLogger("suraksha.intake")
router = APIRouter()
Staff = Annotated[Principal, Depends(require_roles(ROLES_THAT_SEE_INCIDENTS))]
Dispatcher = Annotated[Principal, Depends(require_roles(ROLES_THAT_DISPATCH))]


@router.post("/webhooks/twilio/sms", tags=["webhooks"], summary="Twilio inbound SMS (form-encoded, signed)")
async def twilio_sms(request: Request) -> Response:
    c = get_container(request)
    form = parse_form(await request.body())
    check_signature(c.settings.twilio_auth_token.get_secret_value(), c.settings.public_url, request.url.path,
                    request.url.query, form, request.headers.get("x-twilio-signature", ""))
    sms = to_inbound(form, c.clock.now())
    ack = await c.intake.receive_sms_async(sms)
    log.info("sms %s -> incident %s%s", sms.provider_id, ack.tracking,
             " (retry)" if ack.duplicate else " (joined)" if ack.joined else "")
    return Response(twiml_reply(ack.reply), media_type="application/xml")


@router.get("/api/v1/incidents", tags=["incidents"], summary="Open incidents in your scope, by priority then age")
def list_incidents(request: Request, principal: Staff, limit: int = 200):
    return {"incidents": get_container(request).intake.list_open(principal, min(max(limit, 1), 500))}


@router.get("/api/v1/incidents/{tracking}", tags=["incidents"], summary="One incident by tracking number")
def get_incident(request: Request, tracking: str, principal: Staff):
    c = get_container(request)
    incident = c.intake.load(tracking)
    if not principal.covers(incident["station_id"], incident["city"], state_of(incident["city"])):
        raise NotFound(f"no incident {tracking}", code="incident_not_found")  # no hint that it exists
    incident_id = incident.pop("id")
    if may_see_contacts(principal, unit_assigned_to_me=_my_unit_on(c, principal, incident["tracking"])):
        incident["contacts"], incident["messages"] = c.intake.contacts_and_messages(incident_id)
        incident["outbound"] = c.messages.for_incident(incident_id)
    else:
        incident["contacts"], incident["contacts_withheld"] = None, True
    return incident


class CloseRequest(BaseModel):
    disposition: str = Field(min_length=3, max_length=200)


@router.post("/api/v1/incidents/{tracking}/close", tags=["incidents"], summary="Close an incident with no unit on it")
def close_incident(request: Request, tracking: str, body: CloseRequest, principal: Dispatcher):
    c = get_container(request)
    incident = c.intake.load(tracking)
    if not principal.covers(incident["station_id"], incident["city"], state_of(incident["city"])):
        raise Forbidden("this incident is outside your scope", code="out_of_scope")
    result = c.intake.close(tracking, body.disposition, principal)
    result.pop("id", None)
    return result


def _my_unit_on(c, principal: Principal, tracking: str) -> bool:
    if principal.role is not Role.RESPONDER:
        return False
    unit_id = c.accounts.unit_of(principal.account_id)
    if unit_id is None:
        return False
    return any(a.get("unit_id") == unit_id and not a.get("cleared_at") for a in c.dispatch.timeline(tracking))
