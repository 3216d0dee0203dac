"""Reading incidents: the views the API and pages show, and the timeline of everything that happened.

Functions take the caller's connection. Nothing here decides who may read: the service checks the scope and
need-to-know first and says what to include.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from suraksha.adapters.db import scope_filter
from suraksha.core.auth import Principal
from suraksha.core.privacy import Sealer
from suraksha.incidents import noise_rules
from suraksha.incidents.store import inbound_messages, incident_contacts, incident_log, incidents


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def incident_view(r: Any, station_name: str | None) -> dict:
    """An incident without contacts or message texts (callers add those by need-to-know)."""
    location = {"type": "Point", "coordinates": [r.lon, r.lat]} if r.lon is not None else None
    proposed = ({"type": "Point", "coordinates": [r.proposed_lon, r.proposed_lat]}
                if r.proposed_lon is not None else None)
    return {
        "tracking": r.tracking, "station_id": r.station_id, "station_name": station_name, "city": r.city,
        "state": r.state, "priority": r.priority, "category": r.category, "status": r.status,
        "channel": r.channel, "helpline_kind": r.helpline_kind, "language": r.language or "en", "location": location,
        "location_known": r.location_known, "location_accuracy_m": r.location_accuracy_m, "match": r.match,
        "proposed_location": proposed, "proposed_at": iso(r.proposed_at),
        "received_at": iso(r.received_at), "last_message_at": iso(r.last_message_at),
        "first_dispatched_at": iso(r.first_dispatched_at), "arrived_at": iso(r.arrived_at),
        "response_seconds": r.response_seconds, "closed_at": iso(r.closed_at), "closed_by": r.closed_by,
        "disposition": r.disposition, "disposition_code": r.disposition_code, "reopened_at": iso(r.reopened_at),
        "merged_into": getattr(r, "merged_into", None),
        "society_id": r.society_id, "society_name": r.society_name,
        "noise_kind": r.noise_kind, "flags": noise_rules.flags(r.callback_after_blank, r.repeat_noise),
    }


def contacts_and_messages(conn: Connection, incident_id: int, sealer: Sealer) -> tuple[list[dict], list[dict]]:
    """Her numbers and the texts of her messages: only for callers who passed the need-to-know check."""
    contacts = conn.execute(select(incident_contacts).where(incident_contacts.c.incident_id == incident_id)
                            .order_by(incident_contacts.c.id)).all()
    messages = conn.execute(select(inbound_messages).where(inbound_messages.c.incident_id == incident_id)
                            .order_by(inbound_messages.c.id)).all()
    return (
        [{"channel": c.channel, "phone": sealer.unseal(c.phone_sealed)} for c in contacts],
        [{"received_at": iso(m.received_at), "channel": m.channel, "body": sealer.unseal(m.body_sealed),
          "to": m.to_number, "has_location": m.has_location} for m in messages],
    )


def timeline(conn: Connection, incident_id: int, outbound: list[dict], sealer: Sealer, *,
             need_to_know: bool) -> list[dict]:
    """Everything that happened, oldest first: the log, each contact, and each message sent to her.

    Without need-to-know, her words and the texts of staff notes are withheld (a note may name her).
    """
    incident = conn.execute(select(incidents).where(incidents.c.id == incident_id)).one()
    logged = conn.execute(select(incident_log).where(incident_log.c.incident_id == incident_id)
                          .order_by(incident_log.c.at, incident_log.c.id)).all()
    entries: list[dict] = [_reported(incident, logged)]
    for r in logged:
        detail = dict(r.detail or {})
        if r.kind == "note" and not need_to_know:
            detail = {"withheld": True}
        elif r.kind == "closed" and not need_to_know:
            detail.pop("note", None)
        entries.append({"at": iso(r.at), "kind": r.kind, "actor": r.actor, "detail": detail, "_order": (0, r.id)})
    for inbound in conn.execute(select(inbound_messages).where(inbound_messages.c.incident_id == incident_id)
                                .order_by(inbound_messages.c.id)):
        detail = {"channel": inbound.channel, "has_location": inbound.has_location, "num_media": inbound.num_media}
        if need_to_know:
            detail["body"] = sealer.unseal(inbound.body_sealed)
        entries.append({"at": iso(inbound.received_at), "kind": "contact", "actor": None, "detail": detail,
                        "_order": (-1, inbound.id)})
    for i, sent in enumerate(outbound):
        entries.append({"at": sent["created_at"], "kind": "message_to_her", "actor": None,
                        "detail": {"message_id": sent["id"], "kind": sent["kind"], "channel": sent["channel"],
                                   "status": sent["status"],
                                   "body": sent["body"], "attempts": sent["attempts"], "sent_at": sent["sent_at"]},
                        "_order": (1, i)})
    entries.sort(key=lambda e: (e["at"], e["_order"]))
    for e in entries:
        del e["_order"]
    return entries


def _reported(incident: Any, logged: Sequence[Any]) -> dict:
    """The first entry, from the incident itself (intake writes no log row for it: one less per message).

    Its priority and category are those it was reported with: the `from` of the first later change, if any.
    """
    first = {"priority": incident.priority, "category": incident.category}
    for field in first:
        change = next((r for r in logged if r.kind == f"{field}_changed"), None)
        if change is not None:
            first[field] = change.detail["from"]
    detail = {"channel": incident.channel, **first, "match": incident.match, "helpline": incident.helpline_kind}
    return {"at": iso(incident.received_at), "kind": "reported", "actor": None, "detail": detail,
            "_order": (-2, 0)}


def scoped(query, principal: Principal):
    """The scope rule as SQL (`adapters.db.scope_filter`, from the same `scope_key` that `covers` uses)."""
    return query.where(scope_filter(principal, station_id=incidents.c.station_id, city=incidents.c.city,
                                    state=incidents.c.state))


# ---------------------------------------------------------------- figures for the supervisor's wallboard (analytics)

# What a person in the control room (or a dispatch) does to an incident: the first of these after receipt is when it
# was answered. Automatic replies to her (the SMS acknowledgement), timers and alarms are not answers.
ANSWERING_ACTIONS = ("call_logged", "note", "priority_changed", "category_changed", "transferred",
                     "location_accepted", "location_dismissed", "closed", "message_retried", "message_settled",
                     "unit_dispatched",
                     "marked_noise")  # by a person (the blank rule's mark has no actor: no answer)
NOT_A_PERSON = "system"  # `closed` by the system (`close(None, …)`) is no answer


def open_in_scope(conn: Connection, principal: Principal, open_statuses: Sequence[str]) -> list[dict]:
    """Every open incident in scope, as little as a count needs: priority, station, received_at."""
    i = incidents.c
    q = scoped(select(i.priority, i.station_id, i.city, i.received_at)
               .where(i.status.in_(open_statuses), i.noise_kind.is_(None)), principal)
    return [dict(r._mapping) for r in conn.execute(q)]


def times_since(conn: Connection, principal: Principal, since: datetime) -> list[dict]:
    """Incidents in scope received since `since`, with their times and the first answering action after receipt."""
    log = incident_log.c
    first_action = (select(log.incident_id, func.min(log.at).label("first_action_at"))
                    .where(log.kind.in_(ANSWERING_ACTIONS), log.actor.is_not(None), log.actor != NOT_A_PERSON,
                           log.at >= since)
                    .group_by(log.incident_id).subquery())
    i = incidents.c
    q = (select(i.id, i.tracking, i.station_id, i.city, i.state, i.priority, i.category, i.status, i.received_at,
                i.first_dispatched_at, i.arrived_at, i.response_seconds, i.closed_at, first_action.c.first_action_at)
         .outerjoin(first_action, first_action.c.incident_id == i.id).where(i.received_at >= since))
    return [dict(r._mapping) for r in conn.execute(scoped(q, principal).order_by(i.received_at, i.id))]
