"""Registering an FIR (issue 12, point 1): through the API from a walk-in, an incident or an e-FIR; its number
(station, year, serial) unique however many are registered at once; every broken rule a stable 4xx with nothing
written; a woman officer for a sexual offence; a zero FIR transferred to the station with jurisdiction in one
action; an e-FIR on record once signed within three days, lapsed otherwise."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.cases.model import Fir
from suraksha.core.events import Event
from tests.cases.conftest import NAME, count, counts, fir_body, principal
from tests.conftest import START


def test_an_fir_for_rape_is_registered_with_its_number_and_a_60_day_deadline(http, bearer, station_id, register):
    made = register()
    assert made["fir_number"] == f"MUM-{station_id}-2026-0001"
    assert made["deadline_at"] == (START + timedelta(days=60)).isoformat()
    assert (made["days_left"], made["clock"], made["deadline_days"]) == (60, "ok", 60)
    assert made["status"] == "under_investigation" and made["kind"] == "walk_in" and made["sexual_offence"]
    assert made["sections"] == ["BNS 64", "BNS 351"] and made["woman_officer"] == "PSI Anjali Jadhav"
    assert made["victim"] == {"pseudonym": f"Survivor MUM-{station_id}-2026-0001-A", "age": 24, "language": "mr",
                              "sealed": True}
    assert [a["known"] for a in made["accused"]] == [True, False] and made["accused"][0]["name"] == "Ramesh Kale"
    assert [e["kind"] for e in made["timeline"]] == ["registered"]
    second = register()
    assert second["fir_number"] == f"MUM-{station_id}-2026-0002"
    got = http.get(f"/api/v1/firs/{made['fir_number'].lower()}", headers=bearer("admin")).json()
    assert got["fir_number"] == made["fir_number"] and got["summary"].startswith(made["victim"]["pseudonym"])
    assert http.get("/api/v1/firs/MUM-1-2026-9999", headers=bearer("officer")).json()["error"]["code"] == \
        "case_not_found"


def test_each_broken_rule_is_a_stable_code_and_nothing_is_written(http, bearer, container, station_id, register,
                                                                  officers):
    before = counts(container)
    victim = fir_body(station_id)["victim"]
    cases = [
        ({"sections": []}, 422, "sections_required"),
        ({"sections": ["IPC 376", "BNS 64"]}, 422, "unknown_section"),
        ({"recorded_by_woman_officer": None}, 422, "woman_officer_must_record"),
        ({"recorded_by_woman_officer": False}, 422, "woman_officer_must_record"),
        ({"sections": ["BNS 78"], "recorded_by_woman_officer": ""}, 422, "woman_officer_must_record"),
        ({"victim": victim | {"name": "  "}}, 422, "victim_name_required"),
        ({"victim": victim | {"phone": "12345"}}, 422, "invalid_phone"),
        ({"occurred_at": (START + timedelta(days=1)).isoformat()}, 422, "occurred_in_future"),
        ({"sections": ["POCSO 4"], "victim": victim | {"age": 19}}, 422, "pocso_victim_not_a_child"),
        ({"sections": ["POCSO 4"], "victim": victim | {"age": None}}, 422, "victim_age_required"),
        ({"place": "   "}, 422, "place_required"),
        ({"accused": []}, 422, "accused_required"),
        ({"accused": [{"known": True}]}, 422, "accused_name_required"),
        ({"summary": "help"}, 422, "summary_required"),
        ({"incident_tracking": "ZZZZ-2345"}, 422, "incident_not_found"),
        ({"io_username": "dispatcher"}, 422, "io_not_eligible"),
        ({"io_username": "sho_b"}, 422, "io_not_eligible"),
        ({"zero_fir": True, "jurisdiction_station_id": 999999}, 422, "unknown_station"),
        ({"occurred_at": "2026-11-21T21:30:00"}, 422, "invalid_request"),  # no time zone
        ({"victim": victim | {"language": "fr"}}, 422, "invalid_request"),
        ({"station_id": 999999}, 404, "station_not_found"),
        ({"station_id": next(s.id for s in container.stations.all("mumbai") if s.id != station_id)}, 403,
         "out_of_scope"),
    ]
    for over, status, code in cases:
        r = http.post("/api/v1/firs", json=fir_body(station_id, **over), headers=bearer("officer"))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (over, r.text)
    unknown = http.post("/api/v1/firs", json=fir_body(station_id, sections=["IPC 376", "BNS 64"]),
                        headers=bearer("officer")).json()
    assert unknown["error"]["details"]["sections"] == ["IPC 376"]
    assert http.post("/api/v1/firs", json=fir_body(station_id), headers=bearer("dispatcher")).status_code == 403
    assert http.post("/api/v1/firs", json=fir_body(station_id), headers=bearer("admin")).json()["error"]["code"] \
        == "forbidden_role"
    assert counts(container) == before
    assert register()["fir_number"].endswith("-0001")  # no refused registration used up a number


def test_a_woman_officer_records_a_sexual_offence_not_every_offence(http, bearer, station_id):
    plain = fir_body(station_id, sections=["BNS 351"], recorded_by_woman_officer=None)
    made = http.post("/api/v1/firs", json=plain, headers=bearer("officer")).json()
    assert (made["sexual_offence"], made["woman_officer"], made["deadline_at"], made["clock"]) == \
        (False, None, None, "none")
    stalking = fir_body(station_id, sections=["BNS 78"], recorded_by_woman_officer=True)
    made = http.post("/api/v1/firs", json=stalking, headers=bearer("officer")).json()
    assert made["woman_officer"] == "woman officer" and made["deadline_at"] is None  # no set deadline for stalking
    child = fir_body(station_id, sections=["POCSO 6"], victim=fir_body(station_id)["victim"] | {"age": 15})
    assert http.post("/api/v1/firs", json=child, headers=bearer("officer")).json()["deadline_days"] == 60


def test_fir_numbers_stay_unique_under_concurrent_registration(container, test_settings, server_url, bearer,
                                                               station_id):
    """Twelve officers' requests at once through the server, then two processes registering side by side: every
    number is used once and the serials leave no gap."""
    headers = bearer("officer")
    barrier = threading.Barrier(12)
    answers: list[httpx.Response] = []

    def post():
        with httpx.Client(base_url=server_url, timeout=60) as client:
            barrier.wait()
            answers.append(client.post("/api/v1/firs", json=fir_body(station_id), headers=headers))

    threads = [threading.Thread(target=post) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in answers] == [201] * 12, [r.text for r in answers if r.status_code != 201]
    numbers = sorted(r.json()["fir_number"] for r in answers)
    assert numbers == [f"MUM-{station_id}-2026-{n:04d}" for n in range(1, 13)]

    other = build_container(test_settings, clock=container.clock)  # a second node on the same database
    other.stations.reload()
    officer = principal(container, "officer")
    fir = Fir(station_id, ("BNS 64",), START - timedelta(hours=3), "Colaba", *_victim_and_accused(), "PSI Jadhav",
              "She reports that a man assaulted her near the depot.")
    made: list[str] = []
    gate = threading.Barrier(2)

    def register(c):
        gate.wait()
        for _ in range(6):
            made.append(c.cases.register(officer, fir)["fir_number"])

    try:
        workers = [threading.Thread(target=register, args=(c,)) for c in (container, other)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        other.engine.dispose()
    assert sorted(made) == [f"MUM-{station_id}-2026-{n:04d}" for n in range(13, 25)]
    assert count(container, "cases") == 24


def _victim_and_accused():
    from suraksha.cases.model import Accused, Victim

    return Victim(NAME, None, None, 30, "en"), (Accused(False),)


def test_the_serial_starts_again_each_year(http, bearer, container, station_id, register):
    assert register()["fir_number"].endswith("2026-0001")
    container.clock._now = datetime.fromisoformat("2026-12-31T18:31:00+00:00")  # 1 Jan 2027, 00:01 in Mumbai
    made = http.post("/api/v1/firs", json=fir_body(station_id), headers=bearer("officer")).json()
    assert made["fir_number"] == f"MUM-{station_id}-2027-0001"


def test_from_an_incident_its_timeline_is_linked_both_ways(http, bearer, make_incident, register):
    tracking = make_incident("Help, he hurt me near the bus depot")
    made = register(incident_tracking=tracking.lower())
    assert made["kind"] == "incident" and made["incident"]["tracking"] == tracking
    assert [e["kind"] for e in made["timeline"]] == ["registered", "incident_linked"]
    incident = http.get(f"/api/v1/incidents/{tracking}/timeline", headers=bearer("officer")).json()
    entries = incident["timeline"] if isinstance(incident, dict) else incident
    linked = [e for e in entries if e["kind"] == "fir_registered"]
    assert linked and linked[0]["detail"]["fir_number"] == made["fir_number"]


def test_a_zero_fir_goes_to_the_station_with_jurisdiction_in_one_action(http, bearer, container, station_id,
                                                                        other_station, officers, register):
    anchor = other_station.anchor
    made = register(place_lat=anchor.lat, place_lon=anchor.lon, io_username="io_a")
    assert made["zero_fir"] and made["jurisdiction_station_id"] == other_station.id
    assert made["station_id"] == station_id and made["io_username"] == "io_a"
    old = made["fir_number"]
    r = http.post(f"/api/v1/firs/{old}/transfer", json={"reason": "it happened in their area"},
                  headers=bearer("officer"))
    assert r.status_code == 200, r.text
    away = r.json()
    new = f"MUM-{other_station.id}-2026-0001"
    assert away == {"fir_number": new, "zero_fir_number": old, "station_id": other_station.id,
                    "station_name": other_station.name, "transferred": True}
    # the registering station no longer sees it; the receiving station owns it (the one scope rule)
    assert http.get(f"/api/v1/firs/{old}", headers=bearer("officer")).status_code == 404
    assert http.get("/api/v1/firs", headers=bearer("officer")).json()["cases"] == []
    theirs = http.get(f"/api/v1/firs/{new}", headers=bearer("sho_b")).json()
    assert (theirs["station_id"], theirs["zero_fir_number"], theirs["registered_station_id"]) == \
        (other_station.id, old, station_id)
    assert theirs["io_username"] is None and theirs["deadline_at"] == made["deadline_at"]  # the clock runs on
    moved = theirs["timeline"][-1]
    assert moved["kind"] == "transferred" and moved["detail"]["io_released"] == "io_a"
    assert (moved["detail"]["from_number"], moved["detail"]["to_number"]) == (old, new)
    assert http.get(f"/api/v1/firs/{old}", headers=bearer("sho_b")).json()["fir_number"] == new  # the old finds it
    assert [c["fir_number"] for c in http.get("/api/v1/firs", headers=bearer("sho_b")).json()["cases"]] == [new]
    # the old station's live pages drop it, the new one's take it
    with container.engine.connect() as conn:
        row = conn.execute(select(events_table).where(events_table.c.type == "CaseTransferred")).one()
    event = Event(row.type, row.payload, row.occurred_at)
    assert event.visible_to(officers["officer"]) and event.visible_to(officers["sho_b"])
    # once there, it cannot be transferred to where it is
    again = http.post(f"/api/v1/firs/{new}/transfer", json={"station_id": other_station.id}, headers=bearer("sho_b"))
    assert (again.status_code, again.json()["error"]["code"]) == (422, "already_at_station")


def test_a_transfer_needs_a_station_and_a_case_in_your_area(http, bearer, officers, register, other_station):
    made = register()
    r = http.post(f"/api/v1/firs/{made['fir_number']}/transfer", json={}, headers=bearer("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "jurisdiction_required")
    r = http.post(f"/api/v1/firs/{made['fir_number']}/transfer", json={"station_id": other_station.id},
                  headers=bearer("sho_b"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "out_of_scope")


def test_an_e_fir_is_on_record_once_signed_within_three_days(http, bearer, container, register):
    made = register(kind="e_fir")
    assert (made["status"], made["deadline_at"], made["clock"]) == ("awaiting_signature", None, "none")
    assert made["signature_due_at"] == (START + timedelta(days=3)).isoformat()
    assert container.cases.fire_due() == 0
    number = made["fir_number"]
    r = http.post(f"/api/v1/firs/{number}/charge-sheet", json={"reference": "CS 1"}, headers=bearer("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "case_not_under_investigation")
    container.clock.advance(days=2)
    signed = http.post(f"/api/v1/firs/{number}/signature", json={}, headers=bearer("officer")).json()
    assert signed["status"] == "under_investigation"
    assert signed["deadline_at"] == (START + timedelta(days=62)).isoformat()  # 60 days from being on record
    assert [e["kind"] for e in signed["timeline"]] == ["registered", "e_fir_signed"]
    container.clock.advance(days=2)
    assert container.cases.fire_due() == 0  # the lapse was cancelled by the signature
    again = http.post(f"/api/v1/firs/{number}/signature", json={}, headers=bearer("officer"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "case_not_under_investigation")


def test_an_e_fir_not_signed_in_three_days_lapses(http, bearer, container, register):
    made = register(kind="e_fir")
    late = register(kind="e_fir")
    container.clock.advance(days=3, minutes=1)
    r = http.post(f"/api/v1/firs/{late['fir_number']}/signature", json={}, headers=bearer("officer"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "signature_too_late")
    assert container.cases.fire_due() == 2
    assert container.cases.fire_due() == 0
    got = http.get(f"/api/v1/firs/{made['fir_number']}", headers=bearer("officer")).json()
    assert (got["status"], got["clock"]) == ("lapsed", "lapsed")
    assert got["timeline"][-1]["kind"] == "e_fir_lapsed"
    lapsed = http.get("/api/v1/firs?status=lapsed", headers=bearer("officer")).json()["cases"]
    assert {c["fir_number"] for c in lapsed} == {made["fir_number"], late["fir_number"]}
    assert http.get("/api/v1/firs", headers=bearer("officer")).json()["cases"] == []
