"""Committing a batch of arriving contacts with a handful of set-based statements.

The rules are `model.decide`'s, one contact at a time, in arrival order (retry, join, reopen or new); only the
reads and writes are grouped: one query for retries, two for the senders' latest incidents, then one statement
per table for the whole batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, update
from sqlalchemy.engine import Dialect

from suraksha.adapters.bulk import (
    BulkInsert,
    bind_processors,
    convert,
    driver_execute,
    marks,
    padded,
    pipelined,
    quoted,
    result_processors,
    start_allocating_ids,
)
from suraksha.adapters.outbox import record_many
from suraksha.core.events import DomainEvent
from suraksha.core.geo import Point
from suraksha.core.ids import new_tracking_number
from suraksha.incidents import events as ev
from suraksha.incidents import noise_rules, replies
from suraksha.incidents.model import (
    MOVING_CHANNELS,
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

NEW_INCIDENT_COLUMNS = ("id", "tracking", "station_id", "city", "state", "channel", "helpline_kind", "language",
                        "priority", "category", "status", "location_known", "lon", "lat", "location_accuracy_m",
                        "match", "received_at", "last_message_at", "updated_at", "society_id", "society_name",
                        "noise_kind", "callback_after_blank", "repeat_noise")
_INSERT_INCIDENTS = BulkInsert(incidents, NEW_INCIDENT_COLUMNS)
_INSERT_CONTACTS = BulkInsert(incident_contacts, ("incident_id", "channel", "fingerprint", "phone_sealed", "via"))
_INSERT_MESSAGES = BulkInsert(inbound_messages, ("provider", "provider_id", "channel", "incident_id", "to_number",
                                                 "body_sealed", "has_location", "num_media", "received_at"))
_INSERT_LOG = BulkInsert(incident_log, ("incident_id", "at", "kind", "actor", "detail"))
_UPDATE_INCIDENT = update(incidents).where(incidents.c.id == bindparam("_id"))
UPDATABLE = ("priority", "category", "status", "location_known", "lon", "lat", "location_accuracy_m", "match",
             "station_id", "city", "state", "proposed_lon", "proposed_lat", "proposed_at", "last_message_at",
             "updated_at", "closed_at", "disposition", "disposition_code", "closed_by", "reopened_at", "language")


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
        self.heard: list[tuple[str, str, str, datetime]] = []  # (channel, fingerprint, via, at): reply windows
        self.replies: list[tuple[_Incident, Reply]] = []
        self.queued: list[tuple[_Incident, ArrivingContact, str, MessageKind]] = []
        self.history: dict[str, noise_rules.NumberHistory] = {}  # each number's noise (noise_rules), as stored

    # deciding, contact by contact -----------------------------------------------------------------
    def take(self, c: ArrivingContact, stored_retries: dict, stored_latest: dict) -> Ack:
        key = (c.provider, c.provider_id)
        retry: str | None = stored_retries.get(key)
        if retry is None and key in self.by_provider_id:
            retry = self.by_provider_id[key].row["tracking"]
        target = self._latest_for(c.fingerprint, stored_latest)
        decision = decide(retry, target.candidate() if target else None, c.received_at, self.window)
        if decision is ContactDecision.RETRY and retry is not None:
            return Ack(retry, replies.received_again(retry, c.language), duplicate=True)
        # noise: the blank rule's, or marked by the person who took it (a call-taker's blank or silent call)
        noisy = c.noise_kind is not None or noise_rules.is_blank(c.channel, c.blank_text, c.location is not None,
                                                                 c.num_media, c.rules)
        if target is not None and target.row.get("noise_kind") and not (noisy and decision is ContactDecision.JOIN):
            decision = ContactDecision.NEW  # anything but another blank after noise is a new incident, in the queue
        if decision is ContactDecision.NEW or target is None:
            ack, target = self._create(c, noisy), self.new[-1]
        else:
            if decision is ContactDecision.REOPEN:
                self._reopen(target)
            ack = self._join(target, c, reopened=decision is ContactDecision.REOPEN)
        self.by_provider_id[key] = target
        self.by_fingerprint[c.fingerprint] = target
        self.inbound.append((target, _message_row(c)))
        self.heard.append((c.channel, c.fingerprint, c.receiving, c.received_at))
        return ack

    def _latest_for(self, fingerprint: str, stored_latest: dict) -> _Incident | None:
        candidate = self.by_fingerprint.get(fingerprint)
        if candidate is None and fingerprint in stored_latest:
            row = stored_latest[fingerprint]
            candidate = self.joined.setdefault(row["id"], _Incident(row=row, id=row["id"]))
        return candidate

    def _create(self, c: ArrivingContact, blank: bool = False) -> Ack:
        tracking = new_tracking_number()
        row: dict[str, Any] = {"tracking": tracking, "station_id": c.station_id, "city": c.city, "state": c.state,
               "channel": c.channel, "helpline_kind": c.helpline_kind, "language": c.language,
               "priority": c.priority, "category": c.category, "status": IncidentStatus.NEW.value,
               "location_known": c.location is not None, "lon": c.lon, "lat": c.lat,
               "location_accuracy_m": c.accuracy_m, "match": c.match, "received_at": c.received_at,
               "last_message_at": c.received_at, "updated_at": self.now,
               "society_id": c.society_id, "society_name": c.society_name}
        incident = _Incident(row=row)
        self._noise(incident, c, blank)
        self.new.append(incident)
        self.contacts.append((incident, {"channel": c.channel, "fingerprint": c.fingerprint,
                                         "phone_sealed": c.phone_sealed, "via": c.receiving[:32] or None}))
        reply = replies.acknowledgement(tracking, c.her_station_name or c.station_name, c.location is not None,
                                        c.language)
        self._reply(incident, c, reply, MessageKind.ACKNOWLEDGEMENT)
        incident.events.append((ev.IncidentReported, {"received_at": c.received_at.isoformat()}))
        return Ack(tracking, reply)

    def _noise(self, incident: _Incident, c: ArrivingContact, blank: bool) -> None:
        """The blank rule and the number's flags (noise_rules): the rule marks, the flags only show."""
        history = self.history.get(c.fingerprint, noise_rules.NumberHistory())
        kind = c.noise_kind or noise_rules.NoiseKind.BLANK.value
        incident.row.update(noise_kind=kind if blank else None,
                            callback_after_blank=history.callback_after_blank, repeat_noise=history.repeat_noise)
        if blank and c.noise_kind is not None:  # the person who took it said so
            incident.log.append(("marked_noise", c.noise_by, {"kind": kind, "note": ""}))
            self.history[c.fingerprint] = history.add(kind)
        elif blank:
            incident.log.append(("marked_noise", None, {"kind": kind, "rule": "blank_message",
                                                        "by": noise_rules.RULES_ACTOR}))
            self.history[c.fingerprint] = history.add(kind)

    def _reopen(self, incident: _Incident) -> None:
        incident.row.update(status=IncidentStatus.NEW.value, closed_at=None, disposition=None,
                            disposition_code=None, closed_by=None, reopened_at=self.now)
        incident.log.append(("reopened", None, {"by": "her reply within 24 hours"}))
        incident.events.append((ev.IncidentReopened, {"by": "reply"}))

    def _join(self, incident: _Incident, c: ArrivingContact, reopened: bool) -> Ack:
        row = incident.row
        row.update(last_message_at=c.received_at, updated_at=self.now)
        if c.language_asked:  # a reply that only asks for a language: her messages are in it from now on
            row["language"] = c.language
        lang = row["language"]
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
            reply, kind = replies.reopened(row["tracking"], lang), MessageKind.REOPENED
        else:
            reply = replies.follow_up(row["tracking"], got_location, lang, c.language_asked)
            kind = MessageKind.FOLLOW_UP
        self._reply(incident, c, reply, kind)
        return Ack(row["tracking"], reply, joined=True)

    def _place(self, incident: _Incident, c: ArrivingContact) -> bool:
        """Take, keep or propose the contact's location (model.location_change); True if it carried one. A device
        that reports where she is as she moves (`MOVING_CHANNELS`) moves the incident instead, each report kept on
        its timeline (her track)."""
        row = incident.row
        known = Point(row["lon"], row["lat"]) if row["location_known"] else None
        change = location_change(known, c.location)
        if change is LocationChange.TAKEN:
            row.update(location_known=True, lon=c.lon, lat=c.lat, match=c.match, location_accuracy_m=c.accuracy_m)
            incident.log.append(("location_taken", None, {"lon": c.lon, "lat": c.lat, "match": c.match}))
            self._follow_location(incident, c)
        elif change is not LocationChange.NONE and c.channel in MOVING_CHANNELS:
            row.update(lon=c.lon, lat=c.lat, match=c.match, location_accuracy_m=c.accuracy_m)
            incident.log.append(("location_moved", None, {"lon": c.lon, "lat": c.lat, "accuracy_m": c.accuracy_m,
                                                          "at": c.received_at.isoformat()}))
            incident.events.append((ev.IncidentLocationChanged, {"lon": c.lon, "lat": c.lat}))
            self._follow_location(incident, c)
        elif change is LocationChange.PROPOSED:
            row.update(proposed_lon=c.lon, proposed_lat=c.lat, proposed_at=self.now)
            incident.log.append(("location_proposed", None, {"lon": c.lon, "lat": c.lat, "match": c.match,
                                                             "station_id": c.station_id}))
            incident.events.append((ev.IncidentLocationProposed, {"lon": c.lon, "lat": c.lat}))
        return change is not LocationChange.NONE

    def _follow_location(self, incident: _Incident, c: ArrivingContact) -> None:
        """A location in another station's area hands the incident over, while no unit is on its way."""
        row = incident.row
        if c.station_id is not None and c.station_id != row["station_id"] and may_reroute(row["status"]):
            moved_from = {"from_station_id": row["station_id"], "from_city": row["city"], "from_state": row["state"]}
            row.update(station_id=c.station_id, city=c.city, state=c.state)
            incident.log.append(("transferred", None, {**moved_from, "to_station_id": c.station_id,
                                                       "to": c.station_name,
                                                       "reason": "her location is in another station's area"}))
            incident.events.append((ev.IncidentTransferred, {**moved_from, "reason": "location"}))

    def _reply(self, incident: _Incident, c: ArrivingContact, body: str, kind: MessageKind) -> None:
        """In the channel's own response when it has one (TwiML), else queued for the sender."""
        if c.reply_via:
            self.replies.append((incident, Reply(c.reply_via, kind, c.phone_sealed, body)))
        else:
            self.queued.append((incident, c, body, kind))

    # writing, a statement per table ----------------------------------------------------------------
    def flush(self, conn: Connection, messages, drawn_ids: list[int]) -> None:
        """One statement per table for the whole batch; on PostgreSQL the inserts share one round trip
        (`pipelined`), with the new incidents' ids drawn beforehand (`drawn_ids`). Tracking numbers are random
        (40 bits): the unique constraint backs them, and on the rare clash the writer stores the batch again,
        drawing new ones."""
        for incident in self.joined.values():
            if incident.changed:
                conn.execute(_UPDATE_INCIDENT, {"_id": incident.id, **{k: incident.row.get(k) for k in UPDATABLE}})
        touched = [*self.new, *self.joined.values()]
        with pipelined(conn):
            new_ids = _INSERT_INCIDENTS.execute_new(conn, [i.row for i in self.new], drawn_ids)
            for incident, new_id in zip(self.new, new_ids):
                incident.id = new_id
            _INSERT_CONTACTS.execute(conn, [{**row, "incident_id": i.id} for i, row in self.contacts])
            _INSERT_MESSAGES.execute(conn, [{**row, "incident_id": i.id} for i, row in self.inbound])
            _INSERT_LOG.execute(conn, [{"incident_id": i.id, "at": self.now, "kind": kind, "actor": actor,
                                        "detail": detail} for i in touched for kind, actor, detail in i.log])
            messages.record_replies(conn, [(i.id, reply) for i, reply in self.replies], self.now)
            messages.heard(conn, self.heard)
            record_many(conn, [(ev.from_row(cls, i.row, **extra), self.now)
                               for i in touched for cls, extra in i.events])
        for i, c, body, kind in self.queued:
            messages.queue(conn, i.id, c.phone_sealed, body, kind, channel=c.channel, via=c.receiving[:32] or None)


