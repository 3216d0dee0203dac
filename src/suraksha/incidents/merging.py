"""Use cases of one incident per emergency: suggest, merge, unmerge, and say "not the same" (merge_model's rules).

Suggestions are computed when a console asks for them, from one query on the open queue's index: nothing is done
while contacts arrive, so intake's writer pays nothing. A merge moves the duplicate's senders and messages to the
survivor, records exactly what it moved (`incident_merges`) so that an unmerge puts them back, writes both
timelines, tells her once that her report was joined, and announces both incidents through the outbox, all in one
transaction. Her later messages join the survivor by themselves: her number is now one of its contacts
(`receiving`'s follow-up lookup finds her open incident by her number).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, insert, select, update

from suraksha.adapters.db import scope_filter
from suraksha.adapters.outbox import record
from suraksha.core.auth import Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, NotFound
from suraksha.incidents import events as ev
from suraksha.incidents import merge_model as rules
from suraksha.incidents import reading, replies
from suraksha.incidents.merge_model import MergeRules, Sighting
from suraksha.incidents.model import LOWEST_PRIORITY, NO_NUMBER, OPEN_STATUS_VALUES, IncidentStatus, check_reason
from suraksha.incidents.service import IncidentService
from suraksha.incidents.store import (
    inbound_messages,
    incident_contacts,
    incident_log,
    incident_merges,
    incidents,
    merge_rejections,
)
from suraksha.messaging.model import MessageKind
from suraksha.messaging.service import MessageService
from suraksha.stations.service import StationService

MAX_SUGGESTIONS = 20


class MergeService:
    def __init__(self, engine: Engine, clock: Clock, settings: Any, incidents: IncidentService,
                 messages: MessageService, stations: StationService) -> None:
        self._engine, self._clock, self._incidents, self._messages = engine, clock, incidents, messages
        self._stations = stations
        self.rules = MergeRules(float(settings.merge_radius_m), timedelta(minutes=settings.merge_window_minutes))

    # suggesting ------------------------------------------------------------------------------------
    def suggestions(self, principal: Principal, tracking: str) -> list[dict]:
        """Open incidents in scope that may be the same emergency as this one, nearest first (merge_model)."""
        with self._engine.connect() as conn:
            row = self._incidents.access_incident(conn, principal, tracking)
            if row.status not in OPEN_STATUS_VALUES or not row.location_known or row.lon is None:
                return []
            here = _sighting(row)
            found = [(rules.distance_m(here, _sighting(r)), r) for r in conn.execute(self._near(row, principal))]
        found = [(d, r) for d, r in found if rules.suggested(here, _sighting(r), self.rules)]
        found.sort(key=lambda pair: (pair[0], pair[1].received_at))
        return [_suggestion(r, d, row.received_at, self._station_name(r.station_id))
                for d, r in found[:MAX_SUGGESTIONS]]

    def _near(self, row: Any, principal: Principal) -> Any:
        """Open incidents with a known location in the square around this one and overlapping it in time, with no
        sender in common and not rejected as a pair: led by the open queue's index (status, priority, received)."""
        i, window = incidents.c, self.rules.window
        min_lon, min_lat, max_lon, max_lat = rules.box(row.lon, row.lat, self.rules.radius_m)
        mine, theirs = incident_contacts.alias("mine"), incident_contacts.alias("theirs")
        shared_sender = exists().where(theirs.c.incident_id == i.id, theirs.c.fingerprint.in_(
            select(mine.c.fingerprint).where(mine.c.incident_id == row.id).scalar_subquery()))
        r = merge_rejections.c
        q = select(incidents).where(
            i.status.in_(OPEN_STATUS_VALUES), i.priority.in_(range(1, LOWEST_PRIORITY + 1)),
            i.received_at <= row.last_message_at + window, i.last_message_at >= row.received_at - window,
            i.location_known.is_(True), i.lat.between(min_lat, max_lat), i.lon.between(min_lon, max_lon),
            i.id != row.id, ~shared_sender,
            i.id.not_in(select(r.second_id).where(r.first_id == row.id)),
            i.id.not_in(select(r.first_id).where(r.second_id == row.id)))
        return reading.scoped(q, principal).limit(200)

    def _station_name(self, station_id: int | None) -> str | None:
        try:
            return self._stations.get(station_id).name if station_id else None
        except NotFound:
            return None

    def suggested_in_queue(self, principal: Principal, limit: int = 500) -> list[str]:
        """The open incidents in scope that have at least one suggestion (the queue's badge): one self-join of the
        open queue, cut by a square, then the time overlap, the exact distance, senders and rejections (in Python: the
        times are compared the same way on both databases)."""
        a, b = incidents.alias("a"), incidents.alias("b")
        dlat = self.rules.radius_m / rules.METRES_PER_DEGREE_LAT
        dlon = dlat / 0.5  # up to 60 degrees of latitude a degree of longitude is at least half a degree's metres
        q = select(a.c.id.label("a_id"), a.c.tracking.label("a_t"), a.c.lon.label("a_lon"), a.c.lat.label("a_lat"),
                   a.c.received_at.label("a_at"), a.c.last_message_at.label("a_last"),
                   b.c.id.label("b_id"), b.c.tracking.label("b_t"), b.c.lon.label("b_lon"), b.c.lat.label("b_lat"),
                   b.c.received_at.label("b_at"), b.c.last_message_at.label("b_last")).where(
            a.c.status.in_(OPEN_STATUS_VALUES), a.c.priority.in_(range(1, LOWEST_PRIORITY + 1)),
            a.c.location_known.is_(True), b.c.location_known.is_(True), b.c.status.in_(OPEN_STATUS_VALUES),
            a.c.id < b.c.id, b.c.lat.between(a.c.lat - dlat, a.c.lat + dlat),
            b.c.lon.between(a.c.lon - dlon, a.c.lon + dlon),
            scope_filter(principal, station_id=a.c.station_id, city=a.c.city, state=a.c.state),
            scope_filter(principal, station_id=b.c.station_id, city=b.c.city, state=b.c.state)).limit(limit)
        with self._engine.connect() as conn:
            pairs = [r for r in conn.execute(q) if rules.suggested(
                Sighting(r.a_lon, r.a_lat, r.a_at, r.a_last), Sighting(r.b_lon, r.b_lat, r.b_at, r.b_last), self.rules)]
            ids = list({r.a_id for r in pairs} | {r.b_id for r in pairs})
            senders: dict[int, set[str]] = {}
            rejected: set[tuple[int, int]] = set()
            if ids:
                for incident_id, fingerprint in conn.execute(select(
                        incident_contacts.c.incident_id, incident_contacts.c.fingerprint)
                        .where(incident_contacts.c.incident_id.in_(ids))):
                    senders.setdefault(incident_id, set()).add(fingerprint)
                r = merge_rejections.c
                rejected = {(x, y) for x, y in conn.execute(select(r.first_id, r.second_id).where(r.first_id.in_(ids)))}
        found = {t for p in pairs if (p.a_id, p.b_id) not in rejected
                 and not senders.get(p.a_id, set()) & senders.get(p.b_id, set()) for t in (p.a_t, p.b_t)}
        return sorted(found)

    def reject(self, principal: Principal, tracking: str, other: str, reason: str = "") -> dict:
        """"Not the same": the pair is never suggested again; both timelines say who decided it."""
        why = _reason(reason)
        with self._engine.begin() as conn:
            a = self._incidents.access_incident(conn, principal, tracking, acting=True)
            b = self._incidents.access_incident(conn, principal, other, acting=True)
            rules.check_pair(a.tracking, b.tracking)
            first, second = rules.pair(a.id, b.id)
            r = merge_rejections.c
            if conn.execute(select(r.id).where(r.first_id == first, r.second_id == second)).first() is None:
                now = self._clock.now()
                conn.execute(insert(merge_rejections).values(first_id=first, second_id=second, at=now,
                                                             by=principal.username, reason=why))
                for this, that in ((a, b), (b, a)):
                    _log(conn, this.id, now, "merge_rejected", principal.username,
                         {"other": that.tracking, "reason": why})
                    record(conn, ev.from_row(ev.IncidentUpdated, this._mapping, change="merge_rejected"), now)
        return {"tracking": a.tracking, "other": b.tracking, "rejected": True}

    # merging ---------------------------------------------------------------------------------------
    def merge(self, principal: Principal, tracking: str, into: str, reason: str = "") -> dict:
        """Merge `tracking` (the duplicate) into `into` (the survivor); the survivor's view comes back."""
        why = _reason(reason)
        with self._engine.begin() as conn:
            dup = self._incidents.access_incident(conn, principal, tracking, acting=True)
            survivor = self._incidents.access_incident(conn, principal, into, acting=True)
            units = self._incidents.units.units_on(conn, dup.id) if self._incidents.units is not None else []
            rules.check_merge(dup.tracking, dup.status, survivor.tracking, survivor.status, len(units))
            now = self._clock.now()
            _claim(conn, dup, now, status=IncidentStatus.MERGED.value, merged_into=survivor.tracking,
                   proposed_lon=None, proposed_lat=None, proposed_at=None)
            contacts, message_ids = self._move_to(conn, dup, survivor)
            priority = rules.kept_priority(dup.priority, survivor.priority)
            _claim(conn, survivor, now, priority=priority,
                   last_message_at=max(survivor.last_message_at, dup.last_message_at))
            conn.execute(insert(incident_merges).values(
                duplicate_id=dup.id, survivor_id=survivor.id, merged_at=now, merged_by=principal.username,
                reason=why, contact_ids=[c.id for c in contacts], message_ids=message_ids, status_before=dup.status,
                priority_before=survivor.priority, priority_after=priority))
            moved = {"contacts": len(contacts), "messages": len(message_ids), "reason": why}
            _log(conn, dup.id, now, "merged_into", principal.username,
                 {"into": survivor.tracking, "status_before": dup.status, **moved})
            _log(conn, survivor.id, now, "merged_in", principal.username,
                 {"from": dup.tracking, "priority_from": survivor.priority, "priority_to": priority, **moved})
            body = replies.merged(dup.tracking, survivor.tracking, dup.language)
            for c in contacts:  # she is told once, on the channel she used, in her report's language
                if c.via != NO_NUMBER:
                    self._messages.queue(conn, survivor.id, c.phone_sealed, body, MessageKind.MERGED,
                                         channel=c.channel, via=c.via)
            record(conn, ev.from_row(ev.IncidentMerged, dup._mapping, into=survivor.tracking,
                                     by=principal.username), now)
            record(conn, ev.from_row(ev.IncidentUpdated, survivor._mapping, change="merged_in", priority=priority),
                   now)
        return self._incidents.view(principal, survivor.tracking, with_timeline=True)

    def _move_to(self, conn: Connection, dup: Any, survivor: Any) -> tuple[list[Any], list[int]]:
        """Her senders (those the survivor does not list already) and her messages, listed on the survivor."""
        ic = incident_contacts.c
        have = set(conn.execute(select(ic.fingerprint).where(ic.incident_id == survivor.id)).scalars())
        contacts = [c for c in conn.execute(select(incident_contacts).where(ic.incident_id == dup.id)
                                            .order_by(ic.id)) if c.fingerprint not in have]
        message_ids = list(conn.execute(select(inbound_messages.c.id).where(inbound_messages.c.incident_id == dup.id)
                                        .order_by(inbound_messages.c.id)).scalars())
        _move(conn, [c.id for c in contacts], message_ids, dup.id, survivor.id)
        return contacts, message_ids

    def unmerge(self, principal: Principal, tracking: str, reason: str) -> dict:
        """Undo the merge of `tracking`: what it moved goes back, its status is restored, and the survivor's
        priority too unless a person changed it since. The duplicate's view comes back."""
        why = check_reason(reason)
        with self._engine.begin() as conn:
            dup = self._incidents.access_incident(conn, principal, tracking, acting=True)
            rules.check_unmerge(dup.tracking, dup.status)
            m = conn.execute(select(incident_merges).where(incident_merges.c.duplicate_id == dup.id,
                                                          incident_merges.c.unmerged_at.is_(None))
                             .order_by(incident_merges.c.id.desc())).first()
            if m is None:  # merged without a record: not by this module
                raise Conflict(f"{dup.tracking} has no merge to undo", code="not_merged")
            survivor = self._incidents.access_incident(conn, principal, dup.merged_into, acting=True)
            rules.check_survivor_unmerged(survivor.tracking, survivor.status)
            now = self._clock.now()
            _claim(conn, dup, now, status=m.status_before, merged_into=None)
            _move(conn, list(m.contact_ids), list(m.message_ids), survivor.id, dup.id)
            priority = survivor.priority
            if survivor.priority == m.priority_after and m.priority_before != m.priority_after:
                priority = m.priority_before
                conn.execute(update(incidents).where(incidents.c.id == survivor.id)
                             .values(priority=priority, updated_at=now))
            conn.execute(update(incident_merges).where(incident_merges.c.id == m.id)
                         .values(unmerged_at=now, unmerged_by=principal.username, unmerge_reason=why))
            _log(conn, dup.id, now, "unmerged", principal.username,
                 {"from": survivor.tracking, "status": m.status_before, "reason": why})
            _log(conn, survivor.id, now, "merge_undone", principal.username,
                 {"from": dup.tracking, "priority_to": priority, "reason": why})
            record(conn, ev.from_row(ev.IncidentUnmerged, dup._mapping, into=survivor.tracking,
                                     status=m.status_before, by=principal.username), now)
            record(conn, ev.from_row(ev.IncidentUpdated, survivor._mapping, change="merge_undone",
                                     priority=priority), now)
        return self._incidents.view(principal, dup.tracking, with_timeline=True)


