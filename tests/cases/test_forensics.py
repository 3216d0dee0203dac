"""Forensics (issue 12, point 3): requests to forensic labs (the sample, the lab, then sent, received and the result),
each step on the case's timeline with its officer and an event; samples overdue after their lab's turnaround; each
lab's turnaround (median, 90th percentile, pending, overdue) in the reader's area; the forensic rule (a charge-sheet
is not filed while a requested result is missing, unless a reason is recorded); the labs as maintained data."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.cases.forensics.labs import read_labs, shipped_labs
from suraksha.cases.forensics.model import (
    ForensicProblem,
    Sample,
    charge_sheet_allowed,
    days_overdue,
    percentile,
    turnaround,
)
from tests.cases.conftest import NAME, SECRETS, count, principal
from tests.conftest import START, csrf_of, web_sign_in

TODAY = date(2026, 11, 22)  # START in Mumbai
FORENSIC_TABLES = ("forensic_requests", "case_log", "events", "cases")


def snapshot(container) -> dict:
    out = {t: count(container, t) for t in FORENSIC_TABLES}
    out["charge_sheeted"] = count(container, "cases", status="charge_sheeted")
    return out


@pytest.fixture
def ask(http, bearer):
    """Record a forensic request on a case through the API (as `officer`), answering the request's JSON."""
    def make(number: str, lab: str = "MH-FSL-MUM", kind: str = "swab", description: str = "vaginal swab, two slides",
             by: str = "officer") -> dict:
        r = http.post(f"/api/v1/firs/{number}/forensics", headers=bearer(by),
                      json={"lab_code": lab, "sample_kind": kind, "description": description})
        assert r.status_code == 201, r.text
        return r.json()

    return make


@pytest.fixture
def step(http, bearer):
    """Record a step of a request (sent, received, result) through the API: the response."""
    def post(number: str, request_id: int, name: str, by: str = "officer", **body):
        body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in body.items()}
        return http.post(f"/api/v1/firs/{number}/forensics/{request_id}/{name}", json=body, headers=bearer(by))

    return post


def charge_sheet(http, bearer, number: str, **extra):
    return http.post(f"/api/v1/firs/{number}/charge-sheet", json={"reference": "CS 12/2026"} | extra,
                     headers=bearer("officer"))


# the rules, plain -------------------------------------------------------------------------------------------
def sample(i: int, sent: date | None = None, result: date | None = None, turn: int = 30) -> Sample:
    return Sample(i, "swab", "MH-FSL-MUM", sent, None, result, sent + timedelta(days=turn) if sent else None)


def test_the_rules_of_a_sample_plainly():
    assert percentile([], 0.9) is None
    assert percentile([10, 20, 30, 40, 50], 0.9) == 50 and percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([7], 0.5) == 7
    sent = date(2026, 11, 1)
    assert days_overdue(sample(1, sent), date(2026, 12, 1)) is None  # the due day itself is not overdue
    assert days_overdue(sample(1, sent), date(2026, 12, 2)) == 1
    assert days_overdue(sample(1, sent, result=date(2026, 12, 20)), date(2027, 1, 1)) is None
    assert days_overdue(sample(1), date(2027, 1, 1)) is None  # not sent: nothing is due
    figures = turnaround("MH-FSL-MUM", [sample(1, sent, sent + timedelta(days=d)) for d in (40, 10, 30)]
                         + [sample(2, sent), sample(3, date(2026, 11, 30))], date(2026, 12, 10))
    assert (figures.completed, figures.median_days, figures.p90_days, figures.pending, figures.overdue) == \
        (3, 30.0, 40.0, 2, 1)
    assert charge_sheet_allowed([], None) is None
    assert charge_sheet_allowed([sample(1, sent, sent)], None) is None
    assert charge_sheet_allowed([sample(1, sent)], "  the DNA report is awaited;  filed on time  ") == \
        "the DNA report is awaited; filed on time"
    with pytest.raises(ForensicProblem) as refused:
        charge_sheet_allowed([sample(1, sent, sent), sample(2, sent), sample(3)], " ")
    assert refused.value.code == "forensic_result_missing" and refused.value.conflict
    assert [(s["id"], s["state"]) for s in refused.value.details["samples"]] == [(2, "sent"), (3, "requested")]


