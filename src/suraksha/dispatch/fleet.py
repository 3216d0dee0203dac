"""FleetIndex: every unit's last position in numpy arrays, so a recommendation takes well under 2 ms at 50,000 units.

The database is the record; this index is a copy in memory, loaded at start and updated by the dispatch
service after each commit that changes a unit. A query, vectorised throughout:

1. Each position is also kept as a unit vector on the sphere (x, y, z). The dot product with the
   incident's vector orders units exactly as great-circle distance does (a longer arc, a smaller dot
   product) and costs one matrix-vector product instead of a haversine over every unit.
2. key = −dot, + 4 for a stale position (so every fresh unit sorts before every stale one), + ∞ for a unit
   that is not available.
3. A threshold on the key (a ring widening from 500 m) keeps the nearest few; `np.argpartition` on those
   picks a pool of the m nearest (m = 4 × limit + 16).
4. `haversine_many_m` gives the pool's distances and, with the kind's speed, the times; the best few
   become Candidates with `model.travel_seconds` and `model.rank` puts them in order.
5. The pool was chosen by distance but the answer is by time, and a beat marshal is faster than a van.
   If a unit outside the pool could still beat the last one recommended, the pool doubles and step 3
   repeats, so the answer is the same as ranking every unit (up to floating-point rounding).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from suraksha.core.clock import UTC
from suraksha.core.geo import EARTH_RADIUS_M, haversine_many_m
from suraksha.dispatch.model import (
    SPEED_FACTOR,
    Candidate,
    UnitKind,
    UnitStatus,
    fastest_travel_seconds,
    rank,
    traffic_band,
    travel_seconds,
)

STALE_OFFSET = 4.0  # fresh keys lie in [-1, 1], stale ones in [3, 5]
AVAILABLE_BELOW = 10.0  # every finite key
RADII_M = [500.0 * 2**i for i in range(17)]  # 500 m … beyond half the earth's circumference
NO_FIX = -np.inf


@dataclass(frozen=True)
class FleetUnit:
    """What the index keeps about one unit."""

    id: int
    call_sign: str
    kind: UnitKind
    home_station_id: int
    status: UnitStatus
    lon: float
    lat: float
    position_at: datetime | None
    city: str | None = None  # the home station's, for the scope rule
    state: str | None = None


class UnitRef(NamedTuple):
    """Who a unit is, for taking its positions: the scope rule's place and its call sign (they never change)."""

    id: int
    call_sign: str
    home_station_id: int
    city: str | None
    state: str | None


def unit_vectors(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """(n, 3) points on the unit sphere."""
    lon_r, lat_r = np.radians(lons), np.radians(lats)
    cos_lat = np.cos(lat_r)
    return np.column_stack([cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)])


def _epoch(at: datetime | None) -> float:
    return NO_FIX if at is None else at.timestamp()


