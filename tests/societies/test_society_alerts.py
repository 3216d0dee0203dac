"""Housing-society alerts (issue 9, point 5), through the real HTTP entry points: a station's officers register
societies and coordinators (scope checked, numbers sealed and masked); a coordinator's SMS or WhatsApp message
becomes an incident at the society's pin and station, P1 when it concerns a woman's safety, with the society named."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select

from suraksha.core.auth import Role, ScopeKind
from suraksha.migrations.tables import metadata
from suraksha.societies.service import SocietyService
from tests.conftest import add_account, tracking_of, web_sign_in
from tests.whatsapp_meta import WhatsAppSender, change, delivery, message

COORDINATOR = "+919820044444"
DIGITS = "9820044444"  # the coordinator's number as it would appear anywhere it leaked
PIN = {"lat": 18.9067, "lon": 72.8147}  # Cuffe Parade, in Colaba's area
SOCIETY = {"name": "Sagar Darshan CHS", "address": "Cuffe Parade, Colaba, Mumbai 400005", **PIN}


@pytest.fixture
def society(http, auth, caplog) -> dict:
    """A society of the home station with one coordinator, registered by the station's officer (nothing logged
    names the number)."""
    caplog.set_level(logging.DEBUG)
    r = http.post("/api/v1/societies", json=SOCIETY, headers=auth("officer"))
    assert r.status_code == 201, r.text
    r = http.post(f"/api/v1/societies/{r.json()['id']}/coordinators",
                  json={"name": "Meera Kulkarni", "phone": "+91 98200 44444"}, headers=auth("officer"))
    assert r.status_code == 201, r.text
    assert DIGITS not in caplog.text
    return r.json()


def incident(http, auth, tracking: str) -> dict:
    r = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    return r.json()


def test_an_officer_registers_a_society_and_its_coordinators_numbers_are_shown_masked(http, auth, society,
                                                                                     station_id, container):
    assert society["station_id"] == station_id and society["active"] is True
    assert society["location"] == PIN
    [k] = society["coordinators"]
    assert k["name"] == "Meera Kulkarni" and k["phone_masked"].endswith("44") and DIGITS not in k["phone_masked"]
    listed = http.get("/api/v1/societies", headers=auth("officer"))
    assert listed.status_code == 200 and [s["name"] for s in listed.json()["societies"]] == [SOCIETY["name"]]
    assert DIGITS not in listed.text and DIGITS not in http.get(f"/api/v1/societies/{society['id']}",
                                                               headers=auth("admin")).text
    with container.engine.connect() as conn:  # sealed at rest
        stored = conn.execute(select(metadata.tables["society_coordinators"])).one()
    assert DIGITS not in stored.phone_sealed and DIGITS not in stored.phone_fingerprint
    with container.engine.connect() as conn:  # nor do the events announcing the changes
        payloads = [str(p) for p in conn.execute(select(metadata.tables["events"].c.payload)).scalars()]
    assert payloads and not any(DIGITS in p or "Meera" in p for p in payloads)


def test_another_stations_officer_can_neither_see_nor_change_a_society(http, auth, society, container, station_id):
    other = next(s for s in container.stations.all("mumbai") if s.id != station_id)
    add_account(container, "officer2", Role.STATION_OFFICER, ScopeKind.STATION, str(other.id))
    assert http.get("/api/v1/societies", headers=auth("officer2")).json()["societies"] == []
    assert http.get(f"/api/v1/societies/{society['id']}", headers=auth("officer2")).status_code == 404
    for method, path, body in (
            ("PUT", f"/api/v1/societies/{society['id']}", SOCIETY),
            ("PUT", f"/api/v1/societies/{society['id']}/active", {"active": False}),
            ("POST", f"/api/v1/societies/{society['id']}/coordinators", {"name": "Someone", "phone": "+919820055555"}),
            ("DELETE", f"/api/v1/societies/{society['id']}/coordinators/{society['coordinators'][0]['id']}", None)):
        r = http.request(method, path, json=body, headers=auth("officer2"))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope"), (method, path)
    # nor register one at the home station
    r = http.post("/api/v1/societies", json={**SOCIETY, "station_id": station_id}, headers=auth("officer2"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    assert http.get(f"/api/v1/societies/{society['id']}", headers=auth("officer")).json()["active"] is True
    # a dispatcher registers none
    assert http.get("/api/v1/societies", headers=auth("dispatcher")).status_code == 403


def test_a_city_account_registers_at_the_station_holding_the_pin_and_bad_input_writes_nothing(http, auth, container):
    add_account(container, "city_admin", Role.ADMIN, ScopeKind.CITY, "mumbai")
    r = http.post("/api/v1/societies", json=SOCIETY, headers=auth("city_admin"))
    assert r.status_code == 201, r.text
    assert r.json()["station_id"] == container.stations.resolve(PIN["lon"], PIN["lat"]).station.id
    before = http.get("/api/v1/societies", headers=auth("admin")).json()["societies"]
    for body in ({**SOCIETY, "name": " "}, {**SOCIETY, "lat": 0, "lon": 0}, {**SOCIETY, "lat": "north"}):
        r = http.post("/api/v1/societies", json=body, headers=auth("officer"))
        assert r.status_code == 422, r.text
    r = http.post(f"/api/v1/societies/{before[0]['id']}/coordinators", json={"name": "Meera", "phone": "12345678"},
                  headers=auth("city_admin"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_phone")
    assert http.get("/api/v1/societies", headers=auth("admin")).json()["societies"] == before


def test_one_number_coordinates_one_society(http, auth, society):
    other = http.post("/api/v1/societies", json={**SOCIETY, "name": "Another CHS"}, headers=auth("officer")).json()
    r = http.post(f"/api/v1/societies/{other['id']}/coordinators", json={"name": "Meera", "phone": COORDINATOR},
                  headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "coordinator_taken")


def test_a_coordinators_sms_about_a_womans_safety_is_a_p1_incident_at_the_society(http, auth, society, sms,
                                                                                  home_station, caplog):
    caplog.set_level(logging.DEBUG)
    # to the station's general number, where triage alone starts at P3 (harassment raises it to P2 only)
    r = sms.send("A man is harassing a girl near our gate, please come", sender=COORDINATOR,
                 to=home_station.general_number)
    assert r.status_code == 200, r.text
    i = incident(http, auth, tracking_of(r.text))
    assert (i["priority"], i["category"]) == (1, "stalking_harassment")
    assert i["society_id"] == society["id"] and i["society_name"] == SOCIETY["name"]
    assert i["location"]["coordinates"] == [PIN["lon"], PIN["lat"]] and i["location_known"] is True
    assert i["station_id"] == home_station.id and i["match"] == "society"
    queue = http.get("/api/v1/incidents", headers=auth("dispatcher")).json()
    assert [q["society_name"] for q in queue["incidents"]] == [SOCIETY["name"]]
    assert DIGITS not in caplog.text


def test_a_coordinators_non_safety_message_keeps_triages_priority_and_an_unknown_sender_is_unaffected(
        http, auth, society, sms, home_station):
    r = sms.send("The water tank in our building is leaking", sender=COORDINATOR, to=home_station.general_number)
    i = incident(http, auth, tracking_of(r.text))
    assert (i["priority"], i["society_name"]) == (3, SOCIETY["name"])
    r = sms.send("A man is harassing a girl near our gate, please come", sender="+919820012345",
                 to=home_station.general_number)
    i = incident(http, auth, tracking_of(r.text))
    assert (i["priority"], i["society_id"], i["society_name"], i["match"]) == (2, None, None, "helpline")
    assert i["location_known"] is False


def test_a_location_in_the_coordinators_message_wins_over_the_societys_pin(http, auth, society, sms, home_station):
    r = sms.send("A man is stalking a woman at the bus stop geo:18.9220,72.8347", sender=COORDINATOR,
                 to=home_station.general_number)
    i = incident(http, auth, tracking_of(r.text))
    assert i["location"]["coordinates"] == [72.8347, 18.922] and i["match"] != "society"
    assert (i["priority"], i["society_name"]) == (1, SOCIETY["name"])


def test_a_coordinators_forwarded_whatsapp_message_is_a_p1_incident_at_the_society(http, auth, society, container,
                                                                                   home_station):
    m = message(sender=COORDINATOR.removeprefix("+"),
                body="Forwarded from our group: a drunk man is molesting a woman in the compound")
    r = WhatsAppSender(http).post(delivery(change([m])))
    assert r.status_code == 200, r.text
    im, inc = metadata.tables["inbound_messages"], metadata.tables["incidents"]
    with container.engine.connect() as conn:
        tracking = conn.execute(select(inc.c.tracking).join(im, im.c.incident_id == inc.c.id)
                                .where(im.c.provider_id == m["id"])).scalar_one()
    i = incident(http, auth, tracking)
    assert (i["channel"], i["priority"], i["category"]) == ("whatsapp", 1, "sexual_assault")
    assert (i["society_name"], i["station_id"]) == (SOCIETY["name"], home_station.id)
    assert i["location"]["coordinates"] == [PIN["lon"], PIN["lat"]]


def test_a_deactivated_society_or_a_removed_coordinator_is_no_longer_matched(http, auth, society, sms, home_station):
    text = "A man is harassing a girl near our gate"
    r = http.put(f"/api/v1/societies/{society['id']}/active", json={"active": False}, headers=auth("officer"))
    assert r.status_code == 200 and r.json()["active"] is False
    i = incident(http, auth, tracking_of(sms.send(text, sender=COORDINATOR, to=home_station.general_number).text))
    assert (i["priority"], i["society_name"]) == (2, None)
    http.put(f"/api/v1/societies/{society['id']}/active", json={"active": True}, headers=auth("officer"))
    r = http.delete(f"/api/v1/societies/{society['id']}/coordinators/{society['coordinators'][0]['id']}",
                    headers=auth("officer"))
    assert r.status_code == 200 and r.json()["coordinators"] == []
    i = incident(http, auth, tracking_of(sms.send(text, sender="+919820066666",
                                                  to=home_station.general_number).text))
    assert i["society_name"] is None


def test_an_edit_moves_the_pin_of_the_alerts_that_follow(http, auth, society, sms, home_station):
    moved = {**SOCIETY, "name": "Sagar Darshan Co-op Housing Society", "lat": 18.9100, "lon": 72.8160}
    assert http.put(f"/api/v1/societies/{society['id']}", json=moved, headers=auth("officer")).status_code == 200
    i = incident(http, auth, tracking_of(sms.send("Help me", sender=COORDINATOR, to=home_station.general_number).text))
    assert i["location"]["coordinates"] == [72.816, 18.91] and i["society_name"] == moved["name"]


def test_another_nodes_lookup_is_refreshed_by_the_event(http, auth, society, container):
    """A second process's cache (the same database): built, then refreshed by `SocietyChanged` from the bus."""
    other = SocietyService(container.engine, container.clock, container.stations, container.intake._sealer)
    fingerprint = container.intake._sealer.fingerprint(COORDINATOR)
    assert other.coordinator(fingerprint).id == society["id"]
    container.bus.on("SocietyChanged", lambda _e: other.reload())
    http.put(f"/api/v1/societies/{society['id']}/active", json={"active": False}, headers=auth("officer"))
    deadline = time.monotonic() + 10
    while other.coordinator(fingerprint) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert other.coordinator(fingerprint) is None


def test_the_page_registers_a_society_and_adds_a_coordinator(server_url, container, station_id):
    client, _ = web_sign_in(server_url, container, "officer", "/societies")
    page = client.get("/societies")
    assert page.status_code == 200 and 'id="society-map"' in page.text
    from tests.conftest import csrf_of
    r = client.post("/societies", data={"csrf": csrf_of(page.text), **{k: str(v) for k, v in SOCIETY.items()}})
    assert r.status_code == 303, r.text
    detail = client.get(r.headers["location"])
    assert SOCIETY["name"] in detail.text and 'data-testid="done"' in detail.text
    path = r.headers["location"].split("?")[0]
    r = client.post(f"{path}/coordinators", data={"csrf": csrf_of(detail.text), "name": "Meera Kulkarni",
                                                  "phone": COORDINATOR})
    assert r.status_code == 303
    detail = client.get(path)
    assert "Meera Kulkarni" in detail.text and DIGITS not in detail.text
    assert DIGITS not in client.get("/societies").text
    hindi = client.get("/hi/societies")
    assert hindi.status_code == 200 and "हाउसिंग सोसाइटी" in hindi.text
