"""The supervisor's wallboard, as plain rules: how old an open incident is, what "the day" is, and the three
response times (answer, dispatch, arrival) with their median and 90th percentile against the target.

Definitions (docs/dispatch.md, "Supervisor wallboard", says the same in words):

- answer = the first answering action after receipt − received_at. An answering action is a person in the
  control room or a station acting on the incident (a note, a change of priority or category, a transfer,
  accepting or dismissing a later location, closing it, settling a message to her) or a unit dispatched to it,
  whichever comes first. The automatic acknowledgement every SMS gets at once is not an answer: it tells her the
  message arrived, not that anyone has read it. An incident nobody has acted on yet has no answer time.
- dispatch = first_dispatched_at − received_at.
- arrival = arrived_at − received_at (the incident's `response_seconds`: the first unit on scene).
- median: the middle value (the mean of the two middle ones for an even count); p90: by nearest rank, the
  smallest value with at least 90% of the values at or below it.
- within target: an incident whose first unit arrived at or before its deadline (`respond_by`). The share counts
  the incidents that have a target and whose outcome is known: those that arrived, and those still open whose
  deadline passed without a unit on scene (missed). Those still within their deadline are not counted yet, nor
  those closed without a unit arriving (no unit was needed: a false alarm, a duplicate, help given by phone).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

# Open incidents by age since receipt, in minutes: [low, high), the last without an upper bound.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under_5", 0, 5), ("5_15", 5, 15), ("15_60", 15, 60), ("over_60", 60, None),
)
PRIORITIES = (1, 2, 3, 4, 5)
MEASURES = ("answer", "dispatch", "arrival")


def age_bucket(received_at: datetime, now: datetime) -> str:
    """The bucket of an incident received at `received_at`, seen at `now` (a future receipt counts as new)."""
    minutes = max((now - received_at).total_seconds(), 0.0) / 60
    for name, low, high in AGE_BUCKETS:
        if minutes >= low and (high is None or minutes < high):
            return name
    return AGE_BUCKETS[-1][0]


def local_day(now: datetime, zone_name: str) -> date:
    """Today's date in the city's time zone."""
    return now.astimezone(ZoneInfo(zone_name)).date()


def day_start(now: datetime, zone_name: str) -> datetime:
    """Local midnight of today in the zone, as an aware datetime (compare it with UTC times directly)."""
    return datetime.combine(local_day(now, zone_name), datetime.min.time(), tzinfo=ZoneInfo(zone_name))


def same_local_day(at: datetime, now: datetime, zone_name: str) -> bool:
    return local_day(at, zone_name) == local_day(now, zone_name)


# The window to read before filtering by each city's local day: any zone's midnight is within it.
LOOK_BACK = timedelta(hours=48)


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile_90(values: Sequence[float]) -> float | None:
    """Nearest rank: the smallest value with at least 90% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[math.ceil(0.9 * len(ordered)) - 1])


@dataclass(frozen=True)
class Spread:
    count: int
    median_seconds: float | None
    p90_seconds: float | None

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Spread:
        return cls(len(seconds), median(seconds), percentile_90(seconds))


@dataclass(frozen=True)
class IncidentTimes:
    """One incident of the day, as the figures need it (all times UTC-aware)."""

    station_id: int | None
    received_at: datetime
    answered_at: datetime | None
    dispatched_at: datetime | None
    arrived_at: datetime | None
    respond_by: datetime | None
    target_minutes: int | None
    closed: bool

    def seconds(self, measure: str) -> float | None:
        end = {"answer": self.answered_at, "dispatch": self.dispatched_at, "arrival": self.arrived_at}[measure]
        return max((end - self.received_at).total_seconds(), 0.0) if end is not None else None

    def within_target(self, now: datetime) -> bool | None:
        """True: arrived by the deadline; False: arrived late, or open with the deadline passed; None: not known
        yet (no target, still within it, or closed without a unit on scene)."""
        if self.respond_by is None:
            return None
        if self.arrived_at is not None:
            return self.arrived_at <= self.respond_by
        if not self.closed and now > self.respond_by:
            return False
        return None


