"""Incidents by tracking number: the queue order, scopes, and who may see a victim's details."""

import logging

from sqlalchemy import select

from suraksha.incidents.store import inbound_messages, incident_contacts
from suraksha.messaging.store import outbound_messages


def test_queue_orders_by_priority_then_age(make_incident, http, auth, container, home_station):
    older_general = make_incident("station timings please", to=home_station.general_number, sender="+919820000001")
    container.clock.advance(minutes=1)
    p1_first = make_incident("help", sender="+919820000002")
    container.clock.advance(minutes=1)
    p1_second = make_incident("help", sender="+919820000003")
    queue = http.get("/api/v1/incidents", headers=auth("dispatcher")).json()["incidents"]
    assert [i["tracking"] for i in queue] == [p1_first, p1_second, older_general]


def test_scopes_decide_who_sees_an_incident(make_incident, http, auth):
    t = make_incident()
    assert http.get(f"/api/v1/incidents/{t}", headers=auth("officer")).status_code == 200
    assert http.get(f"/api/v1/incidents/{t}", headers=auth("outsider")).status_code == 404  # another city
    assert t not in [i["tracking"] for i in http.get("/api/v1/incidents", headers=auth("outsider")).json()["incidents"]]
    assert http.get(f"/api/v1/incidents/{t}").status_code == 401


def test_only_need_to_know_roles_see_the_victims_number_and_words(make_incident, http, auth):
    t = make_incident("he is outside my house")
    for who in ("dispatcher", "officer"):
        body = http.get(f"/api/v1/incidents/{t}", headers=auth(who)).json()
        assert body["contacts"][0]["phone"] == "+919820012345" and body["messages"][0]["body"]
    for who in ("responder", "admin"):
        body = http.get(f"/api/v1/incidents/{t}", headers=auth(who)).json()
        assert body["contacts"] is None and body["contacts_withheld"] is True and body["messages"] is None
        assert "+919820012345" not in str(body)


def test_tracking_numbers_are_forgiving_to_type(make_incident, http, auth):
    t = make_incident()
    assert http.get(f"/api/v1/incidents/{t.lower().replace('-', '')}", headers=auth("dispatcher")).json()["tracking"] == t
    missing = http.get("/api/v1/incidents/ZZZZ-ZZZZ", headers=auth("dispatcher"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "incident_not_found"


def test_contacts_and_texts_are_sealed_at_rest_and_kept_out_of_logs(make_incident, container, caplog):
    caplog.set_level(logging.DEBUG)
    make_incident("my name is Asha and he is following me")
    container.messages.deliver_due()
    with container.engine.connect() as conn:
        stored = str(conn.execute(select(incident_contacts)).all()) + str(conn.execute(select(inbound_messages)).all())
        stored += str(conn.execute(select(outbound_messages)).all())
    assert "9820012345" not in stored and "Asha" not in stored
    assert "9820012345" not in caplog.text and "Asha" not in caplog.text


def test_a_dispatcher_closes_an_incident_that_needs_no_unit(make_incident, http, auth):
    t = make_incident()
    assert http.post(f"/api/v1/incidents/{t}/close", headers=auth("responder"),
                     json={"disposition": "false_alarm"}).status_code == 403  # a crew does not close
    unknown = http.post(f"/api/v1/incidents/{t}/close", headers=auth("dispatcher"), json={"disposition": "whatever"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_disposition"
    r = http.post(f"/api/v1/incidents/{t}/close", headers=auth("dispatcher"),
                  json={"disposition": "referred_counselling"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (r.json()["disposition"], r.json()["closed_by"]) == ("Referred to counselling", "dispatcher")
    again = http.post(f"/api/v1/incidents/{t}/close", headers=auth("dispatcher"), json={"disposition": "duplicate"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "incident_closed"


def test_the_public_status_page_shows_progress_but_nothing_about_anyone(make_incident, http):
    t = make_incident("my name is Asha, help geo:18.9067,72.8147")
    page = http.get("/track", params={"tracking": t})
    assert page.status_code == 200 and "Received, police being informed" in page.text
    assert "Asha" not in page.text and "9820012345" not in page.text and "18.9067" not in page.text
    assert "No report has that tracking number" in http.get("/track", params={"tracking": "ZZZZ-ZZZZ"}).text


def test_a_responder_sees_the_contact_only_while_their_unit_is_on_the_incident(make_incident, http, auth, container,
                                                                              station_id):
    from suraksha.core.auth import Role, ScopeKind
    from tests.conftest import TEST_PASSWORD

    tracking = make_incident()
    unit = container.dispatch.create_unit("MUM-NS-555", "nirbhaya_squad", station_id)
    container.accounts.create_account("crew", TEST_PASSWORD, Role.RESPONDER, ScopeKind.STATION, str(station_id),
                                      unit_id=unit["id"])
    assert http.get(f"/api/v1/incidents/{tracking}", headers=auth("crew")).json()["contacts"] is None
    container.dispatch.assign(tracking, unit["id"])
    assert http.get(f"/api/v1/incidents/{tracking}", headers=auth("crew")).json()["contacts"][0]["phone"] == "+919820012345"
    container.dispatch.set_status(unit["id"], "en_route")
    container.dispatch.set_status(unit["id"], "on_scene")
    container.dispatch.set_status(unit["id"], "available")
    assert http.get(f"/api/v1/incidents/{tracking}", headers=auth("crew")).json()["contacts"] is None
