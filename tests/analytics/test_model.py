"""The wallboard's rules without a database: ages, the local day, median and 90th percentile, within target."""

from datetime import UTC, datetime, timedelta

import pytest

from suraksha.analytics import model
from suraksha.analytics.model import IncidentTimes

T0 = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)  # 10:00 in Mumbai


@pytest.mark.parametrize(("minutes", "bucket"), [
    (0, "under_5"), (4.99, "under_5"), (5, "5_15"), (14.9, "5_15"), (15, "15_60"), (59.9, "15_60"), (60, "over_60"),
    (600, "over_60"), (-1, "under_5"),
])
def test_age_buckets_include_their_lower_bound(minutes, bucket):
    assert model.age_bucket(T0, T0 + timedelta(minutes=minutes)) == bucket


@pytest.mark.parametrize(("values", "median", "p90"), [
    ([], None, None), ([7], 7, 7), ([4, 6, 8, 20], 7, 20), ([3, 1, 2], 2, 3),
    (list(range(1, 11)), 5.5, 9), (list(range(1, 21)), 10.5, 18), (list(range(1, 101)), 50.5, 90),
])
def test_median_and_the_90th_percentile_by_nearest_rank(values, median, p90):
    assert model.median(values) == median
    assert model.percentile_90(values) == p90


def test_the_day_is_local_midnight_to_midnight():
    assert model.local_day(T0, "Asia/Kolkata").isoformat() == "2026-11-22"
    late = T0 + timedelta(hours=14, minutes=1)  # 00:01 in Mumbai, 18:31 UTC
    assert model.local_day(late, "Asia/Kolkata").isoformat() == "2026-11-23"
    assert not model.same_local_day(T0, late, "Asia/Kolkata")
    assert model.same_local_day(T0, late, "UTC")
    assert model.day_start(T0, "Asia/Kolkata") == datetime(2026, 11, 21, 18, 30, tzinfo=UTC)


def times(arrive: float | None = None, *, deadline: float | None = 10, closed: bool = False, action: float | None = None,
          dispatch: float | None = None) -> IncidentTimes:
    at = lambda m: T0 + timedelta(minutes=m) if m is not None else None  # noqa: E731
    return IncidentTimes(1, T0, model.answered_at(at(action), at(dispatch)), at(dispatch), at(arrive), at(deadline),
                         10 if deadline is not None else None, closed)


def test_within_target_is_known_only_when_the_outcome_is():
    now = T0 + timedelta(minutes=30)
    assert times(10).within_target(now) is True  # on the deadline itself
    assert times(10.1).within_target(now) is False
    assert times(None).within_target(now) is False  # open, deadline passed
    assert times(None).within_target(T0 + timedelta(minutes=5)) is None  # still within it
    assert times(None, closed=True).within_target(now) is None  # closed without a unit: not counted
    assert times(3, deadline=None).within_target(now) is None  # no target


def test_answer_is_the_first_action_or_dispatch():
    assert times(action=0.5, dispatch=1).seconds("answer") == 30
    assert times(action=3, dispatch=1).seconds("answer") == 60
    assert times().seconds("answer") is None
    day = model.day_figures(1, [times(4, dispatch=1), times(6, dispatch=2), times(None, closed=True, action=1)],
                            T0 + timedelta(minutes=30))
    assert day.incidents == 3 and (day.within_target, day.decided, day.share_within_target) == (2, 2, 1.0)
    assert day.spreads["answer"] == model.Spread(3, 60, 120)
    assert day.spreads["arrival"] == model.Spread(2, 300, 360)
