"""The public directory in Chromium: search by name as you type, and 'which station covers me?'."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_search_by_name_as_you_type(page, home_station):
    page.goto("/directory")
    page.fill("#q", "colab")
    rows = page.get_by_test_id("station-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Colaba Police Station")
    expect(rows.first).to_contain_text(home_station.women_helpline)


def test_tapping_the_map_tells_which_station_covers_the_spot(page, home_station):
    page.goto("/directory")
    page.wait_for_function("() => document.querySelectorAll('#dir-map .leaflet-overlay-pane path').length > 50")
    xy = page.evaluate("([lat, lon]) => { const p = window.SURAKSHA.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                       [home_station.anchor.lat, home_station.anchor.lon])
    box = page.locator("#dir-map").bounding_box()
    result = page.get_by_test_id("cover-result")
    page.mouse.click(box["x"] + xy[0], box["y"] + xy[1])
    expect(result).to_contain_text("Colaba Police Station")
    expect(result).to_contain_text("Women helpline")
