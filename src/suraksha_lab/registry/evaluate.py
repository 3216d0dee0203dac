"""Pairwise evaluation of registry dedupe, and a Splink baseline on the same records."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from statistics import fmean
from typing import Any

import jellyfish

from suraksha.registry.matching.geo import canonical_district, canonical_state
from suraksha.registry.matching.linkage import DEFAULT_THRESHOLD, dedupe
from suraksha.registry.matching.names import split_name_field, tokenize
from suraksha.registry.matching.record import PersonRecord, is_default_date
from suraksha_lab.registry.settings import GeneratorSettings, named

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


# Splink, configured as its documentation and examples recommend for person data: the person examples
# ("Deduplicating the febrl3 dataset", "Linking a dataset of real historical persons") and the topic guides
# (data preparation and feature engineering, term frequency, blocking, training). Data are cleaned first as
# the docs ask (our transliteration and title removal, state codes, current district names; no folding of
# spelling variants), then: several prediction blocking rules, comparisons from the comparison library with
# levels and term-frequency adjustments, the probability that two random records match from deterministic
# rules, u by random sampling, m by EM over several blocking rules, clustering at the best threshold.

SPLINK_PREDICTION_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "surname"),
    ("first_name", "birth_year"),
    ("surname", "birth_year"),
    ("first_name_phonetic", "surname_phonetic"),
    ("first_name_phonetic", "birth_year"),
    ("name_words", "birth_year"),
    ("first_name", "father_first"),
    ("surname", "father_first"),
    ("father_first", "birth_year"),
    ("dob",),
    ("conviction_date",),
)
"""Prediction blocking rules (block_on columns): a pair is scored when any of them holds."""

SPLINK_ARRAY_COLUMNS = frozenset({"name_words"})
"""Array columns a blocking rule explodes (a pair shares any one of the words)."""

SPLINK_REVERSED_NAMES_RULE = "l.first_name = r.surname and l.surname = r.first_name"
"""One more prediction rule: the name written family name first (Telugu order)."""

SPLINK_DETERMINISTIC_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "surname", "dob"),
    ("first_name", "surname", "father_first", "birth_year"),
)
"""Rules that nearly always mean the same person: the probability two random records match."""

SPLINK_DETERMINISTIC_RECALL = 0.6
"""The share of true pairs the deterministic rules are taken to find (the historical-persons example's)."""

SPLINK_TRAINING_RULES: tuple[tuple[str, ...], ...] = (
    ("first_name", "surname"),
    ("dob",),
    ("father_first", "birth_year"),
)
"""EM blocking rules: each session estimates m for the comparisons its rule does not use."""

SPLINK_TF_COLUMNS = ("full_name", "first_name", "surname", "father_name", "father_first", "district")
"""Columns whose exact-match levels are adjusted for how common the value is."""

SPLINK_U_MAX_PAIRS = 1e7
SPLINK_SEED = 1
SPLINK_THRESHOLDS: tuple[float, ...] = (
    0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)
"""Clustering thresholds tried; the one with the best F1 against the truth is reported (an oracle choice)."""


def _phonetic(token: str | None) -> list[str] | None:
    """Two sound-alike codes of a word (metaphone, NYSIIS), as the feature-engineering guide suggests."""
    if not token:
        return None
    return sorted({jellyfish.metaphone(token), jellyfish.nysiis(token)} - {""}) or None


def splink_table(records: Sequence[PersonRecord]) -> dict[str, list[Any]]:
    """Cleaned columns for Splink.

    Names are transliterated and title-free (our tokenizer), split into first name (first full word) and
    surname (last full word); initials are dropped. The father's name likewise, whole and its first word.
    Dates of birth that are 1 January (registry defaults) are left out of `dob` and kept as `birth_year`,
    as is the year implied by an age. States are two-letter codes, districts their current names.
    """
    cols: dict[str, list[Any]] = {k: [] for k in (
        "unique_id", "first_name", "surname", "full_name", "name_words", "first_name_phonetic",
        "surname_phonetic", "first_name_codes", "father_name", "father_first", "father_codes", "dob",
        "birth_year", "sex", "state", "district", "conviction_date", "conviction_dates")}
    for rec in records:
        words = [t.text for t in tokenize(split_name_field(rec.full_name)[0]) if not t.initial]
        father = [t.text for t in rec.father_tokens() if not t.initial]
        first = words[0] if words else None
        surname = words[-1] if len(words) > 1 else None
        first_codes, surname_codes = _phonetic(first), _phonetic(surname)
        default_dob = rec.dob is not None and is_default_date(rec.dob)
        if rec.dob is not None:
            year: int | None = rec.dob.year
        elif rec.age is not None and rec.age_as_of is not None:
            year = rec.age_as_of.year - rec.age
        else:
            year = None
        dates = sorted({c.conviction_date.isoformat() for c in rec.convictions if c.conviction_date})
        cols["unique_id"].append(rec.record_id)
        cols["first_name"].append(first)
        cols["surname"].append(surname)
        cols["full_name"].append(f"{first} {surname}" if surname else first)
        cols["name_words"].append(sorted(set(words)) or None)
        cols["first_name_phonetic"].append(first_codes[0] if first_codes else None)
        cols["surname_phonetic"].append(surname_codes[0] if surname_codes else None)
        cols["first_name_codes"].append(first_codes)
        cols["father_name"].append(" ".join(father) or None)
        cols["father_first"].append(father[0] if father else None)
        cols["father_codes"].append(_phonetic(father[0]) if father else None)
        cols["dob"].append(rec.dob.isoformat() if rec.dob and not default_dob else None)
        cols["birth_year"].append(year)
        cols["sex"].append(rec.sex or None)
        cols["state"].append(canonical_state(rec.state) or None)
        cols["district"].append(canonical_district(rec.district) or None)
        cols["conviction_date"].append(dates[0] if dates else None)
        cols["conviction_dates"].append(dates or None)
    return cols


def splink_configuration() -> list[str]:
    """How the Splink baseline is configured, one item a line (printed by the benchmark and the CLI)."""
    def rules(found: Sequence[Sequence[str]]) -> str:
        return "; ".join(" + ".join(rule) for rule in found)

    return [
        "Splink (DuckDB) configured as its documentation and person examples recommend:",
        "- columns: transliterated, title-free names (first name, surname, whole name, words, metaphone and"
        " NYSIIS codes), father's name and its first word, date of birth without 1 January defaults, birth"
        " year (from the date or the age), sex, state code, current district name, conviction dates",
        f"- prediction blocking, {len(SPLINK_PREDICTION_RULES) + 1} rules: {rules(SPLINK_PREDICTION_RULES)};"
        " first name and surname swapped",
        "- comparisons with levels: name (exact whole name, reversed, Jaro-Winkler 0.92 and 0.88 on both"
        " parts, two words shared in any order, exact surname, exact first name, Jaro-Winkler 0.88 and"
        " sound-alike first name, one word shared); father's name (exact, Jaro-Winkler 0.92, first word exact,"
        " Jaro-Winkler 0.88 or sound-alike); date of birth (exact, one edit, within a month, then the year"
        " alone: same, +-1, +-5); district, else state; sex; a shared conviction date",
        f"- term-frequency adjustments on exact {', '.join(SPLINK_TF_COLUMNS)}",
        f"- probability two random records match: deterministic rules {rules(SPLINK_DETERMINISTIC_RULES)},"
        f" recall {SPLINK_DETERMINISTIC_RECALL}",
        f"- u by random sampling ({SPLINK_U_MAX_PAIRS:,.0f} pairs, seed {SPLINK_SEED}); m by EM on"
        f" {len(SPLINK_TRAINING_RULES)} blocking rules: {rules(SPLINK_TRAINING_RULES)}",
        f"- clustered at {len(SPLINK_THRESHOLDS)} thresholds ({min(SPLINK_THRESHOLDS)} to"
        f" {max(SPLINK_THRESHOLDS)}), the best F1 against the truth kept: an oracle threshold, which favours"
        " Splink",
    ]


def _block_on(rule: Sequence[str]) -> Any:
    from splink import block_on

    arrays = [c for c in rule if c in SPLINK_ARRAY_COLUMNS]
    return block_on(*rule, arrays_to_explode=arrays) if arrays else block_on(*rule)


def _splink_settings() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    def exact(column: str) -> Any:
        level = cll.ExactMatchLevel(column)
        return level.configure(tf_adjustment_column=column) if column in SPLINK_TF_COLUMNS else level

    father = cl.CustomComparison(
        output_column_name="father_name",
        comparison_description="Father's name: whole, first word, sound-alike",
        comparison_levels=[
            cll.NullLevel("father_name"),
            exact("father_name"),
            cll.JaroWinklerLevel("father_name", 0.92),
            exact("father_first"),
            cll.JaroWinklerLevel("father_first", 0.88),
            cll.ArrayIntersectLevel("father_codes", 1),
            cll.ElseLevel(),
        ],
    )
    birth = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="Date of birth, or only its year (1 January defaults, ages)",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("dob"),
            cll.DamerauLevenshteinLevel("dob", 1),
            cll.AbsoluteDateDifferenceLevel("dob", input_is_string=True, threshold=1, metric="month"),
            cll.ExactMatchLevel("birth_year"),
            cll.AbsoluteDifferenceLevel("birth_year", 1),
            cll.AbsoluteDifferenceLevel("birth_year", 5),
            cll.ElseLevel(),
        ],
    )
    place = cl.CustomComparison(
        output_column_name="place",
        comparison_description="Geography: district, then state",
        comparison_levels=[
            cll.NullLevel("state"),
            exact("district"),
            cll.ExactMatchLevel("state"),
            cll.ElseLevel(),
        ],
    )
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_description="Name: whole, reversed, fuzzy, words in any order, each part",
        comparison_levels=[
            cll.NullLevel("first_name"),
            exact("full_name"),
            cll.ColumnsReversedLevel("first_name", "surname", symmetrical=True),
            cll.And(cll.JaroWinklerLevel("first_name", 0.92), cll.JaroWinklerLevel("surname", 0.92)),
            cll.ArrayIntersectLevel("name_words", 2),
            cll.And(cll.JaroWinklerLevel("first_name", 0.88), cll.JaroWinklerLevel("surname", 0.88)),
            exact("surname"),
            exact("first_name"),
            cll.JaroWinklerLevel("first_name", 0.88),
            cll.ArrayIntersectLevel("first_name_codes", 1),
            cll.ArrayIntersectLevel("name_words", 1),
            cll.ElseLevel(),
        ],
    )
    prediction_rules: list[Any] = [  # block_on rules and one SQL string
        *(_block_on(rule) for rule in SPLINK_PREDICTION_RULES), SPLINK_REVERSED_NAMES_RULE]
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            name,
            father,
            birth,
            place,
            cl.ExactMatch("sex"),
            cl.ArrayIntersectAtSizes("conviction_dates", [1]),
        ],
        blocking_rules_to_generate_predictions=prediction_rules,
        retain_intermediate_calculation_columns=False,
    )


