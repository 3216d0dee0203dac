"""Units moving on the console, in Chromium: a gateway's batch moves the markers live (the coalesced `UnitsMoved`
events), and the incident open in the panel shows the way its unit went, growing as the unit reports."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_console_follows_units_moving_and_draws_the_way_a_unit_went(signed_in, container, http, auth,
                                                                         home_station, make_incident):
    anchor = home_station.anchor
    a = container.dispatch.create_unit("MUM-NS-601", "nirbhaya_squad", home_station.id, anchor.lon + 0.002, anchor.lat)
    b = container.dispatch.create_unit("MUM-PV-602", "patrol_van", home_station.id, anchor.lon - 0.002, anchor.lat)
    page = signed_in("dispatcher")
    expect(page.get_by_test_id("live")).to_have_text("live")
    page.evaluate("window.__sameDocument = true")
    marker_a = page.locator(f'[data-testid=unit-marker][data-unit-id="{a["id"]}"]')
    marker_b = page.locator(f'[data-testid=unit-marker][data-unit-id="{b["id"]}"]')
    expect(marker_a).to_have_attribute("data-lat", str(anchor.lat))

    container.clock.advance(minutes=1)
    lat_a, lat_b = round(anchor.lat + 0.004, 6), round(anchor.lat - 0.003, 6)
    r = http.post("/api/v1/units/positions", headers=auth("dispatcher"), json=[
        {"unit_id": a["id"], "lon": anchor.lon + 0.002, "lat": lat_a},
        {"call_sign": "MUM-PV-602", "lon": anchor.lon - 0.002, "lat": lat_b}])
    assert r.json() == {"accepted": 2, "rejected": []}
    expect(marker_a).to_have_attribute("data-lat", str(lat_a))
    expect(marker_b).to_have_attribute("data-lat", str(lat_b))

    # Her incident: unit A is sent and drives towards her; the panel's map shows its way and follows it.
    tracking = make_incident(lat=anchor.lat, lon=anchor.lon)
    container.clock.advance(minutes=1)
    container.dispatch.assign(tracking, a["id"])
    container.clock.advance(seconds=20)
    container.dispatch.post_position(a["id"], anchor.lon + 0.001, anchor.lat + 0.002)
    page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]').click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    track = page.locator("path.unit-track")
    expect(track).to_have_count(1)
    way = track.get_attribute("d")
    container.clock.advance(seconds=20)
    container.dispatch.post_position(a["id"], anchor.lon + 0.0005, anchor.lat + 0.001)
    expect(track).not_to_have_attribute("d", way)  # a point more, without a reload
    expect(marker_a).to_have_attribute("data-lat", str(anchor.lat + 0.001))
    assert page.evaluate("window.__sameDocument") is True
