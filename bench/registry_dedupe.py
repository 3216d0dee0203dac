"""Benchmark: our registry dedupe against Splink configured as its documentation recommends.

Usage: python bench/registry_dedupe.py [--n 100000] [--seed 1]

Both run on the same synthetic records in the same process (ours first, so our name caches start cold);
pairwise precision/recall/F1 against the generator's truth. The same comparison as
`suraksha registry evaluate --n N --seed S`; the Splink model is defined once, in
suraksha_lab.registry.evaluate, and printed before the results.

Splink (DuckDB) follows its person examples (febrl3, historical persons) and topic guides: cleaned columns
(our transliteration and title removal, state codes, current district names; no folding of spelling
variants); twelve prediction blocking rules (name parts, sound-alike codes, name words and birth year,
father's first name, date of birth, conviction date, swapped first name and surname); comparisons with
levels for the name (whole, reversed, Jaro-Winkler, words in any order, each part, sound-alike), the
father's name, the date of birth (exact, one edit, a month, then the year alone, since 1 January is a
registry default and ages give only a year), district and state, sex and a shared conviction date;
term-frequency adjustments on exact names and district; the probability that two random records match
from deterministic rules; u by random sampling (10 million pairs, seeded); m by EM over three blocking
rules. Its clusters are cut at fifteen thresholds and the best F1 against the truth is reported: an
oracle threshold, which favours Splink. Its time covers preparing the columns, training, prediction and
one clustering.
"""

from __future__ import annotations

import argparse
import time

from suraksha_lab.registry.evaluate import run_ours, run_splink, splink_available, splink_configuration
from suraksha_lab.registry.synth import generate


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
        print("\n".join(splink_configuration()))
        rows.append(("splink", run_splink(records, truth)))
    else:
        print("splink not installed: pip install -e '.[bench]'")
    print(f"{'system':10s} {'precision':>9s} {'recall':>7s} {'F1':>7s} {'seconds':>8s} "
          f"{'pred pairs':>10s} {'true pairs':>10s} {'threshold':>9s}")
    for name, s in rows:
        threshold = f"{s.threshold:g}" if s.threshold is not None else "-"
        print(f"{name:10s} {s.precision:9.4f} {s.recall:7.4f} {s.f1:7.4f} {s.seconds:8.1f} "
              f"{s.predicted_pairs:10,d} {s.true_pairs:10,d} {threshold:>9s}")
    if len(rows) == 2:
        theirs = rows[1][1]
        print("splink's threshold is the best of its sweep against the truth (an oracle choice)")
        print(f"ratios ours/splink: F1 {ours.f1 / max(theirs.f1, 1e-9):.3f}  "
              f"time {ours.seconds / max(theirs.seconds, 1e-9):.3f}")


if __name__ == "__main__":
    main()