def _splink_linker(table: dict[str, list[Any]]) -> Any:
    import splink
    from splink import DuckDBAPI, Linker

    # Splink 5 and 4 differ in these signatures; typed loosely so that either (or neither) type-checks
    db_api: Any = DuckDBAPI()
    linker: Any = Linker
    if int(splink.__version__.split(".")[0]) >= 5:
        return linker(db_api.register(table), _splink_settings(), log_level=None)
    import pandas as pd  # Splink 4 (a dependency of it) takes a frame and the database API

    return linker(pd.DataFrame(table), _splink_settings(), db_api)


def run_splink(records: Sequence[PersonRecord], truth: Mapping[str, str],
               thresholds: Sequence[float] = SPLINK_THRESHOLDS,
               progress: Progress | None = None) -> PairwiseScores:
    """Splink (DuckDB) as its documentation recommends, trained and clustered on the same records.

    Clusters at each threshold and keeps the best F1 against the truth: an oracle threshold, which
    favours Splink. The time covers preparing the columns, training, prediction and one clustering.
    """
    from splink import block_on

    start = time.perf_counter()
    steps = ("columns", "lambda from deterministic rules", "u by random sampling",
             *(f"EM on {' + '.join(rule)}" for rule in SPLINK_TRAINING_RULES), "predict", "cluster")
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(f"splink: {steps[done - 1]}", done, len(steps))

    logging.getLogger("splink").setLevel(logging.ERROR)
    linker = _splink_linker(splink_table(records))
    tick()
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in SPLINK_DETERMINISTIC_RULES], recall=SPLINK_DETERMINISTIC_RECALL)
    tick()
    linker.training.estimate_u_using_random_sampling(max_pairs=SPLINK_U_MAX_PAIRS, seed=SPLINK_SEED)
    tick()
    for rule in SPLINK_TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*rule), estimate_without_term_frequencies=True)
        tick()
    predictions = linker.inference.predict(threshold_match_probability=min(thresholds))
    tick()
    results: list[PairwiseScores] = []
    for threshold in sorted(thresholds):
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
        rows = (getattr(clusters, "as_record_list", None) or clusters.as_record_dict)()
        seconds = results[0].seconds if results else time.perf_counter() - start
        scores = pairwise_scores({r["unique_id"]: str(r["cluster_id"]) for r in rows}, truth, seconds)
        results.append(replace(scores, threshold=threshold))
    tick()
    return max(results, key=lambda s: s.f1)


