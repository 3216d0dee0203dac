"""The intake benchmark on an earlier commit and on this tree, side by side, alternating runs.

Each run is `bench/intake_http.py` of that tree (its own intake server and its own bare endpoint, wrk driving
both), with PYTHONPATH pointing at that tree's `src`; the earlier commit is checked out into a temporary git
worktree. Prints each run and the medians, and the ratio this tree / earlier commit for intake req/s and for
intake/bare (which cancels most of the machine's drift between runs).

    .venv/bin/python bench/intake_before_after.py REV [--runs 2] [--concurrency 32] [--seconds 10] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(r"(bare durable insert|intake \(full path\))\s*:\s*([\d.]+) req/s\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms")


def run(tree: Path, args) -> dict[str, tuple[float, float, float]]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    cmd = [sys.executable, str(tree / "bench" / "intake_http.py"), "--concurrency", str(args.concurrency),
           "--seconds", str(args.seconds), "--rounds", str(args.rounds)]
    out = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=True).stdout
    found = {m.group(1).split()[0]: (float(m.group(2)), float(m.group(3)), float(m.group(4)))
             for m in LINE.finditer(out)}
    if set(found) != {"bare", "intake"}:
        raise RuntimeError(f"unexpected output from {tree}:\n{out}")
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rev", help="the earlier commit, e.g. the one before the move")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="suraksha-before-") as tmp:
        before = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(before), args.rev], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            results: dict[str, list] = {"before": [], "after": []}
            for i in range(args.runs):
                for name, tree in (("before", before), ("after", ROOT)):
                    r = run(tree, args)
                    results[name].append(r)
                    print(f"run {i + 1} {name:6s}: intake {r['intake'][0]:7.0f} req/s (p50 {r['intake'][1]:.1f} ms, "
                          f"p99 {r['intake'][2]:.1f} ms)  bare {r['bare'][0]:7.0f} req/s  "
                          f"intake/bare {r['intake'][0] / r['bare'][0]:.2f}", flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, capture_output=True)
    report(results, args)


def report(results: dict[str, list], args) -> None:
    med = {k: {"rps": statistics.median(r["intake"][0] for r in v),
               "p99": statistics.median(r["intake"][2] for r in v),
               "vs_bare": statistics.median(r["intake"][0] / r["bare"][0] for r in v)} for k, v in results.items()}
    print(f"\nintake at {args.concurrency} connections, medians of {args.runs} alternating runs per tree "
          f"({args.rounds} rounds of {args.seconds} s each):")
    for k in ("before", "after"):
        print(f"  {k:6s}: {med[k]['rps']:7.0f} req/s, p99 {med[k]['p99']:.1f} ms, intake/bare {med[k]['vs_bare']:.2f}")
    print(f"  after / before: {med['after']['rps'] / med['before']['rps']:.2f}x req/s, "
          f"{med['after']['vs_bare'] / med['before']['vs_bare']:.2f}x intake/bare")


if __name__ == "__main__":
    main()
