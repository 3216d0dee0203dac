"""Probabilistic record linkage for the registry: scoring with reasons, dedupe, candidates.

The score is a Fellegi-Sunter style sum of evidence in bits: rarity of the agreeing
name tokens (term-frequency adjustment) plus log2(m/u) of each field's agreement level.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from suraksha.registry.matching import blocking
from suraksha.registry.matching.comparison import (
    BIRTH_LEVELS,
    CONVICTION_LEVELS,
    NAME_CLASSES,
    PLACE_LEVELS,
    SEX_LEVELS,
    PairComparison,
    TypoCache,
    compare_rows,
)
from suraksha.registry.matching.explain import Reason, explain_pair
from suraksha.registry.matching.features import (
    EncodedRecords,
    TokenStats,
    Vocabulary,
    corpus_stats,
    encode,
    gc_paused,
)
from suraksha.registry.matching.record import PersonRecord

DEFAULT_THRESHOLD = 0.2  # link probability; tuned for pairwise F1 on synthetic seed 7
FATHER_CLASSES = (*NAME_CLASSES, "unknown")
FIELD_LEVELS: dict[str, tuple[str, ...]] = {
    "name": NAME_CLASSES, "father": FATHER_CLASSES, "birth": BIRTH_LEVELS,
    "sex": SEX_LEVELS, "place": PLACE_LEVELS, "conviction": CONVICTION_LEVELS,
}
# Index 0 of birth/sex/place/conviction is "unknown" and carries no evidence (m == u).
DEFAULT_M: dict[str, list[float]] = {
    "name": [0.66, 0.31, 0.02, 0.01],
    "father": [0.47, 0.28, 0.01, 0.01, 0.23],
    "birth": [1.0, 0.28, 0.025, 0.003, 0.42, 0.05, 0.008, 0.003, 0.002],
    "sex": [1.0, 0.99, 0.01],
    "place": [1.0, 0.22, 0.37, 0.41],
    "conviction": [1.0, 0.42, 0.58],
}
DEFAULT_U: dict[str, list[float]] = {
    "name": [0.07, 0.21, 0.70, 0.02],
    "father": [0.03, 0.045, 0.10, 0.60, 0.23],
    "birth": [1.0, 0.0001, 0.001, 0.076, 0.097, 0.041, 0.044, 0.085, 0.47],
    "sex": [1.0, 0.93, 0.07],
    "place": [1.0, 0.027, 0.126, 0.847],
    "conviction": [1.0, 0.0002, 0.9998],
}


@dataclass
class LinkageModel:
    """m/u probabilities per comparison level plus name-rarity scaling."""

    m: dict[str, list[float]] = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_M.items()})
    u: dict[str, list[float]] = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_U.items()})
    records_per_person: float = 1.4
    name_scale: float = 0.7
    father_scale: float = 0.4
    father_cap: float = 8.0
    alias_penalty: float = 2.0  # bits: aliases (nicknames) are shared by many people

    def level_bits(self, field_name: str) -> np.ndarray:
        m, u = np.asarray(self.m[field_name]), np.asarray(self.u[field_name])
        return np.log2(np.maximum(m, 1e-6) / np.maximum(u, 1e-6)).astype(np.float32)

    def prior_bits(self, n_records: float) -> float:
        """log2 odds that a random pair of records is one person."""
        return math.log2(max(self.records_per_person - 1.0, 0.01)) - math.log2(max(n_records, 2.0))

    def to_dict(self) -> dict[str, Any]:
        return {"m": self.m, "u": self.u, "records_per_person": self.records_per_person,
                "name_scale": self.name_scale, "father_scale": self.father_scale,
                "father_cap": self.father_cap, "alias_penalty": self.alias_penalty}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkageModel:
        return cls(**data)


def field_levels(cmp: PairComparison) -> dict[str, np.ndarray]:
    """Agreement level index per field for every compared pair."""
    father = np.where(cmp.father.empty, 4, cmp.father.klass)
    return {"name": cmp.name.klass, "father": father, "birth": cmp.birth, "sex": cmp.sex,
            "place": cmp.place, "conviction": cmp.conviction}


def rarity_bits(cmp: PairComparison, model: LinkageModel) -> tuple[np.ndarray, np.ndarray]:
    """Token-rarity evidence in bits of the name and of the father's name (added to the level bits)."""
    father_tf = np.minimum(cmp.father.bits * model.father_scale, model.father_cap)
    father_known = (~cmp.father.empty) & (cmp.father.klass <= 1)
    return cmp.name.bits * model.name_scale, np.where(father_known, father_tf, 0.0)


