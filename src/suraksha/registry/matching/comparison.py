"""Comparison of record pairs: token match levels and name agreement (compiled loops, `kernels`), field levels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein

from suraksha.registry.matching import kernels
from suraksha.registry.matching.features import INITIAL_BITS, EncodedRecords, TokenArrays, Vocabulary

# Token match levels, weakest first (defined with the compiled loops that compute them).
NONE, TYPO, INITIAL, FATHER, PHONETIC, VARIANT, EXACT = (kernels.NONE, kernels.TYPO, kernels.INITIAL, kernels.FATHER,
                                                         kernels.PHONETIC, kernels.VARIANT, kernels.EXACT)
LEVEL_NAMES = ("none", "typo", "initial", "father's name", "phonetic", "variant", "exact")
FAMILY_WEIGHT = 0.3
QUALITY = np.array([0.0, 0.5, 0.0, 0.0, 0.85, 1.0, 1.0], dtype=np.float32)

# Name agreement classes.
NAME_CLASSES = ("agree", "partial", "conflict", "different")
BIRTH_LEVELS = ("unknown", "same dob", "dob typo", "different dob", "overlap", "1 year",
                "2-3 years", "4-7 years", "8+ years")
SEX_LEVELS = ("unknown", "same", "different")
PLACE_LEVELS = ("unknown", "same district", "same state", "different state")
CONVICTION_LEVELS = ("unknown", "shared date", "no shared date")


class TypoCache:
    """Damerau-Levenshtein distance-1 test on folded tokens, cached by id pair.

    A vectorised pre-test (lengths within one, at least five letters, same first two or
    last two letters: one edit cannot change both ends) skips most pairs.
    """

    def __init__(self) -> None:
        self.known: dict[int, bool] = {}
        self._shape = np.zeros((0, 3), dtype=np.int32)

    def _shapes(self, vocab: Vocabulary) -> np.ndarray:
        if len(self._shape) < vocab.size("fold"):  # (an overlay's `strings` is built on each call)
            folds = vocab.strings["fold"]
            extra = [(len(f), hash(f[:2]) & 0x7FFFFFFF, hash(f[-2:]) & 0x7FFFFFFF)
                     for f in folds[len(self._shape):]]
            self._shape = np.concatenate([self._shape, np.asarray(extra, dtype=np.int32)])
        return self._shape

    def close(self, left: np.ndarray, right: np.ndarray, vocab: Vocabulary) -> np.ndarray:
        shape = self._shapes(vocab)
        sl, sr = shape[left], shape[right]
        maybe = ((np.abs(sl[:, 0] - sr[:, 0]) <= 1) & (np.minimum(sl[:, 0], sr[:, 0]) >= 5)
                 & ((sl[:, 1] == sr[:, 1]) | (sl[:, 2] == sr[:, 2])))
        out = np.zeros(len(left), dtype=bool)
        todo = np.flatnonzero(maybe)
        if not len(todo):
            return out
        keys = left[todo].astype(np.int64) * (1 << 32) + right[todo].astype(np.int64)
        known, hits = self.known, []
        for key in keys.tolist():  # a few pairs per call, most answered before: a dict beats np.unique here
            hit = known.get(key)
            if hit is None:
                hit = known[key] = DamerauLevenshtein.distance(
                    vocab.string("fold", key >> 32), vocab.string("fold", key & 0xFFFFFFFF), score_cutoff=1) <= 1
            hits.append(hit)
        out[todo] = hits
        return out


def _levels(a: TokenArrays, rows_a: np.ndarray, slots_a: int, b: TokenArrays, rows_b: np.ndarray, slots_b: int,
            vocab: Vocabulary, typos: TypoCache, detail: bool) -> np.ndarray:
    """(pairs, slots_a, slots_b) match levels between rows rows_a[k] of a and rows_b[k] of b (their first slots): the
    compiled pass, then the one-edit test on the pairs it leaves open."""
    levels, todo = kernels.token_levels(a.fold, a.phon, a.text, a.letter, a.initial, rows_a,
                                        b.fold, b.phon, b.text, b.letter, b.initial, rows_b, slots_a, slots_b, detail)
    p, i, j = np.nonzero(todo)
    if p.size:
        close = typos.close(a.fold[rows_a[p], i], b.fold[rows_b[p], j], vocab)
        levels[p[close], i[close], j[close]] = TYPO
    return levels


@dataclass
class NameAgreement:
    """Per-pair outcome of comparing two token lists."""

    levels: np.ndarray  # (pairs, slots_a, slots_b)
    best_a: np.ndarray  # (pairs, slots_a) best level per token of a
    best_b: np.ndarray
    bits: np.ndarray  # evidence in bits from agreeing tokens
    klass: np.ndarray  # index into NAME_CLASSES
    empty: np.ndarray  # either side has no tokens


def _agreement(levels: np.ndarray, a: TokenArrays, rows_a: np.ndarray, b: TokenArrays, rows_b: np.ndarray,
               bits: np.ndarray, kin: bool, fathers: tuple) -> NameAgreement:
    """Classify the agreement of two aligned token rows and sum evidence bits (`kernels.agreement`).

    With `kin`, a token found in the other record's father's name is not a conflict, and one shared with either
    father's name is evidence of kin, so down-weighted."""
    constants = np.array([INITIAL_BITS, FAMILY_WEIGHT, 0.0], dtype=bits.dtype)
    best_a, best_b, evidence, klass, empty = kernels.agreement(
        levels, a.phon, a.fold, a.initial, a.optional, rows_a, b.phon, b.fold, b.initial, b.optional, rows_b, bits,
        QUALITY.astype(bits.dtype), constants, kin, fathers)
    return NameAgreement(levels, best_a, best_b, evidence, klass, empty)