class FleetIndex:
    """Units by row: numpy arrays for the numbers, lists for the words; `_row` maps a unit id to its row."""

    def __init__(self, road_factor: float, stale_after: timedelta, capacity: int = 1024) -> None:
        self.road_factor = road_factor
        self.stale_after_s = stale_after.total_seconds()
        self._lock = threading.Lock()
        self._allocate(capacity)

    def _allocate(self, capacity: int) -> None:
        self._n = 0
        self._row: dict[int, int] = {}
        self._ids = np.zeros(capacity, dtype=np.int64)
        self._station = np.zeros(capacity, dtype=np.int64)
        self._lon = np.zeros(capacity)
        self._lat = np.zeros(capacity)
        self._x, self._y, self._z = np.zeros(capacity), np.zeros(capacity), np.zeros(capacity)  # unit vectors
        self._factor = np.ones(capacity)  # speed factor of the unit's kind
        self._blocked = np.zeros(capacity)  # 0 when available, +inf otherwise
        self._pos_at = np.full(capacity, NO_FIX)  # epoch seconds of the last position
        self._call_sign: list[str] = []
        self._place: list[tuple[str | None, str | None]] = []  # (city, state)
        self._by_call_sign: dict[str, int] = {}
        self._kind: list[UnitKind] = []
        self._status: list[UnitStatus] = []

    def __len__(self) -> int:
        return self._n

    # ------------------------------------------------------------ changes

    def load(self, units: Iterable[FleetUnit]) -> None:
        """Replace the whole index (start-up, reload)."""
        units = list(units)
        with self._lock:
            self._allocate(max(1024, len(units)))
            n = self._n = len(units)
            self._row = {u.id: i for i, u in enumerate(units)}
            self._ids[:n] = [u.id for u in units]
            self._station[:n] = [u.home_station_id for u in units]
            self._lon[:n] = [u.lon for u in units]
            self._lat[:n] = [u.lat for u in units]
            self._x[:n], self._y[:n], self._z[:n] = unit_vectors(self._lon[:n], self._lat[:n]).T
            self._factor[:n] = [SPEED_FACTOR[UnitKind(u.kind)] for u in units]
            self._blocked[:n] = [0.0 if u.status is UnitStatus.AVAILABLE else np.inf for u in units]
            self._pos_at[:n] = [_epoch(u.position_at) for u in units]
            self._call_sign = [u.call_sign for u in units]
            self._place = [(u.city, u.state) for u in units]
            self._by_call_sign = {u.call_sign: i for i, u in enumerate(units)}
            self._kind = [UnitKind(u.kind) for u in units]
            self._status = [UnitStatus(u.status) for u in units]

    def upsert(self, unit: FleetUnit) -> None:
        with self._lock:
            row = self._row.get(unit.id)
            if row is None:
                row = self._append(unit)
            self._station[row] = unit.home_station_id
            self._call_sign[row], self._kind[row] = unit.call_sign, UnitKind(unit.kind)
            self._place[row] = (unit.city, unit.state)
            self._by_call_sign[unit.call_sign] = row
            self._factor[row] = SPEED_FACTOR[self._kind[row]]
            self._set_status(row, UnitStatus(unit.status))
            self._set_position(row, unit.lon, unit.lat, unit.position_at)

    def move(self, unit_id: int, lon: float, lat: float, at: datetime) -> None:
        with self._lock:
            self._set_position(self._row[unit_id], lon, lat, at)

    def move_many(self, moves: Iterable[tuple[int, float, float, datetime]]) -> None:
        """Move many units at once ((unit id, lon, lat, recorded at), one per unit), each unless the index already
        has a newer fix for it (a late event). Units it does not know are left out and raise KeyError once the
        others have moved."""
        rows, lons, lats, times, unknown = [], [], [], [], []
        with self._lock:
            for unit_id, lon, lat, at in moves:
                row = self._row.get(unit_id)
                if row is None:
                    unknown.append(unit_id)
                    continue
                rows.append(row)
                lons.append(lon)
                lats.append(lat)
                times.append(at.timestamp())
            if rows:
                r, t = np.array(rows, dtype=np.int64), np.array(times)
                newer = t >= self._pos_at[r]
                r, t = r[newer], t[newer]
                lon_a, lat_a = np.array(lons)[newer], np.array(lats)[newer]
                self._lon[r], self._lat[r], self._pos_at[r] = lon_a, lat_a, t
                xyz = unit_vectors(lon_a, lat_a)
                self._x[r], self._y[r], self._z[r] = xyz[:, 0], xyz[:, 1], xyz[:, 2]
        if unknown:
            raise KeyError(f"units not in the index: {unknown[:10]}")

    def set_status(self, unit_id: int, status: UnitStatus) -> None:
        with self._lock:
            self._set_status(self._row[unit_id], UnitStatus(status))

    def get(self, unit_id: int) -> FleetUnit | None:
        with self._lock:
            row = self._row.get(unit_id)
            if row is None:
                return None
            at = self._pos_at[row]
            position_at = None if at == NO_FIX else datetime.fromtimestamp(float(at), tz=UTC)
            return FleetUnit(
                unit_id, self._call_sign[row], self._kind[row], int(self._station[row]), self._status[row],
                float(self._lon[row]), float(self._lat[row]), position_at, *self._place[row],
            )

    def refs(self, ids: set[int], call_signs: set[str]) -> list[UnitRef]:
        """The units named by id or call sign that the index knows (a device gateway may know either)."""
        with self._lock:
            rows = {self._row[i] for i in ids if i in self._row}
            rows.update(self._by_call_sign[c] for c in call_signs if c in self._by_call_sign)
            return [UnitRef(int(self._ids[r]), self._call_sign[r], int(self._station[r]), *self._place[r])
                    for r in rows]

    def _append(self, unit: FleetUnit) -> int:
        if self._n == len(self._ids):
            self._grow(2 * len(self._ids))
        row = self._n
        self._n += 1
        self._row[unit.id] = row
        self._ids[row] = unit.id
        self._call_sign.append(unit.call_sign)
        self._place.append((unit.city, unit.state))
        self._by_call_sign[unit.call_sign] = row
        self._kind.append(UnitKind(unit.kind))
        self._status.append(UnitStatus(unit.status))
        return row

    def _grow(self, capacity: int) -> None:
        for name in ("_ids", "_station", "_lon", "_lat", "_x", "_y", "_z", "_factor", "_blocked", "_pos_at"):
            old = getattr(self, name)
            new = np.full(capacity, NO_FIX if name == "_pos_at" else 0, dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def _set_status(self, row: int, status: UnitStatus) -> None:
        self._status[row] = status
        self._blocked[row] = 0.0 if status is UnitStatus.AVAILABLE else np.inf

    def _set_position(self, row: int, lon: float, lat: float, at: datetime | None) -> None:
        self._lon[row], self._lat[row] = lon, lat
        self._x[row], self._y[row], self._z[row] = unit_vectors(np.array([lon]), np.array([lat]))[0]
        self._pos_at[row] = _epoch(at)

    # ------------------------------------------------------------ queries

    def nearest(self, lon: float, lat: float, now: datetime, limit: int = 5) -> list[Candidate]:
        """The `limit` available units that would reach (lon, lat) first, fresh positions before stale."""
        if limit < 1:
            return []
        q = unit_vectors(np.array([lon]), np.array([lat]))[0]
        with self._lock:
            if self._n == 0:
                return []
            key = self._keys(q, now)
            m = 4 * limit + 16
            while True:
                pool = _pool(key, m)
                ranked, exact = self._rank_pool(pool, key, lon, lat, now, limit, complete=len(pool) < m)
                if exact:
                    return ranked
                m *= 2

    def _keys(self, q: np.ndarray, now: datetime) -> np.ndarray:
        n = self._n
        key = self._x[:n] * -q[0]  # element-wise rather than a BLAS product: no thread hand-offs
        key += self._y[:n] * -q[1]
        key += self._z[:n] * -q[2]
        key += self._blocked[:n]
        stale = self._pos_at[:n] < now.timestamp() - self.stale_after_s
        np.add(key, STALE_OFFSET, out=key, where=stale)
        return key

    def _rank_pool(
        self, pool: np.ndarray, key: np.ndarray, lon: float, lat: float, now: datetime, limit: int, complete: bool,
    ) -> tuple[list[Candidate], bool]:
        if len(pool) == 0:
            return [], True
        dist = haversine_many_m(lon, lat, self._lon[pool], self._lat[pool])
        stale = key[pool] >= STALE_OFFSET - 1.0
        eta = dist * (self.road_factor * 3.6 / traffic_band(now).kmh) / self._factor[pool]
        chosen = _first(stale, eta, limit)
        ranked = rank([self._candidate(int(pool[i]), float(dist[i]), bool(stale[i]), now) for i in chosen], limit)
        if complete:
            return ranked, True
        last = int(np.argmax(key[pool]))  # the farthest unit in the pool; every unit outside is at least as far
        bound = (bool(stale[last]), fastest_travel_seconds(float(dist[last]), now, self.road_factor))
        return ranked, (ranked[-1].stale, ranked[-1].eta_seconds) <= bound

    def _candidate(self, row: int, distance_m: float, stale: bool, now: datetime) -> Candidate:
        kind = self._kind[row]
        at = self._pos_at[row]
        age = None if at == NO_FIX else max(0.0, now.timestamp() - float(at))
        return Candidate(
            unit_id=int(self._ids[row]), call_sign=self._call_sign[row], kind=kind,
            home_station_id=int(self._station[row]), status=self._status[row], distance_m=distance_m,
            eta_seconds=travel_seconds(distance_m, kind, now, self.road_factor), stale=stale,
            position_age_seconds=age, lon=float(self._lon[row]), lat=float(self._lat[row]),
        )


def _first(stale: np.ndarray, eta: np.ndarray, limit: int) -> list[int]:
    """Positions of the `limit` best by (stale, eta), and any tied with the last (model.rank breaks ties)."""
    order = np.lexsort((eta, stale))
    k = min(limit, len(order))
    last, rest = order[k - 1], order[k:]
    ties = rest[(stale[rest] == stale[last]) & (eta[rest] <= eta[last] * (1 + 1e-9))]
    return [*order[:k].tolist(), *ties.tolist()]


def _pool(key: np.ndarray, m: int) -> np.ndarray:
    """Rows of the m smallest finite keys (all of them when there are fewer)."""
    available = np.count_nonzero(key < AVAILABLE_BELOW)
    if available <= m:
        return np.flatnonzero(key < AVAILABLE_BELOW)
    offset = 0.0 if np.count_nonzero(key < STALE_OFFSET - 1.0) >= m else STALE_OFFSET
    for r in RADII_M:
        idx = np.flatnonzero(key < offset - math.cos(min(r / EARTH_RADIUS_M, math.pi)))
        if len(idx) >= m:
            break
    else:
        idx = np.flatnonzero(key < AVAILABLE_BELOW)
    return idx[np.argpartition(key[idx], m - 1)[:m]]