def test_the_shipped_labs_are_maharashtras_and_the_central_ones_each_with_its_source():
    labs = {lab.code: (lab, source) for lab, source in shipped_labs()}
    cities = {lab.city for lab, _ in labs.values() if lab.state == "MH" and lab.kind != "central"}
    assert cities == {"Mumbai", "Pune", "Nagpur", "Nashik", "Chhatrapati Sambhajinagar", "Amravati", "Nanded",
                      "Kolhapur"}
    assert labs["MH-FSL-MUM"][0].kind == "state" and "Kalina" in labs["MH-FSL-MUM"][0].name
    assert {"Chandigarh", "Hyderabad", "Kolkata", "New Delhi", "Pune"} <= \
        {lab.city for lab, _ in labs.values() if lab.kind == "central"}
    assert all(source for _, source in labs.values())
    with pytest.raises(ForensicProblem, match="line 2"):
        read_labs("code,name,state,city,kind,turnaround_days,source\nX1,Some lab,Maharashtra,Pune,state,30,x\n")
    with pytest.raises(ForensicProblem, match="lacks columns"):
        read_labs("code,name\nX1,Some lab\n")


# the forensic rule -------------------------------------------------------------------------------------------
def test_a_charge_sheet_is_refused_while_a_result_is_missing_unless_a_reason_is_recorded(
        http, bearer, container, register, ask, step):
    number = register()["fir_number"]
    swab = ask(number)
    blood = ask(number, lab="CFSL-HYD", kind="dna", description="DNA profile from the clothing")
    assert step(number, swab["id"], "sent").status_code == 200
    before = snapshot(container)
    for extra in ({}, {"forensic_reason": "  "}, {"forensic_reason": None}):
        r = charge_sheet(http, bearer, number, **extra)
        assert (r.status_code, r.json()["error"]["code"]) == (409, "forensic_result_missing"), r.text
    samples = r.json()["error"]["details"]["samples"]
    assert [(s["id"], s["sample_kind"], s["lab_code"], s["state"]) for s in samples] == \
        [(swab["id"], "swab", "MH-FSL-MUM", "sent"), (blood["id"], "dna", "CFSL-HYD", "requested")]
    assert snapshot(container) == before  # nothing written: no status, no entry, no event, no timer cancelled
    assert http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()["status"] == "under_investigation"

    done = charge_sheet(http, bearer, number, forensic_reason="DNA report awaited; filing within 60 days")
    assert done.status_code == 200, done.text
    entry = done.json()["timeline"][-1]
    assert entry["kind"] == "charge_sheet" and entry["actor"] == "officer"
    assert entry["detail"]["forensic_reason"] == "DNA report awaited; filing within 60 days"
    assert entry["detail"]["forensic_missing"] == [swab["id"], blood["id"]]
    # the results may still come after the charge-sheet (a supplementary report)
    assert step(number, swab["id"], "result", result="Semen detected", conclusive=True).status_code == 200


def test_a_charge_sheet_needs_no_reason_once_the_results_are_in_and_a_closure_report_is_not_blocked(
        http, bearer, register, ask, step):
    number = register()["fir_number"]
    swab = ask(number)
    assert step(number, swab["id"], "sent").status_code == 200
    assert step(number, swab["id"], "result", result="FSL report 2211/2026: semen detected",
                conclusive=False).status_code == 200
    done = charge_sheet(http, bearer, number)
    assert done.status_code == 200, done.text
    assert "forensic_reason" not in done.json()["timeline"][-1]["detail"]

    plain = register()["fir_number"]  # no request at all
    assert charge_sheet(http, bearer, plain).status_code == 200

    closed = register()["fir_number"]
    ask(closed)
    r = http.post(f"/api/v1/firs/{closed}/closure-report", json={"reference": "FR 3/2026"}, headers=bearer("officer"))
    assert r.status_code == 200 and r.json()["status"] == "closure_report"


