"""Benchmark: registry search latency at 1,200,000 synthetic records.

Usage: python bench/registry_search.py [--n 1200000] [--queries 1000] [--seed 11]

Generated records are cached in var/registry_synth_<n>_<seed>.pickle. Queries are
held-out registrations of persons that have other registrations in the index, so each
query is a realistic variant (other spelling, script, initials, order, district...).
"""

from __future__ import annotations

import argparse
import pickle
import random
import time
from pathlib import Path

import numpy as np

from suraksha.registry.search import RegistryIndex
from suraksha_lab.registry.synth import generate

VAR = Path(__file__).resolve().parent.parent / "var"


def load_records(n: int, seed: int):
    path = VAR / f"registry_synth_{n}_{seed}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            return pickle.load(handle), True
    records, truth = generate(n, seed)
    VAR.mkdir(exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump((records, truth), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return (records, truth), False


def held_out(records, truth, count: int, seed: int):
    """Pick one registration of `count` multi-record persons as queries."""
    by_person: dict[str, list[int]] = {}
    for i, rec in enumerate(records):
        by_person.setdefault(truth[rec.record_id], []).append(i)
    multi = [idx for idx in by_person.values() if len(idx) > 1]
    chosen = random.Random(seed).sample(multi, min(count, len(multi)))
    queries = {idx[0] for idx in chosen}
    indexed = [r for i, r in enumerate(records) if i not in queries]
    return indexed, [records[i] for i in sorted(queries)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_200_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    start = time.perf_counter()
    (records, truth), cached = load_records(args.n, args.seed)
    print(f"records: {len(records):,} ({'cached' if cached else 'generated'}) "
          f"in {time.perf_counter() - start:.1f} s")
    indexed, queries = held_out(records, truth, args.queries, args.seed)

    start = time.perf_counter()
    index = RegistryIndex(indexed)
    print(f"index build: {time.perf_counter() - start:.1f} s for {len(indexed):,} records")

    index.search(queries[0].full_name)  # warm-up (typo buckets, caches)
    latencies, hits, hits_filtered = [], 0, 0
    for query in queries:
        person = truth[query.record_id]
        t0 = time.perf_counter()
        results = index.search_record(query, limit=10)
        latencies.append(time.perf_counter() - t0)
        hits += any(truth[m.record_id] == person for m in results)
    for query in queries[:200]:
        t0 = time.perf_counter()
        results = index.search(query.full_name, sex=query.sex, limit=10)
        latencies.append(time.perf_counter() - t0)
        hits_filtered += any(truth[m.record_id] == person for m in results
                             for person in [truth[query.record_id]])
    ms = np.asarray(latencies) * 1000
    print(f"queries: {len(ms)} (held-out registrations as suspects, plus 200 name-only searches)")
    print(f"latency ms: p50 {np.percentile(ms, 50):.1f}  p90 {np.percentile(ms, 90):.1f}  "
          f"p99 {np.percentile(ms, 99):.1f}  max {ms.max():.1f}")
    print(f"same person in top 10: {hits / len(queries):.3f} (full record), "
          f"{hits_filtered / min(200, len(queries)):.3f} (name + sex only)")


if __name__ == "__main__":
    main()
