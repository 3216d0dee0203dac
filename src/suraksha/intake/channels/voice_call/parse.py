"""A call as the call-taker logged it, made into a channel-neutral Contact and the people on it.

The call-taker's screen gives each call an id when the call is answered: it is the contact's key, so that sending
the form again (a double press, a lost answer) never makes a second incident. A call from a phone without a
number (112 takes calls from handsets without a SIM) has only that id: nobody can be written to afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from suraksha.core.geo import Point
from suraksha.incidents.calls import Person
from suraksha.incidents.model import NO_NUMBER
from suraksha.intake.model import Contact

CHANNEL = "call"
PROVIDER = "calltaker"
RECEIVING = "112"  # the number she called: no station's helpline, so the station is the one that covers her
TOLD_ON_THE_CALL = "voice"  # the acknowledgement is read out to her by the call-taker: recorded as sent


@dataclass(frozen=True)
class CallReport:
    call_id: str
    caller_number: str | None  # E.164; None when the phone showed none
    language: str
    answered_at: datetime  # UTC-aware
    what_happened: str
    category: str
    priority: int
    location_source: str  # gps | cell | address | none
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    location_text: str | None = None
    caller: Person | None = None
    victim: Person | None = None  # the woman it is about, when someone else calls for her
    updates_by_sms: bool = True  # she (the caller) is sent the incident's news by SMS; off when a text endangers her
    noise: str | None = None  # not genuine: blank, silent, abusive, prank or test (incidents/noise_rules.py)


def to_contact(report: CallReport) -> Contact:
    located = report.location_source != "none" and report.lat is not None and report.lon is not None
    writable = report.caller_number is not None and report.updates_by_sms
    return Contact(
        channel=CHANNEL, provider=PROVIDER, provider_id=f"call:{report.call_id}",
        sender=report.caller_number or f"call:{report.call_id}", receiving=RECEIVING if writable else NO_NUMBER,
        text=report.what_happened, received_at=report.answered_at,
        location=Point(report.lon, report.lat) if located else None,  # type: ignore[arg-type]
        accuracy_m=report.accuracy_m if located else None, language=report.language,
        reply_via=TOLD_ON_THE_CALL, priority=report.priority, category=report.category, noise_kind=report.noise)


def people_of(report: CallReport) -> tuple[Person, ...]:
    return tuple(p for p in (report.caller, report.victim) if p is not None)
