"""Benchmark: our registry dedupe against a default-style Splink model.

Usage: python bench/registry_dedupe.py [--n 100000] [--seed 1]

Both run on the same synthetic records in the same process (ours first, so our name
caches start cold); pairwise precision/recall/F1 against the generator's truth.
"""

from __future__ import annotations

import argparse
import time

from suraksha.registry.evaluate import run_ours, run_splink, splink_available
from suraksha.registry.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    start = time.perf_counter()
    records, truth = generate(args.n, args.seed)
    persons = len(set(truth.values()))
    print(f"generated {len(records):,} records of {persons:,} persons "
          f"in {time.perf_counter() - start:.1f} s")

    ours = run_ours(records, truth)
    rows = [("suraksha", ours)]
    if splink_available():
        rows.append(("splink", run_splink(records, truth)))
    else:
        print("splink not installed: pip install splink")
    print(f"{'system':10s} {'precision':>9s} {'recall':>7s} {'F1':>7s} {'seconds':>8s} "
          f"{'pred pairs':>10s} {'true pairs':>10s} {'threshold':>9s}")
    for name, s in rows:
        threshold = f"{s.threshold:.2f}" if s.threshold is not None else "0.20"
        print(f"{name:10s} {s.precision:9.4f} {s.recall:7.4f} {s.f1:7.4f} {s.seconds:8.1f} "
              f"{s.predicted_pairs:10,d} {s.true_pairs:10,d} {threshold:>9s}")
    if len(rows) == 2:
        theirs = rows[1][1]
        print(f"ratios ours/splink: F1 {ours.f1 / max(theirs.f1, 1e-9):.3f}  "
              f"time {ours.seconds / max(theirs.seconds, 1e-9):.3f}")


if __name__ == "__main__":
    main()
