"""Use cases of the incident's life: receive contacts, read with need-to-know, note, re-prioritise, transfer,
close, reopen, accept a later location; and the port dispatch uses to move an incident along with its units.

Verbs say what a function may do: `access_*` loads with the scope check, `check_*` validates, and every change
writes its log entry, its message to her and its event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Integer, and_, bindparam, insert, or_, select, text, update

from suraksha.adapters.bulk import BulkInsert
from suraksha.adapters.db import UtcDateTime
from suraksha.adapters.group_commit import GroupCommitWriter
from suraksha.adapters.outbox import record, record_many
from suraksha.core.auth import Locus, Principal, Role, may_see_contacts
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.ids import normalise_tracking_number
from suraksha.core.localtime import clock_time
from suraksha.core.privacy import Sealer
from suraksha.dispatch.ports import IncidentForDispatch
from suraksha.incidents import calls, model, reading, replies
from suraksha.incidents import events as ev
from suraksha.incidents.model import NO_NUMBER, ArrivingContact, Disposition, IncidentStatus
from suraksha.incidents.ports import Deadlines, UnitsOnIncident
from suraksha.incidents.receiving import Ack, commit_contacts
from suraksha.incidents.store import (
    ALARM_FIRST_WAIT,
    ALARM_REOPENED,
    dispositions,
    incident_contacts,
    incident_log,
    incidents,
)
from suraksha.incidents.triage import CATEGORIES
from suraksha.messaging.model import MessageKind
from suraksha.messaging.service import MessageService
from suraksha.stations.model import StationRef
from suraksha.stations.service import StationService
from suraksha.volunteers.ports import SosIncident, SosWaiting

_LOG_ROWS = BulkInsert(incident_log, ("incident_id", "at", "kind", "actor", "detail"))  # a batch's log rows at once
# The unassigned alarms due, each kind of wait by its partial index (incidents/store.py), oldest first. SQLite is
# told the index: without statistics its planner would walk the open queue's index through every alarmed P1.
_FIRST_WAITS_DUE = (f"SELECT id, received_at AS since FROM incidents WHERE {ALARM_FIRST_WAIT}"
                    " AND received_at <= :waited AND reopened_at IS NULL AND noise_kind IS NULL ORDER BY received_at")
_FIRST_WAITS_DUE_SQLITE = _FIRST_WAITS_DUE.replace("FROM incidents", "FROM incidents INDEXED BY ix_incidents_alarm_due")
_REOPENED_DUE = (f"SELECT id, reopened_at AS since FROM incidents WHERE {ALARM_REOPENED} AND reopened_at <= :waited"
                 " AND (unassigned_alarm_at IS NULL OR unassigned_alarm_at < reopened_at) AND noise_kind IS NULL"
                 " ORDER BY reopened_at")
_REOPENED_DUE_SQLITE = _REOPENED_DUE.replace("FROM incidents", "FROM incidents INDEXED BY ix_incidents_p1_reopened")
_WAITED = bindparam("waited", type_=UtcDateTime())
_DUE_COLUMNS = {"id": Integer(), "since": UtcDateTime()}

# An incident in these statuses has no unit on scene and is not closed: volunteers near it may still be called.
WITHOUT_A_UNIT_ON_SCENE = (IncidentStatus.NEW.value, IncidentStatus.DISPATCHED.value, IncidentStatus.EN_ROUTE.value)


class IncidentService:
    def __init__(self, engine: Engine, clock: Clock, settings: Any, stations: StationService,
                 messages: MessageService, sealer: Sealer, writer: GroupCommitWriter) -> None:
        self._engine, self._clock, self._settings = engine, clock, settings
        self._stations, self._messages, self._sealer, self._writer = stations, messages, sealer, writer
        self._window = timedelta(minutes=settings.followup_window_minutes)
        self.units: UnitsOnIncident | None = None  # dispatch, wired by the composition root
        self.targets: Deadlines | None = None  # response-time targets, wired by the composition root

    # receiving -------------------------------------------------------------------------------------
    def receive(self, contact: ArrivingContact) -> Ack:
        """Take one contact and return once it is durably stored."""
        return self._writer.execute(contact, self.store_batch)

    async def receive_async(self, contact: ArrivingContact) -> Ack:
        """The same from the event loop: the group-commit writer batches concurrent contacts."""
        return await self._writer.run(contact, self.store_batch)

    def store_batch(self, conn: Connection, items: list[ArrivingContact]) -> list[Ack]:
        return commit_contacts(conn, items, self._clock.now(), self._window, self._messages)

    # calls a call-taker logs (incidents.calls) -------------------------------------------------------
    def log_call(self, call: calls.LoggedCall) -> Ack:
        """A call-taker's call, committed with its people; returns once it is durably stored."""
        return self._writer.execute(call, self._store_calls)

    def _store_calls(self, conn: Connection, items: list[calls.LoggedCall]) -> list[Ack]:
        return calls.commit_calls(conn, items, self._clock.now(), self._window, self._messages, self._sealer)

    def as_logged(self, principal: Principal, tracking: str) -> dict:
        """What the call-taker who just logged a call is told of its incident, whether or not it fell in their area
        (a call about a place elsewhere goes to the station that covers it): no contact, no words."""
        with self._engine.connect() as conn:
            row = self._row_by_tracking(conn, tracking)
        return {"status": row.status, "priority": row.priority, "category": row.category, "noise_kind": row.noise_kind,
                "station_id": row.station_id, "station_name": self._station_name(row.station_id),
                "in_your_area": principal.covers(_locus(row))}

    def _row_by_tracking(self, conn: Connection, tracking: str) -> Any:
        row = conn.execute(select(incidents).where(incidents.c.tracking == tracking)).first()
        if row is None:
            raise NotFound(f"no incident {tracking}", code="incident_not_found")
        return row

    def earlier_from(self, principal: Principal, number: str) -> list[dict]:
        """The incidents in scope this number contacted us about before, newest first (the call-taker's screen)."""
        with self._engine.connect() as conn:
            rows = calls.earlier_from(conn, self._sealer.fingerprint(number), principal)
        return [self._view(r) for r in rows]

    # reading ---------------------------------------------------------------------------------------
    def access_incident(self, conn: Connection, principal: Principal | None, tracking: str, *,
                        acting: bool = False) -> Any:
        """The incident's row if the principal's scope covers it; outside it, reads see no hint that it exists."""
        tracking = normalise_tracking_number(tracking)
        row = conn.execute(select(incidents).where(incidents.c.tracking == tracking)).first()
        if row is None:
            raise NotFound(f"no incident {tracking}", code="incident_not_found")
        if principal is None or principal.covers(_locus(row)):
            return row
        if acting:
            raise Forbidden(f"incident {tracking} is outside your area", code="out_of_scope")
        raise NotFound(f"no incident {tracking}", code="incident_not_found")

    def need_to_know(self, conn: Connection, principal: Principal, incident_id: int) -> bool:
        mine = False
        if principal.role is Role.RESPONDER and principal.unit_id is not None and self.units is not None:
            mine = principal.unit_id in {u for u, _ in self.units.units_on(conn, incident_id)}
        return may_see_contacts(principal, unit_assigned_to_me=mine)

    def view(self, principal: Principal, tracking: str, *, with_timeline: bool = False) -> dict:
        """One incident as this principal may see it: her contacts and words only with need-to-know."""
        with self._engine.connect() as conn:
            row = self.access_incident(conn, principal, tracking)
            body = self._view(row)
            allowed = self.need_to_know(conn, principal, row.id)
            outbound = self._messages.for_incident(row.id, conn)
            if allowed:
                body["contacts"], body["messages"] = reading.contacts_and_messages(conn, row.id, self._sealer)
                body["outbound"] = outbound
                body["people"] = calls.people_on(conn, row.id, self._sealer)
            else:
                body["contacts"], body["contacts_withheld"] = None, True
            if with_timeline:
                body["timeline"] = reading.timeline(conn, row.id, outbound, self._sealer, need_to_know=allowed)
            body["units"] = [{"unit_id": u, "call_sign": c} for u, c in self._units_on(conn, row.id)]
        return body

    def timeline(self, principal: Principal, tracking: str) -> list[dict]:
        with self._engine.connect() as conn:
            row = self.access_incident(conn, principal, tracking)
            allowed = self.need_to_know(conn, principal, row.id)
            return reading.timeline(conn, row.id, self._messages.for_incident(row.id, conn), self._sealer,
                                    need_to_know=allowed)

    def list_open(self, principal: Principal, limit: int = 200) -> list[dict]:
        """The queue: open incidents in the principal's scope that are not noise (docs/adr/0009); a number calling
        back after a blank or silent contact first, then by priority and age."""
        i = incidents.c
        q = reading.scoped(select(incidents).where(i.status.in_(model.OPEN_STATUS_VALUES), i.noise_kind.is_(None)),
                           principal)
        with self._engine.connect() as conn:
            rows = conn.execute(q.order_by(i.callback_after_blank.desc(), i.priority, i.received_at).limit(limit)).all()
        return [self._view(r) for r in rows]

    def search(self, principal: Principal, *, tracking: str = "", station_id: int | None = None,
               status: str | None = None, disposition: str | None = None, since: datetime | None = None,
               until: datetime | None = None, limit: int = 100) -> list[dict]:
        """Incidents in scope by tracking number, station, status, disposition and date received (newest first)."""
        q = reading.scoped(select(incidents), principal)
        if tracking.strip():
            q = q.where(incidents.c.tracking == normalise_tracking_number(tracking))
        if station_id is not None:
            q = q.where(incidents.c.station_id == station_id)
        if status:
            q = q.where(incidents.c.status == status)
        if disposition:
            q = q.where(incidents.c.disposition_code == disposition)
        if since is not None:
            q = q.where(incidents.c.received_at >= since)
        if until is not None:
            q = q.where(incidents.c.received_at < until)
        with self._engine.connect() as conn:
            rows = conn.execute(q.order_by(incidents.c.received_at.desc(), incidents.c.id.desc()).limit(limit)).all()
        return [self._view(r) for r in rows]

    def open_in_scope(self, principal: Principal) -> list[dict]:
        """Every open incident in scope (priority, station_id, city, received_at): the wallboard counts them."""
        with self._engine.connect() as conn:
            return reading.open_in_scope(conn, principal, model.OPEN_STATUS_VALUES)

    def times_since(self, principal: Principal, since: datetime) -> list[dict]:
        """Incidents in scope received since `since` with received/first action/first dispatch/arrival times and
        their deadline (`respond_by`, `target_minutes`): the wallboard's response-time figures."""
        with self._engine.connect() as conn:
            rows = reading.times_since(conn, principal, since)
        for r in rows:
            r["station_name"] = self._station_name(r["station_id"])
            r |= (self.targets.for_incident(r["state"], r["station_id"], r["priority"], r["category"],
                                            r["received_at"]) if self.targets is not None
                  else {"respond_by": None, "target_minutes": None})
        return rows

    def public_status(self, tracking: str) -> dict | None:
        """What /track shows her: status, station, times and the outcome in plain words; nothing about anyone."""
        tracking = normalise_tracking_number(tracking)
        with self._engine.connect() as conn:
            r = conn.execute(select(incidents).where(incidents.c.tracking == tracking)).first()
            if r is None:
                return None
            outcome = self.disposition(r.disposition_code, conn).outcome if r.disposition_code else None
        return {"tracking": r.tracking, "status": r.status, "station_name": self._station_name(r.station_id),
                "received_at": r.received_at, "first_dispatched_at": r.first_dispatched_at,
                "arrived_at": r.arrived_at, "closed_at": r.closed_at, "outcome": outcome,
                "zone": self._settings.zone_for(r.city)}

    def dispositions(self, active_only: bool = True) -> list[Disposition]:
        q = select(dispositions).order_by(dispositions.c.position, dispositions.c.code)
        if active_only:
            q = q.where(dispositions.c.active.is_(True))
        with self._engine.connect() as conn:
            return [Disposition(r.code, r.label, r.outcome) for r in conn.execute(q)]

    def disposition(self, code: str, conn: Connection | None = None) -> Disposition:
        """One disposition by code (in the caller's transaction, if given: SQLite has one writer)."""
        if conn is None:
            with self._engine.connect() as own:
                return self.disposition(code, own)
        r = conn.execute(select(dispositions).where(dispositions.c.code == code)).first()
        if r is None:
            raise InvalidInput(f"unknown disposition {code!r}", code="unknown_disposition")
        return Disposition(r.code, r.label, r.outcome)

    # the incident's life ---------------------------------------------------------------------------
    def add_note(self, principal: Principal, tracking: str, text: str) -> dict:
        note = model.check_note(text)
        with self._change(principal, tracking) as (conn, row, now):
            self._log(conn, row.id, now, "note", principal.username, {"text": note})
            record(conn, ev.from_row(ev.IncidentNoted, row._mapping, by=principal.username), now)
        return self.view(principal, tracking, with_timeline=True)

    def change_priority(self, principal: Principal, tracking: str, priority: int, reason: str) -> dict:
        """A person sets the priority, up or down; who and why are recorded."""
        return self._reclassify(principal, tracking, "priority", model.check_priority(priority), reason)

    def change_category(self, principal: Principal, tracking: str, category: str, reason: str) -> dict:
        if category not in CATEGORIES:
            raise InvalidInput(f"unknown category {category!r}", code="unknown_category", categories=CATEGORIES)
        return self._reclassify(principal, tracking, "category", category, reason)

    def _reclassify(self, principal: Principal, tracking: str, field: str, value: Any, reason: str) -> dict:
        why = model.check_reason(reason)
        with self._change(principal, tracking, open_only=True) as (conn, row, now):
            before = getattr(row, field)
            if value != before:
                self._set(conn, row, now, **{field: value})
                self._log(conn, row.id, now, f"{field}_changed", principal.username,
                          {"from": before, "to": value, "reason": why})
                record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change=field, **{field: value}), now)
        return self.view(principal, tracking, with_timeline=True)

    def transfer(self, principal: Principal, tracking: str, station_id: int, reason: str) -> dict:
        """Hand the incident to another station in one action: its consoles see it live, the old ones drop it."""
        why = model.check_reason(reason)
        target = self._stations.get(station_id)
        with self._change(principal, tracking, open_only=True) as (conn, row, now):
            if target.id == row.station_id:
                raise Conflict(f"{target.name} already handles it", code="same_station")
            self._set(conn, row, now, station_id=target.id, city=target.city, state=target.state)
            self._log(conn, row.id, now, "transferred", principal.username,
                      {"from_station_id": row.station_id, "to_station_id": target.id, "to": target.name,
                       "reason": why})
            self._tell_her(conn, row.id, replies.transferred(row.tracking, target.name_in(row.language), row.language),
                           MessageKind.TRANSFERRED)
            record(conn, ev.IncidentTransferred(
                tracking=row.tracking, station_id=target.id, city=target.city, state=target.state,
                from_station_id=row.station_id, from_city=row.city, from_state=row.state, reason="transfer"), now)
        return self.view(principal, tracking, with_timeline=True) if principal.covers(_locus_of(target)) \
            else {"tracking": row.tracking, "station_id": target.id, "station_name": target.name, "transferred": True}

    def close(self, principal: Principal | None, tracking: str, disposition: str, note: str = "") -> dict:
        """Close at any stage with a disposition; units still on it are stood down; she is told."""
        chosen = self.disposition(disposition)
        text = (note or "").strip()[:2000]
        released: list[tuple[int, str]] = []
        with self._change(principal, tracking, open_only=True) as (conn, row, now):
            if self.units is not None:
                released = self.units.stand_down(conn, row.id, now, f"incident closed: {chosen.label}")
            for _, call_sign in released:
                self._log(conn, row.id, now, "unit_cleared", call_sign, {"call_sign": call_sign, "stood_down": True})
            self._close(conn, row, now, chosen, principal.username if principal else "system", text)
        if released and self.units is not None:
            self.units.after_stand_down([unit_id for unit_id, _ in released])
        return self.view(principal, tracking, with_timeline=True) if principal else {"tracking": tracking}

    def reopen(self, principal: Principal, tracking: str, reason: str) -> dict:
        why = model.check_reason(reason)
        with self._change(principal, tracking) as (conn, row, now):
            if row.status != IncidentStatus.CLOSED.value:
                raise Conflict(f"incident {row.tracking} is open", code="incident_open")
            self._set(conn, row, now, status=IncidentStatus.NEW.value, unassigned_alarm_at=None, closed_at=None,
                      disposition=None,
                      disposition_code=None, closed_by=None, reopened_at=now)
            self._log(conn, row.id, now, "reopened", principal.username, {"reason": why})
            self._tell_her(conn, row.id, replies.reopened(row.tracking, row.language), MessageKind.REOPENED)
            record(conn, ev.from_row(ev.IncidentReopened, row._mapping, by=principal.username), now)
        return self.view(principal, tracking, with_timeline=True)

    def accept_location(self, principal: Principal, tracking: str) -> dict:
        """Take the proposed location; the units on the incident are told where to go now."""
        with self._change(principal, tracking, open_only=True) as (conn, row, now):
            if row.proposed_lon is None:
                raise Conflict("no location is waiting to be accepted", code="no_proposed_location")
            lon, lat = row.proposed_lon, row.proposed_lat
            self._set(conn, row, now, lon=lon, lat=lat, location_known=True, proposed_lon=None,
                      proposed_lat=None, proposed_at=None)
            units = self._units_on(conn, row.id)
            self._log(conn, row.id, now, "location_accepted", principal.username,
                      {"from": [row.lon, row.lat], "to": [lon, lat], "units_told": [c for _, c in units]})
            record(conn, ev.from_row(ev.IncidentLocationChanged, row._mapping, lon=lon, lat=lat,
                                unit_ids=tuple(u for u, _ in units)), now)
        return self.view(principal, tracking, with_timeline=True)

    def dismiss_location(self, principal: Principal, tracking: str, reason: str) -> dict:
        why = model.check_reason(reason)
        with self._change(principal, tracking, open_only=True) as (conn, row, now):
            if row.proposed_lon is None:
                raise Conflict("no location is waiting to be accepted", code="no_proposed_location")
            self._set(conn, row, now, proposed_lon=None, proposed_lat=None, proposed_at=None)
            self._log(conn, row.id, now, "location_dismissed", principal.username,
                      {"proposed": [row.proposed_lon, row.proposed_lat], "reason": why})
            record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change="location_dismissed"), now)
        return self.view(principal, tracking, with_timeline=True)

    # messages to her that could not be delivered: never silently abandoned ---------------------------
    def message_dead(self, conn: Connection, incident_id: int, message_id: int, kind: str, error: str) -> None:
        """Messaging gave a message up (same transaction): on the timeline, and every console in scope is told."""
        row = self._row(conn, incident_id)
        now = self._clock.now()
        self._log(conn, incident_id, now, "message_failed", None, {"message_id": message_id, "kind": kind,
                                                                   "error": error})
        record(conn, ev.from_row(ev.IncidentMessageUndelivered, row._mapping, message_id=message_id, kind=kind), now)

    def undelivered(self, principal: Principal) -> list[dict]:
        """Incidents in scope with messages to her that wait for a person (retry, or reached another way)."""
        waiting = self._messages.dead_letter_incidents()
        if not waiting:
            return []
        q = reading.scoped(select(incidents).where(incidents.c.id.in_(list(waiting))), principal)
        with self._engine.connect() as conn:
            rows = conn.execute(q.order_by(incidents.c.priority, incidents.c.received_at)).all()
        return [reading.incident_view(r, self._station_name(r.station_id)) | {"undelivered": waiting[r.id]}
                for r in rows]

    def retry_message(self, principal: Principal, tracking: str, message_id: int) -> dict:
        with self._change(principal, tracking) as (conn, row, now):
            self._messages.retry(conn, row.id, message_id)
            self._log(conn, row.id, now, "message_retried", principal.username, {"message_id": message_id})
        return self.view(principal, tracking, with_timeline=True)

    def message_reached_otherwise(self, principal: Principal, tracking: str, message_id: int, how: str) -> dict:
        why = model.check_reason(how, "how she was reached")
        with self._change(principal, tracking) as (conn, row, now):
            self._messages.reached_otherwise(conn, row.id, message_id, why)
            self._log(conn, row.id, now, "message_settled", principal.username,
                      {"message_id": message_id, "how": why})
        return self.view(principal, tracking, with_timeline=True)

    # the port dispatch uses (same transaction as the unit's change) ---------------------------------
    def incident_for_dispatch(self, conn: Connection, tracking: str) -> IncidentForDispatch:
        r = self.access_incident(conn, None, tracking)
        due = None
        if self.targets is not None:
            when = self.targets.for_incident(r.state, r.station_id, r.priority, r.category, r.received_at)["respond_by"]
            due = datetime.fromisoformat(when) if when else None
        return IncidentForDispatch(r.id, r.tracking, r.station_id, r.city, r.lon, r.lat, r.location_known,
                                   r.status, r.priority, r.received_at, r.state, due, noise_kind=r.noise_kind)

    def unit_dispatched(self, conn: Connection, incident_id: int, call_sign: str, at: datetime) -> None:
        row = self._row(conn, incident_id)
        if row.noise_kind is not None:
            raise Conflict(f"incident {row.tracking} is marked as noise: mark it genuine first",
                           code="incident_is_noise")
        values: dict[str, Any] = {}
        if row.status == IncidentStatus.NEW.value:
            values.update(status=IncidentStatus.DISPATCHED.value, first_dispatched_at=at)
        self._unit_step(conn, row, at, "unit_dispatched", call_sign, values)
        self._tell_her(conn, incident_id, replies.unit_dispatched(row.tracking, call_sign, row.language),
                       MessageKind.UNIT_DISPATCHED)

    def fir_registered(self, conn: Connection, principal: Principal, tracking: str, fir_number: str,
                       at: datetime) -> dict:
        """An FIR was registered from this incident (the case side's transaction): the scope is checked for the
        principal, the FIR goes on the incident's timeline and consoles in scope refresh. The incident's tracking
        number, status and receipt come back for the case to link."""
        row = self.access_incident(conn, principal, tracking, acting=True)
        self._log(conn, row.id, at, "fir_registered", principal.username, {"fir_number": fir_number})
        record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change="fir_registered"), at)
        return {"tracking": row.tracking, "status": row.status, "received_at": row.received_at,
                "station_id": row.station_id}

    def linked_incident(self, principal: Principal, tracking: str) -> dict | None:
        """An incident a case links to, as the case's page shows it (None outside the principal's scope)."""
        with self._engine.connect() as conn:
            try:
                row = self.access_incident(conn, principal, tracking)
            except NotFound:
                return None
        return {"tracking": row.tracking, "status": row.status, "received_at": row.received_at,
                "station_id": row.station_id}

    def deadline_at_risk(self, conn: Connection, incident_id: int, at: datetime, detail: dict) -> None:
        self._log(conn, incident_id, at, "deadline_at_risk", None, detail)

    def unit_acknowledged(self, conn: Connection, incident_id: int, call_sign: str, at: datetime) -> None:
        self._unit_step(conn, self._row(conn, incident_id), at, "unit_acknowledged", call_sign, {})

    def unit_released(self, conn: Connection, incident_id: int, call_sign: str, at: datetime, reason: str,
                      last_unit: bool) -> None:
        """A unit left without clearing the scene (it did not acknowledge, or was re-tasked). With the last one an
        open incident waits for a unit again: back to new, and its unassigned alarm may sound again."""
        row = self._row(conn, incident_id)
        values: dict[str, Any] = {}
        if last_unit and row.status != IncidentStatus.CLOSED.value:
            values = {"status": IncidentStatus.NEW.value, "unassigned_alarm_at": None}
        if values:
            self._set(conn, row, at, **values)
        self._log(conn, row.id, at, "unit_released", call_sign, {"call_sign": call_sign, "reason": reason[:300]})
        record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change="unit_released", call_sign=call_sign,
                                 status=values.get("status", row.status)), at)

    def _alarms_due(self, conn: Connection, now: datetime, limit: int | None) -> list[int]:
        """The P1s whose wait without a unit has passed the alarm's time and not alarmed, longest wait first: a
        first wait (by `received_at`) or a wait since a reopening (by `reopened_at`, alarmed before it or never),
        each read by its partial index."""
        waited = now - timedelta(seconds=self._settings.unassigned_alarm_seconds)
        sqlite = conn.dialect.name == "sqlite"
        rows: list[Any] = []
        for sql in ((_FIRST_WAITS_DUE_SQLITE, _REOPENED_DUE_SQLITE) if sqlite else (_FIRST_WAITS_DUE, _REOPENED_DUE)):
            q = text(sql + ("" if limit is None else " LIMIT :limit")).bindparams(_WAITED).columns(**_DUE_COLUMNS)
            rows += conn.execute(q, {"waited": waited} if limit is None else {"waited": waited, "limit": limit}).all()
        rows.sort(key=lambda r: (r.since, r.id))
        return [r.id for r in rows[:limit]]

    def unassigned_alarms_due(self) -> int:
        """How many P1s have waited without a unit past the alarm's time and not alarmed yet (the metrics)."""
        with self._engine.connect() as conn:
            return len(self._alarms_due(conn, self._clock.now(), None))

    def alarm_unassigned(self, limit: int = 200) -> int:
        """Every P1 still without a unit after `unassigned_alarm_seconds` alarms the consoles in its scope, once per
        wait. The incident row is the timer: claimed by a conditional update in the transaction that raises the
        alarm, so exactly one process raises it, and a restart loses none. The alarms due are raised together, in
        one transaction through intake's group-commit writer (sharing its commits), a statement per table: not one
        transaction, one fsync and one turn at SQLite's write lock per incident, which kept intake's commits
        waiting when many were due."""
        now = self._clock.now()
        with self._engine.connect() as conn:
            due = self._alarms_due(conn, now, limit)
        if not due:
            return 0
        i = incidents.c
        still_waiting = and_(or_(text(ALARM_FIRST_WAIT),
                                 and_(text(ALARM_REOPENED), i.unassigned_alarm_at < i.reopened_at)),
                             i.noise_kind.is_(None))

        def raise_alarms(conn: Connection) -> int:
            claimed = sorted(conn.execute(update(incidents).where(i.id.in_(due), still_waiting)
                                          .values(unassigned_alarm_at=now).returning(*incidents.c)),
                             key=lambda r: due.index(r.id))
            waits = [int((now - (r.reopened_at or r.received_at)).total_seconds()) for r in claimed]
            _LOG_ROWS.execute(conn, [{"incident_id": r.id, "at": now, "kind": "unassigned_alarm", "actor": None,
                                        "detail": {"seconds": seconds}} for r, seconds in zip(claimed, waits)])
            record_many(conn, [(ev.from_row(ev.IncidentUnassignedAlarm, r._mapping, waiting_seconds=seconds), now)
                               for r, seconds in zip(claimed, waits)])
            return len(claimed)

        return self._writer.execute(raise_alarms)

    # volunteers near an SOS: the port volunteers uses (volunteers.ports.SosIncidents) -----------------------
    def sos_waiting(self, since: datetime, after: tuple[datetime, int] | None, limit: int) -> list[SosWaiting]:
        """P1 incidents with her location known, received since `since`, with no unit on scene and not closed,
        oldest first (by receipt, then id), from just after `after` (the last of the caller's previous page): their
        keys, read from the open queue's index without the rows."""
        i = incidents.c
        # the page's lower bound on receipt, one range of the open queue's index (a cursor's OR alone is not one:
        # each page would read and sort the whole window again)
        lower = since if after is None else max(since, after[0])
        q = select(i.received_at, i.id).where(i.status.in_(WITHOUT_A_UNIT_ON_SCENE), i.priority == 1,
                                              i.location_known.is_(True), i.received_at >= lower,
                                              i.noise_kind.is_(None))  # a test or prank alert calls no volunteer
        if after is not None:
            q = q.where(or_(i.received_at > after[0], and_(i.received_at == after[0], i.id > after[1])))
        with self._engine.connect() as conn:
            return [SosWaiting(r.received_at, r.id) for r in conn.execute(q.order_by(i.received_at, i.id).limit(limit))]

    def sos_incidents(self, conn: Connection, ids: Collection[int]) -> dict[int, SosIncident]:
        if not ids:
            return {}
        return {r.id: _sos(r) for r in conn.execute(select(incidents).where(incidents.c.id.in_(list(ids))))}

    def sos_incident_for(self, principal: Principal, tracking: str) -> SosIncident:
        with self._engine.connect() as conn:
            return _sos(self.access_incident(conn, principal, tracking))

    def volunteers_alerted(self, conn: Connection, incident_id: int, at: datetime, detail: dict) -> None:
        row = self._row(conn, incident_id)
        self._log(conn, row.id, at, "volunteers_alerted", None, detail)
        record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change="volunteers_alerted"), at)

    def volunteer_answered(self, conn: Connection, incident_id: int, at: datetime, volunteer: str, accepted: bool,
                           detail: dict) -> None:
        row = self._row(conn, incident_id)
        kind = "volunteer_accepted" if accepted else "volunteer_declined"
        self._log(conn, row.id, at, kind, volunteer, detail)
        record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change=kind), at)

    def unit_en_route(self, conn: Connection, incident_id: int, call_sign: str, at: datetime) -> None:
        row = self._row(conn, incident_id)
        values = {}
        if row.status in (IncidentStatus.NEW.value, IncidentStatus.DISPATCHED.value):
            values["status"] = IncidentStatus.EN_ROUTE.value
        self._unit_step(conn, row, at, "unit_en_route", call_sign, values)

    def unit_arrived(self, conn: Connection, incident_id: int, call_sign: str, at: datetime) -> None:
        row = self._row(conn, incident_id)
        values: dict[str, Any] = {"status": IncidentStatus.ON_SCENE.value}
        first = row.arrived_at is None
        if first:
            values.update(arrived_at=at, response_seconds=model.response_seconds(row.received_at, at))
        self._unit_step(conn, row, at, "unit_arrived", call_sign, values)
        if first:
            self._tell_her(conn, incident_id, replies.unit_arrived(row.tracking, call_sign, row.language),
                           MessageKind.UNIT_ARRIVED)

    def unit_cleared(self, conn: Connection, incident_id: int, call_sign: str, at: datetime, last_unit: bool,
                     disposition: str | None = None) -> None:
        """A unit cleared; with the last one the incident closes, she is told: with the crew's disposition if it
        gave one (checked even when other units stay on it), else as attended and resolved."""
        chosen = self.disposition(disposition, conn) if disposition else None
        row = self._row(conn, incident_id)
        self._unit_step(conn, row, at, "unit_cleared", call_sign, {})
        if last_unit and row.status != IncidentStatus.CLOSED.value:
            resolved = chosen or self.disposition("attended_resolved", conn)
            self._close(conn, self._row(conn, incident_id), at, resolved, call_sign, "")

    def incident_for_crew(self, conn: Connection, incident_id: int, principal: Principal) -> dict:
        """What the crew of a unit on this incident needs (dispatch has checked that its unit is on it): no
        message texts, her numbers only by the need-to-know rule."""
        row = self._row(conn, incident_id)
        contacts = None
        if self.need_to_know(conn, principal, row.id):
            contacts = [c["phone"] for c in reading.contacts_and_messages(conn, row.id, self._sealer)[0]]
        known = bool(row.location_known) and row.lon is not None
        return {"tracking": row.tracking, "priority": row.priority, "category": row.category, "status": row.status,
                "station_id": row.station_id, "station_name": self._station_name(row.station_id),
                "location_known": known, "lon": row.lon if known else None, "lat": row.lat if known else None,
                "received_at": row.received_at, "contacts": contacts}

    # helpers ---------------------------------------------------------------------------------------
    @contextmanager
    def _change(self, principal: Principal | None, tracking: str, *,
                open_only: bool = False) -> Iterator[tuple[Connection, Any, datetime]]:
        """`with self._change(principal, tracking) as (conn, row, now)`: one transaction, the scope checked."""
        with self._engine.begin() as conn:
            row = self.access_incident(conn, principal, tracking, acting=True)
            if open_only:
                model.check_open(row.status, row.tracking)
            yield conn, row, self._clock.now()

    def _close(self, conn: Connection, row: Any, now: datetime, chosen: Disposition, by: str, note: str) -> None:
        self._set(conn, row, now, status=IncidentStatus.CLOSED.value, closed_at=now, disposition=chosen.label,
                  disposition_code=chosen.code, closed_by=by[:64], proposed_lon=None, proposed_lat=None,
                  proposed_at=None)
        self._log(conn, row.id, now, "closed", by, {"disposition": chosen.code, "label": chosen.label,
                                                   "note": note, "status_before": row.status})
        when = clock_time(now, self._settings.zone_for(row.city))
        self._tell_her(conn, row.id, replies.closed(row.tracking, chosen.outcome, when, row.language),
                       MessageKind.CLOSED)
        record(conn, ev.from_row(ev.IncidentClosed, row._mapping, disposition=chosen.code, by=by), now)

    def _unit_step(self, conn: Connection, row: Any, at: datetime, change: str, call_sign: str,
                   values: dict) -> None:
        if values:
            self._set(conn, row, at, **values)
        self._log(conn, row.id, at, change, call_sign, {"call_sign": call_sign})
        record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change=change, call_sign=call_sign,
                            status=values.get("status", row.status),
                            response_seconds=values.get("response_seconds")), at)

    def _set(self, conn: Connection, row: Any, at: datetime, **values: Any) -> None:
        conn.execute(update(incidents).where(incidents.c.id == row.id).values(updated_at=at, **values))

    def _log(self, conn: Connection, incident_id: int, at: datetime, kind: str, actor: str | None,
             detail: dict) -> None:
        conn.execute(insert(incident_log).values(incident_id=incident_id, at=at, kind=kind, actor=actor,
                                                 detail=detail))

    def _tell_her(self, conn: Connection, incident_id: int, body: str, kind: MessageKind) -> None:
        """Queue a message to every number of hers on this incident, on the channel she used."""
        for c in conn.execute(select(incident_contacts).where(incident_contacts.c.incident_id == incident_id)):
            if c.via == NO_NUMBER:  # a panic button with no number of hers: her app shows the incident's status
                continue
            self._messages.queue(conn, incident_id, c.phone_sealed, body, kind, channel=c.channel, via=c.via)

    def view_of(self, row: Any) -> dict:
        """An incident's row as lists show it (for the other use-case modules of incidents: noise.py)."""
        return self._view(row)

    def _view(self, row: Any) -> dict:
        """An incident as lists and details show it, with its deadline: received + its response-time target."""
        body = reading.incident_view(row, self._station_name(row.station_id))
        if self.targets is not None:
            body |= self.targets.for_incident(row.state, row.station_id, row.priority, row.category, row.received_at)
        return body

    def _units_on(self, conn: Connection, incident_id: int) -> list[tuple[int, str]]:
        return self.units.units_on(conn, incident_id) if self.units is not None else []

    def _row(self, conn: Connection, incident_id: int) -> Any:
        row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
        if row is None:
            raise NotFound(f"no incident {incident_id}", code="incident_not_found")
        return row

    def _station_name(self, station_id: int | None) -> str | None:
        try:
            return self._stations.get(station_id).name if station_id else None
        except NotFound:
            return None


def _locus(row: Any) -> Locus:
    return Locus(row.station_id, row.city, row.state)


def _sos(row: Any) -> SosIncident:
    return SosIncident(row.id, row.station_id, row.city, row.state, row.priority, row.category, row.status,
                       row.location_known, row.lon if row.location_known else None,
                       row.lat if row.location_known else None, row.received_at)


def _locus_of(station: StationRef) -> Locus:
    return Locus(station.id, station.city, station.state)
