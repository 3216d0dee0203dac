"""Committing a batch of inbound messages with a handful of set-based statements.

The rules are those of one message at a time, applied in arrival order: a provider retry (same provider
id, stored or earlier in the batch) answers with the first message's tracking number and stores nothing;
a message from a number with an open incident whose last message is within the follow-up window joins
it; anything else opens a new incident. Only the reads and writes are grouped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from suraksha.adapters.outbox import record_events
from suraksha.core.ids import new_tracking_number
from suraksha.intake import replies
from suraksha.intake.model import OPEN_STATUS_VALUES, IncidentStatus
from suraksha.intake.store import inbound_messages, incident_contacts, incidents
from suraksha.intake.triage import raise_only
from suraksha.messaging.model import MessageKind

_RETRIES = (
    select(inbound_messages.c.provider, inbound_messages.c.provider_id, incidents.c.tracking)
    .join(incidents, inbound_messages.c.incident_id == incidents.c.id)
    .where(inbound_messages.c.provider.in_(bindparam("providers", expanding=True)),  # (provider, id) index
           inbound_messages.c.provider_id.in_(bindparam("pids", expanding=True))))
# Two indexed steps rather than one join: a planner may otherwise walk every open incident.
_CONTACTS = (select(incident_contacts.c.incident_id, incident_contacts.c.fingerprint)
             .where(incident_contacts.c.fingerprint.in_(bindparam("fps", expanding=True))))
_OPEN = select(incidents).where(incidents.c.id.in_(bindparam("ids", expanding=True)), incidents.c.status.in_(OPEN_STATUS_VALUES),
                                incidents.c.last_message_at >= bindparam("since"))
_TAKEN = select(incidents.c.tracking).where(incidents.c.tracking.in_(bindparam("trackings", expanding=True)))
_INSERT_INCIDENTS = insert(incidents).returning(incidents.c.id, sort_by_parameter_order=True)
_UPDATE_INCIDENT = update(incidents).where(incidents.c.id == bindparam("_id"))
_INSERT_CONTACTS = insert(incident_contacts)
_INSERT_MESSAGES = insert(inbound_messages)
UPDATABLE = ("priority", "category", "location_known", "lon", "lat", "match", "station_id", "city",
             "last_message_at", "updated_at")


@dataclass
class Ack:
    """What the sender is told. `duplicate`: a provider retry; `joined`: added to an open incident."""

    tracking: str
    reply: str
    duplicate: bool = False
    joined: bool = False


@dataclass
class _Incident:
    """An incident this batch touches: a new one (id None until inserted) or a stored one it joins."""

    row: dict[str, Any]
    id: int | None = None
    changed: bool = False
    events: list[tuple[str, dict]] = field(default_factory=list)


class BatchPlan:
    def __init__(self, now: datetime, window: timedelta, messages) -> None:
        self.now, self.window, self.messages = now, window, messages
        self.new: list[_Incident] = []
        self.joined: dict[int, _Incident] = {}
        self.by_fingerprint: dict[str, _Incident] = {}
        self.by_provider_id: dict[tuple[str, str], _Incident] = {}
        self.contacts: list[tuple[_Incident, dict]] = []
        self.inbound: list[tuple[_Incident, dict]] = []
        self.replies: list[tuple[_Incident, dict]] = []

    # deciding, message by message -----------------------------------------------------------------
    def take(self, p, stored_retries: dict, stored_open: dict) -> Ack:
        key = (p.sms.provider, p.sms.provider_id)
        if key in stored_retries:
            return Ack(stored_retries[key], replies.received_again(stored_retries[key]), duplicate=True)
        if key in self.by_provider_id:
            tracking = self.by_provider_id[key].row["tracking"]
            return Ack(tracking, replies.received_again(tracking), duplicate=True)
        target = self._open_for(p.fingerprint, p.sms.received_at - self.window, stored_open)
        ack = self._join(target, p) if target else self._create(p)
        incident = target or self.new[-1]
        self.by_provider_id[key] = incident
        self.by_fingerprint[p.fingerprint] = incident
        self.inbound.append((incident, _message_row(p)))
        return ack

    def _open_for(self, fingerprint: str, since: datetime, stored_open: dict) -> _Incident | None:
        candidate = self.by_fingerprint.get(fingerprint)
        if candidate is None and fingerprint in stored_open:
            row = stored_open[fingerprint]
            candidate = self.joined.setdefault(row["id"], _Incident(row=row, id=row["id"]))
        if candidate and candidate.row["status"] in OPEN_STATUS_VALUES and candidate.row["last_message_at"] >= since:
            return candidate
        return None

    def _create(self, p) -> Ack:
        row = {"tracking": new_tracking_number(), "station_id": p.station.id if p.station else None,
               "city": p.station.city if p.station else None, "channel": "sms",
               "helpline_kind": p.helpline.value if p.helpline else None, "priority": p.priority,
               "category": p.category, "status": IncidentStatus.NEW.value, "location_known": p.location_known,
               "lon": p.lon, "lat": p.lat, "match": p.match, "received_at": p.sms.received_at,
               "last_message_at": p.sms.received_at, "updated_at": self.now}
        incident = _Incident(row=row)
        self.new.append(incident)
        self.contacts.append((incident, {"channel": "sms", "fingerprint": p.fingerprint,
                                         "phone_sealed": p.phone_sealed}))
        reply = replies.acknowledgement(row["tracking"], p.station, p.location_known)
        self.replies.append((incident, self.messages.reply_row(p.phone_sealed, reply, MessageKind.ACKNOWLEDGEMENT)))
        incident.events.append(("IncidentReported", {}))
        return Ack(row["tracking"], reply)

    def _join(self, incident: _Incident, p) -> Ack:
        row, changes = incident.row, {"last_message_at": p.sms.received_at, "updated_at": self.now}
        if p.priority < row["priority"]:
            changes.update(priority=raise_only(row["priority"], p.priority), category=p.category)
        if p.location_known and not row["location_known"]:
            changes.update(location_known=True, lon=p.lon, lat=p.lat, match=p.match)
            if p.station is not None and row["status"] == IncidentStatus.NEW.value:
                changes.update(station_id=p.station.id, city=p.station.city)
        row.update(changes)
        incident.changed = True
        incident.events.append(("IncidentUpdated", {"change": "message", **{
            k: v for k, v in changes.items() if k in ("priority", "category", "station_id", "lon", "lat")}}))
        reply = replies.follow_up(row["tracking"], p.location_known)
        self.replies.append((incident, self.messages.reply_row(p.phone_sealed, reply, MessageKind.FOLLOW_UP)))
        return Ack(row["tracking"], reply, joined=True)

    # writing, a statement per table ----------------------------------------------------------------
    def flush(self, conn: Connection) -> None:
        if self.new:
            self._unique_trackings(conn)
            ids = conn.execute(_INSERT_INCIDENTS, [i.row for i in self.new]).scalars().all()
            for incident, new_id in zip(self.new, ids):
                incident.id = new_id
        for incident in self.joined.values():
            if incident.changed:
                conn.execute(_UPDATE_INCIDENT, {"_id": incident.id, **{k: incident.row[k] for k in UPDATABLE}})
        for stmt, pairs in ((_INSERT_CONTACTS, self.contacts), (_INSERT_MESSAGES, self.inbound)):
            if pairs:
                conn.execute(stmt, [{**row, "incident_id": i.id} for i, row in pairs])
        self.messages.insert_rows(conn, [{**row, "incident_id": i.id} for i, row in self.replies])
        record_events(conn, [(kind, _event_payload(i, kind, extra), self.now)
                             for i in [*self.new, *self.joined.values()] for kind, extra in i.events])

    def _unique_trackings(self, conn: Connection) -> None:
        """Tracking numbers are random; on the rare clash with a stored one, draw again."""
        while True:
            wanted = [i.row["tracking"] for i in self.new]
            taken = set(conn.execute(_TAKEN, {"trackings": wanted}).scalars())
            taken |= {t for t in wanted if wanted.count(t) > 1}
            if not taken:
                return
            for i in self.new:
                if i.row["tracking"] in taken:
                    i.row["tracking"] = new_tracking_number()


def commit_messages(conn: Connection, items: list, now: datetime, window: timedelta, messages) -> list[Ack]:
    """Store a batch of prepared messages in the caller's transaction; one Ack per message, in order."""
    plan = BatchPlan(now, window, messages)
    stored_retries, stored_open = _stored_retries(conn, items), _stored_open(conn, items, window)
    acks = [plan.take(p, stored_retries, stored_open) for p in items]
    plan.flush(conn)
    return acks


