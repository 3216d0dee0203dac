"""Benchmark: our registry dedupe against Splink configured as its documentation recommends.

Usage: python bench/registry_dedupe.py [--n 100000] [--seed 1 | --seeds 1,2,3] [--settings default,messy,crowded]
                                      [--json FILE]

The matcher was tuned on the generator's default settings; --settings runs other generator presets
(suraksha_lab.registry.settings.SETTINGS: "messy" writes the same people far more carelessly, "crowded" packs
many different people under the same names, fathers and addresses) and --seeds several seeds of each. A table
is printed per run, then the spread per setting (F1 mean, min, max; mean seconds; whether ours beat Splink in
every run) as markdown for docs/benchmarks.md; --json writes every figure.

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
import json
import time
from pathlib import Path

from suraksha_lab.registry.evaluate import (
    MatrixRun,
    matrix_json,
    matrix_markdown,
    run_matrix,
    splink_available,
    splink_configuration,
    summarise_matrix,
)
from suraksha_lab.registry.settings import SETTINGS, named


def _names(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    for name in names:
        try:
            named(name)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return names


def _seeds(text: str) -> list[int]:
    return [int(t) for t in text.split(",") if t.strip()]


def _print_run(run: MatrixRun) -> None:
    print(f"\n## setting {run.setting}, seed {run.seed}: {run.n:,} records of {run.persons:,} persons")
    print(f"{'system':10s} {'precision':>9s} {'recall':>7s} {'F1':>7s} {'seconds':>8s} "
          f"{'pred pairs':>10s} {'true pairs':>10s} {'threshold':>9s}")
    rows = [("suraksha", run.ours)] + ([("splink", run.splink)] if run.splink is not None else [])
    for name, s in rows:
        threshold = f"{s.threshold:g}" if s.threshold is not None else "-"
        print(f"{name:10s} {s.precision:9.4f} {s.recall:7.4f} {s.f1:7.4f} {s.seconds:8.1f} "
              f"{s.predicted_pairs:10,d} {s.true_pairs:10,d} {threshold:>9s}", flush=True)
    if run.splink is not None:
        print(f"ratios ours/splink: F1 {run.ours.f1 / max(run.splink.f1, 1e-9):.3f}  "
              f"time {run.ours.seconds / max(run.splink.seconds, 1e-9):.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1, help="one seed (when --seeds is not given)")
    parser.add_argument("--seeds", type=_seeds, default=None, help="comma-separated seeds, e.g. 1,2,3")
    parser.add_argument("--settings", type=_names, default=["default"],
                        help=f"comma-separated generator presets: {', '.join(SETTINGS)}")
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this JSON file")
    args = parser.parse_args()
    seeds: list[int] = args.seeds or [args.seed]

    if splink_available():
        print("\n".join(splink_configuration()))
        print("splink's threshold is the best of its sweep against the truth (an oracle choice)")
    else:
        print("splink not installed: pip install -e '.[bench]'")
    for name in args.settings:
        changed = named(name).changed()
        print(f"settings {name}: " + (", ".join(f"{k}={v}" for k, v in changed.items()) or "as tuned"))

    start = time.perf_counter()
    runs = run_matrix(args.n, args.settings, seeds, on_run=_print_run)
    spreads = summarise_matrix(runs)
    print(f"\n{len(runs)} runs in {time.perf_counter() - start:.0f} s\n")
    print(matrix_markdown(spreads, args.n, seeds))
    if args.json is not None:
        data = {"n": args.n, "seeds": seeds, **matrix_json(runs, spreads)}
        args.json.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
