"""The supervisor's wallboard: open incidents by priority and age, units by status, and the day's answer, dispatch
and arrival times per station against target, all within the viewer's area (the one scope rule).

Analytics owns no table: it reads incidents and units through their capabilities' services and applies the rules
in model.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from suraksha.analytics import model
from suraksha.analytics.model import AGE_BUCKETS, MEASURES, PRIORITIES, IncidentTimes, StationDay
from suraksha.core.auth import ROLES_THAT_WATCH_THE_WALLBOARD, Principal
from suraksha.core.clock import Clock
from suraksha.core.errors import Forbidden, InvalidInput
from suraksha.dispatch.service import DispatchService
from suraksha.incidents.noise import NoiseService
from suraksha.incidents.service import IncidentService
from suraksha.stations.service import StationService

WATCHERS = ROLES_THAT_WATCH_THE_WALLBOARD


class WallboardService:
    def __init__(self, incidents: IncidentService, dispatch: DispatchService, stations: StationService,
                 clock: Clock, settings: Any, noise: NoiseService | None = None) -> None:
        self._incidents, self._dispatch, self._stations = incidents, dispatch, stations
        self._clock, self._settings, self._noise = clock, settings, noise

    def wallboard(self, principal: Principal) -> dict:
        if principal.role not in WATCHERS:
            raise Forbidden(f"the {principal.role.value} role has no wallboard", code="forbidden_role")
        now = self._clock.now()
        zone_name = self._settings.zone_for(self.home_city(principal))
        return {
            "generated_at": now.isoformat(), "zone": zone_name, "day": model.local_day(now, zone_name).isoformat(),
            "open": self._open(principal, now), "units": self._units(principal), **self._day(principal, now),
        }

    def contact_share(self, principal: Principal, hours: int = 24) -> dict:
        """The share of contacts that became (genuine) incidents, per channel and per hour of the city's clock, in
        the viewer's area, over the last `hours` hours (docs/adr/0009)."""
        if principal.role not in WATCHERS:
            raise Forbidden(f"the {principal.role.value} role has no wallboard", code="forbidden_role")
        if not 1 <= hours <= model.MAX_SHARE_HOURS:
            raise InvalidInput(f"hours must be 1 to {model.MAX_SHARE_HOURS}", code="invalid_hours")
        assert self._noise is not None  # wired by the composition root
        now = self._clock.now()
        zone_name = self._settings.zone_for(self.home_city(principal))
        start, end = model.share_hours(now, zone_name, hours)
        counted = model.contact_share(self._noise.contacts_since(principal, start, end), start, hours)
        channels = sorted(counted.by_channel)
        return {
            "generated_at": now.isoformat(), "zone": zone_name, "since": start.isoformat(), "until": end.isoformat(),
            "channels": channels, "total": _share(counted.total),
            "by_channel": [{"channel": ch, **_share(counted.by_channel[ch])} for ch in channels],
            "hours": [{"start": (start + timedelta(hours=n)).isoformat(), **_share(_sum(cells.values())),
                       "by_channel": [{"channel": ch, **_share(cells[ch])} for ch in channels if ch in cells]}
                      for n, cells in enumerate(counted.hours)],
        }

    def home_city(self, principal: Principal) -> str:
        """The city whose clock the board keeps (the account's city, or its station's; "" for wider areas)."""
        return self._stations.home_city(principal)

    def _open(self, principal: Principal, now: datetime) -> dict:
        rows = self._incidents.open_in_scope(principal)
        cells = Counter((model.age_bucket(r["received_at"], now), min(int(r["priority"]), PRIORITIES[-1]))
                        for r in rows)
        return {
            "total": len(rows),
            "by_priority": [{"priority": p, "count": sum(n for (_, q), n in cells.items() if q == p)}
                            for p in PRIORITIES],
            "by_age": [{"bucket": b, "count": sum(n for (a, _), n in cells.items() if a == b)}
                       for b, _, _ in AGE_BUCKETS],
            "by_age_and_priority": [{"bucket": b, "priority": p, "count": cells.get((b, p), 0)}
                                    for b, _, _ in AGE_BUCKETS for p in PRIORITIES],
        }

    def _units(self, principal: Principal) -> dict:
        counts = self._dispatch.units_by_status(principal)
        return {"total": sum(counts.values()),
                "by_status": [{"status": s, "count": n} for s, n in counts.items()]}

    def _day(self, principal: Principal, now: datetime) -> dict:
        """Incidents received today (each in its own city's local day), per station and for the whole area."""
        times, names, cities = [], {}, {}
        for r in self._incidents.times_since(principal, now - model.LOOK_BACK):
            if not model.same_local_day(r["received_at"], now, self._settings.zone_for(r["city"])):
                continue
            names[r["station_id"]], cities[r["station_id"]] = r["station_name"], r["city"]
            respond_by = datetime.fromisoformat(r["respond_by"]) if r["respond_by"] else None
            times.append(IncidentTimes(
                station_id=r["station_id"], received_at=r["received_at"],
                answered_at=model.answered_at(r["first_action_at"], r["first_dispatched_at"]),
                dispatched_at=r["first_dispatched_at"], arrived_at=r["arrived_at"], respond_by=respond_by,
                target_minutes=r["target_minutes"], closed=r["status"] == "closed"))
        stations = [_figures(f, names.get(f.station_id), cities.get(f.station_id))
                    for f in model.by_station(times, now)]
        stations.sort(key=lambda s: (s["station_name"] is None, s["station_name"] or "", s["station_id"] or 0))
        return {"area": _figures(model.day_figures(None, times, now), None, None), "stations": stations}


def _share(count: model.ShareCount) -> dict:
    return {"contacts": count.contacts, "genuine": count.genuine, "share": count.share}


def _sum(counts: Any) -> model.ShareCount:
    out = model.ShareCount()
    for c in counts:
        out.contacts += c.contacts
        out.genuine += c.genuine
    return out


def _figures(day: StationDay, name: str | None, city: str | None) -> dict:
    body: dict[str, Any] = {"station_id": day.station_id, "station_name": name, "city": city,
                            "incidents": day.incidents, "target_minutes": day.target_minutes,
                            "within_target": day.within_target, "decided": day.decided,
                            "share_within_target": day.share_within_target}
    for measure in MEASURES:
        spread = day.spreads[measure]
        body[measure] = {"count": spread.count, "median_seconds": spread.median_seconds,
                         "p90_seconds": spread.p90_seconds}
    return body
