"""Her identity through a case's whole life (issue 12, "sealed identity"): from the incident and the FIR, through the
investigating officer, an arrest, forensic samples, the charge-sheet, the court (hearings, adjournments and their
alerts, the judgment), every message to her and the 90-day update, to the dashboards (JSON, CSV, PDF) and her own
/track page: her name, phone and address appear in no answer, page, export, table row, event, message body or log
line. The one answer that carries them is the audited unsealing by the case's IO."""

from __future__ import annotations

import io
import logging
import re
from datetime import timedelta

import pypdfium2
from sqlalchemy import select

from suraksha.adapters.db import metadata
from tests.cases.conftest import NAME, SECRETS, fir_body
from tests.conftest import START, web_sign_in

FTSC = "MH-MUM-CCSC-FTSC"
LAB = "MH-FSL-MUM"


def test_nothing_of_her_leaks_anywhere_in_a_case_from_incident_to_judgment(
        http, bearer, container, server_url, station_id, officers, make_incident, caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def look(r, status: int = 200):
        assert r.status_code == status, r.text
        seen.append(r.text)
        return r

    def at(days: int, hours: int = 6) -> None:
        container.clock._now = START + timedelta(days=days, hours=hours)

    def deliver() -> None:
        while container.messages.deliver_due():
            pass

    tracking = make_incident(f"Help, I am {NAME}, call 9820054321")
    made = look(http.post("/api/v1/firs", json=fir_body(station_id, incident_tracking=tracking, io_username="io_a"),
                          headers=bearer("officer")), 201).json()
    number, alias = made["fir_number"], made["victim"]["pseudonym"]
    deliver()
    at(1)
    look(http.post(f"/api/v1/firs/{number}/accused/0/arrest",
                   json={"arrested_at": (START + timedelta(hours=20)).isoformat(), "place": "Sassoon Dock, Colaba"},
                   headers=bearer("io_a")))
    swab = look(http.post(f"/api/v1/firs/{number}/forensics", json={
        "lab_code": LAB, "sample_kind": "swab", "description": "vaginal swab, sealed at JJ hospital"},
        headers=bearer("io_a")), 201).json()
    look(http.post(f"/api/v1/firs/{number}/forensics/{swab['id']}/sent", json={}, headers=bearer("io_a")))
    at(20)
    look(http.post(f"/api/v1/firs/{number}/forensics/{swab['id']}/received", json={}, headers=bearer("io_a")))
    look(http.post(f"/api/v1/firs/{number}/forensics/{swab['id']}/result",
                   json={"result": "semen detected; DNA profile matches accused 1", "conclusive": True},
                   headers=bearer("io_a")))
    at(31)
    container.cases.fire_due()
    look(http.post(f"/api/v1/firs/{number}/delays", json={"category": "medical_report_awaited",
                                                           "reason": "report from JJ hospital awaited"},
                   headers=bearer("io_a")))
    look(http.post(f"/api/v1/firs/{number}/charge-sheet", json={"reference": "CS 9/2026"}, headers=bearer("io_a")))
    look(http.post(f"/api/v1/firs/{number}/court", json={"court_code": FTSC}, headers=bearer("officer")))
    for n in range(1, 4):  # three adjournments: the third alerts the station head and the superintendent
        day = 31 + 7 * n
        hearing = look(http.post(f"/api/v1/firs/{number}/hearings", json={
            "scheduled_for": (START + timedelta(days=day)).date().isoformat()}, headers=bearer("officer"))).json()
        at(day)
        look(http.post(f"/api/v1/firs/{number}/hearings/{hearing['hearings'][-1]['id']}/outcome",
                       json={"outcome": "adjourned", "reason": f"defence counsel absent ({n})"},
                       headers=bearer("officer")))
    at(140)  # nothing told to her for 90 days: the progress update
    assert container.cases.updates.fire_due() == 1
    deliver()
    judged = look(http.post(f"/api/v1/firs/{number}/disposal", json={
        "disposal": "conviction", "judgment_ref": "SC 77/2026"}, headers=bearer("officer"))).json()
    assert judged["disposal"]["disposal"] == "conviction"
    deliver()
    unsealed = http.post(f"/api/v1/firs/{number}/unseal", json={"reason": "to call her for the judgment"},
                         headers=bearer("io_a"))
    assert unsealed.json()["name"] == NAME  # the one answer that carries her identity, audited

    # everything anyone reads about the case, its lists, its figures and her own status page
    for who in ("officer", "io_a", "dcp", "admin"):
        for path in ("/api/v1/firs?status=all", "/api/v1/case-alerts", f"/api/v1/firs/{number}",
                     f"/api/v1/firs/{number}/forensics", f"/api/v1/firs/{number}/court", "/api/v1/forensic-requests",
                     "/api/v1/forensic-labs/turnaround", "/api/v1/case-dashboard?from_month=2026-01"):
            look(http.get(path, headers=bearer(who)))
    case = look(http.get(f"/api/v1/firs/{number}", headers=bearer("io_a"))).json()
    sent = [u for u in case["updates"] if u["status"] == "sent"]
    assert {u["step"] for u in sent} >= {"fir_registered", "arrest", "charge_sheet", "hearing_date", "progress",
                                         "outcome"}
    client, _ = web_sign_in(server_url, container, "io_a")
    for page in ("/cases?show=all", f"/cases/{number}", f"/hi/cases/{number}", "/cases/forensics",
                 "/cases/dashboard", "/mr/cases/dashboard", "/cases/dashboard.csv"):
        look(client.get(page))
    pdf = client.get("/cases/dashboard/report.pdf?month=" + (START + timedelta(days=140)).strftime("%Y-%m"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    doc = pypdfium2.PdfDocument(io.BytesIO(pdf.content))
    seen.append("\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc))))
    # her messages as they left (the provider's record: its `to` is her number, the one place it must be), and
    # her own status page with the case code her FIR message gave her
    bodies = [body for _to, body in container.messages.provider.sent]
    seen.extend(bodies)
    code = re.search(r"\b([2-9A-HJKMNP-Z]{8})\b", bodies[0])
    assert code, bodies[0]
    status = look(http.post("/api/v1/case-status", json={"fir_number": number, "code": code.group(1)})).json()
    assert status["outcome"] and status["arrested"] is True
    with container.engine.connect() as conn:
        for table in ("events", "case_log", "case_timers", "case_unsealings", "case_accused", "cases",
                      "forensic_requests", "case_courts", "hearings", "victim_updates", "accused_arrests",
                      "case_facts", "case_rollup"):
            seen.extend(str(tuple(r)) for r in conn.execute(select(metadata.tables[table])))
        om = metadata.tables["outbound_messages"]
        seen.extend(r.body for r in conn.execute(select(om.c.body)))
    text = "\n".join(seen) + "\n" + caplog.text
    assert alias in text and number in text
    leaks = [secret for secret in SECRETS if secret.lower() in text.lower()]
    assert not leaks, leaks
