"""Numeric encoding of records (token ids, birth years, places) for fast comparison."""

from __future__ import annotations

import csv
import gc
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain
from typing import overload

import numpy as np

from suraksha.registry.matching import names as _names
from suraksha.registry.matching import record as _record
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
    """Append-only string -> id tables shared by encodings that are compared.

    The memo caches (`_tokens`, `_rows`, `places`, `name_rows`, `father_rows`) only speed
    up encoding: `clear_caches` drops them (an index does so after its build).
    """

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, int]] = {}
        self._strings: dict[str, list[str]] = {}
        self._tokens: dict[NameToken, tuple[int, ...]] = {}
        self._rows: dict[tuple[tuple[NameToken, ...], int], tuple[tuple[int, ...], ...]] = {}
        self.places: dict[tuple[str, str], tuple[int, int]] = {}
        self.name_rows: dict[tuple[str, tuple[str, ...]], list[tuple[tuple[int, ...], ...]]] = {}
        self.father_rows: dict[str, tuple[tuple[int, ...], ...]] = {}

    @classmethod
    def from_strings(cls, strings: Mapping[str, list[str]]) -> Vocabulary:
        """A vocabulary holding these strings by kind (id = position); ValueError if one occurs twice."""
        vocab = cls()
        for kind, values in strings.items():
            table = dict(zip(values, range(len(values))))
            if len(table) != len(values):
                raise ValueError(f"repeated strings in the vocabulary's {kind!r} table")
            vocab.tables[kind], vocab._strings[kind] = table, list(values)
        return vocab

    @property
    def strings(self) -> Mapping[str, Sequence[str]]:
        """Strings by kind, indexed by id."""
        return self._strings

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
            self._strings.setdefault(kind, []).append(value)
        return found

    def get(self, kind: str, value: str) -> int:
        """Id of a known value, -1 otherwise."""
        return self.tables.get(kind, {}).get(value, -1)

    def string(self, kind: str, ident: int) -> str:
        return self._strings[kind][ident]

    def size(self, kind: str) -> int:
        return len(self.tables.get(kind, {}))

    def sizes(self) -> dict[str, int]:
        """Size of every table (the limits of an overlay taken now)."""
        return {kind: len(table) for kind, table in list(self.tables.items())}

    def cache_entries(self) -> int:
        return len(self._rows) + len(self.name_rows) + len(self.father_rows) + len(self.places)

    def clear_caches(self, keep_tokens: bool = False) -> None:
        """Drop the encoding memo caches (they only make encoding faster)."""
        self._rows, self.name_rows, self.father_rows, self.places = {}, {}, {}, {}
        if not keep_tokens:
            self._tokens = {}

    def overlay(self, limits: Mapping[str, int] | None = None) -> VocabularyOverlay:
        """A query-local child: it sees this vocabulary's first `limits[kind]` ids of each
        kind (all of them by default) and numbers its own new strings after them, so that
        encoding a query never changes this vocabulary."""
        return VocabularyOverlay(self, dict(limits) if limits is not None else self.sizes())


class _Chained(Sequence[str]):
    """The first `limit` strings of a parent list followed by an overlay's own strings."""

    __slots__ = ("_parent", "_limit", "_own")

    def __init__(self, parent: Sequence[str], limit: int, own: list[str]) -> None:
        self._parent, self._limit, self._own = parent, limit, own

    def __len__(self) -> int:
        return self._limit + len(self._own)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if 0 <= index < self._limit:
            return self._parent[index]
        if self._limit <= index < len(self):
            return self._own[index - self._limit]
        raise IndexError(index)

    def __iter__(self) -> Iterator[str]:
        for i in range(self._limit):
            yield self._parent[i]
        yield from self._own


