"""How long a unit recommendation takes at 5,000 and 50,000 units. Target: p99 under 2 ms at 50,000.

    .venv/bin/python bench/dispatch_recommend.py [--queries 2000] [--seed 7]

Units are spread uniformly over Mumbai's bounding box with a realistic mix: 70% available, the rest
dispatched, en route, on scene or out of service; one position in ten is stale and one unit in a hundred
has no GPS fix yet. Each query is `DispatchService.recommend_at` (the in-memory part of a recommendation:
the FleetIndex search and the dictionaries the API returns) at a random point in the same box.

Wall-clock time is what a dispatcher waits; on a shared machine it includes time this process was not
running at all. The thread's CPU time is printed beside it: the work a query itself costs.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

import numpy as np

from suraksha.core.clock import UTC, FixedClock
from suraksha.dispatch.fleet import FleetIndex, FleetUnit
from suraksha.dispatch.model import UnitKind, UnitStatus
from suraksha.dispatch.service import DispatchService
from suraksha.settings import Settings

LON = (72.77, 72.99)
LAT = (18.89, 19.28)
NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)  # 10:00 in Mumbai: peak traffic
STATUSES = list(UnitStatus)
STATUS_WEIGHTS = {UnitStatus.AVAILABLE: 0.70, UnitStatus.DISPATCHED: 0.04, UnitStatus.ACKNOWLEDGED: 0.04,
                  UnitStatus.EN_ROUTE: 0.08, UnitStatus.ON_SCENE: 0.09, UnitStatus.OUT_OF_SERVICE: 0.05}
KINDS = [UnitKind.NIRBHAYA_SQUAD, UnitKind.PATROL_VAN, UnitKind.BEAT_MARSHAL]


def make_units(n: int, rng: np.random.Generator) -> list[FleetUnit]:
    lons, lats = rng.uniform(*LON, n), rng.uniform(*LAT, n)
    ages = np.where(rng.random(n) < 0.1, rng.uniform(11, 120, n), rng.uniform(0, 9, n))
    no_fix = rng.random(n) < 0.01
    statuses = rng.choice(len(STATUSES), n, p=[STATUS_WEIGHTS[s] for s in STATUSES])
    kinds = rng.integers(0, len(KINDS), n)
    return [
        FleetUnit(
            id=i + 1, call_sign=f"MUM-{i + 1:05d}", kind=KINDS[kinds[i]], home_station_id=1 + i % 91,
            status=STATUSES[statuses[i]], lon=float(lons[i]), lat=float(lats[i]),
            position_at=None if no_fix[i] else NOW - timedelta(minutes=float(ages[i])),
        )
        for i in range(n)
    ]


def service_with(n: int, rng: np.random.Generator) -> DispatchService:
    settings = Settings(env="test")
    fleet = FleetIndex(settings.road_factor, timedelta(minutes=settings.stale_position_minutes))
    fleet.load(make_units(n, rng))
    return DispatchService(None, FixedClock(NOW), settings, incidents=None, stations=None, fleet=fleet)


def run(n: int, queries: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Milliseconds per query: wall clock, and this thread's CPU time."""
    service = service_with(n, rng)
    points = np.column_stack([rng.uniform(*LON, queries), rng.uniform(*LAT, queries)]).tolist()
    for lon, lat in points[:100]:  # warm-up
        service.recommend_at(lon, lat, limit=5)
    wall, cpu = np.empty(queries), np.empty(queries)
    for i, (lon, lat) in enumerate(points):
        start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
        found = service.recommend_at(lon, lat, limit=5)
        wall[i], cpu[i] = (time.perf_counter_ns() - start) / 1e6, (time.thread_time_ns() - start_cpu) / 1e6
        assert len(found) == 5
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    p99 = {}
    for n in (5_000, 50_000):
        t, cpu = run(n, args.queries, rng)
        p99[n] = float(np.percentile(t, 99))
        print(f"{n:>6} units, {args.queries} queries: p50 {np.percentile(t, 50):.3f} ms, "
              f"p99 {p99[n]:.3f} ms, max {t.max():.3f} ms "
              f"(CPU time: p50 {np.percentile(cpu, 50):.3f} ms, p99 {np.percentile(cpu, 99):.3f} ms)")
    ratio = p99[50_000] / p99[5_000]
    verdict = "meets" if p99[50_000] < 2.0 else "MISSES"
    print(f"p99(50k)/p99(5k) = {ratio:.2f}; p99 at 50,000 units {verdict} the 2 ms target")


if __name__ == "__main__":
    main()