def answered_at(first_action_at: datetime | None, first_dispatched_at: datetime | None) -> datetime | None:
    """The first answering action or dispatch, whichever came first."""
    known = [t for t in (first_action_at, first_dispatched_at) if t is not None]
    return min(known) if known else None


@dataclass
class StationDay:
    """The day's figures of one station (or, with station_id None, of the whole area)."""

    station_id: int | None
    incidents: int = 0
    spreads: dict[str, Spread] = field(default_factory=dict)
    target_minutes: int | None = None
    within_target: int = 0
    decided: int = 0

    @property
    def share_within_target(self) -> float | None:
        return self.within_target / self.decided if self.decided else None


def day_figures(station_id: int | None, day: Iterable[IncidentTimes], now: datetime) -> StationDay:
    """Counts, spreads and the share within target of these incidents. The target shown is the one most of them
    had (all share it unless a priority's or a category's own target applies); the share uses each one's own."""
    items = list(day)
    out = StationDay(station_id, incidents=len(items))
    for measure in MEASURES:
        out.spreads[measure] = Spread.of([s for s in (i.seconds(measure) for i in items) if s is not None])
    targets = Counter(i.target_minutes for i in items if i.target_minutes is not None)
    out.target_minutes = min(targets.most_common(), key=lambda tc: (-tc[1], tc[0]))[0] if targets else None
    verdicts = [v for v in (i.within_target(now) for i in items) if v is not None]
    out.within_target, out.decided = sum(verdicts), len(verdicts)
    return out


def by_station(day: Iterable[IncidentTimes], now: datetime) -> list[StationDay]:
    groups: dict[int | None, list[IncidentTimes]] = {}
    for item in day:
        groups.setdefault(item.station_id, []).append(item)
    return [day_figures(station_id, items, now) for station_id, items in groups.items()]


# ------------------------------------------------------------------ the share of contacts that became incidents
# (docs/adr/0009): every contact (a message, call or alert) of the last hours in the viewer's area, per channel and
# per hour of the city's clock, and how many of them belong to a genuine incident (one not marked as noise).

MAX_SHARE_HOURS = 168  # a week


@dataclass
class ShareCount:
    contacts: int = 0
    genuine: int = 0

    def add(self, genuine: bool) -> None:
        self.contacts += 1
        self.genuine += genuine

    @property
    def share(self) -> float | None:
        """genuine / contacts; None when there was no contact."""
        return self.genuine / self.contacts if self.contacts else None


def share_hours(now: datetime, zone_name: str, hours: int) -> tuple[datetime, datetime]:
    """[start, end): the last `hours` whole hours of the city's clock, the current hour the last of them."""
    local = now.astimezone(ZoneInfo(zone_name)).replace(minute=0, second=0, microsecond=0)
    end = local + timedelta(hours=1)
    return end - timedelta(hours=hours), end


@dataclass
class ContactShare:
    start: datetime
    hours: list[dict[str, ShareCount]]  # per hour from `start`: channel -> counts
    by_channel: dict[str, ShareCount]
    total: ShareCount


def contact_share(contacts: Iterable[tuple[str, datetime, bool]], start: datetime, hours: int) -> ContactShare:
    """Count (channel, received_at, genuine) contacts into hourly buckets from `start`; others are left out."""
    out = ContactShare(start, [{} for _ in range(hours)], {}, ShareCount())
    for channel, at, genuine in contacts:
        index = int((at - start).total_seconds() // 3600)
        if not 0 <= index < hours:
            continue
        out.hours[index].setdefault(channel, ShareCount()).add(genuine)
        out.by_channel.setdefault(channel, ShareCount()).add(genuine)
        out.total.add(genuine)
    return out