# the steps ---------------------------------------------------------------------------------------------------
def test_each_step_is_on_the_timeline_with_its_officer_and_an_event(http, bearer, container, register, ask, step):
    number = register()["fir_number"]
    made = ask(number, kind="clothing", description="her kurta, sealed in a paper bag")
    assert (made["state"], made["sent_on"], made["due_on"], made["overdue"]) == ("requested", None, None, False)
    assert made["lab_code"] == "MH-FSL-MUM" and made["requested_by"] == "officer"
    sent = step(number, made["id"], "sent", on=TODAY - timedelta(days=1)).json()
    assert (sent["state"], sent["sent_on"], sent["due_on"]) == ("sent", "2026-11-21", "2026-12-21")
    got = step(number, made["id"], "received").json()
    assert (got["state"], got["received_on"]) == ("received", "2026-11-22")
    done = step(number, made["id"], "result", result="Blood group B+ found", conclusive=True).json()
    assert (done["state"], done["result"], done["conclusive"], done["result_on"]) == \
        ("result", "Blood group B+ found", True, "2026-11-22")
    case = http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()
    forensic = [e for e in case["timeline"] if e["kind"].startswith("forensic_")]
    assert [(e["kind"], e["actor"]) for e in forensic] == [
        ("forensic_requested", "officer"), ("forensic_sent", "officer"), ("forensic_received", "officer"),
        ("forensic_result", "officer")]
    assert forensic[1]["detail"] | {} == {"request": made["id"], "sample_kind": "clothing", "lab": "MH-FSL-MUM",
                                          "on": "2026-11-21", "due_on": "2026-12-21"}
    with container.engine.connect() as conn:
        changes = [r.payload["change"] for r in conn.execute(
            select(events_table).where(events_table.c.type == "CaseUpdated").order_by(events_table.c.id))]
    assert changes == ["forensic_requested", "forensic_sent", "forensic_received", "forensic_result"]
    listed = http.get(f"/api/v1/firs/{number}/forensics", headers=bearer("admin")).json()["requests"]
    assert [r["id"] for r in listed] == [made["id"]] and listed[0]["state"] == "result"


