"""Compiled loops (numba) for the matching's pair-by-pair and candidate-by-candidate work.

Comparing a query with its few hundred candidates, and gathering, filtering and pre-ranking its thousands of
candidates, took a few hundred whole-array numpy steps between them, each costing a few microseconds whatever the
size of its arrays: the overhead, not the arithmetic, was most of it. These loops do the same work in one pass each,
read the encodings' rows where they lie (no gathered copies), and release the interpreter's lock while they run. They
compute exactly what the numpy steps computed: the same levels, and the same float32 sums added in the same order
(token slot by slot), so scores do not move by a bit. A loop calls no helper with arrays (numba counts references
on each such call).

Compiled on first use and cached beside the module (or in `NUMBA_CACHE_DIR`: `compiled`), so a machine pays the
compilation once; `warm_up` does it before the first search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit

log = logging.getLogger(__name__)
# token match levels, weakest first (`comparison` gives them to the rest of the matching, with their names)
NONE, TYPO, INITIAL, FATHER, PHONETIC, VARIANT, EXACT = range(7)


def compiled(fn: Callable[..., Any]) -> Any:
    """`fn` compiled on first use, running without the interpreter's lock, its compilation cached where numba can
    write (`NUMBA_CACHE_DIR`, the module's `__pycache__`, the user's cache folder). Where it can write nowhere (a
    read-only installation with no home), it is compiled in each process instead of failing: slower to start only."""
    try:
        return njit(cache=True, nogil=True)(fn)
    except RuntimeError as error:  # numba: "cannot cache function ...: no locator available"
        log.warning("the registry's compiled loops cannot be cached here (%s): compiled on each start", error)
        return njit(nogil=True)(fn)


@compiled
def token_levels(fold_a, phon_a, text_a, letter_a, initial_a, rows_a,
                 fold_b, phon_b, text_b, letter_b, initial_b, rows_b, slots_a, slots_b, detail):
    """(levels, typo) for aligned rows rows_a[p] of a and rows_b[p] of b, over their first slots_a / slots_b token
    slots: levels[p, i, j] the match level of a's token i and b's token j (TYPO not yet decided), typo[p, i, j]
    the pairs still to test for one edit (both full tokens, neither yet matched by anything). Without `detail`
    the exact text is not told from the fold (VARIANT reads as EXACT)."""
    pairs = len(rows_a)
    levels = np.zeros((pairs, slots_a, slots_b), dtype=np.int8)
    typo = np.zeros((pairs, slots_a, slots_b), dtype=np.bool_)
    open_a = np.empty(slots_a, dtype=np.bool_)
    open_b = np.empty(slots_b, dtype=np.bool_)
    for p in range(pairs):
        x, y = rows_a[p], rows_b[p]
        open_a[:] = True
        open_b[:] = True
        for i in range(slots_a):
            fa = fold_a[x, i]
            if fa < 0:
                continue
            ia = initial_a[x, i]
            for j in range(slots_b):
                fb = fold_b[y, j]
                if fb < 0:
                    continue
                level = NONE
                if not ia and not initial_b[y, j]:
                    if phon_a[x, i] == phon_b[y, j]:
                        level = PHONETIC
                        if fa == fb:
                            level = EXACT if not detail or text_a[x, i] == text_b[y, j] else VARIANT
                elif letter_a[x, i] == letter_b[y, j]:
                    level = INITIAL
                if level != NONE:
                    levels[p, i, j] = level
                    open_a[i] = False
                    open_b[j] = False
        for i in range(slots_a):
            if not open_a[i] or fold_a[x, i] < 0 or initial_a[x, i]:
                continue
            for j in range(slots_b):
                if open_b[j] and fold_b[y, j] >= 0 and not initial_b[y, j]:
                    typo[p, i, j] = True
    return levels, typo


@compiled
def agreement(levels, phon_a, fold_a, initial_a, optional_a, rows_a, phon_b, fold_b, initial_b, optional_b, rows_b,
              bits, quality, constants, kin, fathers):
    """(best_a, best_b, evidence, klass, empty) of aligned token rows given their levels (`NameAgreement`).

    `constants` = (INITIAL_BITS, FAMILY_WEIGHT, 0) in the bits' type; `quality` per level in the bits' type. With
    `kin`, `fathers` holds the two sides' fathers' names (phon, fold, initial, the records' rows and the slots of
    a, then of b): a token found in the other record's father's name reads as FATHER where it matched nothing (not
    a conflict), and one found in either father's name is evidence of kin, weighted down. The two sides run
    through one loop (`side`); no helper is called with arrays (each such call costs reference counting)."""
    pairs, slots_a, slots_b = levels.shape
    best = (np.zeros((pairs, slots_a), dtype=np.int8), np.zeros((pairs, slots_b), dtype=np.int8))
    evidence = np.zeros(pairs, dtype=bits.dtype)
    klass = np.zeros(pairs, dtype=np.int8)
    empty = np.zeros(pairs, dtype=np.bool_)
    initial_bits, family_weight, zero = constants[0], constants[1], constants[2]
    fp_a, ff_a, fi_a, fr_a, fs_a, fp_b, ff_b, fi_b, fr_b, fs_b = fathers
    phons, folds, initials, optionals = (phon_a, phon_b), (fold_a, fold_b), (initial_a, initial_b), \
        (optional_a, optional_b)
    f_phons, f_folds, f_initials, f_rows, f_slots = (fp_a, fp_b), (ff_a, ff_b), (fi_a, fi_b), (fr_a, fr_b), \
        (fs_a, fs_b)
    rows, widths = (rows_a, rows_b), (slots_a, slots_b)
    best_a, best_b = best
    for p in range(pairs):
        strong = False
        for i in range(slots_a):
            for j in range(slots_b):
                level = levels[p, i, j]
                if level > best_a[p, i]:
                    best_a[p, i] = level
                if level > best_b[p, j]:
                    best_b[p, j] = level
            if best_a[p, i] >= PHONETIC:
                strong = True
        open_a = open_b = weak = False
        sum_a = sum_b = zero
        for side in range(2):
            phon, fold, initial, optional, mine = phons[side], folds[side], initials[side], optionals[side], best[side]
            own_phon, own_fold, own_initial, own_slots = f_phons[side], f_folds[side], f_initials[side], f_slots[side]
            other = 1 - side
            o_phon, o_fold, o_initial, o_slots = f_phons[other], f_folds[other], f_initials[other], f_slots[other]
            x, own_y, other_y = rows[side][p], f_rows[side][p], f_rows[other][p]
            total = zero
            for i in range(widths[side]):
                token = fold[x, i]
                family = False
                if kin and token >= 0 and not initial[x, i]:
                    sound = phon[x, i]
                    for k in range(o_slots):  # in the other record's father's name
                        if o_fold[other_y, k] >= 0 and not o_initial[other_y, k] and o_phon[other_y, k] == sound:
                            family = True
                            if mine[p, i] == NONE:
                                mine[p, i] = FATHER
                            break
                    if not family:
                        for k in range(own_slots):  # in its own father's name
                            if own_fold[own_y, k] >= 0 and not own_initial[own_y, k] and own_phon[own_y, k] == sound:
                                family = True
                                break
                level = mine[p, i]
                # its evidence: its rarity (an initial's fixed bits; kin's weighted down), scaled by how well it
                # matched (an initial's match is worth at most an initial's bits)
                if token < 0:
                    own = zero
                elif initial[x, i]:
                    own = initial_bits
                else:
                    own = bits[token]
                if family:
                    own = own * family_weight
                if level == INITIAL:
                    total += own if own < initial_bits else initial_bits
                else:
                    total += own * quality[level]
                if level == NONE and token >= 0 and not optional[x, i]:
                    if side == 0:
                        open_a = True
                    else:
                        open_b = True
                if level == INITIAL or (side == 0 and level == TYPO):
                    weak = True
            if side == 0:
                sum_a = total
            else:
                sum_b = total
        evidence[p] = sum_a if sum_a < sum_b else sum_b
        if not strong:
            klass[p] = 3
        elif open_a and open_b:
            klass[p] = 2
        elif open_a or open_b or weak:
            klass[p] = 1
        empty[p] = fold_a[rows_a[p], 0] < 0 or fold_b[rows_b[p], 0] < 0
    return best_a, best_b, evidence, klass, empty


@compiled
def posting_keys(postings, starts, shift):
    """(record << shift) | k for every entry of several postings (concatenated; posting k from starts[k] to
    starts[k + 1]): sorted stably, they gather each record's entries, in the postings' order."""
    keyed = np.empty(len(postings), dtype=np.int64)
    for k in range(len(starts) - 1):
        for n in range(starts[k], starts[k + 1]):
            keyed[n] = (np.int64(postings[n]) << shift) | k
    return keyed


@compiled
def posting_sums(keyed, weights, shift):
    """The records of sorted `posting_keys`, each once and in order, with the sum of the weights of the postings
    they are in. Summed in float64, given as float32: the weights are float32 between 1/4 and 32, so any handful
    of them adds exactly in float64, in whatever order."""
    mask = (np.int64(1) << shift) - 1
    records = np.empty(len(keyed), dtype=np.int64)
    sums = np.empty(len(keyed), dtype=np.float32)
    count = -1
    last = np.int64(-1)
    total = 0.0
    for n in range(len(keyed)):
        record = keyed[n] >> shift
        if record != last:
            if count >= 0:
                sums[count] = total
            count += 1
            records[count] = record
            last = record
            total = 0.0
        total += np.float64(weights[keyed[n] & mask])
    if count >= 0:
        sums[count] = total
    return records[:count + 1], sums[:count + 1]


@compiled
def sex_and_birth_kept(cands, sex, birth_low, birth_high, by_sex, code, by_birth, low, high):
    """Which candidate records pass the filters: with `by_sex`, sex unknown or `code`; with `by_birth`, no birth
    year or a birth range within a year of [low, high]."""
    keep = np.ones(len(cands), dtype=np.bool_)
    for n in range(len(cands)):
        c = cands[n]
        if by_sex and sex[c] != 0 and sex[c] != code:
            keep[n] = False
        elif by_birth and birth_low[c] != 0 and not (birth_high[c] >= low - 1 and birth_low[c] <= high + 1):
            keep[n] = False
    return keep


@compiled
def birth_sex_bonus(cands, birth_low, birth_high, sex, q_low, q_high, q_sex, by_gap, other_sex):
    """Pre-ranking bonus (float32) per candidate record: `by_gap[g]` for g years between the query's birth range
    and the record's (0-4, 4 meaning four or more; 5: the record has no birth year), when the query has one; plus
    `other_sex` when both sexes are known and differ."""
    out = np.zeros(len(cands), dtype=np.float32)
    for n in range(len(cands)):
        c = cands[n]
        bonus = out[n]
        if q_low:
            low = np.int32(birth_low[c])
            if low == 0:
                bonus = by_gap[5]
            else:
                gap = max(low - q_high, q_low - np.int32(birth_high[c]))
                bonus = by_gap[min(max(gap, 0), 4)]
        if q_sex and sex[c] > 0 and sex[c] != q_sex:
            bonus = bonus + other_sex
        out[n] = bonus
    return out


@compiled
def father_bonus(cands, father_phon, phon, same):
    """`same` (float32) for each candidate record one of whose father's name tokens sounds as `phon`, else 0."""
    out = np.zeros(len(cands), dtype=np.float32)
    for n in range(len(cands)):
        c = cands[n]
        for k in range(father_phon.shape[1]):
            if father_phon[c, k] == phon:
                out[n] = same
                break
    return out


