"""Benchmark: the registry audit trail at size: appending, a signed checkpoint, verify-audit (chain and checkpoints),
and the supervisors' review filtered by a record.

Usage: python bench/registry_audit.py [--entries 100000] [--database-url postgresql://…]

Without --database-url an SQLite file in a temporary folder. The entries look like searches and views of 5,000
registrations; one checkpoint is taken per 1,000 entries (as periods would).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from suraksha.core.clock import FixedClock
from suraksha.registry.audit import Actor, AuditFilters, AuditTrail
from suraksha.registry.checkpoints import AuditCheckpoints
from suraksha.registry.rules import StatedPurpose, check_purpose


def fill(trail: AuditTrail, clock: FixedClock, n: int, rng: random.Random) -> float:
    """n entries, in transactions of 1,000; a checkpoint after each. Returns entries per second."""
    actors = [Actor(f"officer{k}", "registry_officer") for k in range(40)]
    why: StatedPurpose = check_purpose("investigation")
    start = time.perf_counter()
    done = 0
    while done < n:
        with trail._engine.begin() as conn:
            for _ in range(min(1000, n - done)):
                reg = rng.randrange(1, 5001)
                if rng.random() < 0.5:
                    trail.record(rng.choice(actors), "view", {"registration_id": reg}, why, conn=conn)
                else:
                    trail.record(rng.choice(actors), "search", {"query": {"name": "x"}, "results": [reg, reg + 1]},
                                 why, conn=conn)
                done += 1
        clock._now += timedelta(minutes=5)
        trail.take_checkpoint()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from suraksha.adapters.db import make_engine
    from suraksha.migrations.run import upgrade

    folder = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'audit.db'}"
    upgrade(url)
    engine = make_engine(url)
    clock = FixedClock(datetime(2026, 11, 22, 4, 30, tzinfo=UTC))
    checkpoints = AuditCheckpoints(str(folder / "checkpoints.jsonl"), "a benchmark checkpoint key", "", 5)
    trail = AuditTrail(engine, clock, checkpoints)
    rng = random.Random(1)

    rate = fill(trail, clock, args.entries, rng)
    print(f"{engine.dialect.name}: {args.entries:,} entries appended at {rate:,.0f}/s (transactions of 1,000)")

    clock._now += timedelta(minutes=5)
    trail.record(Actor("officer0", "registry_officer"), "view", {"registration_id": 1})
    start = time.perf_counter()
    trail.take_checkpoint()
    print(f"a checkpoint: {1000 * (time.perf_counter() - start):.1f} ms")

    start = time.perf_counter()
    report = trail.report()
    print(f"verify-audit (chain and {report.checkpoints.verified:,} checkpoints): "
          f"{time.perf_counter() - start:.2f} s, intact={report.intact}")

    times = []
    for _ in range(5):
        start = time.perf_counter()
        trail.report(incremental=True)
        times.append(1000 * (time.perf_counter() - start))
    print(f"the supervisors' pages' check (incremental, after a whole one): median {statistics.median(times):.0f} ms")

    times = []
    for reg in rng.sample(range(1, 5001), 20):
        start = time.perf_counter()
        trail.entries(AuditFilters(registrations=frozenset({reg})), limit=50)
        times.append(1000 * (time.perf_counter() - start))
    print(f"review filtered by a record, first page of 50: median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms")
    times = []
    for k in range(20):
        start = time.perf_counter()
        trail.entries(AuditFilters(actor=f"officer{k}"), limit=50)
        times.append(1000 * (time.perf_counter() - start))
    print(f"review filtered by an account, first page of 50: median {statistics.median(times):.1f} ms")
    engine.dispose()


if __name__ == "__main__":
    main()
