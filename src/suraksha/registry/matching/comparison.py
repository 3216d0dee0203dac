"""Vectorised comparison of record pairs: token match levels and field agreement levels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import DamerauLevenshtein

from suraksha.registry.matching.features import INITIAL_BITS, EncodedRecords, TokenArrays, Vocabulary

# Token match levels, weakest first.
NONE, TYPO, INITIAL, FATHER, PHONETIC, VARIANT, EXACT = range(7)
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


def _fold(ufunc: np.ufunc, x: np.ndarray, axis: int) -> np.ndarray:
    """ufunc-reduce over a short axis by slices (much faster than .max/.any on tiny axes)."""
    index: list = [slice(None)] * x.ndim
    index[axis] = 0
    out = x[tuple(index)].copy()
    for i in range(1, x.shape[axis]):
        index[axis] = i
        ufunc(out, x[tuple(index)], out=out)
    return out


def _max(x: np.ndarray, axis: int) -> np.ndarray:
    return _fold(np.maximum, x, axis)


def any_along(x: np.ndarray, axis: int) -> np.ndarray:
    """x.any(axis) for a short axis, by slices."""
    return _fold(np.logical_or, x, axis)


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


def token_levels(a: TokenArrays, b: TokenArrays, vocab: Vocabulary, typos: TypoCache) -> np.ndarray:
    """(pairs, slots_a, slots_b) array of match levels between aligned rows of a and b."""
    va, vb = a.fold >= 0, b.fold >= 0
    full = (va & ~a.initial)[:, :, None] & (vb & ~b.initial)[:, None, :]
    level = np.zeros(full.shape, dtype=np.int8)
    letters = (a.letter[:, :, None] == b.letter[:, None, :]) & va[:, :, None] & vb[:, None, :]
    level[letters & (a.initial[:, :, None] | b.initial[:, None, :])] = INITIAL
    phon = full & (a.phon[:, :, None] == b.phon[:, None, :])
    level[phon] = PHONETIC
    fold = phon & (a.fold[:, :, None] == b.fold[:, None, :])
    level[fold] = VARIANT
    level[fold & (a.text[:, :, None] == b.text[:, None, :])] = EXACT
    open_a, open_b = _max(level, 2) == NONE, _max(level, 1) == NONE
    todo = np.nonzero(full & open_a[:, :, None] & open_b[:, None, :])
    if todo[0].size:
        close = typos.close(a.fold[todo[0], todo[1]], b.fold[todo[0], todo[2]], vocab)
        level[tuple(t[close] for t in todo)] = TYPO
    return level


def _in_father(names: TokenArrays, father: TokenArrays) -> np.ndarray:
    """Name tokens that equal (phonetically) a full token of the other record's father."""
    full = (father.fold >= 0) & ~father.initial
    eq = (names.phon[:, :, None] == father.phon[:, None, :]) & full[:, None, :]
    return any_along(eq, 2) & (names.fold >= 0) & ~names.initial


@dataclass
class NameAgreement:
    """Per-pair outcome of comparing two token lists."""

    levels: np.ndarray  # (pairs, slots_a, slots_b)
    best_a: np.ndarray  # (pairs, slots_a) best level per token of a
    best_b: np.ndarray
    bits: np.ndarray  # evidence in bits from agreeing tokens
    klass: np.ndarray  # index into NAME_CLASSES
    empty: np.ndarray  # either side has no tokens


def _contribution(tokens: TokenArrays, best: np.ndarray, bits: np.ndarray,
                  family: np.ndarray | None) -> np.ndarray:
    own = np.where(tokens.initial, INITIAL_BITS, bits[np.maximum(tokens.fold, 0)])
    own = np.where(tokens.fold >= 0, own, 0.0)
    if family is not None:
        own = np.where(family, own * FAMILY_WEIGHT, own)
    quality = np.where(best == INITIAL, np.minimum(own, INITIAL_BITS), own * QUALITY[best])
    return _fold(np.add, quality, 1)


def agree_names(a: TokenArrays, b: TokenArrays, levels: np.ndarray, bits: np.ndarray,
                father_in: tuple[np.ndarray, np.ndarray] | None = None,
                family: tuple[np.ndarray, np.ndarray] | None = None) -> NameAgreement:
    """Classify the agreement of two aligned token arrays and sum evidence bits.

    father_in marks tokens found in the other record's father's name (not a conflict);
    family marks tokens shared with either father's name (evidence of kin, so down-weighted).
    """
    best_a, best_b = _max(levels, 2), _max(levels, 1)
    strong = _max(best_a, 1) >= PHONETIC
    if father_in is not None:
        best_a = np.where((best_a == NONE) & father_in[0], FATHER, best_a)
        best_b = np.where((best_b == NONE) & father_in[1], FATHER, best_b)
    fam_a, fam_b = family if family is not None else (None, None)
    evidence = np.minimum(_contribution(a, best_a, bits, fam_a), _contribution(b, best_b, bits, fam_b))
    open_a = any_along((a.fold >= 0) & ~a.optional & (best_a == NONE), 1)
    open_b = any_along((b.fold >= 0) & ~b.optional & (best_b == NONE), 1)
    weak = any_along((best_a == TYPO) | (best_a == INITIAL), 1) | any_along(best_b == INITIAL, 1)
    klass = np.where(open_a | open_b | weak, 1, 0)
    klass = np.where(open_a & open_b, 2, klass)
    klass = np.where(strong, klass, 3).astype(np.int8)
    empty = (a.fold[:, 0] < 0) | (b.fold[:, 0] < 0)
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
    names_a, names_b = a.names.take(rows_a, slots, detail), b.names.take(rows_b, slots, detail)
    fathers_a, fathers_b = a.fathers.take(ia, None, detail), b.fathers.take(ib, None, detail)
    levels = token_levels(names_a, names_b, vocab, typos)
    father_in = (_in_father(names_a, fathers_b), _in_father(names_b, fathers_a))
    family = (father_in[0] | _in_father(names_a, fathers_a), father_in[1] | _in_father(names_b, fathers_b))
    name = agree_names(names_a, names_b, levels, bits, father_in, family)
    father_levels = token_levels(fathers_a, fathers_b, vocab, typos)
    father = agree_names(fathers_a, fathers_b, father_levels, bits)
    sex, conviction = _other_levels(a, ia, b, ib)
    return PairComparison(name, father, _birth_levels(a, ia, b, ib), sex,
                          _place_levels(a, ia, b, ib), conviction)
