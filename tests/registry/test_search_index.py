"""The registry index at scale: lock-free concurrent searches, compact storage, incremental updates."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from suraksha.registry.matching.features import RecordIds, TokenStats, Vocabulary, encode
from suraksha.registry.matching.linkage import LinkageModel
from suraksha.registry.matching.record import PersonRecord
from suraksha.registry.search import RegistryIndex, chunked
from suraksha_lab.registry.synth import generate


@pytest.fixture(scope="module")
def corpus() -> tuple[list[PersonRecord], dict[str, str]]:
    return generate(3000, seed=21)


def numbered(records: list[PersonRecord]) -> list[PersonRecord]:
    """The records with integer registration ids (as the database gives them)."""
    return [replace(r, record_id=str(i + 1)) for i, r in enumerate(records)]


def answer(index: RegistryIndex, query: PersonRecord, limit: int = 10) -> list[tuple[str, float, str]]:
    return [(m.record_id, m.score, " | ".join(map(str, m.reasons))) for m in index.search_record(query, limit)]


def ids(matches) -> list[str]:
    return [m.record_id for m in matches]


def word(k: int) -> str:
    """A made-up name token per number (names keep letters only)."""
    return "Vrish" + "".join("bcdfghjklmnpqrstvwxz"[int(d)] for d in f"{k:03d}")


def new_person(record_id: str, name: str = "Zorawar Bhimsen Kanojia") -> PersonRecord:
    return PersonRecord(record_id, "RJ", "Jaipur", name, father_name="Bhimsen Kanojia", sex="M",
                        dob=date(1981, 7, 9))


def test_concurrent_searches_equal_the_serial_answers(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(records)
    vocab_sizes = index.vocab.sizes()
    # queries with unseen tokens (typos, Devanagari) too: those would have grown the shared vocabulary
    queries = [replace(r, record_id="q", full_name=r.full_name + (" Xqzt" if k % 3 == 0 else ""))
               for k, r in enumerate(records[:300:3])]
    queries.append(PersonRecord("q", "UP", "", "मोहम्मद इरफ़ान शेख"))
    serial = [answer(index, q) for q in queries]
    start = threading.Barrier(8)

    def run(k: int) -> list[list[tuple[str, float, str]]]:
        start.wait()
        order = queries[k:] + queries[:k]  # each thread its own order
        out = [answer(index, q) for q in order]
        return out[-k:] + out[:-k] if k else out

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, range(8)))
    for result in results:
        assert result == serial
    assert index.vocab.sizes() == vocab_sizes  # searches never grew the shared vocabulary


def test_searches_do_not_touch_shared_state(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(records[:500])
    state = index._state
    bits = state.stats._bits
    sizes = index.vocab.sizes()
    index.search("Qwertyuiop Zxcvbnm", father_name="Asdfghjkl")
    assert index._state is state and state.stats._bits is bits and index.vocab.sizes() == sizes
    assert len(state.stats._bits) == sizes["fold"]  # complete at build


def test_overlay_vocabulary_and_bits() -> None:
    base = Vocabulary()
    for word in ("ram", "shyam", "mohan"):
        base.id("fold", word)
    stats = TokenStats({"ram": 100.0}, 1000.0)
    shared = stats.bits_array(base).copy()
    child = base.overlay()
    base.id("fold", "late")  # the parent grows after the overlay was taken
    assert child.id("fold", "shyam") == 1
    assert child.id("fold", "late") == 3 and child.id("fold", "new") == 4
    assert child.string("fold", 4) == "new" and child.string("fold", 0) == "ram"
    assert list(child.strings["fold"]) == ["ram", "shyam", "mohan", "late", "new"]
    assert child.get("fold", "zzz") == -1 and base.get("fold", "new") == -1
    bits = stats.bits_array(child)
    assert len(bits) == 5 and np.allclose(bits[:3], shared)
    assert len(stats._bits) == 3  # the shared array was not extended for the overlay


def test_record_ids_are_compact() -> None:
    numbers = RecordIds.of(["12", "7", "123456789012"])
    assert numbers.numbers is not None and numbers.numbers.dtype == np.int64
    assert list(numbers) == ["12", "7", "123456789012"] and numbers[1] == "7"
    texts = RecordIds.of(["R1", "007", "12"])
    assert texts.numbers is None and list(texts) == ["R1", "007", "12"]
    assert list(RecordIds.concat([numbers, texts])) == ["12", "7", "123456789012", "R1", "007", "12"]


def test_build_from_chunks_equals_the_shorthand(corpus) -> None:
    records, _truth = corpus
    whole = RegistryIndex(records[:1500])
    streamed = RegistryIndex.build(chunked(iter(records[:1500]), 200))
    for query in records[1500:1540]:
        assert answer(streamed, query) == answer(whole, query)
    assert streamed.vocab.cache_entries() == 0  # memo caches dropped after the build


def test_numeric_ids_are_stored_as_integers(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(numbered(records[:400]))
    assert index._state.main.ids.numbers is not None
    found = index.search_record(records[10], limit=3)
    assert found[0].record_id == "11" and found[0].record is None


def test_added_record_is_found(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(numbered(records[:1000]))
    assert "5001" not in ids(index.search("Zorawar Kanojia"))
    index.add([new_person("5001")])
    assert ids(index.search("Zorawar Kanojia", limit=3))[0] == "5001"
    assert "5001" in index and len(index) == 1001
    index.merge()
    assert ids(index.search("Zorawar Kanojia", limit=3))[0] == "5001"
    assert index._state.delta is None and len(index) == 1001


def test_updated_record_is_found_under_its_new_name_only(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(numbered(records[:1000]))
    old = numbered(records[:1000])[41]
    assert ids(index.search_record(old, limit=1)) == ["42"]
    index.add([replace(new_person("42"), record_id="42")])
    assert "42" not in ids(index.search_record(old, limit=50))
    assert ids(index.search("Zorawar Bhimsen Kanojia", limit=1)) == ["42"]
    assert len(index) == 1000
    # updated again while in the delta: only the newest version is found
    index.add([new_person("42", "Gurmeet Lakhvinder Saini")])
    assert "42" not in ids(index.search("Zorawar Bhimsen Kanojia", limit=50))
    assert ids(index.search("Gurmeet Saini", limit=1)) == ["42"]
    index.merge()
    assert "42" not in ids(index.search_record(old, limit=50))
    assert ids(index.search("Gurmeet Saini", limit=1)) == ["42"] and len(index) == 1000


def test_removed_record_is_not_found(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(numbered(records[:1000]))
    target = numbered(records[:1000])[99]
    assert ids(index.search_record(target, limit=1)) == ["100"]
    index.add([new_person("7001")])
    assert index.remove(["100", 7001, "no such id"]) == 2
    assert "100" not in ids(index.search_record(target, limit=50))
    assert "7001" not in ids(index.search("Zorawar Kanojia", limit=50))
    assert "100" not in index and len(index) == 999
    index.merge()
    assert "100" not in ids(index.search_record(target, limit=50)) and len(index) == 999


def test_string_ids_can_be_updated_and_removed(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(records[:500])
    rid = records[7].record_id
    index.add([new_person(rid)])
    assert ids(index.search("Zorawar Kanojia", limit=1)) == [rid]
    assert rid not in ids(index.search_record(records[7], limit=50))
    index.remove([rid])
    assert rid not in ids(index.search("Zorawar Kanojia", limit=50)) and rid not in index


def test_large_delta_is_merged(corpus, monkeypatch) -> None:
    import suraksha.registry.search as search

    records, _truth = corpus
    monkeypatch.setattr(search, "MERGE_MIN", 50)
    index = RegistryIndex(numbered(records[:1000]))
    extra = [replace(r, record_id=str(2000 + i)) for i, r in enumerate(records[1000:1060])]
    index.add(extra[:30])
    assert index._state.delta is not None and len(index._state.delta) == 30
    index.add(extra[30:])
    assert index._state.delta is None and len(index) == 1060
    assert ids(index.search_record(extra[45], limit=1)) == ["2045"]


def test_with_model_rescores_without_reencoding(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(records[:500])
    query = records[3]
    strict = LinkageModel(name_scale=0.2)
    other = index.with_model(strict)
    assert other._state.main is index._state.main and other.model is strict
    assert index.model is not strict
    before = index.search_record(query, limit=3)
    after = other.search_record(query, limit=3)
    assert before[0].record_id == after[0].record_id and before[0].score != after[0].score
    index.set_model(strict)
    assert [m.score for m in index.search_record(query, limit=3)] == [m.score for m in after]


def test_searches_concurrent_with_adds_never_fail(corpus) -> None:
    records, _truth = corpus
    index = RegistryIndex(numbered(records[:1500]))
    queries = records[1500:1600]
    errors: list[BaseException] = []
    done = threading.Event()

    def searcher() -> None:
        k = 0
        try:
            while not done.is_set():
                index.search_record(queries[k % len(queries)], limit=5)
                index.search("Navtej Qwxz " + str(k), sex="M", state="RJ")
                k += 1
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        added = numbered(records[:1500])
        for k, record in enumerate(records[1500:1700]):
            fresh = replace(record, record_id=str(10_000 + k), full_name=record.full_name + " " + word(k))
            index.add([fresh])
            if k % 10 == 0:
                index.add([replace(added[k], full_name="Updated Person " + "abcdefghij"[k % 10])])
            if k % 25 == 0:
                index.remove([str(10_000 + k)])
            if k == 120:
                index.merge()
    finally:
        done.set()
        for t in threads:
            t.join()
    assert not errors
    assert ids(index.search(records[1699].full_name + " " + word(199), limit=1)) == ["10199"]
    assert "10000" not in index and len(index) == 1500 + 200 - 8


def test_encode_is_unchanged_by_the_overlay(corpus) -> None:
    records, _truth = corpus
    base = Vocabulary()
    encode(records[:200], base)
    sizes = base.sizes()
    alone = Vocabulary()
    direct = encode(records[200:260], alone)
    child = base.overlay()
    layered = encode(records[200:260], child)
    assert base.sizes() == sizes
    for kind in ("text", "fold", "phon"):
        got, want = getattr(layered.names, kind), getattr(direct.names, kind)
        assert [[child.string(kind, int(v)) if v >= 0 else "" for v in row] for row in got] == \
            [[alone.string(kind, int(v)) if v >= 0 else "" for v in row] for row in want]
    assert [child.string("district", int(v)) for v in layered.district if v >= 0] == \
        [alone.string("district", int(v)) for v in direct.district if v >= 0]


def test_long_postings_only_add_their_weight_to_the_candidates_the_others_find(corpus, monkeypatch) -> None:
    """A posting longer than SELECTIVE is kept as a bitset over the segment's records: it adds no candidate, and adds
    its weight to each candidate it holds; the others' weights are summed per record (a posting asked twice, twice)."""
    import suraksha.registry.search as search

    records, _truth = corpus
    monkeypatch.setattr(search, "SELECTIVE", 40)
    index = RegistryIndex(numbered(records[:1000]))
    segment = index._state.main
    postings = segment.tokens
    lengths = np.diff(postings.starts)
    assert sorted(segment.common) == sorted(postings.keys[lengths > 40].tolist())
    long_keys = postings.keys[lengths > 40][:2].tolist()
    short_keys = postings.keys[(lengths > 3) & (lengths <= 40)][:3].tolist()
    assert len(long_keys) == 2 and len(short_keys) == 3
    tokens = [search._QueryToken(1.5, long_keys[0], [short_keys[0], long_keys[1]], []),
              search._QueryToken(2.0, short_keys[1], [], []),
              search._QueryToken(0.75, short_keys[2], [short_keys[1]], []),
              search._QueryToken(1.0, long_keys[1], [], [])]
    cands, cheap = RegistryIndex._retrieve(segment, tokens)

    expected: dict[int, float] = {}
    common: list[tuple[set[int], float]] = []
    for tok in tokens:
        if tok.phon in long_keys:
            common.append((set(postings.get(tok.phon).tolist()), tok.weight))
        else:
            for r in postings.get(tok.phon).tolist():
                expected[r] = expected.get(r, 0.0) + tok.weight
        for near in tok.neighbours:
            if near not in long_keys:  # a long neighbour adds nothing
                for r in postings.get(near).tolist():
                    expected[r] = expected.get(r, 0.0) + tok.weight * search.TYPO_WEIGHT
    for held, weight in common:
        for r in expected:
            expected[r] += weight if r in held else 0.0
    assert cands.tolist() == sorted(expected)
    assert cheap.tolist() == pytest.approx([expected[r] for r in sorted(expected)], rel=1e-6)
    assert any(r in held for held, _ in common for r in expected)  # the long postings did add to some


