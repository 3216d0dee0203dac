"""An incident's life in the console, in Chromium: notes, transfers that move it live between stations' consoles,
closing at any stage with a disposition, a later location to accept, and local times on screen."""

import re

import pytest
from playwright.sync_api import expect

from suraksha.core.auth import Role, ScopeKind
from tests.conftest import add_account
from tests.web.conftest import queue_item, station_named, timeline_entries

pytestmark = pytest.mark.browser


def test_a_note_and_a_transfer_move_the_incident_live_from_one_station_console_to_another(
        signed_in, console_as, make_incident, container, home_station):
    bandra = station_named(container, "Bandra Police Station")
    add_account(container, "bandra_officer", Role.STATION_OFFICER, ScopeKind.STATION,
                                      str(bandra.id))
    tracking = make_incident("Help, a man is following me", lat=home_station.anchor.lat, lon=home_station.anchor.lon)

    colaba = console_as("officer")  # Colaba Police Station's console
    there = console_as("bandra_officer")  # open before the transfer
    expect(queue_item(colaba, tracking)).to_be_visible()
    expect(queue_item(there, tracking)).to_have_count(0)
    queue_item(colaba, tracking).click()
    expect(colaba.get_by_test_id("detail-tracking")).to_contain_text(tracking)

    page = signed_in("dispatcher")
    queue_item(page, tracking).click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    expect(timeline_entries(page, "reported")).to_have_count(1)

    page.get_by_test_id("note-text").fill("Spoke to her: she is inside a shop near the bus stop")
    page.get_by_test_id("add-note").click()
    note = timeline_entries(page, "note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("Note by dispatcher: Spoke to her: she is inside a shop near the bus stop")
    expect(page.get_by_test_id("note-text")).to_have_value("")
    # the station's console follows the note live
    expect(timeline_entries(colaba, "note")).to_contain_text("Spoke to her")

    transfer_to = page.get_by_test_id("transfer-station")
    expect(transfer_to.locator(f'option[value="{home_station.id}"]')).to_have_count(0)  # not the current one
    expect(transfer_to.locator('optgroup[label="Mumbai"] option')).to_have_count(
        len(container.stations.all("mumbai")) - 1)
    transfer_to.select_option(label="Bandra Police Station")
    page.get_by_test_id("transfer-reason").fill("She is now in Bandra")
    page.get_by_test_id("transfer").click()

    moved = timeline_entries(page, "transferred")
    expect(moved).to_contain_text("Transferred to Bandra Police Station")
    expect(moved).to_contain_text("by dispatcher: She is now in Bandra")
    expect(page.get_by_test_id("detail-station")).to_have_text("Bandra Police Station")
    expect(timeline_entries(page, "note")).to_have_count(1)

    expect(queue_item(there, tracking)).to_be_visible()  # appears at Bandra without a reload
    expect(queue_item(colaba, tracking)).to_have_count(0)  # and leaves Colaba's queue
    expect(colaba.locator(f'[data-testid=incident-marker][data-tracking="{tracking}"]')).to_have_count(0)
    expect(colaba.get_by_test_id("detail-notice")).to_contain_text("Bandra Police Station")
    assert colaba.evaluate("window.__sameDocument") is True
    assert there.evaluate("window.__sameDocument") is True

    queue_item(there, tracking).click()
    expect(timeline_entries(there, "transferred")).to_contain_text("Transferred to Bandra Police Station")


def test_closing_after_a_unit_attended_shows_who_when_and_why_and_the_public_page_the_outcome(
        signed_in, make_incident, container, home_station):
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    unit = container.dispatch.create_unit("MUM-NS-014", "nirbhaya_squad", home_station.id,
                                          home_station.anchor.lon + 0.002, home_station.anchor.lat)
    container.dispatch.assign(tracking, unit["id"])
    container.dispatch.set_status(unit["id"], "en_route")
    container.dispatch.set_status(unit["id"], "on_scene")
    fir = next(d for d in container.incidents.dispositions() if d.label == "FIR to be registered")

    page = signed_in("dispatcher")
    page.evaluate("window.__sameDocument = true")
    queue_item(page, tracking).click()
    expect(page.get_by_test_id("detail-status")).to_have_text("on scene")
    for kind, words in (("unit_dispatched", "Unit MUM-NS-014 dispatched"), ("unit_en_route", "Unit MUM-NS-014 en route"),
                        ("unit_arrived", "Unit MUM-NS-014 arrived")):
        expect(timeline_entries(page, kind)).to_have_text(re.compile(re.escape(words)))
    expect(timeline_entries(page, "contact")).to_contain_text("Her message: Help, a man is following me")
    expect(timeline_entries(page, "message_to_her").first).to_contain_text("Message to her (acknowledgement, sent)")

    disposition = page.get_by_test_id("close-disposition")
    expect(disposition.locator("option:not([value=''])")).to_have_count(len(container.incidents.dispositions()))
    disposition.select_option(label="FIR to be registered")
    page.get_by_test_id("close-note").fill("Complainant will visit the station tomorrow")
    page.get_by_test_id("close").click()

    expect(page.get_by_test_id("detail-status")).to_have_text("closed")
    closed = page.get_by_test_id("closed-info")
    expect(closed).to_contain_text("by dispatcher")
    expect(closed).to_contain_text("FIR to be registered")
    expect(closed).to_contain_text("10:00")
    expect(closed).to_contain_text("Complainant will visit the station tomorrow")
    expect(timeline_entries(page, "closed")).to_contain_text("Closed by dispatcher: FIR to be registered")
    expect(page.get_by_test_id("reopen")).to_be_visible()
    expect(page.get_by_test_id("close")).to_have_count(0)
    expect(queue_item(page, tracking)).to_have_count(0)
    unit_marker = page.locator(f'[data-testid=unit-marker][data-unit-id="{unit["id"]}"]')
    expect(unit_marker).to_have_attribute("data-status", "available")  # stood down
    assert page.evaluate("window.__sameDocument") is True

    page.goto(f"/track?tracking={tracking}")
    expect(page.get_by_test_id("track-status")).to_have_text("Closed")
    expect(page.get_by_test_id("track-outcome")).to_have_text(fir.outcome)


def test_a_later_location_is_proposed_on_the_map_and_accepting_it_moves_the_incident(
        signed_in, make_incident, home_station):
    her = "+919820055555"
    lat, lon = home_station.anchor.lat, home_station.anchor.lon
    tracking = make_incident("Help, someone is following me", lat=lat, lon=lon, sender=her)
    page = signed_in("dispatcher")
    page.evaluate("window.__sameDocument = true")
    queue_item(page, tracking).click()
    marker = page.locator(f'[data-testid=incident-marker][data-tracking="{tracking}"]')
    expect(marker).to_be_visible()
    expect(page.get_by_test_id("proposed-marker")).to_have_count(0)
    expect(page.get_by_test_id("accept-location")).to_have_count(0)

    new_lat = lat + 0.072  # about 8 km north
    assert make_incident("He is still behind me, I am here now", lat=new_lat, lon=lon, sender=her) == tracking

    proposed = page.get_by_test_id("proposed-marker")
    expect(proposed).to_be_visible()
    assert abs(float(proposed.get_attribute("data-lat")) - new_lat) < 1e-6
    expect(page.get_by_test_id("proposed-location")).to_contain_text("km from the current one")
    expect(timeline_entries(page, "location_proposed")).to_have_count(1)
    assert abs(float(marker.get_attribute("data-lat")) - lat) < 1e-6  # never silently moved
    expect(queue_item(page, tracking)).to_contain_text("new location?")

    page.get_by_test_id("accept-location").click()
    expect(page.get_by_test_id("detail-location")).to_contain_text(f"{new_lat:.5f}")
    assert abs(float(marker.get_attribute("data-lat")) - new_lat) < 1e-6  # the marker moved with it
    expect(page.get_by_test_id("proposed-marker")).to_have_count(0)
    expect(page.get_by_test_id("accept-location")).to_have_count(0)
    expect(timeline_entries(page, "location_accepted")).to_have_text(re.compile("location accepted by dispatcher", re.I))
    assert page.evaluate("window.__sameDocument") is True


def test_times_in_the_console_are_local_never_utc(signed_in, make_incident):
    tracking = make_incident()  # the test clock: 04:30 UTC, 10:00 in Mumbai
    page = signed_in("dispatcher")
    queue_item(page, tracking).click()
    expect(page.get_by_test_id("detail-received")).to_contain_text("10:00")
    expect(page.get_by_test_id("detail-received")).not_to_contain_text("04:30")
    expect(timeline_entries(page, "reported").locator("time")).to_contain_text("10:00")
    expect(queue_item(page, tracking)).to_contain_text("10:00")
    text = page.locator("body").inner_text()
    assert "04:30" not in text and "UTC" not in text


def test_a_link_from_the_incident_search_opens_a_closed_incident_which_can_be_reopened(
        signed_in, make_incident, container):
    tracking = make_incident()
    container.incidents.close(None, tracking, "false_alarm")
    page = signed_in("officer")
    page.goto(f"/incidents?tracking={tracking}")
    page.locator(f'[data-testid=incident-row][data-tracking="{tracking}"] a').click()
    page.wait_for_url(f"**/console#{tracking}")
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    expect(page.get_by_test_id("detail-status")).to_have_text("closed")
    expect(page.get_by_test_id("closed-info")).to_contain_text("False alarm")
    expect(page.get_by_test_id("closed-info")).to_contain_text("by system")
    expect(page.locator(f'[data-testid=incident-marker][data-tracking="{tracking}"]')).to_be_visible()

    page.get_by_test_id("reopen").click()
    expect(page.locator("form[data-action=reopen] [data-testid=form-error]")).to_contain_text("reason")  # inline
    page.get_by_test_id("reopen-reason").fill("She called back: he is outside again")
    page.get_by_test_id("reopen").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("new")
    expect(timeline_entries(page, "reopened")).to_contain_text("Reopened by officer: She called back: he is outside again")
    expect(queue_item(page, tracking)).to_be_visible()
    expect(page.get_by_test_id("close")).to_be_visible()


def test_priority_and_category_changes_need_a_reason_and_errors_show_in_the_panel(signed_in, make_incident):
    tracking = make_incident()
    page = signed_in("dispatcher")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    queue_item(page, tracking).click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)

    page.get_by_test_id("priority").select_option("3")
    page.get_by_test_id("set-priority").click()
    expect(page.locator("form[data-action=priority] [data-testid=form-error]")).to_contain_text("reason")
    page.get_by_test_id("priority-reason").fill("He has left; she is safe at home")
    page.get_by_test_id("set-priority").click()
    expect(timeline_entries(page, "priority_changed")).to_contain_text(
        re.compile(r"Priority 1 → 3 by dispatcher: He has left; she is safe at home"))
    expect(queue_item(page, tracking)).to_contain_text("P3")

    page.get_by_test_id("category").select_option("domestic_violence")
    page.get_by_test_id("category-reason").fill("It is her husband")
    page.get_by_test_id("set-category").click()
    expect(timeline_entries(page, "category_changed")).to_contain_text("→ domestic violence by dispatcher: It is her husband")

    page.get_by_test_id("close").click()  # no disposition chosen
    expect(page.locator("form[data-action=close] [data-testid=form-error]")).to_contain_text("Choose why")
    page.get_by_test_id("transfer-station").select_option(label="Bandra Police Station")
    page.get_by_test_id("transfer").click()  # no reason given
    expect(page.locator("form[data-action=transfer] [data-testid=form-error]")).to_contain_text("reason")
    expect(page.get_by_test_id("detail-status")).to_have_text("new")
    assert dialogs == []


def test_a_proposed_location_can_be_dismissed_with_a_reason(signed_in, make_incident, home_station):
    her = "+919820066666"
    lat, lon = home_station.anchor.lat, home_station.anchor.lon
    tracking = make_incident(lat=lat, lon=lon, sender=her)
    make_incident("sent from my cousin's place", lat=lat + 0.05, lon=lon, sender=her)
    page = signed_in("dispatcher")
    queue_item(page, tracking).click()
    expect(page.get_by_test_id("proposed-marker")).to_be_visible()

    page.get_by_test_id("dismiss-location").click()
    expect(page.locator("form[data-action=dismiss-location] [data-testid=form-error]")).to_contain_text("reason")
    page.get_by_test_id("dismiss-reason").fill("She confirmed she is still at home")
    page.get_by_test_id("dismiss-location").click()
    expect(page.get_by_test_id("proposed-marker")).to_have_count(0)
    expect(timeline_entries(page, "location_dismissed")).to_contain_text(
        "Proposed location dismissed by dispatcher: She confirmed she is still at home")
    marker = page.locator(f'[data-testid=incident-marker][data-tracking="{tracking}"]')
    assert abs(float(marker.get_attribute("data-lat")) - lat) < 1e-6
