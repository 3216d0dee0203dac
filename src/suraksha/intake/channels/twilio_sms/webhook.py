"""POST /webhooks/twilio/sms: Twilio's inbound SMS, exactly as Twilio sends it (form-encoded, signed)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request, Response

from suraksha.http.deps import get_container
from suraksha.intake.channels.twilio_sms.parse import parse_form, to_contact
from suraksha.intake.channels.twilio_sms.reply import twiml_reply
from suraksha.intake.channels.twilio_sms.signature import check_signature

log = logging.getLogger("suraksha.intake.sms")
router = APIRouter()


@router.post("/webhooks/twilio/sms", tags=["webhooks"], summary="Twilio inbound SMS (form-encoded, signed)",
             response_class=Response,
             responses={200: {"content": {"application/xml": {}}, "description": "TwiML with her acknowledgement"},
                        403: {"description": "X-Twilio-Signature does not match: nothing stored"},
                        422: {"description": "a required Twilio field is missing: nothing stored"}})
async def twilio_sms(request: Request) -> Response:
    c = get_container(request)
    form = parse_form(await request.body())
    check_signature(c.settings.twilio_auth_token.get_secret_value(), c.settings.public_url, request.url.path,
                    request.url.query, form, request.headers.get("x-twilio-signature", ""))
    contact = to_contact(form, c.clock.now())
    ack = await c.intake.receive_async(contact)
    log.info("sms %s -> incident %s%s", contact.provider_id, ack.tracking,
             " (retry)" if ack.duplicate else " (joined)" if ack.joined else "")
    return Response(twiml_reply(ack.reply), media_type="application/xml")
