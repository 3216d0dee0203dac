"""The matching's compiled loops: warmed up once, a search and a dedupe compile nothing more."""

from datetime import date

from suraksha.registry.matching import kernels
from suraksha.registry.matching.linkage import dedupe
from suraksha.registry.matching.record import PersonRecord
from suraksha.registry.search import RESCORE, RegistryIndex

LOOPS = (kernels.token_levels, kernels.agreement, kernels.posting_keys, kernels.posting_sums,
         kernels.sex_and_birth_kept, kernels.birth_sex_bonus, kernels.father_bonus)


def test_after_the_warm_up_a_search_and_a_dedupe_compile_nothing_more() -> None:
    # more namesakes than are rescored, so that the pre-ranking (birth year, sex, father's name) runs too
    records = [PersonRecord(str(i), "MH", "Pune", "Ravi Kumar Sharma", sex="M" if i % 5 else "F",
                            father_name="Mohan Sharma" if i % 3 else "Suresh Verma", dob=date(1960 + i % 40, 3, 1))
               for i in range(RESCORE + 100)]
    kernels.warm_up()
    compiled = [len(loop.signatures) for loop in LOOPS]
    assert min(compiled) >= 1

    found = RegistryIndex(records).search("Ravi Sharma", "Mohan", "M", age_min=40, age_max=45,
                                          as_of=date(2005, 1, 1), limit=5)
    clusters = dedupe(records[:60])

    assert [len(loop.signatures) for loop in LOOPS] == compiled
    best = records[int(found[0].record_id)]
    assert best.sex == "M" and best.father_name == "Mohan Sharma" and best.dob is not None
    assert 1959 <= best.dob.year <= 1966
    assert len(clusters) == 60


def test_a_loop_whose_compilation_cannot_be_cached_is_compiled_all_the_same() -> None:
    space: dict = {}
    exec("def plus_one(x):\n    return x + 1", space)  # no source file: numba has nowhere to keep a cache of it
    assert kernels.compiled(space["plus_one"])(41) == 42