def test_bad_input_is_a_stable_4xx_and_writes_nothing(http, bearer, container, register, ask, step, other_station):
    number = register()["fir_number"]
    made = ask(number)
    other = ask(register()["fir_number"])
    before = snapshot(container)
    url = f"/api/v1/firs/{number}/forensics"
    for body, status, code in (
        ({"lab_code": "XX-NO-LAB", "sample_kind": "swab", "description": "a swab"}, 422, "unknown_lab"),
        ({"lab_code": "MH-FSL-MUM", "sample_kind": "hair", "description": "a swab"}, 422, "invalid_request"),
        ({"lab_code": "MH-FSL-MUM", "sample_kind": "swab", "description": " "}, 422, "sample_description_required"),
        ({"lab_code": "MH-FSL-MUM\x00", "sample_kind": "swab", "description": "a swab"}, 422, "unknown_lab"),
        ({"lab_code": "MH-FSL-MUM", "sample_kind": "swab", "description": "\x00\x01 "}, 422,
         "sample_description_required"),  # control characters are no words (and PostgreSQL refuses NUL)
    ):
        r = http.post(url, json=body, headers=bearer("officer"))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (body, r.text)
    tomorrow, before_offence = TODAY + timedelta(days=1), date(2026, 11, 20)
    for name, body, status, code in (
        ("received", {}, 409, "forensic_not_sent"),
        ("result", {"result": "Semen detected", "conclusive": True}, 409, "forensic_not_sent"),  # result before sent
        ("sent", {"on": tomorrow}, 422, "forensic_date_in_future"),
        ("sent", {"on": before_offence}, 422, "forensic_date_order"),  # before the offence (21 Nov)
    ):
        r = step(number, made["id"], name, **body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (name, body, r.text)
    assert snapshot(container) == before

    assert step(number, made["id"], "sent", on=TODAY - timedelta(days=1)).status_code == 200
    before = snapshot(container)
    for name, body, status, code in (
        ("sent", {}, 409, "forensic_step_done"),  # a step twice
        ("received", {"on": TODAY - timedelta(days=2)}, 422, "forensic_date_order"),  # received before it was sent
        ("received", {"on": tomorrow}, 422, "forensic_date_in_future"),
        ("result", {"result": "x", "conclusive": True}, 422, "forensic_result_required"),
        ("result", {"result": "Semen detected"}, 422, "invalid_request"),  # conclusive or not: say which
        ("result", {"result": "Semen detected", "conclusive": True, "on": TODAY - timedelta(days=2)}, 422,
         "forensic_date_order"),
        ("result", {"result": "Semen detected", "conclusive": True, "on": "22-11-2026"}, 422, "invalid_request"),
    ):
        r = step(number, made["id"], name, **body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (name, body, r.text)
    r = step(number, other["id"], "sent")  # another case's request, named on this case
    assert (r.status_code, r.json()["error"]["code"]) == (404, "forensic_request_not_found")
    assert step(number, made["id"], "sent", by="admin").json()["error"]["code"] == "forbidden_role"
    assert snapshot(container) == before
    assert step(number, made["id"], "result", result="Semen detected", conclusive=True).status_code == 200
    assert step(number, made["id"], "received").json()["error"]["code"] == "forensic_step_done"
    assert step(number, made["id"], "result", result="again", conclusive=False).json()["error"]["code"] == \
        "forensic_step_done"


def test_no_new_request_once_the_case_is_charge_sheeted(http, bearer, register):
    number = register()["fir_number"]
    assert charge_sheet(http, bearer, number).status_code == 200
    r = http.post(f"/api/v1/firs/{number}/forensics", headers=bearer("officer"),
                  json={"lab_code": "MH-FSL-MUM", "sample_kind": "swab", "description": "a late swab"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "case_not_under_investigation")


# overdue, turnaround, scope ------------------------------------------------------------------------------------
def test_a_sample_is_overdue_after_its_labs_turnaround_and_listed_in_scope(
        http, bearer, container, server_url, register, ask, step, officers):
    number = register()["fir_number"]
    made = ask(number)
    waiting = ask(number, kind="blood")  # never sent: never overdue
    assert step(number, made["id"], "sent").json()["due_on"] == "2026-12-22"  # Kalina: 30 days
    for days, late in ((30, None), (31, 1), (40, 10)):
        container.clock._now = START + timedelta(days=days)
        listed = http.get("/api/v1/forensic-requests?overdue=true", headers=bearer("officer")).json()["requests"]
        assert [(r["id"], r["days_overdue"]) for r in listed] == ([] if late is None else [(made["id"], late)]), days
    open_ones = http.get("/api/v1/forensic-requests", headers=bearer("officer")).json()["requests"]
    assert [(r["id"], r["overdue"]) for r in open_ones] == [(made["id"], True), (waiting["id"], False)]
    assert [r["id"] for r in http.get("/api/v1/forensic-requests?overdue=true",
                                      headers=bearer("dcp")).json()["requests"]] == [made["id"]]
    # a change of the lab's turnaround leaves the day a sample already sent was due
    r = http.put("/api/v1/forensic-labs/MH-FSL-MUM", headers=bearer("admin"),
                 json={"name": "State FSL, Kalina", "state": "MH", "city": "Mumbai", "kind": "state",
                       "turnaround_days": 90})
    assert r.status_code == 200 and r.json()["turnaround_days"] == 90
    shown = http.get(f"/api/v1/firs/{number}/forensics", headers=bearer("officer")).json()["requests"][0]
    assert (shown["due_on"], shown["days_overdue"]) == ("2026-12-22", 10)

    client, _ = web_sign_in(server_url, container, "officer")
    page = client.get("/cases/forensics")
    assert page.status_code == 200 and f'data-fir="{number}" data-id="{made["id"]}" data-days="10"' in page.text
    assert "10 days overdue" in page.text
    case_page = client.get(f"/cases/{number}")
    assert 'data-overdue="yes"' in case_page.text and 'data-testid="forensic-overdue"' in case_page.text
    assert 'href="/cases/forensics"' in client.get("/cases").text
    for lang in ("hi", "mr"):
        translated = client.get(f"/{lang}/cases/forensics")
        assert translated.status_code == 200 and "Overdue samples" not in translated.text


def test_turnaround_per_lab_median_90th_percentile_pending_overdue_in_scope(
        http, bearer, container, register, ask, step, officers, station_id, other_station):
    container.clock._now = START + timedelta(days=80)  # 10 Feb 2027 in Mumbai
    number = register()["fir_number"]
    sent = date(2026, 11, 25)
    for took in (40, 10, 30, 50, 20):
        made = ask(number)
        assert step(number, made["id"], "sent", on=sent).status_code == 200
        assert step(number, made["id"], "result", on=sent + timedelta(days=took), result="Report received",
                    conclusive=True).status_code == 200
    late = ask(number)
    step(number, late["id"], "sent", on=sent)  # due 25 Dec: overdue
    fresh = ask(number, lab="CFSL-HYD")
    step(number, fresh["id"], "sent")  # due in 45 days: pending, not overdue
    figures = {f["lab_code"]: f for f in
               http.get("/api/v1/forensic-labs/turnaround", headers=bearer("officer")).json()["labs"]}
    assert set(figures) == {"MH-FSL-MUM", "CFSL-HYD"}  # only labs with samples from the area
    kalina, hyderabad = figures["MH-FSL-MUM"], figures["CFSL-HYD"]
    assert (kalina["completed"], kalina["median_days"], kalina["p90_days"], kalina["pending"], kalina["overdue"]) == \
        (5, 30.0, 50.0, 1, 1)
    assert (hyderabad["completed"], hyderabad["median_days"], hyderabad["pending"], hyderabad["overdue"]) == \
        (0, None, 1, 0)
    assert kalina["turnaround_days"] == 30 and hyderabad["turnaround_days"] == 45
    assert [f["lab_code"] for f in http.get("/api/v1/forensic-labs/turnaround",
                                            headers=bearer("dcp")).json()["labs"]] == ["MH-FSL-MUM", "CFSL-HYD"]
    # another station's officer: nothing of this case anywhere
    assert http.get("/api/v1/forensic-labs/turnaround", headers=bearer("sho_b")).json()["labs"] == []
    assert http.get("/api/v1/forensic-requests", headers=bearer("sho_b")).json()["requests"] == []
    r = http.get(f"/api/v1/firs/{number}/forensics", headers=bearer("sho_b"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "case_not_found")
    r = http.post(f"/api/v1/firs/{number}/forensics/{late['id']}/result", headers=bearer("sho_b"),
                  json={"result": "Semen detected", "conclusive": True})
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_scope"
    assert http.get("/api/v1/forensic-requests", headers=bearer("dispatcher")).status_code == 403


# the labs ----------------------------------------------------------------------------------------------------
def test_labs_are_data_an_administrator_changes(http, bearer, register):
    labs = http.get("/api/v1/forensic-labs", headers=bearer("officer")).json()["labs"]
    assert labs[0]["code"] == "MH-FSL-MUM" and labs[0]["kind"] == "state" and labs[0]["source"]
    assert {"MH-RFSL-PUN", "CFSL-CHD", "CFSL-DEL"} <= {lab["code"] for lab in labs}
    new = {"name": "Regional Forensic Science Laboratory, Thane", "state": "mh", "city": "Thane", "kind": "regional",
           "turnaround_days": 21, "source": "test"}
    made = http.put("/api/v1/forensic-labs/mh-rfsl-tne", json=new, headers=bearer("admin")).json()
    assert (made["code"], made["state"], made["updated_by"], made["active"]) == ("MH-RFSL-TNE", "MH", "admin", True)
    number = register()["fir_number"]
    body = {"lab_code": "MH-RFSL-TNE", "sample_kind": "viscera", "description": "viscera in two jars"}
    made = http.post(f"/api/v1/firs/{number}/forensics", json=body, headers=bearer("officer")).json()
    assert made["lab_name"] == new["name"]
    assert http.put("/api/v1/forensic-labs/MH-RFSL-TNE", json=new | {"active": False},
                    headers=bearer("admin")).json()["active"] is False
    r = http.post(f"/api/v1/firs/{number}/forensics", json=body, headers=bearer("officer"))
    assert r.json()["error"]["code"] == "unknown_lab"  # a retired lab takes no new sample
    for over, code in (({"state": "Maharashtra"}, "invalid_request"), ({"state": "M1"}, "invalid_lab"),
                       ({"turnaround_days": 0}, "invalid_request"), ({"name": "  "}, "invalid_lab"),
                       ({"city": "\x00"}, "invalid_lab")):
        r = http.put("/api/v1/forensic-labs/MH-RFSL-TNE", json=new | over, headers=bearer("admin"))
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), over
    assert http.put("/api/v1/forensic-labs/X", json=new, headers=bearer("admin")).status_code == 422
    assert http.put("/api/v1/forensic-labs/MH-RFSL-TNE", json=new, headers=bearer("officer")).status_code == 403


# her identity --------------------------------------------------------------------------------------------------
def test_nothing_forensics_returns_names_her(http, bearer, container, server_url, register, ask, step, caplog):
    caplog.set_level(logging.DEBUG)
    number = register()["fir_number"]
    made = ask(number, description=f"swab taken from {NAME} at JJ hospital, her phone 98200 54321")
    pseudonym = made["pseudonym"]
    assert NAME not in made["description"] and pseudonym in made["description"]
    step(number, made["id"], "sent")
    done = step(number, made["id"], "result", result=f"The profile matches {NAME.upper()}'s reference sample",
                conclusive=True).json()
    assert done["result"] == f"The profile matches {pseudonym}'s reference sample"
    charge_sheet(http, bearer, number)
    seen = [str(done),
            http.get(f"/api/v1/firs/{number}/forensics", headers=bearer("officer")).text,
            http.get("/api/v1/forensic-requests", headers=bearer("officer")).text,
            http.get("/api/v1/forensic-labs/turnaround", headers=bearer("officer")).text,
            http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).text]
    client, _ = web_sign_in(server_url, container, "officer")
    seen += [client.get(f"/cases/{number}").text, client.get("/cases/forensics").text]
    with container.engine.connect() as conn:
        seen += [str(r.payload) for r in conn.execute(select(events_table))]
    text = "\n".join(seen) + caplog.text
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), secret


# the pages -----------------------------------------------------------------------------------------------------
def test_the_case_page_records_a_request_its_steps_and_the_charge_sheets_reason(server_url, container, register):
    number = register()["fir_number"]
    client, _ = web_sign_in(server_url, container, "officer")
    page = client.get(f"/cases/{number}")
    csrf = csrf_of(page.text)
    assert 'data-testid="forensic-request-form"' in page.text and "Kalina" in page.text
    wrong = client.post(f"/cases/{number}/forensics", data={"csrf": csrf, "lab_code": "MH-FSL-MUM",
                                                            "sample_kind": "swab", "description": ""})
    assert wrong.status_code == 422 and "<details open>" in wrong.text
    r = client.post(f"/cases/{number}/forensics", data={"csrf": csrf, "lab_code": "CFSL-PUN", "sample_kind": "dna",
                                                        "description": "DNA from the bedsheet"}, follow_redirects=True)
    assert "The forensic request is recorded." in r.text and "DNA from the bedsheet" in r.text
    request_id = container.cases.forensics.of_case(principal(container, "officer"), number)[0]["id"]
    bad = client.post(f"/cases/{number}/forensics/{request_id}/sent", data={"csrf": csrf, "on": "2026-12-01"})
    assert bad.status_code == 422 and 'value="2026-12-01"' in bad.text  # after today: what was typed is kept
    r = client.post(f"/cases/{number}/forensics/{request_id}/sent", data={"csrf": csrf, "on": "2026-11-22"},
                    follow_redirects=True)
    assert "The sample's step is recorded." in r.text and 'data-state="sent"' in r.text
    assert 'data-testid="forensic-reason"' in r.text  # the charge-sheet form asks why, while a result is missing
    refused = client.post(f"/cases/{number}/charge-sheet", data={"csrf": csrf, "reference": "CS 9/2026"})
    assert refused.status_code == 409 and "forensic result" in refused.text.lower()
    r = client.post(f"/cases/{number}/charge-sheet", data={"csrf": csrf, "reference": "CS 9/2026",
                                                           "forensic_reason": "DNA awaited; the deadline is near"},
                    follow_redirects=True)
    assert 'data-state="stopped"' in r.text and 'data-testid="forensic-reason-entry"' in r.text
    assert "DNA awaited; the deadline is near" in r.text
    r = client.post(f"/cases/{number}/forensics/{request_id}/result",
                    data={"csrf": csrf, "on": "", "result": "Profile obtained", "conclusive": "yes"},
                    follow_redirects=True)
    assert "The forensic result is recorded." in r.text and "Profile obtained" in r.text
    assert client.get(f"/hi/cases/{number}").status_code == 200
