"""Benchmark (b): jurisdiction lookups for 1,000,000 random points over Mumbai.

The project's lookup (StationService.resolve_many: inside / overlap / nearest within 2 km / none, with the
cell cache) against a raw shapely 2 STRtree bulk query (`intersects` only: no gaps, no overlap choice),
on the same points, in alternating rounds. The cell cache is built once before timing (reported apart).

    .venv/bin/python bench/jurisdiction_lookup.py [--points 1000000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    from suraksha.bootstrap import build_container
    from suraksha.demo.setup import load_city
    from suraksha.migrations.run import upgrade
    from suraksha.settings import Settings

    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'lookup.db'}"
    upgrade(url)
    c = build_container(Settings(database_url=url))
    load_city(c)
    fc = c.stations.feature_collection("mumbai")
    geoms = [shapely.geometry.shape(f["geometry"]) for f in fc["features"]]
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    rng = np.random.default_rng(42)
    lons, lats = rng.uniform(minx, maxx, args.points), rng.uniform(miny, maxy, args.points)

    t0 = time.perf_counter()
    c.stations.resolve_many(lons[:1], lats[:1])  # builds the cell cache
    build_s = time.perf_counter() - t0
    tree = shapely.STRtree(geoms)

    ours, raw, raw_query_only = [], [], []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        pts = shapely.points(lons, lats)
        t1 = time.perf_counter()
        tree.query(pts, predicate="intersects")
        raw.append(time.perf_counter() - t0)
        raw_query_only.append(time.perf_counter() - t1)
        t0 = time.perf_counter()
        ids, codes = c.stations.resolve_many(lons, lats)
        ours.append(time.perf_counter() - t0)

    counts = np.bincount(codes, minlength=4)
    o, r = statistics.median(ours), statistics.median(raw)
    print(f"(b) jurisdiction lookup, {args.points:,} random points over Mumbai's bounding box, median of {args.rounds} rounds")
    print(f"  answers: inside {counts[3]:,}  overlap {counts[2]:,}  nearest {counts[1]:,}  none {counts[0]:,}")
    print(f"  raw STRtree bulk query (points + intersects): {args.points / r:12,.0f} lookups/s  ({r:.3f} s)")
    q = statistics.median(raw_query_only)
    print(f"    of which the query alone, points made     : {args.points / q:12,.0f} lookups/s  ({q:.3f} s)")
    print(f"  project lookup (resolve_many)              : {args.points / o:12,.0f} lookups/s  ({o:.3f} s)")
    print(f"  ratio project/raw: {r / o:.2f}x (against the query alone {q / o:.2f}x); "
          f"cell cache built once in {build_s:.2f} s")


if __name__ == "__main__":
    main()
