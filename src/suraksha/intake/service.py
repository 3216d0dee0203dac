"""Intake: every channel's contact becomes an arriving contact for the incident (place, triage, sealing), then
the incidents capability decides retry, join, reopen or new and commits it.

Channel-neutral: a channel (under `intake/channels/<name>/`) checks its provider's signature, turns the
delivery into a `Contact`, calls `receive`, and answers the provider. Nothing here knows a provider.
"""

from __future__ import annotations

from typing import Any

from suraksha.core.privacy import Sealer
from suraksha.incidents import language
from suraksha.incidents.model import ArrivingContact
from suraksha.incidents.receiving import Ack
from suraksha.incidents.service import IncidentService
from suraksha.incidents.triage import triage
from suraksha.intake.model import Contact, parse_location
from suraksha.places.service import PlaceService
from suraksha.stations.model import HelplineKind, Match
from suraksha.stations.service import StationService


class IntakeService:
    def __init__(self, settings: Any, stations: StationService, places: PlaceService, incidents: IncidentService,
                 sealer: Sealer) -> None:
        self._settings, self._stations, self._places = settings, stations, places
        self._incidents, self._sealer = incidents, sealer

    def receive(self, contact: Contact) -> Ack:
        """Take one contact and return once it is durably stored (the answer to her is in the Ack)."""
        return self._incidents.receive(self.prepare(contact))

    async def receive_async(self, contact: Contact) -> Ack:
        """The same, for a webhook: concurrent contacts share one commit."""
        return await self._incidents.receive_async(self.prepare(contact))

    def prepare(self, contact: Contact) -> ArrivingContact:
        """The work that needs no database: which station, where, how urgent; her number and words sealed."""
        by_number = (self._stations.by_whatsapp(contact.receiving) if contact.channel == "whatsapp"
                     else self._stations.by_number(contact.receiving))
        station, helpline = by_number if by_number else (None, None)
        point = contact.location or parse_location(contact.text)
        match = Match.NONE.value if station is None else "helpline"
        lon = lat = None
        if point is not None:
            res = self._stations.resolve(point.lon, point.lat)
            station, match, lon, lat = res.station or station, res.match.value, point.lon, point.lat
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
        lang, asked = language.choose(contact.text, contact.language)
        return ArrivingContact(
            channel=contact.channel, provider=contact.provider, provider_id=contact.provider_id,
            received_at=contact.received_at, receiving=contact.receiving,
            fingerprint=self._sealer.fingerprint(contact.sender), phone_sealed=self._sealer.seal(contact.sender),
            body_sealed=self._sealer.seal(contact.text), num_media=contact.num_media,
            station_id=station.id if station else None, station_name=station.name if station else None,
            city=city, state=state, helpline_kind=helpline.value if helpline else None, match=match,
            location=point, accuracy_m=contact.accuracy_m if contact.location else None, lon=lon, lat=lat,
            priority=t.priority, category=t.category, rules=t.matched, language=lang,
            language_asked=asked, her_station_name=station.name_in(lang) if station else None,
            reply_via=contact.reply_via,
        )
