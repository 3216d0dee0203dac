"""The in-memory jurisdiction lookup: inside, overlap, nearest within the gap distance, none."""

import numpy as np
import pytest
import shapely

from suraksha.stations.lookup import JurisdictionIndex, Shape
from suraksha.stations.model import Match

# Two squares side by side with a 0.01° (~1 km) gap, and a small square overlapping the left one.
LEFT = shapely.box(72.80, 19.00, 72.85, 19.05)
RIGHT = shapely.box(72.86, 19.00, 72.91, 19.05)
SMALL = shapely.box(72.84, 19.02, 72.845, 19.025)


@pytest.fixture
def index():
    return JurisdictionIndex([Shape(1, "testcity", LEFT), Shape(2, "testcity", RIGHT), Shape(3, "testcity", SMALL)],
                             gap_distance_m=2000)


def test_inside_one_polygon(index):
    assert index.resolve(72.82, 19.01) == (1, Match.INSIDE, 0.0)
    assert index.resolve(72.90, 19.04)[:2] == (2, Match.INSIDE)


def test_overlap_picks_the_smaller_polygon_and_says_so(index):
    assert index.resolve(72.842, 19.022)[:2] == (3, Match.OVERLAP)


def test_gap_goes_to_the_nearest_polygon_within_the_distance(index):
    station, match, distance = index.resolve(72.8575, 19.02)  # 0.0075° from LEFT, 0.0025° from RIGHT
    assert (station, match) == (2, Match.NEAREST)
    assert 200 < distance < 300


def test_beyond_the_gap_distance_is_nobodys(index):
    station, match, _ = index.resolve(72.70, 19.02)  # ~10 km west
    assert (station, match) == (None, Match.NONE)


def test_gap_distance_is_configurable():
    small_gap = JurisdictionIndex([Shape(1, "c", LEFT)], gap_distance_m=100)
    assert small_gap.resolve(72.853, 19.02)[1] is Match.NONE  # ~315 m east of LEFT
    assert JurisdictionIndex([Shape(1, "c", LEFT)], gap_distance_m=500).resolve(72.853, 19.02)[1] is Match.NEAREST


def test_bulk_lookup_agrees_with_single_lookups(index):
    rng = np.random.default_rng(3)
    lons, lats = rng.uniform(72.75, 72.96, 4000), rng.uniform(18.97, 19.08, 4000)
    ids, codes = index.resolve_many(lons, lats)
    names = {0: Match.NONE, 1: Match.NEAREST, 2: Match.OVERLAP, 3: Match.INSIDE}
    for k in range(0, 4000, 7):
        sid, match, _ = index.resolve(lons[k], lats[k])
        assert (sid or -1, match) == (ids[k], names[codes[k]])
    assert set(np.unique(codes)) == {0, 1, 2, 3}


def test_stations_of_separate_cities_do_not_interfere():
    far = shapely.box(77.5, 12.9, 77.6, 13.0)
    idx = JurisdictionIndex([Shape(1, "a", LEFT), Shape(2, "b", far)])
    assert idx.resolve(77.55, 12.95)[:2] == (2, Match.INSIDE)
    assert idx.resolve(72.82, 19.01)[:2] == (1, Match.INSIDE)
