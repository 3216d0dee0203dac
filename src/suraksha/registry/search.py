"""In-memory search over registry records by name (Latin or Devanagari) and filters.

Retrieval uses inverted indexes over phonetic token keys and over (token, initial of
another token) keys held in numpy arrays; candidates are capped and then rescored with
the linkage scorer, which also gives the reasons.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from suraksha.registry.matching.blocking import unique_sorted
from suraksha.registry.matching.features import EncodedRecords, Vocabulary, corpus_stats, encode, gc_paused
from suraksha.registry.matching.geo import canonical_district, canonical_state
from suraksha.registry.matching.linkage import LinkageModel, Match, Scorer, _score_encoded
from suraksha.registry.matching.record import PersonRecord

SELECTIVE = 40_000  # postings longer than this only add score, they do not add candidates
RESCORE = 300  # candidates rescored in full
TYPO_WEIGHT = 0.5
PAIR_WEIGHT = 2.0


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters; None means no filter. Unknown values in records pass."""

    sex: str | None = None
    state: str | None = None
    district: str | None = None
    birth_low: int | None = None
    birth_high: int | None = None


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

    def get(self, key: int) -> np.ndarray:
        k = int(np.searchsorted(self.keys, key))
        if k < len(self.keys) and self.keys[k] == key:
            return self.records[self.starts[k]: self.starts[k + 1]]
        return self.records[:0]


