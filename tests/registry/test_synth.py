"""Synthetic registry: determinism, realistic variation, CSV round trip."""

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from suraksha.registry.csvio import read_records
from suraksha.registry.matching.geo import DISTRICT_RENAMES, canonical_state
from suraksha.registry.matching.names import has_devanagari
from suraksha.registry.matching.record import is_default_date
from suraksha_lab.registry.synth import generate, write_csv


@pytest.fixture(scope="module")
def registry():
    return generate(3000, seed=5)


def test_same_seed_same_records_other_seed_other_records(registry) -> None:
    records, truth = registry
    again, truth_again = generate(3000, seed=5)
    assert [r.full_name for r in again] == [r.full_name for r in records]
    assert truth_again == truth
    other, _ = generate(3000, seed=6)
    assert [r.full_name for r in other] != [r.full_name for r in records]


def test_truth_covers_every_record_with_repeat_registrations(registry) -> None:
    records, truth = registry
    assert len(records) == 3000 and set(truth) == {r.record_id for r in records}
    sizes = Counter(truth.values())
    assert 1.2 < len(records) / len(sizes) < 1.8
    assert max(sizes.values()) >= 3
    states = defaultdict(set)
    for r in records:
        states[truth[r.record_id]].add(canonical_state(r.state))
    assert sum(len(s) > 1 for s in states.values()) > 100  # moved or registered elsewhere


def test_harsh_variation_is_present(registry) -> None:
    records, _ = registry
    assert sum(has_devanagari(r.full_name) for r in records) > 100
    assert sum(r.dob is not None and is_default_date(r.dob) for r in records) > 100
    assert sum(r.dob is None and r.age is not None and r.age_as_of is not None for r in records) > 300
    assert sum(r.dob is None and r.age is None for r in records) > 100
    assert sum(r.district.lower() in DISTRICT_RENAMES for r in records) > 30
    assert sum(bool(r.aliases) or "@" in r.full_name or " urf " in r.full_name.lower()
               for r in records) > 200
    assert sum(any(len(w.strip(".")) == 1 for w in r.full_name.split()) for r in records) > 150


def test_namesakes_and_siblings_exist(registry) -> None:
    records, truth = registry
    by_name = defaultdict(set)
    by_father = defaultdict(set)
    for r in records:
        by_name[r.full_name.lower()].add(truth[r.record_id])
        if r.father_name:
            by_father[r.father_name.lower()].add(truth[r.record_id])
    assert sum(len(p) > 1 for p in by_name.values()) > 20
    assert sum(len(p) > 1 for p in by_father.values()) > 50


def test_csv_round_trip(registry, tmp_path: Path) -> None:
    records, truth = registry
    path = tmp_path / "registry.csv"
    write_csv(str(path), records[:200], truth, str(tmp_path / "truth.csv"))
    truth_rows = (tmp_path / "truth.csv").read_text(encoding="utf-8").splitlines()
    assert truth_rows[0] == "record_id,person_id" and len(truth_rows) == len(truth) + 1
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header == ("record_id,state,district,full_name,aliases,father_name,sex,dob,age,"
                      "age_as_of,address,act,section,conviction_date,court")
    assert read_records(path) == records[:200]
