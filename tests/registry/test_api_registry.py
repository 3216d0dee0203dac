"""The registry over HTTP: lawful access, search with purpose, uploads, linkage, alerts, merges, station list."""

from __future__ import annotations

import pytest

from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator

SEARCH = "/api/v1/registry/search"
WHY = {"purpose": "investigation"}


def upload(http, headers, *rows, state=""):
    files = {"file": ("registry.csv", csv_bytes(*rows), "text/csv")}
    return http.post("/api/v1/registry/imports", headers=headers, files=files, data={"state": state})


@pytest.mark.parametrize("user", ["dispatcher", "officer", "responder", "admin", "outsider"])
def test_other_roles_are_refused(http, auth, user):
    checks = [http.get(SEARCH, headers=auth(user), params={"name": "Ramesh", "purpose": "investigation"}),
              upload(http, auth(user), RAMESH),
              http.post("/api/v1/registry/linkage", headers=auth(user), json={"name": "Ramesh", "purpose": "investigation"}),
              http.get("/api/v1/registry/registrations/1", headers=auth(user)),
              http.get("/api/v1/registry/alerts", headers=auth(user)),
              http.get("/registry", headers=auth(user))]
    for r in checks:
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role"), r.request.url


def test_no_token_no_registry(http):
    assert http.get(SEARCH, params={"name": "Ramesh", "purpose": "investigation"}).status_code == 401
    assert upload(http, {}, RAMESH).status_code == 401


def test_a_search_needs_a_stated_purpose(http, auth):
    for params in ({}, {"purpose": "curiosity"}, {"purpose": "other"}, {"purpose": "other", "purpose_text": " "}):
        r = http.get(SEARCH, headers=auth("registry"), params={"name": "Ramesh Yadav"} | params)
        assert (r.status_code, r.json()["error"]["code"]) == (422, "purpose_required")


def test_upload_then_search_ranks_with_score_and_reasons(container, http, auth):
    report = upload(http, auth("registry"), RAMESH, SUNIL, SUNIL | {"record_id": "", "dob": "1990-02-30"}).json()
    assert (report["created"], report["rejected"]) == (2, 1)
    assert {(p["row"], p["column"]) for p in report["problems"]} == {(4, "record_id"), (4, "dob")}
    r = http.get(SEARCH, headers=auth("supervisor"),
                 params={"name": "Ramesh Yadv", "father_name": "Suresh", "purpose": "staff_verification"})
    results = r.json()["results"]
    assert results[0]["record_id"] == "MH-0001" and results[0]["score"] > 0.5 and results[0]["reasons"]
    assert all("identity" not in key and "aadhaar" not in str(v) for row in results for key, v in row.items())


def test_near_a_place_keeps_only_addresses_within_the_radius(container, http, auth, home_station):
    here = home_station.anchor
    near = SUNIL | {"address_lat": str(here.lat), "address_lon": str(here.lon)}
    far = SUNIL | {"record_id": "MH-0009", "address_lat": "18.52", "address_lon": "73.85"}
    upload(http, auth("registry"), near, far)
    params = {"name": "Sunil Patil", "purpose": "investigation", "near_lat": here.lat, "near_lon": here.lon,
              "radius_km": 3}
    results = http.get(SEARCH, headers=auth("registry"), params=params).json()["results"]
    assert [(r["record_id"], r["distance_km"]) for r in results] == [("MH-0002", 0.0)]


def test_a_state_officer_uploads_only_their_state(http, auth):
    r = upload(http, auth("registry_ka"), RAMESH)
    assert r.json()["created"] == 0 and r.json()["problems"][0]["column"] == "state"
    assert upload(http, auth("registry_ka"), RAMESH, state="MH").status_code == 403


def test_a_move_to_another_state_alerts_both_states(container, http, auth):
    upload(http, auth("registry"), RAMESH)
    moved = RAMESH | {"address": "Jayanagar, Bengaluru", "address_state": "KA"}
    assert upload(http, auth("registry"), moved).json()["alerts"] == 2
    ka = http.get("/api/v1/registry/alerts", headers=auth("registry_ka"), params=WHY).json()["alerts"]
    mh = http.get("/api/v1/registry/alerts", headers=auth("registry"), params=WHY).json()["alerts"]
    assert [(a["kind"], a["from_state"], a["to_state"], a["read"]) for a in ka + mh] == \
        [("moved_address", "MH", "KA", False)] * 2
    assert http.post(f"/api/v1/registry/alerts/{mh[0]['id']}/read", headers=auth("registry_ka")).status_code == 404
    assert http.post(f"/api/v1/registry/alerts/{ka[0]['id']}/read", headers=auth("registry_ka")).status_code == 200
    assert http.get("/api/v1/registry/alerts", headers=auth("registry_ka"), params={"unread": True} | WHY).json() == \
        {"alerts": []}


