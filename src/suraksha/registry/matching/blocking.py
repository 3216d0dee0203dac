"""Blocking (candidate pair generation) and namesake-safe clustering for dedupe."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from suraksha.registry.matching.features import EncodedRecords

LETTER_BLOCK_CAP = 60
PAIR_BLOCK_CAP = 400
YEAR_BLOCK_CAP = 20
BIRTH_TOLERANCE = 2
_PAIR_FLAG = np.int64(1) << np.int64(62)
_YEAR_FLAG = np.int64(1) << np.int64(60)
_FATHER_FLAG = np.int64(1) << np.int64(59)
_DOB_FLAG = np.int64(1) << np.int64(58)


def _token_context_keys(encoded: EncodedRecords, full: np.ndarray) -> tuple[list, list]:
    """A name token with each plausible birth year, with the father's first name, and the
    initial letter of any name token with the exact date of birth."""
    phon = encoded.names.phon.astype(np.int64)
    rec = encoded.row_record
    low, high = encoded.birth_low[rec].astype(np.int64), encoded.birth_high[rec].astype(np.int64)
    fathers = encoded.fathers
    father_first = np.where(fathers.initial[:, 0], -1, fathers.phon[:, 0]).astype(np.int64)[rec]
    dob = encoded.dob[rec].astype(np.int64)
    row_ids = np.arange(len(phon), dtype=np.int64)
    keys, rows = [], []
    for i in range(phon.shape[1]):
        for shift in (-1, 0, 1):
            year = high + shift
            mask = full[:, i] & (low > 0) & (year >= low - 1) & (year <= high)
            keys.append(_YEAR_FLAG | (phon[mask, i] << 12) | (year[mask] & 0xFFF))
            rows.append(row_ids[mask])
        mask = full[:, i] & (father_first >= 0)
        keys.append(_FATHER_FLAG | (phon[mask, i] << 24) | father_first[mask])
        rows.append(row_ids[mask])
        mask = (encoded.names.fold[:, i] >= 0) & (dob > 0)
        keys.append(_DOB_FLAG | (dob[mask] << 5) | encoded.names.letter[mask, i])
        rows.append(row_ids[mask])
    return keys, rows


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (faster than np.unique's hash path for large int arrays)."""
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def blocking_keys(encoded: EncodedRecords) -> tuple[np.ndarray, np.ndarray]:
    """(keys, rows) for each name row: a name token alone, with the initial of another
    token, with another token, with a birth year, and with the father's first name."""
    names = encoded.names
    valid = names.fold >= 0
    full = valid & ~names.initial & ~names.optional
    phon = names.phon.astype(np.int64)
    keys, rows = _token_context_keys(encoded, full)
    row_ids = np.arange(len(phon), dtype=np.int64)
    slots = phon.shape[1]
    for i in range(slots):
        keys.append(phon[full[:, i], i] * 32)
        rows.append(row_ids[full[:, i]])
        for j in range(slots):
            if i == j:
                continue
            letter_mask = full[:, i] & valid[:, j]
            keys.append(phon[letter_mask, i] * 32 + names.letter[letter_mask, j])
            rows.append(row_ids[letter_mask])
            if j > i:
                pair_mask = full[:, i] & full[:, j]
                low = np.minimum(phon[pair_mask, i], phon[pair_mask, j])
                high = np.maximum(phon[pair_mask, i], phon[pair_mask, j])
                keys.append(_PAIR_FLAG | (low << 31) | high)
                rows.append(row_ids[pair_mask])
    return np.concatenate(keys), np.concatenate(rows)