class VocabularyOverlay(Vocabulary):
    """A vocabulary layered over a parent that it never changes (see Vocabulary.overlay).

    The parent may grow meanwhile (another thread adding records): ids at or past the
    limits taken at creation are not seen, so the overlay's own ids never collide.
    """

    def __init__(self, parent: Vocabulary, limits: dict[str, int]) -> None:
        super().__init__()
        self.parent = parent
        self.limits = limits
        self.bits_memo: dict[int, tuple[int, np.ndarray]] = {}

    @property
    def strings(self) -> Mapping[str, Sequence[str]]:
        kinds = set(self.limits) | set(self._strings)
        return {kind: _Chained(self.parent.strings.get(kind, []), self.limits.get(kind, 0),
                               self._strings.setdefault(kind, [])) for kind in kinds}

    def own_strings(self, kind: str) -> list[str]:
        """Strings this overlay added (ids from limits[kind] on)."""
        return self._strings.get(kind, [])

    def id(self, kind: str, value: str) -> int:
        limit = self.limits.get(kind, 0)
        found = self.parent.tables.get(kind, {}).get(value)
        if found is not None and found < limit:
            return found
        table = self.tables.setdefault(kind, {})
        found = table.get(value)
        if found is None:
            found = table[value] = limit + len(table)
            self._strings.setdefault(kind, []).append(value)
        return found

    def get(self, kind: str, value: str) -> int:
        found = self.parent.tables.get(kind, {}).get(value)
        if found is not None and found < self.limits.get(kind, 0):
            return found
        return self.tables.get(kind, {}).get(value, -1)

    def string(self, kind: str, ident: int) -> str:
        limit = self.limits.get(kind, 0)
        if 0 <= ident < limit:
            return self.parent.string(kind, ident)
        return self._strings[kind][ident - limit]

    def size(self, kind: str) -> int:
        return self.limits.get(kind, 0) + len(self.tables.get(kind, {}))

    def sizes(self) -> dict[str, int]:
        return {kind: self.size(kind) for kind in set(self.limits) | set(self.tables)}


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
        """Bits per fold id of the vocabulary (extended lazily as the vocabulary grows).

        For an overlay the shared array is never changed: the answer is the parent's bits
        (complete them with `bits_array(parent)` when the parent grows) plus the bits of
        the overlay's own tokens, in a new array.
        """
        if isinstance(vocab, VocabularyOverlay):
            return self._overlay_bits(vocab)
        size = vocab.size("fold")
        if len(self._bits) < size:
            folds = vocab.strings.get("fold", [])
            extra = [self.bits(folds[i]) for i in range(len(self._bits), size)]
            self._bits = np.concatenate([self._bits, np.asarray(extra, dtype=np.float32)])
        return self._bits

    def _overlay_bits(self, vocab: VocabularyOverlay) -> np.ndarray:
        own = vocab.own_strings("fold")
        memo = vocab.bits_memo.get(id(self))
        if memo is not None and memo[0] == len(own):
            return memo[1]
        limit = vocab.limits.get("fold", 0)
        base = self._bits  # one read: a writer may replace it by a longer array meanwhile
        if len(base) < limit:
            parent = vocab.parent.strings.get("fold", [])
            missing = [self.bits(parent[i]) for i in range(len(base), limit)]
            base = np.concatenate([base, np.asarray(missing, dtype=np.float32)])
        if own:
            out = np.concatenate([base[:limit], np.asarray([self.bits(f) for f in own], dtype=np.float32)])
        else:
            out = base
        vocab.bits_memo[id(self)] = (len(own), out)
        return out


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


