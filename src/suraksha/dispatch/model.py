"""Dispatch rules: units, their statuses, travel-time estimates and the order of recommendations.

Plain Python: no web framework, no database. Readable by a control-room supervisor.

Units
-----
A unit is a Nirbhaya squad vehicle, a patrol van or a beat marshal (a constable on a motorcycle). Each has
a call sign ("MUM-NS-014"), a home police station and one status at a time:

    available ──assign──▶ dispatched ──▶ acknowledged ──▶ en_route ──▶ on_scene ──▶ available (cleared)
        │                     │               │               │
        │                     └───────────────┴───────────────┴──▶ available (stood down before arriving)
        └──▶ out_of_service ──▶ available

A crew acknowledges its dispatch ("received") first; it may also go straight to en_route or on_scene (it was
round the corner), which acknowledges too. Only a dispatcher's assignment makes a unit "dispatched"; a unit on
an assignment cannot go out of service, and a unit that was not dispatched cannot be on scene. A unit goes out
of service with a reason (fuel, breakdown, shift change).

Escalation
----------
A crew that does not acknowledge within `SURAKSHA_ACK_TIMEOUT_SECONDS` (60 by default) is released: the
assignment ends, the unit goes out of service ("did not acknowledge …": someone must find out why before it is
sent again) and the next recommended unit is dispatched; the dispatcher is told. A unit may be re-tasked from
one incident to another only explicitly, with a reason, and that is recorded on both incidents.

Travel time
-----------
Police vehicles do not fly and Mumbai's roads do not run straight. The time to reach an incident is

    eta = straight-line (haversine) distance × road factor ÷ speed

The road factor (`SURAKSHA_ROAD_FACTOR`, 1.4 by default) turns a straight line into a typical road
distance. The speed depends on the hour in India (IST, UTC+5:30, no daylight saving time):

    07:00–11:00 and 17:00–21:00   peak traffic     15 km/h
    22:00–06:00                   night            35 km/h
    any other hour                normal traffic   22 km/h

Nirbhaya squad vehicles and patrol vans move at that speed. A beat marshal's motorcycle threads through
traffic: it is counted 1.2 times as fast.

That is the straight-line estimator, the default. When a road routing service is configured
(`SURAKSHA_ROUTING_URL`, an OSRM-compatible server: dispatch/routing.py), the nearest units by straight line are
preselected (three times as many as asked for) and ranked by the time the service gives for driving there by
road; a beat marshal is again counted 1.2 times as fast. A unit the service gives no time for keeps its
straight-line estimate, and its reason says so. Each recommendation names the estimator that timed it.

Ranking
-------
Only available units are recommended. Units whose last GPS position is fresh (at most
`SURAKSHA_STALE_POSITION_MINUTES`, 10 by default, old) come first, shortest travel time first. Units
with a stale position, or none yet, come after them, whatever their distance, because nobody knows where
they are now. Equal travel times are ordered by call sign.

When the caller's location is unknown the incident stands at its station's anchor point, which is not where she
is: no distance or travel time is given, and units are ordered by their straight-line distance from the anchor
point, only as a guide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, NamedTuple

from suraksha.core.auth import Locus, Principal, Role
from suraksha.core.errors import Conflict, InvalidInput

IST = timezone(timedelta(hours=5, minutes=30), "IST")
FUTURE_TOLERANCE = timedelta(minutes=1)  # device clocks drift; more than this is a wrong clock


class UnitKind(StrEnum):
    NIRBHAYA_SQUAD = "nirbhaya_squad"
    PATROL_VAN = "patrol_van"
    BEAT_MARSHAL = "beat_marshal"


class UnitStatus(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OUT_OF_SERVICE = "out_of_service"


# ---------------------------------------------------------------- travel time


@dataclass(frozen=True)
class TrafficBand:
    name: str
    kmh: float


PEAK = TrafficBand("peak traffic", 15.0)
NIGHT = TrafficBand("night", 35.0)
NORMAL = TrafficBand("normal traffic", 22.0)
SPEED_FACTOR = {UnitKind.NIRBHAYA_SQUAD: 1.0, UnitKind.PATROL_VAN: 1.0, UnitKind.BEAT_MARSHAL: 1.2}
FASTEST_FACTOR = max(SPEED_FACTOR.values())


def traffic_band(at: datetime) -> TrafficBand:
    """The traffic at this moment, judged by the hour in India."""
    hour = at.astimezone(IST).hour
    if 7 <= hour < 11 or 17 <= hour < 21:
        return PEAK
    if hour >= 22 or hour < 6:
        return NIGHT
    return NORMAL


def speed_kmh(kind: UnitKind, at: datetime) -> float:
    return traffic_band(at).kmh * SPEED_FACTOR[kind]


def travel_seconds(distance_m: float, kind: UnitKind, at: datetime, road_factor: float) -> float:
    """Estimated seconds to cover a straight-line distance by road at this hour."""
    return distance_m * road_factor / (speed_kmh(kind, at) / 3.6)


def drive_seconds(distance_m: float, at: datetime, road_factor: float) -> float:
    """A van's estimated seconds to cover a straight-line distance by road at this hour."""
    return distance_m * road_factor / (traffic_band(at).kmh / 3.6)


