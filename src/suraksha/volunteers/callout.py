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

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from suraksha.adapters.group_commit import GroupCommitWriter
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
from suraksha.volunteers.ports import SosIncident, SosIncidents, SosWaiting
from suraksha.volunteers.store import volunteer_alerts, volunteer_callouts

ARM_PAGE = 500  # SOS of the alert window read at a time, looking for those not armed yet
RESCAN = timedelta(seconds=10)  # how often the whole alert window is read again for SOS not armed
_SET_ALERTED = update(volunteer_callouts).where(volunteer_callouts.c.id == bindparam("_id"))


class CallOut:
    def __init__(self, engine: Engine, clock: Clock, settings: Any, stations: StationService,
                 messages: MessageService, incidents: Callable[[], SosIncidents],
                 writer: GroupCommitWriter | None = None) -> None:
        self._engine, self._clock, self._stations, self._messages = engine, clock, stations, messages
        self._incidents, self._writer = incidents, writer
        self._armed_to: tuple[datetime, int] | None = None  # every SOS up to this one has its call-out (a cache)
        self._rescanned_at: datetime | None = None
        self._public_url = settings.public_url.rstrip("/")
        self.radius_m = float(settings.volunteer_radius_metres)
        self.max_alerts = int(settings.volunteer_max_alerts)
        self.alert_for = timedelta(minutes=settings.volunteer_alert_minutes)

    def alert_due(self, limit: int = 200) -> int:
        """Alert the volunteers near every SOS that is due. Each SOS gets one call-out row (armed once: its
        incident id is unique); the process whose conditional update claims it alerts, in that transaction, so
        that however many processes run this, each SOS alerts its volunteers once. One transaction a step, through
        intake's group-commit writer when there is one (sharing its commits): arming, claiming, alerting. Returns
        the call-outs done."""
        now = self._clock.now()
        found, armed_to = self._unarmed(now, limit)
        c = volunteer_callouts.c

        def step(conn: Connection) -> int:
            store.arm(conn, [{"incident_id": s.id, "due_at": s.received_at, "created_at": now} for s in found])
            due = select(c.id).where(c.alerted_at.is_(None), c.due_at <= now).order_by(c.due_at, c.id).limit(limit)
            claimed = conn.execute(update(volunteer_callouts).where(c.id.in_(due.scalar_subquery()),
                                                                     c.alerted_at.is_(None))
                                   .values(alerted_at=now, alerted=0).returning(c.id, c.incident_id)).all()
            if not claimed:
                return 0
            if not store.any_available(conn):  # nobody on duty to alert: each call-out is done, with 0 alerted
                return len(claimed)
            sos = self._incidents().sos_incidents(conn, [incident_id for _, incident_id in claimed])
            alerted = []
            for callout_id, incident_id in sorted(claimed):
                one = sos.get(incident_id)
                count = self._alert(conn, callout_id, one, now) if one is not None and self._calls(one, now) else 0
                if count:
                    alerted.append({"_id": callout_id, "alerted": count})
            if alerted:
                conn.execute(_SET_ALERTED, alerted)
            return len(claimed)

        if self._writer is not None and self._writer.running:
            done = int(self._writer.execute(step))
        else:
            with self._engine.begin() as conn:
                done = step(conn)
        self._armed_to = armed_to  # committed: every SOS up to here has its call-out
        return done

    def _unarmed(self, now: datetime, limit: int) -> tuple[list[SosWaiting], tuple[datetime, int] | None]:
        """Up to `limit` SOS within the alert window that have no call-out yet, oldest first, and the last SOS up to
        which every one will have its call-out once these are armed. The window's SOS are read a page at a time,
        each page's armed ones left out, from where the last step got to (this process's cache of it); the whole
        window is read again every `RESCAN` (one whose location became known after later ones were armed is found
        then) and after a restart."""
        since = now - self.alert_for
        if self._rescanned_at is None or now - self._rescanned_at >= RESCAN or not self._still_armed(self._armed_to):
            self._armed_to, self._rescanned_at = None, now
        after, found, armed_to = self._armed_to, list[SosWaiting](), self._armed_to
        while len(found) < limit:
            page = self._incidents().sos_waiting(since, after, ARM_PAGE)
            if not page:
                break
            ids = [s.id for s in page]
            with self._engine.connect() as conn:  # the call-outs of the page's id range, by the unique index
                armed = set(conn.execute(select(volunteer_callouts.c.incident_id).where(
                    volunteer_callouts.c.incident_id.between(min(ids), max(ids)))).scalars())
            for sos in page:
                if sos.id not in armed:
                    if len(found) == limit:
                        break
                    found.append(sos)
                armed_to = (sos.received_at, sos.id)
            if len(page) < ARM_PAGE:
                break
            after = (page[-1].received_at, page[-1].id)
        return found, armed_to

    def _still_armed(self, sos: tuple[datetime, int] | None) -> bool:
        """Whether the cache's last SOS still has its call-out (it has not if the table was emptied or restored)."""
        if sos is None:
            return True
        with self._engine.connect() as conn:
            return conn.execute(select(volunteer_callouts.c.id)
                                .where(volunteer_callouts.c.incident_id == sos[1])).first() is not None

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
