"""Noise without losing the real ones (issue 9, point 7; docs/adr/0009), through the real HTTP API: marking and
unmarking with roles and scope; a noise incident out of the queue, the alarm and the recommendations but kept,
searchable and on its timeline; the blank rule and what it never marks; a number calling back after a blank
contact shown first; a number with earlier noise flagged but still shown."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.incidents.store import incidents
from tests.conftest import add_account, tracking_of
from tests.whatsapp_meta import WhatsAppSender, message

ZERO_WIDTH = "\u200b\u200d "


def queue(http, auth, who="dispatcher") -> list[dict]:
    r = http.get("/api/v1/incidents", headers=auth(who))
    assert r.status_code == 200, r.text
    return r.json()["incidents"]


def noise_list(http, auth, who="dispatcher", **params) -> list[dict]:
    r = http.get("/api/v1/incidents/noise", headers=auth(who), params=params)
    assert r.status_code == 200, r.text
    return r.json()["incidents"]


def detail(http, auth, tracking, who="dispatcher") -> dict:
    r = http.get(f"/api/v1/incidents/{tracking}", params={"timeline": "true"}, headers=auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def mark(http, auth, tracking, kind, who="dispatcher", note="") -> dict:
    r = http.post(f"/api/v1/incidents/{tracking}/noise", headers=auth(who), json={"kind": kind, "note": note})
    assert r.status_code == 200, r.text
    return r.json()


def stored(container) -> int:
    with container.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(incidents)).scalar_one()


def other_station_officer(container):
    bandra = next(s for s in container.stations.all("mumbai") if s.name == "Bandra Police Station")
    add_account(container, "bandra_officer", Role.STATION_OFFICER, ScopeKind.STATION, str(bandra.id))
    return "bandra_officer"


def test_marking_and_unmarking_with_roles_scope_and_reasons(container, http, auth, make_incident):
    tracking = make_incident("he keeps calling me names, ha ha")
    body = {"kind": "prank", "note": "laughing, then hung up"}
    assert http.post(f"/api/v1/incidents/{tracking}/noise", json=body).status_code == 401
    for who in ("responder", "admin"):  # roles that do not manage incidents
        assert http.post(f"/api/v1/incidents/{tracking}/noise", headers=auth(who), json=body).status_code == 403
    outside = http.post(f"/api/v1/incidents/{tracking}/noise", headers=auth(other_station_officer(container)),
                        json=body)
    assert (outside.status_code, outside.json()["error"]["code"]) == (403, "out_of_scope")
    bad = http.post(f"/api/v1/incidents/{tracking}/noise", headers=auth("officer"), json={"kind": "spam"})
    assert bad.status_code == 422
    assert detail(http, auth, tracking)["noise_kind"] is None  # nothing written by the refusals

    marked = mark(http, auth, tracking, "prank", who="officer", note=body["note"])
    assert marked["noise_kind"] == "prank"
    entry = next(e for e in marked["timeline"] if e["kind"] == "marked_noise")
    assert entry["actor"] == "officer" and entry["detail"] == {"kind": "prank", "note": "laughing, then hung up"}
    again = http.post(f"/api/v1/incidents/{tracking}/noise", headers=auth("dispatcher"), json={"kind": "prank"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_noise")
    changed = mark(http, auth, tracking, "abusive")
    assert changed["noise_kind"] == "abusive"
    assert [e["detail"].get("from") for e in changed["timeline"] if e["kind"] == "marked_noise"] == [None, "prank"]

    no_reason = http.post(f"/api/v1/incidents/{tracking}/genuine", headers=auth("dispatcher"), json={"reason": ""})
    assert no_reason.status_code == 422
    assert http.post(f"/api/v1/incidents/{tracking}/genuine", headers=auth("responder"),
                     json={"reason": "she called back"}).status_code == 403
    undone = http.post(f"/api/v1/incidents/{tracking}/genuine", headers=auth("dispatcher"),
                       json={"reason": "she called back: her husband took the phone"})
    assert undone.status_code == 200, undone.text
    assert undone.json()["noise_kind"] is None
    entry = next(e for e in undone.json()["timeline"] if e["kind"] == "marked_genuine")
    assert entry["actor"] == "dispatcher" and entry["detail"]["from"] == "abusive"
    assert "her husband" in entry["detail"]["reason"]
    twice = http.post(f"/api/v1/incidents/{tracking}/genuine", headers=auth("dispatcher"),
                      json={"reason": "once more"})
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "not_noise")
    assert tracking in [i["tracking"] for i in queue(http, auth)]


def test_a_noise_incident_leaves_the_queue_the_alarm_and_dispatch_but_is_kept(container, http, auth, make_incident,
                                                                              home_station):
    tracking = make_incident("Help, a man is following me")  # the women helpline: P1
    assert detail(http, auth, tracking)["priority"] == 1
    before = stored(container)
    mark(http, auth, tracking, "silent", note="open line, nobody spoke")
    assert tracking not in [i["tracking"] for i in queue(http, auth)]
    assert [i["tracking"] for i in noise_list(http, auth)] == [tracking]
    assert noise_list(http, auth, kind="prank") == []
    found = http.get("/api/v1/incidents/search", params={"tracking": tracking}, headers=auth("dispatcher")).json()
    assert [(i["tracking"], i["noise_kind"]) for i in found["incidents"]] == [(tracking, "silent")]
    assert "marked_noise" in [e["kind"] for e in detail(http, auth, tracking)["timeline"]]
    assert stored(container) == before  # never deleted

    container.clock.advance(seconds=container.settings.unassigned_alarm_seconds + 5)
    assert container.incidents.alarm_unassigned() == 0  # a P1 marked as noise does not alarm
    wallboard = http.get("/api/v1/wallboard", headers=auth("dispatcher")).json()
    assert wallboard["open"]["total"] == 0
    unit = container.dispatch.create_unit("MUM-NS-101", "nirbhaya_squad", home_station.id)
    recommended = http.get(f"/api/v1/incidents/{tracking}/recommendations", headers=auth("dispatcher"))
    assert recommended.status_code == 200 and recommended.json()["recommendations"] == []
    sent = http.post(f"/api/v1/incidents/{tracking}/assignments", headers=auth("dispatcher"),
                     json={"unit_id": unit["id"]})
    assert (sent.status_code, sent.json()["error"]["code"]) == (409, "incident_is_noise")

    http.post(f"/api/v1/incidents/{tracking}/genuine", headers=auth("dispatcher"), json={"reason": "she wrote again"})
    assert tracking in [i["tracking"] for i in queue(http, auth)]
    assert container.incidents.alarm_unassigned() == 1  # genuine again: the P1 still waiting alarms
    assert http.get(f"/api/v1/incidents/{tracking}/recommendations",
                    headers=auth("dispatcher")).json()["recommendations"]


def test_a_unit_on_the_incident_refuses_the_mark(container, http, auth, make_incident, home_station):
    tracking = make_incident()
    unit = container.dispatch.create_unit("MUM-NS-102", "nirbhaya_squad", home_station.id)
    container.dispatch.assign(tracking, unit["id"])
    r = http.post(f"/api/v1/incidents/{tracking}/noise", headers=auth("dispatcher"), json={"kind": "prank"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "units_on_incident")


def test_the_blank_rule_marks_an_empty_text_and_nothing_else(container, http, auth, sms):
    blank = tracking_of(sms.send("   ", sender="+919820000001").text)
    invisible = tracking_of(sms.send(ZERO_WIDTH, sender="+919820000002").text)
    for tracking in (blank, invisible):
        incident = detail(http, auth, tracking)
        assert incident["noise_kind"] == "blank"
        entry = next(e for e in incident["timeline"] if e["kind"] == "marked_noise")
        assert entry["actor"] is None and entry["detail"] == {"kind": "blank", "rule": "blank_message", "by": "rules"}
    assert {i["tracking"] for i in noise_list(http, auth)} == {blank, invisible}
    assert queue(http, auth) == []

    # never: an emergency word, a location, an attachment, a panic button
    words = tracking_of(sms.send("bachao", sender="+919820000003").text)
    located = sms.form("", sender="+919820000004")
    located |= {"Latitude": "18.9067", "Longitude": "72.8147"}
    with_location = tracking_of(sms.post(located).text)
    photo = sms.form(" ", sender="+919820000005") | {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/m/1"}
    with_media = tracking_of(sms.post(photo).text)
    wa = WhatsAppSender(http)
    assert wa.send(message("location", sender="919820000006", latitude=18.9067, longitude=72.8147)).status_code == 200
    image = message("image", sender="919820000007", mime_type="image/jpeg")
    image["image"]["id"] = "1479537139650973"  # the media's id (message() takes `id` for the message's own)
    assert wa.send(image).status_code == 200
    assert wa.send(message("text", sender="919820000008", body=" \n ")).status_code == 200
    sos = http.post("/api/v1/sos", headers=auth("integration"), json={
        "device_id": "app-noise-1", "lat": 18.9067, "lon": 72.8147, "accuracy_m": 10, "battery_pct": 50,
        "at": container.clock.now().isoformat()})
    assert sos.status_code in (200, 201, 202), sos.text
    in_queue = {i["tracking"]: i for i in queue(http, auth)}
    assert {words, with_location, with_media, sos.json()["tracking"]} <= set(in_queue)
    assert len(in_queue) == 6  # and the WhatsApp location and image
    assert all(i["noise_kind"] is None for i in in_queue.values())
    whatsapp_blank = [i for i in noise_list(http, auth) if i["channel"] == "whatsapp"]
    assert len(whatsapp_blank) == 1  # the empty WhatsApp text is noise like the SMS


def test_a_number_calling_back_after_a_blank_contact_is_shown_first(container, http, auth, sms, make_incident):
    earlier = make_incident("a man is following me", sender="+919820011111")
    container.clock.advance(minutes=1)
    blank = tracking_of(sms.send(" ", sender="+919820022222").text)
    container.clock.advance(minutes=2)
    again = tracking_of(sms.send("", sender="+919820022222").text)
    assert again == blank  # another blank joins the noise incident: one in the noise list
    container.clock.advance(minutes=2)
    callback = tracking_of(sms.send("sorry, he was standing next to me", sender="+919820022222").text)
    assert callback != blank  # a real message after noise opens an incident in the queue
    listed = queue(http, auth)
    assert [i["tracking"] for i in listed] == [callback, earlier]
    assert listed[0]["flags"] == ["callback_after_blank"] and listed[1]["flags"] == []
    assert detail(http, auth, blank)["noise_kind"] == "blank"  # kept

    # after the window, a number's new contact is not flagged
    container.clock.advance(hours=7)
    later = tracking_of(sms.send("he is back", sender="+919820033333").text)
    container.clock.advance(hours=1)
    assert detail(http, auth, later)["flags"] == []


def test_a_number_with_earlier_noise_is_flagged_and_still_shown(container, http, auth, make_incident):
    caller = "+919820044444"
    first = make_incident("ha ha police", sender=caller)
    mark(http, auth, first, "prank")
    second = make_incident("ha ha again", sender=caller)
    assert second != first and detail(http, auth, second)["flags"] == []  # one earlier prank: not yet
    mark(http, auth, second, "abusive")
    third = make_incident("ha ha ha", sender=caller)
    shown = {i["tracking"]: i for i in queue(http, auth)}
    assert shown[third]["flags"] == ["repeat_noise"] and shown[third]["noise_kind"] is None
    test_call = make_incident("testing the line", sender="+919820055555")
    mark(http, auth, test_call, "test")
    mark(http, auth, make_incident("test two", sender="+919820055555"), "test")
    assert detail(http, auth, make_incident("test three", sender="+919820055555"))["flags"] == []  # tests do not count


def test_the_service_method_the_call_taker_screen_calls(container, make_incident):
    tracking = make_incident()
    dispatcher = Principal(0, "dispatcher", Role.DISPATCHER, ScopeKind.CITY, "mumbai")
    marked = container.noise.mark_noise(dispatcher, tracking, "silent", "nobody on the line")
    assert marked["noise_kind"] == "silent"
    assert tracking not in [i["tracking"] for i in container.incidents.list_open(dispatcher)]


def test_the_noise_list_takes_a_known_kind_and_closed_ones_on_request(container, http, auth, sms):
    tracking = tracking_of(sms.send(" ", sender="+919820066666").text)
    bad = http.get("/api/v1/incidents/noise", headers=auth("dispatcher"), params={"kind": "spam"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "unknown_noise_kind")
    assert [i["tracking"] for i in noise_list(http, auth, kind="blank")] == [tracking]
    http.post(f"/api/v1/incidents/{tracking}/close", headers=auth("dispatcher"), json={"disposition": "false_alarm"})
    assert noise_list(http, auth) == []
    assert [i["tracking"] for i in noise_list(http, auth, closed="true")] == [tracking]
    assert noise_list(http, auth, "outsider", closed="true") == []  # another city's control room


def test_a_panic_button_marked_test_calls_no_volunteer(container, http, auth):
    sos = http.post("/api/v1/sos", headers=auth("integration"), json={
        "device_id": "app-noise-test", "lat": 18.9067, "lon": 72.8147, "accuracy_m": 10, "battery_pct": 50,
        "at": container.clock.now().isoformat()}).json()
    since = container.clock.now() - timedelta(minutes=5)
    assert [s.id for s in container.incidents.sos_waiting(since, None, 10)]  # waiting for volunteers
    mark(http, auth, sos["tracking"], "test", note="the device's monthly test")
    assert container.incidents.sos_waiting(since, None, 10) == []
