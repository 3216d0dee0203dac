"""Intake: every channel's contact becomes an arriving contact for the incident (place, triage, sealing), then
the incidents capability decides retry, join, reopen or new and commits it.

Channel-neutral: a channel (under `intake/channels/<name>/`) checks its provider's signature, turns the
delivery into a `Contact`, calls `receive`, and answers the provider. Nothing here knows a provider.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from suraksha.core.errors import NotFound
from suraksha.core.geo import Point
from suraksha.core.privacy import Sealer
from suraksha.incidents import language
from suraksha.incidents.calls import LoggedCall, Person, check_person
from suraksha.incidents.model import ArrivingContact
from suraksha.incidents.noise_rules import check_kind, is_blank_text
from suraksha.incidents.receiving import Ack
from suraksha.incidents.service import IncidentService
from suraksha.incidents.triage import triage
from suraksha.intake.model import Contact, parse_location
from suraksha.places.service import PlaceService
from suraksha.societies.model import SocietyRef, alert_priority
from suraksha.societies.service import SocietyService
from suraksha.stations.model import HelplineKind, Match, StationRef
from suraksha.stations.service import StationService


class IntakeService:
    def __init__(self, settings: Any, stations: StationService, places: PlaceService, incidents: IncidentService,
                 sealer: Sealer, societies: SocietyService | None = None) -> None:
        self._settings, self._stations, self._places = settings, stations, places
        self._incidents, self._sealer, self._societies = incidents, sealer, societies

    def receive(self, contact: Contact) -> Ack:
        """Take one contact and return once it is durably stored (the answer to her is in the Ack)."""
        return self._incidents.receive(self.prepare(contact))

    async def receive_async(self, contact: Contact) -> Ack:
        """The same, for a webhook: concurrent contacts share one commit."""
        return await self._incidents.receive_async(self.prepare(contact))

    def log_call(self, contact: Contact, people: tuple[Person, ...], taken_by: str, location_source: str,
                 location_text: str | None) -> Ack:
        """A call a call-taker logged, with the people on it; returns once it is durably stored."""
        arriving = self.prepare(contact)
        if contact.noise_kind is not None:
            arriving = replace(arriving, noise_kind=check_kind(contact.noise_kind), noise_by=taken_by)
        return self._incidents.log_call(LoggedCall(
            contact=arriving, people=tuple(check_person(p) for p in people), taken_by=taken_by,
            answered_at=contact.received_at, location_source=location_source, location_text=location_text))

    def prepare(self, contact: Contact) -> ArrivingContact:
        """The work that needs no database: which station, where, how urgent; her number and words sealed."""
        by_number = (self._stations.by_whatsapp(contact.receiving) if contact.channel == "whatsapp"
                     else self._stations.by_number(contact.receiving))
        station, helpline = by_number if by_number else (None, None)
        fingerprint = self._sealer.fingerprint(contact.sender)
        point = contact.location or parse_location(contact.text)
        match = Match.NONE.value if station is None else "helpline"
        society = self._societies.coordinator(fingerprint) if self._societies is not None else None
        if society is not None:  # a registered coordinator: the society's station (docs/intake.md)
            station, match = self._society_station(society, station), "society"
        lon = lat = None
        if point is not None:
            res = self._stations.resolve(point.lon, point.lat)
            station, match, lon, lat = res.station or station, res.match.value, point.lon, point.lat
        elif society is not None:  # no location in the message: the society's pin, at the society's station
            point = Point(society.lon, society.lat)
            lon, lat = point.lon, point.lat
        elif station is not None:
            lon, lat = station.anchor.lon, station.anchor.lat
        if station is not None:
            city, state = station.city, station.state
        else:  # no station's number or location: the city control room takes it
            city = self._settings.default_city
            state = self._places.state_of_city(city)
        # a panic button (or her "I need help now") is always an emergency: it starts where a women helpline's
        # message does, at priority 1
        t = triage(contact.text, women_helpline=helpline is HelplineKind.WOMEN or contact.channel == "sos"
                   or contact.urgent)
        # set by the call-taker; else a coordinator's alert that concerns a woman's safety is priority 1
        # (societies.model, docs/adr/0011)
        if contact.priority is not None:
            priority = contact.priority
        else:
            priority = alert_priority(t.priority, t.matched) if society is not None else t.priority
        category = contact.category or t.category
        lang, asked = language.choose(contact.text, contact.language)
        return ArrivingContact(
            channel=contact.channel, provider=contact.provider, provider_id=contact.provider_id,
            received_at=contact.received_at, receiving=contact.receiving,
            fingerprint=fingerprint, phone_sealed=self._sealer.seal(contact.sender),
            body_sealed=self._sealer.seal(contact.text), num_media=contact.num_media,
            station_id=station.id if station else None, station_name=station.name if station else None,
            city=city, state=state, helpline_kind=helpline.value if helpline else None, match=match,
            location=point, accuracy_m=contact.accuracy_m if contact.location else None, lon=lon, lat=lat,
            priority=priority, category=category, rules=t.matched if contact.priority is None else (), language=lang,
            language_asked=asked, her_station_name=station.name_in(lang) if station else None,
            reply_via=contact.reply_via, society_id=society.id if society else None,
            society_name=society.name if society else None, blank_text=is_blank_text(contact.text),
            noise_kind=contact.noise_kind,
        )

    def _society_station(self, society: SocietyRef, station: StationRef | None) -> StationRef | None:
        try:
            return self._stations.get(society.station_id)
        except NotFound:  # its station is gone from the directory: the number written to still routes it
            return station
