"""The public help page (/help) on a phone in Chromium: she says what happened, puts a pin on the map (or uses her
phone's position), gives her number, sends, and sees her tracking number with the link to follow it; the page's
proof of work is solved by its own script (crypto.subtle). The quick exit leaves at once; the page has no serious
accessibility violation in any language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.test_accessibility_browser import serious

pytestmark = pytest.mark.browser

READY = "() => document.getElementById('help-form')?.dataset.ready === 'true'"
MAP_READY = "() => document.getElementById('help-map')?.dataset.ready === 'true'"


@pytest.fixture
def phone(browser, server_url, container):
    container.help.rate.clear()
    contexts = []

    def open_phone(**kw):
        context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server_url, is_mobile=True,
                                      has_touch=True, **kw)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()
    container.help.rate.clear()


def test_she_asks_for_help_with_a_pin_on_the_map_and_sees_her_tracking_number(phone, container, auth, http,
                                                                              home_station):
    page = phone()
    page.goto("/help")
    page.wait_for_function(READY)
    container.clock.advance(seconds=30)  # the time she takes to fill the form
    page.get_by_test_id("what").fill("A man has been following me since the bus stop")
    page.get_by_test_id("show-map").tap()
    page.wait_for_function(MAP_READY)
    page.get_by_test_id("help-map").scroll_into_view_if_needed()
    page.evaluate("([lat, lon]) => window.SURAKSHA.map.setView([lat, lon], 15, { animate: false })",  # she pans to it
                  [home_station.anchor.lat, home_station.anchor.lon])
    xy = page.evaluate("([lat, lon]) => { const p = window.SURAKSHA.map.latLngToContainerPoint([lat, lon]); "
                       "return [p.x, p.y]; }", [home_station.anchor.lat, home_station.anchor.lon])
    box = page.get_by_test_id("help-map").bounding_box()
    page.touchscreen.tap(box["x"] + xy[0], box["y"] + xy[1])
    expect(page.get_by_test_id("where-said")).to_have_text("Location: the pin on the map.")
    page.get_by_test_id("phone").fill("98200 54321")
    page.get_by_test_id("safe-time").fill("after 6 pm")
    page.get_by_test_id("send").tap()
    tracking = page.get_by_test_id("help-tracking")
    expect(tracking).to_have_text(re.compile(r"^\w{4}-\w{4}$"), timeout=20_000)
    number = tracking.text_content()
    incident = http.get(f"/api/v1/incidents/{number}", headers=auth("dispatcher")).json()
    assert incident["channel"] == "web" and incident["priority"] == 1 and incident["station_id"] == home_station.id
    lon, lat = incident["location"]["coordinates"]
    assert abs(lat - home_station.anchor.lat) < 0.001 and abs(lon - home_station.anchor.lon) < 0.001
    assert incident["contacts"] == [{"channel": "web", "phone": "+919820054321"}]
    assert "after 6 pm" in incident["messages"][0]["body"]
    page.get_by_test_id("help-track-link").tap()
    expect(page.get_by_test_id("track-result")).to_contain_text(number)


def test_she_reports_with_her_phones_position_and_asks_not_to_be_contacted(phone, container, auth, http,
                                                                          home_station):
    page = phone(geolocation={"latitude": home_station.anchor.lat, "longitude": home_station.anchor.lon,
                              "accuracy": 25}, permissions=["geolocation"], locale="hi-IN")
    page.goto("/hi/help")
    page.wait_for_function(READY)
    container.clock.advance(seconds=30)
    page.get_by_test_id("kind-report").check()
    page.get_by_test_id("what").fill("मेरा पड़ोसी रोज़ परेशान करता है")
    page.get_by_test_id("locate").tap()
    expect(page.get_by_test_id("where-said")).to_contain_text("25")
    page.get_by_test_id("reach-none").check()
    expect(page.get_by_test_id("phone")).to_be_hidden()
    page.get_by_test_id("send").tap()
    tracking = page.get_by_test_id("help-tracking")
    expect(tracking).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("help-done")).to_contain_text("कोई आपको कॉल या संदेश नहीं करेगा")
    incident = http.get(f"/api/v1/incidents/{tracking.text_content()}", headers=auth("dispatcher")).json()
    assert incident["location_known"] and incident["location_accuracy_m"] == 25
    assert incident["priority"] == 2 and incident["language"] == "hi"  # "परेशान": harassment
    assert incident["contacts"][0]["phone"].startswith("do-not-contact:")
    assert container.messages.provider.sent == []


def test_the_quick_exit_leaves_at_once(phone):
    page = phone()
    page.route("https://www.google.com/**", lambda route: route.fulfill(body="<title>weather</title>",
                                                                         content_type="text/html"))
    page.goto("/help")
    page.wait_for_function(READY)
    page.get_by_test_id("what").fill("something private")
    page.get_by_test_id("quick-exit").tap()
    page.wait_for_url("https://www.google.com/**")
    assert page.title() == "weather"
    page.goto("/help")  # Esc twice, from the keyboard
    page.wait_for_function(READY)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.google.com/**")


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_no_serious_or_critical_violation(phone, lang):
    page = phone()
    page.goto(f"/{lang}/help")
    page.wait_for_function(READY)
    page.get_by_test_id("show-map").tap()
    page.wait_for_function(MAP_READY)
    assert serious(page) == []
    document, screen = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert document <= screen


def test_the_console_shows_staff_not_to_contact_her(console_as, container, http):
    from tests.intake.test_web_form import filled

    container.help.rate.clear()
    page = console_as("dispatcher")
    r = http.post("/api/v1/help", json=filled(http, container, reach="none", phone="", what="He hit me again"))
    tracking = r.json()["tracking"]
    item = page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]')
    expect(item).to_be_visible()
    expect(item).to_contain_text("P1")
    item.click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    expect(page.get_by_test_id("do-not-contact")).to_have_text("do not contact her (web form)")
    expect(page.get_by_test_id("contact")).to_have_count(0)


WEIGHT = """() => [performance.getEntriesByType("navigation")[0], ...performance.getEntriesByType("resource")]
  .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0)"""


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_the_page_is_light_on_a_cheap_phone_until_she_asks_for_the_map(phone, lang):
    page = phone()
    page.goto(f"/{lang}/help")
    page.wait_for_function(READY)
    page.evaluate("() => document.fonts.ready.then(() => true)")  # the Devanagari font too (the language names)
    weight = page.evaluate(WEIGHT)
    assert weight < 150 * 1024, f"/{lang}/help: {weight} bytes"  # 50-85 kB measured (2026-12-04)
    assert page.evaluate("() => typeof window.L") == "undefined"  # Leaflet only when the map is asked for
