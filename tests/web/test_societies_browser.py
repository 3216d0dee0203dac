"""Housing societies in Chromium: a station officer registers a society by clicking its place on the map, adds a
coordinator (the number shown masked), and the coordinator's SMS appears live on the dispatcher's console as a P1
with "Society: name" in the queue and the detail."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import tracking_of
from tests.web.conftest import sign_in_page
from tests.web.test_accessibility_browser import serious

pytestmark = pytest.mark.browser
NAME = "Sagar Darshan CHS"
COORDINATOR = "+919820044444"


def test_an_officer_registers_a_society_on_the_map_and_its_alert_names_it_on_the_console(
        page, container, console_as, sms, home_station, http, auth):
    sign_in_page(page, container, "officer", "/societies")
    expect(page.get_by_test_id("society-map").locator(".leaflet-pane")).not_to_have_count(0)
    page.fill("form[data-testid=register-form] input[name=name]", NAME)
    page.fill("form[data-testid=register-form] input[name=address]", "Cuffe Parade, Colaba")
    page.get_by_test_id("society-map").click(position={"x": 200, "y": 150})  # the pin where the officer clicks
    expect(page.get_by_test_id("lat")).not_to_have_value("")
    lat, lon = float(page.get_by_test_id("lat").input_value()), float(page.get_by_test_id("lon").input_value())
    page.get_by_test_id("register").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    assert not serious(page)
    page.fill("form[data-testid=coordinator-form] input[name=name]", "Meera Kulkarni")
    page.fill("form[data-testid=coordinator-form] input[name=phone]", COORDINATOR)
    page.get_by_test_id("add-coordinator").click()
    expect(page.get_by_test_id("coordinator-phone")).to_have_text("+••••••••••44")
    assert "9820044444" not in page.content()

    console = console_as("dispatcher")
    r = sms.send("A man is harassing a girl near our gate", sender=COORDINATOR, to=home_station.general_number)
    tracking = tracking_of(r.text)
    item = console.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]')
    expect(item.get_by_test_id("queue-society")).to_have_text(f"Society: {NAME}")
    expect(item).to_contain_text("P1")
    item.click()
    expect(console.get_by_test_id("detail-society")).to_have_text(NAME)
    i = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert i["location"]["coordinates"] == pytest.approx([lon, lat], abs=1e-6)  # the pin clicked on the map
