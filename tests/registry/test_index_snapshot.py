"""The search index saved to a snapshot and loaded back: a process that starts loads it and catches up from the
change log instead of building the index from the database."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from suraksha.registry import store
from suraksha.registry.matching.record import PersonRecord
from suraksha.registry.search import SNAPSHOT_FORMAT, RegistryIndex, chunked
from suraksha.registry.service import RegistryService
from suraksha_lab.registry.synth import generate
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator
from tests.registry.test_freshness import counting_builds, found


@pytest.fixture(scope="module")
def corpus() -> list[PersonRecord]:
    records, _truth = generate(3000, seed=23)
    return [replace(r, record_id=str(i + 1)) for i, r in enumerate(records)]


def answers(index: RegistryIndex, queries: list[PersonRecord]) -> list[list[tuple[str, float]]]:
    return [[(m.record_id, m.score) for m in index.search_record(q, limit=10)] for q in queries]


def test_a_loaded_index_answers_as_the_saved_one_and_takes_updates(corpus, tmp_path):
    index = RegistryIndex.build(chunked(corpus[200:], 700))
    path = str(tmp_path / "index.npz")
    index.save(path, {"seq": 41})
    assert not list(tmp_path.glob("*.tmp"))
    loaded, extra = RegistryIndex.read_snapshot(path)
    assert extra == {"seq": 41} and RegistryIndex.snapshot_info(path)["records"] == len(index) == len(loaded)
    queries = corpus[:200]
    assert answers(loaded, queries) == answers(index, queries)
    assert [m.record_id for m in loaded.search("Ramesh Kumar", sex="M", state="Maharashtra", age_min=20)] == \
        [m.record_id for m in index.search("Ramesh Kumar", sex="M", state="Maharashtra", age_min=20)]

    for one in (index, loaded):  # the same updates give the same answers
        one.add(corpus[:100])
        one.remove([r.record_id for r in corpus[300:400]])
    assert answers(loaded, queries) == answers(index, queries)
    assert corpus[0].record_id in loaded and corpus[300].record_id not in loaded
    loaded.merge()
    index.merge()
    assert answers(loaded, queries) == answers(index, queries)


def test_saving_folds_the_delta_in_a_copy(corpus, tmp_path):
    index = RegistryIndex.build(chunked(corpus[:2000], 700))
    index.add(corpus[2000:2100])
    index.remove([corpus[5].record_id])
    before = index._state
    index.save(str(tmp_path / "index.npz"))
    assert index._state is before and before.delta is not None  # the live index is not changed
    loaded = RegistryIndex.load(str(tmp_path / "index.npz"))
    assert loaded._state.delta is None and len(loaded) == len(index) == 2099
    index.merge()
    assert answers(loaded, corpus[2000:2050]) == answers(index, corpus[2000:2050])
    assert corpus[5].record_id not in loaded


def test_a_damaged_or_foreign_snapshot_is_refused(corpus, tmp_path):
    path = tmp_path / "index.npz"
    RegistryIndex.build(chunked(corpus[:500])).save(str(path))
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # cut short
    with pytest.raises(ValueError):
        RegistryIndex.load(str(path))
    path.write_bytes(b"not a snapshot at all")
    with pytest.raises(ValueError):
        RegistryIndex.load(str(path))
    np.savez(str(path), x=np.zeros(3))  # numpy, but not a snapshot
    with pytest.raises(ValueError, match="snapshot"):
        RegistryIndex.load(str(path))
    with path.open("wb") as handle:
        np.save(handle, np.zeros(3))  # a bare array
    with pytest.raises(ValueError, match="snapshot"):
        RegistryIndex.load(str(path))

    path.write_bytes(good)  # another format version
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(data["meta"].tobytes())
    meta["format"] = SNAPSHOT_FORMAT + 1
    arrays = {name[:-4]: np.load(str(path), allow_pickle=False)[name[:-4]] for name in members}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(str(path), **arrays)
    with pytest.raises(ValueError, match="format"):
        RegistryIndex.load(str(path))

    arrays["meta"] = np.frombuffer(json.dumps(meta | {"format": SNAPSHOT_FORMAT}).encode(), dtype=np.uint8)
    arrays["enc.names.fold"] = arrays["enc.names.fold"] + 10**6  # ids past the vocabulary
    np.savez(str(path), **arrays)
    with pytest.raises(ValueError, match="damaged"):
        RegistryIndex.load(str(path))


def process(container, tmp_path, snapshot: str) -> RegistryService:
    """A server process on the container's database with its own index, saved to and loaded from `snapshot`."""
    return RegistryService(container.engine, container.clock, "a-secret-key", str(tmp_path), container.stations,
                           index_snapshot=snapshot)


def test_a_second_process_loads_the_snapshot_and_catches_up(container, tmp_path):
    snapshot = str(tmp_path / "snap" / "index.npz")
    container.registry.import_csv(csv_bytes(RAMESH), operator())
    first = process(container, tmp_path, snapshot)
    first_builds = counting_builds(first)
    assert found(first, "Ramesh Yadav")
    assert len(first_builds) == 1  # built from the database, then saved
    assert RegistryIndex.snapshot_info(snapshot)["extra"]["seq"] == first.index.applied

    container.registry.import_csv(csv_bytes(SUNIL), operator())  # after the snapshot was taken
    second = process(container, tmp_path, snapshot)
    second_builds = counting_builds(second)
    assert found(second, "Ramesh Yadav") and found(second, "Sunil Patil")
    assert second_builds == []  # loaded, then caught up from the change log
    with container.engine.connect() as conn:
        assert second.index.applied == store.change_head(conn)


def test_a_snapshot_the_log_cannot_bring_up_to_date_is_not_used(container, tmp_path):
    snapshot = tmp_path / "index.npz"
    container.registry.import_csv(csv_bytes(RAMESH), operator())
    first = process(container, tmp_path, str(snapshot))
    first.refresh()
    index, extra = RegistryIndex.read_snapshot(str(snapshot))
    index.save(str(snapshot), {"seq": extra["seq"] + 50})  # ahead of the log: from another database
    second = process(container, tmp_path, str(snapshot))
    builds = counting_builds(second)
    assert found(second, "Ramesh Yadav") and len(builds) == 1

    snapshot.write_bytes(b"damaged")
    third = process(container, tmp_path, str(snapshot))
    builds = counting_builds(third)
    assert found(third, "Ramesh Yadav") and len(builds) == 1  # built, and a good snapshot saved again
    assert RegistryIndex.snapshot_info(str(snapshot))["records"] == 1
