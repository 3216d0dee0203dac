"""Incidents between control rooms: an incident sent to another agency as a NENA EIDO, and a document from another
agency taken in as an incident of this control room (docs/interop.md).

Sending is a read with a record: whoever may see the incident may export it, every export is audited (who, when,
to which agency, with or without her details) on the incident's timeline and in `eido_exports`. Her identity travels
only when the exporting account itself may see it (need to know) and the receiving agency is a partner allowed
victim details. Taking in is idempotent by the document's id: the same document again answers with the same
incident; the same id for another sender's incident is refused (409), and so is anything unreadable (4xx), with
nothing written.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from suraksha.adapters.outbox import record
from suraksha.core.auth import Locus, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from suraksha.core.ids import new_tracking_number
from suraksha.core.phones import to_e164
from suraksha.core.privacy import Sealer
from suraksha.incidents import calls, eido
from suraksha.incidents import events as ev
from suraksha.incidents.interop_store import eido_exports, eido_imports, partner_agencies
from suraksha.incidents.model import IncidentStatus
from suraksha.incidents.service import IncidentService
from suraksha.incidents.store import inbound_messages, incident_contacts, incident_log, incidents
from suraksha.incidents.triage import CATEGORIES
from suraksha.places.service import PlaceService
from suraksha.stations.model import Match
from suraksha.stations.service import StationService

IMPORTED_CHANNEL = "eido"  # an imported incident's channel: it came from another control room
_AGENCY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


def check_agency_id(value: str) -> str:
    text = (value or "").strip()
    if not _AGENCY.match(text):
        raise InvalidInput("an agency id is 1 to 128 letters, digits and . _ : @ - (e.g. thane.police.mh.in)",
                           code="invalid_agency_id")
    return text


def own_agency(settings: Any) -> str:
    """This control room's agency id in EIDO documents: SURAKSHA_AGENCY_ID, else one made of its city."""
    return settings.agency_id or f"{settings.default_city}.police.suraksha"