def commit_contacts(conn: Connection, items: list[ArrivingContact], now: datetime, window: timedelta,
                    messages) -> list[Ack]:
    """Store a batch of arriving contacts in the caller's transaction; one Ack per contact, in order."""
    plan = BatchPlan(now, window)
    with pipelined(conn):  # PostgreSQL: BEGIN, the three reads and the new ids in one round trip
        retries, latest = _stored_retries(conn, items), _stored_latest(conn, items, window)
        noise = _stored_noise(conn, items)
        # at most one new incident per contact: ids drawn for contacts that join one are left unused
        drawn = start_allocating_ids(conn, incidents, len(items)) if conn.dialect.name == "postgresql" else list
        stored_retries, stored_latest, plan.history, drawn_ids = retries(), latest(), noise(), drawn()
    acks = [plan.take(c, stored_retries, stored_latest) for c in items]
    plan.flush(conn, messages, drawn_ids)
    return acks


def _stored_retries(conn: Connection, items: list[ArrivingContact]) -> Callable[[], dict[tuple[str, str], str]]:
    """(provider, provider id) -> tracking number, for the deliveries already stored (the unique index). The
    statements are sent now; the returned function reads their answers (so that they may share a round trip)."""
    wanted: dict[str, set[str]] = {}
    for c in items:
        wanted.setdefault(c.provider, set()).add(c.provider_id)
    cursors = []
    for provider, ids in wanted.items():
        some = padded(list(ids))
        cursors.append((provider, driver_execute(conn, _retries_sql(conn.dialect, len(some)), (provider, *some))))

    def read() -> dict[tuple[str, str], str]:
        found = {}
        for provider, cursor in cursors:
            rows = cursor.fetchall()
            cursor.close()
            for provider_id, tracking in rows:
                found[(provider, provider_id)] = tracking
        return found
    return read


