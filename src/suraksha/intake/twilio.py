"""Twilio's inbound-message webhook at the edge: signature check, form fields to an InboundSms, TwiML reply."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from suraksha.core.errors import BadSignature, InvalidInput
from suraksha.core.phones import to_e164
from suraksha.intake.model import InboundSms

REQUIRED = ("MessageSid", "From", "To")


def parse_form(body: bytes) -> dict[str, str]:
    """Twilio posts application/x-www-form-urlencoded; fields are single-valued."""
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        raise InvalidInput("the form is not UTF-8", code="invalid_webhook") from None


def signature_of(auth_token: str, url: str, form: dict[str, str]) -> str:
    """Twilio's documented scheme: base64(HMAC-SHA1(auth token, URL + every key and value, sorted by key))."""
    data = url + "".join(k + form[k] for k in sorted(form))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def check_signature(auth_token: str, public_url: str, path: str, query: str, form: dict[str, str], signature: str) -> None:
    """X-Twilio-Signature must match the URL Twilio called (our public URL) and the form it sent."""
    url = public_url.rstrip("/") + path + (f"?{query}" if query else "")
    if not signature or not hmac.compare_digest(signature_of(auth_token, url, form), signature):
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
    """<Response><Message>text</Message></Response>, as Twilio's TwiML builder writes it."""
    return f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(text)}</Message></Response>'



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
