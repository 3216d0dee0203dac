"""POST /webhooks/twilio/sms: Twilio's inbound SMS, exactly as Twilio sends it (form-encoded, signed).

`receive` is the whole webhook; the server runs it in the webhook lane (`suraksha.http.lane`), in front of the
framework. The FastAPI route describes it in the API and serves the same function without the lane.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request, Response

from suraksha.core.errors import BadDelivery
from suraksha.http.deps import get_container
from suraksha.http.lane import Answer, Delivery
from suraksha.intake.channels.twilio_sms.parse import parse_form, to_contact
from suraksha.intake.channels.twilio_sms.reply import twiml_reply
from suraksha.intake.channels.twilio_sms.signature import check_signature

log = logging.getLogger("suraksha.intake.sms")
router = APIRouter()
PATH = "/webhooks/twilio/sms"


async def receive(c: Any, delivery: Delivery) -> Answer:
    """Check Twilio's signature, take the message, answer with TwiML once it is durably stored."""
    form = parse_form(delivery.body)
    check_signature(c.settings.twilio_auth_token.get_secret_value(), c.settings.public_url, delivery.path,
                    delivery.query, form, delivery.headers.get("x-twilio-signature", ""))
    try:
        contact = to_contact(form, c.clock.now())
    except BadDelivery as exc:  # logged with Twilio's id, never her words
        log.warning("sms delivery refused (%s): %s", exc.details.get("provider_id") or "no MessageSid", exc.message)
        raise
    ack = await c.intake.receive_async(contact)
    log.info("sms %s -> incident %s%s", contact.provider_id, ack.tracking,
             " (retry)" if ack.duplicate else " (joined)" if ack.joined else "")
    return Answer(twiml_reply(ack.reply), "application/xml")


@router.post(PATH, tags=["webhooks"], summary="Twilio inbound SMS (form-encoded, signed)",
             response_class=Response,
             responses={200: {"content": {"application/xml": {}}, "description": "TwiML with her acknowledgement"},
                        403: {"description": "X-Twilio-Signature does not match: nothing stored"},
                        400: {"description": "a required Twilio field is missing, or the form is not UTF-8: "
                                             "nothing stored (`invalid_webhook`)"}})
async def twilio_sms(request: Request) -> Response:
    answer = await receive(get_container(request), Delivery(request.url.path, request.url.query, request.headers,
                                                            await request.body()))
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)
