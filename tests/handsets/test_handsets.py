"""The phones that carry helpline numbers (issue 8, point 7): recorded per number by station officers and
administrators, a reminder 30 days before a free period ends (given once, however many processes look), and a
number moved to another station taking its phones' history along."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.core.localtime import zone
from suraksha.handsets.model import HandsetFacts, HandsetProblem, check, reminder_due_at, state_of
from tests.conftest import at_once, csrf_of, rows_in, web_sign_in

TODAY = date(2026, 11, 22)  # the tests' clock: 22 Nov 2026, 10:00 in Mumbai


def phone(number: str, **over) -> dict:
    body = {"number": number, "model": "Samsung Galaxy M14", "sim_number": "8991 0000 1234 5678 901",
            "given_on": "2024-01-15", "free_until": (TODAY + timedelta(days=40)).isoformat(),
            "donor": "Mumbai Rotary club", "note": "kept at the duty officer's desk"}
    return body | over


count = rows_in


# the rules ------------------------------------------------------------------------------------------
def test_the_rules_of_a_handsets_facts():
    good = HandsetFacts(" Nokia  105 ", "8991-0000-1234-5678", date(2024, 1, 1), date(2027, 1, 1), " Donor ")
    assert check(good) == HandsetFacts("Nokia 105", "8991000012345678", date(2024, 1, 1), date(2027, 1, 1), "Donor")
    for broken, code in (
        (HandsetFacts("", "8991000012345678", date(2024, 1, 1), None, "D"), "handset_model_required"),
        (HandsetFacts("M", "12345", date(2024, 1, 1), None, "D"), "invalid_sim_number"),
        (HandsetFacts("M", "89910000ABCD5678", date(2024, 1, 1), None, "D"), "invalid_sim_number"),
        (HandsetFacts("M", "8991000012345678", date(2024, 1, 1), None, "  "), "handset_donor_required"),
        (HandsetFacts("M", "8991000012345678", date(2024, 1, 1), date(2023, 12, 31), "D"), "free_period_before_given"),
    ):
        with pytest.raises(HandsetProblem) as caught:
            check(broken)
        assert caught.value.code == code
    due = reminder_due_at(date(2027, 1, 15), zone("Asia/Kolkata"))
    assert due is not None and due.isoformat() == "2026-12-16T09:00:00+05:30"
    assert reminder_due_at(None, zone("Asia/Kolkata")) is None
    assert state_of(date(2027, 1, 1), None, date(2026, 11, 1)) == "in_service"
    assert state_of(date(2027, 1, 1), None, date(2026, 12, 2)) == "ending_soon"
    assert state_of(date(2027, 1, 1), None, date(2027, 1, 2)) == "period_over"
    assert state_of(None, None, date(2027, 1, 2)) == "in_service"
    assert state_of(date(2027, 1, 1), date(2026, 5, 1), date(2026, 1, 1)) == "retired"


# over HTTP -------------------------------------------------------------------------------------------
def test_a_station_officer_records_a_phone_on_her_stations_number(http, auth, home_station):
    r = http.post(f"/api/v1/stations/{home_station.id}/handsets", json=phone(home_station.women_helpline),
                  headers=auth("officer"))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["number"] == home_station.women_helpline and made["sim_number"] == "8991000012345678901"
    assert made["state"] == "in_service" and made["days_left"] == 40 and made["reminded_at"] is None
    listed = http.get(f"/api/v1/stations/{home_station.id}/handsets", headers=auth("officer")).json()
    women = next(n for n in listed["numbers"] if n["kind"] == "women")
    assert [h["id"] for h in women["in_service"]] == [made["id"]]
    assert [e["change"] for e in women["history"]][-1] == "added"
    assert http.get(f"/api/v1/handsets/{made['id']}", headers=auth("admin")).json()["model"] == "Samsung Galaxy M14"


@pytest.mark.parametrize(("over", "code"), [
    ({"sim_number": "12-34"}, "invalid_sim_number"),
    ({"free_until": "2023-01-01"}, "free_period_before_given"),
    ({"donor": "   "}, "handset_donor_required"),
    ({"number": "+919999999999"}, "number_not_at_station"),
    ({"number": "not a number"}, "invalid_phone"),
])
def test_bad_facts_get_a_4xx_with_a_code_and_write_nothing(http, auth, container, home_station, over, code):
    r = http.post(f"/api/v1/stations/{home_station.id}/handsets", json=phone(home_station.women_helpline) | over,
                  headers=auth("officer"))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert count(container, "handsets") == 0 and count(container, "handset_changes") == 0


def test_who_may_keep_phones(http, auth, container, home_station):
    other = next(s for s in container.stations.all("mumbai") if s.id != home_station.id and s.women_helpline)
    path = f"/api/v1/stations/{other.id}/handsets"
    assert http.get(path).status_code == 401
    r = http.post(path, json=phone(other.women_helpline), headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")
    r = http.get(path, headers=auth("dispatcher"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role")
    assert http.post(path, json=phone(other.women_helpline), headers=auth("admin")).status_code == 201
    mine = http.get("/api/v1/handsets", headers=auth("officer")).json()["handsets"]
    assert mine == []  # the other station's phone is outside her area
    assert len(http.get("/api/v1/handsets", headers=auth("admin")).json()["handsets"]) == 1


def test_a_number_moved_to_another_station_takes_its_phones_and_history_along(http, auth, container, home_station):
    made = http.post(f"/api/v1/stations/{home_station.id}/handsets", json=phone(home_station.women_helpline),
                     headers=auth("officer")).json()
    other = next(s for s in container.stations.all("mumbai") if s.id != home_station.id)
    r = http.put(f"/api/v1/stations/{other.id}/helplines", headers=auth("admin"),
                 json={"kind": "women", "number": home_station.women_helpline, "reason": "jurisdiction redrawn"})
    assert r.status_code == 200, r.text
    there = http.get(f"/api/v1/stations/{other.id}/handsets", headers=auth("admin")).json()
    carried = next(n for n in there["numbers"] if n["number"] == home_station.women_helpline)
    assert [h["id"] for h in carried["in_service"]] == [made["id"]]
    changes = [e["change"] for e in carried["history"]]
    assert "added" in changes and changes[-1] == "number_moved"
    moved = carried["history"][-1]
    assert (moved["from_station"], moved["to_station"]) == (home_station.name, other.name)
    here = http.get(f"/api/v1/stations/{home_station.id}/handsets", headers=auth("officer")).json()
    assert all(n["number"] != home_station.women_helpline for n in here["numbers"])
    # the phone now belongs to the other station: its old station's officer may not change it
    r = http.post(f"/api/v1/handsets/{made['id']}/retire", json={"reason": "lost"}, headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")


def test_edit_and_retire(http, auth, container, home_station):
    made = http.post(f"/api/v1/stations/{home_station.id}/handsets", json=phone(home_station.general_number),
                     headers=auth("officer")).json()
    body = {k: v for k, v in phone("").items() if k != "number"} | {"free_until": "2027-06-30"}
    edited = http.put(f"/api/v1/handsets/{made['id']}", json=body, headers=auth("officer")).json()
    assert edited["free_until"] == "2027-06-30"
    r = http.post(f"/api/v1/handsets/{made['id']}/retire", json={"reason": "  "}, headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "reason_required")
    r = http.post(f"/api/v1/handsets/{made['id']}/retire", json={"reason": "screen broken"}, headers=auth("officer"))
    assert r.status_code == 200 and r.json()["state"] == "retired" and r.json()["retired_on"] == TODAY.isoformat()
    r = http.put(f"/api/v1/handsets/{made['id']}", json=body, headers=auth("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "handset_retired")
    history = http.get(f"/api/v1/stations/{home_station.id}/handsets", headers=auth("officer")).json()
    general = next(n for n in history["numbers"] if n["kind"] == "general")
    assert [e["change"] for e in general["history"]][-3:] == ["added", "edited", "retired"]
    assert "free_until: " in general["history"][-2]["detail"] and "2027-06-30" in general["history"][-2]["detail"]
    assert general["in_service"] == [] and general["retired"][0]["retired_reason"] == "screen broken"
    assert http.get("/api/v1/handsets/999999", headers=auth("admin")).status_code == 404


# the reminder ----------------------------------------------------------------------------------------
def test_the_reminder_falls_due_30_days_before_and_is_given_once(http, auth, container, home_station):
    made = http.post(f"/api/v1/stations/{home_station.id}/handsets", json=phone(home_station.women_helpline),
                     headers=auth("officer")).json()  # free for 40 more days
    assert container.handsets.remind_due() == 0
    container.clock.advance(days=9)  # 31 days left: not yet
    assert container.handsets.remind_due() == 0
    container.clock.advance(days=1)  # 30 days left, 10:00 in Mumbai: due since 09:00
    assert container.handsets.remind_due() == 1
    assert container.handsets.remind_due() == 0
    assert count(container, "handset_changes", change="reminded") == 1
    with container.engine.connect() as conn:
        event = conn.execute(select(events_table).where(events_table.c.type == "HandsetFreePeriodEnding")).one()
    assert event.payload["station_id"] == home_station.id and event.payload["days_left"] == 30
    # (the officer's token has expired by now: ten days later, an administrator looks)
    got = http.get(f"/api/v1/handsets/{made['id']}", headers=auth("admin")).json()
    assert got["reminded_at"] is not None and got["state"] == "ending_soon"
    soon = http.get("/api/v1/handsets?ending_within_days=30", headers=auth("admin")).json()["handsets"]
    assert [h["id"] for h in soon] == [made["id"]]
    # a new free period sets a new reminder
    body = {k: v for k, v in phone("").items() if k != "number"} | {"free_until": "2027-12-31"}
    assert http.put(f"/api/v1/handsets/{made['id']}", json=body, headers=auth("admin")).status_code == 200
    assert container.handsets.remind_due() == 0
    container.clock.advance(days=365)
    assert container.handsets.remind_due() == 1


def test_a_retired_phone_gets_no_reminder(http, auth, container, home_station):
    made = http.post(f"/api/v1/stations/{home_station.id}/handsets", json=phone(home_station.women_helpline),
                     headers=auth("officer")).json()
    http.post(f"/api/v1/handsets/{made['id']}/retire", json={"reason": "returned to donor"}, headers=auth("officer"))
    container.clock.advance(days=60)
    assert container.handsets.remind_due() == 0


def test_two_processes_looking_at_once_give_each_reminder_once(http, auth, container, test_settings, home_station):
    for i in range(12):
        http.post(f"/api/v1/stations/{home_station.id}/handsets", headers=auth("officer"),
                  json=phone(home_station.women_helpline, sim_number=f"89910000123456{i:04d}"))
    container.clock.advance(days=20)
    other = build_container(test_settings, clock=container.clock)  # a second node on the same database
    other.stations.reload()
    try:
        given = at_once([container, other], lambda c: c.handsets.remind_due())
    finally:
        other.engine.dispose()
    assert sum(given) == 12
    assert count(container, "handset_changes", change="reminded") == 12
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(events_table.c.type == "HandsetFreePeriodEnding")) \
            .scalar_one() == 12


# the pages -------------------------------------------------------------------------------------------
def test_the_pages_record_a_phone_and_show_errors_in_her_language(server_url, container, home_station):
    client, _ = web_sign_in(server_url, container, "officer")
    try:
        overview = client.get("/phones")
        assert overview.status_code == 200 and f"/stations/{home_station.id}/phones" in overview.text
        page = client.get(f"/stations/{home_station.id}/phones")
        assert page.status_code == 200 and home_station.women_helpline in page.text
        form = phone(home_station.women_helpline) | {"csrf": csrf_of(page.text)}
        r = client.post(f"/stations/{home_station.id}/phones", data=form | {"sim_number": "12"})
        assert r.status_code == 422 and "10 to 22 digits" in r.text
        assert 'value="Mumbai Rotary club"' in r.text  # what she typed is kept
        r = client.post(f"/stations/{home_station.id}/phones", data=form)
        assert r.status_code == 303 and r.headers["location"].endswith("?done=added")
        page = client.get(r.headers["location"])
        assert "Samsung Galaxy M14" in page.text and 'data-testid="done"' in page.text
        hindi = client.get(f"/hi/stations/{home_station.id}/phones")
        assert '<html lang="hi"' in hindi.text and "दान" in hindi.text
        r = client.post(f"/hi/stations/{home_station.id}/phones", data=form | {"free_until": "2020-01-01"})
        assert r.status_code == 422 and "मुफ़्त अवधि" in r.text
        r = client.post(f"/stations/{home_station.id}/phones", data=form | {"csrf": "wrong"})
        assert r.status_code == 403
    finally:
        client.close()
    assert count(container, "handsets") == 1
    client, _ = web_sign_in(server_url, container, "dispatcher")
    try:
        assert client.get(f"/stations/{home_station.id}/phones").status_code == 403
    finally:
        client.close()