def fastest_travel_seconds(distance_m: float, at: datetime, road_factor: float) -> float:
    """The quickest any kind of unit could cover this distance: a lower bound for ranking."""
    return distance_m * road_factor / (traffic_band(at).kmh * FASTEST_FACTOR / 3.6)


# ---------------------------------------------------------------- positions


def is_stale(position_at: datetime | None, now: datetime, stale_after: timedelta) -> bool:
    """A position older than `stale_after`, or none at all, does not say where the unit is now."""
    return position_at is None or now - position_at > stale_after


def position_age_seconds(position_at: datetime | None, now: datetime) -> float | None:
    return None if position_at is None else max(0.0, (now - position_at).total_seconds())


def check_position(lon: float, lat: float, recorded_at: datetime, now: datetime) -> None:
    """Refuse impossible coordinates and positions from a device whose clock runs ahead."""
    if not (_finite(lon) and _finite(lat) and -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise InvalidInput(f"not a GPS position: lat={lat}, lon={lon}", code="invalid_position", reason="range")
    if recorded_at.tzinfo is None:
        raise InvalidInput("recorded_at needs a time zone", code="invalid_position", reason="naive_time")
    if recorded_at - now > FUTURE_TOLERANCE:
        raise InvalidInput(
            "the position is timed more than a minute in the future: check the device clock",
            code="invalid_position", reason="in_future",
        )


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


# ---------------------------------------------------------------- units and transitions

CALL_SIGN = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")


def normalise_call_sign(text: str) -> str:
    """Upper case, trimmed; letters, digits and single dashes, e.g. MUM-NS-014."""
    call_sign = text.strip().upper()
    if not (3 <= len(call_sign) <= 32 and CALL_SIGN.match(call_sign)):
        raise InvalidInput(f"not a call sign: {text!r} (e.g. MUM-NS-014)", code="invalid_call_sign")
    return call_sign


def check_kind(kind: str) -> UnitKind:
    try:
        return UnitKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in UnitKind)
        raise InvalidInput(f"unknown unit kind {kind!r}: one of {kinds}", code="invalid_kind") from None


ALLOWED = {
    UnitStatus.AVAILABLE: {UnitStatus.DISPATCHED, UnitStatus.OUT_OF_SERVICE},
    UnitStatus.DISPATCHED: {UnitStatus.ACKNOWLEDGED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE},
    UnitStatus.ACKNOWLEDGED: {UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE},
    UnitStatus.EN_ROUTE: {UnitStatus.ON_SCENE, UnitStatus.AVAILABLE},
    UnitStatus.ON_SCENE: {UnitStatus.AVAILABLE},
    UnitStatus.OUT_OF_SERVICE: {UnitStatus.AVAILABLE},
}
REPORTABLE = frozenset({UnitStatus.ACKNOWLEDGED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE,
                        UnitStatus.OUT_OF_SERVICE})
# Which timestamp of the current assignment each reported status sets.
ASSIGNMENT_STEP = {
    UnitStatus.ACKNOWLEDGED: "acknowledged_at", UnitStatus.EN_ROUTE: "en_route_at", UnitStatus.ON_SCENE: "on_scene_at",
    UnitStatus.AVAILABLE: "cleared_at",
}
ON_AN_ASSIGNMENT = frozenset({UnitStatus.DISPATCHED, UnitStatus.ACKNOWLEDGED, UnitStatus.EN_ROUTE,
                              UnitStatus.ON_SCENE})


