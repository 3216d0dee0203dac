"""A submission of the public help form (`GET /help`), made into a channel-neutral Contact.

What she sent: what kind (help now, or a report), what happened in her words, where (a map pin, her phone's
position, or a typed place), and how to reach her safely (a call, an SMS or WhatsApp to a number she gives, at a
safe time, or not at all). The form token's nonce is the submission's key: a retry of it is recognised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from suraksha.core.geo import Point
from suraksha.incidents.model import NO_NUMBER as DO_NOT_CONTACT  # nothing is ever sent to her
from suraksha.intake.model import Contact

CHANNEL = "web"
PROVIDER = "web-form"
REPLY = "web-response"  # the acknowledgement is shown on the page: recorded as sent
SMS = "web"  # her contact's `via`: what she is told later goes by SMS to her number
WHATSAPP_VIA = "wa:"  # `via` prefix: by WhatsApp from this station number (messaging.service.queue)
VIA_MAX = 20  # what the inbound message keeps of it (`inbound_messages.to_number`)
NO_CONTACT_SENDER = "do-not-contact:"  # her contact on the console when she asked not to be contacted
KINDS = ("help_now", "report")
REACH = ("call", "sms", "whatsapp", "none")


@dataclass(frozen=True)
class HelpRequest:
    nonce: str
    kind: str  # help_now | report
    what: str
    reach: str  # call | sms | whatsapp | none
    phone: str | None = None  # E.164, unless reach is none
    safe_time: str | None = None
    location: Point | None = None
    accuracy_m: float | None = None
    place: str | None = None  # what she typed for where
    language: str | None = None


def words(r: HelpRequest) -> str:
    """Her words as staff read them (sealed like every message): what happened, where she typed, how to reach her."""
    lines = [r.what.strip()] if r.what.strip() else []
    lines.append("[web form: help now]" if r.kind == "help_now" else "[web form: report]")
    if r.place:
        lines.append(f"Place: {r.place}")
    how = {"call": "call her", "sms": "SMS", "whatsapp": "WhatsApp", "none": "DO NOT CONTACT HER"}[r.reach]
    lines.append(f"Reach her: {how}" + (f" (safe time: {r.safe_time})" if r.safe_time and r.reach != "none" else ""))
    return "\n".join(lines)


def to_contact(r: HelpRequest, received_at: datetime, whatsapp_from: str | None = None) -> Contact:
    """`whatsapp_from`: the station's WhatsApp phone number id to write to her from, when she chose WhatsApp (else
    her answers go by SMS)."""
    if r.reach == "none" or not r.phone:
        sender, via = NO_CONTACT_SENDER + r.nonce[:16], DO_NOT_CONTACT
    else:
        sender = r.phone
        wa = WHATSAPP_VIA + (whatsapp_from or "")
        via = wa if r.reach == "whatsapp" and whatsapp_from and len(wa) <= VIA_MAX else SMS
    return Contact(
        channel=CHANNEL, provider=PROVIDER, provider_id=f"web:{r.nonce}", sender=sender, receiving=via,
        text=words(r), received_at=received_at, location=r.location, accuracy_m=r.accuracy_m,
        language=r.language, reply_via=REPLY, urgent=r.kind == "help_now")