class RegistryIndex:
    """Search index over a list of PersonRecord (built once, queried many times).

    Queries add their unseen tokens to the shared vocabulary, so searches are serialised
    with a lock; one query takes milliseconds.
    """

    def __init__(self, records: Sequence[PersonRecord], model: LinkageModel | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.records = list(records)
        self._lock = threading.Lock()
        self.vocab = Vocabulary()
        if progress:
            progress("encoding records")
        self.encoded: EncodedRecords = encode(self.records, self.vocab)
        self.scorer = Scorer(self.vocab, corpus_stats(self.encoded, self.vocab), model or LinkageModel())
        if progress:
            progress("building postings")
        with gc_paused():
            self._build_postings()
            self._build_typo_buckets()

    def _build_postings(self) -> None:
        enc = self.encoded
        names = enc.names
        valid = names.fold >= 0
        full = valid & ~names.initial
        rec = np.broadcast_to(enc.row_record[:, None], names.fold.shape)
        self.tokens = Postings(names.phon[full], rec[full])
        keys, recs = [], []
        for i in range(names.fold.shape[1]):
            for j in range(names.fold.shape[1]):
                mask = full[:, i] & valid[:, j] & (i != j)
                keys.append(names.phon[mask, i].astype(np.int64) * 32 + names.letter[mask, j])
                recs.append(enc.row_record[mask])
        self.pairs = Postings(np.concatenate(keys), np.concatenate(recs))
        counts = np.bincount(enc.row_record, minlength=len(enc))
        self.row_start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        self.row_count = counts

    def _build_typo_buckets(self) -> None:
        folds = self.vocab.strings.get("fold", [])
        self.fold_phon = np.full(len(folds), -1, dtype=np.int64)
        names = self.encoded.names
        self.fold_phon[names.fold[names.fold >= 0]] = names.phon[names.fold >= 0]
        self.buckets: dict[tuple[str, int], list[str]] = {}
        for text in folds:
            if len(text) >= 4:
                self.buckets.setdefault((text[0], len(text)), []).append(text)

    def _typo_neighbours(self, folded: str) -> list[int]:
        """Phonetic ids of corpus tokens one edit away from a query token."""
        out: list[int] = []
        for length in (len(folded) - 1, len(folded), len(folded) + 1):
            bucket = self.buckets.get((folded[:1], length), [])
            for text, _dist, _ in process.extract(folded, bucket, scorer=Levenshtein.distance,
                                                  score_cutoff=1, limit=8):
                fid = self.vocab.get("fold", text)
                if fid >= 0 and self.fold_phon[fid] >= 0:
                    out.append(int(self.fold_phon[fid]))
        return out

    def _retrieve(self, query: EncodedRecords) -> tuple[np.ndarray, np.ndarray]:
        """Candidate record ids and a cheap score from the postings."""
        bits = self.scorer.stats.bits_array(self.vocab)
        score = np.zeros(len(self.records), dtype=np.float32)
        common: list[tuple[np.ndarray, float]] = []
        names = query.names
        for r in range(len(query.row_record)):
            slots = [s for s in range(names.fold.shape[1]) if names.fold[r, s] >= 0]
            for i in slots:
                if names.initial[r, i]:
                    continue
                weight = float(bits[names.fold[r, i]])
                posting = self.tokens.get(int(names.phon[r, i]))
                if len(posting) > SELECTIVE:
                    common.append((posting, weight))
                else:
                    score[posting] += weight
                for phon in self._typo_neighbours(self.vocab.string("fold", int(names.fold[r, i]))):
                    if phon != names.phon[r, i]:
                        near = self.tokens.get(phon)
                        if len(near) <= SELECTIVE:
                            score[near] += weight * TYPO_WEIGHT
                for j in slots:
                    if j != i:
                        near = self.pairs.get(int(names.phon[r, i]) * 32 + int(names.letter[r, j]))
                        if len(near) <= SELECTIVE:
                            score[near] += PAIR_WEIGHT
        cands = np.flatnonzero(score)
        cheap = score[cands]
        for posting, weight in common:
            pos = np.searchsorted(posting, cands)
            hit = posting[np.minimum(pos, len(posting) - 1)] == cands
            cheap = cheap + weight * hit
        return cands, cheap

    def _context_bonus(self, query: EncodedRecords, cands: np.ndarray) -> np.ndarray:
        """Cheap pre-ranking evidence: birth-year fit, father's first name, sex."""
        enc = self.encoded
        bonus = np.zeros(len(cands), dtype=np.float32)
        q_low, q_high = int(query.birth_low[0]), int(query.birth_high[0])
        if q_low:
            low, high = enc.birth_low[cands].astype(np.int32), enc.birth_high[cands].astype(np.int32)
            gap = np.maximum(0, np.maximum(low - q_high, q_low - high))
            bonus += np.where(low == 0, 0.0, np.where(gap <= 1, 3.0, np.where(gap >= 4, -6.0, -1.0)))
        father = query.fathers
        if father.fold[0, 0] >= 0 and not father.initial[0, 0]:
            same = (enc.fathers.phon[cands] == father.phon[0, 0]).any(axis=1)
            bonus += np.where(same, 6.0, 0.0)
        if query.sex[0]:
            sex = enc.sex[cands]
            bonus += np.where((sex > 0) & (sex != query.sex[0]), -6.0, 0.0)
        return bonus

    def _filter(self, cands: np.ndarray, f: SearchFilters) -> np.ndarray:
        enc = self.encoded
        keep = np.ones(len(cands), dtype=bool)
        if f.sex:
            code = {"M": 1, "F": 2, "T": 3}.get(f.sex.strip().upper()[:1], 0)
            keep &= (enc.sex[cands] == 0) | (enc.sex[cands] == code)
        if f.state:
            sid = self.vocab.get("state", canonical_state(f.state))
            keep &= enc.state[cands] == sid
        if f.district:
            state = canonical_state(f.state) if f.state else None
            names = self.vocab.strings.get("district", [])
            wanted = canonical_district(f.district)
            ids = [k for k, s in enumerate(names) if s.split("/", 1)[1] == wanted
                   and (state is None or s.startswith(state + "/"))]
            keep &= np.isin(enc.district[cands], ids)
        if f.birth_low is not None and f.birth_high is not None:
            low, high = enc.birth_low[cands], enc.birth_high[cands]
            keep &= (low == 0) | ((high >= f.birth_low - 1) & (low <= f.birth_high + 1))
        return cands[keep]

    def search_record(self, query: PersonRecord, limit: int = 10,
                      filters: SearchFilters | None = None) -> list[Match]:
        """Registry records most likely to be the query person, best first."""
        with self._lock:
            return self._search_record(query, limit, filters)

    def _search_record(self, query: PersonRecord, limit: int,
                       filters: SearchFilters | None) -> list[Match]:
        encoded = encode([query], self.vocab)
        if filters is not None and filters.birth_low is not None:
            encoded.birth_low[0], encoded.birth_high[0] = filters.birth_low, filters.birth_high
            encoded.birth_weak[0] = True
        cands, cheap = self._retrieve(encoded)
        if filters is not None:
            keep = np.isin(cands, self._filter(cands, filters))
            cands, cheap = cands[keep], cheap[keep]
        if len(cands) > RESCORE:
            cheap = cheap + self._context_bonus(encoded, cands)
            top = np.argpartition(-cheap, RESCORE)[:RESCORE]
            cands = cands[top]
        if not len(cands):
            return []
        rows_b = np.concatenate([np.arange(s, s + c) for s, c in
                                 zip(self.row_start[cands].tolist(), self.row_count[cands].tolist())])
        rows_a = np.repeat(np.arange(len(encoded.row_record)), len(rows_b))
        rows_b = np.tile(rows_b, len(encoded.row_record))
        matches = _score_encoded(self.scorer, encoded, self.encoded, rows_a, rows_b, explain=limit)
        by_id = {self.records[int(c)].record_id: self.records[int(c)] for c in cands}
        for m in matches:
            m.record = by_id[m.record_id]
        return matches

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
