"""Recommendations on the console in Chromium: an incident without her location shows no distance or ETA but says
why the units are in that order, in the page's language; a unit with a road time says "by road"."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from suraksha.dispatch.routing import OsrmTable
from tests.web.conftest import sign_in_page

pytestmark = pytest.mark.browser

UNKNOWN = {
    "en": "her location unknown: ordered from the station, as a guide",
    "hi": "उसका स्थान अज्ञात: थाने से दूरी के क्रम में, केवल संकेत के लिए",
    "mr": "तिचे ठिकाण अज्ञात: ठाण्यापासूनच्या अंतराच्या क्रमाने, केवळ संकेतासाठी",
}


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_without_her_location_the_console_gives_no_distance_and_says_why(page, container, home_station, make_incident,
                                                                         lang):
    unit = container.dispatch.create_unit("MUM-PV-31", "patrol_van", home_station.id,
                                          home_station.anchor.lon, home_station.anchor.lat + 0.01)
    tracking = make_incident("Please help, I am scared", sender="+919820099999")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_page(page, container, "dispatcher", "/console" if lang == "en" else f"/{lang}/console")
    page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]').click()
    rec = page.locator(f'[data-testid=recommendation][data-unit-id="{unit["id"]}"]')
    expect(rec.get_by_test_id("recommendation-line")).to_have_text(UNKNOWN[lang])
    expect(rec).not_to_contain_text("km")
    expect(rec).not_to_contain_text("NaN")
    assert errors == []


def test_a_road_time_says_by_road(page, container, home_station, make_incident):
    anchor = home_station.anchor
    unit = container.dispatch.create_unit("MUM-PV-32", "patrol_van", home_station.id, anchor.lon, anchor.lat + 0.01)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": "Ok", "durations": [[420.0]], "sources": [], "destinations": []})

    saved = container.dispatch.travel
    container.dispatch.travel = OsrmTable("http://osrm.test:5000", transport=httpx.MockTransport(answer))
    try:
        tracking = make_incident(lat=anchor.lat, lon=anchor.lon)
        sign_in_page(page, container, "dispatcher")
        page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]').click()
        line = page.locator(f'[data-testid=recommendation][data-unit-id="{unit["id"]}"]').get_by_test_id(
            "recommendation-line")
        expect(line).to_have_text("1.1 km · ETA 7 min · by road")
    finally:
        container.dispatch.travel = saved
