"""A voice call logged by a call-taker (the 112 control room's screen, `/calltaker`): the contact goes the way every
contact goes (retry, join or new, in `receiving.commit_contacts`), and in the same transaction the people the
call-taker recorded (the caller and, kept apart, the woman it is about when someone else calls for her) and who
logged it, when the call was answered and how long the logging took.

The rules here are plain; `commit_calls` is the group-commit writer's handler for a batch of logged calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select

from suraksha.core.auth import Principal
from suraksha.core.errors import InvalidInput
from suraksha.core.privacy import Sealer
from suraksha.incidents.model import ArrivingContact
from suraksha.incidents.reading import iso, scoped
from suraksha.incidents.receiving import Ack, commit_contacts
from suraksha.incidents.store import incident_contacts, incident_log, incident_people, incidents

RELATIONS = ("self", "family", "neighbour", "friend", "colleague", "passer_by", "other")
EARLIER_SHOWN = 10


@dataclass(frozen=True)
class Person:
    """Someone recorded on a call, as typed: plain text, sealed on the way in."""

    role: str  # caller | victim
    name: str | None = None
    phone: str | None = None  # E.164
    age: int | None = None
    details: str | None = None
    relation: str | None = None  # the caller's relation to her


@dataclass(frozen=True)
class LoggedCall:
    contact: ArrivingContact
    people: tuple[Person, ...]
    taken_by: str  # the call-taker's username
    answered_at: datetime  # when the call was answered: the contact's receipt
    location_source: str  # gps | cell | address | none
    location_text: str | None = None  # the address or landmark typed, when that is where she is


def check_person(p: Person) -> Person:
    if p.role not in ("caller", "victim"):
        raise InvalidInput("a person on a call is the caller or the victim", code="invalid_person")
    if p.relation is not None and p.relation not in RELATIONS:
        raise InvalidInput(f"relation is one of {', '.join(RELATIONS)}", code="invalid_relation")
    if p.age is not None and not 0 <= p.age <= 120:
        raise InvalidInput("age is 0 to 120", code="invalid_age")
    return p


def logging_seconds(answered_at: datetime, logged_at: datetime) -> int:
    """How long the call-taker took from answering to sending it to dispatch (the screen's 60-second aim)."""
    return max(0, int((logged_at - answered_at).total_seconds()))


def commit_calls(conn: Connection, items: list[LoggedCall], now: datetime, window: timedelta, messages,
                 sealer: Sealer) -> list[Ack]:
    """Store a batch of logged calls in the caller's transaction: the contacts as every channel's, then, for each
    call that is not a retry, its people and a `call_logged` entry on the incident's timeline."""
    acks = commit_contacts(conn, [c.contact for c in items], now, window, messages)
    fresh = [(call, ack) for call, ack in zip(items, acks) if not ack.duplicate]
    if not fresh:
        return acks
    ids = dict(conn.execute(select(incidents.c.tracking, incidents.c.id)
                            .where(incidents.c.tracking.in_({a.tracking for _, a in fresh}))).all())
    people, log = [], []
    for call, ack in fresh:
        incident_id = ids[ack.tracking]
        for p in call.people:
            people.append({
                "incident_id": incident_id, "role": p.role, "relation": p.relation,
                "name_sealed": sealer.seal(p.name) if p.name else None,
                "phone_sealed": sealer.seal(p.phone) if p.phone else None, "age": p.age,
                "details_sealed": sealer.seal(p.details) if p.details else None,
                "recorded_at": now, "recorded_by": call.taken_by})
        log.append({"incident_id": incident_id, "at": now, "kind": "call_logged", "actor": call.taken_by,
                    "detail": {"location_source": call.location_source, "location_text": call.location_text,
                               "answered_at": call.answered_at.isoformat(),
                               "took_seconds": logging_seconds(call.answered_at, now),
                               "joined": ack.joined, "people": [p.role for p in call.people]}})
    if people:
        conn.execute(insert(incident_people), people)
    conn.execute(insert(incident_log), log)
    return acks


def people_on(conn: Connection, incident_id: int, sealer: Sealer) -> list[dict]:
    """The people recorded on the incident's calls, unsealed: only for callers who passed need-to-know."""
    rows = conn.execute(select(incident_people).where(incident_people.c.incident_id == incident_id)
                        .order_by(incident_people.c.id)).all()
    return [{"role": r.role, "relation": r.relation,
             "name": sealer.unseal(r.name_sealed) if r.name_sealed else None,
             "phone": sealer.unseal(r.phone_sealed) if r.phone_sealed else None, "age": r.age,
             "details": sealer.unseal(r.details_sealed) if r.details_sealed else None,
             "recorded_at": iso(r.recorded_at), "recorded_by": r.recorded_by} for r in rows]


def earlier_from(conn: Connection, fingerprint: str, principal: Principal, limit: int = EARLIER_SHOWN) -> list:
    """The incidents in the principal's scope that this number has contacted us about, newest first."""
    q = scoped(select(incidents).join(incident_contacts, incident_contacts.c.incident_id == incidents.c.id)
               .where(incident_contacts.c.fingerprint == fingerprint), principal)
    return list(conn.execute(q.order_by(incidents.c.received_at.desc()).limit(limit)).all())
