"""One incident per emergency: when two open incidents are about the same emergency. Plain rules, no framework.

Contacts from the same sender (her number, or a panic button's device) join her open incident automatically
(`model.decide`). Contacts from *different* senders are never joined by a rule: two incidents are only
*suggested* as the same emergency, and a call-taker merges them or says they are not the same (docs/adr/0013).

Suggested as the same emergency
-------------------------------
Two incidents are suggested when all of these hold:

- both are open (new, dispatched, en route or on scene) and neither is merged;
- both know where she is (a location from a contact, not a station's anchor point);
- they are at most `radius_m` apart (`SURAKSHA_MERGE_RADIUS_M`, 500 m by default);
- their contacts overlap in time, give or take `window` (`SURAKSHA_MERGE_WINDOW_MINUTES`, 30 min by default):
  one was received no later than `window` after the other's last contact;
- no sender is on both (the same sender's contacts were joined already, or deliberately kept apart);
- nobody said of this pair that they are not the same.

Merging
-------
The *duplicate* is merged into the *survivor*: the duplicate's senders and messages are listed on the survivor,
which keeps the higher of the two priorities (1 is the highest); the duplicate becomes `merged` (out of the queue,
never deleted). Refused: merging an incident into itself, into a closed or merged incident, a closed or merged
incident, and a duplicate with a unit on it (the unit is the survivor's to send: clear or release it first). An
unmerge puts back exactly what the merge moved, and the duplicate's status before it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from suraksha.core.errors import Conflict
from suraksha.core.geo import Point, haversine_m

MERGED = "merged"  # the duplicate's status (incidents.model.IncidentStatus.MERGED)
CLOSED = "closed"
DEFAULT_RADIUS_M = 500.0
DEFAULT_WINDOW = timedelta(minutes=30)
METRES_PER_DEGREE_LAT = 111_320.0


@dataclass(frozen=True)
class MergeRules:
    radius_m: float = DEFAULT_RADIUS_M
    window: timedelta = DEFAULT_WINDOW


@dataclass(frozen=True)
class Sighting:
    """What the suggestion needs to know of an incident: where, and when its contacts came."""

    lon: float
    lat: float
    received_at: datetime
    last_message_at: datetime


def box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a square holding the circle: the query's cheap first cut."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def overlaps(a: Sighting, b: Sighting, window: timedelta) -> bool:
    """Their contacts overlap in time, give or take the window."""
    return b.received_at <= a.last_message_at + window and a.received_at <= b.last_message_at + window


def distance_m(a: Sighting, b: Sighting) -> float:
    return haversine_m(Point(a.lon, a.lat), Point(b.lon, b.lat))


def suggested(a: Sighting, b: Sighting, rules: MergeRules) -> bool:
    """Near enough in place and time (the other conditions are the query's: open, known, senders, rejections)."""
    return overlaps(a, b, rules.window) and distance_m(a, b) <= rules.radius_m


def pair(a: int, b: int) -> tuple[int, int]:
    """A pair of incidents in one order, however it is named: how a rejection is stored and found."""
    return (a, b) if a < b else (b, a)


def check_merge(duplicate: str, duplicate_status: str, survivor: str, survivor_status: str,
                units_on_duplicate: int) -> None:
    """Refuse what must not be merged (stable codes; see the module's docstring)."""
    if duplicate == survivor:
        raise Conflict(f"{duplicate} cannot be merged into itself", code="merge_into_itself")
    if duplicate_status == MERGED:
        raise Conflict(f"{duplicate} is already merged", code="incident_merged")
    if duplicate_status == CLOSED:
        raise Conflict(f"{duplicate} is closed", code="incident_closed")
    if survivor_status in (CLOSED, MERGED):
        raise Conflict(f"{survivor} is {survivor_status}: merge into an open incident", code="merge_target_not_open")
    if units_on_duplicate:
        raise Conflict(f"{duplicate} has a unit on it: clear or release it before merging",
                       code="merge_unit_assigned")


def check_pair(a: str, b: str) -> None:
    if a == b:
        raise Conflict(f"{a} is the same incident", code="merge_into_itself")


def check_unmerge(tracking: str, status: str) -> None:
    if status != MERGED:
        raise Conflict(f"{tracking} is not merged", code="not_merged")


def check_survivor_unmerged(survivor: str, status: str) -> None:
    """What was merged into an incident since merged itself comes back only after that later merge is undone (its
    contacts moved on with it)."""
    if status == MERGED:
        raise Conflict(f"{survivor} has since been merged too: unmerge it first", code="survivor_merged")


def kept_priority(duplicate: int, survivor: int) -> int:
    """The survivor keeps the higher priority of the two (1 is the highest)."""
    return min(duplicate, survivor)