class RecordIds(Sequence[str]):
    """Record ids held compactly: an int64 array when every id is a plain integer
    (registration ids), else a numpy bytes (ASCII) or unicode array. Items are str."""

    __slots__ = ("numbers", "texts")

    def __init__(self, numbers: np.ndarray | None = None, texts: np.ndarray | None = None) -> None:
        if numbers is None and texts is None:
            numbers = np.zeros(0, dtype=np.int64)
        self.numbers = numbers
        self.texts = texts if numbers is None else None

    @staticmethod
    def is_plain_int(value: str) -> bool:
        return (value.isascii() and value.isdigit() and len(value) < 19
                and (len(value) == 1 or value[0] != "0"))

    @staticmethod
    def text_array(values: Sequence[str]) -> np.ndarray:
        if all(v.isascii() for v in values):
            return np.array([v.encode() for v in values], dtype=bytes)
        return np.array(list(values), dtype=str)

    @classmethod
    def of(cls, ids: Iterable[str]) -> RecordIds:
        if isinstance(ids, RecordIds):
            return ids
        values = list(ids)
        if all(cls.is_plain_int(v) for v in values):
            return cls(np.fromiter(map(int, values), dtype=np.int64, count=len(values)))
        return cls(texts=cls.text_array(values))

    @classmethod
    def concat(cls, parts: Sequence[RecordIds]) -> RecordIds:
        numbers = [p.numbers for p in parts if p.numbers is not None]
        if len(numbers) == len(parts):
            return cls(np.concatenate(numbers) if numbers else None)
        texts = [p.texts if p.texts is not None else cls.text_array(list(p)) for p in parts]
        if len({t.dtype.kind for t in texts}) > 1:
            texts = [t.astype(str) if t.dtype.kind == "S" else t for t in texts]
        return cls(texts=np.concatenate(texts))

    @property
    def keys(self) -> np.ndarray:
        """The underlying array (int64, bytes or unicode)."""
        found = self.numbers if self.numbers is not None else self.texts
        assert found is not None
        return found

    def key_array(self, ids: Sequence[str]) -> np.ndarray:
        """Ids as values comparable with `keys` (ids that cannot occur are left out)."""
        if self.numbers is not None:
            return np.asarray([int(i) for i in ids if self.is_plain_int(i)], dtype=np.int64)
        assert self.texts is not None
        if self.texts.dtype.kind == "S":
            return np.array([i.encode() for i in ids if i.isascii()], dtype=bytes)
        return np.array(list(ids), dtype=str)

    def take(self, index: np.ndarray) -> RecordIds:
        if self.numbers is not None:
            return RecordIds(self.numbers[index])
        return RecordIds(texts=self.keys[index])

    def _item(self, value: object) -> str:
        if self.numbers is not None:
            return str(value)
        return value.decode() if isinstance(value, bytes) else str(value)

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._item(v) for v in self.keys[index].tolist()]
        return self._item(self.keys[index].item())

    def __iter__(self) -> Iterator[str]:
        return (self._item(v) for v in self.keys.tolist())

    def nbytes(self) -> int:
        return int(self.keys.nbytes)


def name_rows(records: np.ndarray, row_start: np.ndarray, row_count: np.ndarray) -> np.ndarray:
    """The name rows of these records (first row and number of rows per record given), record by record."""
    count = row_count[records].astype(np.int64)
    first = row_start[records].astype(np.int64)
    return np.repeat(first - np.r_[0, np.cumsum(count)[:-1]], count) + np.arange(int(count.sum()))


