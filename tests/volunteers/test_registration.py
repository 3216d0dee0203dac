"""Becoming a volunteer: anyone applies for the area where they can help; the officers of that area's station (or an
administrator) verify them after meeting them, which makes their account, or refuse them; a volunteer can be
suspended (their account stops at once) and reinstated. Every change is recorded with who and when."""

from __future__ import annotations

import httpx
import pytest

from suraksha.core.auth import Role, ScopeKind
from tests.conftest import add_account, csrf_of, web_sign_in
from tests.volunteers.conftest import count

APPLICANT = {"name": "Asha Pawar", "phone": "+91 98200 55555", "language": "mr", "city": "mumbai",
             "locality": "Tajmahal", "skills": ["first_aid", "vehicle"]}


@pytest.fixture
def other_officer(container):
    """A station officer of Cuffe Parade, next to the home station (Colaba)."""
    station = next(s for s in container.stations.all("mumbai") if s.name == "Cuffe Parade Police Station")
    add_account(container, "officer_cuffe", Role.STATION_OFFICER, ScopeKind.STATION, str(station.id))
    return "officer_cuffe"


def applied(http, auth, **over) -> dict:
    r = http.post("/api/v1/volunteers/applications", json=APPLICANT | over)
    assert r.status_code == 201, r.text
    listed = http.get("/api/v1/volunteers", headers=auth("admin")).json()["volunteers"]
    return next(v for v in listed if v["name"] == (over.get("name") or APPLICANT["name"]))


def test_anyone_applies_and_the_officers_of_that_area_see_the_application(http, auth, container, home_station,
                                                                           other_officer):
    r = http.post("/api/v1/volunteers/applications", json=APPLICANT)
    assert r.status_code == 201, r.text
    assert r.json() == {"received": True, "station_id": home_station.id, "station_name": home_station.name,
                        "locality": "Tajmahal"}
    again = http.post("/api/v1/volunteers/applications", json=APPLICANT | {"phone": "098200 55555", "name": "Asha P"})
    assert again.status_code == 201 and again.json() == r.json()  # the same answer: nothing says who volunteers
    assert count(container, "volunteers") == 1
    mine = http.get("/api/v1/volunteers", headers=auth("officer")).json()["volunteers"]
    assert [(v["name"], v["phone"], v["status"], v["skills"], v["language"]) for v in mine] == \
        [("Asha Pawar", "+919820055555", "applied", ["first_aid", "vehicle"], "mr")]
    assert http.get("/api/v1/volunteers", headers=auth(other_officer)).json()["volunteers"] == []
    assert http.get(f"/api/v1/volunteers/{mine[0]['id']}", headers=auth(other_officer)).status_code == 404
    for who in ("dispatcher", "responder", "registry", "volunteer"):
        assert http.get("/api/v1/volunteers", headers=auth(who)).status_code == 403


@pytest.mark.parametrize(("over", "status", "code"), [
    ({"locality": "Atlantis Colony"}, 422, "unknown_locality"),
    ({"phone": "12345678"}, 422, "invalid_phone"),
    ({"city": "kolkata"}, 422, "unknown_city"),
    ({"name": "  "}, 422, "name_required"),
    ({"skills": ["karate"]}, 422, "invalid_request"),
    ({"language": "ta"}, 422, "invalid_request"),
])
def test_a_bad_application_gets_a_4xx_with_a_code_and_writes_nothing(http, container, over, status, code):
    r = http.post("/api/v1/volunteers/applications", json=APPLICANT | over)
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    assert count(container, "volunteers") == 0


