"""The phones that carry a station's helpline numbers (issue 8): plain rules, no framework.

Mumbai's women helplines ring on phones given to the police (100 handsets, free for three years). A handset is
kept against the helpline number it carries, not against a station: when a number moves to another station, its
handsets and their history go with it. Thirty days before a handset's free period ends, the station is reminded,
so that the number does not go silent when the donor's plan stops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

REMINDER_LEAD = timedelta(days=30)  # how long before a free period ends the station is reminded
REMINDER_HOUR = time(9, 0)  # reminders fall due at 09:00 in the city's time, when the station's day has begun
_SIM = re.compile(r"^\d{10,22}$")  # a SIM's ICCID (19-20 digits) or the SIM's own number; spaces and dashes dropped


class HandsetState(StrEnum):
    IN_SERVICE = "in_service"  # carrying its number, free period not ending within 30 days (or none)
    ENDING_SOON = "ending_soon"  # free period ends within 30 days
    PERIOD_OVER = "period_over"  # still carrying its number, free period over: someone must pay or replace it
    RETIRED = "retired"  # no longer carries the number


class HandsetChange(StrEnum):
    ADDED = "added"
    EDITED = "edited"
    RETIRED = "retired"
    REMINDED = "reminded"


@dataclass(frozen=True)
class HandsetFacts:
    """What a person records about a handset."""

    model: str
    sim_number: str
    given_on: date
    free_until: date | None  # None: the handset was bought, nothing ends
    donor: str
    note: str = ""


class HandsetProblem(ValueError):
    """A rule a handset's facts break: `code` is the stable error code, the message says which rule."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def clean_sim(raw: str) -> str:
    """A SIM number as stored: spaces and dashes dropped, 10 to 22 digits
    ('8991 0000 1234-5678' -> '8991000012345678')."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if not _SIM.match(digits):
        raise HandsetProblem("the SIM number is 10 to 22 digits (its ICCID or its phone number)", "invalid_sim_number")
    return digits


def check(facts: HandsetFacts) -> HandsetFacts:
    """The facts as stored: trimmed, the SIM number in digits; a broken rule raises `HandsetProblem`."""
    model, donor = " ".join(facts.model.split()), " ".join(facts.donor.split())
    if not model:
        raise HandsetProblem("say which phone it is (make and model)", "handset_model_required")
    if not donor:
        raise HandsetProblem("say who gave or bought the phone", "handset_donor_required")
    if facts.free_until is not None and facts.free_until < facts.given_on:
        raise HandsetProblem("the free period cannot end before the phone was given", "free_period_before_given")
    return HandsetFacts(model[:120], clean_sim(facts.sim_number), facts.given_on, facts.free_until, donor[:200],
                        facts.note.strip()[:500])


def reminder_due_at(free_until: date | None, zone: ZoneInfo) -> datetime | None:
    """When the station is reminded: 09:00 city time, 30 days before the free period ends (None: nothing ends)."""
    if free_until is None:
        return None
    return datetime.combine(free_until - REMINDER_LEAD, REMINDER_HOUR, tzinfo=zone)


def state_of(free_until: date | None, retired_on: date | None, today: date) -> HandsetState:
    if retired_on is not None:
        return HandsetState.RETIRED
    if free_until is None or free_until - today > REMINDER_LEAD:
        return HandsetState.IN_SERVICE
    return HandsetState.ENDING_SOON if free_until >= today else HandsetState.PERIOD_OVER


def days_left(free_until: date | None, today: date) -> int | None:
    return None if free_until is None else (free_until - today).days
