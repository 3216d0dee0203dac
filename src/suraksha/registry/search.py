"""In-memory search over registry records by name (Latin or Devanagari) and filters.

Retrieval uses inverted indexes over phonetic token keys and over (token, initial of
another token) keys held in numpy arrays; candidates are capped and then rescored with
the linkage scorer, which also gives the reasons.

The index keeps only encoded arrays, postings and record ids (no PersonRecord objects).
Searches never change shared state: a query is encoded in an overlay of the shared
vocabulary and scored by its own Scorer, so searches run concurrently without a lock.
New or changed registrations go into a small delta segment searched alongside the main
one (tombstones hide replaced and removed entries); the delta is merged into the main
segment when it grows past a fraction of it. Writers (add, remove, merge) serialise on a
lock that searches never take, build new objects and swap one reference to publish them.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from suraksha.registry.matching import kernels
from suraksha.registry.matching.blocking import unique_sorted
from suraksha.registry.matching.comparison import TypoCache
from suraksha.registry.matching.features import (
    EncodedRecords,
    RecordIds,
    TokenArrays,
    TokenStats,
    Vocabulary,
    corpus_stats,
    encode,
    encode_chunks,
    gc_paused,
    name_rows,
    release_name_caches,
)
from suraksha.registry.matching.geo import canonical_district, canonical_state
from suraksha.registry.matching.linkage import LinkageModel, Match, Scorer, _score_encoded
from suraksha.registry.matching.record import PersonRecord

SELECTIVE = 40_000  # postings longer than this only add score, they do not add candidates
RESCORE = 300  # candidates rescored in full
TYPO_WEIGHT = 0.5
PAIR_WEIGHT = 2.0
# pre-ranking bonuses (RegistryIndex._best): birth year within a year, near (2-3 years off), far; another sex; the
# father's first name the same
BIRTH_FIT, BIRTH_NEAR, BIRTH_FAR, SEX_OTHER, FATHER_SAME = 3.0, -1.0, -6.0, -6.0, 6.0
# the birth-year bonus by the years between the ranges (0-1, 2-3, 4 or more) and for no year recorded
_BIRTH_BONUS = np.array([BIRTH_FIT, BIRTH_FIT, BIRTH_NEAR, BIRTH_NEAR, BIRTH_FAR, 0.0], dtype=np.float32)
CHUNK = 50_000  # records encoded at a time when building from a plain sequence
MERGE_FRACTION = 0.05  # the delta is merged into the main segment past this share of it
MERGE_MIN = 2_000  # ... or past this many records, whichever is larger
TYPO_MEMO = 2_000_000  # distance-1 answers kept across queries
NEAR_MEMO = 200_000  # query tokens whose typo neighbours are kept
SNAPSHOT_FORMAT = 1  # RegistryIndex.save's layout; a snapshot of another format is refused


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters; None means no filter. Unknown values in records pass."""

    sex: str | None = None
    state: str | None = None
    district: str | None = None
    birth_low: int | None = None
    birth_high: int | None = None


