"""Numeric encoding of records (token ids, birth years, places) for fast comparison."""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from suraksha.registry.geo import canonical_district, canonical_state
from suraksha.registry.model import PersonRecord, birth_years, conviction_dates
from suraksha.registry.names import NameToken, fold_token, letter_code, tokenize

NAME_SLOTS = 5
FATHER_SLOTS = 3
INITIAL_BITS = 3.0
MAX_BITS = 16.0
SEX_CODES = {"M": 1, "MALE": 1, "F": 2, "FEMALE": 2, "T": 3, "TRANSGENDER": 3}


class Vocabulary:
    """Append-only string -> id tables shared by encodings that are compared."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, int]] = {}
        self.strings: dict[str, list[str]] = {}
        self._tokens: dict[NameToken, tuple[int, int, int, int]] = {}

    def token_ids(self, tok: NameToken) -> tuple[int, int, int, int]:
        """(text id, fold id, phonetic id, letter code) of a token."""
        found = self._tokens.get(tok)
        if found is None:
            found = self._tokens[tok] = (self.id("text", tok.text), self.id("fold", tok.folded),
                                         self.id("phon", tok.phonetic), letter_code(tok))
        return found

    def id(self, kind: str, value: str) -> int:
        table = self.tables.setdefault(kind, {})
        found = table.get(value)
        if found is None:
            found = table[value] = len(table)
            self.strings.setdefault(kind, []).append(value)
        return found

    def get(self, kind: str, value: str) -> int:
        """Id of a known value, -1 otherwise."""
        return self.tables.get(kind, {}).get(value, -1)

    def string(self, kind: str, ident: int) -> str:
        return self.strings[kind][ident]

    def size(self, kind: str) -> int:
        return len(self.tables.get(kind, {}))


def _read_rows(filename: str) -> list[dict[str, str]]:
    path = resources.files("suraksha.data") / "names" / filename
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def prior_token_counts() -> tuple[dict[str, float], float]:
    """Token frequencies from the shipped name lists (used when no corpus is known)."""
    counts: Counter[str] = Counter()
    for row in _read_rows("name_tokens_en_hi_affidavits.csv"):
        if row["is_initial"] != "1":
            counts[fold_token(row["token_latin"].lower())] += int(row["count"])
    for row in _read_rows("indian_surnames_by_state.csv"):
        counts[fold_token(row["last_name"].lower())] += int(row["count_in_sample"])
    for row in _read_rows("indian_first_names_en_hi.csv"):
        counts[fold_token(row["name_latin"].lower())] += 1
    return dict(counts), sum(counts.values()) / 2.0


class TokenStats:
    """Document frequencies of folded tokens; rarity in bits = log2(n_docs / df)."""

    def __init__(self, counts: dict[str, float], n_docs: float) -> None:
        self.counts = counts
        self.n_docs = max(n_docs, 2.0)
        self._bits: np.ndarray = np.zeros(0, dtype=np.float32)

    @classmethod
    def prior(cls) -> TokenStats:
        counts, n_docs = prior_token_counts()
        return cls(dict(counts), n_docs)

    @classmethod
    def from_corpus(cls, corpus_counts: Counter[str], n_records: int) -> TokenStats:
        """Corpus frequencies smoothed with a tenth of the shipped prior."""
        prior, prior_docs = prior_token_counts()
        counts = {k: 0.1 * v for k, v in prior.items()}
        for key, value in corpus_counts.items():
            counts[key] = counts.get(key, 0.0) + value
        return cls(counts, n_records + 0.1 * prior_docs)

    def bits(self, folded: str) -> float:
        df = self.counts.get(folded, 0.0)
        return min(MAX_BITS, max(0.5, math.log2((self.n_docs + 1.0) / (df + 0.5))))

    def bits_array(self, vocab: Vocabulary) -> np.ndarray:
        """Bits per fold id of the vocabulary (extended lazily as the vocabulary grows)."""
        size = vocab.size("fold")
        if len(self._bits) < size:
            folds = vocab.strings.get("fold", [])
            extra = [self.bits(folds[i]) for i in range(len(self._bits), size)]
            self._bits = np.concatenate([self._bits, np.asarray(extra, dtype=np.float32)])
        return self._bits


@dataclass
class TokenArrays:
    """Padded (rows, slots) arrays describing name tokens; -1/0 marks empty slots."""

    text: np.ndarray
    fold: np.ndarray
    phon: np.ndarray
    letter: np.ndarray
    initial: np.ndarray
    devanagari: np.ndarray
    optional: np.ndarray

    @classmethod
    def build(cls, rows: list[tuple[NameToken, ...]], slots: int, vocab: Vocabulary) -> TokenArrays:
        shape = (len(rows), slots)
        ids = {k: np.full(shape, -1, dtype=np.int32) for k in ("text", "fold", "phon")}
        flags = {k: np.zeros(shape, dtype=bool) for k in ("initial", "devanagari", "optional")}
        letter = np.zeros(shape, dtype=np.int8)
        for r, tokens in enumerate(rows):
            for s, tok in enumerate(tokens[:slots]):
                ids["text"][r, s], ids["fold"][r, s], ids["phon"][r, s], letter[r, s] = \
                    vocab.token_ids(tok)
                flags["initial"][r, s] = tok.initial
                flags["devanagari"][r, s] = tok.devanagari
                flags["optional"][r, s] = tok.optional
        return cls(letter=letter, **ids, **flags)

    def take(self, index: np.ndarray, slots: int | None = None) -> TokenArrays:
        """Rows at index, keeping only the first `slots` token slots."""
        return TokenArrays(*(getattr(self, f)[index, :slots] for f in self.__dataclass_fields__))



@dataclass
class EncodedRecords:
    """Column arrays for a list of records; name rows cover the name and each alias."""

    record_ids: list[str]
    row_record: np.ndarray
    row_alias: np.ndarray
    row_width: np.ndarray
    names: TokenArrays
    fathers: TokenArrays
    birth_low: np.ndarray
    birth_high: np.ndarray
    birth_weak: np.ndarray
    dob: np.ndarray
    sex: np.ndarray
    state: np.ndarray
    district: np.ndarray
    convictions: np.ndarray

    def __len__(self) -> int:
        return len(self.record_ids)


def _record_columns(record: PersonRecord, vocab: Vocabulary) -> tuple:
    years = birth_years(record)
    low, high, weak = (years.low, years.high, years.weak) if years else (0, 0, False)
    exact = years.exact if years else None
    dob = exact.year * 10000 + exact.month * 100 + exact.day if exact else 0
    dates = sorted(d.toordinal() for d in conviction_dates(record))[:2]
    state = canonical_state(record.state)
    district = canonical_district(record.district)
    return (low, high, weak, dob, SEX_CODES.get(record.sex.strip().upper(), 0),
            vocab.id("state", state) if state else -1,
            vocab.id("district", f"{state}/{district}") if district else -1,
            (dates + [0, 0])[:2])


def encode(records: list[PersonRecord], vocab: Vocabulary) -> EncodedRecords:
    """Encode records against a (possibly shared) vocabulary."""
    name_rows: list[tuple[NameToken, ...]] = []
    row_record: list[int] = []
    row_alias: list[bool] = []
    fathers: list[tuple[NameToken, ...]] = []
    columns = []
    for index, record in enumerate(records):
        for k, variant in enumerate(record.name_variants()):
            name_rows.append(variant)
            row_record.append(index)
            row_alias.append(k > 0)
        fathers.append(record.father_tokens())
        columns.append(_record_columns(record, vocab))
    low, high, weak, dob, sex, state, district, conv = zip(*columns) if columns else ([],) * 8
    names = TokenArrays.build(name_rows, NAME_SLOTS, vocab)
    return EncodedRecords(
        record_ids=[r.record_id for r in records],
        row_record=np.asarray(row_record, dtype=np.int32),
        row_alias=np.asarray(row_alias, dtype=bool),
        row_width=(names.fold >= 0).sum(axis=1).astype(np.int8),
        names=names,
        fathers=TokenArrays.build(fathers, FATHER_SLOTS, vocab),
        birth_low=np.asarray(low, dtype=np.int16), birth_high=np.asarray(high, dtype=np.int16),
        birth_weak=np.asarray(weak, dtype=bool), dob=np.asarray(dob, dtype=np.int32),
        sex=np.asarray(sex, dtype=np.int8), state=np.asarray(state, dtype=np.int32),
        district=np.asarray(district, dtype=np.int32),
        convictions=np.asarray(conv, dtype=np.int32).reshape(-1, 2),
    )


def _unique(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def corpus_stats(encoded: EncodedRecords, vocab: Vocabulary) -> TokenStats:
    """Token statistics of an encoded corpus (each token counted once per record)."""
    fold = encoded.names.fold
    full = (fold >= 0) & ~encoded.names.initial
    pairs = _unique(encoded.row_record[:, None].repeat(fold.shape[1], 1)[full].astype(np.int64)
                      * (1 << 32) + fold[full])
    df = np.bincount((pairs & 0xFFFFFFFF).astype(np.int64), minlength=vocab.size("fold"))
    folds = vocab.strings.get("fold", [])
    counts = Counter({folds[i]: int(df[i]) for i in np.flatnonzero(df)})
    return TokenStats.from_corpus(counts, len(encoded))


def encode_names(names: list[str], vocab: Vocabulary, slots: int = NAME_SLOTS) -> TokenArrays:
    """Token arrays for free-text names (used by search queries)."""
    return TokenArrays.build([tokenize(n) for n in names], slots, vocab)
