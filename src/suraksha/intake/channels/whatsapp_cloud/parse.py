"""The WhatsApp Business Cloud API webhook, as Meta posts it, made into channel-neutral Contacts and delivery statuses.

One delivery holds entries, each with changes; a change whose `field` is `messages` carries, in its `value`, the
business number it was sent to (`metadata.phone_number_id`), `messages` from WhatsApp users and `statuses` of
messages we sent. Every message is checked before any is taken: a delivery that is not in Meta's shape is refused
whole (400), so that nothing of it is half stored and Meta's retry finds it as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from suraksha.core.errors import BadDelivery
from suraksha.core.geo import Point
from suraksha.intake.model import Contact

OBJECT = "whatsapp_business_account"
PROVIDER = "whatsapp"
ID_MAX = 64  # the de-duplication key's column; a longer message id is kept as its hash
RECEIVING_MAX = 20
TEXT_MAX = 4096  # WhatsApp's longest text message
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker", "voice")
IGNORED_TYPES = ("reaction", "system", "ephemeral")  # not something she asked: an emoji on our message, a notice
_DIGITS = re.compile(r"^\d{6,20}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Status:
    """What became of a message we sent: sent, delivered, read or failed (with Meta's reason)."""

    message_id: str  # Meta's id of our message (wamid)
    status: str
    at: datetime | None
    error: str = ""  # Meta's error title and code, for a failed one
    ours: str = ""  # biz_opaque_callback_data: our message's reference, echoed back


@dataclass
class Parsed:
    contacts: list[Contact] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    from_groups: int = 0  # messages posted in a WhatsApp group: not hers to us, ignored and counted
    ignored: int = 0  # reactions and system notices


def parse_delivery(body: bytes, received_at: datetime) -> Parsed:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadDelivery("the delivery is not JSON") from None
    if not isinstance(doc, dict) or doc.get("object") != OBJECT or not isinstance(doc.get("entry"), list):
        raise BadDelivery(f"not a WhatsApp Business Account delivery (object must be {OBJECT!r}, entry a list)")
    parsed = Parsed()
    for entry in doc["entry"]:
        changes = _obj(entry, "entry").get("changes")
        if not isinstance(changes, list):
            raise BadDelivery("an entry without its changes list")
        for change in changes:
            change = _obj(change, "change")
            if change.get("field") != "messages":
                continue  # account, template and quality updates: not messages
            _value(_obj(change.get("value"), "value"), received_at, parsed)
    return parsed


def _value(value: dict, received_at: datetime, parsed: Parsed) -> None:
    metadata = _obj(value.get("metadata"), "metadata")
    receiving = _text(metadata.get("phone_number_id"), "metadata.phone_number_id")
    if not _DIGITS.match(receiving):
        raise BadDelivery("metadata.phone_number_id is not a WhatsApp phone number id")
    for message in _list(value.get("messages"), "messages"):
        _message(_obj(message, "message"), receiving, received_at, parsed)
    for status in _list(value.get("statuses"), "statuses"):
        parsed.statuses.append(_status(_obj(status, "status")))


def _message(m: dict, receiving: str, received_at: datetime, parsed: Parsed) -> None:
    message_id = _text(m.get("id"), "message id")
    sender = _text(m.get("from"), "message from")
    kind = _text(m.get("type"), "message type")
    if m.get("group_id"):
        parsed.from_groups += 1
        return
    if kind in IGNORED_TYPES:
        parsed.ignored += 1
        return
    digits = sender.removeprefix("+")
    if not _DIGITS.match(digits):
        raise BadDelivery("a message's sender is not a WhatsApp number", provider_id=message_id[:ID_MAX])
    text, location, media = _content(m, kind)
    parsed.contacts.append(Contact(
        channel="whatsapp", provider=PROVIDER, provider_id=_key(message_id), sender="+" + digits,
        receiving=receiving[:RECEIVING_MAX], text=_CONTROL.sub("", text)[:TEXT_MAX], received_at=received_at,
        location=location, media=media, num_media=len(media)))


def _content(m: dict, kind: str) -> tuple[str, Point | None, tuple[str, ...]]:
    """Her words, a shared location and references to media, by message type."""
    found = m.get(kind)
    part: dict = found if isinstance(found, dict) else {}
    if kind == "text":
        return _text(part.get("body"), "text.body", allow_empty=True), None, ()
    if kind == "location":
        lat, lon = _degrees(part.get("latitude"), 90), _degrees(part.get("longitude"), 180)
        if lat is None or lon is None:
            raise BadDelivery("a location message without a latitude and longitude")
        words = " ".join(str(part.get(k) or "") for k in ("name", "address")).strip()
        return words, (Point(lon, lat) if (lat, lon) != (0, 0) else None), ()
    if kind in MEDIA_TYPES:
        media_id = str(part.get("id") or "")[:200]
        return str(part.get("caption") or ""), None, ((f"whatsapp-media:{media_id}",) if media_id else ())
    if kind == "interactive":  # her tap on a button or a list row of ours
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return str(reply.get("title") or "") if isinstance(reply, dict) else "", None, ()
    if kind == "button":  # a quick-reply button of a template message
        return str(part.get("text") or ""), None, ()
    return "", None, ()  # contacts, orders, unsupported: still her message, taken without words


def _status(s: dict) -> Status:
    errors = s.get("errors") if isinstance(s.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    error = f"{first.get('code', '')} {first.get('title') or first.get('message') or ''}".strip() if first else ""
    return Status(message_id=_text(s.get("id"), "status id")[:ID_MAX], status=_text(s.get("status"), "status"),
                  at=_timestamp(s.get("timestamp")),
                  error=error[:300], ours=str(s.get("biz_opaque_callback_data") or "")[:64])


def _key(message_id: str) -> str:
    """The message's id, or its hash when longer than the column: the de-duplication key either way."""
    if len(message_id) <= ID_MAX:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()[:ID_MAX - 7]


def _timestamp(raw: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _obj(value: Any, what: str) -> dict:
    if not isinstance(value, dict):
        raise BadDelivery(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadDelivery(f"{what} is not a list")
    return value


def _text(value: Any, what: str, allow_empty: bool = False) -> str:
    if isinstance(value, str) and (value or allow_empty):
        return value
    raise BadDelivery(f"{what} is missing or not text")


def _degrees(value: Any, limit: float) -> float | None:
    """A coordinate as Meta sends it (a JSON number), within ±limit; None otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool) and -limit <= value <= limit:
        return float(value)
    return None