def test_linkage_finds_the_registered_person_and_alerts_the_other_state(container, http, auth):
    upload(http, auth("registry"), RAMESH, SUNIL)
    suspect = {"name": "Ramesh Yadav", "father_name": "Suresh", "age": 41, "sex": "M", "state": "Karnataka",
               "district": "Bangalore", "purpose": "investigation"}
    r = http.post("/api/v1/registry/linkage", headers=auth("registry_ka"), json=suspect)
    best = r.json()["candidates"][0]
    assert best["registrations"][0]["record_id"] == "MH-0001" and best["score"] > 0.5 and best["reasons"]
    alerts = http.get("/api/v1/registry/alerts", headers=auth("supervisor"), params=WHY).json()["alerts"]
    kinds = [(a["kind"], a["state"]) for a in alerts]
    assert sorted(kinds) == [("linked_suspect", "KA"), ("linked_suspect", "MH")]
    r = http.post("/api/v1/registry/linkage", headers=auth("registry_ka"), json=suspect | {"purpose": ""})
    assert r.json()["error"]["code"] == "purpose_required"


def test_searches_and_linkage_over_http_run_on_the_search_workers(container, http, auth, monkeypatch):
    """The routes hand a search straight to the process's search workers, where searches wait in turn
    (tests/registry/test_freshness.py): the search runs there, not on the server's general thread pool."""
    import threading

    upload(http, auth("registry"), RAMESH, SUNIL)
    registry, threads = container.registry, []
    search, link = registry._search, registry._link_suspect
    monkeypatch.setattr(registry, "_search", lambda *a: threads.append(threading.current_thread().name) or search(*a))
    monkeypatch.setattr(registry, "_link_suspect",
                        lambda *a: threads.append(threading.current_thread().name) or link(*a))
    assert http.get(SEARCH, headers=auth("registry"), params={"name": "Ramesh Yadav"} | WHY).json()["results"]
    r = http.post("/api/v1/registry/linkage", headers=auth("registry"), json={"name": "Ramesh Yadav"} | WHY)
    assert r.json()["candidates"]
    assert len(threads) == 2 and all(name.startswith("registry-search_") for name in threads), threads


def test_proposed_merges_are_confirmed_undone_and_rejected(container, http, auth):
    twin = RAMESH | {"record_id": "KA-77", "state": "KA", "district": "Mysore", "full_name": "Ramesh K. Yadav"}
    container.registry.import_csv(csv_bytes(RAMESH, twin, SUNIL), operator())
    rows = container.registry.dedupe(operator())
    assert {r[0] for r in rows} == {"MH-0001", "KA-77", "MH-0002"}
    boss = auth("supervisor")  # the pair spans two states: only a national account decides it
    proposals = http.get("/api/v1/registry/merges", headers=boss, params=WHY).json()["merges"]
    assert [{p["left"]["record_id"], p["right"]["record_id"]} for p in proposals] == [{"MH-0001", "KA-77"}]
    merge_id = proposals[0]["id"]
    assert http.post(f"/api/v1/registry/merges/{merge_id}/confirm", headers=boss).json()["status"] == "confirmed"
    detail = http.get(f"/api/v1/registry/registrations/{proposals[0]['left']['registration_id']}",
                      headers=boss, params=WHY).json()
    assert [o["record_id"] for o in detail["other_registrations"]] == ["KA-77"]
    assert container.registry.learned is not None  # the decision now shapes the ranking
    assert http.post(f"/api/v1/registry/merges/{merge_id}/unmerge", headers=boss).json()["status"] == "undone"
    detail = http.get(f"/api/v1/registry/registrations/{proposals[0]['left']['registration_id']}",
                      headers=boss, params=WHY).json()
    assert detail["other_registrations"] == []
    assert http.post(f"/api/v1/registry/merges/{merge_id}/reject", headers=boss).status_code == 409


