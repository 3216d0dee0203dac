"""One incident per emergency (issue 9, point 6), through the real HTTP API on SQLite and PostgreSQL: suggested
merges of different callers near in place and time, "not the same", merging (her contacts listed on the incident
that stays, the duplicate out of the queue, her later messages joining it, she is told once in her language),
unmerging exactly, the refusals, and both timelines."""

from __future__ import annotations

from sqlalchemy import select

from suraksha.adapters.outbox import events_table as outbox
from suraksha.incidents.store import incident_contacts, incidents
from tests.conftest import tracking_of

HERE = (18.9192, 72.8292)  # inside Colaba
NEAR = (18.9205, 72.8295)  # about 150 m away, in Colaba too
FAR = (18.9330, 72.8292)  # about 1.5 km away (Azad Maidan)
FIRST, SECOND, THIRD, FOURTH = "+919820012345", "+919820054321", "+919820011111", "+919820022222"


def get(http, auth, tracking: str, who: str = "dispatcher") -> dict:
    r = http.get(f"/api/v1/incidents/{tracking}?timeline=true", headers=auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def suggested(http, auth, tracking: str, who: str = "dispatcher") -> list[str]:
    r = http.get(f"/api/v1/incidents/{tracking}/merge-suggestions", headers=auth(who))
    assert r.status_code == 200, r.text
    return [s["tracking"] for s in r.json()["suggestions"]]


def merge(http, auth, tracking: str, into: str, who: str = "dispatcher", reason: str = "same assault, two callers"):
    return http.post(f"/api/v1/incidents/{tracking}/merge", headers=auth(who), json={"into": into, "reason": reason})


def kinds(incident: dict) -> list[str]:
    return [e["kind"] for e in incident["timeline"]]


def queue(http, auth) -> set[str]:
    return {i["tracking"] for i in http.get("/api/v1/incidents", headers=auth("dispatcher")).json()["incidents"]}


def code(r) -> str:
    return r.json()["error"]["code"]


def test_callers_near_in_place_and_time_are_suggested_and_others_not(container, http, auth, make_incident):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("A woman is being dragged into a car help me", *NEAR, sender=SECOND)
    far = make_incident("Help me, he has a knife", *FAR, sender=THIRD)
    unknown = make_incident("Help, someone is shouting for help", sender=FOURTH)  # no location: never suggested
    assert suggested(http, auth, a) == [b]
    assert suggested(http, auth, b) == [a]
    assert suggested(http, auth, far) == []
    assert suggested(http, auth, unknown) == []
    first = http.get(f"/api/v1/incidents/{a}/merge-suggestions", headers=auth("dispatcher")).json()
    assert first["radius_m"] == 500 and first["window_minutes"] == 30
    assert 100 < first["suggestions"][0]["distance_m"] < 200
    container.clock.advance(minutes=45)  # later than the window after both: a new caller there is another matter
    late = make_incident("Help me please", *NEAR, sender="+919820033333")
    assert suggested(http, auth, late) == []
    assert late not in suggested(http, auth, a)


def test_not_the_same_hides_the_pair_for_good_and_is_on_both_timelines(container, http, auth, make_incident):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("Help me, there is a fight", *NEAR, sender=SECOND)
    r = http.post(f"/api/v1/incidents/{a}/merge-suggestions/{b}/reject", headers=auth("dispatcher"),
                  json={"reason": "different women, different streets"})
    assert r.status_code == 200, r.text
    assert r.json() == {"tracking": a, "other": b, "rejected": True}
    assert suggested(http, auth, a) == [] and suggested(http, auth, b) == []
    again = http.post(f"/api/v1/incidents/{b}/merge-suggestions/{a}/reject", headers=auth("dispatcher"))
    assert again.status_code == 200  # the same pair named the other way round: still one decision
    for t, other in ((a, b), (b, a)):
        entries = [e for e in get(http, auth, t)["timeline"] if e["kind"] == "merge_rejected"]
        assert len(entries) == 1 and entries[0]["detail"]["other"] == other and entries[0]["actor"] == "dispatcher"
    assert merge(http, auth, b, a).status_code == 200  # a person may still merge them


def test_merge_lists_every_contact_on_the_survivor_and_her_later_messages_join_it(container, http, auth, sms,
                                                                                   make_incident):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("A man is chasing a girl here help me", *NEAR, sender=SECOND)
    lowered = http.post(f"/api/v1/incidents/{a}/priority", headers=auth("dispatcher"),
                        json={"priority": 3, "reason": "she is safe in a shop"})
    assert lowered.status_code == 200
    r = merge(http, auth, b, a)
    assert r.status_code == 200, r.text
    survivor = r.json()
    assert survivor["tracking"] == a
    assert survivor["priority"] == 1  # the higher of the two
    assert {c["phone"] for c in survivor["contacts"]} == {FIRST, SECOND}
    assert [m["body"] for m in survivor["messages"]] == [
        f"Help, a man is following me geo:{HERE[0]},{HERE[1]}", f"A man is chasing a girl here help me geo:{NEAR[0]},{NEAR[1]}"]
    joined = [e for e in survivor["timeline"] if e["kind"] == "merged_in"]
    assert joined[0]["detail"].items() >= {"from": b, "contacts": 1, "messages": 1,
                                           "reason": "same assault, two callers"}.items()
    told = [m for m in survivor["outbound"] if m["kind"] == "merged"]
    assert len(told) == 1 and b in told[0]["body"] and a in told[0]["body"]  # she is told once
    duplicate = get(http, auth, b)
    assert duplicate["status"] == "merged" and duplicate["merged_into"] == a
    assert duplicate["contacts"] == [] and duplicate["messages"] == []
    assert "merged_into" in kinds(duplicate)
    assert b not in queue(http, auth) and a in queue(http, auth)
    assert a not in suggested(http, auth, a) and suggested(http, auth, a) == []
    later = sms.send("He is still outside the building", sender=SECOND)  # her number: joins the survivor
    assert tracking_of(later.text) == a
    assert len(get(http, auth, a)["messages"]) == 3
    with container.engine.connect() as conn:
        types = [r.type for r in conn.execute(select(outbox.c.type).order_by(outbox.c.id))]
    assert "IncidentMerged" in types


def test_unmerge_puts_back_exactly_what_the_merge_moved(container, http, auth, make_incident):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("A man is chasing a girl here help me", *NEAR, sender=SECOND)
    http.post(f"/api/v1/incidents/{a}/priority", headers=auth("dispatcher"), json={"priority": 3, "reason": "safe now"})
    assert merge(http, auth, b, a).status_code == 200
    r = http.post(f"/api/v1/incidents/{b}/unmerge", headers=auth("dispatcher"),
                  json={"reason": "a second woman: two emergencies"})
    assert r.status_code == 200, r.text
    back = r.json()
    assert back["status"] == "new" and back["merged_into"] is None
    assert [c["phone"] for c in back["contacts"]] == [SECOND] and len(back["messages"]) == 1
    assert "unmerged" in kinds(back) and "merged_into" in kinds(back)
    survivor = get(http, auth, a)
    assert [c["phone"] for c in survivor["contacts"]] == [FIRST] and len(survivor["messages"]) == 1
    assert survivor["priority"] == 3  # what it was before the merge raised it
    assert "merge_undone" in kinds(survivor)
    assert {a, b} <= queue(http, auth)
    again = http.post(f"/api/v1/incidents/{b}/unmerge", headers=auth("dispatcher"), json={"reason": "twice"})
    assert again.status_code == 409 and code(again) == "not_merged"
    c = make_incident("Help me please", *NEAR, sender=THIRD)
    assert merge(http, auth, b, a).status_code == 200 and merge(http, auth, a, c).status_code == 200  # a chain
    chained = http.post(f"/api/v1/incidents/{b}/unmerge", headers=auth("dispatcher"), json={"reason": "in order"})
    assert (chained.status_code, code(chained)) == (409, "survivor_merged")
    assert {ph["phone"] for ph in get(http, auth, c)["contacts"]} == {FIRST, SECOND, THIRD}
    for t in (a, b):
        assert http.post(f"/api/v1/incidents/{t}/unmerge", headers=auth("dispatcher"),
                         json={"reason": "in order"}).status_code == 200
    assert [ph["phone"] for ph in get(http, auth, c)["contacts"]] == [THIRD]
    with container.engine.connect() as conn:
        rows = conn.execute(select(incident_contacts.c.incident_id, incidents.c.tracking)
                            .join(incidents, incidents.c.id == incident_contacts.c.incident_id)).all()
    assert sorted(t for _, t in rows) == sorted([a, b, c])  # each caller back on her own incident


def test_refusals_have_stable_codes_and_change_nothing(container, http, auth, make_incident, station_id):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("Help me there is a fight", *NEAR, sender=SECOND)
    c = make_incident("Help me please", *NEAR, sender=THIRD)
    itself = merge(http, auth, a, a)
    assert (itself.status_code, code(itself)) == (409, "merge_into_itself")
    unknown = merge(http, auth, a, "ZZZZ-2345")
    assert (unknown.status_code, code(unknown)) == (404, "incident_not_found")
    closed = http.post(f"/api/v1/incidents/{c}/close", headers=auth("dispatcher"),
                       json={"disposition": "false_alarm", "note": ""})
    assert closed.status_code == 200
    into_closed = merge(http, auth, a, c)
    assert (into_closed.status_code, code(into_closed)) == (409, "merge_target_not_open")
    from_closed = merge(http, auth, c, a)
    assert (from_closed.status_code, code(from_closed)) == (409, "incident_closed")
    unit = container.dispatch.create_unit("MUM-CLB-001", "patrol_van", station_id)
    container.dispatch.assign(b, unit["id"])
    with_unit = merge(http, auth, b, a)
    assert (with_unit.status_code, code(with_unit)) == (409, "merge_unit_assigned")
    assert merge(http, auth, a, b).status_code == 200  # into the one with the unit: allowed
    merged_again = merge(http, auth, a, b)
    assert (merged_again.status_code, code(merged_again)) == (409, "incident_merged")
    into_merged = merge(http, auth, c, a)
    assert into_merged.status_code == 409
    acting = http.post(f"/api/v1/incidents/{a}/priority", headers=auth("dispatcher"),
                       json={"priority": 2, "reason": "on a merged one"})
    assert (acting.status_code, code(acting)) == (409, "incident_merged")
    unit2 = container.dispatch.create_unit("MUM-CLB-002", "patrol_van", station_id)
    send = http.post(f"/api/v1/incidents/{a}/assignments", headers=auth("dispatcher"), json={"unit_id": unit2["id"]})
    assert (send.status_code, code(send)) == (409, "incident_merged")
    assert get(http, auth, a)["status"] == "merged"


def test_scope_and_roles(container, http, auth, make_incident):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("Help me there is a fight", *NEAR, sender=SECOND)
    elsewhere = make_incident("Help me, he has a knife", 19.1197, 72.8468, sender=THIRD)  # Andheri: not Colaba's
    assert get(http, auth, elsewhere)["station_name"] != get(http, auth, a)["station_name"]
    outside = merge(http, auth, a, elsewhere, who="officer")  # Colaba's officer: the other is outside her area
    assert (outside.status_code, code(outside)) == (403, "out_of_scope")
    bengaluru = http.get(f"/api/v1/incidents/{a}/merge-suggestions", headers=auth("outsider"))
    assert bengaluru.status_code == 404
    assert merge(http, auth, a, b, who="outsider").status_code == 403
    assert merge(http, auth, a, b, who="responder").status_code == 403
    assert suggested(http, auth, a, who="officer") == [b]
    assert merge(http, auth, b, a, who="officer").status_code == 200


def test_she_is_told_in_her_language(container, http, auth, make_incident):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("मुझे बचाओ, कोई लड़की को खींच रहा है", *NEAR, sender=SECOND)
    survivor = merge(http, auth, b, a).json()
    told = [m["body"] for m in survivor["outbound"] if m["kind"] == "merged"]
    assert told == [f"सुरक्षा: आपकी रिपोर्ट {b} उसी घटना की रिपोर्ट {a} से जोड़ी गई। पुलिस इसे देख रही है। "
                    f"आगे {a} का उपयोग करें।"]


def test_her_number_joins_one_incident_on_every_channel_and_a_device_is_merged_as_a_caller(
        container, http, auth, make_incident):
    from tests.whatsapp_meta import WhatsAppSender, message

    t = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    assert WhatsAppSender(http).send(message(text={"body": "He is still behind me"},
                                             sender=FIRST.lstrip("+"))).status_code == 200
    sos = {"device_id": "app-7f3a9c", "lat": HERE[0], "lon": HERE[1], "accuracy_m": 10.0, "battery_pct": 40,
           "at": container.clock.now().isoformat()}
    r = http.post("/api/v1/sos", headers=auth("integration"), json=sos | {"phone": FIRST})
    assert r.status_code in (200, 201, 202) and r.json()["tracking"] == t
    joined = get(http, auth, t)
    assert [m["channel"] for m in joined["messages"]] == ["sms", "whatsapp", "sos"]
    assert [c["phone"] for c in joined["contacts"]] == [FIRST]  # one sender, listed once
    device = http.post("/api/v1/sos", headers=auth("integration"),
                       json=sos | {"device_id": "watch-0042", "lat": NEAR[0], "lon": NEAR[1]}).json()["tracking"]
    assert device != t and suggested(http, auth, t) == [device]  # another sender: only suggested
    survivor = merge(http, auth, device, t).json()
    assert len(survivor["contacts"]) == 2 and len(survivor["messages"]) == 4
    assert [m for m in survivor["outbound"] if m["kind"] == "merged"] == []  # a device without a number: no SMS


def test_the_queue_knows_which_incidents_have_a_suggestion(container, http, auth, make_incident):
    a = make_incident("Help, a man is following me", *HERE, sender=FIRST)
    b = make_incident("Help me there is a fight", *NEAR, sender=SECOND)
    far = make_incident("Help me, he has a knife", *FAR, sender=THIRD)
    container.clock.advance(minutes=45)
    late = make_incident("Help me please", *NEAR, sender=FOURTH)

    def badged(who: str = "dispatcher") -> list[str]:
        r = http.get("/api/v1/merge-suggestions", headers=auth(who))
        assert r.status_code == 200, r.text
        return r.json()["incidents"]

    assert badged() == sorted([a, b]) and far not in badged() and late not in badged()
    assert badged("outsider") == []
    http.post(f"/api/v1/incidents/{a}/merge-suggestions/{b}/reject", headers=auth("dispatcher"), json={})
    assert badged() == []
