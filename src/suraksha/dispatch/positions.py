"""Positions of many units: what is kept hot, what is kept for replay, and how movement is announced.

Plain Python: no web framework, no database.

Latest position
---------------
A unit's latest position is the fix with the newest `recorded_at` (the device's own time) that has reached us:
it is the one on the unit (the `units` row, and the FleetIndex in each server's memory). A fix that arrives late,
older than the latest, goes into the history only: it never moves the unit back.

History, bounded
----------------
Every fix goes into the history, and is kept only as long as something needs it:

- **the rolling window**: every unit's fixes received in the last `SURAKSHA_POSITION_HISTORY_MINUTES` (10);
- **a response's track**: where the unit sent to an incident was when it was sent (its latest position), then every
  fix it took while on the assignment, until it cleared or was released; a fix taken then but delivered late still
  joins it for `LATE_GRACE` (1 minute) after it ended. Tracks are kept `SURAKSHA_TRACK_RETENTION_DAYS` (90) after
  the assignment ended, for replaying the response.

A timer step prunes the rest every few seconds, so the history holds about (fixes per second) × (window + a few
seconds) rows, and the tracks the fixes of the responses of the retention period.

Movement, coalesced
-------------------
Fixes arriving together (a device gateway's batch, or many phones' fixes written in one flush) are announced as
one `UnitsMoved` event per home station, listing each unit that moved once with its newest fix: the one scope rule
still decides who hears of which unit, and a batch of thousands of fixes makes at most one event per station.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

POSITIONS_STORE = "positions"  # the positions' store: on SQLite the file `<database>-positions.db` beside the main one
LATE_GRACE = timedelta(minutes=1)  # a fix delivered this long after its assignment ended still joins its track


class UnitFix(NamedTuple):
    """One accepted GPS fix of a known unit, with the unit's place (for the scope rule) and call sign."""

    unit_id: int
    call_sign: str
    station_id: int
    city: str | None
    state: str | None
    lon: float
    lat: float
    at: datetime  # recorded_at: the device's time of the fix (UTC)
    received_at: datetime


def newest_per_unit(fixes: Iterable[UnitFix]) -> list[UnitFix]:
    """Each unit's newest fix (the later one of two with the same time), in unit order."""
    newest: dict[int, UnitFix] = {}
    for f in fixes:
        seen = newest.get(f.unit_id)
        if seen is None or f.at >= seen.at:
            newest[f.unit_id] = f
    return [newest[k] for k in sorted(newest)]


Place = tuple[int, str | None, str | None]  # station id, city, state


def by_place(fixes: Iterable[UnitFix]) -> dict[Place, list[UnitFix]]:
    """Fixes grouped by their unit's home station (with its city and state), for one event per station."""
    groups: dict[Place, list[UnitFix]] = {}
    for f in fixes:
        groups.setdefault((f.station_id, f.city, f.state), []).append(f)
    return groups


def moved_entry(f: UnitFix, stale: bool) -> dict:
    """How a moved unit appears in a `UnitsMoved` event."""
    return {"unit_id": f.unit_id, "call_sign": f.call_sign, "lon": f.lon, "lat": f.lat, "at": f.at.isoformat(),
            "stale": stale}


@dataclass(frozen=True)
class HistoryPolicy:
    """How long positions are kept (see the module's docstring)."""

    window: timedelta  # every unit's fixes received within it
    track_retention: timedelta  # a response's track, after its assignment ended
    grace: timedelta = LATE_GRACE

    def history_before(self, now: datetime) -> datetime:
        """Fixes received before this are pruned from the history."""
        return now - self.window

    def tracks_ended_before(self, now: datetime) -> datetime:
        """The tracks of assignments that ended before this are closed: late fixes no longer join them."""
        return now - self.grace

    def tracks_before(self, now: datetime) -> datetime:
        """The tracks of assignments that ended before this are pruned."""
        return now - self.track_retention
