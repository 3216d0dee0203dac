"""Twilio's inbound-message webhook at the edge: signature check, form fields to an InboundSms, TwiML reply."""

from __future__ import annotations

from datetime import datetime

from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from suraksha.core.errors import BadSignature, InvalidInput
from suraksha.core.phones import to_e164
from suraksha.intake.model import InboundSms

REQUIRED = ("MessageSid", "From", "To")


def check_signature(auth_token: str, public_url: str, path: str, query: str, form: dict[str, str], signature: str) -> None:
    """X-Twilio-Signature: base64 HMAC-SHA1 over the URL Twilio called plus the sorted form fields."""
    url = public_url.rstrip("/") + path + (f"?{query}" if query else "")
    if not signature or not RequestValidator(auth_token).validate(url, form, signature):
        raise BadSignature("the X-Twilio-Signature does not match", code="bad_signature")


def to_inbound(form: dict[str, str], received_at: datetime) -> InboundSms:
    missing = [f for f in REQUIRED if not form.get(f)]
    if missing:
        raise InvalidInput(f"missing Twilio fields: {', '.join(missing)}", code="invalid_webhook", missing=missing)
    return InboundSms(
        provider="twilio", provider_id=form["MessageSid"][:64], sender=_number(form["From"]),
        to=_number(form["To"]), body=form.get("Body", ""), received_at=received_at,
        num_media=_int(form.get("NumMedia")), latitude=_float(form.get("Latitude")),
        longitude=_float(form.get("Longitude")),
    )


def twiml_reply(text: str) -> str:
    resp = MessagingResponse()
    resp.message(text)
    return str(resp)


def _number(raw: str) -> str:
    """E.164 when it parses; otherwise kept as sent (a message is never refused for an odd sender)."""
    try:
        return to_e164(raw)
    except InvalidInput:
        return raw.strip()[:20]


def _int(raw: str | None) -> int:
    try:
        return max(0, int(raw or 0))
    except ValueError:
        return 0


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