@lru_cache(maxsize=64)
def _retries_sql(d: Dialect, n: int) -> str:
    return ("SELECT m.provider_id, i.tracking FROM inbound_messages AS m JOIN incidents AS i ON i.id = m.incident_id"
            f" WHERE m.provider = {marks(d, 1)} AND m.provider_id IN ({marks(d, n)})")


_INCIDENT_COLUMNS = tuple(incidents.c)
_WHEN = (incidents.c.last_message_at, incidents.c.closed_at)


def _stored_latest(conn: Connection, items: list[ArrivingContact], window: timedelta) -> Callable[[], dict[str, dict]]:
    """fingerprint -> that sender's latest incident that is open within the window or closed within 24 h. The
    statement is sent now; the returned function reads its answer."""
    fingerprints = padded(list({c.fingerprint for c in items}))
    earliest = min(c.received_at for c in items)
    d = conn.dialect
    since, closed_since = convert((earliest - window, earliest - REOPEN_WINDOW), bind_processors(d, _WHEN))
    recent = (*OPEN_STATUS_VALUES, since, IncidentStatus.CLOSED.value, closed_since)
    params = (*fingerprints, *recent) if d.name == "sqlite" else (*recent, *fingerprints)
    cursor = driver_execute(conn, _latest_sql(d, len(fingerprints)), params)

    def read() -> dict[str, dict]:
        names = [col.name for col in _INCIDENT_COLUMNS]
        rows = cursor.fetchall()
        procs = result_processors(d, _INCIDENT_COLUMNS, cursor.description[1:]) if rows else ()
        cursor.close()
        found: dict[str, dict] = {}
        for fp, *values in rows:
            latest = dict(zip(names, convert(values, procs)))
            if fp not in found or latest["last_message_at"] > found[fp]["last_message_at"]:
                found[fp] = latest
        return found
    return read


