"""Name normalisation: titles, variants, transliteration, phonetic keys, initials."""

from suraksha.registry.matching.geo import canonical_district, canonical_state
from suraksha.registry.matching.names import (
    devanagari_to_latin,
    fold_token,
    phonetic_key,
    split_name_field,
    tokenize,
)


def folded(name: str) -> list[str]:
    return [t.folded for t in tokenize(name)]


def test_irfan_spellings_and_script_fold_to_the_same_tokens() -> None:
    expected = folded("Mohd. Irfan Shaikh")
    assert folded("Mohammed Irfaan Sheikh") == expected
    assert folded("मोहम्मद इरफ़ान शेख") == expected
    assert folded("MD IRFAN SHEKH") == expected


def test_titles_are_stripped_and_mohd_is_kept_as_optional() -> None:
    tokens = tokenize("Shri Rajesh Kumaar")
    assert [t.text for t in tokens] == ["rajesh", "kumaar"]
    assert tokens[1].folded == "kumar"
    mohd = tokenize("Late Mohd Irfan")
    assert [t.text for t in mohd] == ["mohd", "irfan"]
    assert mohd[0].optional and not mohd[1].optional


def test_devanagari_transliteration_deletes_schwa() -> None:
    assert devanagari_to_latin("इरफ़ान") == "irfan"
    assert devanagari_to_latin("राजेश") == "rajesh"
    assert devanagari_to_latin("लक्ष्मण") == "lakshman"
    assert devanagari_to_latin("आनंद") == "anand"
    assert devanagari_to_latin("अमरनाथ") == "amarnath"
    assert devanagari_to_latin("नरेंद्र") == "narendra"


def test_spelling_variants_fold_together() -> None:
    assert fold_token("sivaajee") == fold_token("shivaji")
    assert fold_token("laxman") == fold_token("lakshman")
    assert fold_token("tiwary") == fold_token("tiwari")
    assert fold_token("chouhan") == fold_token("chauhan")
    assert fold_token("rajesh") != fold_token("ramesh")


def test_phonetic_key_merges_aspirates_and_vowels() -> None:
    assert phonetic_key(fold_token("thivaaree")) == phonetic_key(fold_token("tiwari"))
    assert phonetic_key(fold_token("osman")) == phonetic_key(fold_token("usman"))
    assert phonetic_key(fold_token("vijay")) == phonetic_key(fold_token("bijay"))
    assert phonetic_key(fold_token("irfan")) != phonetic_key(fold_token("imran"))


def test_initials_are_detected() -> None:
    tokens = tokenize("R.K. Sharma")
    assert [(t.text, t.initial) for t in tokens] == [("r", True), ("k", True), ("sharma", False)]
    assert [t.initial for t in tokenize("RK Sharma")] == [True, True, False]
    assert [t.initial for t in tokenize("Irfan S.")] == [False, True]
    assert [t.initial for t in tokenize("एस. मुरुगन")] == [True, False]


def test_alias_and_relation_markers_are_split() -> None:
    main, aliases, relative = split_name_field("Ramesh Kumar @ Pappu S/o Late Suresh")
    assert main == "Ramesh Kumar"
    assert aliases == ("Pappu",)
    assert [t.text for t in tokenize(relative)] == ["suresh"]
    assert split_name_field("Javed urf Bablu")[1] == ("Bablu",)


def test_places_are_canonical() -> None:
    assert canonical_district("Gurgaon") == canonical_district("Gurugram") == "gurugram"
    assert canonical_district("Allahabad") == "prayagraj"
    assert canonical_district("Bombay") == "mumbai"
    assert canonical_state("Uttar Pradesh") == canonical_state("up") == "UP"
    assert canonical_state("Orissa") == "OD"
