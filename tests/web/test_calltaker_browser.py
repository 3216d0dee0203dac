"""The 112 call-taker in Chromium (issue 9): a call logged from the keyboard, the number's earlier incident shown
as it is typed, a typed landmark resolved with its accuracy circle on the map; the incident on the dispatcher's
map; a second contact about it (another caller, nearby) merged into it; and the incident handed to another
station."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.web.conftest import queue_item, sign_in_page, station_named, timeline_entries

pytestmark = pytest.mark.browser
CALLER = "+919820055555"


def test_a_call_logged_from_the_keyboard_is_on_the_map_merged_with_a_second_contact_and_handed_over(
        page, container, make_incident, console_as, http, auth):
    bandra = station_named(container, "Bandra Police Station")
    now = container.clock.now()
    container.clock._now = now - timedelta(days=20)
    earlier = make_incident("Someone keeps calling me at night", sender=CALLER)  # she wrote to us weeks ago
    container.clock._now = now

    calls = sign_in_page(page, container, "dispatcher", "/calltaker")
    number = calls.get_by_test_id("caller-number")
    expect(number).to_be_focused()
    calls.keyboard.type("98200 55555")
    shown = calls.locator(f'[data-testid=earlier-incident][data-tracking="{earlier}"]')
    expect(shown).to_be_visible()  # before she has finished speaking

    calls.keyboard.press("Alt+A")  # the location: a landmark she names
    expect(calls.get_by_test_id("place")).to_be_focused()
    calls.keyboard.type("Bandra Police")
    option = calls.get_by_test_id("place-option").first
    expect(option).to_contain_text("Bandra Police Station")
    calls.keyboard.press("ArrowDown")
    calls.keyboard.press("Enter")
    expect(calls.get_by_test_id("where")).to_contain_text("within 2000 m")
    expect(calls.locator("path.accuracy-circle")).to_have_count(1)  # the radius drawn on the map
    expect(calls.get_by_test_id("what-happened")).to_be_focused()
    calls.keyboard.type("A man with a knife is outside her door, she is hiding")
    calls.get_by_test_id("call-category").select_option("immediate_danger")
    calls.get_by_test_id("call-priority").select_option("1")
    calls.get_by_test_id("what-happened").focus()
    calls.keyboard.press("Control+Enter")
    logged = calls.get_by_test_id("logged-call")
    expect(logged).to_be_visible()
    tracking = logged.get_attribute("data-tracking")
    assert tracking and tracking != earlier
    expect(logged).to_contain_text("Bandra Police Station")
    expect(calls.get_by_test_id("read-out")).to_contain_text(tracking)
    expect(number).to_be_focused()  # ready for the next call
    expect(number).to_have_value("")

    # the dispatcher's map and queue
    console = console_as("dispatcher")
    marker = console.locator(f'[data-testid=incident-marker][data-tracking="{tracking}"]')
    expect(marker).to_have_count(1)
    expect(queue_item(console, tracking)).to_be_visible()

    # a second contact about the same emergency: a neighbour's SMS with a location a few doors away
    second = make_incident("There is a man with a knife at the flat next door, please come",
                           lat=bandra.anchor.lat + 0.0008, lon=bandra.anchor.lon + 0.0005, sender="+919820066666")
    expect(queue_item(console, second)).to_be_visible()
    queue_item(console, tracking).click()
    expect(console.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    suggestion = console.locator(f'[data-testid=merge-suggestion][data-tracking="{second}"]')
    expect(suggestion).to_be_visible()
    suggestion.get_by_test_id("merge-into").click()  # the neighbour's message joins the call's incident
    expect(queue_item(console, second)).to_have_count(0)  # one incident per emergency
    expect(console.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    expect(timeline_entries(console, "merged_in")).to_have_count(1)

    # handed to another station
    console.get_by_test_id("transfer-station").select_option(label="Khar Police Station")
    console.get_by_test_id("transfer-reason").fill("She ran to her sister's flat in Khar")
    console.get_by_test_id("transfer").click()
    expect(timeline_entries(console, "transferred")).to_contain_text("Transferred to Khar Police Station")
    expect(console.get_by_test_id("detail-station")).to_have_text("Khar Police Station")

    incident = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert sorted(c["phone"] for c in incident["contacts"]) == [CALLER, "+919820066666"]


def test_a_second_callers_call_about_the_same_emergency_joins_it_from_the_call_takers_screen(
        page, container, http, auth):
    bandra = station_named(container, "Bandra Police Station")
    first = http.post("/api/v1/calls", headers=auth("dispatcher"), json={
        "call_id": "first-call-0001", "caller_number": "+919820077777", "what_happened": "Woman screaming in the lane",
        "category": "immediate_danger", "priority": 1,
        "location": {"source": "gps", "lat": bandra.anchor.lat, "lon": bandra.anchor.lon, "accuracy_m": 20}}).json()

    calls = sign_in_page(page, container, "dispatcher", "/calltaker")
    calls.keyboard.type("98200 88888")
    calls.keyboard.press("Alt+G")
    expect(calls.get_by_test_id("lat")).to_be_focused()
    calls.keyboard.type(f"{bandra.anchor.lat + 0.0005:.6f}")
    calls.keyboard.press("Tab")
    calls.keyboard.type(f"{bandra.anchor.lon:.6f}")
    calls.keyboard.press("Tab")
    calls.keyboard.type("30")
    expect(calls.locator("path.accuracy-circle")).to_have_count(1)
    calls.get_by_test_id("what-happened").fill("A woman is being dragged into a car outside my shop")
    calls.keyboard.press("Control+Enter")
    logged = calls.get_by_test_id("logged-call")
    expect(logged).to_be_visible()
    second = logged.get_attribute("data-tracking")
    suggestion = calls.locator(f'[data-testid=call-suggestion][data-tracking="{first["tracking"]}"]')
    expect(suggestion).to_be_visible()
    suggestion.get_by_test_id("call-merge").click()
    expect(calls.get_by_test_id("call-merged")).to_contain_text(first["tracking"])
    merged = http.get(f"/api/v1/incidents/{second}", headers=auth("dispatcher")).json()
    assert merged["status"] == "merged" and merged["merged_into"] == first["tracking"]
    survivor = http.get(f"/api/v1/incidents/{first['tracking']}", headers=auth("dispatcher")).json()
    assert sorted(c["phone"] for c in survivor["contacts"]) == ["+919820077777", "+919820088888"]


def test_a_blank_call_is_logged_as_noise_with_one_key_and_kept_out_of_dispatch(page, container, http, auth):
    calls = sign_in_page(page, container, "dispatcher", "/calltaker")
    calls.keyboard.type("98200 44444")
    calls.keyboard.press("Alt+B")
    logged = calls.get_by_test_id("logged-call")
    expect(logged).to_have_attribute("data-noise", "blank")
    tracking = logged.get_attribute("data-tracking")
    incident = http.get(f"/api/v1/incidents/{tracking}", headers=auth("dispatcher")).json()
    assert incident["noise_kind"] == "blank" and incident["location_known"] is False
    queue = http.get("/api/v1/incidents", headers=auth("dispatcher")).json()["incidents"]
    assert tracking not in [i["tracking"] for i in queue]
