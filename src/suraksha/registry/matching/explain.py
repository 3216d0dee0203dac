"""Human-readable reasons for a scored pair of records."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from suraksha.registry.matching.comparison import (
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


def _label(text: int, initial: bool, vocab: Vocabulary) -> str:
    word = vocab.string("text", text)
    return f"'{word}.'" if initial else f"'{word}'"


def describe_tokens(agreement: NameAgreement, k: int, a: TokenArrays, ra: int, b: TokenArrays,
                    rb: int, vocab: Vocabulary) -> list[str]:
    """Which parts of two names matched and how (exact, variant, phonetic, initial...)."""
    levels = agreement.levels[k].tolist()  # each row read once as plain values: a result explains a few tokens
    a_fold, a_text, a_initial, a_dev = (x[ra].tolist() for x in (a.fold, a.text, a.initial, a.devanagari))
    b_fold, b_text, b_initial, b_dev = (x[rb].tolist() for x in (b.fold, b.text, b.initial, b.devanagari))
    best_a, best_b = agreement.best_a[k].tolist(), agreement.best_b[k].tolist()
    parts: list[str] = []
    for i, fold in enumerate(a_fold):
        if fold < 0:
            continue
        row = levels[i]
        j = row.index(max(row))  # the first best, as numpy's argmax
        level = row[j]
        label = _label(a_text[i], a_initial[i], vocab)
        if level not in (NONE, FATHER):
            how = LEVEL_NAMES[level]
            if a_dev[i] or b_dev[j]:
                how = f"transliterated, {how}"
            parts.append(f"{label}~{_label(b_text[j], b_initial[j], vocab)} {how}")
        elif best_a[i] == FATHER:
            parts.append(f"{label} is the other record's father's name")
        else:
            parts.append(f"{label} only in the first record")
    for j, fold in enumerate(b_fold):
        if fold >= 0 and best_b[j] in (NONE, FATHER):  # no level above none (FATHER only ever replaces NONE)
            kin = best_b[j] == FATHER
            extra = " is the first record's father's name" if kin else " only in the second record"
            parts.append(f"{_label(b_text[j], b_initial[j], vocab)}{extra}")
    return parts


BIRTH_WORDS = ("", "same date of birth", "dates differ like a clerical error (digits or day/month swapped)",
               "different dates within a year", "years overlap", "1 year apart", "2-3 years apart",
               "4-7 years apart", "8 or more years apart")
SEX_WORDS = {1: "male", 2: "female", 3: "transgender"}


def _missing(has_a: bool, has_b: bool, what: str, value: str = "") -> str | None:
    """Wording for a field missing on one side or both; None when both records have it."""
    if has_a and has_b:
        return None
    if not has_a and not has_b:
        return f"no {what} on either record"
    side = "first" if has_a else "second"
    return f"only the {side} record has a {what}" + (f" ({value})" if value else "") + ": not compared"


def _birth(enc: EncodedRecords, i: int) -> str:
    low, high, dob = int(enc.birth_low[i]), int(enc.birth_high[i]), int(enc.dob[i])
    if not low:
        return "not recorded"
    if dob:
        return f"{dob // 10000:04d}-{dob // 100 % 100:02d}-{dob % 100:02d}"
    if enc.birth_weak[i]:
        return f"{low}-{high} (year only: from a 1 January date or an age)"
    return str(low) if low == high else f"{low}-{high}"


def _place(enc: EncodedRecords, i: int, vocab: Vocabulary) -> str:
    if enc.district[i] >= 0:
        return vocab.string("district", int(enc.district[i]))
    return vocab.string("state", int(enc.state[i])) if enc.state[i] >= 0 else "not recorded"


def _tokens_text(tokens: TokenArrays, row: int, vocab: Vocabulary) -> str:
    words = [vocab.string("text", text) + ("." if initial else "")
             for fold, text, initial in zip(tokens.fold[row].tolist(), tokens.text[row].tolist(),
                                            tokens.initial[row].tolist()) if fold >= 0]
    return "'" + " ".join(words) + "'"


def _father(cmp: PairComparison, k: int, a: EncodedRecords, ia: int, b: EncodedRecords, ib: int,
            vocab: Vocabulary) -> str:
    has_a, has_b = bool(a.fathers.fold[ia, 0] >= 0), bool(b.fathers.fold[ib, 0] >= 0)
    if not (has_a and has_b):
        value = _tokens_text(a.fathers, ia, vocab) if has_a else _tokens_text(b.fathers, ib, vocab)
        return _missing(has_a, has_b, "father's name", value) or ""
    detail = "; ".join(describe_tokens(cmp.father, k, a.fathers, ia, b.fathers, ib, vocab))
    return f"{NAME_CLASSES[cmp.father.klass[k]]}: {detail}"


def _birth_detail(cmp: PairComparison, k: int, a: EncodedRecords, ia: int, b: EncodedRecords, ib: int) -> str:
    first, second = _birth(a, ia), _birth(b, ib)
    if not a.birth_low[ia] and not b.birth_low[ib]:
        return "no date of birth or age on either record"
    if not a.birth_low[ia] or not b.birth_low[ib]:
        return f"{first} vs {second}: not compared"
    return f"{first} vs {second}: {BIRTH_WORDS[cmp.birth[k]]}"


def _sex_detail(cmp: PairComparison, k: int, a: EncodedRecords, ia: int, b: EncodedRecords, ib: int) -> str:
    sa, sb = int(a.sex[ia]), int(b.sex[ib])
    missing = _missing(bool(sa), bool(sb), "sex", SEX_WORDS.get(sa or sb, ""))
    if missing:
        return missing
    return f"{SEX_WORDS.get(sa, '?')} vs {SEX_WORDS.get(sb, '?')}: {SEX_LEVELS[cmp.sex[k]]}"


def _place_detail(cmp: PairComparison, k: int, a: EncodedRecords, ia: int, b: EncodedRecords, ib: int,
                  vocab: Vocabulary) -> str:
    has_a, has_b = bool(a.state[ia] >= 0), bool(b.state[ib] >= 0)
    missing = _missing(has_a, has_b, "state", _place(a, ia, vocab) if has_a else _place(b, ib, vocab))
    if missing:
        return missing
    return f"{_place(a, ia, vocab)} vs {_place(b, ib, vocab)}: {PLACE_LEVELS[cmp.place[k]]}"


def _conviction_detail(cmp: PairComparison, k: int, a: EncodedRecords, ia: int, b: EncodedRecords,
                       ib: int) -> str:
    missing = _missing(bool(a.convictions[ia, 0] > 0), bool(b.convictions[ib, 0] > 0), "conviction date")
    if missing:
        return missing
    return "a conviction date in common" if cmp.conviction[k] == 1 else "no conviction date in common"


def explain_pair(cmp: PairComparison, parts: dict[str, np.ndarray], k: int, a: EncodedRecords,
                 row_a: int, b: EncodedRecords, row_b: int, vocab: Vocabulary) -> list[Reason]:
    """Reasons for pair k of a comparison (row_a of a against row_b of b).

    Each field says what agreed, what differed (both values), or on which side it is missing."""
    ia, ib = int(a.row_record[row_a]), int(b.row_record[row_b])
    name_parts = describe_tokens(cmp.name, k, a.names, row_a, b.names, row_b, vocab)
    alias = " (alias)" if a.row_alias[row_a] or b.row_alias[row_b] else ""
    return [
        Reason("name", f"{NAME_CLASSES[cmp.name.klass[k]]}{alias}: " + "; ".join(name_parts),
               float(parts["name"][k])),
        Reason("father's name", _father(cmp, k, a, ia, b, ib, vocab), float(parts["father"][k])),
        Reason("birth year", _birth_detail(cmp, k, a, ia, b, ib), float(parts["birth"][k])),
        Reason("sex", _sex_detail(cmp, k, a, ia, b, ib), float(parts["sex"][k])),
        Reason("place", _place_detail(cmp, k, a, ia, b, ib, vocab), float(parts["place"][k])),
        Reason("conviction", _conviction_detail(cmp, k, a, ia, b, ib), float(parts["conviction"][k])),
    ]
