"""The case dashboards (issue 12, point 7): the figures on a small known set of cases built through the API with the
injected clock (open cases by age, the share completed within the deadline, breaches and their reasons, forensic
turnaround, court pendency and disposal, the monthly trend), kept in step with every change (a rebuild from the cases
gives the same roll-up), the one scope rule, the filters, and CSV, PDF and JSON without her details or the accused's
names."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
import pytest
from sqlalchemy import select

from suraksha.cases.dashboards.store import case_facts, case_rollup
from tests.cases.conftest import NAME, SECRETS, fir_body
from tests.conftest import START, web_sign_in

ACCUSED = "Ramesh Kale"
DAY = timedelta(days=1)


def at(container, days_before_start: int) -> None:
    container.clock._now = START - days_before_start * DAY


@pytest.fixture
def known(container, http, bearer, officers, register, other_station):
    """Six FIRs at Colaba and one at another Mumbai station:
    A (rape, day -100): a sample sent at -95, result at -85 (10 days); charge-sheet at -60 (40 days, within);
      in court: one hearing adjourned, then a conviction.
    B (rape, day -100): delay 'forensic report awaited'; charge-sheet at -30 (70 days: late).
    C (rape, day -100): still open: past its deadline, over 60 days old, no reason recorded.
    D (POCSO, day -40): open, 31-45 days.  E (rape, day -5): open, 0-30 days.
    F (rape, day -20): closure report at -10 (within).  G (rape, day -5, the other station): open."""
    def fir(days: int, by: str = "officer", **over) -> str:
        at(container, days)
        return register(by=by, occurred_at=(container.clock.now() - DAY).isoformat(), **over)["fir_number"]

    def post(url: str, body: dict, by: str = "officer") -> dict:
        r = http.post(url, json=body, headers=bearer(by))
        assert r.status_code in (200, 201), (url, r.text)
        return r.json()

    a, b, c = fir(100), fir(100), fir(100)
    at(container, 95)
    sample = post(f"/api/v1/firs/{a}/forensics", {"lab_code": "MH-FSL-MUM", "sample_kind": "swab",
                                                   "description": "swab taken at the hospital"})["id"]
    post(f"/api/v1/firs/{a}/forensics/{sample}/sent", {})
    at(container, 85)
    post(f"/api/v1/firs/{a}/forensics/{sample}/result", {"result": "FSL report 12/2026", "conclusive": True})
    at(container, 80)
    post(f"/api/v1/firs/{b}/delays", {"category": "forensic_report_awaited", "reason": "the lab has not reported"})
    d = fir(40, sections=["POCSO 4"], victim={**fir_body(1)["victim"], "age": 12})
    at(container, 60)
    post(f"/api/v1/firs/{a}/charge-sheet", {"reference": "CS 1/2026"})
    court = post(f"/api/v1/firs/{a}/court", {"court_code": "MH-MUM-CCSC-FTSC"})
    assert court
    hearing = post(f"/api/v1/firs/{a}/hearings", {"scheduled_for": (START - 50 * DAY).date().isoformat()})
    at(container, 50)
    hearing_id = hearing["hearings"][-1]["id"]
    post(f"/api/v1/firs/{a}/hearings/{hearing_id}/outcome", {"outcome": "adjourned", "reason": "the judge is on leave"})
    at(container, 30)
    post(f"/api/v1/firs/{b}/charge-sheet", {"reference": "CS 2/2026"})
    f = fir(20)
    at(container, 10)
    post(f"/api/v1/firs/{f}/closure-report", {"reference": "FR 1/2026"})
    post(f"/api/v1/firs/{a}/disposal", {"disposal": "conviction", "judgment_ref": "Spl. 12/2026", "convicted": [0]})
    e = fir(5)
    g = fir(5, by="sho_b", **{"station_id": other_station.id})
    container.clock._now = START
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "G": g}


def board(http, bearer, who: str = "officer", **query) -> dict:
    r = http.get("/api/v1/case-dashboard", params=query, headers=bearer(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_the_figures_of_a_known_set(http, bearer, known):
    d = board(http, bearer)
    t = d["totals"]
    assert (d["level"], d["period"]) == ("station", {"from": "2025-12", "to": "2026-11"})
    assert (t["registered"], t["with_deadline"], t["open"]) == (6, 6, 3)
    assert {b["bucket"]: b["count"] for b in t["open_by_age"]} == {"0_30": 1, "31_45": 1, "46_60": 0, "over_60": 1}
    assert (t["decided"], t["within_deadline"], t["late_reports"], t["over_deadline"]) == (4, 2, 1, 1)
    assert (t["share_within"], t["breaches"]) == (0.5, 2)
    assert {b["reason"]: b["count"] for b in d["breaches_by_reason"] if b["count"]} == {
        "forensic_report_awaited": 1, "none_recorded": 1}
    assert (t["charge_sheets"], t["closures"], t["median_days_to_charge_sheet"]) == (2, 1, 55.0)
    assert (t["forensic_requests"], t["forensic_results"], t["forensic_mean_days"]) == (1, 1, 10.0)
    assert (t["court_cases"], t["court_pending"], t["disposed_conviction"]) == (1, 0, 1)
    assert (t["disposal_rate"], t["conviction_rate"], t["hearings"], t["adjournments"]) == (1.0, 1.0, 1, 1)
    months = {m["month"]: m for m in d["months"] if m["registered"]}
    assert {k: (m["registered"], m["charge_sheets"], m["closures"], m["within_deadline"], m["late_reports"])
            for k, m in months.items()} == {"2026-08": (3, 2, 0, 1, 1), "2026-10": (1, 0, 0, 0, 0),
                                            "2026-11": (2, 0, 1, 1, 0)}
    assert len(d["months"]) == 12 and months["2026-08"]["share_within"] == 0.5


def test_figures_move_with_each_change_and_a_rebuild_agrees(http, bearer, container, known):
    def snapshot() -> tuple[list, list]:
        with container.engine.connect() as conn:
            return ([tuple(r) for r in conn.execute(select(case_rollup).order_by(*case_rollup.primary_key))],
                    [tuple(r) for r in conn.execute(select(case_facts).order_by(case_facts.c.case_id))])

    kept = snapshot()
    assert container.cases.dashboards.rebuild() == 7
    assert snapshot() == kept
    # a late charge-sheet for C: no longer open past its deadline, a late report instead; its reason counted
    http.post(f"/api/v1/firs/{known['C']}/delays", json={"category": "accused_absconding", "reason": "he ran away"},
              headers=bearer("officer"))
    http.post(f"/api/v1/firs/{known['C']}/charge-sheet", json={"reference": "CS 3/2026"}, headers=bearer("officer"))
    t = board(http, bearer)["totals"]
    assert (t["open"], t["over_deadline"], t["late_reports"], t["decided"], t["charge_sheets"]) == (2, 0, 2, 4, 3)
    assert t["breach_reasons"]["accused_absconding"] == 1 and t["breach_reasons"]["none_recorded"] == 0


def test_each_account_sees_its_area_only(http, bearer, known):
    assert board(http, bearer, "officer")["totals"]["registered"] == 6
    other = board(http, bearer, "sho_b")
    assert (other["totals"]["registered"], other["totals"]["open"]) == (1, 1)
    city = board(http, bearer, "dcp")
    assert (city["level"], city["breakdown_by"], city["totals"]["registered"]) == ("district", "station", 7)
    assert [a["rank"] for a in city["areas"]] == [1, 2] and city["areas"][0]["name"] == "Colaba Police Station"
    national = board(http, bearer, "admin")
    assert (national["level"], national["breakdown_by"], national["totals"]["registered"]) == ("national", "state", 7)
    assert [a["key"] for a in national["areas"]] == ["MH"]
    assert national["best_practice"]["key"] == "MH" and national["best_practice"]["share_within"] == 0.5
    assert national["best_practice"]["median_days_to_charge_sheet"] == 55.0
    # an area outside one's scope: nothing counted
    assert board(http, bearer, "sho_b", city="mumbai")["totals"]["registered"] == 1
    assert board(http, bearer, "officer", state="KA")["totals"]["registered"] == 0
    for who in ("dispatcher", "responder", "registry"):
        assert http.get("/api/v1/case-dashboard", headers=bearer(who)).status_code == 403


def test_the_filters(http, bearer, known, station_id):
    assert board(http, bearer, offence_class="pocso")["totals"]["registered"] == 1
    assert board(http, bearer, offence_class="rape")["totals"]["registered"] == 5
    assert board(http, bearer, from_month="2026-10")["totals"]["registered"] == 3
    assert board(http, bearer, from_month="2026-08", to_month="2026-08")["totals"]["share_within"] == 0.3333
    assert board(http, bearer, "dcp", station_id=station_id)["totals"]["registered"] == 6
    for query, code in (({"from_month": "2026-13"}, 422), ({"from_month": "2026-11", "to_month": "2026-01"}, 422),
                        ({"from_month": "2020-01", "to_month": "2026-01"}, 422), ({"offence_class": "theft"}, 422),
                        ({"station_id": 999999}, 422)):
        r = http.get("/api/v1/case-dashboard", params=query, headers=bearer("officer"))
        assert r.status_code == code, (query, r.text)


def test_csv_pdf_json_and_page_carry_no_identifiers(server_url, container, http, bearer, known):
    client, _ = web_sign_in(server_url, container, "dcp")
    page = client.get("/cases/dashboard")
    assert page.status_code == 200 and 'data-testid="trend-chart"' in page.text and 'data-testid="bar"' in page.text
    csv_answer = client.get("/cases/dashboard.csv")
    assert csv_answer.status_code == 200 and csv_answer.headers["content-type"].startswith("text/csv")
    assert "total," in csv_answer.text and "Colaba Police Station" in csv_answer.text
    pdf_answer = client.get("/cases/dashboard/report.pdf?month=2026-08")
    assert pdf_answer.status_code == 200 and pdf_answer.content.startswith(b"%PDF")
    doc = pypdfium2.PdfDocument(io.BytesIO(pdf_answer.content))
    pdf_text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert "2026-08" in pdf_text and "Colaba Police Station" in pdf_text
    hindi = client.get("/hi/cases/dashboard/report.pdf?month=2026-08")
    assert hindi.status_code == 200 and hindi.content.startswith(b"%PDF")
    json_text = http.get("/api/v1/case-dashboard", headers=bearer("admin")).text
    for text in (page.text, csv_answer.text, pdf_text, json_text):
        for secret in (*SECRETS, ACCUSED, NAME.split()[0]):
            assert secret not in text, secret
        assert "Survivor" not in text  # not even her pseudonym: counts only
    assert client.get("/cases/dashboard/report.pdf?month=2026-13").status_code == 422
