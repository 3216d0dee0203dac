"""Pairwise evaluation of registry dedupe, and a Splink baseline on the same records."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from suraksha.registry.linkage import DEFAULT_THRESHOLD, dedupe
from suraksha.registry.model import PersonRecord, birth_years
from suraksha.registry.names import latin_name, tokenize

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PairwiseScores:
    """Pairwise precision/recall/F1 of a clustering against the truth."""

    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int
    seconds: float = 0.0
    threshold: float | None = None


def _pairs(sizes: Mapping[Any, int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes.values())


def pairwise_scores(clusters: Mapping[str, str], truth: Mapping[str, str],
                    seconds: float = 0.0) -> PairwiseScores:
    """Compare cluster ids with true person ids over all record pairs."""
    ids = [r for r in truth if r in clusters]
    predicted = _pairs(Counter(clusters[r] for r in ids))
    actual = _pairs(Counter(truth[r] for r in ids))
    both = _pairs(Counter((clusters[r], truth[r]) for r in ids))
    precision = both / predicted if predicted else 1.0
    recall = both / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScores(precision, recall, f1, predicted, actual, seconds)


def run_ours(records: Sequence[PersonRecord], truth: Mapping[str, str],
             progress: Progress | None = None, threshold: float = DEFAULT_THRESHOLD) -> PairwiseScores:
    """Our dedupe, timed."""
    start = time.perf_counter()
    rows = dedupe(records, threshold=threshold, progress=progress)
    seconds = time.perf_counter() - start
    return replace(pairwise_scores({r: c for r, c, _ in rows}, truth, seconds), threshold=threshold)


def splink_table(records: Sequence[PersonRecord]) -> dict[str, list[Any]]:
    """Columns for Splink: transliterated, title-free first/last names; no variant folding."""
    import jellyfish

    cols: dict[str, list[Any]] = {k: [] for k in (
        "unique_id", "first_name", "surname", "first_name_soundex", "father_name", "dob",
        "birth_year", "sex", "state", "conviction_date")}
    for rec in records:
        tokens = [t.text for t in tokenize(rec.full_name.split("@")[0]) if not t.initial] or [""]
        father = latin_name(tokenize(rec.father_name)) or None
        years = birth_years(rec)
        first = tokens[0] or None
        cols["unique_id"].append(rec.record_id)
        cols["first_name"].append(first)
        cols["surname"].append(tokens[-1] if len(tokens) > 1 else None)
        cols["first_name_soundex"].append(jellyfish.soundex(first) if first else None)
        cols["father_name"].append(father)
        cols["dob"].append(rec.dob.isoformat() if rec.dob else None)
        cols["birth_year"].append(str(years.high) if years else None)
        cols["sex"].append(rec.sex or None)
        cols["state"].append(rec.state.strip().upper()[:2] if rec.state else None)
        dates = [c.conviction_date.isoformat() for c in rec.convictions if c.conviction_date]
        cols["conviction_date"].append(dates[0] if dates else None)
    return cols


def _splink_settings() -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.JaroWinklerAtThresholds("father_name", [0.9, 0.7]),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("state"),
            cl.ExactMatch("conviction_date"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name_soundex", "surname"),
            block_on("first_name", "birth_year"),
            block_on("surname", "dob"),
            block_on("first_name", "father_name"),
            block_on("dob"),
            block_on("surname", "birth_year"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _splink_linker(table: dict[str, list[Any]]) -> Any:
    import splink
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI()
    if int(splink.__version__.split(".")[0]) >= 5:
        return Linker(db_api.register(table), _splink_settings(),  # type: ignore[attr-defined]
                      log_level=None)  # type: ignore[call-arg]
    import pandas as pd  # Splink 4 (a dependency of it) takes a frame and the database API

    return Linker(pd.DataFrame(table), _splink_settings(), db_api)


def run_splink(records: Sequence[PersonRecord], truth: Mapping[str, str],
               thresholds: Sequence[float] = (0.5, 0.8, 0.9, 0.95),
               progress: Progress | None = None) -> PairwiseScores:
    """Default-style Splink model (DuckDB), trained and clustered on the same records.

    Clusters at each threshold and keeps the best F1 (generous to Splink); the time
    covers training, prediction and one clustering.
    """
    from splink import block_on

    start = time.perf_counter()
    steps = ("u by random sampling", "EM on first name + surname", "EM on dob", "predict", "cluster")

    def tick(k: int) -> None:
        if progress:
            progress(f"splink: {steps[k]}", k + 1, len(steps))

    logging.getLogger("splink").setLevel(logging.ERROR)
    linker = _splink_linker(splink_table(records))
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    tick(0)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    tick(1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    tick(2)
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    tick(3)
    results: list[PairwiseScores] = []
    for threshold in thresholds:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
        rows = (getattr(clusters, "as_record_list", None) or clusters.as_record_dict)()
        seconds = results[0].seconds if results else time.perf_counter() - start
        scores = pairwise_scores({r["unique_id"]: str(r["cluster_id"]) for r in rows}, truth, seconds)
        results.append(replace(scores, threshold=threshold))
    tick(4)
    return max(results, key=lambda s: s.f1)


def splink_available() -> bool:
    try:
        import splink  # noqa: F401
    except ImportError:
        return False
    return True


def compare_with_splink(n: int, seed: int,
                        progress: Progress | None = None) -> dict[str, PairwiseScores | None]:
    """Generate n records, then run our dedupe and (if installed) Splink on them."""
    from suraksha.registry.synth import generate

    records, truth = generate(n, seed)
    ours = run_ours(records, truth, progress)
    theirs = run_splink(records, truth, progress=progress) if splink_available() else None
    return {"suraksha": ours, "splink": theirs}