@lru_cache(maxsize=64)
def _latest_sql(d: Dialect, n: int) -> str:
    """One statement, led by the (fingerprint, incident) index to her incidents by primary key, whatever the
    planner's statistics say: otherwise, past a few dozen senders or with stale statistics, it may walk every open
    incident through the status index instead. On SQLite the index is named and the incidents table may use its
    primary key only; on PostgreSQL each contact looks up its incident in a LATERAL subquery that cannot be
    flattened into a join (LIMIT 1: the id is the primary key)."""
    columns = ", ".join("i." + quoted(d, col.name) for col in _INCIDENT_COLUMNS)
    recent = (f"(i.status IN ({marks(d, len(OPEN_STATUS_VALUES))}) AND i.last_message_at >= {marks(d, 1)})"
              f" OR (i.status = {marks(d, 1)} AND i.closed_at >= {marks(d, 1)})")
    if d.name == "sqlite":
        return (f"SELECT c.fingerprint, {columns} FROM incident_contacts AS c"
                " INDEXED BY ix_incident_contacts_fingerprint_incident"
                " JOIN incidents AS i NOT INDEXED ON i.id = c.incident_id"
                f" WHERE c.fingerprint IN ({marks(d, n)}) AND ({recent})")
    return (f"SELECT c.fingerprint, {columns} FROM incident_contacts AS c CROSS JOIN LATERAL"
            f" (SELECT * FROM incidents AS i WHERE i.id = c.incident_id AND ({recent}) LIMIT 1) AS i"
            f" WHERE c.fingerprint IN ({marks(d, n)})")


