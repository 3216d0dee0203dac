"""Checking jurisdiction files feature by feature: repaired, rejected with a reason, merged, overlaps, gaps."""

import json

import pytest

from suraksha.core.errors import InvalidInput
from suraksha.stations.importing import check_features, parse_feature_collection


def feature(name, coords, kind="Polygon", prop="name"):
    return {"type": "Feature", "properties": {prop: name}, "geometry": {"type": kind, "coordinates": coords}}


def square(x, y, d=0.01):
    return [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]


def test_each_bad_feature_gets_its_reason_and_good_ones_pass():
    bowtie = [[[72.0, 19.0], [72.01, 19.01], [72.01, 19.0], [72.0, 19.01], [72.0, 19.0]]]
    features = [
        feature("Good PS", square(72.1, 19.1)),
        feature("Bowtie PS", bowtie),
        feature(None, square(72.2, 19.2)),
        feature("Point PS", [72.3, 19.3], kind="Point"),
        {"type": "Feature", "properties": {"name": "Broken PS"}, "geometry": {"type": "Polygon", "coordinates": "x"}},
        feature("Far PS", square(500, 19)),
    ]
    stations, report = check_features(features, "testcity")
    by_index = {f.index: f for f in report.features}
    assert [s.name for s in stations] == ["Good PS", "Bowtie PS"]
    assert by_index[0].status == "imported"
    assert by_index[1].status == "repaired" and "Self-intersection" in by_index[1].reasons[0]
    assert by_index[2].status == "rejected" and "'name'" in by_index[2].reasons[0]
    assert by_index[3].status == "rejected" and "not a polygon" in by_index[3].reasons[0]
    assert by_index[4].status == "rejected" and "cannot be read" in by_index[4].reasons[0]
    assert by_index[5].status == "rejected" and "WGS 84" in by_index[5].reasons[0]
    assert report.rejected == 4


def test_duplicate_names_are_merged_and_reported():
    stations, report = check_features([feature("Twin PS", square(72.0, 19.0)), feature("twin ps", square(72.5, 19.5))], "c")
    assert len(stations) == 1 and stations[0].geometry.geom_type == "MultiPolygon"
    assert report.features[1].status == "merged"
    assert "feature #0" in report.features[1].reasons[0]


def test_overlaps_and_gaps_are_reported():
    ring = [feature(f"S{i}", square(x, y)) for i, (x, y) in enumerate(
        [(72.0, 19.0), (72.01, 19.0), (72.02, 19.0), (72.0, 19.01), (72.02, 19.01), (72.0, 19.02), (72.01, 19.02),
         (72.02, 19.02)])]  # a 3x3 block with the middle missing: a ~1.2 km² hole
    overlapping = feature("Over PS", square(72.005, 19.0, 0.005))
    _, report = check_features([*ring, overlapping], "c")
    assert len(report.gaps) == 1 and 1_000_000 < report.gaps[0]["area_m2"] < 1_300_000
    assert any(set(o["stations"]) == {"S0", "Over PS"} for o in report.overlaps)


def test_a_configurable_name_property():
    stations, _ = check_features([feature("Alpha", square(72, 19), prop="ps_name")], "c", name_property="ps_name")
    assert stations[0].name == "Alpha"


@pytest.mark.parametrize("raw", [b"not json", json.dumps({"type": "Feature"}), json.dumps({"type": "FeatureCollection", "features": []})])
def test_a_file_that_is_not_a_feature_collection_is_refused(raw):
    with pytest.raises(InvalidInput) as err:
        parse_feature_collection(raw)
    assert err.value.code == "invalid_geojson"
