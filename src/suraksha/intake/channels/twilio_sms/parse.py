"""Twilio's inbound SMS: the form fields as Twilio posts them, made into a channel-neutral Contact."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import unquote

from suraksha.core.errors import BadDelivery, InvalidInput
from suraksha.core.geo import Point
from suraksha.core.phones import to_e164
from suraksha.intake.channels.twilio_sms.reply import CHANNEL as TWIML_REPLY
from suraksha.intake.model import Contact

REQUIRED = ("MessageSid", "From", "To")
MAX_MEDIA = 10  # Twilio attaches at most 10 media to a message
# 1600: Twilio's longest message body. A number is stored as E.164 or, when it does not parse, cut to
# NUMBER_MAX (`_number`); 64 here leaves room for prefixes such as 'whatsapp:' before it is parsed.
MAX_LENGTH = {"MessageSid": 64, "From": 64, "To": 64, "Body": 1600}
NUMBER_MAX = 20
OTHER_MAX_LENGTH = 1024  # any other field (media URLs, coordinates, countries): longer is not Twilio's
# Control characters (C0 with DEL, C1) never belong in a field; a NUL makes PostgreSQL refuse the text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_BODY = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # her words keep tabs and newlines


def parse_form(body: bytes) -> dict[str, str]:
    """Twilio posts application/x-www-form-urlencoded; fields are single-valued (the last one wins). The same
    result as `urllib.parse.parse_qsl(text, keep_blank_values=True)`, without its work on fields that need no
    decoding (most of them)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadDelivery("the form is not UTF-8") from None
    form = {}
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            form[_unquote(name)] = _unquote(value)
    return form


def _unquote(text: str) -> str:
    if "%" in text or "+" in text:
        return unquote(text.replace("+", " "))
    return text


def clean(form: dict[str, str]) -> dict[str, str]:
    """The fields without control characters (Body keeps newlines and tabs), cut to lengths Twilio never exceeds.
    Run after the signature check (which needs the fields as sent): a signed message is never refused for
    odd bytes, it is stored clean."""
    out = {}
    for name, value in form.items():
        value = (_CONTROL_IN_BODY if name == "Body" else _CONTROL).sub("", value)
        out[name] = value[:MAX_LENGTH.get(name, OTHER_MAX_LENGTH)]
    return out


def to_contact(form: dict[str, str], received_at: datetime) -> Contact:
    """MessageSid, From, To are required; Body, NumMedia, MediaUrlN, Latitude/Longitude are taken when present.
    Fields are cleaned first (`clean`); NumMedia is held to 0..10."""
    form = clean(form)
    missing = [f for f in REQUIRED if not form.get(f)]
    if missing:
        raise BadDelivery(f"missing Twilio fields: {', '.join(missing)}", missing=missing,
                          provider_id=form.get("MessageSid", "")[:64])
    num_media = min(_int(form.get("NumMedia")), MAX_MEDIA)
    return Contact(
        channel="sms", provider="twilio", provider_id=form["MessageSid"][:64], sender=_number(form["From"]),
        reply_via=TWIML_REPLY,
        receiving=_number(form["To"]), text=form.get("Body", ""), received_at=received_at,
        location=_location(form.get("Latitude"), form.get("Longitude")), num_media=num_media,
        media=tuple(form[f"MediaUrl{i}"] for i in range(num_media) if form.get(f"MediaUrl{i}")),
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
        return raw.strip()[:NUMBER_MAX]


def _int(raw: str | None) -> int:
    try:
        return max(0, int(raw or 0))  # at most 1024 digits after `clean`: int() takes that in its stride
    except ValueError:
        return 0


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
