"""Twilio's inbound SMS: the form fields as Twilio posts them, made into a channel-neutral Contact."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

from suraksha.core.errors import InvalidInput
from suraksha.core.geo import Point
from suraksha.core.phones import to_e164
from suraksha.intake.channels.twilio_sms.reply import CHANNEL as TWIML_REPLY
from suraksha.intake.model import Contact

REQUIRED = ("MessageSid", "From", "To")


def parse_form(body: bytes) -> dict[str, str]:
    """Twilio posts application/x-www-form-urlencoded; fields are single-valued."""
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
    except UnicodeDecodeError:
        raise InvalidInput("the form is not UTF-8", code="invalid_webhook") from None


def to_contact(form: dict[str, str], received_at: datetime) -> Contact:
    """MessageSid, From, To are required; Body, NumMedia, MediaUrlN, Latitude/Longitude are taken when present."""
    missing = [f for f in REQUIRED if not form.get(f)]
    if missing:
        raise InvalidInput(f"missing Twilio fields: {', '.join(missing)}", code="invalid_webhook", missing=missing)
    num_media = _int(form.get("NumMedia"))
    return Contact(
        channel="sms", provider="twilio", provider_id=form["MessageSid"][:64], sender=_number(form["From"]),
        reply_via=TWIML_REPLY,
        receiving=_number(form["To"]), text=form.get("Body", ""), received_at=received_at,
        location=_location(form.get("Latitude"), form.get("Longitude")), num_media=num_media,
        media=tuple(form[f"MediaUrl{i}"] for i in range(min(num_media, 10)) if form.get(f"MediaUrl{i}")),
    )


def _location(lat: str | None, lon: str | None) -> Point | None:
    """Twilio passes a shared location (WhatsApp over Twilio, some handsets) as Latitude and Longitude."""
    la, lo = _float(lat), _float(lon)
    if la is None or lo is None or not (-90 <= la <= 90 and -180 <= lo <= 180) or (la == 0 and lo == 0):
        return None
    return Point(lo, la)


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
