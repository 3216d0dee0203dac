"""One simulated day of a city, through the product's own services, on a scratch database.

Simulated time moves from event to event (a message arriving, a crew acknowledging, a van arriving …) and the
services read it from the injected clock. Every change goes through a service as a person, a van or a server process
would make it: her SMS through intake (`IntakeService.receive`), the dispatcher's choice through
`DispatchService.recommend` and `assign`, each crew step through `set_status`, the van's GPS through
`post_positions`, and the timers a server fires (`escalate_due` and `alarm_unassigned` at every moment one of them
may fall due: each dispatch's acknowledgement timeout, each wait's 30 s; `watch_deadlines` every five simulated
seconds while a unit is on its way; the position history's prune step every minute). The crews learn of a dispatch made
by the escalation as their screen does, from the unit's own view (`crew_view`)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from suraksha.bootstrap import Container
from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.core.errors import Conflict
from suraksha.core.geo import Point, haversine_m
from suraksha.dispatch.model import UnitKind, speed_kmh
from suraksha.intake.model import Contact
from suraksha.simulation import model
from suraksha.simulation.model import Busy, Habits, Outcome, SimulatedClock

TIMERS_EVERY_S = 5.0  # the deadline watch's period in a server
MOVING_FIX_EVERY_S = 10.0  # a moving van's position, as the responder's screen sends it
PRUNE_EVERY_S = 60.0  # the position history's prune step (a server: every 5 s; its window is 10 minutes)
DRAIN = timedelta(hours=6)  # after the last arrival, until every incident is closed (at most this long)
ARRIVED_WITHIN_M = 1.0
CREW = "simulated crew"


@dataclass(frozen=True)
class Arrival:
    """One woman's message: when (seconds from the start), where, to which number, what, and her incident's people."""

    offset_s: float
    lon: float
    lat: float
    sender: str
    receiving: str
    text: str
    habits: Habits


@dataclass(frozen=True)
class Trip:
    origin: tuple[float, float]
    dest: tuple[float, float]
    depart: float
    arrive: float

    def at(self, t: float) -> tuple[float, float]:
        span = self.arrive - self.depart
        f = 1.0 if span <= 0 else min(max((t - self.depart) / span, 0.0), 1.0)
        return (self.origin[0] + (self.dest[0] - self.origin[0]) * f,
                self.origin[1] + (self.dest[1] - self.origin[1]) * f)


@dataclass
class Van:
    id: int
    station_id: int
    base: tuple[float, float]
    pos: tuple[float, float]
    state: str = "parked"  # parked, returning (both available), dispatched, to_scene, on_scene, out
    gen: int = 0  # bumped at every change of plan: events of an older plan are ignored
    trip: Trip | None = None
    tracking: str | None = None

    def where(self, t: float) -> tuple[float, float]:
        return self.trip.at(t) if self.trip is not None else self.pos

    @property
    def available(self) -> bool:
        return self.state in ("parked", "returning")


@dataclass
class Case:
    arrival: Arrival
    crews_sent: int = 0


@dataclass
class Counters:
    waited_for_a_unit: set[str] = field(default_factory=set)
    unassigned_alarms: int = 0
    not_acknowledged: int = 0
    deadline_warnings: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"waited_for_a_unit": len(self.waited_for_a_unit), "unassigned_alarms": self.unassigned_alarms,
                "not_acknowledged": self.not_acknowledged, "deadline_warnings": self.deadline_warnings}


class Replay:
    c: Container  # the product on the scratch copy, and its clock: given to `run`
    clock: SimulatedClock

    def __init__(self, dispatcher: Principal, arrivals: list[Arrival], bases: list[tuple[int, float, float]],
                 start: datetime, hours: float, *, city: str,
                 on_progress: Callable[[float], None] | None = None) -> None:
        self.city, self.dispatcher = city, dispatcher
        self.arrivals, self.bases, self.start, self.hours = arrivals, bases, start, hours
        self.on_progress = on_progress or (lambda _f: None)
        self.end_s = hours * 3600
        self.limit_s = self.end_s + DRAIN.total_seconds()
        self._heap: list = []
        self._seq = itertools.count()
        self.t = 0.0
        self.vans: dict[int, Van] = {}
        self.cases: dict[str, Case] = {}
        self.open: set[str] = set()
        self.waiting: dict[str, float] = {}  # tracking -> when the dispatcher may act on it
        self.queue_dirty = False  # the escalation may have put an incident back in the queue
        self.arrived = 0
        self.counters = Counters()

    # ------------------------------------------------------------ the loop

    def run(self, c: Container, clock: SimulatedClock) -> dict:
        """Replay the day on the product `c` (built on a scratch copy) whose clock is `clock`."""
        self.c, self.clock = c, clock
        for k, (station_id, lon, lat) in enumerate(self.bases, start=1):
            unit = self.c.dispatch.create_unit(f"SIM-{k:04d}", UnitKind.PATROL_VAN.value, station_id, lon, lat)
            self.vans[unit["id"]] = Van(unit["id"], station_id, (lon, lat), (lon, lat))
        for a in self.arrivals:
            self._at(a.offset_s, self._arrive, a)
        self._at(TIMERS_EVERY_S, self._deadline_watch)
        self._at(MOVING_FIX_EVERY_S, self._post_moving)
        self._at(self._parked_every(), self._post_parked)
        self._at(PRUNE_EVERY_S, self._prune)
        next_report = 0.0
        while self._heap:
            t, _, step, args = heapq.heappop(self._heap)
            if t > self.limit_s or self._finished(t):
                break
            self.t = t
            self.clock.move_to(self.start + timedelta(seconds=t))
            step(*args)
            if t >= next_report:
                self.on_progress(min(t / self.end_s, 1.0))
                next_report = t + 600
        self.on_progress(1.0)
        return self._figures()

    def _finished(self, t: float) -> bool:
        return t >= self.end_s and self.arrived == len(self.arrivals) and not self.open

    def _at(self, t: float, step: Callable, *args) -> None:
        heapq.heappush(self._heap, (t, next(self._seq), step, args))

    def _every(self, period: float, step: Callable) -> None:
        if self.t + period <= self.limit_s:
            self._at(self.t + period, step)

    # ------------------------------------------------------------ her message, the dispatcher

    def _arrive(self, a: Arrival) -> None:
        now = self.clock.now()
        ack = self.c.intake.receive(Contact(
            channel="sms", provider="simulation", provider_id=f"SIM{self.arrived:06d}", sender=a.sender,
            receiving=a.receiving, text=a.text, received_at=now))
        self.arrived += 1
        self.cases[ack.tracking] = Case(a)
        self.open.add(ack.tracking)
        self.waiting[ack.tracking] = self.t + a.habits.handling_s
        self._at(self.t + a.habits.handling_s, self._dispatch)
        self._at(self.t + self.c.settings.unassigned_alarm_seconds + 0.01, self._timers_due)

    def _dispatch(self) -> None:
        """The dispatcher works through the queue (priority, then age): the first recommendation for each incident
        she has read, while any unit is available."""
        ready = [tracking for tracking, at in self.waiting.items() if at <= self.t]
        if not ready and not self.queue_dirty:
            return
        if not any(v.available for v in self.vans.values()):  # she sees no recommendation
            self.counters.waited_for_a_unit.update(ready)
            return
        self.queue_dirty = False
        for incident in self.c.incidents.list_open(self.dispatcher):
            tracking = incident["tracking"]
            if incident["status"] != "new" or self.waiting.get(tracking, self.t) > self.t:
                continue
            if not self._send_first(tracking):
                self.counters.waited_for_a_unit.add(tracking)
                self.waiting.setdefault(tracking, self.t)
                return  # no unit available for this one: none for those after it

    def _send_first(self, tracking: str) -> bool:
        for r in self.c.dispatch.recommend(tracking, 5, principal=self.dispatcher):
            try:
                self.c.dispatch.assign(tracking, r["unit_id"], self.dispatcher)
            except Conflict:
                continue
            self.waiting.pop(tracking, None)
            self._crew_sent(self.vans[r["unit_id"]], tracking)
            return True
        return False

    # ------------------------------------------------------------ the crews

    def _crew_sent(self, van: Van, tracking: str) -> None:
        case = self.cases[tracking]
        ack, turnout, factor = case.arrival.habits.crew(case.crews_sent)
        case.crews_sent += 1
        van.pos, van.trip, van.state, van.tracking = van.where(self.t), None, "dispatched", tracking
        van.gen += 1
        self._at(self.t + self.c.settings.ack_timeout_seconds + 0.01, self._timers_due)
        if ack is not None:  # else this crew never answers: the acknowledgement timeout will find it
            self._at(self.t + ack, self._acknowledge, van, van.gen, turnout, factor)

    def _acknowledge(self, van: Van, gen: int, turnout: float, factor: float) -> None:
        if van.gen == gen:
            self.c.dispatch.set_status(van.id, "acknowledged", actor=CREW)
            self._at(self.t + turnout, self._set_off, van, gen, factor)

    def _set_off(self, van: Van, gen: int, factor: float) -> None:
        if van.gen != gen or van.tracking is None:
            return
        self.c.dispatch.set_status(van.id, "en_route", actor=CREW)
        a = self.cases[van.tracking].arrival
        seconds = self._drive(van.pos, (a.lon, a.lat), factor)
        van.trip, van.state = Trip(van.pos, (a.lon, a.lat), self.t, self.t + seconds), "to_scene"
        self._at(self.t + seconds, self._on_scene, van, gen)

    def _on_scene(self, van: Van, gen: int) -> None:
        if van.gen != gen or van.trip is None or van.tracking is None:
            return
        van.pos, van.trip, van.state = van.trip.dest, None, "on_scene"
        self.c.dispatch.post_positions([{"unit_id": van.id, "lon": van.pos[0], "lat": van.pos[1]}])
        self.c.dispatch.set_status(van.id, "on_scene", actor=CREW)
        self._at(self.t + self.cases[van.tracking].arrival.habits.scene_s, self._clear, van, gen)

    def _clear(self, van: Van, gen: int) -> None:
        if van.gen != gen or van.tracking is None:
            return
        self.c.dispatch.set_status(van.id, "available", actor=CREW)  # the last unit clearing closes the incident
        self.open.discard(van.tracking)
        van.tracking, van.state = None, "returning"
        van.gen += 1
        seconds = self._drive(van.pos, van.base, 1.0)
        van.trip = Trip(van.pos, van.base, self.t, self.t + seconds)
        self._at(self.t + seconds, self._home, van, van.gen)
        self._dispatch()

    def _home(self, van: Van, gen: int) -> None:
        if van.gen == gen:
            van.pos, van.trip, van.state = van.base, None, "parked"

    def _back_in_service(self, van: Van, gen: int) -> None:
        if van.gen == gen:
            self.c.dispatch.set_in_service(van.id, True, "back in service: the crew was reached")
            van.state = "parked"
            self._dispatch()

    def _drive(self, origin: tuple[float, float], dest: tuple[float, float], factor: float) -> float:
        metres = haversine_m(Point(*origin), Point(*dest)) * self.c.settings.road_factor
        if metres < ARRIVED_WITHIN_M:
            return 0.0
        return model.drive_seconds(metres, self.clock.now(),
                                   lambda at: speed_kmh(UnitKind.PATROL_VAN, at) * factor)

    # ------------------------------------------------------------ the server's timers and the vans' GPS

    def _deadline_watch(self) -> None:
        """Every five seconds while a unit is on its way (the watch has nothing to look at otherwise)."""
        if any(v.state in ("dispatched", "to_scene") for v in self.vans.values()):
            self.counters.deadline_warnings += self.c.dispatch.watch_deadlines()
        self._every(TIMERS_EVERY_S, self._deadline_watch)

    def _timers_due(self) -> None:
        """The acknowledgement timeout and the unassigned alarm, at a moment one of them may have fallen due (each
        dispatch's timeout, each wait's 30 s): the steps find what is due, as a server's loop would."""
        released = self.c.dispatch.escalate_due()
        self.counters.unassigned_alarms += self.c.incidents.alarm_unassigned()
        if released:
            self.counters.not_acknowledged += released
            self._reconcile()

    def _reconcile(self) -> None:
        """After an escalation: a released crew's van is out of service until someone reaches the crew; a van the
        escalation dispatched is told by its screen (the unit's own view)."""
        for unit in self.c.dispatch.list_units(city=self.city):
            van = self.vans.get(unit["id"])
            if van is None:
                continue
            if unit["status"] == "out_of_service" and van.state == "dispatched":
                van.state, van.tracking = "out", None
                van.gen += 1
                self._at(self.t + model.BACK_IN_SERVICE_AFTER.total_seconds(), self._back_in_service, van, van.gen)
            elif unit["status"] == "dispatched" and van.available:
                crew = Principal(0, CREW, Role.RESPONDER, ScopeKind.STATION, str(van.station_id), unit_id=van.id)
                job = self.c.dispatch.crew_view(van.id, crew, crew_unit_id=van.id)["assignment"]
                self.waiting.pop(job["tracking"], None)
                self._crew_sent(van, job["tracking"])
        self.queue_dirty = True  # an incident left without a unit is back in the queue: it waits, alarmed again
        self._at(self.t + self.c.settings.unassigned_alarm_seconds + 0.01, self._timers_due)
        self._dispatch()

    def _post_moving(self) -> None:
        fixes = []
        for van in self.vans.values():
            if van.trip is not None:
                van.pos = van.trip.at(self.t)
                fixes.append({"unit_id": van.id, "lon": van.pos[0], "lat": van.pos[1]})
        if fixes:
            self.c.dispatch.post_positions(fixes)
        self._every(MOVING_FIX_EVERY_S, self._post_moving)

    def _post_parked(self) -> None:
        fixes = [{"unit_id": v.id, "lon": v.pos[0], "lat": v.pos[1]} for v in self.vans.values() if v.trip is None]
        for i in range(0, len(fixes), 1000):
            self.c.dispatch.post_positions(fixes[i:i + 1000])
        self._every(self._parked_every(), self._post_parked)

    def _prune(self) -> None:
        """The prune step a server runs: the history beyond its window goes (each response's track is kept)."""
        while self.c.dispatch.prune_positions() >= 2000:
            pass
        self._every(PRUNE_EVERY_S, self._prune)

    def _parked_every(self) -> float:
        """A parked van's device reports its unchanged position too: here at half the age at which a position
        turns stale (5 minutes by default), which keeps it fresh for the recommendation at a fraction of the writes."""
        return self.c.settings.stale_position_minutes * 60 / 2

    # ------------------------------------------------------------ the figures, read back through the services

    def _figures(self) -> dict:
        end = self.clock.now()
        rows = self.c.incidents.times_since(self.dispatcher, self.start - timedelta(seconds=1))
        outcomes = [Outcome(r["received_at"], r["first_dispatched_at"], r["arrived_at"],
                            datetime.fromisoformat(r["respond_by"]) if r["respond_by"] else None,
                            r["closed_at"] is not None) for r in rows]
        busy = [Busy(a["unit_id"], a["dispatched_at"], a["cleared_at"] or a["released_at"] or end)
                for r in rows for a in self.c.dispatch.timeline(r["tracking"], principal=self.dispatcher)]
        figures = model.summarise(len(self.vans), outcomes, busy, self.start, self.hours, self.counters.as_dict())
        return {**figures, "arrivals": len(self.arrivals), "simulated_until": end.isoformat()}
