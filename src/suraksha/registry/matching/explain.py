"""Human-readable reasons for a scored pair of records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from suraksha.registry.matching.comparison import (
    BIRTH_LEVELS,
    CONVICTION_LEVELS,
    FATHER,
    LEVEL_NAMES,
    NAME_CLASSES,
    NONE,
    PLACE_LEVELS,
    SEX_LEVELS,
    NameAgreement,
    PairComparison,
)
from suraksha.registry.matching.features import EncodedRecords, TokenArrays, Vocabulary


@dataclass(frozen=True)
class Reason:
    """One piece of evidence: the field, what was seen and its weight in bits."""

    field: str
    detail: str
    bits: float

    def __str__(self) -> str:
        return f"{self.field}: {self.detail} ({self.bits:+.1f} bits)"


def _label(tokens: TokenArrays, row: int, slot: int, vocab: Vocabulary) -> str:
    text = vocab.string("text", int(tokens.text[row, slot]))
    return f"'{text}.'" if tokens.initial[row, slot] else f"'{text}'"


def describe_tokens(agreement: NameAgreement, k: int, a: TokenArrays, ra: int, b: TokenArrays,
                    rb: int, vocab: Vocabulary) -> list[str]:
    """Which parts of two names matched and how (exact, variant, phonetic, initial...)."""
    levels = agreement.levels[k]
    parts: list[str] = []
    for i in np.flatnonzero(a.fold[ra] >= 0).tolist():
        j = int(np.argmax(levels[i]))
        level = int(levels[i, j])
        if level not in (NONE, FATHER):
            how = LEVEL_NAMES[level]
            if a.devanagari[ra, i] or b.devanagari[rb, j]:
                how = f"transliterated, {how}"
            parts.append(f"{_label(a, ra, i, vocab)}~{_label(b, rb, j, vocab)} {how}")
        elif agreement.best_a[k, i] == FATHER:
            parts.append(f"{_label(a, ra, i, vocab)} is the other record's father's name")
        else:
            parts.append(f"{_label(a, ra, i, vocab)} missing in other")
    for j in np.flatnonzero(b.fold[rb] >= 0).tolist():
        if levels[:, j].max(initial=NONE) == NONE:
            kin = agreement.best_b[k, j] == FATHER
            extra = " is the first record's father's name" if kin else " missing in first"
            parts.append(f"{_label(b, rb, j, vocab)}{extra}")
    return parts


def _years(enc: EncodedRecords, i: int) -> str:
    low, high = int(enc.birth_low[i]), int(enc.birth_high[i])
    if not low:
        return "unknown"
    text = str(low) if low == high else f"{low}-{high}"
    return text + (" (estimated)" if enc.birth_weak[i] else "")


def _place(enc: EncodedRecords, i: int, vocab: Vocabulary) -> str:
    if enc.district[i] >= 0:
        return vocab.string("district", int(enc.district[i]))
    return vocab.string("state", int(enc.state[i])) if enc.state[i] >= 0 else "unknown"


def explain_pair(cmp: PairComparison, parts: dict[str, np.ndarray], k: int, a: EncodedRecords,
                 row_a: int, b: EncodedRecords, row_b: int, vocab: Vocabulary) -> list[Reason]:
    """Reasons for pair k of a comparison (row_a of a against row_b of b)."""
    ia, ib = int(a.row_record[row_a]), int(b.row_record[row_b])
    name_parts = describe_tokens(cmp.name, k, a.names, row_a, b.names, row_b, vocab)
    alias = " (alias)" if a.row_alias[row_a] or b.row_alias[row_b] else ""
    reasons = [Reason("name", f"{NAME_CLASSES[cmp.name.klass[k]]}{alias}: " + "; ".join(name_parts),
                      float(parts["name"][k]))]
    if cmp.father.empty[k]:
        reasons.append(Reason("father's name", "not recorded on both", float(parts["father"][k])))
    else:
        detail = "; ".join(describe_tokens(cmp.father, k, a.fathers, ia, b.fathers, ib, vocab))
        reasons.append(Reason("father's name", f"{NAME_CLASSES[cmp.father.klass[k]]}: {detail}",
                              float(parts["father"][k])))
    reasons += [
        Reason("birth year", f"{_years(a, ia)} vs {_years(b, ib)}: {BIRTH_LEVELS[cmp.birth[k]]}",
               float(parts["birth"][k])),
        Reason("sex", SEX_LEVELS[cmp.sex[k]], float(parts["sex"][k])),
        Reason("place", f"{_place(a, ia, vocab)} vs {_place(b, ib, vocab)}: "
               f"{PLACE_LEVELS[cmp.place[k]]}", float(parts["place"][k])),
        Reason("conviction", CONVICTION_LEVELS[cmp.conviction[k]], float(parts["conviction"][k])),
    ]
    return reasons
