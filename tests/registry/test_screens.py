"""The registry's screens over HTTP, as a browser uses them (a session cookie, forms with their CSRF field): the
upload page, a record, the merge review, the alerts inbox, and the supervisors' overview and audit review. Who may
open each, the purpose asked on the way in, and that every read and decision is audited."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from suraksha.registry import store
from tests.conftest import csrf_of, web_sign_in
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes, operator
from tests.registry.test_lawful_reads import KA_TWIN, MH_TWIN, load, propose

WHY = {"purpose": "investigation"}


def png_1x1() -> bytes:
    """A real 1x1 PNG (a grey pixel)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + \
        chunk(b"IEND", b"")


@pytest.fixture
def session_of(server_url, container):
    """A signed-in browser session (an httpx client with the session cookie) per account."""
    clients = []

    def sign_in(username: str):
        client, r = web_sign_in(server_url, container, username)
        assert r.status_code == 303, r.text
        clients.append(client)
        return client

    yield sign_in
    for client in clients:
        client.close()


def audit_entries(container, **kw) -> list[dict]:
    from suraksha.registry.audit import AuditFilters

    return container.registry.audit.entries(AuditFilters(**kw), limit=500)


def newest(container, action: str) -> dict:
    found = audit_entries(container, action=action)
    assert found, f"no audit entry {action}"
    return found[0]


def persons(container, *registration_ids) -> list[int]:
    reg = store.registrations
    with container.engine.connect() as conn:
        found = dict(conn.execute(select(reg.c.id, reg.c.person_id).where(reg.c.id.in_(registration_ids))).all())
    return [found[i] for i in registration_ids]


# --- the upload page -------------------------------------------------------------------------------------------
def test_the_upload_page_takes_a_plain_form_post_and_shows_the_row_report(session_of, container):
    browser = session_of("registry")
    page = browser.get("/registry/upload")
    assert page.status_code == 200 and 'id="upload-form"' in page.text
    bad = SUNIL | {"record_id": "MH-0009", "dob": "1990-02-30"}
    files = {"file": ("maharashtra.csv", csv_bytes(RAMESH, SUNIL, bad), "text/csv")}
    r = browser.post("/registry/upload", data={"csrf": csrf_of(page.text), "state": "MH"}, files=files)
    assert r.status_code == 200, r.text[:500]
    summary = re.search(r'data-testid="import-summary">([^<]+)<', r.text).group(1)
    assert summary.startswith("2 rows accepted (2 new, 0 updated, 0 unchanged), 1 rows rejected"), summary
    rejected = re.findall(r'<tr data-testid="rejected-row"><td>(\d+)</td><td>(\w+)</td><td>([^<]+)</td>', r.text)
    assert [(row, column) for row, column, _ in rejected] == [("4", "dob")] and rejected[0][2]
    assert newest(container, "import")["actor"] == "registry"


def test_the_upload_page_keeps_csrf_whole_and_what_was_typed(session_of, container, auth, http):
    browser = session_of("registry")
    token = csrf_of(browser.get("/registry/upload").text)
    files = {"file": ("x.csv", csv_bytes(RAMESH), "text/csv")}
    for form in ({"state": "MH"}, {"state": "MH", "csrf": "forged"}):  # no field, a wrong one: refused
        r = browser.post("/registry/upload", data=form, files=files, headers={"accept": "text/html"})
        assert r.status_code == 403 and "Missing or wrong CSRF token" in r.text
    # the session's other POSTs still need the header (the API): a form field does not stand in for it
    r = browser.post("/api/v1/registry/imports", data={"state": "MH", "csrf": token}, files=files)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "csrf_failed")
    assert audit_entries(container, action="import") == []
    r = browser.post("/registry/upload", data={"csrf": token, "state": "Narnia"}, files=files)
    assert r.status_code == 422 and 'data-code="unknown_state"' in r.text and 'value="Narnia"' in r.text
    r = browser.post("/registry/upload", data={"csrf": token, "state": "MH"})
    assert r.status_code == 422 and 'data-code="file_required"' in r.text
    r = browser.post("/hi/registry/upload", data={"csrf": token, "state": "KA"}, files=files)  # another state's
    assert r.status_code == 403 and 'data-code="forbidden_scope"' in r.text and 'lang="hi"' in r.text
    assert newest(container, "import")["detail"]["refused"] == "forbidden_scope"


