"""Benchmark: registry search latency at 1,200,000 synthetic records.

Usage: python bench/registry_search.py [--n 1200000] [--queries 1000] [--seed 11] [--threads 8] [--snapshot FILE]

The index is built from chunks of 50,000 records (as the service streams them from the
database); the report gives build time, resident memory (RSS growth over the build,
peak) and the index's own size by part (RegistryIndex.memory_bytes), then latency and
hit rates; --threads also runs the queries from several threads at once and checks that
every answer equals the single-threaded one; --snapshot saves the index to FILE (.npz), times
RegistryIndex.load and checks that 100 searches of the loaded index answer alike.

Generated records are cached in var/registry_synth_<n>_<seed>.pickle. Queries are
held-out registrations of persons that have other registrations in the index, so each
query is a realistic variant (other spelling, script, initials, order, district...).
"""

from __future__ import annotations

import argparse
import pickle
import random
import resource
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from suraksha.core.memory import give_back_memory
from suraksha.registry.search import RegistryIndex, chunked
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


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")




def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so that the build's own peak shows."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def hwm_mb() -> float:
    """Peak RSS since the last reset_peak (VmHWM)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_200_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--threads", type=int, default=0, help="also search from this many threads")
    parser.add_argument("--snapshot", default="", help="save the index to this .npz, load it back and compare")
    args = parser.parse_args()

    start = time.perf_counter()
    (records, truth), cached = load_records(args.n, args.seed)
    print(f"records: {len(records):,} ({'cached' if cached else 'generated'}) "
          f"in {time.perf_counter() - start:.1f} s")
    indexed, queries = held_out(records, truth, args.queries, args.seed)

    del records
    give_back_memory()
    rss_before, peak_before = rss_mb(), peak_rss_mb()
    reset = reset_peak()
    start, cpu = time.perf_counter(), time.process_time()
    index = RegistryIndex.build(chunked(indexed, 50_000))
    print(f"index build: {time.perf_counter() - start:.1f} s ({time.process_time() - cpu:.1f} s of CPU) "
          f"for {len(indexed):,} records")
    build_peak = hwm_mb() if reset else float("nan")
    give_back_memory()
    print(f"rss: {rss_before:,.0f} MB before build (the bench's records), {rss_mb():,.0f} MB after "
          f"(+{rss_mb() - rss_before:,.0f} MB kept); peak during the build {build_peak:,.0f} MB "
          f"(+{build_peak - rss_before:,.0f} MB); process peak {peak_rss_mb():,.0f} MB "
          f"({peak_before:,.0f} MB before the build, loading the records)")
    sizes = index.memory_bytes()
    print("index size: " + ", ".join(f"{k} {v / 2**20:,.0f} MB" for k, v in sizes.items()))

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
    if args.threads:
        concurrent(index, queries, args.threads)
    if args.snapshot:
        snapshot(index, queries, args.snapshot)
    print(f"peak rss: {peak_rss_mb():,.0f} MB")


def snapshot(index: RegistryIndex, queries, path: str) -> None:
    """Save the index, load it back (timed) and check that 100 searches answer alike."""
    start = time.perf_counter()
    index.save(path)
    saved_s = time.perf_counter() - start
    give_back_memory()
    rss_before = rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    loaded = RegistryIndex.load(path)
    load_s, load_cpu = time.perf_counter() - start, time.process_time() - cpu
    give_back_memory()
    print(f"snapshot: {Path(path).stat().st_size / 2**20:,.0f} MB written in {saved_s:.1f} s; loaded in {load_s:.1f} s "
          f"({load_cpu:.1f} s of CPU), +{rss_mb() - rss_before:,.0f} MB resident")
    same = sum([(m.record_id, m.score) for m in index.search_record(q, limit=10)]
               == [(m.record_id, m.score) for m in loaded.search_record(q, limit=10)] for q in queries[:100])
    print(f"snapshot: {same}/{min(100, len(queries))} answers of the loaded index identical to the built one's")


def concurrent(index: RegistryIndex, queries, threads: int) -> None:
    """The held-out queries from several threads at once; answers must equal serial ones."""
    def answer(query):
        return [(m.record_id, round(m.score, 9)) for m in index.search_record(query, limit=10)]

    start = time.perf_counter()
    serial = [answer(q) for q in queries]
    serial_s = time.perf_counter() - start
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        parallel = list(pool.map(answer, queries))
    parallel_s = time.perf_counter() - start
    same = sum(a == b for a, b in zip(serial, parallel))
    print(f"{threads} threads: {len(queries) / parallel_s:,.0f} queries/s vs {len(queries) / serial_s:,.0f} "
          f"serial; {same}/{len(queries)} answers identical to the serial ones")


if __name__ == "__main__":
    main()
