"""The Splink baseline of the evaluation is configured as Splink's documentation recommends.

The configuration is checked without Splink; building and running the model is skipped when Splink (the
`bench` extra) is not installed.
"""

from datetime import date

import pytest

from suraksha.registry.matching.record import PersonRecord
from suraksha_lab.registry import evaluate
from suraksha_lab.registry.synth import generate


def test_several_blocking_rules_tf_and_em_over_more_than_one_rule() -> None:
    prediction = evaluate.SPLINK_PREDICTION_RULES
    assert len(prediction) >= 5 and len(set(prediction)) == len(prediction)
    # name parts, sound-alike keys, birth year, father's name and date of birth all open some block
    used = {column for rule in prediction for column in rule}
    assert {"first_name", "surname", "first_name_phonetic", "birth_year", "father_first", "dob"} <= used
    training = evaluate.SPLINK_TRAINING_RULES
    assert len(set(training)) >= 2
    # together the EM sessions estimate m for every comparison: no column is in every training rule
    assert not set.intersection(*(set(rule) for rule in training))
    assert {"first_name", "surname"} <= set(evaluate.SPLINK_TF_COLUMNS)
    assert evaluate.SPLINK_DETERMINISTIC_RULES and 0 < evaluate.SPLINK_DETERMINISTIC_RECALL <= 1
    assert evaluate.SPLINK_U_MAX_PAIRS >= 1e7 and evaluate.SPLINK_SEED is not None
    assert len(evaluate.SPLINK_THRESHOLDS) >= 10
    text = "\n".join(evaluate.splink_configuration())
    assert "oracle" in text and "term-frequency" in text and "EM on 3 blocking rules" in text


def test_table_keeps_defaults_and_ages_as_years_only() -> None:
    records = [
        PersonRecord("a", "Maharashtra", "Poona", "Shri Ramesh Kumar Patil", father_name="S/o Suresh Patil",
                     sex="M", dob=date(1985, 6, 12)),
        PersonRecord("b", "MH", "Pune", "R. Patil", father_name="", sex="M", dob=date(1985, 1, 1)),
        PersonRecord("c", "mh", "Pune", "Patil Ramesh @ Pappu", sex="M", age=38, age_as_of=date(2023, 8, 1)),
    ]
    table = evaluate.splink_table(records)
    assert table["first_name"] == ["ramesh", "patil", "patil"]
    assert table["surname"] == ["patil", None, "ramesh"]
    assert table["name_words"][0] == ["kumar", "patil", "ramesh"]
    assert table["father_name"] == ["suresh patil", None, None]
    assert table["dob"] == ["1985-06-12", None, None]  # 1 January is a registry default: year only
    assert table["birth_year"] == [1985, 1985, 1985]
    assert table["state"] == ["MH", "MH", "MH"] and table["district"][0] == table["district"][1] == "pune"
    assert table["first_name_codes"][0] and table["first_name_phonetic"][0] in table["first_name_codes"][0]


def test_settings_have_levels_and_term_frequencies() -> None:
    pytest.importorskip("splink")
    settings = evaluate._splink_settings().create_settings_dict("duckdb")
    rules = settings["blocking_rules_to_generate_predictions"]
    assert len(rules) == len(evaluate.SPLINK_PREDICTION_RULES) + 1
    comparisons = {c["output_column_name"]: c["comparison_levels"] for c in settings["comparisons"]}
    assert {"name", "father_name", "date_of_birth", "place"} <= comparisons.keys()
    tf = {level.get("tf_adjustment_column") for levels in comparisons.values() for level in levels}
    assert {"first_name", "surname", "full_name", "father_name", "district"} <= tf
    assert len(comparisons["name"]) >= 8 and len(comparisons["date_of_birth"]) >= 6


def test_splink_runs_on_a_small_registry() -> None:
    pytest.importorskip("splink")
    records, truth = generate(300, seed=4)
    scores = evaluate.run_splink(records, truth, thresholds=(0.5, 0.9))
    assert scores.threshold in (0.5, 0.9)
    assert scores.f1 > 0.6, scores
