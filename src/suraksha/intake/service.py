"""Use cases for intake: a message becomes an incident (or joins one), and the incident's life as others see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, or_, select, true, update

from suraksha.accounts.model import Principal, ScopeKind
from suraksha.adapters.outbox import record_event
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, NotFound
from suraksha.core.ids import normalise_tracking_number
from suraksha.dispatch.ports import IncidentForDispatch
from suraksha.intake import replies
from suraksha.intake.model import OPEN_STATUS_VALUES, InboundSms, IncidentStatus, parse_location, response_seconds
from suraksha.intake.store import inbound_messages, incident_contacts, incidents
from suraksha.intake.triage import triage
from suraksha.intake.batch import Ack, commit_messages
from suraksha.intake.writer import IntakeWriter
from suraksha.messaging.model import MessageKind
from suraksha.messaging.service import MessageService
from suraksha.stations.model import CITY_STATE, HelplineKind, Match, StationRef
from suraksha.stations.service import StationService


@dataclass(frozen=True)
class Prepared:
    """Everything about a message that needs no database: worked out before the commit queue."""

    sms: InboundSms
    station: StationRef | None
    helpline: HelplineKind | None
    match: str
    location_known: bool
    lon: float | None
    lat: float | None
    priority: int
    category: str
    fingerprint: str
    phone_sealed: str
    body_sealed: str


class IntakeService:
    def __init__(self, engine: Engine, clock: Clock, settings, stations: StationService,
                 messages: MessageService, writer: IntakeWriter) -> None:
        self._engine, self._clock, self._stations, self._messages = engine, clock, stations, messages
        self._writer = writer
        self._window = timedelta(minutes=settings.followup_window_minutes)
        self._sealer = messages.sealer

    # receiving -------------------------------------------------------------------------------------
    def receive_sms(self, sms: InboundSms) -> Ack:
        """Take one message and return once it is durably stored."""
        return self._writer.execute(self.prepare(sms), self.store_batch)

    async def receive_sms_async(self, sms: InboundSms) -> Ack:
        """The same, for the webhook: the commit queue batches concurrent messages into one transaction."""
        return await self._writer.run(self.prepare(sms), self.store_batch)

    def store_batch(self, conn: Connection, items: list[Prepared]) -> list[Ack]:
        return commit_messages(conn, items, self._clock.now(), self._window, self._messages)

    def prepare(self, sms: InboundSms) -> Prepared:
        """The work that needs no database: location, jurisdiction, triage, sealing."""
        by_number = self._stations.by_number(sms.to)
        station, helpline = by_number if by_number else (None, None)
        point = parse_location(sms.body)
        if point is None and sms.latitude is not None and sms.longitude is not None:
            point = parse_location(f"geo:{sms.latitude},{sms.longitude}")
        match = Match.NONE.value if station is None else "helpline"
        lon = lat = None
        if point is not None:
            res = self._stations.resolve(point.lon, point.lat)
            station, match, lon, lat = res.station or station, res.match.value, point.lon, point.lat
        elif station is not None:
            lon, lat = station.anchor.lon, station.anchor.lat
        t = triage(sms.body, women_helpline=helpline is HelplineKind.WOMEN)
        return Prepared(sms, station, helpline, match, point is not None, lon, lat, t.priority, t.category,
                         self._sealer.fingerprint(sms.sender), self._sealer.seal(sms.sender),
                         self._sealer.seal(sms.body))

    # reading ---------------------------------------------------------------------------------------
    def list_open(self, principal: Principal, limit: int = 200) -> list[dict]:
        """The queue: open incidents in the principal's scope, by priority and then age."""
        q = (select(incidents).where(incidents.c.status.in_(OPEN_STATUS_VALUES), _scope_filter(principal))
             .order_by(incidents.c.priority, incidents.c.received_at).limit(limit))
        with self._engine.connect() as conn:
            rows = conn.execute(q).all()
        return [self._public_view(r) for r in rows]

    def load(self, tracking: str) -> dict:
        """An incident without contacts or message texts (callers add those by need-to-know)."""
        tracking = normalise_tracking_number(tracking)
        with self._engine.connect() as conn:
            row = conn.execute(select(incidents).where(incidents.c.tracking == tracking)).first()
        if row is None:
            raise NotFound(f"no incident {tracking}", code="incident_not_found")
        return self._public_view(row) | {"id": row.id}

    def contacts_and_messages(self, incident_id: int) -> tuple[list[dict], list[dict]]:
        """Victim's numbers and message texts: only for callers who passed the need-to-know check."""
        with self._engine.connect() as conn:
            contacts = conn.execute(select(incident_contacts).where(incident_contacts.c.incident_id == incident_id)
                                    .order_by(incident_contacts.c.id)).all()
            messages = conn.execute(select(inbound_messages).where(inbound_messages.c.incident_id == incident_id)
                                    .order_by(inbound_messages.c.id)).all()
        unseal = self._sealer.unseal
        return (
            [{"channel": c.channel, "phone": unseal(c.phone_sealed)} for c in contacts],
            [{"received_at": m.received_at.isoformat(), "body": unseal(m.body_sealed), "to": m.to_number,
              "has_location": m.has_location} for m in messages],
        )

    def close(self, tracking: str, disposition: str, principal: Principal) -> dict:
        incident = self.load(tracking)
        if incident["status"] == IncidentStatus.CLOSED.value:
            raise Conflict("the incident is already closed", code="incident_closed")
        if incident["status"] != IncidentStatus.NEW.value:
            raise Conflict("units are still assigned: clear them first", code="units_assigned")
        now = self._clock.now()
        with self._engine.begin() as conn:
            conn.execute(update(incidents).where(incidents.c.id == incident["id"]).values(
                status=IncidentStatus.CLOSED.value, closed_at=now, updated_at=now, disposition=disposition[:200]))
            record_event(conn, "IncidentClosed", {"tracking": incident["tracking"], "by": principal.username}, now)
        return self.load(tracking)

    def _public_view(self, r) -> dict:
        station = self._station_or_none(r.station_id)
        location = {"type": "Point", "coordinates": [r.lon, r.lat]} if r.lon is not None else None
        return {
            "tracking": r.tracking, "station_id": r.station_id, "station_name": station.name if station else None,
            "city": r.city, "priority": r.priority, "category": r.category, "status": r.status,
            "channel": r.channel, "helpline_kind": r.helpline_kind, "location": location,
            "location_known": r.location_known, "match": r.match, "received_at": r.received_at.isoformat(),
            "last_message_at": r.last_message_at.isoformat(),
            "first_dispatched_at": r.first_dispatched_at.isoformat() if r.first_dispatched_at else None,
            "arrived_at": r.arrived_at.isoformat() if r.arrived_at else None,
            "response_seconds": r.response_seconds, "closed_at": r.closed_at.isoformat() if r.closed_at else None,
            "disposition": r.disposition,
        }

    def _station_or_none(self, station_id: int | None) -> StationRef | None:
        try:
            return self._stations.get(station_id) if station_id else None
        except NotFound:
            return None

    # the port dispatch uses (same transaction as the unit's change) ---------------------------------
    def incident_for_dispatch(self, conn: Connection, tracking: str) -> IncidentForDispatch:
        tracking = normalise_tracking_number(tracking)
        r = conn.execute(select(incidents).where(incidents.c.tracking == tracking)).first()
        if r is None:
            raise NotFound(f"no incident {tracking}", code="incident_not_found")
        return IncidentForDispatch(r.id, r.tracking, r.station_id, r.city, r.lon, r.lat, r.location_known,
                                   r.status, r.priority, r.received_at)

    def unit_dispatched(self, conn: Connection, incident_id: int, call_sign: str, at: datetime) -> None:
        row = self._row(conn, incident_id)
        values = {"updated_at": at}
        if row.status == IncidentStatus.NEW.value:
            values.update(status=IncidentStatus.DISPATCHED.value, first_dispatched_at=at)
        self._set(conn, row, values, "UnitDispatched", call_sign)
        self._tell_reporter(conn, incident_id, replies.unit_dispatched(row.tracking, call_sign),
                            MessageKind.UNIT_DISPATCHED)

    def unit_en_route(self, conn: Connection, incident_id: int, call_sign: str, at: datetime) -> None:
        row = self._row(conn, incident_id)
        values = {"updated_at": at}
        if row.status in (IncidentStatus.NEW.value, IncidentStatus.DISPATCHED.value):
            values["status"] = IncidentStatus.EN_ROUTE.value
        self._set(conn, row, values, "UnitEnRoute", call_sign)

    def unit_arrived(self, conn: Connection, incident_id: int, call_sign: str, at: datetime) -> None:
        row = self._row(conn, incident_id)
        values = {"updated_at": at, "status": IncidentStatus.ON_SCENE.value}
        first = row.arrived_at is None
        if first:
            values.update(arrived_at=at, response_seconds=response_seconds(row.received_at, at))
        self._set(conn, row, values, "UnitArrived", call_sign)
        if first:
            self._tell_reporter(conn, incident_id, replies.unit_arrived(row.tracking, call_sign),
                                MessageKind.UNIT_ARRIVED)

    def unit_cleared(self, conn: Connection, incident_id: int, call_sign: str, at: datetime, last_unit: bool) -> None:
        row = self._row(conn, incident_id)
        values = {"updated_at": at}
        if last_unit:
            values.update(status=IncidentStatus.CLOSED.value, closed_at=at,
                          disposition=row.disposition or f"cleared by {call_sign}")
        self._set(conn, row, values, "UnitCleared", call_sign)

    def _row(self, conn: Connection, incident_id: int):
        row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
        if row is None:
            raise NotFound(f"no incident {incident_id}", code="incident_not_found")
        return row

    def _set(self, conn: Connection, row, values: dict, change: str, call_sign: str) -> None:
        conn.execute(update(incidents).where(incidents.c.id == row.id).values(**values))
        payload = {"tracking": row.tracking, "change": change, "call_sign": call_sign,
                   "status": values.get("status", row.status)}
        if "response_seconds" in values:
            payload["response_seconds"] = values["response_seconds"]
        record_event(conn, "IncidentUpdated", payload, values["updated_at"])

    def _tell_reporter(self, conn: Connection, incident_id: int, body: str, kind: MessageKind) -> None:
        for c in conn.execute(select(incident_contacts).where(incident_contacts.c.incident_id == incident_id)).all():
            self._messages.queue(conn, incident_id, self._sealer.unseal(c.phone_sealed), body, kind)


def _scope_filter(p: Principal):
    if p.scope_kind is ScopeKind.NATIONAL:
        return true()
    if p.scope_kind is ScopeKind.STATE:
        cities = [c for c, s in CITY_STATE.items() if s == p.scope_value]
        return incidents.c.city.in_(cities)
    if p.scope_kind is ScopeKind.CITY:
        return or_(incidents.c.city == p.scope_value, incidents.c.city.is_(None))
    return incidents.c.station_id == int(p.scope_value or 0)
