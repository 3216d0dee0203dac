"""The simulator's assumptions and arithmetic: how many women write and when, how people and vans behave, and the
figures of a simulated day. Plain Python (standard library and core only); every assumption is named here, with
its source where there is one, and repeated in docs/simulation.md.

How many
--------
Mumbai's police control room took about 1,500 genuine distress calls a day (Indian Express, 2017-12-04: "only
about 1,500 calls daily are genuine"; shared/reference/india-systems.md, source 35). Offences against women were 12%
of Telangana's Dial 100 cases (Newsmeter, 2020-12-11, from Telangana Police's figures for November 2020). So Mumbai's
women-safety incidents are taken as 1,500 × 12% = 180 a day, about 2 per police station: a city imported without a
figure of its own gets 180 / 91 a day per station (an assumption: stations are drawn smaller where people live
closer). `--rate` sets another daily figure.

When
----
Not evenly over the day. Delhi Police's control room sees "a surge of distress calls … between 7 PM and 11 PM"
(Minister of State for Home, Rajya Sabha, reported by the Asian Age, 2016-12-14), and Madhya Pradesh's Dial 100
received women's distress calls most between 8 pm and 11 pm (New Indian Express, 2018-05-13, Feb-Apr 2018 data).
HOURLY_SHAPE puts the peak there, the trough in the small hours, and a flat day between: the evening peak is sourced,
the exact weight of each other hour is an assumption. Arrivals are a Poisson process whose rate is constant within
each local hour (the day's rate × the hour's weight).

Where
-----
Most incidents happen where people are: 70% fall within a few hundred metres (a normal spread of 400 m) of one of
the city's post offices (India Post's directory, shipped for `/directory`: 240 in Mumbai), each equally likely;
the rest anywhere in the city, a station's area chosen uniformly, then a point in it. A city without post offices
(one imported by an operator) gets the second rule alone. Assumption: post offices stand for dense localities
(markets, stations, housing), the hotspots of a city.

People and vans (assumptions, none measured)
---------------------------------------------
- The dispatcher assigns the first recommended unit after reading the incident: median 20 s (log-normal, σ 0.6,
  5 s to 3 min). When no unit is available she tries again as soon as one is.
- 95% of crews acknowledge 5 to 40 s after the dispatch; 5% never do, so the product's acknowledgement timeout
  releases them and sends the next unit. A released van is put back in service 15 minutes later.
- A crew sets off 0 to 30 s after acknowledging. Vans drive the straight line × the road factor at the product's
  speed for the hour (dispatch/model.py: 15 km/h at peak, 22 normal, 35 at night), each trip 20% faster or slower at
  random (the traffic of the day). On scene they stay 20 minutes at the median (log-normal, σ 0.5, 5 to 90
  minutes), then clear and drive back to their post, available on the way.
- 85% of women write to their station's women helpline, 15% to its general number (as the demo's simulator).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

GENUINE_CALLS_PER_DAY_MUMBAI = 1500  # Indian Express 2017-12-04 (reference source 35)
WOMEN_SHARE = 0.12  # Telangana Dial 100, Nov 2020: 12% of cases are offences against women (Newsmeter 2020-12-11)
MUMBAI_STATIONS = 91
PER_STATION_PER_DAY = GENUINE_CALLS_PER_DAY_MUMBAI * WOMEN_SHARE / MUMBAI_STATIONS
# Relative weight of each local hour (0 = midnight to 1 am). Peak 19-23 h (Delhi PCR; MP Dial 100, 20-23 h the
# most); the rest is an assumption. Normalised to a mean of 1 by `hourly_rates`.
HOURLY_SHAPE = (0.9, 0.6, 0.4, 0.3, 0.3, 0.35, 0.5, 0.7, 0.8, 0.9, 1.0, 1.0,
                1.0, 1.0, 1.0, 1.05, 1.1, 1.2, 1.4, 1.8, 2.1, 2.2, 2.0, 1.4)
HOTSPOT_SHARE = 0.7
HOTSPOT_SPREAD_M = 400.0
WOMEN_HELPLINE_SHARE = 0.85
NEVER_ACKNOWLEDGE = 0.05
BACK_IN_SERVICE_AFTER = timedelta(minutes=15)
TARGET_SHARE = 0.9  # the planning question: 90% ...
TARGET_MINUTES = 10  # ... within 10 minutes


def daily_rate(stations: int, rate: float | None = None) -> float:
    """Women-safety incidents a day: the given rate, else the assumed rate per station × stations."""
    if rate is not None:
        return rate
    return PER_STATION_PER_DAY * stations


def hourly_rates(per_day: float) -> list[float]:
    """Incidents per hour for each local hour: the day's total spread by HOURLY_SHAPE."""
    mean = sum(HOURLY_SHAPE) / len(HOURLY_SHAPE)
    return [per_day / 24 * w / mean for w in HOURLY_SHAPE]


