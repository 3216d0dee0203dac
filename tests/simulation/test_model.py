"""The simulator's arithmetic: arrivals shaped by the hour, units split over stations, drives by the hour's speed,
and the figures of a day (plain Python, no database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from suraksha.dispatch.model import UnitKind, speed_kmh
from suraksha.simulation import model
from suraksha.simulation.model import Busy, Outcome

START = datetime(2026, 11, 22, 18, 30, tzinfo=UTC)  # midnight in India


def test_the_day_has_the_stated_rate_and_its_evening_peak():
    assert round(model.daily_rate(91)) == 180  # 1,500 genuine calls a day × 12% women's, for Mumbai's 91 stations
    assert model.daily_rate(10, rate=42.0) == 42.0
    rates = model.hourly_rates(240)
    assert abs(sum(rates) - 240) < 1e-9
    assert max(range(24), key=rates.__getitem__) in range(19, 23)  # 7 to 11 pm
    assert min(range(24), key=rates.__getitem__) in range(2, 6)
    days = [model.arrival_offsets(random.Random(s), 240, 24) for s in range(20)]
    mean = sum(len(d) for d in days) / len(days)
    assert 225 < mean < 255  # a Poisson count of mean 240 (sd 15.5), averaged over 20 days
    evening = sum(1 for d in days for t in d if 19 * 3600 <= t < 23 * 3600)
    small_hours = sum(1 for d in days for t in d if 2 * 3600 <= t < 6 * 3600)
    assert evening > 4 * small_hours
    assert all(0 <= t < 24 * 3600 for d in days for t in d) and all(d == sorted(d) for d in days)
    assert model.arrival_offsets(random.Random(1), 240, 2.5) == model.arrival_offsets(random.Random(1), 240, 2.5)
    assert all(t < 2.5 * 3600 for t in model.arrival_offsets(random.Random(3), 2400, 2.5))


def test_units_are_split_in_proportion_and_none_is_lost():
    assert model.allocate([5, 3, 2], 10) == [5, 3, 2]
    assert model.allocate([1, 1, 1], 2) == [1, 1, 0]
    assert model.allocate([0.6, 0.3, 0.1], 3) == [2, 1, 0]
    assert sum(model.allocate([random.random() for _ in range(91)], 137)) == 137
    assert model.allocate([0, 0], 3) == [2, 1]
    assert model.allocate([1, 2], 0) == [0, 0]


def test_a_drive_takes_the_speed_of_each_hour():
    night = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)  # 01:30 in India: 35 km/h
    kmh = lambda at: speed_kmh(UnitKind.PATROL_VAN, at)  # noqa: E731
    assert abs(model.drive_seconds(3500, night, kmh) - 360) < 1e-6
    # from 05:50 India time: 10 minutes at night speed, then normal traffic (22 km/h) from 06:00
    dawn = datetime(2026, 11, 23, 0, 20, tzinfo=UTC)
    metres = 35 / 3.6 * 600 + 22 / 3.6 * 300
    assert abs(model.drive_seconds(metres, dawn, kmh) - 900) < 1e-6
    assert model.drive_seconds(0, night, kmh) == 0


def test_habits_are_drawn_once_per_incident_and_some_crews_never_answer():
    a, b = model.Habits.draw(random.Random(7)), model.Habits.draw(random.Random(7))
    assert a == b
    many = [model.Habits.draw(random.Random(s)) for s in range(400)]
    assert all(5 <= h.handling_s <= 180 and 300 <= h.scene_s <= 5400 for h in many)
    silent = sum(1 for h in many for ack, _, _ in h.crews if ack is None) / (400 * 8)
    assert 0.02 < silent < 0.09
    assert a.crew(100) == a.crews[-1]


def test_the_figures_account_for_every_incident():
    t = START
    outcomes = [
        Outcome(t, t + timedelta(seconds=20), t + timedelta(seconds=300), t + timedelta(minutes=10), True),
        Outcome(t, t + timedelta(seconds=30), t + timedelta(seconds=660), t + timedelta(minutes=10), True),
        Outcome(t, t + timedelta(seconds=40), t + timedelta(seconds=500), None, True),
        Outcome(t, None, None, t + timedelta(minutes=10), False),  # never reached: a miss, not left out
    ]
    # unit 1 busy for the first half hour; unit 2 from the second hour on, past the end of the 2 hours
    busy = [Busy(1, t, t + timedelta(minutes=30)), Busy(2, t + timedelta(minutes=60), t + timedelta(minutes=150))]
    f = model.summarise(2, outcomes, busy, t, 2, {"not_acknowledged": 1})
    assert (f["incidents"], f["reached"], f["not_reached"], f["closed"]) == (4, 3, 1, 3)
    assert f["response_times"] == [300.0, 500.0, 660.0]
    assert f["response_seconds"]["p50"] == 500.0 and f["response_seconds"]["p90"] == 660.0
    assert f["within_10_minutes"] == 0.5  # 2 of the 4
    assert (f["with_target"], f["within_target"]) == (3, round(1 / 3, 4))
    assert f["utilisation"] == 0.375  # 30 + 60 of the fleet's 2 × 120 minutes
    assert f["utilisation_by_hour"] == [0.25, 0.5]
    assert f["not_acknowledged"] == 1
    assert model.smallest_fleet([{"fleet": 30, "within_10_minutes": 0.95}, {"fleet": 20, "within_10_minutes": 0.9},
                                 {"fleet": 10, "within_10_minutes": 0.5}]) == 20
    assert model.smallest_fleet([{"fleet": 10, "within_10_minutes": None}]) is None
    assert model.nearest_rank([], 0.9) is None and model.nearest_rank([4, 6, 8, 20], 0.9) == 20
