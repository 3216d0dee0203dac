"""Numeric encoding of records (token ids, birth years, places) for fast comparison."""

from __future__ import annotations

import csv
import gc
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain

import numpy as np

from suraksha.registry.matching.geo import canonical_district, canonical_state
from suraksha.registry.matching.names import NameToken, fold_token, letter_code
from suraksha.registry.matching.record import PersonRecord, birth_years

NAME_SLOTS = 5
FATHER_SLOTS = 3
INITIAL_BITS = 3.0
MAX_BITS = 16.0
_EMPTY_SLOT = (-1, -1, -1, 0, 0, 0, 0)
SEX_CODES = {"": 0, "M": 1, "MALE": 1, "F": 2, "FEMALE": 2, "T": 3, "TRANSGENDER": 3}


class Vocabulary:
    """Append-only string -> id tables shared by encodings that are compared."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, int]] = {}
        self.strings: dict[str, list[str]] = {}
        self._tokens: dict[NameToken, tuple[int, ...]] = {}
        self._rows: dict[tuple[tuple[NameToken, ...], int], tuple[tuple[int, ...], ...]] = {}
        self.places: dict[tuple[str, str], tuple[int, int]] = {}
        self.name_rows: dict[tuple[str, tuple[str, ...]], list[tuple[tuple[int, ...], ...]]] = {}
        self.father_rows: dict[str, tuple[tuple[int, ...], ...]] = {}

    def token_row(self, tokens: tuple[NameToken, ...], slots: int) -> tuple[tuple[int, ...], ...]:
        """Ids of one name row: per slot (text, fold, phon, letter, initial, devanagari,
        optional), empty slots padded with -1 ids and 0 flags."""
        cached = self._rows.get((tokens, slots))
        if cached is not None:
            return cached
        found = []
        for tok in tokens[:slots]:
            ids = self._tokens.get(tok)
            if ids is None:
                ids = self._tokens[tok] = (
                    self.id("text", tok.text), self.id("fold", tok.folded), self.id("phon", tok.phonetic),
                    letter_code(tok), int(tok.initial), int(tok.devanagari), int(tok.optional))
            found.append(ids)
        found.extend([_EMPTY_SLOT] * (slots - len(found)))
        row = self._rows[(tokens, slots)] = tuple(found)
        return row

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
        return cls.from_flat([vocab.token_row(tokens, slots) for tokens in rows], slots)

    @classmethod
    def from_flat(cls, flat: list[tuple[tuple[int, ...], ...]], slots: int) -> TokenArrays:
        """Arrays from Vocabulary.token_row tuples."""
        values = chain.from_iterable(chain.from_iterable(flat))
        table = np.fromiter(values, dtype=np.int32, count=len(flat) * slots * 7)
        table = table.reshape(len(flat), slots, 7)
        return cls(table[:, :, 0].copy(), table[:, :, 1].copy(), table[:, :, 2].copy(),
                   table[:, :, 3].astype(np.int8), table[:, :, 4].astype(bool),
                   table[:, :, 5].astype(bool), table[:, :, 6].astype(bool))

    def take(self, index: np.ndarray, slots: int | None = None, detail: bool = True) -> TokenArrays:
        """Rows at index, keeping the first `slots` slots; without detail the display-only
        fields (exact text, script) are not gathered (text falls back to the fold)."""
        fold = self.fold[index, :slots]
        if detail:
            text, devanagari = self.text[index, :slots], self.devanagari[index, :slots]
        else:
            text, devanagari = fold, np.zeros(fold.shape, dtype=bool)
        return TokenArrays(text, fold, self.phon[index, :slots], self.letter[index, :slots],
                           self.initial[index, :slots], devanagari, self.optional[index, :slots])


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


def _place_ids(record: PersonRecord, vocab: Vocabulary) -> tuple[int, int]:
    key = (record.state, record.district)
    ids = vocab.places.get(key)
    if ids is None:
        state, district = canonical_state(record.state), canonical_district(record.district)
        ids = vocab.places[key] = (vocab.id("state", state) if state else -1,
                                   vocab.id("district", f"{state}/{district}") if district else -1)
    return ids


def _record_columns(record: PersonRecord, vocab: Vocabulary) -> tuple:
    low = high = dob = 0
    weak = False
    if record.dob is not None or record.age is not None:
        years = birth_years(record)
        if years is not None:
            low, high, weak = years.low, years.high, years.weak
            if years.exact is not None:
                dob = years.exact.year * 10000 + years.exact.month * 100 + years.exact.day
    dates = [0, 0]
    if record.convictions:
        known = sorted(c.conviction_date.toordinal() for c in record.convictions if c.conviction_date)
        dates = (known + dates)[:2]
    sex = SEX_CODES.get(record.sex)
    if sex is None:
        sex = SEX_CODES.get(record.sex.strip().upper(), 0)
    return (low, high, weak, dob, sex, *_place_ids(record, vocab), dates)


def _name_rows(record: PersonRecord, vocab: Vocabulary) -> list[tuple[tuple[int, ...], ...]]:
    key = (record.full_name, tuple(record.aliases))
    rows = vocab.name_rows.get(key)
    if rows is None:
        rows = vocab.name_rows[key] = [vocab.token_row(v, NAME_SLOTS) for v in record.name_variants()]
    return rows


def _father_row(record: PersonRecord, vocab: Vocabulary) -> tuple[tuple[int, ...], ...]:
    key = record.father_name or "\x00" + record.full_name
    row = vocab.father_rows.get(key)
    if row is None:
        row = vocab.father_rows[key] = vocab.token_row(record.father_tokens(), FATHER_SLOTS)
    return row


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    With a million records alive, every collection walks all of them; the objects built
    here hold no reference cycles, so pausing is safe and several times faster.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def encode(records: list[PersonRecord], vocab: Vocabulary) -> EncodedRecords:
    """Encode records against a (possibly shared) vocabulary."""
    with gc_paused():
        return _encode(records, vocab)


def _encode(records: list[PersonRecord], vocab: Vocabulary) -> EncodedRecords:
    name_rows: list[tuple[tuple[int, ...], ...]] = []
    row_record: list[int] = []
    row_alias: list[bool] = []
    fathers: list[tuple[tuple[int, ...], ...]] = []
    columns = []
    for index, record in enumerate(records):
        rows = _name_rows(record, vocab)
        name_rows.extend(rows)
        row_record.extend([index] * len(rows))
        row_alias.extend([False] + [True] * (len(rows) - 1))
        fathers.append(_father_row(record, vocab))
        columns.append(_record_columns(record, vocab))
    low, high, weak, dob, sex, state, district, conv = zip(*columns) if columns else ([],) * 8
    names = TokenArrays.from_flat(name_rows, NAME_SLOTS)
    return EncodedRecords(
        record_ids=[r.record_id for r in records],
        row_record=np.asarray(row_record, dtype=np.int32),
        row_alias=np.asarray(row_alias, dtype=bool),
        row_width=(names.fold >= 0).sum(axis=1).astype(np.int8),
        names=names,
        fathers=TokenArrays.from_flat(fathers, FATHER_SLOTS),
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
