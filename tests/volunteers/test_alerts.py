"""Volunteers near an SOS (issue 10, point 5): only verified volunteers on duty within the radius are alerted, the
nearest first and no more than the cap, once however often and by however many processes the step runs; they see
a coarse place and never her identity; accepting and declining go on the incident's timeline, where the control
room sees who accepted (with their name and phone); an expired alert, or one whose incident is closed, cannot be
accepted; and a volunteer reads nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.core.events import Event
from suraksha.incidents.store import incidents
from suraksha.volunteers.model import coarse_point
from suraksha.volunteers.store import volunteer_alerts, volunteer_callouts
from suraksha.web.stream import visible_to
from tests.conftest import at_once, csrf_of, web_sign_in
from tests.volunteers.conftest import HER, HER_PHONE, HER_WORDS, count, north
from tests.web.test_stream import Feed


def alerts_of(http, auth, username: str) -> list[dict]:
    r = http.get("/api/v1/volunteer/alerts", headers=auth(username))
    assert r.status_code == 200, r.text
    return r.json()["alerts"]


def volunteer_sms(container) -> list[tuple[str, str]]:
    container.messages.deliver_due()
    return [(to, body) for to, body in container.messages.provider.sent if "volunteer alert" in body]


def alerted_accounts(container) -> list[int]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(events_table.c.payload).where(events_table.c.type == "VolunteerAlerted")).all()
    return sorted(p["volunteer_account_id"] for (p,) in rows)


def incident_id(container, tracking: str) -> int:
    with container.engine.connect() as conn:
        return conn.execute(select(incidents.c.id).where(incidents.c.tracking == tracking)).scalar_one()


def timeline(http, auth, tracking: str, who: str = "dispatcher") -> list[dict]:
    r = http.get(f"/api/v1/incidents/{tracking}/timeline", headers=auth(who))
    assert r.status_code == 200, r.text
    return r.json()["timeline"]


# who is alerted ----------------------------------------------------------------------------------------
def test_only_verified_volunteers_on_duty_within_the_radius_are_alerted(container, enrol, sos, http, auth):
    near = enrol("Asha Near", north(HER, 400))
    nearer = enrol("Meena Nearer", north(HER, 80))
    enrol("Far Away", north(HER, 3000))
    enrol("Not Yet Met", north(HER, 100), status="applied")
    enrol("Suspended One", north(HER, 100), status="suspended")
    enrol("Off Duty", north(HER, 100), available=False)
    tracking = sos()
    assert container.volunteers.alert_due() == 1
    assert alerted_accounts(container) == sorted([near["principal"].account_id, nearer["principal"].account_id])
    assert count(container, "volunteer_alerts") == 2
    assert sorted(to for to, _ in volunteer_sms(container)) == sorted([near["phone"], nearer["phone"]])
    assert [a["distance_band"] for a in alerts_of(http, auth, nearer["username"])] == ["under_250m"]
    assert [a["distance_band"] for a in alerts_of(http, auth, near["username"])] == ["250_500m"]
    helping = http.get(f"/api/v1/incidents/{tracking}/volunteers", headers=auth("dispatcher")).json()
    assert (helping["alerted"], helping["waiting"], helping["accepted"], helping["radius_m"]) == (2, 2, [], 1000)
    entry = next(e for e in timeline(http, auth, tracking) if e["kind"] == "volunteers_alerted")
    assert entry["detail"] == {"count": 2, "radius_m": 1000}


def test_no_more_than_the_cap_are_alerted_the_nearest_first(container, enrol, sos, monkeypatch):
    monkeypatch.setattr(container.volunteers.callout, "max_alerts", 2)
    people = [enrol(f"Volunteer {m}", north(HER, m)) for m in (700, 150, 400, 50)]
    sos()
    container.volunteers.alert_due()
    assert alerted_accounts(container) == sorted([people[3]["principal"].account_id,
                                                  people[1]["principal"].account_id])


def test_a_volunteer_is_alerted_where_they_are_or_else_for_their_area(container, enrol, sos):
    # no position shared: their area (Tajmahal post office, about 540 m from her) counts
    at_home = enrol("At Home")
    moved_away = enrol("Moved Away", north(HER, 6000))  # lives near, shared a position far away
    sos()
    container.volunteers.alert_due()
    assert alerted_accounts(container) == [at_home["principal"].account_id]
    assert moved_away["id"]


def test_what_is_not_an_sos_alerts_nobody(container, enrol, make_incident, home_station, sos, http, auth):
    enrol("Asha Near", north(HER, 100))
    make_incident("Help, a man is following me", lat=HER[0], lon=HER[1], to=home_station.general_number,
                  sender="+919820000001")  # P3: to the general number
    make_incident("Help, a man is following me", sender="+919820000002")  # P1, her place unknown
    cyber = make_incident("Someone made a fake profile with my photos", lat=HER[0], lon=HER[1],
                          sender="+919820000003")  # P1, but cyber: nobody nearby can help in person
    assert http.get(f"/api/v1/incidents/{cyber}", headers=auth("dispatcher")).json()["category"] == "cyber"
    closed = sos(sender="+919820000004")
    r = http.post(f"/api/v1/incidents/{closed}/close", json={"disposition": "false_alarm", "note": ""},
                  headers=auth("dispatcher"))
    assert r.status_code == 200, r.text
    container.volunteers.alert_due()
    assert count(container, "volunteer_alerts") == 0
    container.clock.advance(minutes=1)
    late = sos(sender="+919820000005")
    container.clock.advance(minutes=11)  # the step did not run for longer than an alert lasts: too late now
    container.volunteers.alert_due()
    assert count(container, "volunteer_alerts") == 0
    assert count(container, "volunteer_callouts", incident_id=incident_id(container, late)) == 0
    with container.engine.connect() as conn:  # the cyber SOS was looked at once, and alerted nobody
        done = conn.execute(select(volunteer_callouts.c.alerted).where(
            volunteer_callouts.c.incident_id == incident_id(container, cyber))).scalar_one()
    assert done == 0


# once ------------------------------------------------------------------------------------------------------
def test_the_step_alerts_once_however_often_it_runs(container, enrol, sos):
    enrol("Asha Near", north(HER, 100))
    sos()
    assert container.volunteers.alert_due() == 1
    container.clock.advance(seconds=1)
    assert container.volunteers.alert_due() == 0
    assert count(container, "volunteer_alerts") == 1 and len(volunteer_sms(container)) == 1


def test_two_processes_looking_at_once_alert_each_sos_once(container, enrol, make_incident, test_settings):
    people = [enrol(f"Volunteer {m}", north(HER, m)) for m in (60, 120, 180)]
    trackings = [make_incident(HER_WORDS, lat=HER[0], lon=HER[1], sender=f"+91982001{i:04d}") for i in range(6)]
    other = build_container(test_settings, clock=container.clock)  # a second node on the same database
    other.stations.reload()
    try:
        done = at_once([container, other], lambda c: c.volunteers.alert_due())
        done.append(container.volunteers.alert_due() + other.volunteers.alert_due())
    finally:
        other.engine.dispose()
    assert sum(done) == len(trackings)
    assert count(container, "volunteer_callouts") == len(trackings)
    assert count(container, "volunteer_alerts") == len(trackings) * len(people)
    assert len(alerted_accounts(container)) == len(trackings) * len(people)
    with container.engine.connect() as conn:
        pairs = conn.execute(select(volunteer_alerts.c.incident_id, volunteer_alerts.c.volunteer_id)).all()
    assert len(set(pairs)) == len(pairs)


# what a volunteer may know ---------------------------------------------------------------------------------
def test_a_volunteer_sees_a_coarse_place_and_never_her_identity(container, enrol, sos, http, auth, server_url):
    asha = enrol("Asha Near", north(HER, 150))
    tracking = sos()
    container.volunteers.alert_due()
    seen = {"api me": http.get("/api/v1/volunteer", headers=auth(asha["username"])).text,
            "api alerts": http.get("/api/v1/volunteer/alerts", headers=auth(asha["username"])).text,
            "sms": "\n".join(body for _, body in volunteer_sms(container))}
    client, _ = web_sign_in(server_url, container, asha["username"], "/volunteer")
    try:
        seen["page"] = client.get("/volunteer").text
        seen["page in Marathi"] = client.get("/mr/volunteer").text
        seen["live part"] = client.get("/volunteer?part=alerts").text
    finally:
        client.close()
    alert = json.loads(seen["api alerts"])["alerts"][0]
    assert set(alert) == {"id", "help", "locality", "area", "distance_band", "alerted_at", "expires_at", "state",
                          "answered_at", "can_answer"}
    assert alert["help"] == "domestic_violence" and alert["locality"] == "Nariman Point"
    area = coarse_point(*HER)
    assert (alert["area"]["lat"], alert["area"]["lon"]) == area != (round(HER[0], 4), round(HER[1], 4))
    assert "Nariman Point" in seen["sms"] and "violence at home" in seen["sms"] and "250 to 500 m" not in seen["sms"]
    assert "less than 250 m" in seen["sms"] and "/volunteer" in seen["sms"] and "112" in seen["sms"]
    her = [HER_PHONE, HER_PHONE[3:], "98200 12345", "husband", "stick", HER_WORDS, tracking, tracking.replace("-", ""),
           f"{HER[0]}", f"{HER[1]}", f"{HER[0]:.4f}", f"{HER[1]:.4f}", f"{HER[0]:.3f}", f"{HER[1]:.3f}"]
    for where, text in seen.items():
        leaked = [s for s in her if s in text]
        assert not leaked, f"{where} shows {leaked}"
    assert f"geo:{area[0]},{area[1]}" in seen["page"]


# accepting and declining ----------------------------------------------------------------------------------
def test_accepting_and_declining_go_on_the_timeline_and_the_control_room_sees_who_accepted(
        container, enrol, sos, http, auth):
    asha, meena = enrol("Asha Near", north(HER, 100)), enrol("Meena Near", north(HER, 300))
    tracking = sos()
    container.volunteers.alert_due()
    mine = alerts_of(http, auth, asha["username"])[0]
    container.clock.advance(minutes=2)
    r = http.post(f"/api/v1/volunteer/alerts/{mine['id']}/accept", headers=auth(asha["username"]))
    assert r.status_code == 200 and r.json()["state"] == "accepted" and not r.json()["can_answer"], r.text
    again = http.post(f"/api/v1/volunteer/alerts/{mine['id']}/accept", headers=auth(asha["username"]))
    assert again.status_code == 200 and again.json()["answered_at"] == r.json()["answered_at"]  # nothing new
    changed = http.post(f"/api/v1/volunteer/alerts/{mine['id']}/decline", headers=auth(asha["username"]))
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "already_answered"
    theirs = alerts_of(http, auth, meena["username"])[0]
    assert http.post(f"/api/v1/volunteer/alerts/{theirs['id']}/decline",
                     headers=auth(meena["username"])).json()["state"] == "declined"

    entries = [e for e in timeline(http, auth, tracking) if e["kind"].startswith("volunteer_")]
    assert [(e["kind"], e["actor"], e["detail"]["name"]) for e in entries] == [
        ("volunteer_accepted", asha["username"], "Asha Near"), ("volunteer_declined", meena["username"], "Meena Near")]
    for who in ("dispatcher", "officer"):
        seen = http.get(f"/api/v1/incidents/{tracking}/volunteers", headers=auth(who))
        assert seen.status_code == 200, seen.text
        body = seen.json()
        assert [(p["name"], p["phone"]) for p in body["accepted"]] == [("Asha Near", asha["phone"])]
        assert (body["declined"], body["waiting"], body["accepted"][0]["skills"]) == (1, 0, ["first_aid"])
    assert http.get(f"/api/v1/incidents/{tracking}/volunteers", headers=auth("outsider")).status_code == 404
    for who in ("responder", "admin", "registry"):
        assert http.get(f"/api/v1/incidents/{tracking}/volunteers", headers=auth(who)).status_code == 403
    with container.engine.connect() as conn:  # the consoles in scope are told, live
        changes = [p["change"] for (p,) in conn.execute(select(events_table.c.payload).where(
            events_table.c.type == "IncidentUpdated"))]
    assert changes.count("volunteer_accepted") == 1 and changes.count("volunteer_declined") == 1
    history = http.get(f"/api/v1/volunteers/{asha['id']}", headers=auth("officer")).json()["history"]
    assert [h["change"] for h in history][-1] == "accepted" and history[-1]["by"] == asha["username"]


def test_an_expired_alert_or_one_whose_incident_is_closed_cannot_be_accepted(container, enrol, sos, http, auth):
    asha = enrol("Asha Near", north(HER, 100))
    first = sos(sender="+919820000011")
    container.volunteers.alert_due()
    expired = alerts_of(http, auth, asha["username"])[0]
    container.clock.advance(minutes=10)  # SURAKSHA_VOLUNTEER_ALERT_MINUTES
    r = http.post(f"/api/v1/volunteer/alerts/{expired['id']}/accept", headers=auth(asha["username"]))
    assert r.status_code == 409 and r.json()["error"]["code"] == "alert_expired", r.text
    second = sos(sender="+919820000012")
    container.volunteers.alert_due()
    current = next(a for a in alerts_of(http, auth, asha["username"]) if a["id"] != expired["id"])
    assert current["state"] == "waiting"
    assert http.post(f"/api/v1/incidents/{second}/close", json={"disposition": "attended_resolved", "note": ""},
                     headers=auth("dispatcher")).status_code == 200
    r = http.post(f"/api/v1/volunteer/alerts/{current['id']}/accept", headers=auth(asha["username"]))
    assert r.status_code == 409 and r.json()["error"]["code"] == "alert_withdrawn", r.text
    states = {a["id"]: a["state"] for a in alerts_of(http, auth, asha["username"])}
    assert states == {expired["id"]: "expired", current["id"]: "withdrawn"}
    for tracking in (first, second):  # nothing was written
        assert not [e for e in timeline(http, auth, tracking) if e["kind"] == "volunteer_accepted"]
    with container.engine.connect() as conn:
        assert conn.execute(select(volunteer_alerts.c.answer)).scalars().all() == [None, None]


def test_the_page_answers_without_script_and_checks_the_csrf_token(container, enrol, sos, server_url, http, auth):
    asha = enrol("Asha Near", north(HER, 100))
    tracking = sos()
    container.volunteers.alert_due()
    client, _ = web_sign_in(server_url, container, asha["username"], "/volunteer")
    try:
        page = client.get("/volunteer")
        alert_id = alerts_of(http, auth, asha["username"])[0]["id"]
        assert page.status_code == 200 and f"/volunteer/alerts/{alert_id}/accept" in page.text
        r = client.post(f"/volunteer/alerts/{alert_id}/accept", data={"csrf": "wrong"})
        assert r.status_code == 403
        r = client.post(f"/volunteer/alerts/{alert_id}/accept", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 303 and r.headers["location"] == "/volunteer?done=accept"
        assert 'data-state="accepted"' in client.get("/volunteer").text
        r = client.post(f"/hi/volunteer/alerts/{alert_id}/decline", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 409 and "आप इस अलर्ट का उत्तर पहले ही दे चुके हैं" in r.text
        r = client.post("/en/volunteer/position", data={"csrf": csrf_of(page.text), "place": "Nowhere-at-all"})
        assert r.status_code == 422 and "place was not found" in r.text  # (the Hindi page above set her cookie)
        r = client.post("/volunteer/position", data={"csrf": csrf_of(page.text), "place": "Colaba"})
        assert r.status_code == 303
        r = client.post("/volunteer/availability", data={"csrf": csrf_of(page.text), "available": "0"})
        assert r.status_code == 303 and 'data-available="no"' in client.get("/volunteer").text
    finally:
        client.close()
    assert [e["kind"] for e in timeline(http, auth, tracking) if e["kind"].startswith("volunteer_")] == \
        ["volunteer_accepted"]


# what a volunteer may not read -----------------------------------------------------------------------------
def test_a_volunteer_reads_no_incident_no_other_volunteer_and_no_staff_route(container, enrol, sos, http, auth):
    asha = enrol("Asha Near", north(HER, 100))
    other = enrol("Far Away", north(HER, 5000))
    tracking = sos()
    container.volunteers.alert_due()
    alert_id = alerts_of(http, auth, asha["username"])[0]["id"]
    me = auth(asha["username"])
    for path in ("/api/v1/incidents", f"/api/v1/incidents/{tracking}", f"/api/v1/incidents/{tracking}/timeline",
                 "/api/v1/incidents/search", "/api/v1/units", f"/api/v1/incidents/{tracking}/volunteers",
                 "/api/v1/volunteers", f"/api/v1/volunteers/{other['id']}", "/api/v1/response-targets",
                 "/api/v1/wallboard", "/console", "/volunteers", "/incidents", "/wallboard"):
        r = http.get(path, headers=me)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden_role", (path, r.text)
    r = http.post(f"/api/v1/volunteer/alerts/{alert_id}/accept", headers=auth(other["username"]))
    assert r.status_code == 404 and r.json()["error"]["code"] == "alert_not_found"
    assert alerts_of(http, auth, other["username"]) == []
    assert http.get("/api/v1/volunteer", headers=auth("volunteer")).json()["error"]["code"] == "volunteer_not_found"
    assert http.get("/api/v1/volunteer", headers=auth("dispatcher")).status_code == 403


def test_the_live_stream_gives_a_volunteer_only_their_own_alerts(container, enrol, sos, server_url, auth):
    asha, meena = enrol("Asha Near", north(HER, 100)), enrol("Meena Far", north(HER, 4000))
    now = datetime.now(UTC)
    scoped = {"scoped": True, "station_id": int(asha["principal"].scope_value), "city": "mumbai", "state": "MH"}
    reported = Event("IncidentReported", scoped | {"tracking": "ABCD-2345"}, now)
    for_asha = Event("VolunteerAlerted", {"scoped": False, "volunteer_account_id": asha["principal"].account_id,
                                          "alert_id": 1}, now)
    assert not visible_to(asha["principal"], reported) and visible_to(asha["principal"], for_asha)
    assert not visible_to(meena["principal"], for_asha)
    dispatcher = container.accounts.authenticate("dispatcher", "correct horse battery staple")
    assert visible_to(dispatcher, reported) and not visible_to(dispatcher, for_asha)

    mine, theirs = Feed(server_url, auth(asha["username"])), Feed(server_url, auth(meena["username"]))
    try:
        sos()
        container.volunteers.alert_due()
        _, _, payload = mine.wait_for(lambda kind, p: kind == "VolunteerAlerted")
        assert payload["volunteer_account_id"] == asha["principal"].account_id
        container.clock.advance(seconds=1)
        assert {kind for _, kind, _ in mine.events} == {"VolunteerAlerted"}
        assert theirs.events == []
    finally:
        mine.close()
        theirs.close()


def test_an_sos_whose_location_comes_after_later_ones_were_called_out_is_called_out_too(
        container, enrol, sos, make_incident):
    """The call-out reads on from where its last step got to; an older SOS that qualifies late (her location came
    in a follow-up) is found when the whole alert window is read again."""
    from suraksha.volunteers.callout import RESCAN

    enrol("Asha Near", north(HER, 200))
    first = make_incident(HER_WORDS, sender="+919820011111")  # no location yet: not an SOS volunteers can reach
    container.clock.advance(seconds=5)
    second = sos(sender="+919820022222")
    assert container.volunteers.alert_due() == 1
    container.clock.advance(seconds=5)
    assert make_incident(f"I am here geo:{HER[0]},{HER[1]}", sender="+919820011111") == first  # joins her incident
    container.clock.advance(seconds=RESCAN.total_seconds())
    assert container.volunteers.alert_due() == 1
    with container.engine.connect() as conn:
        called = set(conn.execute(select(volunteer_callouts.c.incident_id)).scalars())
    assert called == {incident_id(container, first), incident_id(container, second)}


def test_the_alert_windows_scan_pages_through_every_sos_once_ties_included(container, enrol, sos, monkeypatch):
    """The scan reads the window a page at a time by (receipt, id), each page from its own lower bound on receipt:
    SOS received at the same moment (ties) are neither skipped nor read twice, with pages of two or of one."""
    from suraksha.volunteers import callout

    since = container.clock.now() - timedelta(seconds=1)
    made = []
    for moment in range(3):  # three moments, with two, three and one SOS received at each
        made += [sos(sender=f"+91982003{moment}{k:03d}") for k in range((2, 3, 1)[moment])]
        container.clock.advance(seconds=1)
    window = container.incidents.sos_waiting(since, None, 1000)
    assert sorted(incident_id(container, t) for t in made) == sorted(s.id for s in window)
    assert window == sorted(window) and len({s.received_at for s in window}) == 3
    for size in (2, 1):
        paged, after = [], None
        while page := container.incidents.sos_waiting(since, after, size):
            assert len(page) <= size
            paged += page
            after = (page[-1].received_at, page[-1].id)
        assert paged == window

    enrol("Asha Near", north(HER, 100))
    monkeypatch.setattr(callout, "ARM_PAGE", 1)  # the call-out's own scan, one SOS a page: each armed once
    assert container.volunteers.alert_due() == len(made)
    with container.engine.connect() as conn:
        assert sorted(conn.execute(select(volunteer_callouts.c.incident_id)).scalars()) == sorted(s.id for s in window)