def evidence_bits(cmp: PairComparison, model: LinkageModel) -> dict[str, np.ndarray]:
    """Evidence in bits per field (name and father include token rarity)."""
    levels = field_levels(cmp)
    out = {name: model.level_bits(name)[lv] for name, lv in levels.items()}
    name_tf, father_tf = rarity_bits(cmp, model)
    out["name"] = out["name"] + name_tf
    out["father"] = out["father"] + father_tf
    return out


# Field levels packed into one small integer per pair: scoring and EM then work on codes.
FIELD_ORDER = tuple(FIELD_LEVELS)
_WIDTHS = {name: max(1, (len(levels) - 1).bit_length()) for name, levels in FIELD_LEVELS.items()}
_SHIFTS = dict(zip(FIELD_ORDER, np.cumsum([0] + [_WIDTHS[f] for f in FIELD_ORDER[:-1]]).tolist()))
N_CODES = 1 << sum(_WIDTHS.values())


def pack_levels(levels: dict[str, np.ndarray]) -> np.ndarray:
    """One code per pair holding every field's level (see unpack_codes)."""
    code = np.zeros(len(levels[FIELD_ORDER[0]]), dtype=np.int32)
    for name in FIELD_ORDER:
        code |= levels[name].astype(np.int32) << _SHIFTS[name]
    return code.astype(np.uint16)


def unpack_codes(codes: np.ndarray) -> dict[str, np.ndarray]:
    """Level index per field of packed codes."""
    codes = codes.astype(np.int32)
    return {name: (codes >> _SHIFTS[name]) & ((1 << _WIDTHS[name]) - 1) for name in FIELD_ORDER}


def code_bits(model: LinkageModel) -> np.ndarray:
    """Sum of the fields' level bits for every possible code (invalid codes get 0)."""
    fields = unpack_codes(np.arange(N_CODES))
    total = np.zeros(N_CODES, dtype=np.float64)
    for name, level in fields.items():
        bits = model.level_bits(name).astype(np.float64)
        total += np.where(level < len(bits), bits[np.minimum(level, len(bits) - 1)], 0.0)
    return total


def probability(bits: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(bits, -60, 60)))


@dataclass
class Scorer:
    """Scores pairs of rows of two encodings that share one vocabulary."""

    vocab: Vocabulary
    stats: TokenStats
    model: LinkageModel
    typos: TypoCache = field(default_factory=TypoCache)

    def compare(self, a: EncodedRecords, rows_a: np.ndarray, b: EncodedRecords, rows_b: np.ndarray,
                detail: bool = True) -> tuple[np.ndarray, PairComparison, dict[str, np.ndarray]]:
        bits = self.stats.bits_array(self.vocab)
        cmp = compare_rows(a, rows_a, b, rows_b, self.vocab, bits, self.typos, detail)
        parts = evidence_bits(cmp, self.model)
        alias = a.row_alias[rows_a] | b.row_alias[rows_b]
        parts["name"] = parts["name"] - self.model.alias_penalty * alias
        total = self.model.prior_bits(self.stats.n_docs) + np.sum(list(parts.values()), axis=0)
        return np.asarray(total), cmp, parts


@dataclass
class Match:
    """Outcome of comparing two records."""

    score: float
    reasons: list[Reason]
    record_id: str = ""
    record: PersonRecord | None = None


