"""The call-out of volunteers near an SOS: a timer row per incident, claimed by exactly one process.

Each SOS (a P1 with her location known, of a kind a person nearby can help with, no unit on scene yet) gets one
`volunteer_callouts` row when it is first seen (its incident id is unique, so arming it twice arms it once), due at
receipt. Every process looks every second; the one whose conditional update sets `alerted_at` alerts the nearest
available volunteers in that same transaction: a row per (incident, volunteer), an SMS in the volunteer's language,
an event to their page, and a line on the incident's timeline. Her exact place is used here to measure distances and
to name the locality; an alert keeps only the coarse place (`model.coarse_point`) and a band of distance.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from suraksha.adapters.outbox import record
from suraksha.core.clock import Clock
from suraksha.core.errors import NotFound
from suraksha.core.geo import Point
from suraksha.messaging.model import MessageKind
from suraksha.messaging.service import MessageService
from suraksha.places import localities
from suraksha.stations.model import place_name
from suraksha.stations.service import StationService
from suraksha.volunteers import model, store, texts
from suraksha.volunteers.events import VolunteerAlerted
from suraksha.volunteers.ports import SosIncident, SosIncidents
from suraksha.volunteers.store import volunteer_alerts, volunteer_callouts


class CallOut:
    def __init__(self, engine: Engine, clock: Clock, settings: Any, stations: StationService,
                 messages: MessageService, incidents: Callable[[], SosIncidents]) -> None:
        self._engine, self._clock, self._stations, self._messages = engine, clock, stations, messages
        self._incidents = incidents
        self._public_url = settings.public_url.rstrip("/")
        self.radius_m = float(settings.volunteer_radius_metres)
        self.max_alerts = int(settings.volunteer_max_alerts)
        self.alert_for = timedelta(minutes=settings.volunteer_alert_minutes)

    def alert_due(self, limit: int = 20) -> int:
        """Alert the volunteers near every SOS that is due. Each SOS gets one call-out row (armed once: its
        incident id is unique); the process whose conditional update claims it alerts, in that transaction, so
        that however many processes run this, each SOS alerts its volunteers once. Returns call-outs done."""
        now = self._clock.now()
        self._arm(now, limit)
        c = volunteer_callouts.c
        with self._engine.connect() as conn:
            due = conn.execute(select(c.id, c.incident_id).where(c.alerted_at.is_(None), c.due_at <= now)
                               .order_by(c.due_at, c.id).limit(limit)).all()
        done = 0
        for callout_id, incident_id in due:
            with self._engine.begin() as conn:
                if conn.execute(update(volunteer_callouts).where(c.id == callout_id, c.alerted_at.is_(None))
                                .values(alerted_at=now)).rowcount != 1:
                    continue  # another process took it
                sos = self._incidents().sos_incidents(conn, [incident_id]).get(incident_id)
                alerted = self._alert(conn, callout_id, sos, now) if sos is not None and self._calls(sos, now) else 0
                conn.execute(update(volunteer_callouts).where(c.id == callout_id).values(alerted=alerted))
                done += 1
        return done

    def _arm(self, now: datetime, limit: int) -> None:
        """A call-out row for each SOS received within the alert window that has none yet."""
        since = now - self.alert_for
        with self._engine.connect() as conn:
            armed = set(conn.execute(select(volunteer_callouts.c.incident_id)
                                     .where(volunteer_callouts.c.created_at >= since)).scalars())
        found = self._incidents().sos_waiting(since, armed, limit)
        if found:
            with self._engine.begin() as conn:
                store.arm(conn, [{"incident_id": s.id, "due_at": s.received_at, "created_at": now} for s in found])

    def _calls(self, sos: SosIncident, now: datetime) -> bool:
        return model.calls_volunteers(sos.priority, sos.category, sos.status, sos.location_known) \
            and sos.lat is not None and sos.lon is not None and now - sos.received_at <= self.alert_for

    def _alert(self, conn: Connection, callout_id: int, sos: SosIncident, now: datetime) -> int:
        assert sos.lat is not None and sos.lon is not None
        her = Point(sos.lon, sos.lat)
        rows = {r.id: r for r in store.available_near(conn, her.lat, her.lon, self.radius_m)}
        chosen = model.choose([_candidate(r) for r in rows.values()], her, self.radius_m, self.max_alerts, now)
        if not chosen:
            return 0
        area_lat, area_lon = model.coarse_point(her.lat, her.lon)
        locality = self._locality(sos)
        for volunteer_id, metres in chosen:
            v = rows[volunteer_id]
            band, expires_at = model.distance_band(metres), now + self.alert_for
            alert_id = conn.execute(insert(volunteer_alerts).values(
                callout_id=callout_id, incident_id=sos.id, volunteer_id=v.id, category=sos.category,
                locality=locality, area_lat=area_lat, area_lon=area_lon, distance_band=band,
                distance_m=int(round(metres)), alerted_at=now, expires_at=expires_at,
            ).returning(volunteer_alerts.c.id)).scalar_one()
            view = model.volunteer_view(model.AlertFacts(alert_id, sos.category, locality, area_lat, area_lon, band,
                                                         now, expires_at, None, None), True, now)
            self._messages.queue(conn, None, v.phone_sealed, texts.alert(view, v.language, self._link(v.language)),
                                 MessageKind.VOLUNTEER_ALERT)
            if v.account_id is not None:
                record(conn, VolunteerAlerted(volunteer_account_id=v.account_id, alert_id=alert_id), now)
        self._incidents().volunteers_alerted(conn, sos.id, now, {"count": len(chosen), "radius_m": int(self.radius_m)})
        return len(chosen)

    def _locality(self, sos: SosIncident) -> str:
        """A name for roughly where she is: the nearest post office's place, else her station's area."""
        assert sos.lat is not None and sos.lon is not None
        near = localities.nearest(sos.lat, sos.lon, sos.city, model.LOCALITY_WITHIN_M)
        if near is not None:
            return near.name[:120]
        try:
            return place_name(self._stations.get(sos.station_id).name)[:120] if sos.station_id else ""
        except NotFound:
            return ""

    def _link(self, lang: str) -> str:
        return f"{self._public_url}{'' if lang == 'en' else '/' + lang}/volunteer"


def _candidate(row: Any) -> model.Candidate:
    position = Point(row.lon, row.lat) if row.lon is not None and row.lat is not None else None
    return model.Candidate(row.id, Point(row.base_lon, row.base_lat), position, row.position_at)
