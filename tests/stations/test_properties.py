"""Properties of the GeoJSON import: any file gives a report or a stable refusal, never another exception.

A feature whose `properties` is not an object (`true`, `[]`, `1`, `"x"`) once raised AttributeError (a 500
from POST /api/v1/stations/import, found by these properties); it is now rejected like one without a name.

Hypothesis, deterministic (`derandomize=True`, no example database) and bounded, so CI is stable.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suraksha.core.errors import InvalidInput
from suraksha.stations.importing import check_features, parse_feature_collection

PROPERTY = settings(max_examples=200, derandomize=True, database=None, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
STATUSES = {"imported", "repaired", "merged", "rejected"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Coordinates near Mumbai, with now and then a wild one (out of range, huge).
coordinate = st.one_of(st.floats(72.7, 73.1), st.floats(18.8, 19.3), st.floats(-1e6, 1e6, allow_nan=False))
position = st.lists(coordinate, min_size=2, max_size=3)


@st.composite
def rings(draw):
    ring = draw(st.lists(position, min_size=0, max_size=7))
    if ring and draw(st.booleans()):
        ring = [*ring, ring[0]]  # closed, as GeoJSON wants (sometimes not)
    return ring


geometries = st.one_of(
    st.fixed_dictionaries({"type": st.just("Polygon"), "coordinates": st.lists(rings(), max_size=3)}),
    st.fixed_dictionaries({"type": st.just("MultiPolygon"),
                           "coordinates": st.lists(st.lists(rings(), max_size=2), max_size=3)}),
    st.fixed_dictionaries({"type": st.sampled_from(["Point", "LineString", "GeometryCollection", "Polygonx"]),
                           "coordinates": json_values}),
    json_values,
)
names = st.one_of(st.sampled_from(["Colaba", "colaba ", "Worli", ""]), st.text(max_size=12), json_values)
features = st.one_of(
    st.fixed_dictionaries({"type": st.just("Feature"), "geometry": geometries},
                          optional={"properties": st.one_of(st.fixed_dictionaries({"name": names}), st.none(),
                                                            st.dictionaries(st.text(max_size=8), json_values),
                                                            json_values)}),
    json_values,
)
documents = st.one_of(
    st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": st.lists(features, max_size=5)}),
    json_values,
)


@PROPERTY
@given(st.one_of(documents.map(json.dumps), st.binary(max_size=200), st.text(max_size=200)))
def test_any_file_gives_a_report_or_a_stable_refusal(raw):
    try:
        found = parse_feature_collection(raw)
    except InvalidInput as exc:
        assert exc.code == "invalid_geojson"
        return
    stations, report = check_features(found, "mumbai")
    assert len(report.features) == len(found)
    assert all(entry.status in STATUSES for entry in report.features)
    assert len(stations) == sum(entry.status in ("imported", "repaired") for entry in report.features)
    for station in stations:
        assert station.geometry.geom_type in ("Polygon", "MultiPolygon") and station.geometry.area > 0


def test_properties_that_are_not_an_object_reject_the_feature():
    found = parse_feature_collection(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": True, "geometry": {"type": "Polygon", "coordinates": []}}]}))
    _, report = check_features(found, "mumbai")
    assert report.features[0].status == "rejected"