def arrival_offsets(rng: random.Random, per_day: float, hours: float, start_hour: int = 0) -> list[float]:
    """Seconds from the start (local `start_hour`:00) of each arrival of a Poisson process whose rate is constant
    within each local hour. Exact: the process is memoryless, so each hour is drawn on its own."""
    rates, out, hour = hourly_rates(per_day), [], 0
    while hour < hours:
        span = min(1.0, hours - hour) * 3600
        per_second = rates[(start_hour + hour) % 24] / 3600
        t = 0.0
        while per_second > 0:
            t += rng.expovariate(per_second)
            if t >= span:
                break
            out.append(hour * 3600 + t)
        hour += 1
    return out


@dataclass(frozen=True)
class Habits:
    """How the people around one incident behave, drawn once per incident so that every fleet size meets the same
    people: the dispatcher's handling time, then for each crew sent (in order) its acknowledgement delay (None:
    never acknowledges), turnout and traffic; and the time on scene."""

    handling_s: float
    crews: tuple[tuple[float | None, float, float], ...]  # (ack delay or None, turnout, speed factor)
    scene_s: float

    @classmethod
    def draw(cls, rng: random.Random, crews: int = 8) -> Habits:
        handling = _clip(rng.lognormvariate(math.log(20), 0.6), 5, 180)
        sent = tuple((None if rng.random() < NEVER_ACKNOWLEDGE else rng.uniform(5, 40), rng.uniform(0, 30),
                      rng.uniform(0.8, 1.2)) for _ in range(crews))
        scene = _clip(rng.lognormvariate(math.log(20 * 60), 0.5), 5 * 60, 90 * 60)
        return cls(handling, sent, scene)

    def crew(self, nth: int) -> tuple[float | None, float, float]:
        """The nth crew sent to this incident (0 = the first); beyond those drawn, the last again."""
        return self.crews[min(nth, len(self.crews) - 1)]


def drive_seconds(metres: float, depart: datetime, kmh_at: Callable[[datetime], float]) -> float:
    """Seconds to drive `metres` of road setting off at `depart`, at the speed of each moment (speeds change on
    the half hour at most: India's hours start at :30 UTC)."""
    left, at, total = metres, depart, 0.0
    while left > 0:
        mps = kmh_at(at) / 3.6
        boundary = at.replace(minute=30 if at.minute < 30 else 0, second=0, microsecond=0)
        if at.minute >= 30:
            boundary += timedelta(hours=1)
        span = (boundary - at).total_seconds()
        if mps * span >= left:
            return total + left / mps
        left, total, at = left - mps * span, total + span, boundary
    return total


