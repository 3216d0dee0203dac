"""Volunteers near an SOS (issue 10, point 5): plain rules, no framework.

Modelled on the 112 India app's SHOUT, which alerts volunteers registered with the police. A person applies; a
station's officer verifies them after meeting them (who, when and what was checked is recorded), or refuses or
suspends them with a reason. Only a verified volunteer who has said "available to help now" is ever alerted.

When a priority-1 incident with a known location comes in, the available volunteers within the radius are alerted,
the nearest first and only so many. What a volunteer is shown is made here, by `volunteer_view`, from an alert
that holds nothing more: a place rounded to a grid of a few hundred metres, the nearby locality, a band of
distance, the kind of help in plain words and the time. Her name, number, words, tracking number and exact
place are never in an alert: the police see who accepted (with the volunteer's name and phone), not the other
way round.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from suraksha.core.geo import Point, haversine_m

GRID_M = 300.0  # the volunteer sees her place rounded to the centre of a 300 m square
POSITION_FRESH = timedelta(hours=2)  # a position the volunteer shared is used this long, then their area again
LOCALITY_WITHIN_M = 1500.0  # a post office farther than this does not name the place: the station's area does
SKILLS = ("first_aid", "counselling", "vehicle")  # what a volunteer may say they can offer
LANGUAGES = ("en", "hi", "mr")
# Kinds of incident a volunteer on foot can help with; a P1 of another kind (online blackmail) alerts nobody.
NOT_FOR_VOLUNTEERS = frozenset({"cyber"})
CALLING_STATUSES = ("new", "dispatched", "en_route")  # no unit on scene yet, not closed
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# Distance bands a volunteer is told (upper bound in metres, code): never the distance itself.
BANDS = ((250, "under_250m"), (500, "250_500m"), (1000, "500m_1km"), (2000, "1_2km"), (5000, "2_5km"))
FAR_BAND = "over_5km"


class VolunteerStatus(StrEnum):
    APPLIED = "applied"  # waiting for the station to meet them
    VERIFIED = "verified"  # met and checked: may be alerted while available
    REFUSED = "refused"  # the application was refused (with a reason)
    SUSPENDED = "suspended"  # was verified, is not now (with a reason); may be reinstated


class Change(StrEnum):
    """What the volunteer's history records (with who and when)."""

    APPLIED = "applied"
    VERIFIED = "verified"
    REFUSED = "refused"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    ON_DUTY = "on_duty"
    OFF_DUTY = "off_duty"
    POSITION = "position"  # the volunteer shared where they are (the history keeps that they did, not where)
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Answer(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class AlertState(StrEnum):
    WAITING = "waiting"  # may still be accepted or declined
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"  # not answered in time
    WITHDRAWN = "withdrawn"  # help is no longer needed (the incident was closed)


# action -> (the statuses it may start from, the status it leads to)
TRANSITIONS = {
    "verify": ((VolunteerStatus.APPLIED,), VolunteerStatus.VERIFIED),
    "refuse": ((VolunteerStatus.APPLIED,), VolunteerStatus.REFUSED),
    "suspend": ((VolunteerStatus.VERIFIED,), VolunteerStatus.SUSPENDED),
    "reinstate": ((VolunteerStatus.SUSPENDED,), VolunteerStatus.VERIFIED),
}


class VolunteerProblem(ValueError):
    """A rule that what was given breaks: `code` is the stable error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Application:
    """What a person gives when they apply to volunteer."""

    name: str
    phone: str
    language: str
    city: str
    locality: str  # a locality or PIN code where they can help
    skills: tuple[str, ...] = ()


def check_application(a: Application) -> Application:
    """The application as kept: names trimmed, skills known and in order; a broken rule raises VolunteerProblem.
    The phone number is checked by the service (E.164), the locality found on the map by the service."""
    name = " ".join(a.name.split())
    if len(name) < 2:
        raise VolunteerProblem("give your name", "name_required")
    if len(name) > 120:
        raise VolunteerProblem("a name has at most 120 characters", "name_too_long")
    if a.language not in LANGUAGES:
        raise VolunteerProblem("choose English, Hindi or Marathi", "invalid_language")
    locality = " ".join(a.locality.split())
    if len(locality) < 3:
        raise VolunteerProblem("say where you can help: a locality or a PIN code", "locality_required")
    unknown = [s for s in a.skills if s not in SKILLS]
    if unknown:
        raise VolunteerProblem(f"unknown skill: {unknown[0][:32]}", "invalid_skill")
    skills = tuple(s for s in SKILLS if s in a.skills)
    return Application(name, a.phone.strip(), a.language, a.city.strip().lower(), locality[:120], skills)


def check_text(text: str, code: str, what: str) -> str:
    """A reason or the record of an in-person check: at least 3 characters, at most 500."""
    cleaned = " ".join((text or "").split())
    if len(cleaned) < 3:
        raise VolunteerProblem(f"give {what} (at least 3 characters)", code)
    return cleaned[:500]


def check_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise VolunteerProblem("a username is 3 to 64 letters, digits, dots, dashes or underscores", "invalid_username")
    return name


def default_username(volunteer_id: int) -> str:
    return f"vol-{volunteer_id:05d}"


def next_status(current: str, action: str) -> VolunteerStatus:
    """The status an action leads to, or VolunteerProblem `invalid_volunteer_transition`."""
    starts, leads_to = TRANSITIONS[action]
    if current not in {s.value for s in starts}:
        done = {"verify": "verified", "refuse": "refused", "suspend": "suspended", "reinstate": "reinstated"}[action]
        raise VolunteerProblem(f"a volunteer who is {current} cannot be {done} now", "invalid_volunteer_transition")
    return leads_to


# where a volunteer is -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """A verified, available volunteer, as the choice of whom to alert needs them."""

    volunteer_id: int
    base: Point  # the area they registered for
    position: Point | None  # where they last said they are
    position_at: datetime | None


def where_is(c: Candidate, now: datetime) -> Point:
    """Their shared position while fresh, else the area they registered for."""
    if c.position is not None and c.position_at is not None and now - c.position_at <= POSITION_FRESH:
        return c.position
    return c.base


def choose(candidates: list[Candidate], her: Point, radius_m: float, limit: int,
           now: datetime) -> list[tuple[int, float]]:
    """(volunteer id, metres) of those within the radius, the nearest first, at most `limit`."""
    near = [(c.volunteer_id, haversine_m(where_is(c, now), her)) for c in candidates]
    return sorted(((v, d) for v, d in near if d <= radius_m), key=lambda x: (x[1], x[0]))[:limit]


def calls_volunteers(priority: int, category: str, status: str, location_known: bool) -> bool:
    """An incident alerts volunteers when it is a P1 with her location known, of a kind a person nearby can help
    with, and no unit is on scene yet."""
    return (priority == 1 and location_known and category not in NOT_FOR_VOLUNTEERS
            and status in CALLING_STATUSES)


# what a volunteer may know -------------------------------------------------------------------------------
def coarse_point(lat: float, lon: float, grid_m: float = GRID_M) -> tuple[float, float]:
    """(lat, lon) of the centre of the grid square the point lies in: her place within a few hundred metres."""
    lat_step = grid_m / 110_574.0
    lat_c = (math.floor(lat / lat_step) + 0.5) * lat_step
    lon_step = grid_m / (111_320.0 * math.cos(math.radians(lat_c)))
    lon_c = (math.floor(lon / lon_step) + 0.5) * lon_step
    return round(lat_c, 4), round(lon_c, 4)


def distance_band(metres: float) -> str:
    """A band of distance ("500m_1km"), never the distance itself."""
    for upper, code in BANDS:
        if metres < upper:
            return code
    return FAR_BAND


@dataclass(frozen=True)
class AlertFacts:
    """An alert as stored: everything a volunteer may ever be told about the SOS, and nothing else."""

    id: int
    category: str
    locality: str
    area_lat: float  # the grid square's centre, not her place
    area_lon: float
    distance_band: str
    alerted_at: datetime
    expires_at: datetime
    answer: str | None
    answered_at: datetime | None


def alert_state(facts: AlertFacts, help_still_needed: bool, now: datetime) -> AlertState:
    if facts.answer is not None:
        return AlertState(facts.answer)
    if not help_still_needed:
        return AlertState.WITHDRAWN
    if now >= facts.expires_at:
        return AlertState.EXPIRED
    return AlertState.WAITING


def volunteer_view(facts: AlertFacts, help_still_needed: bool, now: datetime) -> dict:
    """The volunteer's view of an alert: the only shape in which an alert leaves Suraksha for a volunteer (API,
    page and SMS are all made from it). A coarse place, the kind of help and the time: never her identity."""
    state = alert_state(facts, help_still_needed, now)
    return {
        "id": facts.id,
        "help": facts.category,
        "locality": facts.locality,
        "area": {"lat": facts.area_lat, "lon": facts.area_lon, "within_m": int(GRID_M)},
        "distance_band": facts.distance_band,
        "alerted_at": facts.alerted_at,
        "expires_at": facts.expires_at,
        "state": state.value,
        "answered_at": facts.answered_at,
        "can_answer": state is AlertState.WAITING,
    }


def check_answer(facts: AlertFacts, help_still_needed: bool, answer: Answer, now: datetime) -> bool:
    """Whether an answer is to be recorded (False: the same answer again, nothing to do); a refused one raises
    VolunteerProblem: `alert_expired`, `alert_withdrawn` (help no longer needed) or `already_answered`."""
    if facts.answer is not None:
        if facts.answer == answer.value:
            return False
        raise VolunteerProblem(f"this alert was {facts.answer} already", "already_answered")
    if not help_still_needed:
        raise VolunteerProblem("help is no longer needed here: the incident is closed", "alert_withdrawn")
    if now >= facts.expires_at:
        raise VolunteerProblem("this alert has expired", "alert_expired")
    return True
