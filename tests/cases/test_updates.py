"""She is told (issue 12, point 5): a message at the FIR, when an officer is assigned (and another takes the case), at
an arrest, the charge-sheet or closure report, each hearing date and the outcome, in her language (Marathi, Hindi);
none on channel "none" (the IO tells her in person and records it); the 90-day update, once however many processes
look, and not while something else went out in the 90 days; the case lists what went out; /track shows her case by
its FIR number and her case code, and nothing about her or the accused."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from suraksha.bootstrap import build_container
from suraksha.cases.store import cases
from suraksha.cases.updates import texts
from suraksha.cases.updates.model import Step, choose_channel, stage_of
from suraksha.messaging.segments import segments
from tests.cases.conftest import SECRETS, count
from tests.conftest import START, at_once

ACCUSED = ("Ramesh Kale", "neighbour, works at the depot")
COURT = "Special Court (POCSO) No. 2, Mumbai"


def sent_bodies(container) -> list[str]:
    container.messages.deliver_due()
    return [body for _, body in container.messages.provider.sent]


def case_of(http, bearer, number: str, who: str = "officer") -> dict:
    r = http.get(f"/api/v1/firs/{number}", headers=bearer(who))
    assert r.status_code == 200, r.text
    return r.json()


def tell(container, number: str, step: Step, **detail) -> None:
    """What the courts do at a hearing date and at the judgment: `tell` in their own transaction."""
    with container.engine.begin() as conn:
        row = conn.execute(select(cases).where(cases.c.fir_number == number)).one()
        container.cases.updates.tell(conn, row, step, container.clock.now(), **detail)


def arrest(http, bearer, number: str, position: int = 0, **over):
    body = {"arrested_at": "2026-11-22T09:00:00+05:30", "place": "Sassoon Dock, Colaba"} | over
    return http.post(f"/api/v1/firs/{number}/accused/{position}/arrest", json=body, headers=bearer("officer"))


def assert_nothing_about_anyone(*texts_: str) -> None:
    for t in texts_:
        for secret in (*SECRETS, *ACCUSED):
            assert secret.lower() not in t.lower(), (secret, t)


def case_code(body: str) -> str:
    m = re.search(r"\b([2-9A-HJKMNP-Z]{8})\b", body)
    assert m, body
    return m.group(1)


def test_she_is_told_each_step_in_marathi(http, bearer, container, officers, register):
    number = register()["fir_number"]  # her language: Marathi; her phone is given, so SMS
    assert http.post(f"/api/v1/firs/{number}/io", json={"username": "io_a"}, headers=bearer("officer")).status_code \
        == 200
    assert http.post(f"/api/v1/firs/{number}/io", json={"username": "io_b", "reason": "io_a is on leave"},
                     headers=bearer("officer")).status_code == 200
    r = arrest(http, bearer, number)
    assert r.status_code == 200, r.text
    assert [e["kind"] for e in r.json()["timeline"]][-1] == "accused_arrested"
    assert r.json()["arrests"][0]["place"] == "Sassoon Dock, Colaba"
    assert http.post(f"/api/v1/firs/{number}/charge-sheet", json={"reference": "CS 41/2026"},
                     headers=bearer("io_b")).status_code == 200
    tell(container, number, Step.HEARING_DATE, hearing_on=date(2027, 1, 15), court=COURT)
    tell(container, number, Step.OUTCOME, disposal="conviction")
    bodies = sent_bodies(container)
    assert len(bodies) == 7
    for body in bodies:
        assert body.startswith("सुरक्षा:") and number in body, body
        assert "Colaba" in body or "कुलाबा" in body, body  # the station, in her language where it has a name
        assert segments(body).count <= texts.MAX_SEGMENTS["mr"]
    assert "15-01-2027" in bodies[5] and COURT in bodies[5]
    assert "दोषी" in bodies[6]
    assert_nothing_about_anyone(*bodies)
    updates = case_of(http, bearer, number)["updates"]
    assert [u["step"] for u in updates] == ["fir_registered", "io_assigned", "io_reassigned", "arrest", "charge_sheet",
                                            "hearing_date", "outcome"]
    assert {(u["channel"], u["language"], u["status"]) for u in updates} == {("sms", "mr", "sent")}
    assert all(u["sent_at"] and u["case_code"] is None for u in updates)
    assert updates[5]["detail"] == {"hearing_on": "2027-01-15", "court": COURT}


def test_a_hindi_case_is_told_in_hindi_up_to_its_closure_report(http, bearer, container, officers, register,
                                                                station_id):
    victim = {"name": "Kavita Yadav", "phone": "+91 98200 11111", "age": 30, "language": "hi"}
    number = register(victim=victim, io_username="io_a")["fir_number"]
    assert http.post(f"/api/v1/firs/{number}/closure-report", json={"reference": "FR 2/2026"},
                     headers=bearer("io_a")).status_code == 200
    bodies = sent_bodies(container)
    assert len(bodies) == 3  # the FIR, the officer assigned with it, the closure report
    assert all(b.startswith("सुरक्षा:") and "Kavita" not in b for b in bodies)
    assert "क्लोज़र रिपोर्ट" in bodies[2]
    container.clock._now = START + timedelta(days=200)
    assert container.cases.updates.fire_due() == 0  # closed: no 90-day update
    # and the phone number reached the provider as her number, sealed on the way, never in a body
    assert {to for to, _ in container.messages.provider.sent} == {"+919820011111"}


def test_on_channel_none_nothing_is_sent_and_the_io_records_telling_her(http, bearer, container, officers, register):
    case = register(victim={"name": "Sunita Pawar", "phone": "+91 98200 54321", "language": "mr", "age": 24,
                            "channel": "none"}, io_username="io_a")
    number = case["fir_number"]
    assert count(container, "outbound_messages") == 0
    assert [(u["step"], u["status"]) for u in case["updates"]] == [("fir_registered", "to_tell_in_person"),
                                                                    ("io_assigned", "to_tell_in_person")]
    code = case["updates"][0]["case_code"]
    assert code and len(code) == 8  # the officer tells her the code in person …
    assert case_of(http, bearer, number, "admin")["updates"][0]["case_code"] is None  # … a reader does not see it
    first = case["updates"][0]["id"]
    r = http.post(f"/api/v1/firs/{number}/updates/{first}/told", json={"note": "at the station, with her sister"},
                  headers=bearer("io_a"))
    assert r.status_code == 200, r.text
    told = r.json()["updates"][0]
    assert (told["status"], told["told_by"], told["case_code"]) == ("told_in_person", "io_a", None)
    again = http.post(f"/api/v1/firs/{number}/updates/{first}/told", json={}, headers=bearer("io_a"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "update_not_to_tell")
    assert http.post(f"/api/v1/firs/{number}/updates/9999/told", json={}, headers=bearer("io_a")).json()["error"][
        "code"] == "update_not_found"
    assert http.post("/api/v1/case-status", json={"fir_number": number, "code": code}).status_code == 200
    assert count(container, "outbound_messages") == 0


def test_sms_without_a_phone_is_refused_and_nothing_is_written(http, bearer, container, station_id):
    from tests.cases.conftest import counts, fir_body

    before = counts(container)
    body = fir_body(station_id, victim={"name": "Sunita Pawar", "language": "hi", "age": 20, "channel": "sms"})
    r = http.post("/api/v1/firs", json=body, headers=bearer("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "victim_phone_required")
    assert counts(container) == before and count(container, "victim_updates") == 0
    without = http.post("/api/v1/firs", json=fir_body(station_id, victim={"name": "Sunita Pawar", "language": "hi"}),
                        headers=bearer("officer"))
    assert without.json()["updates"][0]["channel"] == "none"  # no phone: told in person by default


def test_a_failed_message_shows_as_failed_and_may_be_told_in_person(http, bearer, container, officers, register):
    number = register()["fir_number"]
    with container.engine.begin() as conn:  # the provider gave up on it (a bad number)
        conn.execute(text("UPDATE outbound_messages SET status = 'failed', last_error = 'Twilio answered 400'"))
    update = case_of(http, bearer, number)["updates"][0]
    assert (update["status"], update["error"]) == ("failed", "Twilio answered 400")
    r = http.post(f"/api/v1/firs/{number}/updates/{update['id']}/told", json={"note": "phoned from the station"},
                  headers=bearer("officer"))
    assert r.json()["updates"][0]["status"] == "told_in_person"


def test_the_90_day_update_is_sent_once_by_two_processes(http, bearer, container, test_settings, officers, register):
    numbers = [register()["fir_number"] for _ in range(3)]
    sent_bodies(container)
    container.messages.provider.sent.clear()
    container.clock._now = START + timedelta(days=90) - timedelta(minutes=1)
    assert container.cases.updates.fire_due() == 0
    container.clock._now = START + timedelta(days=90)
    other = build_container(test_settings, clock=container.clock)  # a second node on the same database
    other.stations.reload()  # as a node does when it starts
    try:
        fired = at_once([container, other], lambda c: c.cases.updates.fire_due(limit=2)
                        + c.cases.updates.fire_due(limit=2))
    finally:
        other.engine.dispose()
    assert sum(fired) == 3
    bodies = sent_bodies(container)
    assert len(bodies) == 3 and all("कारवाई सुरू" in b for b in bodies)
    for number in numbers:
        assert [u["step"] for u in case_of(http, bearer, number)["updates"]] == ["fir_registered", "progress"]
    assert container.cases.updates.fire_due() == 0
    container.clock._now = START + timedelta(days=180)  # and again 90 days later, while the case is open
    assert container.cases.updates.fire_due() == 3


def test_no_90_day_update_when_another_message_went_out_within_90_days(http, bearer, container, officers, register):
    number = register()["fir_number"]
    container.clock._now = START + timedelta(days=60)
    assert http.post(f"/api/v1/firs/{number}/io", json={"username": "io_a"}, headers=bearer("officer")).status_code \
        == 200
    container.clock._now = START + timedelta(days=90)
    assert container.cases.updates.fire_due() == 0
    container.clock._now = START + timedelta(days=149)
    assert container.cases.updates.fire_due() == 0
    container.clock._now = START + timedelta(days=150)
    assert container.cases.updates.fire_due() == 1
    steps = [u["step"] for u in case_of(http, bearer, number)["updates"]]
    assert steps == ["fir_registered", "io_assigned", "progress"]
    tell(container, number, Step.OUTCOME, disposal="acquittal")  # decided: nothing more is due
    container.clock._now = START + timedelta(days=400)
    assert container.cases.updates.fire_due() == 0


def test_an_arrest_is_checked(http, bearer, container, officers, register):
    number = register()["fir_number"]
    for over, position, status, code in (({"place": " "}, 0, 422, "arrest_place_required"),
                                         ({"arrested_at": "2026-11-20T10:00:00+05:30"}, 0, 422,
                                          "arrested_before_offence"),
                                         ({"arrested_at": "2026-12-20T10:00:00+05:30"}, 0, 422, "arrested_in_future"),
                                         ({}, 5, 404, "accused_not_found")):
        r = arrest(http, bearer, number, position, **over)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), over
    assert count(container, "accused_arrests") == 0
    assert arrest(http, bearer, number).status_code == 200
    again = arrest(http, bearer, number)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_arrested")
    assert arrest(http, bearer, number, 1).status_code == 200  # the unknown accused, arrested later
    r = http.post(f"/api/v1/firs/{number}/accused/0/arrest", json={"arrested_at": "2026-11-22T09:00:00+05:30",
                                                                    "place": "x"}, headers=bearer("sho_b"))
    assert r.status_code in (403, 404)


def test_track_shows_her_case_by_fir_number_and_code(http, bearer, container, officers, register):
    number = register(io_username="io_a")["fir_number"]
    code = case_code(sent_bodies(container)[0])
    url = "/api/v1/case-status"
    got = http.post(url, json={"fir_number": number.lower(), "code": code.lower()})
    assert got.status_code == 200, got.text
    assert got.json() == {"fir_number": number, "stage": "under_investigation", "station_name": "Colaba Police Station",
                          "io_assigned": True, "arrested": False, "next_hearing": None, "outcome": None,
                          "last_update_at": START.isoformat()}
    wrong = http.post(url, json={"fir_number": number, "code": "ZZZZ2345"})
    unknown = http.post(url, json={"fir_number": "MUM-1-2026-9999", "code": code})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert arrest(http, bearer, number).status_code == 200
    assert http.post(f"/api/v1/firs/{number}/charge-sheet", json={"reference": "CS 41/2026"},
                     headers=bearer("io_a")).status_code == 200
    tell(container, number, Step.HEARING_DATE, hearing_on=date(2026, 12, 15), court=COURT)
    body = http.post(url, json={"fir_number": number, "code": code}).json()
    assert (body["stage"], body["arrested"], body["next_hearing"]) == ("in_court", True,
                                                                       {"on": "2026-12-15", "court": COURT})
    page = http.post("/mr/track", data={"fir_number": number, "code": code})
    assert page.status_code == 200 and 'data-stage="in_court"' in page.text and "न्यायालयात" in page.text
    assert "2026-12-15" in page.text
    assert_nothing_about_anyone(page.text, str(body))
    refused = http.post("/track", data={"fir_number": number, "code": "ZZZZ2345"})
    assert 'data-testid="track-case-error"' in refused.text and 'data-testid="case-status"' not in refused.text
    tell(container, number, Step.OUTCOME, disposal="acquittal")
    assert http.post(url, json={"fir_number": number, "code": code}).json()["outcome"] == "acquittal"


def test_the_case_page_lists_what_she_was_told(http, bearer, container, officers, register, server_url):
    from tests.conftest import csrf_of, web_sign_in

    number = register(victim={"name": "Sunita Pawar", "phone": "+91 98200 54321", "language": "mr", "age": 24,
                              "channel": "none"})["fir_number"]
    client, _ = web_sign_in(server_url, container, "officer", f"/cases/{number}")
    page = client.get(f"/cases/{number}").text
    assert 'data-testid="update"' in page and 'data-status="to_tell_in_person"' in page
    assert 'data-testid="case-code"' in page
    r = client.post(f"/cases/{number}/arrest", data={"csrf": csrf_of(page), "position": "0",
                                                      "arrested_at": "2026-11-22T09:00", "place": "Colaba market"})
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert 'data-step="arrest"' in page and "Colaba market" in page
    update_id = re.search(r'/updates/(\d+)/told', page).group(1)
    r = client.post(f"/cases/{number}/updates/{update_id}/told", data={"csrf": csrf_of(page), "note": "at home"})
    assert r.status_code == 303
    assert 'data-status="told_in_person"' in client.get(f"/cases/{number}").text
    client.close()


def test_the_rules_of_telling():
    assert choose_channel(None, True).value == "sms" and choose_channel("", False).value == "none"
    assert stage_of("charge_sheeted", []).value == "charge_sheeted"
    assert stage_of("convicted", []).value == "disposed"
    with pytest.raises(ValueError):
        choose_channel("whatsapp", True)


def test_every_message_fits_and_names_no_one():
    for lang in ("en", "hi", "mr"):
        for step in texts.TEMPLATES:
            body = texts.body(step, lang, "BEN-1234-2026-1234", "kempegowda international Airport PS",
                              code="ABCD2345", link="https://suraksha.mahapolice.gov.in/track", day="15-01-2027",
                              court="Special Court (POCSO) No. 12, City Civil and Sessions Court, Greater Mumbai")
            assert segments(body).count <= texts.MAX_SEGMENTS[lang], (lang, step)
            assert "112" in body or step != "fir_registered"

