"""Dispatch rules without I/O: travel time by the hour in India, positions, transitions, ranking, batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from suraksha.core.auth import Locus, Principal, Role, ScopeKind
from suraksha.core.errors import Conflict, InvalidInput
from suraksha.dispatch import model
from suraksha.dispatch.model import Candidate, PositionBatch, UnitKind, UnitStatus

UTC = UTC
NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)  # 10:00 IST
S = UnitStatus


@pytest.mark.parametrize(
    ("utc", "band"),
    [
        ("2026-11-22T01:29:00", "normal traffic"),  # 06:59 IST
        ("2026-11-22T01:30:00", "peak traffic"),  # 07:00 IST
        ("2026-11-22T05:29:00", "peak traffic"),  # 10:59 IST
        ("2026-11-22T05:30:00", "normal traffic"),  # 11:00 IST
        ("2026-11-22T11:30:00", "peak traffic"),  # 17:00 IST
        ("2026-11-22T15:29:00", "peak traffic"),  # 20:59 IST
        ("2026-11-22T15:30:00", "normal traffic"),  # 21:00 IST
        ("2026-11-22T16:30:00", "night"),  # 22:00 IST
        ("2026-11-22T20:00:00", "night"),  # 01:30 IST the next day: the date changes before UTC's
        ("2026-11-22T00:29:00", "night"),  # 05:59 IST
        ("2026-11-22T00:30:00", "normal traffic"),  # 06:00 IST
    ],
)
def test_traffic_band_follows_the_hour_in_india_not_utc(utc, band):
    assert model.traffic_band(datetime.fromisoformat(utc).replace(tzinfo=UTC)).name == band


def test_a_time_given_in_another_zone_is_converted_to_ist():
    ist_0730 = datetime(2026, 11, 22, 7, 30, tzinfo=model.IST)
    new_york_2100 = datetime(2026, 11, 21, 21, 0, tzinfo=timezone(timedelta(hours=-5)))  # 07:30 IST
    assert model.traffic_band(ist_0730) is model.PEAK
    assert model.traffic_band(new_york_2100) is model.PEAK


def test_travel_time_is_distance_times_road_factor_over_speed():
    # 1 km at peak (15 km/h) by road (x1.4): 1.4 km / 4.1667 m/s = 336 s
    assert model.travel_seconds(1000, UnitKind.PATROL_VAN, NOW, 1.4) == pytest.approx(336.0)
    assert model.travel_seconds(1000, UnitKind.NIRBHAYA_SQUAD, NOW, 1.4) == pytest.approx(336.0)
    assert model.travel_seconds(1000, UnitKind.BEAT_MARSHAL, NOW, 1.4) == pytest.approx(280.0)  # x1.2 speed
    night = datetime(2026, 11, 22, 18, 0, tzinfo=UTC)  # 23:30 IST
    assert model.travel_seconds(1000, UnitKind.PATROL_VAN, night, 1.4) == pytest.approx(1400 / (35 / 3.6))
    assert model.fastest_travel_seconds(1000, NOW, 1.4) == pytest.approx(280.0)


def test_a_position_is_stale_after_the_configured_minutes_or_when_there_is_none():
    ten = timedelta(minutes=10)
    assert not model.is_stale(NOW - ten, NOW, ten)
    assert model.is_stale(NOW - ten - timedelta(seconds=1), NOW, ten)
    assert model.is_stale(None, NOW, ten)
    assert model.position_age_seconds(NOW - timedelta(seconds=90), NOW) == 90
    assert model.position_age_seconds(NOW + timedelta(seconds=30), NOW) == 0  # slightly ahead: not negative
    assert model.position_age_seconds(None, NOW) is None


@pytest.mark.parametrize(
    ("lon", "lat", "at", "reason"),
    [
        (72.8, 91.0, NOW, "range"),
        (-180.5, 19.0, NOW, "range"),
        (float("nan"), 19.0, NOW, "range"),
        (None, 19.0, NOW, "range"),
        (72.8, 19.0, NOW + timedelta(seconds=61), "in_future"),
        (72.8, 19.0, datetime(2026, 11, 22, 4, 30), "naive_time"),
    ],
)
def test_impossible_positions_are_refused(lon, lat, at, reason):
    with pytest.raises(InvalidInput) as e:
        model.check_position(lon, lat, at, NOW)
    assert e.value.code == "invalid_position"
    assert e.value.details["reason"] == reason


def test_a_position_up_to_a_minute_ahead_is_accepted():
    model.check_position(72.8, 19.0, NOW + timedelta(seconds=60), NOW)
    model.check_position(-180.0, -90.0, NOW - timedelta(days=1), NOW)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.AVAILABLE, S.DISPATCHED), (S.AVAILABLE, S.OUT_OF_SERVICE), (S.DISPATCHED, S.EN_ROUTE),
        (S.DISPATCHED, S.ON_SCENE), (S.DISPATCHED, S.AVAILABLE), (S.EN_ROUTE, S.ON_SCENE),
        (S.EN_ROUTE, S.AVAILABLE), (S.ON_SCENE, S.AVAILABLE), (S.OUT_OF_SERVICE, S.AVAILABLE),
    ],
)
def test_allowed_transitions(current, target):
    model.check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.AVAILABLE, S.ON_SCENE),  # on scene without a dispatch
        (S.AVAILABLE, S.EN_ROUTE),
        (S.AVAILABLE, S.AVAILABLE),
        (S.DISPATCHED, S.OUT_OF_SERVICE),  # out of service while on an assignment
        (S.EN_ROUTE, S.OUT_OF_SERVICE),
        (S.ON_SCENE, S.OUT_OF_SERVICE),
        (S.ON_SCENE, S.EN_ROUTE),
        (S.EN_ROUTE, S.DISPATCHED),
        (S.OUT_OF_SERVICE, S.DISPATCHED),
        (S.OUT_OF_SERVICE, S.ON_SCENE),
    ],
)
def test_refused_transitions(current, target):
    with pytest.raises(Conflict) as e:
        model.check_transition(current, target)
    assert e.value.code == "invalid_transition"
    assert e.value.details == {"current": current.value, "requested": target.value}


def test_only_crew_statuses_can_be_reported_dispatch_comes_from_an_assignment():
    assert model.check_reportable("on_scene") is S.ON_SCENE
    for bad in ("dispatched", "parked", ""):
        with pytest.raises(InvalidInput) as e:
            model.check_reportable(bad)
        assert e.value.code == "invalid_status"


def test_only_an_available_unit_can_be_assigned():
    model.check_assignable(S.AVAILABLE, "MUM-NS-014")
    with pytest.raises(Conflict) as e:
        model.check_assignable(S.EN_ROUTE, "MUM-NS-014")
    assert e.value.code == "unit_not_available"


def test_call_signs_and_kinds():
    assert model.normalise_call_sign(" mum-ns-014 ") == "MUM-NS-014"
    for bad in ("M", "MUM NS 014", "MUM--014", "-MUM", "MUM/14"):
        with pytest.raises(InvalidInput) as e:
            model.normalise_call_sign(bad)
        assert e.value.code == "invalid_call_sign"
    assert model.check_kind("beat_marshal") is UnitKind.BEAT_MARSHAL
    with pytest.raises(InvalidInput) as e:
        model.check_kind("helicopter")
    assert e.value.code == "invalid_kind"


def _candidate(call_sign: str, eta: float, stale: bool = False, age: float | None = 60.0) -> Candidate:
    return Candidate(1, call_sign, UnitKind.PATROL_VAN, 7, S.AVAILABLE, eta * 4, eta, stale, age)


def test_fresh_positions_rank_before_stale_ones_then_by_travel_time_then_call_sign():
    near_but_stale = _candidate("A-1", 30, stale=True, age=1500)
    no_fix = _candidate("A-2", 10, stale=True, age=None)
    far_fresh = _candidate("Z-9", 900)
    close_fresh = _candidate("M-5", 120)
    tie = _candidate("B-3", 120)
    ranked = model.rank([near_but_stale, no_fix, far_fresh, close_fresh, tie], limit=10)
    assert [c.call_sign for c in ranked] == ["B-3", "M-5", "Z-9", "A-2", "A-1"]
    assert [c.call_sign for c in model.rank([near_but_stale, far_fresh, close_fresh], limit=2)] == ["M-5", "Z-9"]


def test_the_reason_says_why_a_stale_unit_is_ranked_lower():
    stale = model.reason(_candidate("A-1", 300, stale=True, age=25 * 60), NOW, location_known=True)
    assert "25 min old" in stale and "ranked after units with a fresh position" in stale
    fresh = model.reason(_candidate("A-1", 300), NOW, location_known=True)
    assert fresh.startswith("1.2 km away, about 5 min at 15 km/h (peak traffic)") and "ranked after" not in fresh
    unknown = model.reason(_candidate("A-1", 300), NOW, location_known=False)
    assert "location unknown" in unknown and "only as a guide" in unknown and "km" not in unknown
    assert "no GPS fix yet" in model.reason(_candidate("A-1", 300, stale=True, age=None), NOW, True)


def test_who_may_act_for_a_unit():
    crew = Principal(1, "r", Role.RESPONDER, ScopeKind.STATION, "7")
    mumbai = Principal(2, "d", Role.DISPATCHER, ScopeKind.CITY, "mumbai")
    bengaluru = Principal(3, "o", Role.DISPATCHER, ScopeKind.CITY, "bengaluru")
    maharashtra = Principal(4, "s", Role.DISPATCHER, ScopeKind.STATE, "MH")
    roles = frozenset({Role.RESPONDER, Role.DISPATCHER})
    home = Locus(7, "mumbai", "MH")
    assert model.may_act_for_unit(crew, 5, home, crew_unit_id=5, roles=roles)
    assert not model.may_act_for_unit(crew, 6, home, crew_unit_id=5, roles=roles)  # not their unit
    assert not model.may_act_for_unit(crew, 5, home, crew_unit_id=None, roles=roles)
    assert model.may_act_for_unit(mumbai, 5, home, None, roles)
    assert not model.may_act_for_unit(bengaluru, 5, home, None, roles)
    assert not model.may_act_for_unit(mumbai, 5, home, None, frozenset({Role.ADMIN}))
    assert model.may_act_for_unit(maharashtra, 5, home, None, roles)  # a state-wide account covers Mumbai's units
    assert not model.may_act_for_unit(maharashtra, 5, Locus(9, "bengaluru", "KA"), None, roles)


class _Unit:
    def __init__(self, id_: int, call_sign: str) -> None:
        self.id, self.call_sign = id_, call_sign


def test_a_gateway_batch_keeps_good_fixes_and_reports_each_bad_one():
    items = [
        {"unit_id": 1, "lon": 72.80, "lat": 19.00, "recorded_at": NOW - timedelta(minutes=2)},
        {"call_sign": "mum-ns-2", "lon": 72.81, "lat": 19.01},
        {"unit_id": 1, "lon": 72.82, "lat": 19.02, "recorded_at": NOW - timedelta(minutes=1)},  # newer
        {"unit_id": 1, "lon": 72.83, "lat": 190.0},  # impossible
        {"lon": 72.8, "lat": 19.0},  # no unit
        {"unit_id": 99, "lon": 72.8, "lat": 19.0},  # unknown
        {"unit_id": 3, "lon": 72.8, "lat": 19.0},  # not theirs
        {"unit_id": "x", "lon": 72.8, "lat": 19.0},  # unreadable
    ]
    batch = PositionBatch(items, NOW)
    assert batch.keys() == ({1, 3, 99}, {"MUM-NS-2"})
    batch.resolve([_Unit(1, "MUM-NS-1"), _Unit(2, "MUM-NS-2"), _Unit(3, "MUM-NS-3")])
    batch.authorise(lambda unit: unit.id != 3)
    assert [r["unit_id"] for r in batch.history_rows()] == [1, 2, 1]
    latest = {unit.id: fix for unit, fix in batch.latest_per_unit()}
    assert latest[1] == (72.82, 19.02, NOW - timedelta(minutes=1))
    assert latest[2] == (72.81, 19.01, NOW)
    report = batch.report()
    assert report["accepted"] == 3
    assert [(r["index"], r["code"]) for r in report["rejected"]] == [
        (3, "invalid_position"), (4, "unit_missing"), (5, "unit_not_found"), (6, "not_your_unit"),
        (7, "invalid_position"),
    ]


def test_a_batch_has_a_size_limit():
    with pytest.raises(InvalidInput) as e:
        PositionBatch([{"unit_id": 1, "lon": 72.8, "lat": 19.0}] * (model.MAX_BATCH + 1), NOW)
    assert e.value.code == "too_many_positions"
