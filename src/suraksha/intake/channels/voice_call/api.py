"""The call-taker's API: log a call (`POST /api/v1/calls`), see what a number called about before
(`POST /api/v1/calls/earlier`: the number travels in the body, never in an address or an access log), and resolve a
typed address or landmark to a place (`GET /api/v1/calls/places`)."""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from suraksha.core.auth import ROLES_THAT_MANAGE_INCIDENTS, Principal
from suraksha.core.errors import InvalidInput
from suraksha.core.phones import to_e164
from suraksha.http.deps import get_container, require_roles
from suraksha.incidents.calls import RELATIONS, Person
from suraksha.incidents.model import LOWEST_PRIORITY
from suraksha.incidents.triage import CATEGORIES
from suraksha.intake.channels.voice_call.parse import CallReport, people_of, to_contact
from suraksha.intake.model import parse_location
from suraksha.places import localities

log = logging.getLogger("suraksha.intake.call")
router = APIRouter(tags=["intake"])
CallTaker = Annotated[Principal, Depends(require_roles(ROLES_THAT_MANAGE_INCIDENTS))]
LATEST_ANSWER = timedelta(hours=6)  # a call logged later than this after it was answered is refused: a wrong clock
LOCALITY_ACCURACY_M = 1500.0  # a post office's point stands for its locality (places.localities)
STATION_ACCURACY_M = 2000.0  # a station's anchor stands for its area
NOISE_WORDS = {"blank": "(blank call: nobody on the line)", "silent": "(silent call: someone there, nothing said)",
               "abusive": "(abusive call)", "prank": "(prank call)", "test": "(test call)"}
_PLAIN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # printable text, lines allowed


class CallLocation(BaseModel):
    source: Literal["gps", "cell", "address", "none"] = Field(
        description="gps: the handset's own fix (AML/ELS); cell: the network's cell location; address: a typed "
                    "address or landmark resolved to a point; none: not known yet")
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    accuracy_m: float | None = Field(None, ge=0, le=50_000, description="the radius the point is good to, in metres")
    text: str | None = Field(None, max_length=200, pattern=_PLAIN, description="the address or landmark as typed")

    @model_validator(mode="after")
    def _point_when_located(self) -> CallLocation:
        if self.source != "none" and (self.lat is None or self.lon is None):
            raise ValueError(f"a {self.source} location needs lat and lon")
        if self.source == "none" and (self.lat is not None or self.lon is not None):
            raise ValueError("a location that is not known has no lat or lon")
        return self


class PersonIn(BaseModel):
    name: str | None = Field(None, max_length=100, pattern=_PLAIN)
    phone: str | None = Field(None, max_length=32)
    age: int | None = Field(None, ge=0, le=120)
    details: str | None = Field(None, max_length=500, pattern=_PLAIN,
                                description="how to recognise her, what she wears, who is with her")


class CallIn(BaseModel):
    call_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$",
                         description="given by the screen when the call is answered: the same id is the same call")
    caller_number: str | None = Field(None, max_length=32, description="the number shown; null when none was")
    language: Literal["en", "hi", "mr"] = Field("en", description="the caller's language, for what she is sent")
    answered_at: AwareDatetime | None = Field(None, description="when the call was answered (default: now)")
    answered_seconds_ago: int | None = Field(
        None, ge=0, le=int(LATEST_ANSWER.total_seconds()),
        description="how long ago the call was answered, as the screen counted it: a screen's wrong clock does not "
                    "matter (instead of answered_at)")
    location: CallLocation
    what_happened: str = Field("", max_length=2000, pattern=_PLAIN,
                               description="in her words; may be empty only for a call marked noise")
    category: str = Field(description="one of GET /api/v1/categories")
    priority: int = Field(ge=1, le=LOWEST_PRIORITY, description="1 (highest) to 5")
    caller_relation: Literal[RELATIONS] = Field(  # type: ignore[valid-type]
        "self", description="who is calling: the woman herself (self), or her family, a neighbour …")
    caller: PersonIn | None = Field(None, description="the caller's name (and her age and description when she is "
                                                      "the woman in danger); the caller's number is caller_number")
    victim: PersonIn | None = Field(None, description="the woman it is about, when the caller is someone else: kept "
                                                      "apart from the caller")
    updates_by_sms: bool = Field(True, description="send the caller the incident's news by SMS (off when a message "
                                                   "could endanger her)")
    noise: Literal["blank", "silent", "abusive", "prank", "test"] | None = Field(
        None, description="not genuine: logged and kept, out of the dispatch queue (docs/adr/0009); a number that "
                          "calls back after a blank or silent call is shown first")

    @model_validator(mode="after")
    def _words_unless_noise(self) -> CallIn:
        if self.noise is None and len(self.what_happened.strip()) < 3:
            raise ValueError("say what happened (at least 3 characters)")
        return self


class CallOut(BaseModel):
    tracking: str
    status: str
    priority: int
    category: str
    station_id: int | None
    station_name: str | None = Field(description="the station that covers where she is (none: the control room)")
    in_your_area: bool = Field(description="false when the place is another station's: it went to that station")
    joined: bool = Field(description="the number's open incident took the call (a call back within the window)")
    noise_kind: str | None = Field(description="the kind of noise it was logged as; null: genuine")
    duplicate: bool = Field(description="this call id was logged before: nothing new was stored")
    message: str = Field(description="what to read out to her, in her language: the acknowledgement")


