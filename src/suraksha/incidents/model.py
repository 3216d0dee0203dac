"""The incident: one person's need for help, from her first contact until it is closed. Plain rules, no framework.

What a new contact does
-----------------------
A contact (an SMS, later a WhatsApp message, a call, an SOS) is decided in this order:

1. **retry**: the provider delivered the same message again (same provider id): answer with the same tracking
   number, store nothing;
2. **join**: the same sender has an open incident whose last contact is within the follow-up window (30 min):
   the contact joins it;
3. **reopen**: the same sender's incident was closed less than 24 hours ago: it is reopened (she was told
   that a reply within 24 hours reopens it) and the contact joins it;
4. **new**: anything else opens a new incident.

Priority and place
------------------
Rules (the triage table) only ever raise a priority: a follow-up can make an incident more urgent, never less.
A person may lower it, with a reason that is recorded. An incident without a known location takes the first
location a contact carries, and moves to the station that covers it while no unit is on its way. An incident
that already has a location gets a new one only as a *proposed* location, which a dispatcher accepts: never a
silent overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from suraksha.core.errors import Conflict, InvalidInput
from suraksha.core.geo import Point, haversine_m
from suraksha.core.i18n import N_

FOLLOW_UP_WINDOW = timedelta(minutes=30)
REOPEN_WINDOW = timedelta(hours=24)
SAME_PLACE_M = 75.0  # a location this close to the known one is the same place (GPS jitter)
LOWEST_PRIORITY = 5


class IncidentStatus(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    CLOSED = "closed"
    MERGED = "merged"  # joined into another incident about the same emergency (incidents/merging.py)


OPEN_STATUSES = (IncidentStatus.NEW, IncidentStatus.DISPATCHED, IncidentStatus.EN_ROUTE, IncidentStatus.ON_SCENE)
OPEN_STATUS_VALUES = [s.value for s in OPEN_STATUSES]  # as stored, for queries


class ContactDecision(StrEnum):
    RETRY = "retry"
    JOIN = "join"
    REOPEN = "reopen"
    NEW = "new"


class LocationChange(StrEnum):
    NONE = "none"  # the contact carries no location
    TAKEN = "taken"  # the incident had none: this one is taken
    SAME = "same"  # the same place as the known one
    PROPOSED = "proposed"  # a different place: proposed to the dispatcher, never overwritten


@dataclass(frozen=True)
class Disposition:
    """Why an incident was closed: a code, a label for staff, and the outcome in plain words for her."""

    code: str
    label: str
    outcome: str


DEFAULT_DISPOSITIONS = (
    Disposition("attended_resolved", N_("Attended and resolved"), N_("Police attended and the matter was resolved.")),
    Disposition("fir_to_be_registered", N_("FIR to be registered"), N_(
        "Police attended. A First Information Report (FIR) is to be registered; the station will contact you.")),
    Disposition("referred_counselling", N_("Referred to counselling"),
                N_("You have been referred to a counselling centre, which will contact you.")),
    Disposition("referred_other_agency", N_("Referred to another agency"),
                N_("Your report has been passed to the agency that handles it.")),
    Disposition("false_alarm", N_("False alarm"), N_("The report was closed: no help was needed.")),
    Disposition("duplicate", N_("Duplicate of another report"),
                N_("The report was joined with another report of yours.")),
    Disposition("no_contact_possible", N_("No contact possible"),
                N_("Police could not reach you. Reply to the helpline or call 112 if you still need help.")),
)


@dataclass(frozen=True)
class OpenCandidate:
    """The latest incident of the same sender: what the decision needs to know about it."""

    status: str
    last_message_at: datetime
    closed_at: datetime | None


def decide(retry_of: str | None, candidate: OpenCandidate | None, received_at: datetime,
           window: timedelta = FOLLOW_UP_WINDOW, reopen_window: timedelta = REOPEN_WINDOW) -> ContactDecision:
    """Retry, join, reopen or new (see the module's docstring)."""
    if retry_of is not None:
        return ContactDecision.RETRY
    if candidate is None:
        return ContactDecision.NEW
    if candidate.status in OPEN_STATUS_VALUES and candidate.last_message_at >= received_at - window:
        return ContactDecision.JOIN
    if candidate.status == IncidentStatus.CLOSED.value and candidate.closed_at is not None \
            and candidate.closed_at >= received_at - reopen_window:
        return ContactDecision.REOPEN
    return ContactDecision.NEW


def raise_only(current: int, new: int) -> int:
    """Rules can raise an incident's priority (1 is the highest), never lower it."""
    return min(current, new)


# Channels whose every report says where she is now (a panic button's app or device): each moves the incident, its
# track kept on the timeline, instead of being proposed as a message's new location is.
MOVING_CHANNELS = frozenset({"sos"})
# A contact's `via` when there is no number of hers to write to (a panic button's app that did not give one): what
# she would be told is left to her app, which shows the incident's status.
NO_NUMBER = "device"


def location_change(known: Point | None, new: Point | None) -> LocationChange:
    """What a contact's location does to an incident that knows `known` (None: no location yet)."""
    if new is None:
        return LocationChange.NONE
    if known is None:
        return LocationChange.TAKEN
    if haversine_m(known, new) <= SAME_PLACE_M:
        return LocationChange.SAME
    return LocationChange.PROPOSED


def may_reroute(status: str) -> bool:
    """An incident follows its location to another station only while no unit is on its way."""
    return status == IncidentStatus.NEW.value


def check_open(status: str, tracking: str) -> None:
    if status == IncidentStatus.CLOSED.value:
        raise Conflict(f"incident {tracking} is closed", code="incident_closed")
    if status == IncidentStatus.MERGED.value:
        raise Conflict(f"incident {tracking} is merged into another: act on that one", code="incident_merged")


def check_priority(priority: int) -> int:
    if not 1 <= priority <= LOWEST_PRIORITY:
        raise InvalidInput(f"priority must be 1 (highest) to {LOWEST_PRIORITY}", code="invalid_priority")
    return priority


def check_reason(reason: str, what: str = "a reason") -> str:
    text = " ".join((reason or "").split())
    if len(text) < 3:
        raise InvalidInput(f"give {what} (at least 3 characters)", code="reason_required")
    return text[:500]


def check_note(text: str) -> str:
    note = (text or "").strip()
    if not note:
        raise InvalidInput("the note is empty", code="empty_note")
    if len(note) > 4000:
        raise InvalidInput("a note has at most 4,000 characters", code="note_too_long")
    return note


def response_seconds(received_at: datetime, arrived_at: datetime) -> int:
    """Response time = arrival of the first unit - receipt of the first contact."""
    return max(0, int((arrived_at - received_at).total_seconds()))


@dataclass(frozen=True)
class ArrivingContact:
    """A contact as intake hands it over: everything worked out without the database (place, triage, sealing).

    `lon`/`lat` are where the incident is shown: the contact's location, else its station's anchor point.
    """

    channel: str
    provider: str
    provider_id: str
    received_at: datetime
    receiving: str
    fingerprint: str  # keyed hash of her number: finds her open incident
    phone_sealed: str
    body_sealed: str
    num_media: int
    station_id: int | None
    station_name: str | None
    city: str | None
    state: str | None
    helpline_kind: str | None
    match: str
    location: Point | None  # what the contact itself says, if anything
    accuracy_m: float | None
    lon: float | None
    lat: float | None
    priority: int
    category: str
    rules: tuple[str, ...] = ()  # the triage rules that fired
    language: str | None = None  # what she is sent messages in (incidents.language): en, hi or mr
    language_asked: bool = False  # her words only asked for that language: it becomes her incident's language
    her_station_name: str | None = None  # the station's name in her language, for what she is told
    reply_via: str = ""  # the channel answers in its response (e.g. TwiML): the reply is recorded as sent
    society_id: int | None = None  # a registered housing society's coordinator sent it (societies/)
    society_name: str | None = None  # its name, kept on the incident for the console
    blank_text: bool = False  # her words are empty or white space (the blank rule, incidents/noise_rules.py)
    noise_kind: str | None = None  # marked noise by the person who took it (a call-taker's blank or silent call)
    noise_by: str | None = None  # that person's username