def allocate(weights: Sequence[float], n: int) -> list[int]:
    """Split n units over places in proportion to their weights (largest remainders; ties to the earlier)."""
    total = sum(weights)
    if n <= 0 or not weights:
        return [0] * len(weights)
    if total <= 0:
        weights, total = [1.0] * len(weights), float(len(weights))
    exact = [n * w / total for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return counts


def nearest_rank(values: Sequence[float], share: float) -> float | None:
    """The smallest value with at least `share` of the values at or below it (as the wallboard's 90%)."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[max(math.ceil(share * len(ordered)) - 1, 0)])


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count), as the wallboard's median."""
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


@dataclass(frozen=True)
class Outcome:
    """One simulated incident as the product recorded it (UTC-aware times)."""

    received_at: datetime
    dispatched_at: datetime | None
    arrived_at: datetime | None
    respond_by: datetime | None
    closed: bool


@dataclass(frozen=True)
class Busy:
    """A unit's time on one assignment: dispatched until cleared or released (or the end of the run)."""

    unit_id: int
    start: datetime
    end: datetime


def utilisation_by_hour(busy: Sequence[Busy], units: int, start: datetime, hours: int) -> list[float]:
    """For each hour from `start`, the share of the fleet's time spent on assignments."""
    out = []
    for h in range(hours):
        lo, hi = start + timedelta(hours=h), start + timedelta(hours=h + 1)
        seconds = sum(max((min(b.end, hi) - max(b.start, lo)).total_seconds(), 0.0) for b in busy)
        out.append(seconds / (units * 3600) if units else 0.0)
    return out


def summarise(fleet: int, outcomes: Sequence[Outcome], busy: Sequence[Busy], start: datetime, hours: float,
              counters: dict[str, int]) -> dict:
    """The figures of one fleet size. Shares are of every incident (one never reached counts as missed); the
    share within target is of the incidents that have a target (None when none has)."""
    response = [(o.arrived_at - o.received_at).total_seconds() for o in outcomes if o.arrived_at is not None]
    waits = [(o.dispatched_at - o.received_at).total_seconds() for o in outcomes if o.dispatched_at is not None]
    targeted = [o for o in outcomes if o.respond_by is not None]
    in_time = [o for o in targeted if o.arrived_at is not None and o.respond_by is not None
               and o.arrived_at <= o.respond_by]
    within_10 = sum(1 for s in response if s <= TARGET_MINUTES * 60)
    whole_hours = max(math.ceil(hours), 1)
    by_hour = utilisation_by_hour(busy, fleet, start, whole_hours)
    window = (start, start + timedelta(hours=hours))
    busy_s = sum(max((min(b.end, window[1]) - max(b.start, window[0])).total_seconds(), 0.0) for b in busy)
    return {
        "fleet": fleet,
        "incidents": len(outcomes),
        "reached": len(response),
        "not_reached": len(outcomes) - len(response),
        "closed": sum(1 for o in outcomes if o.closed),
        "response_seconds": {"p50": _round(median(response)), "p90": _round(nearest_rank(response, 0.9)),
                             "p99": _round(nearest_rank(response, 0.99)),
                             "mean": _round(sum(response) / len(response)) if response else None},
        "within_10_minutes": _share(within_10, len(outcomes)),
        "with_target": len(targeted),
        "within_target": _share(len(in_time), len(targeted)),
        "dispatch_wait_seconds": {"p50": _round(median(waits)), "p90": _round(nearest_rank(waits, 0.9)),
                                  "max": _round(max(waits)) if waits else None},
        **counters,
        "utilisation": round(busy_s / (fleet * hours * 3600), 4) if fleet and hours else 0.0,
        "utilisation_by_hour": [round(u, 4) for u in by_hour],
        "response_times": [round(s, 1) for s in sorted(response)],
    }


def smallest_fleet(figures: Sequence[dict], share: float = TARGET_SHARE) -> int | None:
    """The smallest fleet whose share within 10 minutes reached `share`, or None if none did."""
    enough = [f["fleet"] for f in figures if (f["within_10_minutes"] or 0) >= share]
    return min(enough) if enough else None


def _clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 1)


class SimulatedClock:
    """The clock the replay moves: the product's services read it as they read the real one."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def move_to(self, at: datetime) -> None:
        """Forward only: time in a replay never runs back."""
        if at > self._now:
            self._now = at
