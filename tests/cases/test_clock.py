"""The investigation clock (issue 12, point 2): the IO assigned and re-assigned with a reason; alerts at 30, 45 and
55 days and on breach, each raised once (the step run twice, or by two processes at once) and reaching the IO, the
station head and the district superintendent as the rule says, live too; reasons for delay; a charge-sheet or a
closure report stops the clock; the rule is data an administrator changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from suraksha.adapters.outbox import events_table
from suraksha.bootstrap import build_container
from suraksha.core.events import Event
from suraksha.web.stream import visible_to
from tests.cases.conftest import count
from tests.conftest import START, at_once


def kinds(case: dict) -> list[str]:
    return [e["kind"] for e in case["timeline"]]


def alert_events(container) -> list[Event]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(events_table).where(events_table.c.type == "CaseDeadlineAlert")
                            .order_by(events_table.c.id)).all()
    return [Event(r.type, r.payload, r.occurred_at) for r in rows]


def test_the_io_is_assigned_and_reassigned_with_a_reason(http, bearer, officers, register):
    number = register()["fir_number"]
    url = f"/api/v1/firs/{number}/io"
    first = http.post(url, json={"username": "io_a"}, headers=bearer("officer")).json()
    assert first["io_username"] == "io_a" and first["timeline"][-1]["detail"] == {"io": "io_a", "reason": ""}
    for body, status, code in (({"username": "io_b"}, 422, "reason_required"),
                               ({"username": "io_a", "reason": "again"}, 409, "already_the_io"),
                               ({"username": "dispatcher", "reason": "x y z"}, 422, "io_not_eligible"),
                               ({"username": "sho_b", "reason": "x y z"}, 422, "io_not_eligible"),
                               ({"username": "nobody", "reason": "x y z"}, 422, "io_not_eligible")):
        r = http.post(url, json=body, headers=bearer("officer"))
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    again = http.post(url, json={"username": "io_b", "reason": "io_a is on leave for a month"},
                      headers=bearer("officer")).json()
    assert again["io_username"] == "io_b"
    assert again["timeline"][-1] == {"at": START.isoformat(), "kind": "io_reassigned", "actor": "officer",
                                     "detail": {"from": "io_a", "to": "io_b", "reason": "io_a is on leave for a month"}}
    assert kinds(again) == ["registered", "io_assigned", "io_reassigned"]
    # the city's officer may give it too; an administrator reads but does not act
    assert http.post(url, json={"username": "io_a", "reason": "back from leave"},
                     headers=bearer("dcp")).status_code == 200
    assert http.post(url, json={"username": "io_b", "reason": "x y z"},
                     headers=bearer("admin")).json()["error"]["code"] == "forbidden_role"


def test_alerts_fall_at_30_45_and_55_days_and_on_breach_each_once(http, bearer, container, officers, register):
    number = register(io_username="io_a")["fir_number"]
    due = {29: 0, 30: 1, 31: 0, 44: 0, 45: 1, 54: 0, 55: 1, 59: 0, 60: 1, 61: 0, 90: 0}
    for day, expected in due.items():
        container.clock._now = START + timedelta(days=day)
        assert container.cases.fire_due() == expected, day
        assert container.cases.fire_due() == 0, day  # the step run again raises nothing more
    case = http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()
    assert kinds(case) == ["registered", "io_assigned", "deadline_alert", "deadline_alert", "deadline_alert",
                           "deadline_breached"]
    assert [e["detail"]["days_left"] for e in case["timeline"][2:]] == [30, 15, 5, 0]
    assert [e["detail"]["point"] for e in case["timeline"][2:]] == ["day_30", "day_45", "day_55", "breach"]
    assert (case["days_left"], case["clock"]) == (-30, "late")
    assert [e.payload["point"] for e in alert_events(container)] == ["day_30", "day_45", "day_55", "breach"]


def test_each_alert_reaches_the_people_its_point_names(http, bearer, container, officers, register):
    number = register(io_username="io_a")["fir_number"]
    seen = {}
    for day in (30, 45, 55, 60):
        container.clock._now = START + timedelta(days=day, minutes=1)
        assert container.cases.fire_due() == 1
        seen[day] = {name for name in ("io_a", "io_b", "officer", "dcp", "sho_b", "admin")
                     if http.get("/api/v1/case-alerts", headers=bearer(name)).status_code == 200
                     and any(a["fir_number"] == number and a["point"] == f"day_{day}" if day < 60 else a["point"] ==
                             "breach" for a in http.get("/api/v1/case-alerts", headers=bearer(name)).json()["alerts"])}
    assert seen[30] == {"io_a"}
    assert seen[45] == {"io_a", "officer", "io_b"}  # the station's own accounts are its head
    assert seen[55] == {"io_a", "officer", "io_b", "dcp"}
    assert seen[60] == {"io_a", "officer", "io_b", "dcp"}
    assert http.get("/api/v1/case-alerts", headers=bearer("dispatcher")).status_code == 403
    # live: the stream gives each alert to those it reaches and no one else
    events = alert_events(container)
    live = {p: [e.payload["point"] for e in events if visible_to(officers[p], e)] for p in officers}
    assert live["io_a"] == ["day_30", "day_45", "day_55", "breach"]
    assert live["officer"] == ["day_45", "day_55", "breach"] and live["dcp"] == ["day_55", "breach"]
    assert live["sho_b"] == [] and live["admin"] == []


def test_two_processes_raise_each_alert_once(container, test_settings, register):
    numbers = [register(io_username=None)["fir_number"] for _ in range(5)]
    container.clock._now = START + timedelta(days=61)
    other = build_container(test_settings, clock=container.clock)  # a second node on the same database
    def run(c) -> int:
        fired = c.cases.fire_due(limit=7)  # small batches: both keep finding rows the other claims
        while (n := c.cases.fire_due(limit=7)) > 0:
            fired += n
        return fired

    try:
        fired = at_once([container, other], run)
    finally:
        other.engine.dispose()
    assert sum(fired) == 4 * len(numbers)
    assert len(alert_events(container)) == 20
    from suraksha.migrations.tables import metadata

    log = metadata.tables["case_log"]
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(log).where(
            log.c.kind.in_(("deadline_alert", "deadline_breached")))).scalar_one() == 20


def test_a_charge_sheet_stops_the_clock(http, bearer, container, officers, register):
    number = register(io_username="io_a")["fir_number"]
    container.clock._now = START + timedelta(days=40)
    assert container.cases.fire_due() == 1
    r = http.post(f"/api/v1/firs/{number}/charge-sheet",
                  json={"reference": "CS 41/2026", "note": "medical report attached"}, headers=bearer("io_a"))
    assert r.status_code == 200, r.text
    case = r.json()
    assert (case["status"], case["clock"], case["days_left"], case["within_deadline"]) == \
        ("charge_sheeted", "stopped", None, True)
    assert (case["report_reference"], case["report_filed_on"]) == ("CS 41/2026", "2027-01-01")
    assert case["timeline"][-1]["detail"] == {"reference": "CS 41/2026", "filed_on": "2027-01-01",
                                              "note": "medical report attached", "within_deadline": True}
    container.clock._now = START + timedelta(days=90)
    assert container.cases.fire_due() == 0  # no alert after the clock stopped
    assert kinds(http.get(f"/api/v1/firs/{number}", headers=bearer("officer")).json()).count("deadline_alert") == 1
    for path, code in (("charge-sheet", "clock_already_stopped"), ("closure-report", "clock_already_stopped"),
                       ("delays", "clock_already_stopped")):
        body = {"reference": "X"} if path != "delays" else {"category": "other", "reason": "late"}
        r = http.post(f"/api/v1/firs/{number}/{path}", json=body, headers=bearer("io_a"))
        assert (r.status_code, r.json()["error"]["code"]) == (409, code)
    assert http.get("/api/v1/firs", headers=bearer("officer")).json()["cases"] == []
    stopped = http.get("/api/v1/firs?status=stopped", headers=bearer("officer")).json()["cases"]
    assert [c["fir_number"] for c in stopped] == [number]
    assert http.get("/api/v1/case-alerts", headers=bearer("io_a")).json()["alerts"] == []


def test_a_closure_report_after_the_deadline_stops_it_too_and_says_so(http, bearer, container, register):
    number = register()["fir_number"]
    container.clock._now = START + timedelta(days=63)
    assert container.cases.fire_due() == 4
    for body, code in (({"reference": " "}, "report_reference_required"),
                       ({"reference": "FR 2", "filed_on": "2027-02-01"}, "filed_in_future"),
                       ({"reference": "FR 2", "filed_on": "2026-11-01"}, "filed_before_fir")):
        r = http.post(f"/api/v1/firs/{number}/closure-report", json=body, headers=bearer("officer"))
        assert (r.status_code, r.json()["error"]["code"]) == (422, code)
    case = http.post(f"/api/v1/firs/{number}/closure-report", json={"reference": "FR 2/2027"},
                     headers=bearer("officer")).json()
    assert (case["status"], case["within_deadline"], case["timeline"][-1]["kind"]) == \
        ("closure_report", False, "closure_report")


def test_reasons_for_delay_are_recorded(http, bearer, container, register):
    number = register()["fir_number"]
    container.clock.advance(days=50)
    url = f"/api/v1/firs/{number}/delays"
    for body, code in (({"category": "weather", "reason": "rain"}, "invalid_delay_category"),
                       ({"category": "forensic_report_awaited", "reason": " "}, "reason_required")):
        r = http.post(url, json=body, headers=bearer("officer"))
        assert (r.status_code, r.json()["error"]["code"]) == (422, code)
    case = http.post(url, json={"category": "forensic_report_awaited", "reason": "DNA report awaited from Kalina lab"},
                     headers=bearer("officer")).json()
    assert case["timeline"][-1]["detail"] == {"category": "forensic_report_awaited",
                                              "reason": "DNA report awaited from Kalina lab", "days_left": 10}


def test_the_list_puts_the_soonest_deadline_first(http, bearer, container, register):
    old = register()["fir_number"]
    container.clock.advance(days=20)
    no_deadline = register(sections=["BNS 351"], recorded_by_woman_officer=None)["fir_number"]
    newer = register()["fir_number"]
    container.clock.advance(days=45)  # old: 5 days over; newer: 15 days left
    listed = http.get("/api/v1/firs", headers=bearer("officer")).json()["cases"]
    assert [c["fir_number"] for c in listed] == [old, newer, no_deadline]
    assert [(c["days_left"], c["clock"]) for c in listed] == [(-5, "late"), (15, "soon"), (None, "none")]
    due = http.get("/api/v1/firs?due_within_days=10", headers=bearer("admin")).json()["cases"]
    assert [c["fir_number"] for c in due] == [old]
    assert all("summary" not in c and "accused" not in c for c in listed)


def test_the_rule_is_data_an_administrator_changes(http, bearer, container, station_id, register):
    rules = http.get("/api/v1/deadline-rules", headers=bearer("officer")).json()["rules"]
    assert [(r["offence_class"], r["days"]) for r in rules] == [("bnss_193", 60)]
    before = register()["fir_number"]
    new = {"days": 90, "title": "A changed law", "source": "a test amendment",
           "points": [{"point": "day_60", "after_days": 60, "notify": ["io"]},
                      {"point": "breach", "after_days": None, "notify": ["io", "district_superintendent"]}]}
    assert http.put("/api/v1/deadline-rules/bnss_193", json=new, headers=bearer("officer")).status_code == 403
    bad = new | {"points": [{"point": "day_95", "after_days": 95, "notify": ["io"]}]}
    r = http.put("/api/v1/deadline-rules/bnss_193", json=bad, headers=bearer("admin"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_deadline_rule")
    changed = http.put("/api/v1/deadline-rules/bnss_193", json=new, headers=bearer("admin")).json()
    assert (changed["days"], changed["updated_by"]) == (90, "admin")
    after = register()
    assert after["deadline_days"] == 90 and after["deadline_at"] == (START + timedelta(days=90)).isoformat()
    assert http.get(f"/api/v1/firs/{before}", headers=bearer("officer")).json()["deadline_days"] == 60
    container.clock._now = START + timedelta(days=60, minutes=1)
    assert container.cases.fire_due() == 5  # the old FIR: its four points; the new one: its day_60
    sections = http.get("/api/v1/offence-sections", headers=bearer("admin")).json()["sections"]
    assert {"BNS 64", "POCSO 4"} <= {s["code"] for s in sections}
    assert count(container, "offence_sections") == len(sections)