_RECEIVED = (incidents.c.received_at, incidents.c.received_at)


def _stored_noise(conn: Connection, items: list[ArrivingContact]) -> Callable[[], dict[str, noise_rules.NumberHistory]]:
    """fingerprint -> that number's noise (noise_rules.NumberHistory): one statement for the batch, led by the
    (fingerprint, incident) index, sent now; the returned function reads its answer."""
    fingerprints = padded(list({c.fingerprint for c in items}))
    earliest = min(c.received_at for c in items)
    d = conn.dialect
    callback_since, repeat_since = convert((earliest - noise_rules.CALLBACK_WINDOW,
                                            earliest - noise_rules.REPEAT_NOISE_WINDOW), bind_processors(d, _RECEIVED))
    cursor = driver_execute(conn, _noise_sql(d, len(fingerprints)), (callback_since, *fingerprints, repeat_since))

    def read() -> dict[str, noise_rules.NumberHistory]:
        rows = cursor.fetchall()
        cursor.close()
        return {fp: noise_rules.NumberHistory(int(noise or 0), int(blank or 0)) for fp, noise, blank in rows}
    return read


@lru_cache(maxsize=64)
def _noise_sql(d: Dialect, n: int) -> str:
    repeat = ", ".join(f"'{k}'" for k in sorted(noise_rules.REPEAT_KINDS))  # constants of the rules, not input
    callback = ", ".join(f"'{k}'" for k in sorted(noise_rules.CALLBACK_KINDS))
    hint = (" INDEXED BY ix_incident_contacts_fingerprint_incident", " NOT INDEXED") if d.name == "sqlite" else ("", "")
    return (f"SELECT c.fingerprint, SUM(CASE WHEN i.noise_kind IN ({repeat}) THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN i.noise_kind IN ({callback}) AND i.received_at >= {marks(d, 1)} THEN 1 ELSE 0 END)"
            f" FROM incident_contacts AS c{hint[0]} JOIN incidents AS i{hint[1]} ON i.id = c.incident_id"
            f" WHERE c.fingerprint IN ({marks(d, n)}) AND i.noise_kind IS NOT NULL AND i.received_at >= {marks(d, 1)}"
            " GROUP BY c.fingerprint")


def _message_row(c: ArrivingContact) -> dict:
    return {"provider": c.provider, "provider_id": c.provider_id, "channel": c.channel, "to_number": c.receiving,
            "body_sealed": c.body_sealed, "has_location": c.location is not None, "num_media": c.num_media,
            "received_at": c.received_at}