def splink_available() -> bool:
    try:
        import splink  # noqa: F401
    except ImportError:
        return False
    return True


def compare_with_splink(n: int, seed: int, progress: Progress | None = None,
                        settings: GeneratorSettings | str = "default") -> dict[str, PairwiseScores | None]:
    """Generate n records (with the named generator settings), then run our dedupe and (if installed) Splink."""
    from suraksha_lab.registry.synth import generate

    records, truth = generate(n, seed, settings)
    ours = run_ours(records, truth, progress)
    theirs = run_splink(records, truth, progress=progress) if splink_available() else None
    return {"suraksha": ours, "splink": theirs}


# The matcher was tuned on the generator's default settings; the matrix runs both systems on other settings
# (suraksha_lab.registry.settings.SETTINGS) and several seeds, and reports the spread.


@dataclass(frozen=True)
class MatrixRun:
    """Both systems on one generated registry: one setting, one seed."""

    setting: str
    seed: int
    n: int
    persons: int
    ours: PairwiseScores
    splink: PairwiseScores | None

    @property
    def ours_better(self) -> bool | None:
        """Our F1 above Splink's (None without Splink)."""
        return None if self.splink is None else self.ours.f1 > self.splink.f1


@dataclass(frozen=True)
class SettingSpread:
    """The spread over seeds of one setting: F1 mean, min, max and mean seconds of each system."""

    setting: str
    runs: int
    ours_f1_mean: float
    ours_f1_min: float
    ours_f1_max: float
    ours_seconds_mean: float
    splink_f1_mean: float | None = None
    splink_f1_min: float | None = None
    splink_f1_max: float | None = None
    splink_seconds_mean: float | None = None
    ours_better_every_run: bool | None = None
    """Our F1 above Splink's in every run of the setting (None when Splink did not run)."""
    f1_margin_min: float | None = None
    """The smallest (ours - Splink) F1 difference over the runs."""