@dataclass
class EncodedRecords:
    """Column arrays for a list of records; name rows cover the name and each alias."""

    record_ids: Sequence[str]
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

    def nbytes(self) -> int:
        """Bytes held by the arrays (and the ids)."""
        total = sum(int(v.nbytes) for v in vars(self).values() if isinstance(v, np.ndarray))
        total += sum(int(a.nbytes) for t in (self.names, self.fathers) for a in vars(t).values())
        ids = self.record_ids
        return total + (ids.nbytes() if isinstance(ids, RecordIds) else 64 * len(ids))

    def take(self, records: np.ndarray, row_start: np.ndarray | None = None,
             row_count: np.ndarray | None = None) -> EncodedRecords:
        """The given records (in that order) with their name rows, renumbered from 0.
        row_start/row_count (first row and number of rows per record) speed it up."""
        records = np.asarray(records, dtype=np.int64)
        if row_start is None or row_count is None:
            counts = np.bincount(self.row_record, minlength=len(self))
            row_start, row_count = np.r_[0, np.cumsum(counts)[:-1]], counts
        count = row_count[records].astype(np.int64)
        rows = name_rows(records, row_start, row_count)
        ids = self.record_ids
        if isinstance(ids, RecordIds):
            taken: Sequence[str] = ids.take(records)
        else:
            taken = [ids[i] for i in records.tolist()]
        names, fathers = self.names, self.fathers
        return EncodedRecords(
            record_ids=taken,
            row_record=np.repeat(np.arange(len(records), dtype=np.int32), count),
            row_alias=self.row_alias[rows], row_width=self.row_width[rows],
            names=TokenArrays(*(getattr(names, f).take(rows, axis=0) for f in _TOKEN_FIELDS)),
            fathers=TokenArrays(*(getattr(fathers, f).take(records, axis=0) for f in _TOKEN_FIELDS)),
            birth_low=self.birth_low[records], birth_high=self.birth_high[records],
            birth_weak=self.birth_weak[records], dob=self.dob[records], sex=self.sex[records],
            state=self.state[records], district=self.district[records],
            convictions=self.convictions.take(records, axis=0),
        )

    @classmethod
    def concat(cls, parts: Sequence[EncodedRecords]) -> EncodedRecords:
        """One encoding of several (over the same vocabulary), records in order."""
        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0] + [len(p) for p in parts[:-1]])
        ids = [p.record_ids for p in parts]
        if all(isinstance(i, RecordIds) for i in ids):
            record_ids: Sequence[str] = RecordIds.concat([RecordIds.of(i) for i in ids])
        else:
            record_ids = [v for i in ids for v in i]

        def join(get) -> np.ndarray:
            return np.concatenate([get(p) for p in parts])

        return EncodedRecords(
            record_ids=record_ids,
            row_record=np.concatenate([p.row_record + np.int32(o) for p, o in zip(parts, offsets.tolist())]),
            row_alias=join(lambda p: p.row_alias), row_width=join(lambda p: p.row_width),
            names=TokenArrays(*(join(lambda p, f=f: getattr(p.names, f)) for f in _TOKEN_FIELDS)),
            fathers=TokenArrays(*(join(lambda p, f=f: getattr(p.fathers, f)) for f in _TOKEN_FIELDS)),
            birth_low=join(lambda p: p.birth_low), birth_high=join(lambda p: p.birth_high),
            birth_weak=join(lambda p: p.birth_weak), dob=join(lambda p: p.dob), sex=join(lambda p: p.sex),
            state=join(lambda p: p.state), district=join(lambda p: p.district),
            convictions=join(lambda p: p.convictions),
        )


_TOKEN_FIELDS = ("text", "fold", "phon", "letter", "initial", "devanagari", "optional")


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


def release_name_caches() -> None:
    """Empty the name-parsing memo caches (tokenize, folding, name variants...).

    They are bounded but hold up to 500,000 entries each: after encoding a national
    registry they are full of names that queries will rarely ask again, so an index
    build releases them (they fill again with what searches use).
    """
    for module in (_names, _record):
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == module.__name__:
                value.cache_clear()


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


def encode(records: Sequence[PersonRecord], vocab: Vocabulary) -> EncodedRecords:
    """Encode records against a (possibly shared) vocabulary."""
    with gc_paused():
        return _encode(records, vocab)


def encode_chunks(chunks: Iterable[Sequence[PersonRecord]], vocab: Vocabulary,
                  cache_limit: int = 400_000) -> EncodedRecords:
    """Encode records given in chunks (e.g. rows streamed from a database) into one
    encoding with compact record ids; the vocabulary's memo caches are cleared whenever
    they pass `cache_limit` entries so that they stay bounded."""
    parts: list[EncodedRecords] = []
    with gc_paused():
        for chunk in chunks:
            part = _encode(chunk, vocab)
            part.record_ids = RecordIds.of(part.record_ids)
            parts.append(part)
            if vocab.cache_entries() > cache_limit:
                vocab.clear_caches(keep_tokens=len(vocab._tokens) <= cache_limit)
    if not parts:
        empty = _encode([], vocab)
        empty.record_ids = RecordIds.of([])
        return empty
    return EncodedRecords.concat(parts)


def _encode(records: Sequence[PersonRecord], vocab: Vocabulary) -> EncodedRecords:
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
    counts = Counter({folds[i]: int(df[i]) for i in np.flatnonzero(df).tolist()})
    return TokenStats.from_corpus(counts, len(encoded))