def test_twins_in_the_main_part_and_the_delta_score_alike(corpus) -> None:
    """Candidates from both parts are compared together (copied into one encoding); from one part, where they lie:
    either way the twins' scores and reasons are the same."""
    records, _truth = corpus
    base = numbered(records[:1000])
    index = RegistryIndex(base)
    twin = replace(base[41], record_id="9042")
    index.add([twin])
    both = answer(index, base[41], limit=2)
    assert {both[0][0], both[1][0]} == {"42", "9042"}
    assert both[0][1:] == both[1][1:]
    index.merge()  # one part now (the merge recounts the names' rarity: other bits, the twins alike again)
    merged = answer(index, base[41], limit=2)
    assert {merged[0][0], merged[1][0]} == {"42", "9042"}
    assert merged[0][1:] == merged[1][1:]


def test_a_record_is_found_by_its_alias_where_it_lies(corpus) -> None:
    """Every name row of a candidate is compared, the alias's too, in the main part as in the delta."""
    records, _truth = corpus
    base = numbered(records[:1000])
    alias = "Tejpal Vrishbcd Kanojia"
    known = replace(new_person("1001", "Zorawar Bhimsen Kanojia"), aliases=[alias])
    index = RegistryIndex([*base, known])
    delta = RegistryIndex(base)
    delta.add([known])
    for each in (index, delta):
        top = each.search(alias, limit=1)
        assert ids(top) == ["1001"]
        assert "(alias)" in str(top[0].reasons[0]) and "exact" in str(top[0].reasons[0])