class NumberIn(BaseModel):
    number: str = Field(min_length=3, max_length=32)


class EarlierIncident(BaseModel):
    tracking: str
    received_at: str
    status: str
    priority: int
    category: str
    channel: str
    station_name: str | None
    disposition: str | None
    closed_at: str | None


class EarlierOut(BaseModel):
    incidents: list[EarlierIncident] = Field(description="newest first, in your area, at most 10")


class PlaceOut(BaseModel):
    kind: Literal["coordinates", "locality", "station"]
    name: str
    pincode: str | None
    lat: float
    lon: float
    accuracy_m: float = Field(description="how far the place may be from the point")
    station_id: int | None = Field(description="the station whose area the point is in")
    station_name: str | None


class PlacesOut(BaseModel):
    places: list[PlaceOut]


def _number(text: str | None, field: str) -> str | None:
    if not text or not text.strip():
        return None
    try:
        return to_e164(text)
    except InvalidInput:
        raise InvalidInput(f"{field} is not a phone number", code="invalid_phone", field=field) from None


def _person(p: PersonIn | None, role: str, relation: str | None = None, phone: str | None = None) -> Person | None:
    if p is None and relation in (None, "self"):
        return None
    p = p or PersonIn(name=None, phone=None, age=None, details=None)
    return Person(role=role, name=(p.name or "").strip() or None, phone=phone, age=p.age,
                  details=(p.details or "").strip() or None, relation=relation)


@router.post("/api/v1/calls", response_model=CallOut, summary="Log a voice call and send it to dispatch")
def log_call(request: Request, body: CallIn, taker: CallTaker):
    c = get_container(request)
    if body.category not in CATEGORIES:
        raise InvalidInput(f"category is one of {', '.join(CATEGORIES)}", code="invalid_category")
    if body.caller_relation == "self" and body.victim is not None:
        raise InvalidInput("the caller is the woman herself: her details are the caller's", code="victim_is_caller")
    now = c.clock.now()
    if body.answered_seconds_ago is not None:
        answered = now - timedelta(seconds=body.answered_seconds_ago)
    else:
        answered = body.answered_at.astimezone(UTC) if body.answered_at else now
    if answered - now > timedelta(minutes=1) or now - answered > LATEST_ANSWER:
        raise InvalidInput("answered_at is not within the last 6 hours: check the clock", code="invalid_time")
    caller_number = _number(body.caller_number, "caller_number")
    victim_phone = _number(body.victim.phone if body.victim else None, "victim.phone")
    loc = body.location
    report = CallReport(
        call_id=body.call_id, caller_number=caller_number, language=body.language, answered_at=answered,
        what_happened=body.what_happened.strip() or NOISE_WORDS[body.noise or "blank"], category=body.category,
        priority=body.priority,
        location_source=loc.source, lat=loc.lat, lon=loc.lon, accuracy_m=loc.accuracy_m,
        location_text=(loc.text or "").strip() or None,
        caller=_person(body.caller, "caller", body.caller_relation),
        victim=_person(body.victim, "victim", phone=victim_phone) if body.victim else None,
        updates_by_sms=body.updates_by_sms, noise=body.noise)
    ack = c.intake.log_call(to_contact(report), people_of(report), taker.username, loc.source, report.location_text)
    log.info("call logged by %s -> incident %s%s", taker.username, ack.tracking,
             " (retry)" if ack.duplicate else " (joined)" if ack.joined else "")
    return {"tracking": ack.tracking, **c.incidents.as_logged(taker, ack.tracking), "joined": ack.joined,
            "duplicate": ack.duplicate, "message": ack.reply}


@router.post("/api/v1/calls/earlier", response_model=EarlierOut,
             summary="What this number contacted us about before (in your area)")
async def earlier(request: Request, body: NumberIn, taker: CallTaker):
    c = get_container(request)
    number = _number(body.number, "number")
    assert number is not None  # min_length 3: never blank
    found = await run_in_threadpool(c.incidents.earlier_from, taker, number)
    return {"incidents": found}


@router.get("/api/v1/calls/places", response_model=PlacesOut,
            summary="Places a typed address, landmark, PIN code or coordinates may name")
def places(request: Request, taker: CallTaker, q: Annotated[str, Query(max_length=100)] = "",
           city: Annotated[str, Query(max_length=64)] = ""):
    c = get_container(request)
    typed = " ".join(q.split())
    if len(typed) < 3:
        return {"places": []}
    city = city if city in c.stations.cities() else c.stations.home_city(taker)
    found: list[tuple[str, str, str | None, float, float, float]] = []
    point = parse_location(typed)
    if point is not None:
        found.append(("coordinates", typed, None, point.lat, point.lon, 0.0))
    else:
        found += [("locality", p.name, p.pincode, p.lat, p.lon, LOCALITY_ACCURACY_M)
                  for p in localities.find(typed, city, limit=6)]
        found += [("station", s.name, None, s.anchor.lat, s.anchor.lon, STATION_ACCURACY_M)
                  for s in c.stations.search(typed, city, limit=4)]
    out = []
    for kind, name, pincode, lat, lon, accuracy in found:
        covering = c.stations.resolve(lon, lat).station
        out.append({"kind": kind, "name": name, "pincode": pincode, "lat": lat, "lon": lon, "accuracy_m": accuracy,
                    "station_id": covering.id if covering else None,
                    "station_name": covering.name if covering else None})
    return {"places": out}