def _stored_retries(conn: Connection, items: list) -> dict[tuple[str, str], str]:
    params = {"providers": list({p.sms.provider for p in items}), "pids": list({p.sms.provider_id for p in items})}
    return {(r.provider, r.provider_id): r.tracking for r in conn.execute(_RETRIES, params)}


def _stored_open(conn: Connection, items: list, window: timedelta) -> dict[str, dict]:
    """fingerprint -> the open incident with that contact whose last message is the latest."""
    owners: dict[int, list[str]] = {}
    for r in conn.execute(_CONTACTS, {"fps": list({p.fingerprint for p in items})}):
        owners.setdefault(r.incident_id, []).append(r.fingerprint)
    if not owners:
        return {}
    since = min(p.sms.received_at for p in items) - window
    found: dict[str, dict] = {}
    for r in conn.execute(_OPEN, {"ids": list(owners), "since": since}).mappings():
        for fp in owners[r["id"]]:
            if fp not in found or r["last_message_at"] > found[fp]["last_message_at"]:
                found[fp] = dict(r)
    return found


def _message_row(p) -> dict:
    return {"provider": p.sms.provider, "provider_id": p.sms.provider_id, "to_number": p.sms.to,
            "body_sealed": p.body_sealed, "has_location": p.location_known, "num_media": p.sms.num_media,
            "received_at": p.sms.received_at}


def _event_payload(incident: _Incident, kind: str, extra: dict) -> dict:
    """What the console needs to place the incident. Never a phone number or a message text."""
    r = incident.row
    if kind == "IncidentUpdated":
        return {"tracking": r["tracking"], "city": r["city"], "station_id": r["station_id"], **extra}
    return {"tracking": r["tracking"], "station_id": r["station_id"], "city": r["city"], "priority": r["priority"],
            "category": r["category"], "status": r["status"], "lon": r["lon"], "lat": r["lat"],
            "location_known": r["location_known"], "received_at": r["received_at"].isoformat()}