def _pairs_within_blocks(keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """All row pairs sharing a key, skipping blocks over their size cap."""
    order = np.lexsort((rows, keys))
    keys, rows = keys[order], rows[order]
    keep = np.ones(len(keys), dtype=bool)
    keep[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
    keys, rows = keys[keep], rows[keep]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    first = keys[starts]
    caps = np.where(first >= _PAIR_FLAG, PAIR_BLOCK_CAP,
                    np.where(first >= _YEAR_FLAG, YEAR_BLOCK_CAP, LETTER_BLOCK_CAP))
    usable = (sizes >= 2) & (sizes <= caps)
    block_end = np.repeat(starts + sizes, sizes)
    later = np.where(np.repeat(usable, sizes), block_end - np.arange(len(keys)) - 1, 0)
    left = np.repeat(np.arange(len(keys)), later)
    first = np.repeat(np.cumsum(later) - later, later)
    right = left + (np.arange(len(left)) - first) + 1
    return np.stack([rows[left], rows[right]], axis=1)


def candidate_row_pairs(encoded: EncodedRecords) -> np.ndarray:
    """Unique (row_a, row_b) pairs of different records that share a blocking key."""
    keys, rows = blocking_keys(encoded)
    pairs = _pairs_within_blocks(keys, rows)
    rec = encoded.row_record
    pairs = pairs[rec[pairs[:, 0]] != rec[pairs[:, 1]]]
    low, high = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    code = unique_sorted(low.astype(np.int64) * (1 << 32) + high)
    return np.stack([code >> 32, code & 0xFFFFFFFF], axis=1)


def prune_incompatible(encoded: EncodedRecords, row_pairs: np.ndarray) -> np.ndarray:
    """Drop pairs that clustering could never merge (birth years apart, different sex)."""
    a, b = encoded.row_record[row_pairs[:, 0]], encoded.row_record[row_pairs[:, 1]]
    low_a, high_a = encoded.birth_low[a].astype(np.int32), encoded.birth_high[a].astype(np.int32)
    low_b, high_b = encoded.birth_low[b].astype(np.int32), encoded.birth_high[b].astype(np.int32)
    known = (low_a > 0) & (low_b > 0)
    apart = known & (np.maximum(low_a - high_b, low_b - high_a) > BIRTH_TOLERANCE)
    sex_a, sex_b = encoded.sex[a], encoded.sex[b]
    clash = (sex_a > 0) & (sex_b > 0) & (sex_a != sex_b)
    return row_pairs[~(apart | clash)]


@dataclass
class _Cluster:
    members: list[int]
    birth_low: int
    birth_high: int
    fathers: set[int] = field(default_factory=set)
    letters: set[int] = field(default_factory=set)
    sexes: set[int] = field(default_factory=set)


class _Summaries:
    """Per-record guard values, as Python lists for fast scalar access."""

    def __init__(self, encoded: EncodedRecords) -> None:
        f = encoded.fathers
        second = (f.optional[:, 0] & (f.fold[:, 1] >= 0)).astype(np.int64) if f.fold.shape[1] > 1 \
            else np.zeros(len(f.fold), dtype=np.int64)
        rows = np.arange(len(f.fold))
        present = f.fold[rows, second] >= 0
        self.father = np.where(present & ~f.initial[rows, second], f.phon[rows, second], -1).tolist()
        self.letter = np.where(present, f.letter[rows, second], -1).tolist()
        self.low = encoded.birth_low.tolist()
        self.high = encoded.birth_high.tolist()
        self.sex = encoded.sex.tolist()

    def cluster(self, index: int) -> _Cluster:
        father, letter, sex = self.father[index], self.letter[index], self.sex[index]
        return _Cluster([index], self.low[index] or -9999, self.high[index] or 9999,
                        {father} if father >= 0 else set(), {letter} if letter >= 0 else set(),
                        {sex} if sex else set())


def _compatible(x: _Cluster, y: _Cluster) -> bool:
    if max(x.birth_low, y.birth_low) - min(x.birth_high, y.birth_high) > BIRTH_TOLERANCE:
        return False
    if len(x.sexes | y.sexes) > 1:
        return False
    if x.fathers and y.fathers and not x.fathers & y.fathers:
        return False
    return not (x.letters and y.letters and not x.letters & y.letters)


def _merge(into: _Cluster, other: _Cluster) -> None:
    into.members += other.members
    into.birth_low = max(into.birth_low, other.birth_low)
    into.birth_high = min(into.birth_high, other.birth_high)
    into.fathers |= other.fathers
    into.letters |= other.letters
    into.sexes |= other.sexes


def guarded_clusters(encoded: EncodedRecords, left: np.ndarray, right: np.ndarray,
                     prob: np.ndarray, threshold: float) -> np.ndarray:
    """Merge pairs from most to least probable, refusing merges of incompatible clusters.

    Guards against chaining namesakes: all members of a cluster must keep compatible
    birth years, a shared father's-name token (or initial) and one sex.
    """
    parent = list(range(len(encoded)))
    clusters: dict[int, _Cluster] = {}
    summaries = _Summaries(encoded)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    strong = np.flatnonzero(prob >= threshold)
    order = strong[np.argsort(-prob[strong], kind="stable")]
    for a, b in zip(left[order].tolist(), right[order].tolist()):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        ca = clusters.get(ra) or summaries.cluster(ra)
        cb = clusters.get(rb) or summaries.cluster(rb)
        if not _compatible(ca, cb):
            continue
        if len(ca.members) < len(cb.members):
            ra, rb, ca, cb = rb, ra, cb, ca
        parent[rb] = ra
        _merge(ca, cb)
        clusters[ra] = ca
        clusters.pop(rb, None)
    return np.array([root(i) for i in range(len(encoded))], dtype=np.int64)