@dataclass
class PairComparison:
    """Field-by-field comparison of aligned record pairs (rows ra of a, rows rb of b)."""

    name: NameAgreement
    father: NameAgreement
    birth: np.ndarray
    sex: np.ndarray
    place: np.ndarray
    conviction: np.ndarray


def _dob_typo(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """yyyymmdd dates that differ like a clerical error: day/month swapped, year off by one,
    or one wrong digit in the day."""
    xy, xm, xd = x // 10000, x // 100 % 100, x % 100
    yy, ym, yd = y // 10000, y // 100 % 100, y % 100
    swapped = (xy == yy) & (xm == yd) & (xd == ym)
    year_off = (np.abs(xy - yy) == 1) & (xm == ym) & (xd == yd)
    day_digit = (xy == yy) & (xm == ym) & ((xd // 10 == yd // 10) | (xd % 10 == yd % 10))
    return swapped | year_off | day_digit


def _birth_levels(a: EncodedRecords, ia: np.ndarray, b: EncodedRecords, ib: np.ndarray) -> np.ndarray:
    lo_a, hi_a = a.birth_low[ia].astype(np.int32), a.birth_high[ia].astype(np.int32)
    lo_b, hi_b = b.birth_low[ib].astype(np.int32), b.birth_high[ib].astype(np.int32)
    gap = np.maximum(0, np.maximum(lo_a - hi_b, lo_b - hi_a))
    level = np.select([gap == 0, gap == 1, gap <= 3, gap <= 7], [4, 5, 6, 7], 8)
    dob_a, dob_b = a.dob[ia], b.dob[ib]
    both = (dob_a > 0) & (dob_b > 0)
    level = np.where(both & (gap <= 1), 3, level)
    level = np.where(both & _dob_typo(dob_a, dob_b), 2, level)
    level = np.where(both & (dob_a == dob_b), 1, level)
    return np.where((lo_a == 0) | (lo_b == 0), 0, level).astype(np.int8)


def _place_levels(a: EncodedRecords, ia: np.ndarray, b: EncodedRecords, ib: np.ndarray) -> np.ndarray:
    sa, sb, da, db = a.state[ia], b.state[ib], a.district[ia], b.district[ib]
    level = np.where(sa == sb, 2, 3)
    level = np.where((da == db) & (da >= 0), 1, level)
    return np.where((sa < 0) | (sb < 0), 0, level).astype(np.int8)


def _other_levels(a: EncodedRecords, ia: np.ndarray, b: EncodedRecords, ib: np.ndarray):
    sex_a, sex_b = a.sex[ia], b.sex[ib]
    sex = np.where((sex_a == 0) | (sex_b == 0), 0, np.where(sex_a == sex_b, 1, 2))
    ca, cb = a.convictions.take(ia, axis=0), b.convictions.take(ib, axis=0)
    shared = (ca[:, 0] > 0) & ((ca[:, 0] == cb[:, 0]) | (ca[:, 0] == cb[:, 1]))
    shared |= (ca[:, 1] > 0) & ((ca[:, 1] == cb[:, 0]) | (ca[:, 1] == cb[:, 1]))
    known = (ca[:, 0] > 0) & (cb[:, 0] > 0)
    conviction = np.where(shared, 1, np.where(known, 2, 0))
    return sex.astype(np.int8), conviction.astype(np.int8)


def compare_rows(a: EncodedRecords, rows_a: np.ndarray, b: EncodedRecords, rows_b: np.ndarray,
                 vocab: Vocabulary, bits: np.ndarray, typos: TypoCache,
                 detail: bool = True) -> PairComparison:
    """Compare name row rows_a[k] of a with name row rows_b[k] of b, for every k.

    Without detail, exact and variant agreement are not told apart (same weight)."""
    ia, ib = a.row_record[rows_a], b.row_record[rows_b]
    slots = int(max(a.row_width[rows_a].max(initial=1), b.row_width[rows_b].max(initial=1)))
    names_a, names_b, fathers_a, fathers_b = a.names, b.names, a.fathers, b.fathers
    # one layout and type for the compiled loops (one compilation): a dedupe passes columns of its pair array
    rows_a, rows_b, ia, ib = (np.ascontiguousarray(x, dtype=np.int64) for x in (rows_a, rows_b, ia, ib))
    slots_a, slots_b = min(slots, names_a.fold.shape[1]), min(slots, names_b.fold.shape[1])
    fathers = (fathers_a.phon, fathers_a.fold, fathers_a.initial, ia, fathers_a.fold.shape[1],
               fathers_b.phon, fathers_b.fold, fathers_b.initial, ib, fathers_b.fold.shape[1])
    levels = _levels(names_a, rows_a, slots_a, names_b, rows_b, slots_b, vocab, typos, detail)
    name = _agreement(levels, names_a, rows_a, names_b, rows_b, bits, True, fathers)
    father_levels = _levels(fathers_a, ia, fathers_a.fold.shape[1], fathers_b, ib, fathers_b.fold.shape[1], vocab,
                            typos, detail)
    father = _agreement(father_levels, fathers_a, ia, fathers_b, ib, bits, False, fathers)
    sex, conviction = _other_levels(a, ia, b, ib)
    return PairComparison(name, father, _birth_levels(a, ia, b, ib), sex,
                          _place_levels(a, ia, b, ib), conviction)
