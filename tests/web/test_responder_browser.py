"""The responder's screen in Chromium, on a phone-sized screen: a crew is sent, acknowledges, goes en route and
reaches the scene while the dispatcher's console follows live; the phone's position reaches the control room;
clearing asks how it ended and closes the incident with that."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from suraksha.core.auth import Principal, Role, ScopeKind
from tests.conftest import add_account
from tests.web.conftest import sign_in_page

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
ADMIN = Principal(0, "tests", Role.ADMIN, ScopeKind.NATIONAL, "")


@pytest.fixture
def crew(container, home_station):
    """A unit of the home station, 300 m east of its anchor, and a responder account that crews it."""
    anchor = home_station.anchor
    unit = container.dispatch.create_unit("MUM-NS-501", "nirbhaya_squad", home_station.id, anchor.lon + 0.003,
                                          anchor.lat)
    add_account(container, "crew501", Role.RESPONDER, ScopeKind.STATION, str(home_station.id), unit_id=unit["id"])
    return unit


@pytest.fixture
def phone(browser, server_url):
    """A phone's browser context (its own session); keyword arguments go to new_context (permissions …)."""
    contexts = []

    def open_phone(**options):
        context = browser.new_context(viewport=PHONE, base_url=server_url, is_mobile=True, has_touch=True, **options)
        contexts.append(context)
        return context

    yield open_phone
    for context in contexts:
        context.close()


def responder_screen(context, container, username="crew501"):
    pg = sign_in_page(context.new_page(), container, username, "/responder")
    expect(pg.get_by_test_id("live")).to_have_text("live")
    pg.evaluate("window.__sameDocument = true")
    return pg


def test_a_crew_is_sent_acknowledges_and_reaches_the_scene_while_the_console_follows(
        phone, console_as, browser, server_url, container, crew, make_incident, home_station):
    screen = responder_screen(phone(), container)
    expect(screen.get_by_test_id("call-sign")).to_have_text("MUM-NS-501")
    expect(screen.get_by_test_id("no-assignment")).to_be_visible()
    expect(screen.locator("[data-testid=steps] button")).to_have_count(0)
    console = console_as("dispatcher")
    marker = console.locator(f'[data-testid=unit-marker][data-unit-id="{crew["id"]}"]')
    expect(marker).to_have_attribute("data-status", "available")

    # the supervisor's wallboard, on a wall screen of its own
    wall_context = browser.new_context(viewport={"width": 1920, "height": 1080}, base_url=server_url)
    wall = sign_in_page(wall_context.new_page(), container, "dispatcher", "/wallboard")
    expect(wall.get_by_test_id("live")).to_have_text("live")
    expect(wall.get_by_test_id("tile-available")).to_have_text("1/1")
    wall.evaluate("window.__sameDocument = true")

    anchor = home_station.anchor
    tracking = make_incident("Help, he is outside my door", lat=anchor.lat, lon=anchor.lon)
    container.clock.advance(minutes=2)
    container.dispatch.assign(tracking, crew["id"])  # the dispatcher sends the unit: the screen shows it, no reload

    expect(screen.get_by_test_id("incident-tracking")).to_have_text(tracking)
    expect(screen.get_by_test_id("incident-priority")).to_have_text("P1")
    expect(screen.get_by_test_id("incident-station")).to_have_text(home_station.name)
    expect(screen.get_by_test_id("call-her")).to_have_attribute("href", "tel:+919820012345")
    expect(screen.locator(f'[data-testid=incident-marker][data-tracking="{tracking}"]')).to_be_visible()
    expect(screen.locator("path.route-line")).to_have_count(1)
    expect(screen.get_by_test_id("route-note")).to_contain_text("straight line")
    steps = screen.locator("[data-testid=steps] button")
    expect(steps).to_have_text(["Acknowledge", "En route", "On scene", "Cleared"])
    item = console.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]')
    expect(marker).to_have_attribute("data-status", "dispatched")

    screen.get_by_test_id("step-acknowledged").click()
    expect(screen.get_by_test_id("unit-status")).to_have_attribute("data-status", "acknowledged")
    expect(steps).to_have_text(["En route", "On scene", "Cleared"])  # acknowledging is done: its button goes
    expect(marker).to_have_attribute("data-status", "acknowledged")

    screen.get_by_test_id("step-en_route").click()
    expect(screen.get_by_test_id("unit-status")).to_have_attribute("data-status", "en_route")
    expect(marker).to_have_attribute("data-status", "en_route")
    expect(item.get_by_test_id("queue-status")).to_have_text("en route")

    expect(wall.get_by_test_id("tile-available")).to_have_text("0/1")
    container.clock.advance(minutes=4)
    screen.get_by_test_id("step-on_scene").click()
    expect(screen.get_by_test_id("unit-status")).to_have_attribute("data-status", "on_scene")
    expect(wall.get_by_test_id("tile-arrival")).to_have_text("6m 00s")  # the wallboard follows
    expect(steps).to_have_text(["Cleared"])
    expect(marker).to_have_attribute("data-status", "on_scene")
    expect(item.get_by_test_id("queue-status")).to_have_text("on scene")

    assert screen.evaluate("window.__sameDocument") is True and console.evaluate("window.__sameDocument") is True
    assert wall.evaluate("window.__sameDocument") is True
    wall_context.close()
    job = container.dispatch.timeline(tracking)[0]
    assert job["acknowledged_at"] and job["en_route_at"] and job["on_scene_at"] and job["step"] == "on_scene"