def check_reason(target: UnitStatus, reason: str) -> str | None:
    """Out of service needs a reason a person can act on; other statuses keep none."""
    text = " ".join((reason or "").split())[:300]
    if target is UnitStatus.OUT_OF_SERVICE and not text:
        raise InvalidInput("say why the unit is out of service (fuel, breakdown, shift change …)",
                           code="reason_required")
    return text or None if target is UnitStatus.OUT_OF_SERVICE else None


def check_retask(status: UnitStatus, call_sign: str, reason: str) -> str:
    """A unit on another incident may be re-tasked only explicitly, with a reason (recorded on both)."""
    if status not in ON_AN_ASSIGNMENT:
        raise Conflict(f"{call_sign} is {status.value}: nothing to re-task it from", code="unit_not_on_assignment")
    text = " ".join((reason or "").split())[:300]
    if not text:
        raise InvalidInput("say why the unit is re-tasked", code="reason_required")
    return text


def ack_timeout_reason(call_sign: str, tracking: str, seconds: int) -> str:
    return f"{call_sign} did not acknowledge {tracking} within {seconds} s"


def check_reportable(status: str) -> UnitStatus:
    """A crew or dispatcher reports en_route, on_scene, available or out_of_service; dispatch is assigned."""
    try:
        value = UnitStatus(status)
    except ValueError:
        value = None
    if value not in REPORTABLE:
        allowed = ", ".join(sorted(s.value for s in REPORTABLE))
        raise InvalidInput(f"status {status!r} cannot be reported: one of {allowed}", code="invalid_status")
    return value


def check_transition(current: UnitStatus, target: UnitStatus) -> None:
    """Refuse a status change the unit's life does not allow (code `invalid_transition`)."""
    if target not in ALLOWED[current]:
        hint = "; it is not on an assignment" if current in (UnitStatus.AVAILABLE, UnitStatus.OUT_OF_SERVICE) else ""
        raise Conflict(
            f"a unit that is {current.value} cannot become {target.value}{hint}",
            code="invalid_transition", current=current.value, requested=target.value,
        )


def crew_steps(current: UnitStatus, on_assignment: bool) -> list[UnitStatus]:
    """The statuses a crew may report next, in the order of the work (its screen shows a button for each):
    acknowledged, en route, on scene and cleared (available) while on an assignment; back in service after being
    out of it. Going out of service is not offered here: it needs a reason and a word with the control room."""
    if current is UnitStatus.OUT_OF_SERVICE:
        return [UnitStatus.AVAILABLE]
    if not on_assignment:
        return []
    order = (UnitStatus.ACKNOWLEDGED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.AVAILABLE)
    return [s for s in order if s in ALLOWED[current]]


def check_disposition(target: UnitStatus, disposition: str | None) -> str | None:
    """A disposition (how the incident ended) goes only with clearing: `available` from an assignment."""
    code = (disposition or "").strip()
    if code and target is not UnitStatus.AVAILABLE:
        raise InvalidInput("a disposition goes with clearing (status available)", code="invalid_disposition")
    return code or None


def check_assignable(status: UnitStatus, call_sign: str) -> None:
    if status is not UnitStatus.AVAILABLE:
        hint = ": re-task it explicitly, with a reason" if status in ON_AN_ASSIGNMENT else ""
        raise Conflict(f"{call_sign} is {status.value}, not available{hint}", code="unit_not_available",
                       status=status.value)


def may_act_for_unit(
    principal: Principal, unit_id: int, home: Locus, crew_unit_id: int | None, roles: frozenset[Role],
) -> bool:
    """A responder acts only for the unit they crew; other allowed roles for units in their scope (the scope
    rule applied to the unit's home station)."""
    if principal.role is Role.RESPONDER:
        return Role.RESPONDER in roles and crew_unit_id is not None and crew_unit_id == unit_id
    return principal.role in roles and principal.covers(home)


# ---------------------------------------------------------------- recommendation


STRAIGHT_LINE = "straight_line"
ROAD = "road"
PRESELECT = 3  # a road estimator times this many times the units asked for, the nearest by straight line