def warm_up() -> None:
    """Load every loop above from the cache, or compile it (seconds, once per machine), for the argument types a
    registry search and a dedupe pass them: called when a server's index is first built, and when an image is."""
    tokens = (np.zeros((1, 1), np.int32), np.zeros((1, 1), np.int32), np.zeros((1, 1), np.int32),
              np.zeros((1, 1), np.int8), np.zeros((1, 1), np.bool_))
    optional, rows, one = np.zeros((1, 1), np.bool_), np.zeros(1, np.int64), np.ones(1, np.float32)
    levels, _ = token_levels(*tokens, rows, *tokens, rows, 1, 1, True)
    fathers = (tokens[1], tokens[0], tokens[4], rows, 1, tokens[1], tokens[0], tokens[4], rows, 1)
    agreement(levels, tokens[1], tokens[0], tokens[4], optional, rows, tokens[1], tokens[0], tokens[4], optional, rows,
              one, np.ones(7, np.float32), np.ones(3, np.float32), True, fathers)
    keyed = posting_keys(np.zeros(1, np.int32), np.array([0, 1]), 1)
    posting_sums(keyed, one, 1)
    sex, year = np.zeros(1, np.int8), np.zeros(1, np.int16)
    sex_and_birth_kept(rows, sex, year, year, True, 1, True, 1990, 2000)
    birth_sex_bonus(rows, year, year, sex, 1990, 2000, 1, np.ones(6, np.float32), np.float32(1))
    father_bonus(rows, tokens[1], 1, np.float32(1))
