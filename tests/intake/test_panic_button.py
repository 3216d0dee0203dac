"""The panic button (issue 9, point 3): POST /api/v1/sos from an app's or a device's gateway account, through the
real HTTP path; and a handset's panic SMS through Twilio's webhook."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from suraksha.adapters.db import metadata
from tests.conftest import TEST_PASSWORD, tracking_of

TABLES = ("incidents", "inbound_messages", "incident_contacts", "outbound_messages", "incident_log")


def counts(c) -> dict[str, int]:
    with c.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(metadata.tables[t])).scalar_one() for t in TABLES}


def alert(c, **over) -> dict:
    colaba = next(s for s in c.stations.all("mumbai") if s.name == "Colaba Police Station")
    body = {"device_id": "app-7f3a9c", "lat": colaba.anchor.lat, "lon": colaba.anchor.lon, "accuracy_m": 12.5,
            "battery_pct": 41, "at": c.clock.now().isoformat()}
    return body | over


@pytest.fixture
def gateway(auth):
    return auth("integration")


def test_an_alert_is_a_priority_one_incident_where_she_is(http, auth, gateway, container):
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    r = http.post("/api/v1/sos", headers=gateway, json=alert(container, lat=bandra.anchor.lat, lon=bandra.anchor.lon))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "new" and body["joined"] is False and body["tracking"] in body["message"]
    incident = http.get(f"/api/v1/incidents/{body['tracking']}", headers=auth("dispatcher")).json()
    assert incident["priority"] == 1 and incident["channel"] == "sos" and incident["station_id"] == bandra.id
    assert incident["location_known"] is True and incident["location"]["coordinates"] == [bandra.anchor.lon,
                                                                                          bandra.anchor.lat]
    assert incident["location_accuracy_m"] == 12.5
    assert container.messages.provider.sent == []  # no number of hers: nothing is sent, her app shows the status


def test_a_gateways_retry_of_one_alert_makes_nothing_new(http, gateway, container):
    body = alert(container)
    first = http.post("/api/v1/sos", headers=gateway, json=body).json()
    before = counts(container)
    again = http.post("/api/v1/sos", headers=gateway, json=body)
    assert again.status_code == 200 and again.json()["tracking"] == first["tracking"]
    assert counts(container) == before


def test_repeated_alerts_from_one_device_extend_one_incident_and_move_it_as_she_moves(http, auth, gateway, container):
    first = http.post("/api/v1/sos", headers=gateway, json=alert(container)).json()
    track = [(18.9067, 72.8147), (18.9120, 72.8190), (18.9185, 72.8240)]
    for n, (lat, lon) in enumerate(track, start=1):
        container.clock._now += timedelta(seconds=30)
        r = http.post("/api/v1/sos", headers=gateway, json=alert(container, lat=lat, lon=lon, accuracy_m=8 + n))
        assert r.status_code == 200 and r.json()["tracking"] == first["tracking"] and r.json()["joined"] is True
    incident = http.get(f"/api/v1/incidents/{first['tracking']}?timeline=true", headers=auth("dispatcher")).json()
    assert incident["location"]["coordinates"] == [track[-1][1], track[-1][0]]  # where she is now, not proposed
    assert incident.get("proposed_location") is None
    timeline = http.get(f"/api/v1/incidents/{first['tracking']}/timeline", headers=auth("dispatcher")).json()
    entries = timeline["timeline"]
    moves = [e["detail"] for e in entries if e["kind"] == "location_moved"]
    assert [(m["lat"], m["lon"]) for m in moves] == track and moves[-1]["accuracy_m"] == 11  # her track is kept
    # after the follow-up window, a press is a new emergency
    container.clock._now += timedelta(minutes=45)
    later = http.post("/api/v1/sos", headers=gateway, json=alert(container)).json()
    assert later["tracking"] != first["tracking"] and later["joined"] is False


def test_with_her_number_she_is_told_by_sms_as_the_incident_moves_on(http, auth, gateway, container):
    r = http.post("/api/v1/sos", headers=gateway, json=alert(container, phone="+91 98200 54321", language="hi"))
    tracking = r.json()["tracking"]
    assert any("\u0900" <= ch <= "\u097f" for ch in r.json()["message"])  # her app's language
    closed = http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"),
                       json={"disposition": "attended_resolved", "note": ""})
    assert closed.status_code == 200, closed.text
    container.messages.deliver_due()
    assert [to for to, _body in container.messages.provider.sent] == ["+919820054321"]


@pytest.mark.parametrize("change, code", [
    ({"lat": 95}, "invalid_request"), ({"lon": "east"}, "invalid_request"), ({"device_id": ""}, "invalid_request"),
    ({"device_id": "a b"}, "invalid_request"), ({"battery_pct": 140}, "invalid_request"),
    ({"at": "2026-11-22T10:00:00"}, "invalid_request"),  # no zone: which time?
    ({"phone": "not a phone"}, "invalid_phone"), ({"language": "fr"}, "invalid_request"),
])
def test_a_bad_alert_is_a_clear_422_and_stores_nothing(http, gateway, container, change, code):
    before = counts(container)
    r = http.post("/api/v1/sos", headers=gateway, json=alert(container, **change))
    assert r.status_code == 422 and r.json()["error"]["code"] == code
    assert counts(container) == before


def test_a_coordinate_that_is_not_a_number_is_refused(http, gateway, container):
    raw = json.dumps(alert(container, lat=float("nan")))  # Python writes NaN, which some clients send
    r = http.post("/api/v1/sos", headers={**gateway, "Content-Type": "application/json"}, content=raw)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_a_time_far_ahead_of_ours_is_refused(http, gateway, container):
    ahead = (container.clock.now() + timedelta(hours=2)).isoformat()
    r = http.post("/api/v1/sos", headers=gateway, json=alert(container, at=ahead))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_time"


def test_only_an_integration_account_raises_alerts_and_it_has_no_pages(http, auth, container, server_url):
    assert http.post("/api/v1/sos", json=alert(container)).status_code == 401
    r = http.post("/api/v1/sos", headers=auth("dispatcher"), json=alert(container))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_role"
    assert http.get("/api/v1/incidents", headers=auth("integration")).status_code == 403
    with httpx.Client(base_url=server_url, follow_redirects=False) as browser:
        page = browser.get("/login")
        csrf = __import__("tests.conftest", fromlist=["csrf_of"]).csrf_of(page.text)
        signed = browser.post("/login", data={"username": "integration", "password": TEST_PASSWORD, "csrf": csrf})
        assert signed.status_code == 403 and "not for signing in here" in signed.text.replace("&#39;", "'")
        assert browser.get("/console").status_code == 303  # no session: sent back to sign in


def test_a_handsets_panic_sms_is_understood(sms, http, auth, container):
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    r = sms.send(f"SOS! I am in danger. Lat: {bandra.anchor.lat:.6f} Long: {bandra.anchor.lon:.6f}",
                 to=sms.default_to)
    incident = http.get(f"/api/v1/incidents/{tracking_of(r.text)}", headers=auth("dispatcher")).json()
    assert incident["priority"] == 1 and incident["station_id"] == bandra.id and incident["location_known"] is True
