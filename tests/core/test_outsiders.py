"""Outsiders, from the route table: every route the app serves is classified (`suraksha.http.access`), and each
staff route refuses a request without credentials and a role without the right; a signed webhook refuses an
unsigned delivery and stores nothing. A new route nobody classified fails here.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import func, select
from starlette.routing import Mount

from suraksha.core.auth import Role
from suraksha.entrypoints.app import create_app
from suraksha.http.access import PUBLIC, SIGNED, STAFF_ROLES, classified
from suraksha.migrations.tables import metadata
from tests.whatsapp_meta import change, delivery, message

# One test account per role (tests/conftest.py).
ACCOUNT_OF_ROLE = {
    Role.DISPATCHER.value: "dispatcher",
    Role.STATION_OFFICER.value: "officer",
    Role.RESPONDER.value: "responder",
    Role.ADMIN.value: "admin",
    Role.REGISTRY_OFFICER.value: "registry",
    Role.REGISTRY_SUPERVISOR.value: "supervisor",
    Role.VOLUNTEER.value: "volunteer",
    Role.INTEGRATION.value: "integration",
}
TRACKING = "ZZZZ-2345"  # well formed, no such incident
NO_ROLE_CHECK_WITH_AN_ALLOWED_ROLE = {("GET", "/api/v1/stream")}  # it would stream until the client leaves
REASON = "outsider test"
FIR = "MUM-1-2026-9999"  # well formed, no such FIR
FIR_BODY = {"station_id": 1, "sections": ["BNS 78"], "occurred_at": "2026-11-21T20:00:00+05:30", "place": "Colaba",
            "victim": {"name": "outsider test"}, "accused": [{"known": False}], "recorded_by_woman_officer": "PSI Jadhav",
            "summary": "outsider test: a man followed her"}
FILE = {"file": ("outsider.csv", b"", "text/csv")}
SOCIETY = {"name": "Outsider Test Society", "address": "Cuffe Parade, Colaba", "lat": 18.9067, "lon": 72.8147}
HANDSET = {"model": "Nokia 105", "sim_number": "8991000012345678", "given_on": "2024-01-01", "donor": "outsider test"}
# A valid minimal body for every route that takes one: a refusal must not hide behind a 422.
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/incidents/{tracking}/notes"): {"json": {"text": "a note"}},
    ("POST", "/api/v1/incidents/{tracking}/priority"): {"json": {"priority": 2, "reason": REASON}},
    ("POST", "/api/v1/incidents/{tracking}/category"): {"json": {"category": "help_request", "reason": REASON}},
    ("POST", "/api/v1/incidents/{tracking}/transfer"): {"json": {"station_id": 1, "reason": REASON}},
    ("POST", "/api/v1/incidents/{tracking}/close"): {"json": {"disposition": "false_alarm", "note": ""}},
    ("POST", "/api/v1/incidents/{tracking}/reopen"): {"json": {"reason": REASON}},
    ("POST", "/api/v1/incidents/{tracking}/location/accept"): {},
    ("POST", "/api/v1/incidents/{tracking}/merge"): {"json": {"into": TRACKING, "reason": REASON}},
    ("POST", "/api/v1/incidents/{tracking}/unmerge"): {"json": {"reason": REASON}},
    ("POST", "/api/v1/incidents/{tracking}/location/dismiss"): {"json": {"reason": REASON}},
    ("PUT", "/api/v1/stations/{station_id}/helplines"):
        {"json": {"kind": "women", "number": "+917000099999", "reason": REASON}},
    ("POST", "/api/v1/stations/import"): {"files": {"file": ("x.geojson", b"{}", "application/geo+json")},
                                          "data": {"city": "outsiderville"}},
    ("POST", "/api/v1/units"): {"json": {"call_sign": "OUT-001", "kind": "patrol_van", "home_station_id": 1}},
    ("POST", "/api/v1/units/positions"): {"json": [{"unit_id": 1, "lat": 18.92, "lon": 72.83}]},
    ("POST", "/api/v1/units/{unit_id}/positions"): {"json": {"lat": 18.92, "lon": 72.83}},
    ("POST", "/api/v1/units/{unit_id}/status"): {"json": {"status": "en_route"}},
    ("POST", "/api/v1/incidents/{tracking}/assignments"): {"json": {"unit_id": 1}},
    ("POST", "/api/v1/incidents/{tracking}/messages/{message_id}/reached"): {"json": {"how": "called her"}},
    ("GET", "/api/v1/registry/search"): {"params": {"name": "Ramesh Patil", "purpose": "investigation"}},
    ("POST", "/api/v1/registry/imports"): {"files": FILE, "data": {"state": "MH"}},
    ("POST", "/api/v1/registry/linkage"): {"json": {"name": "Ramesh Patil", "purpose": "investigation"}},
    ("POST", "/api/v1/registry/registrations/{registration_id}/files"):
        {"files": {"file": ("p.jpg", b"\xff\xd8\xff", "image/jpeg")}, "data": {"kind": "photo"}},
    ("GET", "/registry/results"): {"params": {"name": "Ramesh Patil", "purpose": "investigation"}},
    ("POST", "/registry/upload"): {"files": FILE, "data": {"state": "MH"}},
    ("POST", "/registry/merges/{merge_id}/confirm"): {"data": {"purpose": "investigation"}},
    ("POST", "/registry/merges/{merge_id}/reject"): {"data": {"purpose": "investigation"}},
    ("POST", "/registry/merges/{merge_id}/unmerge"): {"data": {"purpose": "investigation"}},
    ("POST", "/registry/alerts/{alert_id}/read"): {"data": {"purpose": "investigation"}},
    ("POST", "/api/v1/stations/{station_id}/handsets"): {"json": HANDSET | {"number": "+917000099999"}},
    ("PUT", "/api/v1/handsets/{handset_id}"): {"json": HANDSET},
    ("POST", "/api/v1/handsets/{handset_id}/retire"): {"json": {"reason": REASON}},
    ("POST", "/stations/{station_id}/phones"): {"data": HANDSET | {"number": "+917000099999"}},
    ("POST", "/phones/{handset_id}"): {"data": HANDSET},
    ("POST", "/phones/{handset_id}/retire"): {"data": {"reason": REASON}},
    ("PUT", "/api/v1/response-targets"): {"json": {"state": "MH", "area_class": "urban", "minutes": 10}},
    ("PUT", "/api/v1/stations/{station_id}/area-class"): {"json": {"area_class": "urban"}},
    ("POST", "/api/v1/units/{unit_id}/shifts"):
        {"json": {"starts_at": "2026-11-22T10:00:00+05:30", "ends_at": "2026-11-22T18:00:00+05:30",
                  "woman_officer": "PSI Jadhav"}},
    ("PUT", "/api/v1/units/{unit_id}/crew"): {"json": {"usernames": []}},
    ("POST", "/units"): {"data": {"call_sign": "OUT-002", "kind": "patrol_van", "home_station_id": "1"}},
    ("POST", "/units/{unit_id}/shifts"): {"data": {"starts_at": "2026-11-22T10:00", "ends_at": "2026-11-22T18:00",
                                                   "woman_officer": "PSI Jadhav"}},
    ("POST", "/units/{unit_id}/status"): {"data": {"status": "out_of_service", "reason": REASON}},
    ("POST", "/api/v1/volunteers/{volunteer_id}/verify"): {"json": {"check": REASON}},
    ("POST", "/api/v1/volunteers/{volunteer_id}/refuse"): {"json": {"reason": REASON}},
    ("POST", "/api/v1/volunteers/{volunteer_id}/suspend"): {"json": {"reason": REASON}},
    ("POST", "/api/v1/volunteers/{volunteer_id}/reinstate"): {"json": {"reason": REASON}},
    ("PUT", "/api/v1/volunteer/availability"): {"json": {"available": True}},
    ("PUT", "/api/v1/volunteer/position"): {"json": {"lat": 18.92, "lon": 72.83}},
    ("POST", "/volunteers/{volunteer_id}/verify"): {"data": {"check": REASON}},
    ("POST", "/volunteers/{volunteer_id}/refuse"): {"data": {"reason": REASON}},
    ("POST", "/volunteers/{volunteer_id}/suspend"): {"data": {"reason": REASON}},
    ("POST", "/volunteers/{volunteer_id}/reinstate"): {"data": {"reason": REASON}},
    ("POST", "/volunteer/availability"): {"data": {"available": "1"}},
    ("POST", "/volunteer/position"): {"data": {"place": "Colaba"}},
    ("POST", "/api/v1/firs"): {"json": FIR_BODY},
    ("POST", "/api/v1/firs/{fir_number}/transfer"): {"json": {"station_id": 1, "reason": REASON}},
    ("POST", "/api/v1/firs/{fir_number}/io"): {"json": {"username": "officer", "reason": REASON}},
    ("POST", "/api/v1/firs/{fir_number}/delays"): {"json": {"category": "other", "reason": REASON}},
    ("POST", "/api/v1/firs/{fir_number}/charge-sheet"): {"json": {"reference": "CS 1/2026"}},
    ("POST", "/api/v1/firs/{fir_number}/closure-report"): {"json": {"reference": "FR 1/2026"}},
    ("POST", "/api/v1/firs/{fir_number}/unseal"): {"json": {"reason": REASON}},
    ("POST", "/api/v1/firs/{fir_number}/accused/{position}/registry-matches"): {"json": {"purpose": "investigation"}},
    ("POST", "/api/v1/firs/{fir_number}/accused/{position}/registry-link"):
        {"json": {"person_id": 1, "purpose": "investigation"}},
    ("PUT", "/api/v1/deadline-rules/{offence_class}"): {"json": {"days": 60, "points": []}},
    ("POST", "/api/v1/firs/{fir_number}/accused/{position}/arrest"):
        {"json": {"arrested_at": "2026-11-22T09:00:00+05:30", "place": "Colaba"}},
    ("POST", "/api/v1/firs/{fir_number}/updates/{update_id}/told"): {"json": {"note": REASON}},
    ("POST", "/cases/{fir_number}/arrest"): {"data": {"position": "0", "arrested_at": "2026-11-22T09:00",
                                                      "place": "Colaba"}},
    ("POST", "/cases/{fir_number}/updates/{update_id}/told"): {"data": {"note": REASON}},
    ("PUT", "/api/v1/forensic-labs/{lab_code}"):
        {"json": {"name": "Outsider test lab", "state": "MH", "city": "Mumbai", "kind": "regional",
                  "turnaround_days": 30}},
    ("POST", "/api/v1/firs/{fir_number}/forensics"):
        {"json": {"lab_code": "MH-FSL-MUM", "sample_kind": "swab", "description": REASON}},
    ("POST", "/api/v1/firs/{fir_number}/forensics/{request_id}/result"):
        {"json": {"result": REASON, "conclusive": True}},
    ("POST", "/cases/{fir_number}/forensics"):
        {"data": {"lab_code": "MH-FSL-MUM", "sample_kind": "swab", "description": REASON}},
    ("POST", "/cases/{fir_number}/forensics/{request_id}/result"): {"data": {"result": REASON, "conclusive": "yes"}},
    ("PUT", "/api/v1/courts/{code}"): {"json": {"state": "MH", "district": "Mumbai", "name": REASON,
                                                "kind": "fast_track"}},
    ("POST", "/api/v1/firs/{fir_number}/court"): {"json": {"court_code": "MH-MUM-DIN-FTSC", "reason": REASON}},
    ("POST", "/api/v1/firs/{fir_number}/hearings"): {"json": {"scheduled_for": "2026-12-01"}},
    ("POST", "/api/v1/firs/{fir_number}/hearings/{hearing_id}/outcome"):
        {"json": {"outcome": "adjourned", "reason": REASON}},
    ("POST", "/api/v1/firs/{fir_number}/disposal"): {"json": {"disposal": "acquittal", "judgment_ref": "SC 1/2026"}},
    ("POST", "/cases/{fir_number}/court"): {"data": {"court_code": "MH-MUM-DIN-FTSC", "reason": REASON}},
    ("POST", "/cases/{fir_number}/hearings"): {"data": {"scheduled_for": "2026-12-01"}},
    ("POST", "/cases/{fir_number}/hearings/{hearing_id}/outcome"): {"data": {"outcome": "adjourned", "reason": REASON}},
    ("POST", "/cases/{fir_number}/disposal"): {"data": {"disposal": "acquittal", "judgment_ref": "SC 1/2026"}},
    ("POST", "/registry/register"): {"data": {"record_id": "OUT-1", "full_name": REASON, "state": "MH"}},
    ("POST", "/api/v1/societies"): {"json": SOCIETY},
    ("PUT", "/api/v1/societies/{society_id}"): {"json": SOCIETY},
    ("PUT", "/api/v1/societies/{society_id}/active"): {"json": {"active": False}},
    ("POST", "/api/v1/societies/{society_id}/coordinators"): {"json": {"name": REASON, "phone": "+919820044444"}},
    ("POST", "/societies"): {"data": SOCIETY},
    ("POST", "/societies/{society_id}"): {"data": SOCIETY},
    ("POST", "/societies/{society_id}/active"): {"data": {"active": "0"}},
    ("POST", "/societies/{society_id}/coordinators"): {"data": {"name": REASON, "phone": "+919820044444"}},
    ("POST", "/cases/new"): {"data": {"station_id": "1", "sections": "BNS 78", "occurred_at": "2026-11-21T20:00",
                                      "place": "Colaba Causeway", "victim_name": "outsider test", "summary": REASON * 3,
                                      "accused0_state": "unknown", "woman_officer": "PSI Jadhav"}},
    ("POST", "/cases/{fir_number}/io"): {"data": {"username": "officer", "reason": REASON}},
    ("POST", "/cases/{fir_number}/delays"): {"data": {"category": "other", "reason": REASON}},
    ("POST", "/cases/{fir_number}/charge-sheet"): {"data": {"reference": "CS 1/2026"}},
    ("POST", "/cases/{fir_number}/closure-report"): {"data": {"reference": "FR 1/2026"}},
    ("POST", "/cases/{fir_number}/transfer"): {"data": {"station_id": "1", "reason": REASON}},
    ("POST", "/cases/{fir_number}/unseal"): {"data": {"reason": REASON}},
}


def route_table(app) -> set[tuple[str, str]]:
    """(method, path template) of everything the app serves, routers included (HEAD goes with GET)."""
    table = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            table.add(("GET", route.path))
            continue
        table.update((m, route.path) for m in (route.methods or ()) if m != "HEAD")
    return table


def is_page(path: str) -> bool:
    return not path.startswith(("/api/", "/webhooks/"))


@pytest.fixture
def routes(container) -> set[tuple[str, str]]:
    """The route table of the app the test server runs (a fresh app object around the same container)."""
    table = route_table(create_app(container, background=False))
    assert len(table) > 50, f"the route table looks empty: {sorted(table)}"
    return table


@pytest.fixture
def anon(server_url):
    """A client with no cookies and no token."""
    with httpx.Client(base_url=server_url, timeout=30) as client:
        yield client


def request_for(route: tuple[str, str], station_id: int) -> tuple[str, str, dict]:
    method, template = route
    values = {"tracking": TRACKING, "station_id": station_id, "unit_id": 1, "registration_id": 1,
              "alert_id": 1, "merge_id": 1, "message_id": 1, "username": "nobody-here", "handset_id": 1,
              "target_id": 1, "shift_id": 1, "volunteer_id": 1, "fir_number": FIR, "offence_class": "bnss_193",
              "request_id": 1, "lab_code": "OUT-TEST-LAB", "code": "OUT-TEST-COURT", "hearing_id": 1,
              "update_id": 1, "position": 0, "other": TRACKING, "society_id": 1, "coordinator_id": 1,
              "agency_id": "out-test.agency"}
    missing = set(re.findall(r"{(\w+)}", template)) - set(values)
    assert not missing, f"{method} {template}: give the test a value for {sorted(missing)}"
    url = re.sub(r"{(\w+)}", lambda m: str(values[m.group(1)]), template)
    kwargs = dict(BODIES.get(route, {"json": {}} if method in ("POST", "PUT", "PATCH") else {}))
    return method, url, kwargs


def code_of(r: httpx.Response) -> str | None:
    try:
        return r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def answer(r: httpx.Response) -> str:
    return f"{r.status_code} {r.headers.get('location') or r.text[:160]!r}"


def test_every_route_is_classified(routes):
    unclassified = sorted(routes - classified())
    gone = sorted(classified() - routes)
    twice = sorted((PUBLIC & SIGNED) | (PUBLIC & set(STAFF_ROLES)) | (SIGNED & set(STAFF_ROLES)))
    roles = {r.value for r in Role}
    unknown_roles = sorted((route, sorted(allowed - roles)) for route, allowed in STAFF_ROLES.items()
                           if allowed - roles or not allowed)
    problems = [f"{what}: {found}" for what, found in (
        ("routes in neither PUBLIC, SIGNED nor STAFF_ROLES (suraksha.http.access)", unclassified),
        ("classified routes the app no longer serves", gone),
        ("routes classified twice", twice),
        ("staff routes with no role or an unknown one", unknown_roles),
    ) if found]
    assert not problems, "; ".join(problems)
    assert set(ACCOUNT_OF_ROLE) == roles, "the test needs an account for every role"


def test_staff_routes_refuse_a_request_without_credentials(routes, anon, station_id):
    staff = sorted(routes & set(STAFF_ROLES))
    holes = []
    for route in staff:
        method, url, kwargs = request_for(route, station_id)
        if is_page(url):  # a person at a browser is sent to sign in
            r = anon.request(method, url, headers={"Accept": "text/html"}, **kwargs)
            if r.status_code != 303 or not r.headers.get("location", "").startswith("/login"):
                holes.append(f"{method} {url} -> {answer(r)}")
        else:
            r = anon.request(method, url, **kwargs)
            if r.status_code != 401 or code_of(r) != "unauthenticated":
                holes.append(f"{method} {url} -> {answer(r)}")
    assert not holes, f"{len(holes)} of {len(staff)} staff routes answer without credentials: {holes}"


def test_staff_routes_refuse_a_role_without_the_right(routes, http, auth, station_id):
    staff = sorted(routes & set(STAFF_ROLES))
    holes, checked = [], 0
    for route in staff:
        method, url, kwargs = request_for(route, station_id)
        for role in sorted(set(ACCOUNT_OF_ROLE) - STAFF_ROLES[route]):
            checked += 1
            r = http.request(method, url, headers=auth(ACCOUNT_OF_ROLE[role]), **kwargs)
            refused = {"forbidden_role"}
            if is_page(url) and method not in ("GET", "HEAD"):
                refused.add("csrf_failed")  # a cookie form: a bearer never carries the session's CSRF token
            if r.status_code != 403 or code_of(r) not in refused:
                holes.append(f"{method} {url} as {role} -> {answer(r)}")
    assert not holes, f"{len(holes)} of {checked} (route, role) pairs outside the right are not refused: {holes}"


def test_staff_routes_let_their_roles_past_the_role_check(routes, http, auth, station_id):
    """The other half of the classification: an allowed role is never refused for its role, nor answered 5xx."""
    staff = sorted((routes & set(STAFF_ROLES)) - NO_ROLE_CHECK_WITH_AN_ALLOWED_ROLE)
    wrong = []
    for route in staff:
        method, url, kwargs = request_for(route, station_id)
        for role in sorted(STAFF_ROLES[route]):
            r = http.request(method, url, headers=auth(ACCOUNT_OF_ROLE[role]), **kwargs)
            if r.status_code in (401, 500, 502, 503, 504) or code_of(r) == "forbidden_role":
                wrong.append(f"{method} {url} as {role} -> {answer(r)}")
    assert not wrong, f"allowed roles refused by role or answered 5xx: {wrong}"


PUBLIC_GETS = {("GET", "/api/v1/jurisdiction"): "/api/v1/jurisdiction?lat=18.92&lon=72.83",
               ("GET", "/static"): "/static/app.css", ("GET", "/track"): f"/track?tracking={TRACKING}"}
# The second step of signing in exists only after a right password: without one, back to the first step.
SECOND_STEP = {("GET", "/login/code"), ("GET", "/login/set-up")}


def test_public_pages_answer_without_credentials(routes, anon, station_id):
    """The other half of PUBLIC: what it names really needs no sign-in (GETs; the POSTs are CSRF- or password-checked)."""
    wrong = []
    for method, template in sorted(routes & PUBLIC):
        if method != "GET":
            continue
        _, url, _ = request_for((method, template), station_id)
        r = anon.get(PUBLIC_GETS.get((method, template), url))
        if (method, template) in SECOND_STEP:
            if r.status_code != 303 or r.headers.get("location") != "/login":
                wrong.append(f"GET {template} without a password given first -> {answer(r)}")
        elif r.status_code != 200:
            wrong.append(f"GET {r.request.url.raw_path.decode()} -> {answer(r)}")
    assert not wrong, wrong


def row_counts(container) -> dict[str, int]:
    with container.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def test_signed_routes_refuse_an_unsigned_request(routes, http, sms, container):
    def headers(extra):
        return lambda request: {**request, "headers": {**request.get("headers", {}), **extra}}

    wa_body = json.dumps(delivery(change([message("text", body="Help, a man is following me")])))
    unsigned = {  # each: the request's keyword arguments without its credential, and how to add a wrong one
        ("POST", "/webhooks/twilio/sms"): (lambda: {"data": sms.form("Help, a man is following me geo:18.92,72.83")},
                                           headers({"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})),
        ("GET", "/metrics"): (dict, headers({"Authorization": "Bearer not-the-metrics-token"})),
        ("POST", "/webhooks/whatsapp"): (lambda: {"content": wa_body, "headers": {"Content-Type": "application/json"}},
                                         headers({"X-Hub-Signature-256": "sha256=" + "0" * 64})),
        ("GET", "/webhooks/whatsapp"): (lambda: {"params": {"hub.mode": "subscribe", "hub.challenge": "1"}},
                                        lambda r: {"params": {**r["params"], "hub.verify_token": "not-ours"}}),
    }
    assert set(unsigned) == SIGNED & routes, "give the test an unsigned request for every signed route"
    before = row_counts(container)
    holes = []
    for (method, path), (make_request, wrong) in sorted(unsigned.items()):
        for request in (make_request(), wrong(make_request())):  # none, and a wrong one
            r = http.request(method, path, **request)
            if r.status_code != 403:
                holes.append(f"{method} {path} with {request} -> {answer(r)}")
    assert not holes, holes
    after = row_counts(container)
    assert after == before, {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert container.messages.provider.sent == []


def test_the_route_table_is_covered(routes):
    staff = routes & set(STAFF_ROLES)
    pairs = sum(len(set(ACCOUNT_OF_ROLE) - STAFF_ROLES[r]) for r in staff)
    summary = (f"{len(routes)} routes: {len(routes & PUBLIC)} public, {len(routes & SIGNED)} signed, "
               f"{len(staff)} staff ({len([r for r in staff if is_page(r[1])])} pages); "
               f"{pairs} (staff route, role outside the right) pairs")
    print(summary)
    assert len(routes & PUBLIC) + len(routes & SIGNED) + len(staff) == len(routes), summary
