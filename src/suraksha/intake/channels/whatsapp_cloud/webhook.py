"""GET and POST /webhooks/whatsapp: the WhatsApp Business Cloud API webhook, exactly as Meta sends it.

GET is Meta's subscription handshake (`hub.mode`, `hub.verify_token`, `hub.challenge`). POST is a signed JSON
delivery (`X-Hub-Signature-256`, checked in constant time on the raw bytes before anything is parsed): its messages
become contacts, taken and durably stored before the 200 (Meta retries anything else; a retry is recognised by the
message id), its delivery statuses are recorded on the messages we sent, and messages posted in groups are counted
and left out. The answers to her are not in the response (WhatsApp has none): they are queued and sent from the
number she wrote to. `receive` runs in the webhook lane (`suraksha.http.lane`), as Twilio's SMS does.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from suraksha.core.errors import BadDelivery, BadSignature
from suraksha.http.deps import get_container
from suraksha.http.lane import Answer, Delivery
from suraksha.intake.channels.whatsapp_cloud.parse import PROVIDER, parse_delivery
from suraksha.intake.channels.whatsapp_cloud.signature import check_signature

log = logging.getLogger("suraksha.intake.whatsapp")
router = APIRouter()
PATH = "/webhooks/whatsapp"


async def receive(c: Any, delivery: Delivery) -> Answer:
    """Check Meta's signature, take every message, record the statuses; 200 once all of it is stored."""
    check_signature(c.settings.whatsapp_app_secret.get_secret_value(), delivery.body,
                    delivery.headers.get("x-hub-signature-256", ""))
    now = c.clock.now()
    try:
        parsed = parse_delivery(delivery.body, now)
    except BadDelivery as exc:  # logged with Meta's message id where there is one, never her words
        log.warning("whatsapp delivery refused (%s): %s", exc.details.get("provider_id") or "no message id",
                    exc.message)
        raise
    acks = await asyncio.gather(*(c.intake.receive_async(contact) for contact in parsed.contacts))
    for contact, ack in zip(parsed.contacts, acks):
        log.info("whatsapp %s -> incident %s%s", contact.provider_id, ack.tracking,
                 " (retry)" if ack.duplicate else " (joined)" if ack.joined else "")
    if parsed.statuses:
        await run_in_threadpool(_statuses, c, parsed.statuses)
    if parsed.from_groups:
        c.metrics.count_ignored(PROVIDER, "group", parsed.from_groups)
        log.info("whatsapp: %s message(s) posted in groups left out", parsed.from_groups)
    if parsed.ignored:
        c.metrics.count_ignored(PROVIDER, "reaction_or_notice", parsed.ignored)
    return Answer("", "text/plain")


def _statuses(c: Any, statuses) -> None:
    """What Meta says became of our messages, recorded on them. (Her reply window opens again with each message
    of hers in intake's own commit: `MessageService.heard`.)"""
    found = c.messages.record_statuses([(s.message_id, s.status, s.ours, s.at, s.error) for s in statuses])
    log.info("whatsapp: %s status(es), %s of our messages", len(statuses), found)


def verify(c: Any, mode: str | None, token: str | None, challenge: str | None) -> str:
    """Meta's subscription handshake: the challenge back when the mode is `subscribe` and the token is ours."""
    expected = c.settings.whatsapp_verify_token.get_secret_value()
    if mode != "subscribe" or not expected or not token or challenge is None \
            or not hmac.compare_digest(token.encode(), expected.encode()):
        raise BadSignature("the verify token does not match", code="bad_verify_token")
    return challenge


@router.get(PATH, tags=["webhooks"], summary="WhatsApp Cloud API: Meta's subscription handshake",
            response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "the hub.challenge, echoed"},
                       403: {"description": "wrong mode or verify token"}})
async def whatsapp_verify(request: Request,
                          mode: Annotated[str | None, Query(alias="hub.mode", max_length=32)] = None,
                          token: Annotated[str | None, Query(alias="hub.verify_token", max_length=256)] = None,
                          challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=256)] = None
                          ) -> Response:
    return Response(verify(get_container(request), mode, token, challenge), media_type="text/plain")


@router.post(PATH, tags=["webhooks"], summary="WhatsApp Cloud API deliveries (JSON, signed)", response_class=Response,
             responses={200: {"content": {"text/plain": {}}, "description": "every message in it stored"},
                        400: {"description": "not in Meta's shape: nothing stored"},
                        403: {"description": "X-Hub-Signature-256 does not match: nothing stored"}})
async def whatsapp_delivery(request: Request) -> Response:
    answer = await receive(get_container(request), Delivery(request.url.path, request.url.query, request.headers,
                                                            await request.body()))
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type)