@dataclass(frozen=True)
class Candidate:
    """An available unit and how long it would take to reach the incident."""

    unit_id: int
    call_sign: str
    kind: UnitKind
    home_station_id: int
    status: UnitStatus
    distance_m: float  # in a straight line
    eta_seconds: float
    stale: bool
    position_age_seconds: float | None
    lon: float = 0.0  # the unit's last position (its home station's anchor until a GPS fix)
    lat: float = 0.0
    estimator: str = STRAIGHT_LINE  # which estimator gave eta_seconds: STRAIGHT_LINE or ROAD


def rank_key(c: Candidate) -> tuple[bool, float, str]:
    return (c.stale, c.eta_seconds, c.call_sign)


def rank(candidates: list[Candidate], limit: int) -> list[Candidate]:
    """Fresh positions first, then shortest travel time, then call sign."""
    return sorted(candidates, key=rank_key)[:limit]


def rank_from_anchor(candidates: list[Candidate], limit: int) -> list[Candidate]:
    """Location unknown: fresh positions first, then straight-line distance from the anchor point, then call sign."""
    return sorted(candidates, key=lambda c: (c.stale, c.distance_m, c.call_sign))[:limit]


def timed(candidates: list[Candidate], drive_seconds: Sequence[float | None], estimator: str) -> list[Candidate]:
    """Each candidate with the estimator's time for a van, counted faster for a beat marshal; a candidate the
    estimator gave no time for (None) keeps its straight-line estimate."""
    return [
        c if s is None else replace(c, eta_seconds=s / SPEED_FACTOR[c.kind], estimator=estimator)
        for c, s in zip(candidates, drive_seconds, strict=True)
    ]


def reason(c: Candidate, at: datetime, location_known: bool, preferred: str = STRAIGHT_LINE) -> str:
    """Why this unit is on the list, in words a dispatcher reads at a glance. `preferred`: the configured
    estimator, so a unit it could not time says it fell back to the straight line."""
    if not location_known:
        text = ("caller's location unknown: no distance or travel time; ordered by distance from the station's "
                "anchor point, only as a guide")
    elif c.estimator == ROAD:
        text = (f"{c.distance_m / 1000:.1f} km away in a straight line, about {_minutes(c)} min by road "
                "(routing service)")
    else:
        text = (f"{c.distance_m / 1000:.1f} km away, about {_minutes(c)} min at {speed_kmh(c.kind, at):.0f} km/h "
                f"({traffic_band(at).name}), straight-line estimate")
        if preferred != STRAIGHT_LINE:
            text += "; the routing service gave no road time for this unit"
    if c.position_age_seconds is None:
        text += "; no GPS fix yet, placed at its home station: ranked after units with a fresh position"
    elif c.stale:
        text += f"; position {round(c.position_age_seconds / 60)} min old: ranked after units with a fresh position"
    return text


def _minutes(c: Candidate) -> int:
    return max(1, round(c.eta_seconds / 60))


# ---------------------------------------------------------------- a device gateway's batch of positions

MAX_BATCH = 5000


class _Fix(NamedTuple):
    item: int  # its place in the batch, from 0
    unit_key: int | str  # unit id, or call sign
    lon: float
    lat: float
    at: datetime


