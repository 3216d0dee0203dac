"""The registry's screens in Chromium: an upload through the page (its progress, then the row report; and the same
form without script), a merge confirmed and undone on the review screen, a supervisor filtering the audit trail.
axe-core finds no serious or critical problem on them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from suraksha.registry import store
from tests.registry.registry_data import RAMESH, SUNIL, csv_bytes
from tests.registry.test_lawful_reads import MH_TWIN, load, propose
from tests.web.conftest import sign_in_page
from tests.web.test_accessibility_browser import serious

pytestmark = pytest.mark.browser
PADDING = "x" * 10_000  # an extra column the import ignores: a file of some megabytes, so that sending takes a while


def big_file() -> bytes:
    """About 3 MB: 300 good rows (padded) and two bad ones (few rows: this tests the page, not
    how fast many rows are imported)."""
    rows = [SUNIL | {"record_id": f"MH-{n:05d}", "full_name": f"Sunil Patil {n}", "notes": PADDING}
            for n in range(1, 301)]
    rows.insert(10, SUNIL | {"record_id": "MH-BAD-1", "dob": "1990-02-30", "notes": ""})
    rows.append(SUNIL | {"record_id": "", "notes": ""})
    columns = [*rows[0].keys(), "dob", "notes"]
    return csv_bytes(*rows, columns=list(dict.fromkeys(columns)))


def test_an_upload_through_the_page_shows_its_progress_then_the_row_report(page, container):
    sign_in_page(page, container, "registry", "/registry/upload")
    data = big_file()
    assert len(data) > 2_500_000
    page.evaluate("""() => {
      window.__sameDocument = true; window.__progress = [];
      new MutationObserver(() => window.__progress.push(document.getElementById('upload-bar').getAttribute('value')))
        .observe(document.getElementById('upload-bar'), { attributes: true });
    }""")
    page.set_input_files("#upload-file", files=[{"name": "maharashtra.csv", "mimeType": "text/csv", "buffer": data}])
    page.get_by_test_id("upload-button").click()
    expect(page.get_by_test_id("upload-progress")).to_be_visible()
    summary = page.get_by_test_id("import-summary")
    expect(summary).to_contain_text("300 rows accepted (300 new, 0 updated, 0 unchanged), 2 rows rejected",
                                    timeout=60_000)
    assert page.evaluate("window.__sameDocument") is True  # sent by the page's script, not a new page
    assert "100" in page.evaluate("window.__progress")  # the bar reached the end of the file
    expect(page.get_by_test_id("upload-progress")).to_be_hidden()
    rejected = page.get_by_test_id("rejected-row")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0)).to_contain_text("dob")
    expect(rejected.nth(1)).to_contain_text("record_id")
    assert serious(page) == []

    # the same file again, as a plain form (no script): nothing duplicated, the report as a new page
    page.reload()
    page.set_input_files("#upload-file", files=[{"name": "maharashtra.csv", "mimeType": "text/csv", "buffer": data}])
    page.get_by_test_id("upload-button").click()
    expect(summary).to_contain_text("300 rows accepted (0 new, 0 updated, 300 unchanged)", timeout=60_000)


def test_the_upload_form_works_without_script(browser, server_url, container):
    context = browser.new_context(base_url=server_url, java_script_enabled=False)
    try:
        page = sign_in_page(context.new_page(), container, "registry", "/registry/upload")
        page.set_input_files("#upload-file", files=[{"name": "two.csv", "mimeType": "text/csv",
                                                     "buffer": csv_bytes(RAMESH, SUNIL | {"sex": "X"})}])
        page.get_by_test_id("upload-button").click()
        expect(page.get_by_test_id("import-summary")).to_contain_text("1 rows accepted (1 new")
        expect(page.get_by_test_id("rejected-row")).to_contain_text("sex")
    finally:
        context.close()


def person_ids(container, *ids) -> list[int]:
    reg = store.registrations
    with container.engine.connect() as conn:
        found = dict(conn.execute(select(reg.c.id, reg.c.person_id).where(reg.c.id.in_(ids))).all())
    return [found[i] for i in ids]


def test_a_merge_is_confirmed_and_undone_on_the_review_screen(page, container):
    ids = load(container, SUNIL, MH_TWIN)
    left, right = ids["MH-0002"], ids["MH-0003"]
    (merge_id,) = propose(container, (left, right))
    sign_in_page(page, container, "registry", "/registry")
    page.get_by_test_id("nav").get_by_role("link", name="Merges").click()
    page.get_by_test_id("purpose").select_option("investigation")
    page.get_by_test_id("purpose-text").fill("FIR 112/2026 Colaba")
    page.get_by_role("button", name="Show the merges").click()

    merge = page.get_by_test_id(f"merge-{merge_id}")
    expect(merge.get_by_test_id("sides")).to_be_visible()
    differs = merge.locator("tr[data-how=differs]")
    expect(differs.first).to_be_visible()
    expect(merge.get_by_test_id("side-name")).to_have_attribute("data-how", "differs")
    colour = merge.get_by_test_id("side-name").locator("td").first.evaluate("td => getComputedStyle(td).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)"), colour  # highlighted
    expect(merge.get_by_test_id("reasons")).to_contain_text("name")
    assert serious(page) == []

    merge.get_by_test_id(f"confirm-{merge_id}").click()
    expect(page.get_by_test_id("done")).to_contain_text("Confirmed: the two registrations are now one person.")
    assert len(set(person_ids(container, left, right))) == 1
    page.get_by_role("link", name="Confirmed merges (to undo one)").click()
    expect(page.get_by_test_id(f"merge-{merge_id}").get_by_test_id("merge-status")).to_have_text("confirmed")
    page.get_by_test_id(f"unmerge-{merge_id}").click()
    expect(page.get_by_test_id("done")).to_contain_text("Undone: the registrations are separate persons again.")
    assert len(set(person_ids(container, left, right))) == 2
    entries = container.registry.audit.entries(limit=10)
    decided = [(e["actor"], e["action"], e["detail"]) for e in entries if e["action"] in ("merge_confirmed", "unmerge")]
    assert decided == [("registry", "unmerge", {"merge_id": merge_id}),
                       ("registry", "merge_confirmed", {"merge_id": merge_id})]
    assert [e["purpose_text"] for e in entries if e["action"] == "merges"][0] == "FIR 112/2026 Colaba"

    # the record, from the review (with the purpose stated there): its merges show the undo
    page.get_by_test_id("merge-tabs").get_by_role("link", name="Undone").click()
    page.get_by_test_id(f"merge-{merge_id}").get_by_role("link", name="Sunil Ganpat Patil").click()
    expect(page.get_by_test_id("record-name")).to_have_text("Sunil Ganpat Patil")
    expect(page.get_by_test_id(f"record-merge-{merge_id}")).to_contain_text("undone")
    assert serious(page) == []
    view = container.registry.audit.entries(limit=1)[0]
    assert (view["action"], view["purpose_text"], view["detail"]) == ("view", "FIR 112/2026 Colaba",
                                                                      {"registration_id": left})
    page.get_by_test_id("nav").get_by_role("link", name="Alerts").click()
    page.get_by_test_id("purpose").select_option("investigation")
    page.get_by_role("button", name="Show the alerts").click()
    expect(page.get_by_test_id("unread-count")).to_have_text("0 unread alerts")
    assert serious(page) == []


def test_a_supervisor_filters_the_audit_trail(page, container, http, auth):
    ids = load(container, RAMESH, SUNIL)
    for user, purpose in (("registry", "investigation"), ("registry_ka", "staff_verification"),
                          ("registry", "staff_verification")):
        r = http.get("/api/v1/registry/search", headers=auth(user), params={"name": "Sunil Patil", "purpose": purpose})
        assert r.status_code == 200
    http.get(f"/api/v1/registry/registrations/{ids['MH-0001']}", headers=auth("registry"),
             params={"purpose": "investigation"})
    sign_in_page(page, container, "supervisor", "/registry/oversight")
    expect(page.get_by_test_id("chain-state")).to_have_text("Hash chain intact")
    assert serious(page) == []
    page.get_by_test_id("nav").get_by_role("link", name="Audit trail").click()
    rows = page.get_by_test_id("audit-entry")
    expect(rows.first).to_be_visible()
    everything = rows.count()

    page.get_by_test_id("filter-actor").fill("registry")
    page.get_by_test_id("filter-purpose").select_option("staff_verification")
    page.get_by_test_id("filter-button").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-actor", "registry")
    expect(rows.first).to_contain_text("staff verification")
    assert re.search(r"actor=registry&purpose=staff_verification", page.url)
    expect(page.get_by_test_id("filter-actor")).to_have_value("registry")  # the filter stays as typed

    page.get_by_role("link", name="Clear").click()
    expect(rows).to_have_count(everything)
    page.get_by_test_id("filter-record").fill(str(ids["MH-0001"]))
    page.get_by_test_id("filter-since").fill("2026-11-22")
    page.get_by_test_id("filter-until").fill("2026-11-22")
    page.get_by_test_id("filter-button").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-action", "view")
    assert serious(page) == []