# --- who may open which screen ---------------------------------------------------------------------------------
OFFICER_SCREENS = ["/registry/records/{id}", "/registry/merges", "/registry/alerts"]
SUPERVISOR_SCREENS = ["/registry/oversight", "/registry/audit"]


@pytest.mark.parametrize("username", ["dispatcher", "officer", "admin"])
def test_other_roles_are_refused_every_screen_and_the_data_screens_audit_it(session_of, container, username):
    ids = load(container, RAMESH)
    browser = session_of(username)
    for path in OFFICER_SCREENS + SUPERVISOR_SCREENS:
        url = path.format(id=ids["MH-0001"])
        for params in ({}, WHY):
            r = browser.get(url, params=params, headers={"accept": "text/html"})
            assert r.status_code == 403 and "Ramesh" not in r.text, (url, params, r.status_code)
    for action in ("view", "merges", "alerts"):
        entry = newest(container, action)
        assert (entry["actor"], entry["detail"]["refused"]) == (username, "forbidden_role")


def test_officers_use_the_data_screens_supervisors_also_their_own(session_of, container, server_url, http):
    ids = load(container, RAMESH)
    officer, supervisor = session_of("registry"), session_of("supervisor")
    for path in OFFICER_SCREENS:
        url = path.format(id=ids["MH-0001"])
        for browser in (officer, supervisor):
            assert browser.get(url).status_code == 200, url
            assert browser.get(url, params=WHY).status_code == 200, url
    for path in SUPERVISOR_SCREENS:
        assert supervisor.get(path).status_code == 200, path
        r = officer.get(path, headers={"accept": "application/json"})
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden_role"), path
    for path in OFFICER_SCREENS + SUPERVISOR_SCREENS:  # nobody signed in: to the sign-in page
        r = http.get(path.format(id=1), headers={"accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_a_supervisor_lands_on_the_oversight_page_with_its_own_navigation(server_url, container):
    client, r = web_sign_in(server_url, container, "supervisor")
    try:
        assert r.headers["location"] == "/registry/oversight"
        page = client.get("/registry/oversight").text
        nav = re.search(r'<nav data-testid="nav">(.*?)</nav>', page, re.S).group(1)
        links = re.findall(r'<a href="([^"]+)"', nav)
        assert {"/registry/oversight", "/registry/audit", "/registry", "/registry/merges", "/registry/alerts"} <= \
            set(links) and "/registry/upload" not in links
        assert 'data-testid="trail-card"' in page and "Hash chain intact" in page
    finally:
        client.close()
    client, r = web_sign_in(server_url, container, "registry")
    try:
        assert r.headers["location"] == "/registry"
        nav = re.search(r'<nav data-testid="nav">(.*?)</nav>', client.get("/registry").text, re.S).group(1)
        assert "/registry/audit" not in nav and "/registry/merges" in nav and "/registry/alerts" in nav
    finally:
        client.close()


# --- a record --------------------------------------------------------------------------------------------------
def test_the_record_page_asks_a_purpose_on_the_way_in_and_audits_the_look(session_of, container, auth, http):
    ids = load(container, RAMESH, MH_TWIN, SUNIL)
    reg = ids["MH-0001"]
    moved = RAMESH | {"address": "Flat 3, Kothrud, Pune", "address_from": "2025-02-01"}
    container.registry.import_csv(csv_bytes(moved), operator())
    r = http.post(f"/api/v1/registry/registrations/{reg}/files", headers=auth("registry"),
                  files={"file": ("face.png", png_1x1(), "image/png")}, data={"kind": "photo"})
    assert r.status_code == 200
    (merge_id,) = propose(container, (reg, ids["MH-0002"]))
    browser = session_of("registry")
    before = container.registry.audit.count()

    asked = browser.get(f"/registry/records/{reg}")  # on the way in: the purpose form, nothing read
    assert asked.status_code == 200 and 'data-testid="purpose-form"' in asked.text and "Ramesh" not in asked.text
    assert container.registry.audit.count() == before

    refused = browser.get(f"/registry/records/{reg}", params={"purpose": "other", "purpose_text": ""})
    assert refused.status_code == 422 and 'data-code="purpose_required"' in refused.text
    assert "Ramesh" not in refused.text
    assert newest(container, "view")["detail"] == {"registration_id": reg, "refused": "purpose_required",
                                                   "purpose_given": "other"}

    page = browser.get(f"/registry/records/{reg}", params={"purpose": "other", "purpose_text": "verifying a tip-off"})
    assert page.status_code == 200
    html = page.text
    assert re.search(r'<img class="photo" src="data:image/png;base64,[A-Za-z0-9+/=]+"', html)
    for fact in ("Ramesh Kumar Yadav", "Rambo", "Suresh Yadav", "scar on left cheek", "aadhaar",
                 "12 Shivaji Nagar, Pune", "Flat 3, Kothrud, Pune", "2025-02-01", "Sessions Court Pune",
                 "SC/12/2018", "7 years RI", f'data-testid="record-merge-{merge_id}"', "verifying a tip-off"):
        assert fact in html, fact
    assert html.index("Flat 3, Kothrud, Pune") < html.index("12 Shivaji Nagar, Pune")  # the current address first
    assert "1234 5678 9012" not in html  # identity numbers are never shown
    entry = newest(container, "view")
    assert (entry["actor"], entry["purpose"], entry["purpose_text"], entry["detail"]) == \
        ("registry", "other", "verifying a tip-off", {"registration_id": reg})


def test_another_states_record_reads_as_not_found_for_a_state_officer(session_of, container):
    ids = load(container, RAMESH, KA_TWIN)
    officer, supervisor = session_of("registry"), session_of("supervisor")
    r = officer.get(f"/registry/records/{ids['KA-77']}", params=WHY, headers={"accept": "text/html"})
    assert r.status_code == 404 and "Ramesh" not in r.text
    assert newest(container, "view")["detail"]["refused"] == "out_of_scope"
    r = supervisor.get(f"/registry/records/{ids['KA-77']}", params=WHY)
    assert r.status_code == 200 and "Ramesh K. Yadav" in r.text and f"?record={ids['KA-77']}" in r.text


# --- the merge review ------------------------------------------------------------------------------------------
def test_a_merge_is_confirmed_and_undone_through_the_review_page(session_of, container):
    ids = load(container, SUNIL, MH_TWIN)
    left, right = ids["MH-0002"], ids["MH-0003"]
    (merge_id,) = propose(container, (left, right))
    browser = session_of("registry")
    assert 'data-testid="purpose-form"' in browser.get("/registry/merges").text
    page = browser.get("/registry/merges", params=WHY)
    html = page.text
    assert page.status_code == 200 and f'data-testid="merge-{merge_id}"' in html
    assert re.search(r'data-testid="side-name" data-how="differs">.*?Sunil Ganpat Patil.*?Sunil G Patil', html, re.S)
    assert 'data-testid="side-father_name" data-how="same"' in html
    reasons = re.search(r'data-testid="reasons">(.*?)</ul>', html, re.S).group(1)
    assert "name" in reasons and "bits" in reasons
    assert newest(container, "merges")["detail"]["merges"] == [merge_id]

    token = csrf_of(html)
    form = {"csrf": token, "purpose": "investigation", "purpose_text": "", "status": "proposed"}
    r = browser.post(f"/registry/merges/{merge_id}/confirm", data=form)
    assert r.status_code == 303
    assert r.headers["location"] == "/registry/merges?purpose=investigation&status=proposed&done=confirmed"
    after = browser.get(r.headers["location"])
    assert "Confirmed: the two registrations are now one person." in after.text
    assert f'data-testid="merge-{merge_id}"' not in after.text  # no longer waiting
    assert len(set(persons(container, left, right))) == 1
    assert newest(container, "merge_confirmed")["detail"] == {"merge_id": merge_id}

    again = browser.post(f"/registry/merges/{merge_id}/confirm", data=form)  # decided already: the rule holds
    assert again.status_code == 409 and 'data-code="merge_state"' in again.text
    assert newest(container, "merge_confirm")["detail"]["refused"] == "merge_state"

    confirmed = browser.get("/registry/merges", params=WHY | {"status": "confirmed"})
    assert f'data-testid="unmerge-{merge_id}"' in confirmed.text
    r = browser.post(f"/registry/merges/{merge_id}/unmerge", data=form | {"status": "confirmed"})
    assert r.status_code == 303 and r.headers["location"].endswith("status=confirmed&done=undone")
    assert len(set(persons(container, left, right))) == 2
    assert newest(container, "unmerge")["actor"] == "registry"
    assert 'data-testid="merge-status">undone' in browser.get("/registry/merges", params=WHY | {"status": "undone"}).text


def test_a_state_officer_cannot_decide_another_states_merge_on_the_page(session_of, container):
    ids = load(container, RAMESH, KA_TWIN)
    (merge_id,) = propose(container, (ids["MH-0001"], ids["KA-77"]))
    officer = session_of("registry")
    page = officer.get("/registry/merges", params=WHY).text
    assert f'data-testid="merge-{merge_id}"' not in page  # not listed
    r = officer.post(f"/registry/merges/{merge_id}/confirm", data={"csrf": csrf_of(page), "purpose": "investigation"})
    assert r.status_code == 403 and 'data-code="out_of_scope"' in r.text
    assert persons(container, ids["MH-0001"])[0] != persons(container, ids["KA-77"])[0]
    supervisor = session_of("supervisor")
    page = supervisor.get("/registry/merges", params=WHY).text
    r = supervisor.post(f"/registry/merges/{merge_id}/reject", data={"csrf": csrf_of(page), "purpose": "investigation"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=rejected")
    assert newest(container, "merge_rejected")["actor"] == "supervisor"


# --- the alerts inbox ------------------------------------------------------------------------------------------
def test_the_alerts_inbox_shows_unread_first_and_marks_one_read(session_of, container):
    load(container, RAMESH, SUNIL)
    container.registry.import_csv(csv_bytes(RAMESH | {"address": "Jayanagar, Bengaluru", "address_state": "KA"}),
                                  operator())
    container.clock._now += timedelta(hours=1)
    container.registry.import_csv(csv_bytes(SUNIL | {"address": "Anna Nagar, Chennai", "address_state": "TN"}),
                                  operator())
    browser = session_of("registry")
    page = browser.get("/registry/alerts", params=WHY)
    rows = re.findall(r'<tr class="(read|unread)" data-testid="alert-(\d+)">', page.text)
    assert [state for state, _ in rows] == ["unread", "unread"] and "Ramesh Kumar Yadav" in page.text
    first, second = int(rows[0][1]), int(rows[1][1])
    assert first > second  # newest first
    r = browser.post(f"/registry/alerts/{first}/read", data={"csrf": csrf_of(page.text), "purpose": "investigation"})
    assert r.status_code == 303 and r.headers["location"] == "/registry/alerts?purpose=investigation&done=read"
    page = browser.get(r.headers["location"])
    rows = re.findall(r'<tr class="(read|unread)" data-testid="alert-(\d+)">', page.text)
    assert rows == [("unread", str(second)), ("read", str(first))]  # unread first
    assert "Marked read." in page.text and "1 unread alert" in page.text
    assert newest(container, "alert_read")["detail"] == {"alert_id": first}
    unread_only = browser.get("/registry/alerts", params=WHY | {"unread": "1"}).text
    assert f'data-testid="alert-{first}"' not in unread_only and f'data-testid="alert-{second}"' in unread_only
    ka = session_of("registry_ka")
    assert f'data-testid="alert-{first}"' not in ka.get("/registry/alerts", params=WHY).text
    r = ka.post(f"/registry/alerts/{first}/read", data={"csrf": csrf_of(unread_only), "purpose": "investigation"})
    assert r.status_code == 403  # another session's token
    page = ka.get("/registry/alerts", params=WHY).text
    r = ka.post(f"/registry/alerts/{second}/read", data={"csrf": csrf_of(page), "purpose": "investigation"})
    assert r.status_code == 404 and 'data-code="alert_not_found"' in r.text


# --- the audit review ------------------------------------------------------------------------------------------
def seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'data-testid="audit-entry" data-seq="(\d+)"', html)]


def test_the_audit_review_filters_by_who_purpose_dates_and_record_and_pages(session_of, container, auth, http):
    ids = load(container, RAMESH, SUNIL)
    ramesh, sunil = ids["MH-0001"], ids["MH-0002"]
    view = "/api/v1/registry/registrations/{}"
    http.get(view.format(ramesh), headers=auth("registry"), params=WHY)
    http.get(view.format(sunil), headers=auth("registry"), params={"purpose": "staff_verification"})
    container.clock._now += timedelta(days=1)
    http.get(view.format(sunil), headers=auth("supervisor"), params={"purpose": "other", "purpose_text": "a review"})
    http.get("/api/v1/registry/search", headers=auth("registry_ka"), params={"name": "Ramesh Yadav"} | WHY)
    every = {e["seq"]: e for e in audit_entries(container)}
    supervisor = session_of("supervisor")

    def shown(**params) -> list[int]:
        r = supervisor.get("/registry/audit", params=params)
        assert r.status_code == 200, r.text[:300]
        return seqs(r.text)

    assert shown() == sorted(every, reverse=True)
    assert shown(actor="registry") == sorted((s for s, e in every.items() if e["actor"] == "registry"), reverse=True)
    assert [every[s]["purpose"] for s in shown(purpose="staff_verification")] == ["staff_verification"]
    today = shown(since="2026-11-23", until="2026-11-23")  # the second day, in Mumbai's days
    assert today and all(every[s]["at"].startswith("2026-11-23") for s in today)
    assert set(shown(until="2026-11-22")) == set(every) - set(today)
    about_ramesh = shown(record=str(ramesh))
    assert {every[s]["action"] for s in about_ramesh} == {"view", "search"}  # his look, and the search that found him
    assert all(every[s]["detail"].get("registration_id") == ramesh or ramesh in every[s]["detail"].get("results", [])
               for s in about_ramesh)
    assert shown(record="MH-0002") == sorted((s for s, e in every.items() if e["detail"].get("registration_id")
                                              == sunil), reverse=True)
    page = supervisor.get("/registry/audit", params={"since": "22/11/2026", "actor": "registry"})
    assert page.status_code == 422 and 'data-code="invalid_date"' in page.text and 'value="registry"' in page.text

    for n in range(60):  # more than a page
        container.registry.audit.record(operator(), "search", {"query": {"name": f"n{n}"}, "results": []})
    first = supervisor.get("/registry/audit", params={"actor": "tests"}).text
    older = re.search(r'href="/registry/audit\?actor=tests&amp;before=(\d+)" data-testid="older"', first)
    assert len(seqs(first)) == 50 and older
    rest = supervisor.get("/registry/audit", params={"actor": "tests", "before": older.group(1)}).text
    by_tests = [s for s, e in every.items() if e["actor"] == "tests"]  # the loads, then the 60
    assert len(seqs(rest)) == len(by_tests) + 10 and max(seqs(rest)) < min(seqs(first))
    newer = re.search(r'data-testid="newer"', rest)
    assert newer


def test_the_oversight_page_counts_today_and_what_waits(session_of, container, auth, http):
    ids = load(container, SUNIL, MH_TWIN)
    propose(container, (ids["MH-0002"], ids["MH-0003"]))
    container.registry.import_csv(csv_bytes(SUNIL | {"address": "Anna Nagar, Chennai", "address_state": "TN"}),
                                  operator())
    http.get("/api/v1/registry/search", headers=auth("registry"), params={"name": "Sunil Patil"} | WHY)
    http.get("/api/v1/registry/search", headers=auth("registry"), params={"name": "Sunil Patil"})  # refused
    page = session_of("supervisor").get("/registry/oversight").text
    assert re.search(r'data-testid="merges-waiting">1<', page)
    assert re.search(r'data-testid="alerts-unread">2<', page)  # Maharashtra's and Tamil Nadu's
    assert re.search(r'data-testid="today-refused">1 refused<', page)
    assert "/registry/audit?actor=registry&amp;since=2026-11-22" in page