def _claim(conn: Connection, row: Any, at: datetime, **values: Any) -> None:
    """Change the incident only if nobody changed its status meanwhile (two call-takers at once)."""
    done = conn.execute(update(incidents).where(incidents.c.id == row.id, incidents.c.status == row.status)
                        .values(updated_at=at, **values))
    if done.rowcount != 1:
        raise Conflict(f"{row.tracking} changed meanwhile: look again", code="incident_changed")


def _move(conn: Connection, contact_ids: list[int], message_ids: list[int], source: int, target: int) -> None:
    if contact_ids:
        conn.execute(update(incident_contacts).where(and_(incident_contacts.c.id.in_(contact_ids),
                                                          incident_contacts.c.incident_id == source))
                     .values(incident_id=target))
    if message_ids:
        conn.execute(update(inbound_messages).where(and_(inbound_messages.c.id.in_(message_ids),
                                                         inbound_messages.c.incident_id == source))
                     .values(incident_id=target))


def _log(conn: Connection, incident_id: int, at: datetime, kind: str, actor: str, detail: dict) -> None:
    conn.execute(insert(incident_log).values(incident_id=incident_id, at=at, kind=kind, actor=actor, detail=detail))


def _reason(reason: str | None) -> str | None:
    text = " ".join((reason or "").split())[:500]
    return text or None


def _sighting(row: Any) -> Sighting:
    return Sighting(row.lon, row.lat, row.received_at, row.last_message_at)


def _suggestion(r: Any, distance_m: float, received_at: datetime, station_name: str | None) -> dict:
    return {"tracking": r.tracking, "priority": r.priority, "category": r.category, "status": r.status,
            "channel": r.channel, "station_id": r.station_id, "station_name": station_name,
            "received_at": reading.iso(r.received_at), "distance_m": round(distance_m),
            "minutes_apart": round(abs((r.received_at - received_at).total_seconds()) / 60)}
