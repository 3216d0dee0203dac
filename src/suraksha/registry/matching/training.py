"""Fitting the linkage model to a registry: m and the match prior by EM, u from random pairs.

The scorer's evidence for a pair is the prior odds plus, per field, log2(m/u) of the field's
agreement level, plus the fixed token-rarity bits of the name and the father's name. Here

- u (how often a level occurs between two different people) is measured on random record
  pairs, which are almost all different people. For the name and the father's name the
  rarity bits are part of the likelihood ratio, so their u is the random-pair frequency of the
  level weighted by 2**rarity: then the likelihood ratio averages to 1 over different people,
  as any likelihood ratio must, and rarity is not counted twice;
- m (how often a level occurs between two records of one person) and lambda (the share of
  blocked candidate pairs that are one person) are fitted by expectation-maximisation over the
  blocked candidate pairs, fields conditionally independent given match status. Random pairs
  that the current model thinks are one person are left out of u as the fit goes on.

"Unknown" levels (a field missing on either side) keep m == u: they carry no evidence.
The prior of the fitted model follows lambda: the number of matching pairs it implies, per record.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from suraksha.registry.matching import blocking
from suraksha.registry.matching.comparison import compare_rows
from suraksha.registry.matching.features import EncodedRecords, Vocabulary, corpus_stats, encode, gc_paused
from suraksha.registry.matching.linkage import (
    FIELD_ORDER,
    N_CODES,
    CandidateLevels,
    LinkageModel,
    Scorer,
    _learnable,
    code_bits,
    compare_candidates,
    field_levels,
    pack_levels,
    rarity_bits,
    unpack_codes,
)
from suraksha.registry.matching.record import PersonRecord

EM_MAX_PAIRS = 300_000  # candidate pairs EM iterates over (a seeded sample when there are more)
U_PAIRS = 100_000  # random record pairs for u
MIN_PAIRS = 200  # fewer candidate pairs than this: keep the starting model
M_FLOOR = 1e-4
U_FLOOR = 1e-6
SMOOTHING = 0.5  # Laplace pseudo-count per level
TOLERANCE = 1e-5
MAX_ITERATIONS = 200
TF_FIELDS = ("name", "father")  # fields whose rarity bits enter the likelihood ratio


@dataclass
class EMResult:
    """A fitted model and how the fit went."""

    model: LinkageModel
    match_share: float  # lambda: share of candidate pairs that are one person
    iterations: int
    converged: bool
    candidate_pairs: int  # candidate pairs EM saw
    random_pairs: int  # random pairs u was measured on


@dataclass
class _RandomPairs:
    code: np.ndarray
    tf: dict[str, np.ndarray]


def _first_rows(encoded: EncodedRecords) -> np.ndarray:
    """Row of each record's main name (rows are in record order)."""
    return np.searchsorted(encoded.row_record, np.arange(len(encoded)))


def random_pairs(encoded: EncodedRecords, scorer: Scorer, n_pairs: int = U_PAIRS, seed: int = 0,
                 chunk: int = 200_000) -> _RandomPairs:
    """Field levels and rarity bits of n_pairs random pairs of distinct records (main names)."""
    n = len(encoded)
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, n_pairs)
    j = rng.integers(0, n - 1, n_pairs)
    j = j + (j >= i)
    rows = _first_rows(encoded)
    bits = scorer.stats.bits_array(scorer.vocab)
    codes: list[np.ndarray] = []
    tfs: dict[str, list[np.ndarray]] = {f: [] for f in TF_FIELDS}
    for start in range(0, n_pairs, chunk):
        ra, rb = rows[i[start : start + chunk]], rows[j[start : start + chunk]]
        cmp = compare_rows(encoded, ra, encoded, rb, scorer.vocab, bits, scorer.typos, False)
        codes.append(pack_levels(field_levels(cmp)))
        for name, tf in zip(TF_FIELDS, rarity_bits(cmp, scorer.model)):
            tfs[name].append(np.asarray(tf, dtype=np.float64))
    return _RandomPairs(np.concatenate(codes), {f: np.concatenate(v) for f, v in tfs.items()})


_LEVELS_OF_CODE = unpack_codes(np.arange(N_CODES))


def _level_counts(codes: np.ndarray, weights: np.ndarray, sizes: dict[str, int]) -> dict[str, np.ndarray]:
    """Weighted count of each level of each field."""
    per_code = np.bincount(codes, weights=weights, minlength=N_CODES)
    return {f: np.bincount(_LEVELS_OF_CODE[f], weights=per_code, minlength=sizes[f])[: sizes[f]]
            for f in FIELD_ORDER}


def _probabilities(counts: np.ndarray, known: np.ndarray, start: list[float], floor: float) -> list[float]:
    """Smoothed, floored distribution over the learnable levels; the fixed levels keep their value.

    The learnable levels share the mass the starting model gave them, so m and u of a field
    stay on one scale and the fixed (unknown) level keeps m == u."""
    p = np.asarray(start, dtype=float).copy()
    mass = p[known].sum()
    c = counts[known] + SMOOTHING
    q = np.maximum(c / c.sum(), floor)
    p[known] = q / q.sum() * mass
    return p.tolist()


def _sigmoid_bits(bits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(bits, -60, 60)))


def _logit_bits(p: float) -> float:
    return float(np.log2(p) - np.log2(1.0 - p))


