"""The rules of one incident per emergency (incidents.merge_model), without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from suraksha.core.errors import Conflict
from suraksha.incidents import merge_model as m

T = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
RULES = m.MergeRules(radius_m=500, window=timedelta(minutes=30))


def at(lon: float, lat: float, start: int = 0, last: int | None = None) -> m.Sighting:
    return m.Sighting(lon, lat, T + timedelta(minutes=start), T + timedelta(minutes=start if last is None else last))


def test_near_in_place_and_overlapping_in_time_is_suggested_both_ways():
    a, b = at(72.8292, 18.9192), at(72.8295, 18.9205, start=10)
    assert m.suggested(a, b, RULES) and m.suggested(b, a, RULES)


def test_too_far_or_too_late_is_not():
    a = at(72.8292, 18.9192)
    assert not m.suggested(a, at(72.8292, 18.9250), RULES)  # about 650 m north
    assert not m.suggested(a, at(72.8292, 18.9192, start=31), RULES)
    assert m.suggested(at(72.8292, 18.9192, last=40), at(72.8292, 18.9192, start=65), RULES)  # still heard from


def test_the_box_holds_the_circle():
    min_lon, min_lat, max_lon, max_lat = m.box(72.8292, 18.9192, 500)
    for lon, lat in ((72.8292, 18.9192 + 0.0044), (72.8292 + 0.0047, 18.9192)):  # ~490 m north, ~495 m east
        assert m.distance_m(at(72.8292, 18.9192), at(lon, lat)) < 500
        assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


@pytest.mark.parametrize(("args", "code"), [
    (("A", "new", "A", "new", 0), "merge_into_itself"),
    (("A", "merged", "B", "new", 0), "incident_merged"),
    (("A", "closed", "B", "new", 0), "incident_closed"),
    (("A", "new", "B", "closed", 0), "merge_target_not_open"),
    (("A", "new", "B", "merged", 0), "merge_target_not_open"),
    (("A", "dispatched", "B", "new", 1), "merge_unit_assigned"),
])
def test_refusals(args, code):
    with pytest.raises(Conflict) as refused:
        m.check_merge(*args)
    assert refused.value.code == code


def test_what_is_kept():
    m.check_merge("A", "new", "B", "on_scene", 0)  # into an incident with units: fine
    assert m.kept_priority(1, 3) == 1 and m.kept_priority(4, 2) == 2
    assert m.pair(7, 3) == m.pair(3, 7) == (3, 7)
