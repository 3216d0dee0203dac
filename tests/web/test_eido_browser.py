"""Incidents between control rooms on the console, in Chromium: an incident imported from another agency shows where
it came from, and an export shows to whom it went and whether her details went with it."""

import pytest
from playwright.sync_api import expect

from tests.incidents.eido_support import nena_sample
from tests.web.conftest import timeline_entries

pytestmark = pytest.mark.browser


def test_an_imported_incident_says_where_it_came_from_and_an_export_where_it_went(signed_in, http, auth):
    r = http.post("/api/v1/eido", headers=auth("dispatcher"), json=nena_sample())
    assert r.status_code == 201, r.text
    tracking = r.json()["tracking"]
    page = signed_in("dispatcher")
    item = page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]')
    expect(item).to_be_visible()
    item.click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    expect(timeline_entries(page, "reported")).to_contain_text("another control room (EIDO)")
    expect(timeline_entries(page, "imported")).to_contain_text("Imported from state.pa.us by dispatcher")

    assert http.get(f"/api/v1/incidents/{tracking}/eido", headers=auth("dispatcher"),
                    params={"to": "thane.police.mh.in"}).status_code == 200
    expect(timeline_entries(page, "eido_exported")).to_contain_text(
        "Sent to thane.police.mh.in as EIDO, without her details by dispatcher")