def run_em(encoded: EncodedRecords, scorer: Scorer, found: CandidateLevels, *, seed: int = 0,
           u_pairs: int = U_PAIRS, max_pairs: int = EM_MAX_PAIRS, tolerance: float = TOLERANCE,
           max_iterations: int = MAX_ITERATIONS, corpus_size: int | None = None) -> EMResult:
    """EM over the candidate pairs between main names (each record pair once).

    corpus_size: the number of records the model will score (when `encoded` is a sample of
    them), for the prior: a sample of a fraction q of the records keeps a fraction q of each
    record's other registrations."""
    start = scorer.model
    n = len(encoded)
    pick = np.flatnonzero(found.primary)
    if len(pick) < MIN_PAIRS or n < 3:
        return EMResult(start, float("nan"), 0, False, len(pick), 0)
    rng = np.random.default_rng(seed)
    if len(pick) > max_pairs:
        pick = np.sort(rng.choice(pick, max_pairs, replace=False))
    codes = found.code[pick].astype(np.int64)
    offset = found.rarity[pick].astype(np.float64)
    sizes = {f: len(v) for f, v in start.m.items()}
    known = {f: _learnable(f, sizes[f]) for f in FIELD_ORDER}
    weight = len(found.primary.nonzero()[0]) / len(pick)  # candidate pairs each EM pair stands for
    all_pairs = n * (n - 1) / 2.0
    seen = {f: np.bincount(_LEVELS_OF_CODE[f][codes], minlength=sizes[f]) > 0 for f in FIELD_ORDER}
    sample = random_pairs(encoded, scorer, u_pairs, seed)
    rand_codes = sample.code.astype(np.int64)
    rand_offset = sum(sample.tf.values())
    model = LinkageModel({f: list(v) for f, v in start.m.items()}, {f: list(v) for f, v in start.u.items()},
                         start.records_per_person, start.name_scale, start.father_scale, start.father_cap,
                         start.alias_penalty)
    # lambda: the probability that a random pair of these records is one person.
    share = float(np.clip(max(start.records_per_person - 1.0, 0.01) / scorer.stats.n_docs, 1e-9, 0.5))
    converged, iteration = False, 0
    for iteration in range(1, max_iterations + 1):  # noqa: B007 - reported
        table = code_bits(model)
        # u: random pairs (almost all different people), leaving out those the model takes for one.
        p_random = _sigmoid_bits(_logit_bits(share) + table[rand_codes] + rand_offset)
        u_counts = _level_counts(rand_codes, 1.0 - p_random, sizes)
        for f in TF_FIELDS:
            u_counts[f] = _level_counts(rand_codes, (1.0 - p_random) * np.exp2(sample.tf[f]), sizes)[f]
        new_u = {f: _probabilities(u_counts[f], known[f], start.u[f], U_FLOOR) for f in FIELD_ORDER}
        # E-step: probability that each candidate pair is one person, as the scorer computes it.
        # Pairs that blocking left out score near 0 and add nothing to m or lambda.
        p = _sigmoid_bits(_logit_bits(share) + table[codes] + offset)
        m_counts = _level_counts(codes, p, sizes)
        new_m = {f: _probabilities(m_counts[f], known[f] & seen[f], model.m[f], M_FLOOR) for f in FIELD_ORDER}
        new_share = float(np.clip(p.sum() * weight / all_pairs, 1e-9, 0.5))
        change = max(abs(np.log2(new_share / share)) * 1e-2, *(
            float(np.max(np.abs(np.asarray(new_m[f]) - np.asarray(model.m[f]))
                         + np.abs(np.asarray(new_u[f]) - np.asarray(model.u[f])))) for f in FIELD_ORDER))
        model.m, model.u, share = new_m, new_u, new_share
        if change < tolerance:
            converged = True
            break
    # The prior in LinkageModel.prior_bits' terms (log2((records_per_person - 1) / n_docs)). A sample
    # of a fraction q of the corpus keeps a fraction q of each record's other registrations, so the
    # probability that a random pair is one person is the same in the sample and in the corpus.
    n_docs = scorer.stats.n_docs - n + (corpus_size or n)
    model.records_per_person = 1.0 + share * n_docs
    return EMResult(model, share, iteration, converged, len(pick), len(rand_codes))


def fit_em(encoded: EncodedRecords, scorer: Scorer, found: CandidateLevels, *, seed: int = 0,
           **options: float | int | None) -> LinkageModel:
    """The linkage model fitted to these records (see run_em); scorer.model is the start."""
    return run_em(encoded, scorer, found, seed=seed, **options).model  # type: ignore[arg-type]


def fit_on_sample(records: Sequence[PersonRecord], size: int = 50_000, seed: int = 0,
                  model: LinkageModel | None = None) -> LinkageModel:
    """A model fitted on a seeded random sample of the records, for corpora too large to fit
    whole (then pass it to dedupe or the search index as its model)."""
    with gc_paused():
        chosen = list(records)
        if len(chosen) > size:
            chosen = random.Random(seed).sample(chosen, size)
        vocab = Vocabulary()
        encoded = encode(chosen, vocab)
        scorer = Scorer(vocab, corpus_stats(encoded, vocab), model or LinkageModel())
        row_pairs = blocking.prune_incompatible(encoded, blocking.candidate_row_pairs(encoded))
        found = compare_candidates(encoded, scorer, row_pairs)
        return run_em(encoded, scorer, found, seed=seed, corpus_size=len(records)).model