def test_the_station_verifies_after_meeting_them_and_their_account_works(http, auth, container, other_officer):
    v = applied(http, auth)
    for who, code in ((other_officer, "out_of_scope"), ("dispatcher", "forbidden_role")):
        r = http.post(f"/api/v1/volunteers/{v['id']}/verify", json={"check": "met them"}, headers=auth(who))
        assert r.status_code == 403 and r.json()["error"]["code"] == code
    r = http.post(f"/api/v1/volunteers/{v['id']}/verify", json={"check": "   "}, headers=auth("officer"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "check_required"
    r = http.post(f"/api/v1/volunteers/{v['id']}/verify", json={"check": "met at the station", "username": "dispatcher"},
                  headers=auth("officer"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "account_exists"  # and nothing half-written:
    assert http.get(f"/api/v1/volunteers/{v['id']}", headers=auth("officer")).json()["status"] == "applied"
    r = http.post(f"/api/v1/volunteers/{v['id']}/verify",
                  json={"check": "met at the station; Aadhaar card and address seen"}, headers=auth("officer"))
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "verified" and done["verified_by"] == "officer" and done["has_account"]
    assert done["username"] == f"vol-{v['id']:05d}" and len(done["password"]) == 14
    token = http.post("/api/v1/auth/token", data={"username": done["username"], "password": done["password"]})
    assert token.status_code == 200
    me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert me["role"] == "volunteer" and me["scope"] == {"kind": "station", "value": str(v["station_id"])}
    again = http.post(f"/api/v1/volunteers/{v['id']}/verify", json={"check": "met again"}, headers=auth("officer"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_volunteer_transition"
    history = http.get(f"/api/v1/volunteers/{v['id']}", headers=auth("admin")).json()["history"]
    assert [(h["change"], h["by"]) for h in history] == [("applied", "applicant"), ("verified", "officer")]
    assert "Aadhaar card and address seen" in history[1]["detail"] and history[1]["at"]


def test_suspending_stops_the_account_at_once_and_reinstating_restores_it(http, auth, container):
    v = applied(http, auth)
    done = http.post(f"/api/v1/volunteers/{v['id']}/verify", json={"check": "met at the station"},
                     headers=auth("officer")).json()
    login = {"username": done["username"], "password": done["password"]}
    bearer = {"Authorization": "Bearer " + http.post("/api/v1/auth/token", data=login).json()["access_token"]}
    assert http.put("/api/v1/volunteer/availability", json={"available": True}, headers=bearer).json()["available"]
    r = http.post(f"/api/v1/volunteers/{v['id']}/suspend", json={"reason": "x"}, headers=auth("officer"))
    assert r.status_code == 422  # a reason of at least 3 characters
    r = http.post(f"/api/v1/volunteers/{v['id']}/suspend", json={"reason": "complaint from a neighbour"},
                  headers=auth("officer"))
    assert r.status_code == 200 and r.json()["status"] == "suspended" and not r.json()["available"]
    assert r.json()["status_reason"] == "complaint from a neighbour"
    assert http.get("/api/v1/volunteer", headers=bearer).status_code == 401  # every token ended
    assert http.post("/api/v1/auth/token", data=login).status_code == 401
    r = http.post(f"/api/v1/volunteers/{v['id']}/reinstate", json={"reason": "the complaint was not true"},
                  headers=auth("admin"))
    assert r.status_code == 200 and r.json()["status"] == "verified" and r.json()["status_reason"] is None
    assert http.post("/api/v1/auth/token", data=login).status_code == 200
    refused = applied(http, auth, name="Ravi Kumar", phone="+919820066666")
    r = http.post(f"/api/v1/volunteers/{refused['id']}/refuse", json={"reason": "did not come to the station"},
                  headers=auth("officer"))
    assert r.status_code == 200 and (r.json()["status"], r.json()["has_account"]) == ("refused", False)
    history = http.get(f"/api/v1/volunteers/{v['id']}", headers=auth("officer")).json()["history"]
    assert [(h["change"], h["by"]) for h in history] == [
        ("applied", "applicant"), ("verified", "officer"), ("on_duty", done["username"]), ("suspended", "officer"),
        ("reinstated", "admin")]


def test_the_pages_apply_verify_and_suspend_in_every_language(server_url, http, auth, container):
    officer, anyone = web_sign_in(server_url, container, "officer")[0], httpx.Client(base_url=server_url, timeout=30)
    try:
        form = anyone.get("/volunteer/apply")
        assert form.status_code == 200 and 'name="locality"' in form.text
        data = {k: v for k, v in APPLICANT.items() if k != "skills"} | {"skill": ["first_aid"]}
        assert anyone.post("/volunteer/apply", data=data | {"csrf": "wrong"}).status_code == 403
        r = anyone.post("/volunteer/apply", data=data | {"locality": "Atlantis Colony", "csrf": csrf_of(form.text)})
        assert r.status_code == 422 and "place was not found" in r.text and 'value="Asha Pawar"' in r.text
        hindi = anyone.post("/hi/volunteer/apply", data=data | {"locality": "Atlantis", "csrf": csrf_of(form.text)})
        assert hindi.status_code == 422 and '<html lang="hi"' in hindi.text and "वह जगह नहीं मिली" in hindi.text
        r = anyone.post("/volunteer/apply", data=data | {"csrf": csrf_of(form.text)})
        assert r.status_code == 200 and 'data-testid="applied"' in r.text and "Colaba Police Station" in r.text

        listing = officer.get("/volunteers")
        assert listing.status_code == 200 and "Asha Pawar" in listing.text
        vid = http.get("/api/v1/volunteers", headers=auth("officer")).json()["volunteers"][0]["id"]
        page = officer.get(f"/volunteers/{vid}")
        assert page.status_code == 200 and 'data-testid="verify-form"' in page.text and "+919820055555" in page.text
        r = officer.post(f"/volunteers/{vid}/verify", data={"csrf": csrf_of(page.text), "check": "no"})
        assert r.status_code == 422 and "at least 3 characters" in r.text
        r = officer.post(f"/volunteers/{vid}/verify", data={"csrf": csrf_of(page.text), "check": "met; card seen",
                                                            "username": "asha.pawar"})
        assert r.status_code == 200 and 'data-testid="issued-password"' in r.text and "asha.pawar" in r.text
        password = r.text.split('data-testid="issued-password">')[1].split("<")[0]
        assert http.post("/api/v1/auth/token", data={"username": "asha.pawar", "password": password}).status_code == 200
        assert "issued-password" not in officer.get(f"/volunteers/{vid}").text  # shown once
        r = officer.post(f"/volunteers/{vid}/suspend", data={"csrf": csrf_of(page.text), "reason": "on leave abroad"})
        assert r.status_code == 303 and r.headers["location"] == f"/volunteers/{vid}?done=suspend"
        marathi = officer.get(f"/mr/volunteers/{vid}")
        assert '<html lang="mr"' in marathi.text and "निलंबित" in marathi.text
    finally:
        officer.close()
        anyone.close()
    dispatcher = web_sign_in(server_url, container, "dispatcher")[0]
    try:
        assert dispatcher.get("/volunteers").status_code == 403
    finally:
        dispatcher.close()
    assert count(container, "volunteers") == 1


def test_a_volunteer_lands_on_their_own_page_and_sees_no_staff_page(server_url, container, enrol):
    import re

    asha = enrol("Asha Near")
    client, r = web_sign_in(server_url, container, asha["username"])
    try:
        assert r.status_code == 303 and r.headers["location"] == "/volunteer"
        page = client.get("/volunteer")
        nav = re.search(r'<nav data-testid="nav">(.*?)</nav>', page.text, re.S).group(1)
        links = set(re.findall(r'<a href="([^"]+)"', nav))
        assert "/volunteer" in links and not links & {"/console", "/incidents", "/volunteers", "/wallboard", "/units"}
        assert client.get("/console").status_code == 403
    finally:
        client.close()
    officer, _ = web_sign_in(server_url, container, "officer")
    try:
        assert 'href="/volunteers"' in officer.get("/console").text
    finally:
        officer.close()


def test_the_same_number_applying_at_the_same_moment_is_kept_once(server_url, container):
    """Eight applications with one number sent at once (real HTTP, the server's threads): one application is kept,
    every one of them gets the same answer, none a 5xx (a unique index decides, on PostgreSQL as on SQLite)."""
    from concurrent.futures import ThreadPoolExecutor

    def send(i: int) -> httpx.Response:
        return httpx.post(f"{server_url}/api/v1/volunteers/applications", timeout=30,
                          json=APPLICANT | {"phone": "+91 98200 77777", "name": f"Same Number {i}"})

    before = count(container, "volunteers")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert count(container, "volunteers") == before + 1
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