def chunked(records: Iterable[PersonRecord], size: int = CHUNK) -> Iterator[Sequence[PersonRecord]]:
    """Records in lists of `size` (the shape RegistryIndex.build takes)."""
    if isinstance(records, Sequence):
        for start in range(0, len(records), size):
            yield records[start: start + size]
        return
    batch: list[PersonRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Postings:
    """Sorted key -> sorted record ids (CSR layout)."""

    def __init__(self, keys: np.ndarray, records: np.ndarray) -> None:
        pair = unique_sorted(keys.astype(np.int64) * (1 << 24) + records)
        keys_sorted = pair >> 24
        self.records = (pair & 0xFFFFFF).astype(np.int32)
        starts = np.flatnonzero(np.r_[True, keys_sorted[1:] != keys_sorted[:-1]]) if len(pair) \
            else np.zeros(0, dtype=np.int64)
        self.keys = keys_sorted[starts]
        self.starts = np.r_[starts, len(keys_sorted)]

    @classmethod
    def restore(cls, keys: np.ndarray, starts: np.ndarray, records: np.ndarray) -> Postings:
        """Postings from the arrays of one saved earlier."""
        out = cls.__new__(cls)
        out.keys, out.starts, out.records = keys, starts, records
        return out

    def get(self, key: int) -> np.ndarray:
        k = int(np.searchsorted(self.keys, key))
        if k < len(self.keys) and self.keys[k] == key:
            return self.records[self.starts[k]: self.starts[k + 1]]
        return self.records[:0]

    def nbytes(self) -> int:
        return int(self.records.nbytes + self.keys.nbytes + self.starts.nbytes)


class _Segment:
    """Encoded records with their postings and an id lookup; never changed once built."""

    def __init__(self, encoded: EncodedRecords) -> None:
        if not isinstance(encoded.record_ids, RecordIds):
            encoded.record_ids = RecordIds.of(encoded.record_ids)
        self.encoded = encoded
        self.ids: RecordIds = encoded.record_ids
        names = encoded.names
        valid = names.fold >= 0
        full = valid & ~names.initial
        rec = np.broadcast_to(encoded.row_record[:, None], names.fold.shape)
        self.tokens = Postings(names.phon[full], rec[full])
        keys, recs = [], []
        for i in range(names.fold.shape[1]):
            for j in range(names.fold.shape[1]):
                mask = full[:, i] & valid[:, j] & (i != j)
                keys.append(names.phon[mask, i].astype(np.int64) * 32 + names.letter[mask, j])
                recs.append(encoded.row_record[mask])
        self.pairs = Postings(np.concatenate(keys), np.concatenate(recs))
        del keys, recs
        self._finish(np.argsort(self.ids.keys, kind="stable").astype(np.int32))

    def _finish(self, order: np.ndarray) -> None:
        counts = np.bincount(self.encoded.row_record, minlength=len(self.encoded))
        self.row_start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        self.row_count = counts.astype(np.int32)
        self._order = order
        self._sorted = self.ids.keys[order]
        self.common = self._common_bits()

    def _common_bits(self) -> dict[int, np.ndarray]:
        """The token postings longer than SELECTIVE as bitsets over the segment's records: they only add their
        weight to candidates found by the others, and a bit answers "is this candidate in it" at once, where a
        binary search into a long posting costs a dozen reads."""
        lengths = np.diff(self.tokens.starts)
        out: dict[int, np.ndarray] = {}
        for k in np.flatnonzero(lengths > SELECTIVE).tolist():
            member = np.zeros(len(self.encoded), dtype=bool)
            member[self.tokens.records[self.tokens.starts[k]: self.tokens.starts[k + 1]]] = True
            out[int(self.tokens.keys[k])] = np.packbits(member, bitorder="little")
        return out

    @classmethod
    def restore(cls, encoded: EncodedRecords, tokens: Postings, pairs: Postings, order: np.ndarray) -> _Segment:
        """A segment from the arrays of one saved earlier (nothing is sorted again)."""
        segment = cls.__new__(cls)
        segment.encoded, segment.ids = encoded, RecordIds.of(encoded.record_ids)
        segment.tokens, segment.pairs = tokens, pairs
        segment._finish(order)
        return segment

    def __len__(self) -> int:
        return len(self.encoded)

    def positions(self, record_ids: Iterable[str]) -> np.ndarray:
        """Local indexes of entries with these ids (every entry if an id occurs twice)."""
        wanted = self.ids.key_array(list(record_ids))
        if not len(wanted) or not len(self._sorted):
            return np.zeros(0, dtype=np.int64)
        low = np.searchsorted(self._sorted, wanted, side="left")
        high = np.searchsorted(self._sorted, wanted, side="right")
        hits = [self._order[a:b] for a, b in zip(low.tolist(), high.tolist()) if b > a]
        return np.concatenate(hits).astype(np.int64) if hits else np.zeros(0, dtype=np.int64)

    def take(self, local: np.ndarray) -> EncodedRecords:
        return self.encoded.take(local, self.row_start, self.row_count)

    def rows_of(self, local: np.ndarray) -> np.ndarray:
        """The name rows of these records, record by record."""
        return name_rows(local, self.row_start, self.row_count)

    def nbytes(self) -> int:
        return (self.encoded.nbytes() + self.tokens.nbytes() + self.pairs.nbytes() + self.row_start.nbytes
                + self.row_count.nbytes + self._order.nbytes + self._sorted.nbytes
                + sum(bits.nbytes for bits in self.common.values()))


class _SharedTypos(TypoCache):
    """The scorer's distance-1 test shared by concurrent queries.

    It knows the shapes of the index's fold ids (below `limit`); a query's own tokens
    (ids from an overlay) get theirs in a new array per call, and only answers between
    index tokens are remembered, since overlay ids mean different strings per query.
    """

    def __init__(self, shape: np.ndarray, limit: int, known: dict[int, bool]) -> None:
        super().__init__()
        self._shape, self.limit, self.known = shape, limit, known

    @classmethod
    def over(cls, vocab: Vocabulary, previous: _SharedTypos | None = None) -> _SharedTypos:
        """Shapes of all of vocab's folds (extending those of `previous`)."""
        helper = TypoCache()
        known: dict[int, bool] = {}
        if previous is not None:
            helper._shape, known = previous._shape, previous.known
        return cls(helper._shapes(vocab), vocab.size("fold"), known)

    def _shapes(self, vocab: Vocabulary) -> np.ndarray:
        if vocab.size("fold") <= len(self._shape):
            return self._shape
        helper = TypoCache()
        helper._shape = self._shape
        return helper._shapes(vocab)  # a new array: self._shape is left as it is

    def close(self, left: np.ndarray, right: np.ndarray, vocab: Vocabulary) -> np.ndarray:
        shared = (left < self.limit) & (right < self.limit)
        if shared.all():
            if len(self.known) > TYPO_MEMO:
                self.known = {}
            return super().close(left, right, vocab)
        out = np.zeros(len(left), dtype=bool)
        if shared.any():
            out[shared] = self.close(left[shared], right[shared], vocab)
        local = TypoCache()
        local._shape = self._shapes(vocab)
        out[~shared] = local.close(left[~shared], right[~shared], vocab)
        return out


@dataclass(frozen=True)
class _State:
    """What one search reads; replaced as a whole by writers, never changed in place."""

    limits: dict[str, int]  # vocabulary sizes covered (query overlays start after them)
    stats: TokenStats
    model: LinkageModel
    typos: _SharedTypos
    fold_phon: np.ndarray  # fold id -> phonetic id of name tokens (-1: not a name token)
    buckets: dict[tuple[str, int], list[str]]  # (first letter, length) -> folded tokens
    near_memo: dict[str, list[int]]  # a query token's typo neighbours (valid for these buckets and fold_phon)
    main: _Segment
    main_alive: np.ndarray | None  # tombstones of the main segment (None: all alive)
    delta: _Segment | None  # recent registrations (no tombstones: rebuilt when changed)

    def segments(self) -> list[tuple[_Segment, np.ndarray | None]]:
        out: list[tuple[_Segment, np.ndarray | None]] = [(self.main, self.main_alive)]
        if self.delta is not None:
            out.append((self.delta, None))
        return out

    def live_count(self) -> int:
        alive = len(self.main) if self.main_alive is None else int(self.main_alive.sum())
        return alive + (len(self.delta) if self.delta is not None else 0)


class _Core:
    """Shared by an index and its with_model copies: the vocabulary and the writer lock."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.lock = threading.Lock()


@dataclass
class _QueryToken:
    weight: float
    phon: int
    neighbours: list[int]
    pair_keys: list[int]


class RegistryIndex:
    """Search index over registry records: build once, search concurrently, add/remove.

    `RegistryIndex(records, model)` builds from a sequence; `RegistryIndex.build(chunks,
    model)` from an iterable of record chunks (rows streamed from a database), so that
    the caller never holds all records at once. Matches carry `record_id` (and
    `record=None`): read what else is needed from the store.
    """

    def __init__(self, records: Sequence[PersonRecord] = (), model: LinkageModel | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self._build(chunked(records), model, progress)

    @classmethod
    def build(cls, chunks: Iterable[Sequence[PersonRecord]], model: LinkageModel | None = None,
              progress: Callable[[str], None] | None = None) -> RegistryIndex:
        """An index over records given in chunks (e.g. 50,000 rows at a time)."""
        index = cls.__new__(cls)
        index._build(chunks, model, progress)
        return index

    def _build(self, chunks: Iterable[Sequence[PersonRecord]], model: LinkageModel | None,
               progress: Callable[[str], None] | None) -> None:
        vocab = Vocabulary()
        if progress:
            progress("encoding records")
        encoded = encode_chunks(chunks, vocab)
        vocab.clear_caches()
        release_name_caches()
        if progress:
            progress("building postings")
        with gc_paused():
            main = _Segment(encoded)
            self._core = _Core(vocab)
            self._state = self._fresh_state(main, corpus_stats(encoded, vocab), model or LinkageModel(), None)

    def _fresh_state(self, main: _Segment, stats: TokenStats, model: LinkageModel,
                     typos: _SharedTypos | None) -> _State:
        vocab = self._core.vocab
        stats.bits_array(vocab)  # complete: overlays never extend it
        folds = vocab.strings.get("fold", [])
        fold_phon = np.full(len(folds), -1, dtype=np.int64)
        names = main.encoded.names
        fold_phon[names.fold[names.fold >= 0]] = names.phon[names.fold >= 0]
        buckets: dict[tuple[str, int], list[str]] = {}
        for text in folds:
            if len(text) >= 4:
                buckets.setdefault((text[0], len(text)), []).append(text)
        return _State(vocab.sizes(), stats, model, _SharedTypos.over(vocab, typos), fold_phon, buckets, {},
                      main, None, None)

    # --- reading -------------------------------------------------------------------------------------
    @property
    def model(self) -> LinkageModel:
        return self._state.model

    @property
    def vocab(self) -> Vocabulary:
        return self._core.vocab

    def __len__(self) -> int:
        """Searchable records."""
        return self._state.live_count()

    def __contains__(self, record_id: object) -> bool:
        state = self._state
        for segment, alive in state.segments():
            local = segment.positions([str(record_id)])
            if len(local) and (alive is None or alive[local].any()):
                return True
        return False

    def search_record(self, query: PersonRecord, limit: int = 10,
                      filters: SearchFilters | None = None) -> list[Match]:
        """Registry records most likely to be the query person, best first."""
        state = self._state  # one read: writers publish a new state, never change this one
        vocab = self._core.vocab.overlay(state.limits)
        scorer = Scorer(vocab, state.stats, state.model, typos=state.typos)
        encoded = encode([query], vocab)
        if filters is not None and filters.birth_low is not None:
            encoded.birth_low[0], encoded.birth_high[0] = filters.birth_low, filters.birth_high
            encoded.birth_weak[0] = True
        tokens = self._query_tokens(state, encoded, scorer, vocab)
        found: list[tuple[_Segment, np.ndarray, np.ndarray]] = []
        for segment, alive in state.segments():
            cands, cheap = self._retrieve(segment, tokens)
            keep = np.ones(len(cands), dtype=bool) if alive is None else alive[cands]
            if filters is not None:
                keep &= self._filter(segment, cands, filters, vocab)
            found.append((segment, cands[keep], cheap[keep]))
        if sum(len(c) for _s, c, _ in found) > RESCORE:
            found = self._best(encoded, found)
        found = [(segment, np.sort(cands), cheap) for segment, cands, cheap in found if len(cands)]
        if not found:
            return []
        if len(found) == 1:  # the usual case: compared where they lie, nothing copied
            segment, cands, _ = found[0]
            corpus, rows_b = segment.encoded, segment.rows_of(cands)
        else:
            corpus = EncodedRecords.concat([segment.take(cands) for segment, cands, _ in found])
            rows_b = np.arange(len(corpus.row_record))
        rows_a = np.repeat(np.arange(len(encoded.row_record)), len(rows_b))
        rows_b = np.tile(rows_b, len(encoded.row_record))
        return _score_encoded(scorer, encoded, corpus, rows_a, rows_b, explain=limit)

    def _query_tokens(self, state: _State, query: EncodedRecords, scorer: Scorer,
                      vocab: Vocabulary) -> list[_QueryToken]:
        """Per full token of the query: rarity, phonetic key, typo neighbours, pair keys."""
        bits = scorer.stats.bits_array(vocab)
        names = query.names
        out = []
        for r in range(len(query.row_record)):
            slots = [s for s in range(names.fold.shape[1]) if names.fold[r, s] >= 0]
            for i in slots:
                if names.initial[r, i]:
                    continue
                phon = int(names.phon[r, i])
                near = self._typo_neighbours(state, vocab.string("fold", int(names.fold[r, i])))
                out.append(_QueryToken(float(bits[names.fold[r, i]]), phon, [p for p in near if p != phon],
                                       [phon * 32 + int(names.letter[r, j]) for j in slots if j != i]))
        return out

    def _typo_neighbours(self, state: _State, folded: str) -> list[int]:
        """Phonetic ids of corpus tokens one edit away from a query token (remembered per state: names recur)."""
        known = state.near_memo.get(folded)
        if known is not None:
            return known
        out: list[int] = []
        for length in (len(folded) - 1, len(folded), len(folded) + 1):
            bucket = state.buckets.get((folded[:1], length), [])
            for text, _dist, _ in process.extract(folded, bucket, scorer=Levenshtein.distance,
                                                  score_cutoff=1, limit=8):
                fid = self._core.vocab.get("fold", text)
                if 0 <= fid < len(state.fold_phon) and state.fold_phon[fid] >= 0:
                    out.append(int(state.fold_phon[fid]))
        if len(state.near_memo) >= NEAR_MEMO:
            state.near_memo.clear()
        state.near_memo[folded] = out
        return out

    @staticmethod
    def _retrieve(segment: _Segment, tokens: list[_QueryToken]) -> tuple[np.ndarray, np.ndarray]:
        """Candidate records of a segment and a cheap score from its postings.

        The selective postings are concatenated and summed per record (sort-based: the cost follows the postings'
        length, not the segment's size); postings longer than SELECTIVE only add their weight to candidates found
        by the others."""
        ids: list[np.ndarray] = []
        weights: list[float] = []  # each posting's
        common: list[tuple[np.ndarray, float]] = []  # (bitset, weight)

        def add(posting: np.ndarray, weight: float) -> None:
            if len(posting):
                ids.append(posting)
                weights.append(weight)

        for tok in tokens:
            bits = segment.common.get(tok.phon)
            if bits is not None:
                common.append((bits, tok.weight))
            else:
                add(segment.tokens.get(tok.phon), tok.weight)
            for phon in tok.neighbours:
                if phon not in segment.common:
                    add(segment.tokens.get(phon), tok.weight * TYPO_WEIGHT)
            for key in tok.pair_keys:
                near = segment.pairs.get(key)
                if len(near) <= SELECTIVE:
                    add(near, PAIR_WEIGHT)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # one sort of (record, posting) keys gathers each record's entries (`kernels.posting_keys`)
        shift = max(1, len(ids) - 1).bit_length()
        starts = np.cumsum([0] + [len(posting) for posting in ids])
        keyed = kernels.posting_keys(np.concatenate(ids), starts, shift)
        keyed.sort(kind="stable")  # runs already sorted (each posting is): merged, not sorted from scratch
        cands, cheap = kernels.posting_sums(keyed, np.asarray(weights, dtype=np.float32), shift)
        for bits, weight in common:
            hit = (bits[cands >> 3] >> (cands & 7).astype(np.uint8)) & 1
            cheap = cheap + weight * hit
        return cands, cheap

    @classmethod
    def _best(cls, query: EncodedRecords, found: list[tuple[_Segment, np.ndarray, np.ndarray]]
              ) -> list[tuple[_Segment, np.ndarray, np.ndarray]]:
        """The RESCORE candidates with the best cheap score plus context bonus (birth-year fit, father's first name,
        sex). The father's part needs the most reading, so it is added only where it can change the outcome: it
        adds 0 or FATHER_SAME, so a candidate whose score without it is more than FATHER_SAME below the RESCORE-th
        best such score cannot reach the top."""
        partial = [cheap + cls._birth_sex_bonus(query, s, c) for s, c, cheap in found]
        kth = _kth_largest(np.concatenate(partial), RESCORE)
        found = [(s, c[p >= kth - FATHER_SAME], p[p >= kth - FATHER_SAME]) for (s, c, _), p in zip(found, partial)]
        total = np.concatenate([p + cls._father_bonus(query, s, c) for s, c, p in found])
        top = np.zeros(len(total), dtype=bool)
        top[np.argpartition(-total, min(RESCORE, len(total) - 1))[:RESCORE]] = True
        offsets = np.cumsum([0] + [len(c) for _s, c, _ in found]).tolist()
        return [(s, c[top[o: o + len(c)]], p[top[o: o + len(c)]]) for (s, c, p), o in zip(found, offsets)]

    @staticmethod
    def _birth_sex_bonus(query: EncodedRecords, segment: _Segment, cands: np.ndarray) -> np.ndarray:
        """Cheap pre-ranking evidence: birth-year fit and sex."""
        enc = segment.encoded
        return kernels.birth_sex_bonus(cands, enc.birth_low, enc.birth_high, enc.sex, int(query.birth_low[0]),
                                       int(query.birth_high[0]), int(query.sex[0]), _BIRTH_BONUS,
                                       np.float32(SEX_OTHER))

    @staticmethod
    def _father_bonus(query: EncodedRecords, segment: _Segment, cands: np.ndarray) -> np.ndarray:
        """Cheap pre-ranking evidence: the father's first name (FATHER_SAME or 0)."""
        father = query.fathers
        if father.fold[0, 0] < 0 or father.initial[0, 0]:
            return np.zeros(len(cands), dtype=np.float32)
        return kernels.father_bonus(cands, segment.encoded.fathers.phon, int(father.phon[0, 0]),
                                    np.float32(FATHER_SAME))

    @staticmethod
    def _filter(segment: _Segment, cands: np.ndarray, f: SearchFilters, vocab: Vocabulary) -> np.ndarray:
        """Which candidates pass the filters (a mask)."""
        enc = segment.encoded
        by_birth = f.birth_low is not None and f.birth_high is not None
        keep = kernels.sex_and_birth_kept(
            cands, enc.sex, enc.birth_low, enc.birth_high, bool(f.sex),
            {"M": 1, "F": 2, "T": 3}.get((f.sex or "").strip().upper()[:1], 0), by_birth,
            f.birth_low if by_birth else 0, f.birth_high if by_birth else 0)
        if f.state:
            sid = vocab.get("state", canonical_state(f.state))
            keep &= enc.state.take(cands) == sid
        if f.district:
            state = canonical_state(f.state) if f.state else None
            names = vocab.strings.get("district", [])
            wanted = canonical_district(f.district)
            ids = [k for k, s in enumerate(names) if s.split("/", 1)[1] == wanted
                   and (state is None or s.startswith(state + "/"))]
            keep &= np.isin(enc.district.take(cands), ids)
        return keep

    def search(self, name: str, father_name: str = "", sex: str = "", state: str = "",
               district: str = "", age_min: int | None = None, age_max: int | None = None,
               as_of: date | None = None, limit: int = 10) -> list[Match]:
        """Search by name with optional father's name, age range, sex, state and district."""
        as_of = as_of or datetime.now(UTC).date()
        query = PersonRecord("query", state, district, name, father_name=father_name, sex=sex)
        filters = SearchFilters(sex or None, state or None, district or None)
        if age_min is not None or age_max is not None:
            low = as_of.year - (age_max if age_max is not None else 100) - 1
            high = as_of.year - (age_min if age_min is not None else 0)
            filters = SearchFilters(sex or None, state or None, district or None, low, high)
        return self.search_record(query, limit, filters)

    # --- writing -------------------------------------------------------------------------------------
    def add(self, records: Iterable[PersonRecord]) -> None:
        """Add new registrations or replace changed ones (same record_id); searches see them
        as soon as this returns. The last of several records with one id wins."""
        batch = list({r.record_id: r for r in records}.values())
        if not batch:
            return
        with self._core.lock:
            state = self._state
            vocab = self._core.vocab
            new = encode(batch, vocab)
            new.record_ids = RecordIds.of(new.record_ids)
            vocab.clear_caches()
            ids = list(new.record_ids)
            kept = self._delta_kept(state.delta, ids)
            delta = _Segment(EncodedRecords.concat([kept, new]) if kept is not None else new)
            state = self._grown(replace(state, main_alive=self._main_alive(state, ids)), delta)
            if len(delta) > max(MERGE_MIN, MERGE_FRACTION * len(state.main)):
                state = self._merged(state)
            self._state = state

    def remove(self, record_ids: Iterable[object]) -> int:
        """Stop finding these registrations; returns how many entries were hidden."""
        ids = [str(i) for i in record_ids]
        with self._core.lock:
            state = self._state
            before = state.live_count()
            delta = state.delta
            if delta is not None:
                kept = self._delta_kept(delta, ids)
                if kept is None or len(kept) < len(delta):
                    delta = _Segment(kept) if kept is not None else None
            self._state = replace(state, main_alive=self._main_alive(state, ids), delta=delta)
            return before - self._state.live_count()

    def merge(self) -> None:
        """Fold the delta segment into the main one and drop tombstoned entries (token
        statistics are recomputed); searches keep using the old segments meanwhile."""
        with self._core.lock:
            if self._state.delta is not None or self._state.main_alive is not None:
                self._state = self._merged(self._state)

    def with_model(self, model: LinkageModel) -> RegistryIndex:
        """An index over the same encoded records scored with another model (nothing is
        re-encoded; this index is unchanged). Updates to one are not seen by the other."""
        other = RegistryIndex.__new__(RegistryIndex)
        other._core = self._core
        other._state = replace(self._state, model=model)
        return other

    def set_model(self, model: LinkageModel) -> None:
        """Score with another model from now on."""
        with self._core.lock:
            self._state = replace(self._state, model=model)

    @staticmethod
    def _main_alive(state: _State, ids: list[str]) -> np.ndarray | None:
        """The main segment's tombstones with these ids hidden too (a new array)."""
        alive = state.main_alive
        local = state.main.positions(ids)
        if len(local) and (alive is None or alive[local].any()):
            alive = np.ones(len(state.main), dtype=bool) if alive is None else alive.copy()
            alive[local] = False
        return alive

    @staticmethod
    def _delta_kept(delta: _Segment | None, ids: list[str]) -> EncodedRecords | None:
        """The delta's records other than these ids (None when none is left)."""
        if delta is None:
            return None
        gone = delta.positions(ids)
        if not len(gone):
            return delta.encoded
        keep = np.setdiff1d(np.arange(len(delta)), gone)
        return delta.take(keep) if len(keep) else None

    def _grown(self, state: _State, delta: _Segment) -> _State:
        """The state with a new delta segment whose tokens may be new to the vocabulary."""
        vocab = self._core.vocab
        limits = vocab.sizes()
        state.stats.bits_array(vocab)  # a longer array replaces the old one; states share it
        old, size = state.limits.get("fold", 0), limits.get("fold", 0)
        fold_phon = state.fold_phon
        names = delta.encoded.names
        valid = names.fold >= 0
        if size > len(fold_phon) or (fold_phon[names.fold[valid]] < 0).any():
            fold_phon = np.r_[fold_phon, np.full(size - len(fold_phon), -1, dtype=np.int64)]
            fold_phon[names.fold[valid]] = names.phon[valid]
        buckets = state.buckets
        if size > old:
            buckets = dict(buckets)
            folds = vocab.strings.get("fold", [])
            for text in folds[old:size]:
                if len(text) >= 4:
                    key = (text[0], len(text))
                    buckets[key] = [*buckets.get(key, []), text]
        return replace(state, limits=limits, typos=_SharedTypos.over(vocab, state.typos),
                       fold_phon=fold_phon, buckets=buckets, near_memo={}, delta=delta)

    def _merged(self, state: _State) -> _State:
        main = state.main
        parts = [main.encoded if state.main_alive is None else main.take(np.flatnonzero(state.main_alive))]
        if state.delta is not None:
            parts.append(state.delta.encoded)
        with gc_paused():
            encoded = EncodedRecords.concat(parts)
            stats = corpus_stats(encoded, self._core.vocab)
            return self._fresh_state(_Segment(encoded), stats, state.model, state.typos)

    # --- snapshot ------------------------------------------------------------------------------------
    def save(self, path: str, extra: Mapping[str, object] | None = None) -> None:
        """Write what a search needs to one uncompressed .npz (numpy arrays only: loading it runs no code), with
        the delta folded into the main segment on a copy (this index is not changed) and `extra` (JSON values,
        e.g. the change-log number the index holds) in its metadata. The file is written aside and then renamed
        over `path`, so that a reader (another process) sees the old snapshot or the new one, never half of one."""
        state = self._state  # one read: writers publish new states, never change this one
        if state.delta is not None or state.main_alive is not None:
            state = self._merged(state)
        vocab = self._core.vocab
        arrays: dict[str, np.ndarray] = {}
        kinds = sorted(state.limits)
        for kind in kinds:
            arrays[f"vocab.{kind}.blob"], arrays[f"vocab.{kind}.ends"] = _pack(
                list(vocab.strings.get(kind, []))[: state.limits[kind]])
        counts = state.stats.counts
        arrays["stats.blob"], arrays["stats.ends"] = _pack(list(counts))
        arrays["stats.values"] = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        main, enc = state.main, state.main.encoded
        arrays["enc.ids"] = main.ids.keys
        for field in _ENCODED_ARRAYS:
            arrays[f"enc.{field}"] = getattr(enc, field)
        for field in _TOKEN_ARRAYS:
            arrays[f"enc.names.{field}"] = getattr(enc.names, field)
            arrays[f"enc.fathers.{field}"] = getattr(enc.fathers, field)
        for name, postings in (("tokens", main.tokens), ("pairs", main.pairs)):
            arrays[f"seg.{name}.keys"], arrays[f"seg.{name}.starts"] = postings.keys, postings.starts
            arrays[f"seg.{name}.records"] = postings.records
        arrays["seg.order"] = main._order
        meta = {"format": SNAPSHOT_FORMAT, "records": len(main), "kinds": kinds, "n_docs": state.stats.n_docs,
                "ids": "numbers" if main.ids.numbers is not None else "texts", "extra": dict(extra or {})}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        temporary = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"  # one per writer: processes may share path
        try:
            with open(temporary, "wb") as handle:
                np.savez(handle, **arrays)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)

    @classmethod
    def load(cls, path: str, model: LinkageModel | None = None) -> RegistryIndex:
        """The index saved at `path` (RegistryIndex.save), scored with `model`; it answers every search as the
        saved one did (after its delta was merged) and takes add, remove and merge as a built one does.
        ValueError when the file is not a snapshot of this format or is damaged."""
        return cls.read_snapshot(path, model)[0]

    @staticmethod
    def snapshot_info(path: str) -> dict:
        """A snapshot's metadata (format, records, extra) without loading its arrays; ValueError as `load`."""
        try:
            with np.load(path, allow_pickle=False) as data:
                return _snapshot_meta(data)
        except FileNotFoundError:
            raise
        except SnapshotError:
            raise
        except (OSError, ValueError, KeyError, EOFError, TypeError, AttributeError, zipfile.BadZipFile) as error:
            raise SnapshotError(f"{path} is not a usable registry index snapshot: {error}") from error

    @classmethod
    def read_snapshot(cls, path: str, model: LinkageModel | None = None) -> tuple[RegistryIndex, dict]:
        """`load`, with the snapshot's metadata (its `extra` as saved)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = _snapshot_meta(data)
                index = cls.__new__(cls)
                index._core = _Core(Vocabulary.from_strings(
                    {kind: _unpack(data[f"vocab.{kind}.blob"], data[f"vocab.{kind}.ends"]) for kind in meta["kinds"]}))
                values = data["stats.values"]
                keys = _unpack(data["stats.blob"], data["stats.ends"])
                _require(len(keys) == len(values), "token statistics")
                stats = TokenStats(dict(zip(keys, values.tolist())), float(meta["n_docs"]))
                ids = data["enc.ids"]
                encoded = EncodedRecords(
                    record_ids=RecordIds(ids) if meta["ids"] == "numbers" else RecordIds(texts=ids),
                    names=TokenArrays(*(data[f"enc.names.{f}"] for f in _TOKEN_ARRAYS)),
                    fathers=TokenArrays(*(data[f"enc.fathers.{f}"] for f in _TOKEN_ARRAYS)),
                    **{f: data[f"enc.{f}"] for f in _ENCODED_ARRAYS})
                postings = {name: Postings.restore(data[f"seg.{name}.keys"], data[f"seg.{name}.starts"],
                                                   data[f"seg.{name}.records"]) for name in ("tokens", "pairs")}
                _check_encoded(encoded, int(meta["records"]), index._core.vocab, postings.values())
                order = data["seg.order"]
                _require(len(order) == len(encoded), "record order")
                main = _Segment.restore(encoded, postings["tokens"], postings["pairs"], order)
                index._state = index._fresh_state(main, stats, model or LinkageModel(), None)
        except FileNotFoundError:
            raise
        except SnapshotError:
            raise
        except (OSError, ValueError, KeyError, EOFError, IndexError, TypeError, AttributeError,
                zipfile.BadZipFile) as error:
            raise SnapshotError(f"{path} is not a usable registry index snapshot: {error}") from error
        return index, meta["extra"]

    # --- size ----------------------------------------------------------------------------------------
    def memory_bytes(self) -> dict[str, int]:
        """Estimated bytes held by the index, by part (numpy buffers exactly; Python
        dicts, lists and strings from sys.getsizeof)."""
        state = self._state
        vocab = self._core.vocab
        segments = sum(s.nbytes() for s, _ in state.segments())
        tables = sum(_dict_bytes(t) for t in vocab.tables.values())
        strings = sum(sys.getsizeof(v) for v in vocab.strings.values())
        counts = state.stats.counts
        stats = _dict_bytes(counts, keys=False) + 24 * len(counts) + int(state.stats.bits_array(vocab).nbytes)
        buckets = sum(sys.getsizeof(b) for b in state.buckets.values()) + sys.getsizeof(state.buckets)
        typos = int(state.typos._shape.nbytes) + _dict_bytes(state.typos.known, keys=False)
        other = int(state.fold_phon.nbytes) + (state.main_alive.nbytes if state.main_alive is not None else 0)
        caches = sum(sys.getsizeof(c) for c in (vocab._tokens, vocab._rows, vocab.name_rows,
                                                vocab.father_rows, vocab.places))
        out = {"segments": segments, "vocabulary": tables + strings + caches, "token_stats": stats,
               "typo_buckets": buckets, "typo_memo": typos, "other": int(other)}
        out["total"] = sum(out.values())
        return out


class SnapshotError(ValueError):
    """A file that is not a registry index snapshot of this format, or a damaged one."""


_ENCODED_ARRAYS = ("row_record", "row_alias", "row_width", "birth_low", "birth_high", "birth_weak", "dob", "sex",
                   "state", "district", "convictions")
_TOKEN_ARRAYS = ("text", "fold", "phon", "letter", "initial", "devanagari", "optional")


def _kth_largest(values: np.ndarray, k: int) -> float:
    """The k-th largest of values (k <= len(values)). Sorted, not partitioned: the cheap scores have many ties,
    on which numpy's selection is slow, while its sort is vectorised (a quarter of the time, measured)."""
    return float(np.sort(values)[-k])


def _pack(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as one UTF-8 byte array and the end offset of each."""
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), ends


def _unpack(blob: np.ndarray, ends: np.ndarray) -> list[str]:
    data = blob.tobytes()
    _require(blob.dtype == np.uint8 and ends.ndim == 1 and (not len(ends) or int(ends[-1]) == len(data)), "strings")
    starts = [0, *ends[:-1].tolist()]
    return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, ends.tolist())]


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise SnapshotError(f"damaged registry index snapshot ({what})")


def _snapshot_meta(data: Mapping[str, np.ndarray]) -> dict:
    if "meta" not in data:
        raise SnapshotError("not a registry index snapshot (no metadata)")
    meta = json.loads(data["meta"].tobytes().decode())
    if not isinstance(meta, dict) or meta.get("format") != SNAPSHOT_FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise SnapshotError(f"registry index snapshot of format {found!r}, this version reads {SNAPSHOT_FORMAT}")
    return meta


def _check_encoded(enc: EncodedRecords, records: int, vocab: Vocabulary, postings: Iterable[Postings]) -> None:
    """Cheap consistency checks, so that a damaged file fails here rather than in a search."""
    _require(len(enc) == records, "record count")
    for field in _ENCODED_ARRAYS:
        if field not in ("row_record", "row_alias", "row_width"):
            _require(len(getattr(enc, field)) == records, field)
    rows = len(enc.row_record)
    _require(len(enc.row_alias) == rows and len(enc.row_width) == rows, "name rows")
    _require(not rows or (0 <= int(enc.row_record.min()) and int(enc.row_record.max()) < records), "row records")
    for tokens, count in ((enc.names, rows), (enc.fathers, records)):
        for field in _TOKEN_ARRAYS:
            _require(getattr(tokens, field).shape[0] == count, field)
        for field in ("text", "fold", "phon"):
            values = getattr(tokens, field)
            _require(not values.size or int(values.max()) < vocab.size(field), field)
    for field in ("state", "district"):
        values = getattr(enc, field)
        _require(not values.size or int(values.max()) < vocab.size(field), field)
    for post in postings:
        _require(len(post.starts) == len(post.keys) + 1 and int(post.starts[-1]) == len(post.records), "postings")
        _require(not len(post.records) or int(post.records.max()) < records, "postings")


def _dict_bytes(table: dict, keys: bool = True, values: bool = True) -> int:
    """Size of a dict with its str keys and int/float values (small ints are shared)."""
    total = sys.getsizeof(table)
    if keys:
        total += sum(sys.getsizeof(k) for k in table)
    if values:
        total += 28 * sum(1 for v in table.values() if not (isinstance(v, int) and -5 <= v <= 256))
    return total