def test_the_phone_shares_its_position_at_most_every_ten_seconds(phone, container, crew, home_station):
    container.clock._now += timedelta(minutes=1)  # newer than the unit's position at creation
    there = {"latitude": home_station.anchor.lat + 0.004, "longitude": home_station.anchor.lon + 0.001}
    context = phone(permissions=["geolocation"], geolocation=there)
    screen = responder_screen(context, container)

    expect(screen.get_by_test_id("gps")).to_have_attribute("data-state", "sharing")
    expect(screen.get_by_test_id("gps")).to_have_attribute("data-sent", "1")
    unit = container.dispatch.get_unit(crew["id"])
    assert (round(unit["lat"], 6), round(unit["lon"], 6)) == (round(there["latitude"], 6), round(there["longitude"], 6))
    assert unit["position_at"] == container.clock.now()

    context.set_geolocation({"latitude": there["latitude"] + 0.001, "longitude": there["longitude"]})
    screen.wait_for_timeout(1500)  # a new fix within 10 s of the last one sent is not sent
    expect(screen.get_by_test_id("gps")).to_have_attribute("data-sent", "1")
    assert len(container.dispatch.position_history(crew["id"])) == 1


def test_a_refused_location_permission_is_said_on_screen(phone, container, crew):
    screen = responder_screen(phone(), container)  # no geolocation permission granted
    expect(screen.get_by_test_id("gps")).to_have_attribute("data-state", "denied")
    expect(screen.get_by_test_id("gps")).to_contain_text("not shared")
    assert container.dispatch.position_history(crew["id"]) == []


def test_clearing_asks_how_it_ended_and_closes_the_incident_with_that(phone, container, crew, make_incident):
    tracking = make_incident("Someone is shouting at me")
    container.dispatch.assign(tracking, crew["id"])
    container.dispatch.set_status(crew["id"], "on_scene")
    screen = responder_screen(phone(), container)
    expect(screen.get_by_test_id("incident-place")).to_have_text("location unknown")
    expect(screen.locator("path.route-line")).to_have_count(0)  # no line to a place nobody knows

    screen.get_by_test_id("step-clear").click()
    form = screen.get_by_test_id("clear-form")
    expect(form).to_be_visible()
    form.get_by_test_id("confirm-clear").click()  # no disposition chosen: refused before anything is sent
    expect(screen.get_by_test_id("step-error")).to_have_text("Choose how it ended.")
    assert container.dispatch.get_unit(crew["id"])["status"] == "on_scene"
    form.get_by_test_id("disposition").select_option("false_alarm")
    form.get_by_test_id("confirm-clear").click()

    expect(screen.get_by_test_id("unit-status")).to_have_attribute("data-status", "available")
    expect(screen.get_by_test_id("no-assignment")).to_be_visible()
    expect(form).to_be_hidden()
    closed = container.incidents.view(ADMIN, tracking)
    assert (closed["status"], closed["disposition_code"]) == ("closed", "false_alarm")