def run_matrix(n: int, settings: Sequence[str], seeds: Sequence[int], *, with_splink: bool | None = None,
               progress: Progress | None = None,
               on_run: Callable[[MatrixRun], None] | None = None) -> list[MatrixRun]:
    """For each named generator setting and each seed: generate n records, run ours and Splink on them.

    with_splink: None runs Splink when it is installed. on_run is called after each run (to print as it goes).
    """
    from suraksha_lab.registry.synth import generate

    for name in settings:
        named(name)  # unknown names fail before anything runs
    splink_on = splink_available() if with_splink is None else with_splink
    runs: list[MatrixRun] = []
    for name in settings:
        for seed in seeds:
            records, truth = generate(n, seed, name)
            ours = run_ours(records, truth, progress)
            theirs = run_splink(records, truth, progress=progress) if splink_on else None
            run = MatrixRun(name, seed, len(records), len(set(truth.values())), ours, theirs)
            runs.append(run)
            if on_run is not None:
                on_run(run)
    return runs


def summarise_matrix(runs: Sequence[MatrixRun]) -> list[SettingSpread]:
    """One SettingSpread per setting, in the order the settings first appear."""
    by_setting: dict[str, list[MatrixRun]] = {}
    for run in runs:
        by_setting.setdefault(run.setting, []).append(run)
    spreads = []
    for name, group in by_setting.items():
        ours = [r.ours for r in group]
        spread = SettingSpread(
            name, len(group), fmean(s.f1 for s in ours), min(s.f1 for s in ours), max(s.f1 for s in ours),
            fmean(s.seconds for s in ours))
        theirs = [r.splink for r in group if r.splink is not None]
        if theirs and len(theirs) == len(group):
            spread = replace(
                spread, splink_f1_mean=fmean(s.f1 for s in theirs), splink_f1_min=min(s.f1 for s in theirs),
                splink_f1_max=max(s.f1 for s in theirs), splink_seconds_mean=fmean(s.seconds for s in theirs),
                ours_better_every_run=all(r.ours_better for r in group),
                f1_margin_min=min(r.ours.f1 - r.splink.f1 for r in group if r.splink is not None))
        spreads.append(spread)
    return spreads


