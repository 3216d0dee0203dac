"""JSON text by orjson, with the standard library where orjson refuses: nothing stored before is refused now, and
what is stored reads back the same on both databases."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import select

from suraksha.core import jsontext
from suraksha.migrations.tables import metadata


@pytest.mark.parametrize("value", [
    {"units": [{"unit_id": 7, "lon": 72.8147, "lat": 18.9067, "at": "2026-12-04T20:11:11+00:00", "stale": False}]},
    {"text": "मुझे बचाओ", "n": None, "nested": [1, 2.5, "x"]},
    {"lone": "\ud800 half a pair"},  # Python's json accepts this from a request body; orjson does not
    [1, 2, 3],
])
def test_what_is_written_reads_back_the_same(value):
    assert jsontext.loads(jsontext.dumps(value)) == value
    assert json.loads(jsontext.dumps(value)) == value  # and it is JSON any reader takes


def test_integer_keys_are_written_as_json_writes_them():
    assert json.loads(jsontext.dumps({1: "a", 2: "b"})) == {"1": "a", "2": "b"}


def test_nan_is_written_as_null_and_an_old_rows_nan_still_reads():
    assert json.loads(jsontext.dumps({"x": float("nan")})) == {"x": None}  # valid JSON, which NaN is not
    assert math.isnan(jsontext.loads('{"x": NaN}')["x"])  # written by the standard library before


def test_what_json_cannot_encode_is_still_refused_and_the_lenient_form_writes_its_text():
    with pytest.raises(TypeError):
        jsontext.dumps({"x": object()})
    assert json.loads(jsontext.dumps_lenient({"x": frozenset()}))["x"] == "frozenset()"


def test_a_json_column_round_trips_through_the_database(container):
    events = metadata.tables["events"]
    payload = {"hi": "कोलाबा", "units": [{"unit_id": 1, "lon": 72.8, "at": "2026-12-04T20:11:11+00:00"}], "n": None}
    with container.engine.begin() as conn:  # marked published: the relay leaves it alone
        row_id = conn.execute(events.insert().values(
            type="Probe", payload=payload, occurred_at=container.clock.now(), published_at=container.clock.now())
            .returning(events.c.id)).scalar_one()
    with container.engine.connect() as conn:
        assert conn.execute(select(events.c.payload).where(events.c.id == row_id)).scalar_one() == payload
