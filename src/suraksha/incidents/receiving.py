"""Committing a batch of arriving contacts with a handful of set-based statements.

The rules are `model.decide`'s, one contact at a time, in arrival order (retry, join, reopen or new); only the
reads and writes are grouped: one query for retries, two for the senders' latest incidents, then one statement
per table for the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from suraksha.adapters.outbox import record_many
from suraksha.core.events import DomainEvent
from suraksha.core.geo import Point
from suraksha.core.ids import new_tracking_number
from suraksha.incidents import events as ev
from suraksha.incidents import replies
from suraksha.incidents.model import (
    OPEN_STATUS_VALUES,
    REOPEN_WINDOW,
    ArrivingContact,
    ContactDecision,
    IncidentStatus,
    LocationChange,
    OpenCandidate,
    decide,
    location_change,
    may_reroute,
    raise_only,
)
from suraksha.incidents.store import inbound_messages, incident_contacts, incident_log, incidents
from suraksha.messaging.model import MessageKind, Reply

_RETRIES = (
    select(inbound_messages.c.provider, inbound_messages.c.provider_id, incidents.c.tracking)
    .join(incidents, inbound_messages.c.incident_id == incidents.c.id)
    .where(inbound_messages.c.provider.in_(bindparam("providers", expanding=True)),  # (provider, id) index
           inbound_messages.c.provider_id.in_(bindparam("pids", expanding=True))))
# Two indexed steps rather than one join: a planner may otherwise walk every open incident.
_CONTACTS = (select(incident_contacts.c.incident_id, incident_contacts.c.fingerprint)
             .where(incident_contacts.c.fingerprint.in_(bindparam("fps", expanding=True))))
_LATEST = select(incidents).where(
    incidents.c.id.in_(bindparam("ids", expanding=True)),
    or_(and_(incidents.c.status.in_(OPEN_STATUS_VALUES), incidents.c.last_message_at >= bindparam("since")),
        and_(incidents.c.status == IncidentStatus.CLOSED.value, incidents.c.closed_at >= bindparam("closed_since"))))
_TAKEN = select(incidents.c.tracking).where(incidents.c.tracking.in_(bindparam("trackings", expanding=True)))
_INSERT_INCIDENTS = insert(incidents).returning(incidents.c.id, sort_by_parameter_order=True)
_UPDATE_INCIDENT = update(incidents).where(incidents.c.id == bindparam("_id"))
_INSERT_CONTACTS = insert(incident_contacts)
_INSERT_MESSAGES = insert(inbound_messages)
_INSERT_LOG = insert(incident_log)
UPDATABLE = ("priority", "category", "status", "location_known", "lon", "lat", "location_accuracy_m", "match",
             "station_id", "city", "state", "proposed_lon", "proposed_lat", "proposed_at", "last_message_at",
             "updated_at", "closed_at", "disposition", "disposition_code", "closed_by", "reopened_at")


@dataclass
class Ack:
    """What the sender is told. `duplicate`: a provider retry; `joined`: added to an existing incident."""

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
    events: list[tuple[type[DomainEvent], dict]] = field(default_factory=list)
    log: list[tuple[str, str | None, dict]] = field(default_factory=list)

    def candidate(self) -> OpenCandidate:
        return OpenCandidate(self.row["status"], self.row["last_message_at"], self.row.get("closed_at"))


class BatchPlan:
    def __init__(self, now: datetime, window: timedelta) -> None:
        self.now, self.window = now, window
        self.new: list[_Incident] = []
        self.joined: dict[int, _Incident] = {}
        self.by_fingerprint: dict[str, _Incident] = {}
        self.by_provider_id: dict[tuple[str, str], _Incident] = {}
        self.contacts: list[tuple[_Incident, dict]] = []
        self.inbound: list[tuple[_Incident, dict]] = []
        self.replies: list[tuple[_Incident, Reply]] = []
        self.queued: list[tuple[_Incident, ArrivingContact, str, MessageKind]] = []

    # deciding, contact by contact -----------------------------------------------------------------
    def take(self, c: ArrivingContact, stored_retries: dict, stored_latest: dict) -> Ack:
        key = (c.provider, c.provider_id)
        retry: str | None = stored_retries.get(key)
        if retry is None and key in self.by_provider_id:
            retry = self.by_provider_id[key].row["tracking"]
        target = self._latest_for(c.fingerprint, stored_latest)
        decision = decide(retry, target.candidate() if target else None, c.received_at, self.window)
        if decision is ContactDecision.RETRY and retry is not None:
            return Ack(retry, replies.received_again(retry), duplicate=True)
        if decision is ContactDecision.NEW or target is None:
            ack, target = self._create(c), self.new[-1]
        else:
            if decision is ContactDecision.REOPEN:
                self._reopen(target)
            ack = self._join(target, c, reopened=decision is ContactDecision.REOPEN)
        self.by_provider_id[key] = target
        self.by_fingerprint[c.fingerprint] = target
        self.inbound.append((target, _message_row(c)))
        return ack

    def _latest_for(self, fingerprint: str, stored_latest: dict) -> _Incident | None:
        candidate = self.by_fingerprint.get(fingerprint)
        if candidate is None and fingerprint in stored_latest:
            row = stored_latest[fingerprint]
            candidate = self.joined.setdefault(row["id"], _Incident(row=row, id=row["id"]))
        return candidate

    def _create(self, c: ArrivingContact) -> Ack:
        tracking = new_tracking_number()
        row: dict[str, Any] = {"tracking": tracking, "station_id": c.station_id, "city": c.city, "state": c.state,
               "channel": c.channel, "helpline_kind": c.helpline_kind, "language": c.language,
               "priority": c.priority, "category": c.category, "status": IncidentStatus.NEW.value,
               "location_known": c.location is not None, "lon": c.lon, "lat": c.lat,
               "location_accuracy_m": c.accuracy_m, "match": c.match, "received_at": c.received_at,
               "last_message_at": c.received_at, "updated_at": self.now}
        incident = _Incident(row=row)
        self.new.append(incident)
        self.contacts.append((incident, {"channel": c.channel, "fingerprint": c.fingerprint,
                                         "phone_sealed": c.phone_sealed}))
        reply = replies.acknowledgement(tracking, c.station_name, c.location is not None)
        self._reply(incident, c, reply, MessageKind.ACKNOWLEDGEMENT)
        incident.events.append((ev.IncidentReported, {"received_at": c.received_at.isoformat()}))
        return Ack(tracking, reply)

    def _reopen(self, incident: _Incident) -> None:
        incident.row.update(status=IncidentStatus.NEW.value, closed_at=None, disposition=None,
                            disposition_code=None, closed_by=None, reopened_at=self.now)
        incident.log.append(("reopened", None, {"by": "her reply within 24 hours"}))
        incident.events.append((ev.IncidentReopened, {"by": "reply"}))

    def _join(self, incident: _Incident, c: ArrivingContact, reopened: bool) -> Ack:
        row = incident.row
        row.update(last_message_at=c.received_at, updated_at=self.now)
        if c.priority < row["priority"]:
            before, category_before = row["priority"], row["category"]
            row.update(priority=raise_only(before, c.priority), category=c.category)
            incident.log.append(("priority_changed", None, {"from": before, "to": row["priority"],
                                                            "reason": "her words (triage rules)", "by": "rules"}))
            if c.category != category_before:
                incident.log.append(("category_changed", None, {"from": category_before, "to": c.category,
                                                                "reason": "her words (triage rules)", "by": "rules"}))
        got_location = self._place(incident, c)
        incident.changed = True
        incident.events.append((ev.IncidentUpdated, {"change": "contact"}))
        if reopened:
            reply, kind = replies.reopened(row["tracking"]), MessageKind.REOPENED
        else:
            reply, kind = replies.follow_up(row["tracking"], got_location), MessageKind.FOLLOW_UP
        self._reply(incident, c, reply, kind)
        return Ack(row["tracking"], reply, joined=True)

    def _place(self, incident: _Incident, c: ArrivingContact) -> bool:
        """Take, keep or propose the contact's location (model.location_change); True if it carried one."""
        row = incident.row
        known = Point(row["lon"], row["lat"]) if row["location_known"] else None
        change = location_change(known, c.location)
        if change is LocationChange.TAKEN:
            row.update(location_known=True, lon=c.lon, lat=c.lat, match=c.match, location_accuracy_m=c.accuracy_m)
            incident.log.append(("location_taken", None, {"lon": c.lon, "lat": c.lat, "match": c.match}))
            if c.station_id is not None and c.station_id != row["station_id"] and may_reroute(row["status"]):
                moved_from = {"from_station_id": row["station_id"], "from_city": row["city"],
                              "from_state": row["state"]}
                row.update(station_id=c.station_id, city=c.city, state=c.state)
                incident.log.append(("transferred", None, {**moved_from, "to_station_id": c.station_id,
                                                           "to": c.station_name,
                                                           "reason": "her location is in another station's area"}))
                incident.events.append((ev.IncidentTransferred, {**moved_from, "reason": "location"}))
        elif change is LocationChange.PROPOSED:
            row.update(proposed_lon=c.lon, proposed_lat=c.lat, proposed_at=self.now)
            incident.log.append(("location_proposed", None, {"lon": c.lon, "lat": c.lat, "match": c.match,
                                                             "station_id": c.station_id}))
            incident.events.append((ev.IncidentLocationProposed, {"lon": c.lon, "lat": c.lat}))
        return change is not LocationChange.NONE

    def _reply(self, incident: _Incident, c: ArrivingContact, body: str, kind: MessageKind) -> None:
        """In the channel's own response when it has one (TwiML), else queued for the sender."""
        if c.reply_via:
            self.replies.append((incident, Reply(c.reply_via, kind, c.phone_sealed, body)))
        else:
            self.queued.append((incident, c, body, kind))

    # writing, a statement per table ----------------------------------------------------------------
    def flush(self, conn: Connection, messages) -> None:
        if self.new:
            self._unique_trackings(conn)
            ids = conn.execute(_INSERT_INCIDENTS, [i.row for i in self.new]).scalars().all()
            for incident, new_id in zip(self.new, ids):
                incident.id = new_id
        for incident in self.joined.values():
            if incident.changed:
                conn.execute(_UPDATE_INCIDENT, {"_id": incident.id, **{k: incident.row.get(k) for k in UPDATABLE}})
        for stmt, pairs in ((_INSERT_CONTACTS, self.contacts), (_INSERT_MESSAGES, self.inbound)):
            if pairs:
                conn.execute(stmt, [{**row, "incident_id": i.id} for i, row in pairs])
        touched = [*self.new, *self.joined.values()]
        log_rows = [{"incident_id": i.id, "at": self.now, "kind": kind, "actor": actor, "detail": detail}
                    for i in touched for kind, actor, detail in i.log]
        if log_rows:
            conn.execute(_INSERT_LOG, log_rows)
        messages.record_replies(conn, [(i.id, reply) for i, reply in self.replies], self.now)
        for i, c, body, kind in self.queued:
            messages.queue(conn, i.id, c.phone_sealed, body, kind, channel=c.channel)
        record_many(conn, [(ev.from_row(cls, i.row, **extra), self.now) for i in touched for cls, extra in i.events])

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