class InteropService:
    def __init__(self, engine: Engine, clock: Clock, settings: Any, incidents: IncidentService,
                 stations: StationService, places: PlaceService, sealer: Sealer) -> None:
        self._engine, self._clock, self._settings = engine, clock, settings
        self._incidents, self._stations, self._places, self._sealer = incidents, stations, places, sealer

    @property
    def agency_id(self) -> str:
        return own_agency(self._settings)

    # partner agencies ------------------------------------------------------------------------------
    def partners(self) -> list[dict]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(partner_agencies).order_by(partner_agencies.c.agency_id)).all()
        return [_partner(r) for r in rows]

    def keep_partner(self, actor: str, agency_id: str, name: str, may_receive_victim_details: bool) -> dict:
        """Add a partner agency or change it (its name, whether her details may go to it)."""
        agency_id = check_agency_id(agency_id)
        name = " ".join((name or "").split())[:200]
        if not name:
            raise InvalidInput("give the agency's name", code="invalid_agency_name")
        values = {"name": name, "may_receive_victim_details": bool(may_receive_victim_details),
                  "updated_at": self._clock.now(), "updated_by": actor[:64]}
        with self._engine.begin() as conn:
            done = conn.execute(update(partner_agencies).where(partner_agencies.c.agency_id == agency_id)
                                .values(**values)).rowcount
            if not done:
                conn.execute(insert(partner_agencies).values(agency_id=agency_id, **values))
            row = conn.execute(select(partner_agencies).where(partner_agencies.c.agency_id == agency_id)).one()
        return _partner(row)

    def remove_partner(self, agency_id: str) -> None:
        with self._engine.begin() as conn:
            if not conn.execute(delete(partner_agencies).where(partner_agencies.c.agency_id == agency_id)).rowcount:
                raise NotFound(f"no partner agency {agency_id}", code="agency_not_found")

    # sending ---------------------------------------------------------------------------------------
    def export(self, principal: Principal, tracking: str, to_agency: str | None = None) -> dict:
        """The incident as an EIDO for `to_agency` (audited; see the module's docstring)."""
        to = check_agency_id(to_agency) if to_agency else None
        now = self._clock.now()
        with self._engine.begin() as conn:
            row = self._incidents.access_incident(conn, principal, tracking)
            partner = (conn.execute(select(partner_agencies).where(partner_agencies.c.agency_id == to)).first()
                       if to else None)
            details = bool(partner is not None and partner.may_receive_victim_details
                           and self._incidents.need_to_know(conn, principal, row.id))
            doc = eido.build(self._outgoing(conn, row, to, partner.name if partner else None, details))
            conn.execute(insert(eido_exports).values(incident_id=row.id, at=now, account_id=principal.account_id,
                                                     username=principal.username[:64], to_agency=to,
                                                     victim_details=details))
            conn.execute(insert(incident_log).values(
                incident_id=row.id, at=now, kind="eido_exported", actor=principal.username[:64],
                detail={"to_agency": to, "victim_details": details, "eido_id": doc["$id"]}))
            record(conn, ev.from_row(ev.IncidentUpdated, row._mapping, change="eido_exported"), now)
        return doc

    def exports(self, principal: Principal, tracking: str) -> list[dict]:
        """The audit of an incident's exports, newest first."""
        with self._engine.connect() as conn:
            row = self._incidents.access_incident(conn, principal, tracking)
            rows = conn.execute(select(eido_exports).where(eido_exports.c.incident_id == row.id)
                                .order_by(eido_exports.c.at.desc(), eido_exports.c.id.desc())).all()
        return [{"at": r.at.isoformat(), "username": r.username, "to_agency": r.to_agency,
                 "victim_details": r.victim_details} for r in rows]

    def _outgoing(self, conn: Connection, row: Any, to: str | None, to_name: str | None,
                  details: bool) -> eido.Outgoing:
        logged = conn.execute(select(incident_log).where(incident_log.c.incident_id == row.id,
                                                         incident_log.c.kind == "note")
                              .order_by(incident_log.c.at, incident_log.c.id)).all()
        notes = [eido.Note(r.at, str((r.detail or {}).get("text", "")), r.actor) for r in logged]
        phones: tuple[str, ...] = ()
        name: str | None = None
        if details:
            for m in conn.execute(select(inbound_messages).where(inbound_messages.c.incident_id == row.id)
                                  .order_by(inbound_messages.c.id)):
                notes.append(eido.Note(m.received_at, f"Her message ({m.channel}): "
                                                      f"{self._sealer.unseal(m.body_sealed)}"))
            notes.sort(key=lambda n: n.at)
            phones = tuple(dict.fromkeys(
                self._sealer.unseal(c.phone_sealed) for c in conn.execute(
                    select(incident_contacts).where(incident_contacts.c.incident_id == row.id)
                    .order_by(incident_contacts.c.id))))
            name, her_phone = _her_from_calls(calls.people_on(conn, row.id, self._sealer))
            phones = tuple(dict.fromkeys((*phones, *((her_phone,) if her_phone else ()))))
        elif notes:
            notes = [eido.Note(row.updated_at, f"{len(notes)} note(s) not sent: notes may name her, and her details "
                                               "go only to partner agencies allowed them.")]
        known = bool(row.location_known) and row.lon is not None
        station = self._station_name(row.station_id)
        return eido.Outgoing(
            agency_id=self.agency_id, tracking=row.tracking, category=row.category, priority=row.priority,
            status=row.status, channel=row.channel, received_at=row.received_at, updated_at=row.updated_at,
            station_name=station, city=row.city, lon=row.lon if known else None, lat=row.lat if known else None,
            accuracy_m=row.location_accuracy_m if known else None, notes=tuple(n for n in notes if n.text),
            phones=phones, name=name if details else None, to_agency=to, to_agency_name=to_name,
            victim_details=details)

    def _station_name(self, station_id: int | None) -> str | None:
        try:
            return self._stations.get(station_id).name if station_id else None
        except NotFound:
            return None

    # taking in -------------------------------------------------------------------------------------
    def import_document(self, principal: Principal, doc: Any) -> dict:
        """One EIDO becomes one incident of this control room (see the module's docstring)."""
        got = eido.read(doc, CATEGORIES)
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        with self._engine.connect() as conn:
            known = self._already(conn, got)
        if known is not None:
            return known
        station, match, city, state = self._place(got)
        if not principal.covers(Locus(station.id if station else None, city, state)):
            raise Forbidden("the incident would be outside your area", code="out_of_scope")
        phones = tuple(p for p in (_phone(x) for x in got.phones) if p)
        for attempt in range(3):
            try:
                with self._engine.begin() as conn:
                    tracking = self._create(conn, principal, got, digest, station, match, city, state, phones)
                break
            except IntegrityError:  # the same document taken in at the same moment by another request: that one
                with self._engine.connect() as conn:  # won; else a tracking number drawn twice (40 bits): again
                    known = self._already(conn, got)
                if known is not None:
                    return known
                if attempt == 2:
                    raise
        return {"tracking": tracking, "status": IncidentStatus.NEW.value, "eido_id": got.eido_id,
                "duplicate": False}

    def _already(self, conn: Connection, got: eido.Incoming) -> dict | None:
        """The incident an earlier import of this document's id became; a clash of ids is refused (409)."""
        r = conn.execute(select(eido_imports.c.sender_agency, eido_imports.c.sender_tracking, incidents.c.tracking,
                                incidents.c.status)
                         .join(incidents, incidents.c.id == eido_imports.c.incident_id)
                         .where(eido_imports.c.eido_id == got.eido_id)).first()
        if r is None:
            return None
        if r.sender_agency != got.agency_id or r.sender_tracking != got.sender_tracking:
            raise Conflict(f"EIDO {got.eido_id} was imported before from another agency or for another incident",
                           code="eido_id_conflict")
        return {"tracking": r.tracking, "status": r.status, "eido_id": got.eido_id, "duplicate": True}

    def _place(self, got: eido.Incoming) -> tuple[Any, str, str | None, str | None]:
        """The station whose area holds her location; without one, the city control room (SURAKSHA_DEFAULT_CITY)."""
        if got.lon is not None and got.lat is not None:
            res = self._stations.resolve(got.lon, got.lat)
            if res.station is not None:
                return res.station, res.match.value, res.station.city, res.station.state
            city = self._settings.default_city
            return None, res.match.value, city, self._places.state_of_city(city)
        city = self._settings.default_city
        return None, Match.NONE.value, city, self._places.state_of_city(city)

    def _create(self, conn: Connection, principal: Principal, got: eido.Incoming, digest: str, station: Any,
                match: str, city: str | None, state: str | None, phones: tuple[str, ...]) -> str:
        now = self._clock.now()
        known = got.lon is not None and got.lat is not None
        lon, lat = (got.lon, got.lat) if known else ((station.anchor.lon, station.anchor.lat) if station else
                                                      (None, None))
        values = {"tracking": new_tracking_number(), "station_id": station.id if station else None, "city": city,
                  "state": state, "channel": IMPORTED_CHANNEL, "helpline_kind": None, "language": None,
                  "priority": got.priority, "category": got.category, "status": IncidentStatus.NEW.value,
                  "location_known": known, "lon": lon, "lat": lat, "location_accuracy_m": got.accuracy_m,
                  "match": match, "received_at": now, "last_message_at": now, "updated_at": now}
        incident_id = conn.execute(insert(incidents).values(**values).returning(incidents.c.id)).scalar_one()
        conn.execute(insert(eido_imports).values(eido_id=got.eido_id, incident_id=incident_id,
                                                 sender_agency=got.agency_id, sender_tracking=got.sender_tracking,
                                                 digest=digest, imported_at=now, imported_by=principal.username[:64]))
        detail = {"from_agency": got.agency_id, "eido_id": got.eido_id, "sender_tracking": got.sender_tracking,
                  "call_ids": list(got.call_ids), "started_at": got.started_at.isoformat() if got.started_at else None,
                  "place": got.place_text, "type": got.type_text, "names": len(got.names), "numbers": len(phones)}
        log = [{"incident_id": incident_id, "at": now, "kind": "imported", "actor": principal.username[:64],
                "detail": detail}]
        log += [{"incident_id": incident_id, "at": now, "kind": "note", "actor": (n.by or got.agency_id)[:64],
                 "detail": {"text": n.text, "imported_from": got.agency_id, "written_at": n.at.isoformat()}}
                for n in got.notes]
        if got.names:  # her name, as the sender gave it: a note (withheld without need to know)
            log.append({"incident_id": incident_id, "at": now, "kind": "note", "actor": got.agency_id[:64],
                        "detail": {"text": "Her name: " + ", ".join(got.names), "imported_from": got.agency_id}})
        conn.execute(insert(incident_log), log)
        if phones:
            conn.execute(insert(incident_contacts), [
                {"incident_id": incident_id, "channel": "sms", "fingerprint": self._sealer.fingerprint(p),
                 "phone_sealed": self._sealer.seal(p), "via": None} for p in phones])
        record(conn, ev.from_row(ev.IncidentReported, {**values, "id": incident_id},
                                 received_at=now.isoformat()), now)
        return str(values["tracking"])


def _partner(r: Any) -> dict:
    return {"agency_id": r.agency_id, "name": r.name, "may_receive_victim_details": bool(r.may_receive_victim_details),
            "updated_at": r.updated_at.isoformat() if isinstance(r.updated_at, datetime) else r.updated_at,
            "updated_by": r.updated_by}


def _phone(text: str) -> str | None:
    """A call-back number she can be written to (E.164); None for anything else (a SIP URI, a short code, a local
    number without its country code, which could be any country's)."""
    if not text.startswith("+"):
        return None
    try:
        return to_e164(text)
    except InvalidInput:
        return None


def _her_from_calls(people: list[dict]) -> tuple[str | None, str | None]:
    """Her name and her own number as a call-taker recorded them (incidents.calls): the woman the call was about,
    else the caller when she called herself."""
    victim = next((p for p in people if p["role"] == "victim"), None)
    if victim is not None:
        return victim["name"], victim["phone"]
    herself = next((p for p in people if p["role"] == "caller" and p["relation"] == "self"), None)
    return (herself["name"], None) if herself is not None else (None, None)
