"""The dispatcher console in Chromium: an SMS appears live on the queue and map; assigning moves a unit."""

import pytest
from playwright.sync_api import expect

from tests.conftest import tracking_of

pytestmark = pytest.mark.browser


def test_an_sms_appears_live_and_assigning_a_unit_changes_its_marker(signed_in, sms, container, home_station):
    unit = container.dispatch.create_unit("MUM-NS-777", "nirbhaya_squad", home_station.id,
                                          home_station.anchor.lon + 0.002, home_station.anchor.lat)
    page = signed_in("dispatcher")
    expect(page.get_by_test_id("live")).to_have_text("live")
    page.evaluate("window.__sameDocument = true")
    unit_marker = page.locator(f'[data-testid=unit-marker][data-unit-id="{unit["id"]}"]')
    expect(unit_marker).to_have_attribute("data-status", "available")

    lat, lon = home_station.anchor.lat, home_station.anchor.lon
    tracking = tracking_of(sms.send(f"Help, he is following me geo:{lat},{lon}").text)

    item = page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]')
    expect(item).to_be_visible()
    expect(item).to_contain_text("P1")
    expect(page.locator(f'[data-testid=incident-marker][data-tracking="{tracking}"]')).to_be_visible()

    item.click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    expect(page.get_by_test_id("contact")).to_have_text("+919820012345")
    first = page.get_by_test_id("recommendation").first
    expect(first).to_have_attribute("data-unit-id", str(unit["id"]))
    first.get_by_test_id("assign").click()

    expect(unit_marker).to_have_attribute("data-status", "dispatched")
    expect(item.get_by_test_id("queue-status")).to_have_text("dispatched")
    expect(page.get_by_test_id("detail-status")).to_have_text("dispatched")
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert container.dispatch.get_unit(unit["id"])["status"] == "dispatched"


def test_the_console_fits_a_1366_by_768_screen(signed_in):
    page = signed_in("dispatcher")
    boxes = {name: page.locator(sel).bounding_box() for name, sel in
             (("queue", ".queue"), ("map", "#map"), ("detail", "#detail"))}
    for name, box in boxes.items():
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1366 and box["y"] + box["height"] <= 768, name
    assert boxes["queue"]["x"] + boxes["queue"]["width"] <= boxes["map"]["x"] + 1
    assert boxes["map"]["x"] + boxes["map"]["width"] <= boxes["detail"]["x"] + 1
    assert boxes["map"]["width"] > 500
    expect(page.locator(".leaflet-overlay-pane path").first).to_be_visible()  # station polygons, no tiles needed


def test_a_responder_sees_the_console_without_victims_details(signed_in, make_incident):
    tracking = make_incident()
    page = signed_in("responder")
    page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]').click()
    expect(page.get_by_test_id("detail")).to_contain_text("withheld")
    expect(page.get_by_test_id("assign")).to_have_count(0)
    expect(page.locator("[data-testid=timeline-entry][data-kind=contact]")).to_contain_text(
        "Her message (text withheld: need to know)")
    for action in ("note-text", "set-priority", "transfer", "close"):  # a responder reads; it does not manage
        expect(page.get_by_test_id(action)).to_have_count(0)


def test_a_click_on_the_queue_survives_a_live_update_between_press_and_release(signed_in, sms, container):
    """A live update that lands while the dispatcher's button is down must not lose her click: the queue keeps the
    element of an incident that did not change (a re-render that replaced it would leave the browser no click)."""
    first = tracking_of(sms.send("a man is following me", sender="+919820011111").text)
    page = signed_in("dispatcher")
    expect(page.get_by_test_id("live")).to_have_text("live")
    item = page.locator(f'[data-testid=queue-item][data-tracking="{first}"]')
    expect(item).to_be_visible()
    box = item.bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    container.clock.advance(minutes=1)
    second = tracking_of(sms.send("he is still behind me", sender="+919820022222").text)
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{second}"]')).to_be_visible()  # the queue redrawn
    page.mouse.up()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(first)
