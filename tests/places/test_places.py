"""Places: the one table of states, districts and cities, old codes and names, and point-in-state lookup."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from suraksha.core.errors import InvalidInput
from suraksha.places.model import (
    DISTRICT_RENAMES,
    KNOWN_CITIES,
    STATE_BY_CODE,
    STATES,
    UNION_TERRITORY,
    canonical_district,
    canonical_state,
    city_key,
    data_file,
    shipped_districts,
)
from suraksha.places.service import PlaceService
from suraksha.places.store import places
from suraksha_lab.registry.states import STATES as REGISTRY_STATES

CURRENT_CODES = set("AP AR AS BR CG GA GJ HR HP JH KA KL MP MH MN ML MZ NL OD PB RJ SK TN TG TR UP UK WB".split())
UT_CODES = set("AN CH DH DL JK LA LD PY".split())


@pytest.fixture
def svc(container) -> PlaceService:
    service = PlaceService(container.engine)
    service.ensure_seeded()
    service.reload()
    return service


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(places.c.kind, func.count()).group_by(places.c.kind)).all())


def test_all_36_states_and_union_territories_with_current_codes() -> None:
    codes = [s.code for s in STATES]
    assert len(codes) == len(set(codes)) == 36
    assert set(codes) == CURRENT_CODES | UT_CODES
    assert {s.code for s in STATES if s.kind == UNION_TERRITORY} == UT_CODES


def test_the_table_holds_every_state_district_and_known_city(svc, container) -> None:
    states = svc.states()
    assert len(states) == 36 and len({s["code"] for s in states}) == 36
    assert {s["code"] for s in states if s["kind"] == "union_territory"} == UT_CODES
    assert counts(container.engine) == {"state": 36, "district": len(shipped_districts()), "city": len(KNOWN_CITIES)}
    assert "Pune" in svc.districts("MH") and "Mumbai Suburban" in svc.districts("Maharashtra")
    assert "Hyderabad" in svc.districts("TS")
    assert svc.districts("Atlantis") == []


def test_every_district_and_city_belongs_to_a_known_state() -> None:
    districts = shipped_districts()
    assert len(districts) > 700
    assert {code for code, _ in districts} == set(STATE_BY_CODE)
    assert len(set(districts)) == len(districts)
    assert all(name == name.strip() and name for _, name in districts)
    assert set(KNOWN_CITIES.values()) <= set(STATE_BY_CODE)


def test_the_registry_writes_only_codes_of_the_places_table() -> None:
    assert {s.code for s in REGISTRY_STATES} <= set(STATE_BY_CODE)


@pytest.mark.parametrize(("given", "code"), [
    ("TS", "TG"), ("Telangana", "TG"), ("OR", "OD"), ("Orissa", "OD"), ("odisha", "OD"), ("Maharashtra", "MH"),
    ("mh", "MH"), (" MH. ", "MH"), ("IN-MH", "MH"), ("CT", "CG"), ("UL", "UK"), ("UT", "UK"), ("Uttaranchal", "UK"),
    ("DN", "DH"), ("DD", "DH"), ("Daman & Diu", "DH"), ("Dadra & Nagar Haveli", "DH"), ("Jammu & Kashmir", "JK"),
    ("JAMMU AND KASHMIR", "JK"), ("Andaman & Nicobar", "AN"), ("NCT of Delhi", "DL"), ("Pondicherry", "PY"),
    ("tel", "TG"), ("guj", "GJ"), ("Ladakh", "LA"),
])
def test_canonical_state_maps_old_codes_names_and_aliases(given, code) -> None:
    assert canonical_state(given) == code


@pytest.mark.parametrize("given", ["", None, "XX", "Atlantis", "and"])
def test_canonical_state_is_empty_when_unknown(given) -> None:
    assert canonical_state(given) == ""


def test_canonical_district_maps_renamed_districts() -> None:
    assert canonical_district("Gurgaon District") == "gurugram"
    assert canonical_district("ALLAHABAD") == "prayagraj"
    assert canonical_district("Bangalore Urban") == "bengaluru urban"
    assert canonical_district("Zila Pune") == "pune"
    assert canonical_district(None) == ""
    assert all(canonical_district(old) == new for old, new in DISTRICT_RENAMES.items())


def test_city_keys() -> None:
    assert city_key("Navi Mumbai") == "navi-mumbai"
    assert city_key("  Pune ") == "pune"
    for bad in ("", "   ", "Mumbai/City"):
        with pytest.raises(ValueError):
            city_key(bad)


def test_state_of_city(svc) -> None:
    expected = {"mumbai": "MH", "bengaluru": "KA", "hyderabad": "TG", "kolkata": "WB", "gurugram": "HR",
                "bhubaneswar": "OD", "chennai": "TN", "delhi": "DL", "pune": "MH", "Navi Mumbai": "MH"}
    for city, code in expected.items():
        assert svc.state_of_city(city) == code, city
    assert svc.state_of_city("nagpur-rural") is None
    assert svc.state_of_city(None) is None and svc.state_of_city("a/b") is None


def test_a_city_registered_at_run_time(svc, container) -> None:
    assert svc.register_city("nagpur-rural", "Maharashtra") == "MH"
    assert svc.state_of_city("nagpur-rural") == "MH"
    assert svc.register_city("Nagpur Rural", "TS", name="Nagpur Rural") == "TG"  # moved: updated, not added
    assert svc.state_of_city("nagpur-rural") == "TG"
    other = PlaceService(container.engine)  # another process sees it in the table
    assert other.state_of_city("nagpur-rural") == "TG"
    with container.engine.connect() as conn:
        row = conn.execute(select(places).where(places.c.kind == "city", places.c.key == "nagpur-rural")).one()
    assert (row.name, row.state_code, json.loads(row.aliases)) == ("Nagpur Rural", "TG", [])


def test_register_city_with_an_unknown_state_is_refused(svc) -> None:
    with pytest.raises(InvalidInput) as err:
        svc.register_city("gotham", "Atlantis")
    assert err.value.code == "unknown_state"
    assert svc.state_of_city("gotham") is None


@pytest.mark.parametrize(("lon", "lat", "code"), [
    (72.8777, 19.0760, "MH"), (77.5946, 12.9716, "KA"), (78.4867, 17.3850, "TG"), (88.3639, 22.5726, "WB"),
    (80.2707, 13.0827, "TN"), (77.2090, 28.6139, "DL"), (85.8245, 20.2961, "OD"), (77.0266, 28.4595, "HR"),
    (72.8328, 20.3974, "DH"), (73.0169, 20.2766, "DH"), (79.8083, 11.9416, "PY"),
    (68.0, 15.0, None), (71.0, 18.0, None), (85.3240, 27.7172, None),  # Arabian Sea, Arabian Sea, Kathmandu
])
def test_state_at(svc, lon, lat, code) -> None:
    assert svc.state_at(lon, lat) == code


def test_state_for_points_matches_state_at(svc) -> None:
    lons, lats = [72.8777, 68.0, 88.3639], [19.0760, 15.0, 22.5726]
    assert svc.state_for_points(lons, lats) == ["MH", None, "WB"]
    assert svc.state_for_points([], []) == []


def test_every_outline_has_a_current_code() -> None:
    features = json.loads(data_file("india_states.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) == 36
    assert {f["properties"]["code"] for f in features} <= set(STATE_BY_CODE)
    assert all(f["properties"]["name"] == STATE_BY_CODE[f["properties"]["code"]].name for f in features)


def test_ensure_seeded_is_idempotent(svc, container) -> None:
    before = counts(container.engine)
    assert svc.ensure_seeded() == 0
    assert counts(container.engine) == before
    with container.engine.begin() as conn:
        conn.execute(places.delete().where(places.c.key == "MH/pune"))
    assert svc.ensure_seeded() == 1
    assert counts(container.engine) == before
