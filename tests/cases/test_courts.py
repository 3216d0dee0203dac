"""The court side of a case (issue 12, point 4): courts as data; a charge-sheeted case allocated to a court of its
state (POCSO rule, re-allocation with a reason); hearings and their outcomes, the third adjournment alerting the
station head and the district superintendent; the disposal, and on a conviction for a registrable offence the
registry's registration form filled in with the case's details; scope, stable error codes, nothing half-written and
nothing about her in anything the court side returns."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from suraksha.adapters.outbox import events_table
from suraksha.cases.courts.model import CaseProblem, read_courts, shipped_courts
from tests.cases.conftest import SECRETS, count, principal
from tests.conftest import START, csrf_of, web_sign_in

COURT_TABLES = ("case_courts", "hearings", "case_log", "case_timers", "events", "registry_registrations")
FTSC = "MH-MUM-DIN-FTSC"
POCSO_COURT = "MH-MUM-DIN-POCSO-11"
POCSO_FIR = {"sections": ["POCSO 4"], "victim": {"name": "Meena Pawar", "phone": "+91 98200 11111", "age": 15,
                                                 "address": "4 Tank Road, Colaba", "language": "mr"}}


def rows(container) -> dict[str, int]:
    return {t: count(container, t) for t in COURT_TABLES}


def events_of(container, kind: str) -> list[dict]:
    with container.engine.connect() as conn:
        found = conn.execute(select(events_table).where(events_table.c.type == kind).order_by(events_table.c.id))
        return [r.payload for r in found]


def error(r) -> tuple[int, str]:
    return r.status_code, r.json()["error"]["code"]


@pytest.fixture
def charge_sheeted(http, bearer, register, officers):
    """A case registered and charge-sheeted by `officer` (Colaba)."""
    def make(**over) -> str:
        number = register(**over)["fir_number"]
        r = http.post(f"/api/v1/firs/{number}/charge-sheet", json={"reference": "CS 3/2026"},
                      headers=bearer("officer"))
        assert r.status_code == 200, r.text
        return number

    return make


@pytest.fixture
def court_step(http, bearer):
    """POST a court step of a case as `by` (default: officer): the response."""
    def post(number: str, path: str, body: dict, by: str = "officer"):
        return http.post(f"/api/v1/firs/{number}/{path}", json=body, headers=bearer(by))

    return post


def days(n: int):
    return (START + timedelta(days=n)).date().isoformat()


def test_the_shipped_courts_are_seeded_and_an_administrator_changes_them(http, bearer, container):
    shipped = shipped_courts()
    listed = http.get("/api/v1/courts", headers=bearer("officer")).json()["courts"]
    assert {c["code"] for c in listed} == {c.code for c in shipped} and all(c["source"] for c in listed)
    assert {c["kind"] for c in listed} == {"fast_track", "pocso"}
    mh = http.get("/api/v1/courts", params={"state": "mh", "kind": "pocso"}, headers=bearer("officer")).json()
    assert mh["courts"] and all(c["state"] == "MH" and c["kind"] == "pocso" for c in mh["courts"])
    body = {"state": "MH", "district": "Mumbai Suburban", "city": "mumbai", "name": "Fast Track Special Court 2, "
            "Dindoshi", "kind": "fast_track", "source": "Bombay High Court notification (test)"}
    assert http.put("/api/v1/courts/MH-MUM-DIN-FTSC-2", json=body, headers=bearer("officer")).status_code == 403
    made = http.put("/api/v1/courts/mh-mum-din-ftsc-2", json=body, headers=bearer("admin")).json()
    assert made["code"] == "MH-MUM-DIN-FTSC-2" and made["updated_by"] == "admin"
    retired = http.put("/api/v1/courts/MH-MUM-DIN-FTSC-2", json=body | {"active": False}, headers=bearer("admin"))
    assert retired.json()["active"] is False
    codes = {c["code"] for c in http.get("/api/v1/courts", headers=bearer("officer")).json()["courts"]}
    assert "MH-MUM-DIN-FTSC-2" not in codes
    assert "MH-MUM-DIN-FTSC-2" in {c["code"] for c in http.get("/api/v1/courts", params={"retired": "true"},
                                                               headers=bearer("officer")).json()["courts"]}
    bad = http.put("/api/v1/courts/MH-X", json=body | {"state": "Maharashtra"}, headers=bearer("admin"))
    assert bad.status_code == 422
    bad = http.put("/api/v1/courts/MH-X", json=body | {"name": "  "}, headers=bearer("admin"))
    assert error(bad) == (422, "court_name_required")


def test_a_broken_courts_file_is_refused_by_its_line():
    good = "code,state,district,city,name,kind,source\nMH-A,MH,Pune,pune,A court,fast_track,x\n"
    assert [c.code for c in read_courts(good)] == ["MH-A"]
    for text, word in ((good.replace("fast_track", "sessions"), "line 2"), (good + good.splitlines()[1], "twice"),
                       ("code,state\nMH-A,MH\n", "lacks columns")):
        with pytest.raises(CaseProblem, match=word):
            read_courts(text)


def test_only_a_charge_sheeted_case_goes_to_a_court_of_its_own_state(http, bearer, container, register,
                                                                     charge_sheeted, court_step):
    open_case = register()["fir_number"]
    before = rows(container)
    assert error(court_step(open_case, "court", {"court_code": FTSC})) == (409, "case_not_charge_sheeted")
    assert rows(container) == before
    number = charge_sheeted()
    before = rows(container)
    for code, expected in (("KA-BLR-FTSC", (422, "court_of_another_state")), ("NO-SUCH", (422, "unknown_court")),
                           (POCSO_COURT, (422, "court_tries_pocso_only"))):  # BNS sections only: a fast-track court
        assert error(court_step(number, "court", {"court_code": code})) == expected, code
    assert error(court_step(number, "hearings", {"scheduled_for": days(3)})) == (409, "no_court_allocated")
    assert rows(container) == before  # nothing half-written
    got = court_step(number, "court", {"court_code": FTSC.lower()}).json()
    assert got["court"]["code"] == FTSC and got["allocated_by"] == "officer" and got["hearings"] == []
    assert error(court_step(number, "court", {"court_code": FTSC, "reason": "again"})) == (409, "already_at_court")
    assert error(court_step(number, "court", {"court_code": "MH-MUM-CCSC-FTSC"})) == (422, "reason_required")
    assert error(court_step(number, "court", {"court_code": "MH-MUM-CCSC-FTSC", "reason": "\x00\x01 "})) == (
        422, "reason_required")  # control characters are no words (and PostgreSQL refuses NUL)
    moved = court_step(number, "court", {"court_code": "MH-MUM-CCSC-FTSC",
                                         "reason": "the Dindoshi court's roll is full till March"}).json()
    assert moved["court"]["code"] == "MH-MUM-CCSC-FTSC"
    case = http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()
    assert [e["kind"] for e in case["timeline"]][-2:] == ["court_allocated", "court_reallocated"]
    assert case["timeline"][-1]["detail"] == {"from": FTSC, "to": "MH-MUM-CCSC-FTSC", "court_name": moved["court"]["name"],
                                              "reason": "the Dindoshi court's roll is full till March"}
    changes = [e["change"] for e in events_of(container, "CaseUpdated")]
    assert changes[-2:] == ["court_allocated", "court_reallocated"]
    assert count(container, "case_courts") == 1


def test_a_pocso_case_goes_to_a_pocso_court_or_a_fast_track_one(http, bearer, charge_sheeted, court_step):
    number = charge_sheeted(**POCSO_FIR)
    assert court_step(number, "court", {"court_code": POCSO_COURT}).status_code == 200
    listed = http.get(f"/api/v1/firs/{number}/court", headers=bearer("officer")).json()
    assert listed["court"]["kind"] == "pocso"
    assert court_step(number, "court", {"court_code": FTSC, "reason": "transferred by the Principal Judge"}
                      ).status_code == 200


def test_hearings_and_the_third_adjournment_alerts_the_station_head_and_the_superintendent(
        http, bearer, container, charge_sheeted, court_step):
    number = charge_sheeted(io_username="io_a")
    court_step(number, "court", {"court_code": FTSC})
    assert error(court_step(number, "hearings", {"scheduled_for": days(-1)})) == (422, "hearing_in_past")
    assert error(court_step(number, "hearings", {"scheduled_for": days(800)})) == (422, "hearing_too_far")
    sent = len(container.messages.provider.sent)

    def alerted() -> dict[str, list]:
        return {name: [a for a in http.get("/api/v1/case-alerts", headers=bearer(name)).json()["alerts"]
                       if a["fir_number"] == number] for name in ("officer", "io_a", "dcp", "sho_b", "admin")}

    for n in range(1, 5):
        day = 7 * n
        got = court_step(number, "hearings", {"scheduled_for": days(day)}).json()
        hearing = got["hearings"][-1]
        assert got["next_hearing"] == days(day) and hearing["outcome"] is None
        assert error(court_step(number, "hearings", {"scheduled_for": days(day + 1)})) == (409,
                                                                                           "hearing_outcome_pending")
        path = f"hearings/{hearing['id']}/outcome"
        assert error(court_step(number, path, {"outcome": "adjourned", "reason": "x y z"})) == (422,
                                                                                             "hearing_not_yet_held")
        container.clock._now = START + timedelta(days=day, hours=6)
        assert error(court_step(number, path, {"outcome": "adjourned"})) == (422, "reason_required")
        got = court_step(number, path, {"outcome": "adjourned", "reason": f"defence counsel absent ({n})"}).json()
        assert got["adjournments"] == n and got["hearings"][-1]["adjournment_reason"] == f"defence counsel absent ({n})"
        assert error(court_step(number, path, {"outcome": "held"})) == (409, "outcome_already_recorded")
        seen = alerted()
        if n <= 2:  # two adjournments alert nobody
            assert all(not found for found in seen.values()), (n, seen)
        else:
            assert {name for name, found in seen.items() if found} == {"officer", "io_a", "dcp"}, (n, seen)
            assert seen["dcp"][0]["point"] == f"adjourned_{n}" and seen["dcp"][0]["adjournments"] == n
            assert seen["dcp"][0]["kind"] == "adjournments" and seen["dcp"][0]["days_left"] is None
    container.messages.deliver_due()  # the delivery worker's turn, taken here rather than waited for
    assert len(container.messages.provider.sent) > sent  # she was told each hearing date
    alerts = events_of(container, "CaseDeadlineAlert")
    assert [a["point"] for a in alerts if a["fir_number"] == number] == ["adjourned_3", "adjourned_4"]
    assert alerts[-1]["notify"] == ["station_head", "district_superintendent"]
    case = http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()
    kinds = [e["kind"] for e in case["timeline"]]
    assert kinds.count("hearing_scheduled") == 4 and kinds.count("adjournment_alert") == 2
    assert container.cases.fire_due() == 0  # the alerts were raised when written: no timer waits for them
    # the /cases page lists the alert for the superintendent
    page = http.get("/en/cases", headers=bearer("dcp"))
    assert f'data-point="adjourned_4" data-fir="{number}"' in page.text and "adjourned 4 times" in page.text
    # a hearing held, then the judgment: the alerts of a disposed case are no longer listed
    got = court_step(number, "hearings", {"scheduled_for": days(40)}).json()
    container.clock._now = START + timedelta(days=40, hours=6)
    court_step(number, f"hearings/{got['hearings'][-1]['id']}/outcome", {"outcome": "evidence_recorded",
                                                                         "reason": "PW1 examined"})
    court_step(number, "disposal", {"disposal": "acquittal", "judgment_ref": "SC 41/2026"})
    assert all(not found for found in alerted().values())


def test_the_disposal_and_the_registry_form_on_a_conviction_for_a_registrable_offence(
        http, bearer, container, charge_sheeted, court_step):
    number = charge_sheeted()
    court_step(number, "court", {"court_code": FTSC})
    court_step(number, "hearings", {"scheduled_for": days(10)})
    container.clock._now = START + timedelta(days=10, hours=6)
    before = rows(container)
    for body, expected in (({"disposal": "other", "judgment_ref": "SC 9/2026"}, "disposal_detail_required"),
                           ({"disposal": "conviction", "judgment_ref": " "}, "judgment_ref_required"),
                           ({"disposal": "conviction", "judgment_ref": "SC 9/2026", "disposed_on": days(11)},
                            "disposed_in_future"),
                           ({"disposal": "conviction", "judgment_ref": "SC 9/2026", "disposed_on": days(-5)},
                            "disposed_before_allocation"),
                           ({"disposal": "conviction", "judgment_ref": "SC 9/2026", "convicted": [1, 7]},
                            "unknown_accused")):
        assert error(court_step(number, "disposal", body)) == (422, expected), body
    assert rows(container) == before
    got = court_step(number, "disposal", {"disposal": "conviction", "judgment_ref": "SC 9/2026"}).json()
    assert got["status"] == "convicted" and got["disposal"] == {
        "disposal": "conviction", "disposed_on": days(10), "detail": None, "judgment_ref": "SC 9/2026",
        "convicted": [0]}
    assert got["hearings"][-1]["outcome"] == "judgment_delivered"
    [form] = got["registry_forms"]
    url = urlsplit(form["url"])
    fields = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path == "/registry/register" and form["name"] == "Ramesh Kale"
    assert fields == {"fir_number": number, "record_id": f"{number}-1", "state": "MH", "district": "Mumbai Suburban",
                      "full_name": "Ramesh Kale", "age": "31", "age_as_of": START.date().isoformat(), "sex": "M",
                      "act": "BNS", "section": "64", "court": got["court"]["name"], "case_number": "SC 9/2026",
                      "conviction_date": days(10)}  # BNS 351 is not registrable: only BNS 64
    case = http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()
    assert case["status"] == "convicted" and case["clock"] == "stopped"
    assert case["timeline"][-1]["kind"] == "disposed" and case["timeline"][-1]["detail"]["convicted"] == [0]
    assert error(court_step(number, "hearings", {"scheduled_for": days(12)})) == (409, "case_already_disposed")
    assert error(court_step(number, "court", {"court_code": "MH-MUM-CCSC-FTSC", "reason": "x y z"})) == (
        409, "case_already_disposed")
    stopped = http.get("/api/v1/firs", params={"status": "stopped"}, headers=bearer("officer")).json()["cases"]
    assert number in {c["fir_number"] for c in stopped}


@pytest.mark.parametrize("sections,disposal,linked", [(["BNS 85"], "conviction", False),
                                                       (["BNS 64"], "acquittal", False),
                                                       (["BNS 64"], "other", False)])
def test_no_registry_form_without_a_conviction_for_a_registrable_offence(http, bearer, container, charge_sheeted,
                                                                         court_step, sections, disposal, linked):
    number = charge_sheeted(sections=sections)
    court_step(number, "court", {"court_code": FTSC})
    got = court_step(number, "disposal", {"disposal": disposal, "judgment_ref": "SC 2/2026",
                                          "detail": "compounded" if disposal == "other" else ""}).json()
    assert got["status"] == {"conviction": "convicted", "acquittal": "acquitted", "other": "disposed"}[disposal]
    assert bool(got["registry_forms"]) is linked


def test_the_registry_officer_registers_the_convicted_from_the_filled_in_form(server_url, http, bearer, container,
                                                                              charge_sheeted, court_step):
    number = charge_sheeted()
    court_step(number, "court", {"court_code": FTSC})
    form = court_step(number, "disposal", {"disposal": "conviction", "judgment_ref": "SC 5/2026"}).json()[
        "registry_forms"][0]
    officer, _ = web_sign_in(server_url, container, "officer")
    shown = officer.get(f"/cases/{number}")
    assert 'data-testid="registry-form"' in shown.text and "SC 5/2026" in shown.text
    assert officer.get(form["url"]).status_code == 403  # the registry's form: registry roles only
    registry, _ = web_sign_in(server_url, container, "registry")
    page = registry.get(form["url"])
    assert page.status_code == 200 and 'value="Ramesh Kale"' in page.text and f"From FIR {number}" in page.text
    data = {k: v[0] for k, v in parse_qs(urlsplit(form["url"]).query).items()} | {"csrf": csrf_of(page.text)}
    audited = count(container, "registry_audit")
    wrong = registry.post("/registry/register", data=data | {"sex": "Q", "district": "Mumbai\x00"})
    assert wrong.status_code == 422 and 'data-code="invalid_registration"' in wrong.text
    assert count(container, "registry_registrations") == 0
    done = registry.post("/registry/register", data=data)
    assert done.status_code == 200 and 'data-testid="done"' in done.text
    assert count(container, "registry_registrations") == 1
    again = registry.post("/registry/register", data=data)
    assert again.status_code == 409 and 'data-code="registration_exists"' in again.text
    trail = container.registry.audit_entries(principal(container, "supervisor"))
    registered = [e for e in trail if e["action"] == "register"]
    assert count(container, "registry_audit") == audited + 3
    assert {e["detail"].get("fir_number") for e in registered} == {number}
    assert any("refused" in e["detail"] for e in registered) and any("registration_id" in e["detail"]
                                                                      for e in registered)
    refused = officer.post("/registry/register", data=data | {"csrf": csrf_of(shown.text)})
    assert refused.status_code == 403 and count(container, "registry_audit") == audited + 4


def test_another_station_sees_nothing_and_other_roles_may_not_act(http, bearer, charge_sheeted, court_step):
    number = charge_sheeted()
    for path, body in (("court", {"court_code": FTSC}), ("hearings", {"scheduled_for": days(3)}),
                       ("disposal", {"disposal": "acquittal", "judgment_ref": "SC 1/2026"})):
        assert error(court_step(number, path, body, by="sho_b")) == (404, "case_not_found"), path
        assert error(court_step(number, path, body, by="admin")) == (403, "forbidden_role"), path
    assert error(http.get(f"/api/v1/firs/{number}/court", headers=bearer("sho_b"))) == (404, "case_not_found")
    assert http.get(f"/api/v1/firs/{number}/court", headers=bearer("admin")).json()["court"] is None
    assert court_step(number, "court", {"court_code": FTSC}, by="dcp").status_code == 200  # the city's officer
    assert error(court_step(number, "hearings/999999/outcome", {"outcome": "held"})) == (404, "hearing_not_found")
    r = court_step(number, "disposal", {"disposal": "pardon", "judgment_ref": "SC 1/2026"})
    assert r.status_code == 422


def test_nothing_the_court_side_returns_names_her(server_url, http, bearer, container, charge_sheeted, court_step,
                                                  caplog):
    number = charge_sheeted()
    said = [court_step(number, "court", {"court_code": FTSC}).text]
    said.append(court_step(number, "hearings", {"scheduled_for": days(2)}).text)
    container.clock._now = START + timedelta(days=2, hours=5)
    hearing = json.loads(said[-1])["hearings"][-1]["id"]
    for n in range(3):
        said.append(court_step(number, f"hearings/{hearing}/outcome", {"outcome": "adjourned",
                                                                       "reason": "witness absent"}).text)
        said.append(court_step(number, "hearings", {"scheduled_for": days(3 + n)}).text)
        container.clock._now = START + timedelta(days=3 + n, hours=5)
        hearing = json.loads(said[-1])["hearings"][-1]["id"]
    said.append(court_step(number, "disposal", {"disposal": "conviction", "judgment_ref": "SC 8/2026"}).text)
    said.append(http.get(f"/api/v1/firs/{number}/court", headers=bearer("officer")).text)
    said.append(http.get("/api/v1/case-alerts", headers=bearer("dcp")).text)
    officer, _ = web_sign_in(server_url, container, "officer")
    said.append(officer.get(f"/cases/{number}").text)
    with container.engine.connect() as conn:
        said += [json.dumps(r.payload) for r in conn.execute(select(events_table))]
    said.append(caplog.text)
    blob = "\n".join(said)
    for secret in SECRETS:
        assert secret not in blob, secret


def test_the_court_section_of_the_case_page(server_url, container, charge_sheeted):
    number = charge_sheeted()
    client, _ = web_sign_in(server_url, container, "officer")
    page = client.get(f"/cases/{number}")
    csrf = csrf_of(page.text)
    assert 'data-testid="court-form"' in page.text and POCSO_COURT not in page.text  # BNS only: no POCSO court offered
    r = client.post(f"/cases/{number}/court", data={"csrf": csrf, "court_code": FTSC}, follow_redirects=True)
    assert "The court is recorded." in r.text and 'data-testid="hearing-form"' in r.text
    bad = client.post(f"/cases/{number}/hearings", data={"csrf": csrf, "scheduled_for": "tomorrow"})
    assert bad.status_code == 422 and 'value="tomorrow"' in bad.text
    r = client.post(f"/cases/{number}/hearings", data={"csrf": csrf, "scheduled_for": days(0)},
                    follow_redirects=True)
    assert "The hearing is scheduled" in r.text and 'data-testid="outcome-form"' in r.text
    hearing = container.cases.courts.section(
        principal(container, "officer"), number)["hearings"][0]["id"]
    wrong = client.post(f"/cases/{number}/hearings/{hearing}/outcome", data={"csrf": csrf, "outcome": "adjourned"})
    assert wrong.status_code == 422 and "<details open>" in wrong.text
    r = client.post(f"/cases/{number}/hearings/{hearing}/outcome",
                    data={"csrf": csrf, "outcome": "adjourned", "reason": "court on leave"}, follow_redirects=True)
    assert "court on leave" in r.text and 'data-testid="adjournments">1' in r.text
    r = client.post(f"/cases/{number}/disposal", data={"csrf": csrf, "disposal": "conviction",
                                                       "judgment_ref": "SC 77/2026", "convicted": "0"},
                    follow_redirects=True)
    assert "The judgment is recorded" in r.text and 'data-testid="registry-form"' in r.text
    assert 'data-testid="court-form"' not in r.text  # nothing more to do once judged
    hindi = client.get(f"/hi/cases/{number}")
    assert hindi.status_code == 200 and 'data-testid="court"' in hindi.text