def _best_rows(total: np.ndarray, left_rec: np.ndarray, right_rec: np.ndarray) -> np.ndarray:
    """Index of the best-scoring row pair for each record pair (pairs sorted by record)."""
    key = left_rec.astype(np.int64) * (1 << 32) + right_rec
    order = np.lexsort((-total, key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    return order[first]


def _score_encoded(scorer: Scorer, a: EncodedRecords, b: EncodedRecords, rows_a: np.ndarray,
                   rows_b: np.ndarray, explain: int = 0) -> list[Match]:
    total, cmp, parts = scorer.compare(a, rows_a, b, rows_b)
    best = _best_rows(total, a.row_record[rows_a], b.row_record[rows_b])
    best = best[np.argsort(-total[best], kind="stable")][: explain or None]
    out = []
    for k, p in zip(best.tolist(), probability(total[best]).tolist()):
        reasons = explain_pair(cmp, parts, k, a, rows_a[k], b, rows_b[k], scorer.vocab)
        out.append(Match(p, reasons, b.record_ids[b.row_record[rows_b[k]]]))
    return out


def compare(a: PersonRecord, b: PersonRecord, model: LinkageModel | None = None,
            stats: TokenStats | None = None) -> Match:
    """Score two records in [0, 1] with human-readable reasons."""
    vocab = Vocabulary()
    ea, eb = encode([a], vocab), encode([b], vocab)
    rows_a = np.repeat(np.arange(len(ea.row_record)), len(eb.row_record))
    rows_b = np.tile(np.arange(len(eb.row_record)), len(ea.row_record))
    scorer = Scorer(vocab, stats or TokenStats.prior(), model or LinkageModel())
    match = _score_encoded(scorer, ea, eb, rows_a, rows_b, explain=1)[0]
    match.record = b
    return match


def candidates(query: PersonRecord, records_or_index: Any, limit: int = 10,
               model: LinkageModel | None = None) -> list[Match]:
    """Registry records most likely to be the query person, with scores and reasons."""
    if hasattr(records_or_index, "search_record"):
        return records_or_index.search_record(query, limit=limit)
    records: Sequence[PersonRecord] = records_or_index
    vocab = Vocabulary()
    corpus = encode(list(records), vocab)
    scorer = Scorer(vocab, corpus_stats(corpus, vocab), model or LinkageModel())
    q = encode([query], vocab)
    rows_b = np.tile(np.arange(len(corpus.row_record)), len(q.row_record))
    rows_a = np.repeat(np.arange(len(q.row_record)), len(corpus.row_record))
    matches = _score_encoded(scorer, q, corpus, rows_a, rows_b, explain=limit)
    by_id = {r.record_id: r for r in records}
    for m in matches:
        m.record = by_id[m.record_id]
    return matches


def _max_per_pair(left: np.ndarray, right: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, ...]:
    """Distinct (left, right) pairs with the largest value of each."""
    key = left.astype(np.int64) * (1 << 32) + right
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
    best = np.maximum.reduceat(value[order], starts) if len(key) else value[:0]
    return key[starts] >> 32, key[starts] & 0xFFFFFFFF, best


@dataclass
class CandidateLevels:
    """Compared candidate row pairs: record pair, packed field levels and token-rarity bits.

    Kept compact (about 15 bytes a pair) so that a model can be fitted on them and they can be
    scored again without comparing the records a second time."""

    left: np.ndarray  # smaller record index of the pair
    right: np.ndarray
    code: np.ndarray  # pack_levels of field_levels
    rarity: np.ndarray  # name and father's-name rarity bits, minus the alias penalty
    primary: np.ndarray  # both rows are the records' main names (no alias)

    def __len__(self) -> int:
        return len(self.code)

    def totals(self, model: LinkageModel, n_docs: float) -> np.ndarray:
        """Log2 odds of each row pair under a model (rarity bits as computed)."""
        return model.prior_bits(n_docs) + code_bits(model)[self.code] + self.rarity


def compare_candidates(encoded: EncodedRecords, scorer: Scorer, row_pairs: np.ndarray, chunk: int = 200_000,
                       progress: Callable[[int], None] | None = None) -> CandidateLevels:
    """Compare candidate row pairs once, keeping what scoring and fitting need."""
    lefts, rights, codes, rarities, primaries = [], [], [], [], []
    width = np.maximum(encoded.row_width[row_pairs[:, 0]], encoded.row_width[row_pairs[:, 1]])
    row_pairs = row_pairs[np.argsort(width, kind="stable")]
    bits = scorer.stats.bits_array(scorer.vocab)
    for start in range(0, len(row_pairs), chunk):
        part = row_pairs[start : start + chunk]
        cmp = compare_rows(encoded, part[:, 0], encoded, part[:, 1], scorer.vocab, bits, scorer.typos, False)
        alias = encoded.row_alias[part[:, 0]] | encoded.row_alias[part[:, 1]]
        name_tf, father_tf = rarity_bits(cmp, scorer.model)
        rec_a, rec_b = encoded.row_record[part[:, 0]], encoded.row_record[part[:, 1]]
        lefts.append(np.minimum(rec_a, rec_b))
        rights.append(np.maximum(rec_a, rec_b))
        codes.append(pack_levels(field_levels(cmp)))
        rarities.append((name_tf + father_tf - scorer.model.alias_penalty * alias).astype(np.float32))
        primaries.append(~alias)
        if progress:
            progress(len(part))
    if not codes:
        empty = np.zeros(0, dtype=np.int32)
        return CandidateLevels(empty, empty, np.zeros(0, np.uint16), np.zeros(0, np.float32), np.zeros(0, bool))
    return CandidateLevels(*(np.concatenate(x) for x in (lefts, rights, codes, rarities, primaries)))


def score_candidate_pairs(encoded: EncodedRecords, scorer: Scorer, row_pairs: np.ndarray,
                          chunk: int = 200_000,
                          progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, ...]:
    """Best probability per record pair: (left records, right records, probabilities)."""
    found = compare_candidates(encoded, scorer, row_pairs, chunk, progress)
    return _best_probabilities(found, scorer)


def _best_probabilities(found: CandidateLevels, scorer: Scorer) -> tuple[np.ndarray, ...]:
    total = found.totals(scorer.model, scorer.stats.n_docs)
    left, right, best = _max_per_pair(found.left, found.right, total)
    return left, right, probability(best)


def dedupe(records: Sequence[PersonRecord], model: LinkageModel | None = None,
           threshold: float = DEFAULT_THRESHOLD,
           progress: Callable[[str, int, int], None] | None = None,
           fit: bool = False, seed: int = 0) -> list[tuple[str, str, float]]:
    """Cluster records into persons: (record_id, cluster_id, confidence), one row per record.

    Without a model the hand-set LinkageModel() scores; with fit=True its m/u probabilities and
    match prior are first fitted to these records by EM (training.fit_em, starting from the
    hand-set model; seed fixes the pairs it samples). Fitting is off by default: on the synthetic
    registries it links siblings and namesakes (pairwise F1 0.85-0.87 against 0.95)."""
    with gc_paused():
        return _dedupe(records, model, threshold, progress, fit and model is None, seed)


def _dedupe(records: Sequence[PersonRecord], model: LinkageModel | None, threshold: float,
            progress: Callable[[str, int, int], None] | None, fit: bool,
            seed: int) -> list[tuple[str, str, float]]:
    vocab = Vocabulary()
    encoded = encode(list(records), vocab)
    scorer = Scorer(vocab, corpus_stats(encoded, vocab), model or LinkageModel())
    row_pairs = blocking.prune_incompatible(encoded, blocking.candidate_row_pairs(encoded))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress("scoring", done[0], len(row_pairs))

    found = compare_candidates(encoded, scorer, row_pairs, progress=tick)
    if fit:
        from suraksha.registry.matching.training import fit_em  # training builds on this module

        scorer.model = fit_em(encoded, scorer, found, seed=seed)
    left, right, prob = _best_probabilities(found, scorer)
    roots = blocking.guarded_clusters(encoded, left, right, prob, threshold)
    return _assignments(encoded, roots, left, right, prob)


def _assignments(encoded: EncodedRecords, roots: np.ndarray, left: np.ndarray,
                 right: np.ndarray, prob: np.ndarray) -> list[tuple[str, str, float]]:
    """Confidence: best in-cluster link for merged records, 1 - best link for singletons."""
    inside = roots[left] == roots[right]
    best_in = np.zeros(len(roots))
    best_out = np.zeros(len(roots))
    np.maximum.at(best_in, left[inside], prob[inside])
    np.maximum.at(best_in, right[inside], prob[inside])
    np.maximum.at(best_out, left[~inside], prob[~inside])
    np.maximum.at(best_out, right[~inside], prob[~inside])
    ids = encoded.record_ids
    confidence = np.where(best_in > 0, best_in, 1.0 - best_out)
    return [(ids[i], ids[int(roots[i])], round(float(confidence[i]), 4)) for i in range(len(ids))]


def learn_from_decisions(decisions: Iterable[tuple[PersonRecord, PersonRecord, bool]],
                         model: LinkageModel | None = None, strength: float = 20.0) -> LinkageModel:
    """Update m (confirmed pairs) and u (rejected pairs) from officers' decisions.

    Each field's level counts are blended with the current probabilities as if the
    current model had been observed `strength` times.
    """
    model = model or LinkageModel()
    counts = {True: {f: np.zeros(len(v)) for f, v in model.m.items()},
              False: {f: np.zeros(len(v)) for f, v in model.u.items()}}
    for a, b, same in decisions:
        vocab = Vocabulary()
        ea, eb = encode([a], vocab), encode([b], vocab)
        rows = np.zeros(1, dtype=np.int64)
        _total, cmp, _parts = Scorer(vocab, TokenStats.prior(), model).compare(ea, rows, eb, rows)
        for name, level in field_levels(cmp).items():
            counts[bool(same)][name][int(level[0])] += 1
    return LinkageModel(_blend(model.m, counts[True], strength), _blend(model.u, counts[False], strength),
                        model.records_per_person, model.name_scale, model.father_scale,
                        model.father_cap, model.alias_penalty)


def _learnable(field_name: str, size: int) -> np.ndarray:
    """Levels whose probabilities are learned (not the fixed 'unknown' levels)."""
    index = np.arange(size)
    if field_name == "name":
        return index >= 0
    if field_name == "father":
        return index < 4
    return index > 0


def _blend(current: dict[str, list[float]], counts: dict[str, np.ndarray],
           strength: float) -> dict[str, list[float]]:
    out = {}
    for name, probs in current.items():
        p = np.asarray(probs, dtype=float)
        known = _learnable(name, len(p))
        c = counts[name] * known
        n = c.sum()
        if n == 0:
            out[name] = list(probs)
            continue
        mass = p[known].sum()
        blended = p.copy()
        blended[known] = (p[known] * strength + c[known] * mass) / (strength + n)
        out[name] = blended.tolist()
    return out