class PositionBatch:
    """Positions from a gateway: each checked on its own, so one bad fix does not lose the others.

    Units are rows with `.id` and `.call_sign`; the service resolves them and says who may report.
    """

    def __init__(self, items: list[dict], now: datetime) -> None:
        if len(items) > MAX_BATCH:
            raise InvalidInput(f"at most {MAX_BATCH} positions per request", code="too_many_positions")
        self._now = now
        self._fixes: list[_Fix] = []
        self._units: dict[int | str, Any] = {}
        self.rejected: list[dict] = []
        for index, item in enumerate(items):
            try:
                self._fixes.append(self._check(index, item))
            except InvalidInput as e:
                self._reject(index, e.code, e.message)
            except (TypeError, ValueError):
                self._reject(index, "invalid_position", "unit_id, lon, lat or recorded_at is not readable")

    def _check(self, index: int, item: dict) -> _Fix:
        if item.get("unit_id") is not None:
            key: int | str = int(item["unit_id"])
        elif item.get("call_sign"):
            key = normalise_call_sign(str(item["call_sign"]))
        else:
            raise InvalidInput("name the unit by unit_id or call_sign", code="unit_missing")
        at = item.get("recorded_at") or self._now
        check_position(item["lon"], item["lat"], at, self._now)
        return _Fix(index, key, float(item["lon"]), float(item["lat"]), at.astimezone(UTC))

    def _reject(self, index: int, code: str, message: str) -> None:
        self.rejected.append({"index": index, "code": code, "message": message})

    def keys(self) -> tuple[set[int], set[str]]:
        ids = {f.unit_key for f in self._fixes if isinstance(f.unit_key, int)}
        return ids, {f.unit_key for f in self._fixes if isinstance(f.unit_key, str)}

    def resolve(self, units: list) -> None:
        """Keep the fixes whose unit exists."""
        for u in units:
            self._units[u.id] = self._units[u.call_sign] = u
        self._keep(lambda f: f.unit_key in self._units, "unit_not_found", "no such unit")

    def authorise(self, may_report: Callable[[Any], bool]) -> None:
        self._keep(lambda f: may_report(self._units[f.unit_key]), "not_your_unit", "you may not report for this unit")

    def _keep(self, ok: Callable[[_Fix], bool], code: str, message: str) -> None:
        kept = []
        for f in self._fixes:
            if ok(f):
                kept.append(f)
            else:
                self._reject(f.item, code, message)
        self._fixes = kept

    def history_rows(self) -> list[dict]:
        return [
            {"unit_id": self._units[f.unit_key].id, "lon": f.lon, "lat": f.lat, "recorded_at": f.at,
             "received_at": self._now}
            for f in self._fixes
        ]

    def accepted(self) -> list[tuple[Any, tuple[float, float, datetime]]]:
        """Every fix kept, in the batch's order, with its unit."""
        return [(self._units[f.unit_key], (f.lon, f.lat, f.at)) for f in self._fixes]

    def latest_per_unit(self) -> list[tuple[Any, tuple[float, float, datetime]]]:
        """The newest fix of each unit in the batch."""
        newest: dict[int, _Fix] = {}
        for f in self._fixes:
            unit_id = self._units[f.unit_key].id
            if unit_id not in newest or f.at >= newest[unit_id].at:
                newest[unit_id] = f
        return [(self._units[f.unit_key], (f.lon, f.lat, f.at)) for f in newest.values()]

    def report(self) -> dict:
        return {"accepted": len(self._fixes), "rejected": sorted(self.rejected, key=lambda r: r["index"])}


# ---------------------------------------------------------------- rosters

MAX_SHIFT = timedelta(hours=24)


@dataclass(frozen=True)
class Shift:
    """A unit on duty from `starts_at` to `ends_at` (UTC), with its crew's woman officer where one is required."""

    id: int
    unit_id: int
    starts_at: datetime
    ends_at: datetime
    woman_officer: str | None
    crew: str
    cancelled: bool = False

    def covers(self, at: datetime) -> bool:
        return not self.cancelled and self.starts_at <= at < self.ends_at


def check_shift(kind: UnitKind, starts_at: datetime, ends_at: datetime, woman_officer: str, crew: str,
                now: datetime) -> tuple[str | None, str]:
    """A shift's rules: it ends after it starts, lasts at most 24 h, is not wholly past, and a Nirbhaya squad's
    shift names its woman officer (a woman sub-inspector or assistant sub-inspector leads each squad)."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("give the shift's times with their time zone", code="invalid_shift")
    if ends_at <= starts_at:
        raise InvalidInput("a shift ends after it starts", code="invalid_shift")
    if ends_at - starts_at > MAX_SHIFT:
        raise InvalidInput("a shift lasts at most 24 hours", code="invalid_shift")
    if ends_at <= now:
        raise InvalidInput("that shift is already over", code="invalid_shift")
    officer = " ".join((woman_officer or "").split())[:120] or None
    if kind is UnitKind.NIRBHAYA_SQUAD and officer is None:
        raise InvalidInput("a Nirbhaya squad's shift names its woman officer", code="woman_officer_required")
    return officer, " ".join((crew or "").split())[:300]


def overlaps(shifts: list[Shift], starts_at: datetime, ends_at: datetime) -> bool:
    return any(not s.cancelled and s.starts_at < ends_at and starts_at < s.ends_at for s in shifts)


def on_duty(shifts: list[Shift], at: datetime) -> bool:
    """A unit without a roster is on duty round the clock; a rostered one only during a shift that is not
    cancelled."""
    return not shifts or any(s.covers(at) for s in shifts)
