"""Stations over HTTP: the public jurisdiction lookup and directory, helpline numbers, imports."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import shapely

DATA = Path(__file__).parent.parent / "data"


def test_jurisdiction_lookup_answers_with_the_station_as_imported(http, home_station):
    r = http.get("/api/v1/jurisdiction", params={"lat": home_station.anchor.lat, "lon": home_station.anchor.lon})
    assert r.status_code == 200
    body = r.json()
    assert body["match"] == "inside"
    assert body["station"] == {"id": home_station.id, "name": "Colaba Police Station", "city": "mumbai", "state": "MH",
                               "women_helpline": home_station.women_helpline,
                               "general_number": home_station.general_number,
                               "name_hi": "कोलाबा पुलिस थाना", "name_mr": "कुलाबा पोलीस ठाणे"}


def test_jurisdiction_lookup_in_the_sea_near_the_coast_is_nearest_and_far_out_is_none(http):
    near = http.get("/api/v1/jurisdiction", params={"lat": 18.90, "lon": 72.80}).json()
    assert near["match"] == "nearest" and near["station"]["city"] == "mumbai" and near["distance_m"] <= 2000
    far = http.get("/api/v1/jurisdiction", params={"lat": 18.90, "lon": 72.50}).json()
    assert far == {"station": None, "match": "none", "distance_m": 0.0}


def test_jurisdiction_lookup_refuses_impossible_coordinates(http):
    r = http.get("/api/v1/jurisdiction", params={"lat": 95, "lon": 72.8})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_directory_finds_a_station_by_name_even_misspelt(http):
    assert [s["name"] for s in http.get("/api/v1/stations", params={"q": "colaba"}).json()["stations"]] == [
        "Colaba Police Station"]
    misspelt = http.get("/api/v1/stations", params={"q": "Kolaba Police"}).json()["stations"]
    assert misspelt and misspelt[0]["name"] == "Colaba Police Station"


def test_every_shipped_mumbai_station_has_two_valid_numbers(container):
    mumbai = container.stations.all("mumbai")
    assert len(mumbai) == 91
    assert all(s.women_helpline.startswith("+91") and s.general_number.startswith("+91") for s in mumbai)
    assert len({s.women_helpline for s in mumbai} | {s.general_number for s in mumbai}) == 182


def test_a_number_moves_between_stations_and_the_move_is_recorded(http, auth, container, home_station):
    other = next(s for s in container.stations.all("mumbai") if s.id != home_station.id)
    r = http.put(f"/api/v1/stations/{other.id}/helplines", headers=auth("admin"),
                 json={"kind": "women", "number": home_station.women_helpline, "reason": "handset moved"})
    assert r.status_code == 200, r.text
    assert r.json()["women_helpline"] == home_station.women_helpline
    assert container.stations.get(home_station.id).women_helpline is None
    assert container.stations.by_number(home_station.women_helpline)[0].id == other.id
    history = http.get(f"/api/v1/stations/{other.id}/helpline-history", headers=auth("admin")).json()["changes"]
    assert history[-1]["from_station_id"] == home_station.id and history[-1]["reason"] == "handset moved"


def test_helpline_numbers_are_validated_and_only_admins_change_them(http, auth, home_station):
    url = f"/api/v1/stations/{home_station.id}/helplines"
    bad = http.put(url, headers=auth("admin"), json={"kind": "women", "number": "12345"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_phone"
    assert http.put(url, json={"kind": "women", "number": "+919820000001"}).status_code == 401
    refused = http.put(url, headers=auth("dispatcher"), json={"kind": "women", "number": "+919820000001"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden_role"


def test_import_over_http_reports_each_feature(http, auth):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Test PS"},
         "geometry": {"type": "Polygon", "coordinates": [[[80, 10], [80.01, 10], [80.01, 10.01], [80, 10]]]}},
        {"type": "Feature", "properties": {}, "geometry": None}]}
    unknown = http.post("/api/v1/stations/import", headers=auth("admin"), data={"city": "Test Town"},
                        files={"file": ("t.geojson", json.dumps(doc), "application/geo+json")})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_state"  # at sea: which state?
    r = http.post("/api/v1/stations/import", headers=auth("admin"), data={"city": "Test Town", "state": "TN"},
                  files={"file": ("t.geojson", json.dumps(doc), "application/geo+json")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["city"], body["state"], body["created"], body["rejected"]) == ("test-town", "TN", 1, 1)
    assert http.get("/api/v1/jurisdiction", params={"lat": 10.002, "lon": 80.005}).json()["station"]["name"] == "Test PS"


def test_cli_import_of_an_unshipped_city_reaches_the_running_server_within_5_seconds(http, test_settings, container):
    doc = json.loads((DATA / "kolkata_police_station_jurisdictions.geojson").read_text())
    samples = [(f["properties"]["name"], shapely.geometry.shape(f["geometry"]).representative_point())
               for f in doc["features"][::9]]
    env = {**os.environ, "SURAKSHA_DATABASE_URL": test_settings.database_url, "SURAKSHA_ENV": "test"}
    done = subprocess.run([sys.executable, "-m", "suraksha", "stations", "import",
                           str(DATA / "kolkata_police_station_jurisdictions.geojson"), "--city", "kolkata"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    imported_at = time.monotonic()
    name, point = samples[0]
    while time.monotonic() - imported_at < 5:
        found = http.get("/api/v1/jurisdiction", params={"lat": point.y, "lon": point.x}).json()
        if found["station"]:
            break
        time.sleep(0.1)
    assert found["station"] and found["station"]["name"] == name, "the server did not pick up the import in 5 s"
    for name, point in samples:
        answer = http.get("/api/v1/jurisdiction", params={"lat": point.y, "lon": point.x}).json()
        assert answer["station"]["name"] == name and answer["station"]["city"] == "kolkata"
        assert answer["match"] in ("inside", "overlap")


def test_station_geojson_is_a_feature_collection_for_the_map(http):
    fc = http.get("/api/v1/stations.geojson", params={"city": "mumbai"}).json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 91
    assert fc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
