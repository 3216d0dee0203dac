"""The in-memory FleetIndex: it answers like ranking every unit by hand, and follows every change."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from suraksha.core.geo import Point, haversine_m
from suraksha.dispatch import model
from suraksha.dispatch.fleet import FleetIndex, FleetUnit
from suraksha.dispatch.model import UnitKind, UnitStatus

NOW = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)  # 10:00 IST, peak traffic
TEN_MIN = timedelta(minutes=10)
CHURCHGATE = (72.8273, 18.9353)
K, S = UnitKind, UnitStatus


def unit(id_: int, lon: float, lat: float, *, kind=K.PATROL_VAN, status=S.AVAILABLE, age_min: float | None = 1.0):
    at = None if age_min is None else NOW - timedelta(minutes=age_min)
    return FleetUnit(id_, f"MUM-{id_:04d}", kind, 100 + id_ % 3, status, lon, lat, at)


def east_of(origin: tuple[float, float], metres: float) -> tuple[float, float]:
    """A point `metres` east of origin (close enough at city scale)."""
    lon, lat = origin
    return lon + metres / (111_320.0 * 0.9459), lat


def ids(found) -> list[int]:
    return [c.unit_id for c in found]


def fleet(*units: FleetUnit, capacity: int = 1024) -> FleetIndex:
    index = FleetIndex(road_factor=1.4, stale_after=TEN_MIN, capacity=capacity)
    for u in units:
        index.upsert(u)
    return index


def test_only_available_units_are_recommended_nearest_first():
    index = fleet(
        unit(1, *east_of(CHURCHGATE, 900)),
        unit(2, *east_of(CHURCHGATE, 300)),
        unit(3, *east_of(CHURCHGATE, 100), status=S.DISPATCHED),
        unit(4, *east_of(CHURCHGATE, 200), status=S.OUT_OF_SERVICE),
    )
    found = index.nearest(*CHURCHGATE, NOW, limit=5)
    assert ids(found) == [2, 1]
    first = found[0]
    assert first.distance_m == pytest.approx(300, rel=0.01)
    assert first.eta_seconds == pytest.approx(model.travel_seconds(first.distance_m, K.PATROL_VAN, NOW, 1.4))
    assert first.call_sign == "MUM-0002" and first.home_station_id == 102 and first.status is S.AVAILABLE
    assert first.position_age_seconds == pytest.approx(60)


def test_status_changes_take_units_out_and_bring_them_back():
    index = fleet(unit(1, *east_of(CHURCHGATE, 100)), unit(2, *east_of(CHURCHGATE, 500)))
    index.set_status(1, S.DISPATCHED)
    assert ids(index.nearest(*CHURCHGATE, NOW, limit=1)) == [2]
    index.set_status(1, S.AVAILABLE)
    assert ids(index.nearest(*CHURCHGATE, NOW, limit=1)) == [1]
    assert index.get(1).status is S.AVAILABLE


def test_a_move_changes_the_order_and_refreshes_a_stale_position():
    index = fleet(unit(1, *east_of(CHURCHGATE, 2000), age_min=30), unit(2, *east_of(CHURCHGATE, 1000)))
    found = index.nearest(*CHURCHGATE, NOW, limit=2)
    assert ids(found) == [2, 1] and [c.stale for c in found] == [False, True]
    index.move(1, *east_of(CHURCHGATE, 50), NOW)
    found = index.nearest(*CHURCHGATE, NOW, limit=2)
    assert ids(found) == [1, 2] and not found[0].stale
    assert found[0].distance_m == pytest.approx(50, rel=0.01)
    assert index.get(1).position_at == NOW


def test_stale_positions_and_units_without_a_fix_rank_after_every_fresh_one():
    index = fleet(
        unit(1, *east_of(CHURCHGATE, 10), age_min=11),  # right there, but 11 minutes ago
        unit(2, *east_of(CHURCHGATE, 20), age_min=None),  # never sent a position
        unit(3, *east_of(CHURCHGATE, 8000), age_min=9.9),
    )
    found = index.nearest(*CHURCHGATE, NOW, limit=3)
    assert ids(found) == [3, 1, 2]
    assert [c.stale for c in found] == [False, True, True]
    assert found[2].position_age_seconds is None
    later = NOW + timedelta(minutes=1)  # now unit 3's position is stale too: distance decides
    assert ids(index.nearest(*CHURCHGATE, later, limit=3)) == [1, 2, 3]


def test_a_beat_marshal_farther_away_can_beat_many_nearer_vans():
    vans = [unit(i, *east_of(CHURCHGATE, 1000 + i)) for i in range(1, 60)]
    marshal = unit(99, *east_of(CHURCHGATE, 1150), kind=K.BEAT_MARSHAL)  # 1150 / 1.2 < 1001
    index = fleet(*vans, marshal)
    found = index.nearest(*CHURCHGATE, NOW, limit=1)
    assert ids(found) == [99]
    assert found[0].kind is K.BEAT_MARSHAL


def test_units_waiting_at_the_same_anchor_are_ordered_by_call_sign():
    index = fleet(*(unit(i, *east_of(CHURCHGATE, 700), age_min=None) for i in (3, 1, 2, 4)))
    assert ids(index.nearest(*CHURCHGATE, NOW, limit=2)) == [1, 2]


def test_fewer_available_units_than_asked_and_none_at_all():
    index = fleet(unit(1, *CHURCHGATE), unit(2, *CHURCHGATE, status=S.ON_SCENE))
    assert ids(index.nearest(*CHURCHGATE, NOW, limit=5)) == [1]
    index.set_status(1, S.EN_ROUTE)
    assert index.nearest(*CHURCHGATE, NOW, limit=5) == []
    assert fleet().nearest(*CHURCHGATE, NOW) == []
    assert index.nearest(*CHURCHGATE, NOW, limit=0) == []


def test_the_index_grows_past_its_capacity_and_updates_in_place():
    index = fleet(capacity=2)
    for i in range(1, 8):
        index.upsert(unit(i, *east_of(CHURCHGATE, 100 * i)))
    assert len(index) == 7
    index.upsert(unit(3, *east_of(CHURCHGATE, 5), kind=K.BEAT_MARSHAL))  # same id: updated, not added
    assert len(index) == 7
    assert ids(index.nearest(*CHURCHGATE, NOW, limit=3)) == [3, 1, 2]
    assert index.get(3).kind is K.BEAT_MARSHAL and index.get(42) is None


def test_load_replaces_everything():
    index = fleet(unit(1, *CHURCHGATE))
    index.load([unit(5, *east_of(CHURCHGATE, 10)), unit(6, *east_of(CHURCHGATE, 20))])
    assert len(index) == 2 and index.get(1) is None
    assert ids(index.nearest(*CHURCHGATE, NOW, limit=5)) == [5, 6]
    with pytest.raises(KeyError):
        index.move(1, *CHURCHGATE, NOW)


def _by_hand(units: list[FleetUnit], lon: float, lat: float, limit: int) -> list[int]:
    """Rank every unit with the model's rules and the plain haversine."""
    candidates = []
    for u in units:
        if u.status is not S.AVAILABLE:
            continue
        d = haversine_m(Point(lon, lat), Point(u.lon, u.lat))
        candidates.append(model.Candidate(
            u.id, u.call_sign, u.kind, u.home_station_id, u.status, d,
            model.travel_seconds(d, u.kind, NOW, 1.4), model.is_stale(u.position_at, NOW, TEN_MIN), None,
        ))
    return ids(model.rank(candidates, limit))


def test_the_index_agrees_with_ranking_every_unit_by_hand():
    rng = random.Random(20261122)
    kinds, statuses = list(K), [S.AVAILABLE] * 6 + [S.DISPATCHED, S.ON_SCENE, S.OUT_OF_SERVICE]
    units = [
        unit(i, rng.uniform(72.77, 72.99), rng.uniform(18.89, 19.28), kind=rng.choice(kinds),
             status=rng.choice(statuses), age_min=rng.choice([None, 0.5, 5.0, 15.0, 60.0]))
        for i in range(1, 1501)
    ]
    index = FleetIndex(1.4, TEN_MIN)
    index.load(units)
    for _ in range(40):
        lon, lat, limit = rng.uniform(72.77, 72.99), rng.uniform(18.89, 19.28), rng.choice([1, 5, 12])
        assert ids(index.nearest(lon, lat, NOW, limit)) == _by_hand(units, lon, lat, limit)
    far_away = (77.59, 12.97)  # Bengaluru: nothing near, the ring widens until it finds Mumbai's units
    assert ids(index.nearest(*far_away, NOW, 5)) == _by_hand(units, *far_away, 5)