def matrix_markdown(spreads: Sequence[SettingSpread], n: int, seeds: Sequence[int]) -> str:
    """The per-setting spread as a markdown table (for docs/benchmarks.md)."""
    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    lines = [
        f"Pairwise F1 on {n:,} synthetic records, seeds {', '.join(map(str, seeds))}: mean (min-max) per"
        " generator setting; Splink at its oracle threshold.",
        "",
        "| setting | runs | ours F1 mean (min-max) | Splink F1 mean (min-max) | ours s | Splink s "
        "| ours better every run | smallest F1 margin |",
        "|---|---:|---:|---:|---:|---:|:---:|---:|",
    ]
    for s in spreads:
        splink = "-" if s.splink_f1_mean is None else (
            f"{s.splink_f1_mean:.4f} ({num(s.splink_f1_min, '.4f')}-{num(s.splink_f1_max, '.4f')})")
        better = "-" if s.ours_better_every_run is None else ("yes" if s.ours_better_every_run else "no")
        lines.append(
            f"| {s.setting} | {s.runs} | {s.ours_f1_mean:.4f} ({s.ours_f1_min:.4f}-{s.ours_f1_max:.4f}) "
            f"| {splink} | {s.ours_seconds_mean:.1f} | {num(s.splink_seconds_mean, '.1f')} | {better} "
            f"| {num(s.f1_margin_min, '+.4f')} |")
    return "\n".join(lines)


def matrix_json(runs: Sequence[MatrixRun], spreads: Sequence[SettingSpread]) -> dict[str, Any]:
    """Every figure of a matrix, and the settings' rates that differ from the default, as plain JSON data."""
    return {
        "settings": {name: named(name).changed() for name in dict.fromkeys(r.setting for r in runs)},
        "runs": [{**asdict(r), "ours_better": r.ours_better} for r in runs],
        "spread": [asdict(s) for s in spreads],
    }