def test_the_station_list_is_scoped_and_shows_no_identity_numbers(container, http, auth, home_station, station_id):
    here = home_station.anchor
    local = RAMESH | {"address": "Colaba Causeway", "address_lat": str(here.lat), "address_lon": str(here.lon)}
    old = SUNIL | {"registered_on": "2015-01-01", "address_lat": str(here.lat), "address_lon": str(here.lon)}
    elsewhere = SUNIL | {"record_id": "MH-0003", "address_lat": "18.52", "address_lon": "73.85"}
    container.registry.import_csv(csv_bytes(local, old, elsewhere), operator())
    url = f"/api/v1/stations/{station_id}/registered-offenders"
    for user in ("officer", "registry"):
        body = http.get(url, headers=auth(user), params=WHY)
        assert [o["record_id"] for o in body.json()["offenders"]] == ["MH-0001"]
        assert "aadhaar" not in body.text and "identit" not in body.text and "hmac" not in body.text
    assert [o["record_id"] for o in http.get(url, headers=auth("officer"), params={"years": 20} | WHY).json()["offenders"]] \
        == ["MH-0001", "MH-0002"]
    other = next(s.id for s in container.stations.all("mumbai") if s.id != station_id)
    for user, path in (("officer", f"/api/v1/stations/{other}/registered-offenders"), ("dispatcher", url),
                       ("responder", url)):
        assert http.get(path, headers=auth(user), params=WHY).status_code == 403
    assert http.get(url, params=WHY).status_code == 401
    page = http.get(f"/registry/station/{station_id}", headers=auth("officer"), params=WHY)
    assert page.status_code == 200 and "Ramesh Kumar Yadav" in page.text and "1234" not in page.text


def test_the_search_page_shows_results_as_you_type(container, http, auth):
    container.registry.import_csv(csv_bytes(RAMESH), operator())
    page = http.get("/registry", headers=auth("registry"))
    assert page.status_code == 200 and 'hx-trigger="input changed delay:250ms' in page.text
    partial = http.get("/registry/results", headers=auth("registry"),
                       params={"name": "Ramesh Yadav", "purpose": "investigation"})
    assert "Ramesh Kumar Yadav" in partial.text and "MH-0001" in partial.text
    refused = http.get("/registry/results", headers=auth("registry"), params={"name": "Ramesh Yadav"})
    assert "Ramesh Kumar Yadav" not in refused.text and 'data-testid="registry-error"' in refused.text


def test_names_never_reach_the_logs(container, http, auth, caplog):
    caplog.set_level("DEBUG")
    container.registry.import_csv(csv_bytes(RAMESH), operator())
    http.get(SEARCH, headers=auth("registry"), params={"name": "Ramesh Yadav", "purpose": "investigation"})
    http.post("/api/v1/registry/linkage", headers=auth("registry"),
              json={"name": "Ramesh Yadav", "state": "KA", "purpose": "investigation"})
    ours = " ".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    assert "Ramesh" not in ours and "Yadav" not in ours


def test_photos_are_kept_by_content_hash_and_only_for_registry_roles(container, http, auth, test_settings):
    import hashlib
    from pathlib import Path

    upload(http, auth("registry"), RAMESH)
    found = http.get(SEARCH, headers=auth("registry"), params={"name": "Ramesh Yadav", "purpose": "investigation"})
    registration_id = found.json()["results"][0]["registration_id"]
    photo = b"\x89PNG\r\n\x1a\n fake image bytes"
    url = f"/api/v1/registry/registrations/{registration_id}/files"
    files = {"file": ("face.png", photo, "image/png")}
    first = http.post(url, headers=auth("registry"), files=files, data={"kind": "photo"})
    assert first.status_code == 200, first.text
    digest = hashlib.sha256(photo).hexdigest()
    assert first.json() == {"sha256": digest, "kind": "photo", "size": len(photo)}
    assert (Path(test_settings.registry_files_dir) / digest[:2] / digest).read_bytes() == photo
    assert http.post(url, headers=auth("registry"), files=files, data={"kind": "photo"}).json()["sha256"] == digest
    assert http.post(url, headers=auth("dispatcher"), files=files, data={"kind": "photo"}).status_code == 403
    bad_kind = http.post(url, headers=auth("registry"), files=files, data={"kind": "selfie"})
    assert bad_kind.status_code == 422 and bad_kind.json()["error"]["code"] == "invalid_file_kind"
    other = {"file": ("x.png", b"other bytes", "image/png")}
    missing = http.post("/api/v1/registry/registrations/999999/files", headers=auth("registry"), files=other,
                        data={"kind": "photo"})
    assert missing.status_code == 404
    assert not (Path(test_settings.registry_files_dir) / hashlib.sha256(b"other bytes").hexdigest()[:2]).exists()