def commit_contacts(conn: Connection, items: list[ArrivingContact], now: datetime, window: timedelta,
                    messages) -> list[Ack]:
    """Store a batch of arriving contacts in the caller's transaction; one Ack per contact, in order."""
    plan = BatchPlan(now, window)
    stored_retries, stored_latest = _stored_retries(conn, items), _stored_latest(conn, items, window)
    acks = [plan.take(c, stored_retries, stored_latest) for c in items]
    plan.flush(conn, messages)
    return acks


def _stored_retries(conn: Connection, items: list[ArrivingContact]) -> dict[tuple[str, str], str]:
    params = {"providers": list({c.provider for c in items}), "pids": list({c.provider_id for c in items})}
    return {(r.provider, r.provider_id): r.tracking for r in conn.execute(_RETRIES, params)}


def _stored_latest(conn: Connection, items: list[ArrivingContact], window: timedelta) -> dict[str, dict]:
    """fingerprint -> that sender's latest incident that is open within the window or closed within 24 h."""
    owners: dict[int, list[str]] = {}
    for r in conn.execute(_CONTACTS, {"fps": list({c.fingerprint for c in items})}):
        owners.setdefault(r.incident_id, []).append(r.fingerprint)
    if not owners:
        return {}
    earliest = min(c.received_at for c in items)
    params = {"ids": list(owners), "since": earliest - window, "closed_since": earliest - REOPEN_WINDOW}
    found: dict[str, dict] = {}
    for latest in conn.execute(_LATEST, params).mappings():
        for fp in owners[latest["id"]]:
            if fp not in found or latest["last_message_at"] > found[fp]["last_message_at"]:
                found[fp] = dict(latest)
    return found


def _message_row(c: ArrivingContact) -> dict:
    return {"provider": c.provider, "provider_id": c.provider_id, "channel": c.channel, "to_number": c.receiving,
            "body_sealed": c.body_sealed, "has_location": c.location is not None, "num_media": c.num_media,
            "received_at": c.received_at}
