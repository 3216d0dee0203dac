"""Checking a jurisdiction GeoJSON before it is stored: repair, reject, merge, and report overlaps and gaps."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

from suraksha.core.errors import InvalidInput
from suraksha.stations.model import FeatureReport, ImportReport

OVERLAP_MIN_SHARE = 0.01  # report overlaps above 1% of the smaller polygon
GAP_MIN_M2 = 10_000.0  # report holes in the coverage larger than one hectare


@dataclass
class CheckedStation:
    name: str
    geometry: shapely.Geometry  # valid Polygon or MultiPolygon, WGS 84


def parse_feature_collection(raw: bytes | str) -> list[dict]:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the file is not JSON: {exc}", code="invalid_geojson") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput("the file is not a GeoJSON FeatureCollection", code="invalid_geojson")
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput("the FeatureCollection has no features", code="invalid_geojson")
    return features


def check_features(features: list[dict], city: str, name_property: str = "name"):
    """Validate every feature. Returns (stations to store, report)."""
    report = ImportReport(city=city)
    kept: dict[str, CheckedStation] = {}
    first_index: dict[str, int] = {}
    for i, feature in enumerate(features):
        entry, checked = _check_one(i, feature, name_property)
        report.features.append(entry)
        if checked is None:
            continue
        key = checked.name.casefold()
        if key in kept:
            kept[key].geometry = shapely.make_valid(shapely.union(kept[key].geometry, checked.geometry))
            entry.status = "merged"
            entry.reasons.append(f"duplicate name: merged into feature #{first_index[key]}")
        else:
            kept[key], first_index[key] = checked, i
    stations = list(kept.values())
    report.overlaps = find_overlaps(stations)
    report.gaps = find_gaps(stations)
    return stations, report


def _check_one(i: int, feature: dict, name_property: str) -> tuple[FeatureReport, CheckedStation | None]:
    props = feature.get("properties") if isinstance(feature, dict) else None
    props = props if isinstance(props, dict) else {}  # GeoJSON allows null; anything else has no name either
    name = props.get(name_property)
    name = " ".join(str(name).split()) if name is not None else ""
    entry = FeatureReport(index=i, name=name or None, status="imported")
    if not name:
        return _reject(entry, f"no {name_property!r} property")
    try:
        geom = shape(feature["geometry"])
    except Exception as exc:  # shapely raises many kinds for malformed input
        return _reject(entry, f"geometry cannot be read: {exc}")
    if geom.is_empty:
        return _reject(entry, "empty geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return _reject(entry, "coordinates are not WGS 84 longitude/latitude")
    if not shapely.is_valid(geom):
        reason = shapely.is_valid_reason(geom)
        geom = _polygonal_part(shapely.make_valid(geom))
        if geom is None:
            return _reject(entry, f"invalid geometry could not be repaired ({reason})")
        entry.status = "repaired"
        entry.reasons.append(f"invalid geometry repaired ({reason})")
    geom = _polygonal_part(geom)
    if geom is None:
        return _reject(entry, "not a polygon or multipolygon")
    return entry, CheckedStation(name=name, geometry=geom)


def _reject(entry: FeatureReport, reason: str) -> tuple[FeatureReport, None]:
    entry.status = "rejected"
    entry.reasons.append(reason)
    return entry, None


def _polygonal_part(geom: shapely.Geometry) -> shapely.Geometry | None:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom if geom.area > 0 else None
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon") and g.area > 0]
    return shapely.union_all(parts) if parts else None


def _m2_per_deg2(lat: float) -> float:
    return 111_320.0 * math.cos(math.radians(lat)) * 110_574.0


def find_overlaps(stations: list[CheckedStation]) -> list[dict]:
    """Pairs whose shared area exceeds 1% of the smaller polygon."""
    if len(stations) < 2:
        return []
    geoms = np.array([s.geometry for s in stations])
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    smaller = np.minimum(shapely.area(geoms[left]), shapely.area(geoms[right]))
    out = []
    for a, b, area, small in zip(left, right, shared, smaller):
        if small > 0 and area / small > OVERLAP_MIN_SHARE:
            lat = geoms[a].centroid.y
            out.append({
                "stations": [stations[a].name, stations[b].name],
                "area_m2": round(float(area) * _m2_per_deg2(lat)),
                "share_of_smaller": round(float(area / small), 3),
            })
    return out


def find_gaps(stations: list[CheckedStation]) -> list[dict]:
    """Holes inside the coverage (not the outer edge) larger than one hectare."""
    if not stations:
        return []
    union = shapely.union_all([s.geometry for s in stations])
    out = []
    for poly in shapely.get_parts(union):
        for ring in poly.interiors:
            hole = shapely.Polygon(ring)
            area_m2 = hole.area * _m2_per_deg2(hole.centroid.y)
            if area_m2 >= GAP_MIN_M2:
                p = hole.representative_point()
                out.append({"area_m2": round(area_m2), "at": {"lon": round(p.x, 6), "lat": round(p.y, 6)}})
    return sorted(out, key=lambda g: -g["area_m2"])
