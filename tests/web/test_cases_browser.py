"""An investigating officer's day in Chromium (issue 12): her overdue and due-soon list, soonest first in red, amber
and green; a case's timeline with the clock's alerts; recording the charge-sheet that stops the clock; a new alert
arriving live on the list. axe-core finds no serious violation on the case pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from suraksha.cases.model import Accused, Fir, Victim
from tests.cases.conftest import NAME, principal
from tests.conftest import START
from tests.web.conftest import sign_in_page
from tests.web.test_accessibility_browser import serious

pytestmark = pytest.mark.browser


def registered(container, station_id: int, days_ago: int) -> str:
    """An FIR for rape registered `days_ago` days before the tests' now, the signed-in officer its IO."""
    container.clock._now = START - timedelta(days=days_ago)
    fir = Fir(station_id, ("BNS 64", "BNS 351"), container.clock.now() - timedelta(hours=6),
              "Lane behind the Colaba bus depot", Victim(NAME, "+919820054321", "Colaba", 24, "mr"),
              (Accused(True, "Ramesh Kale", 31), Accused(False)), "PSI Anjali Jadhav",
              f"{NAME} reports that the accused assaulted her in the lane.", io_username="officer")
    return container.cases.register(principal(container, "officer"), fir)["fir_number"]


def test_an_investigating_officers_day(page, container, station_id):
    overdue = registered(container, station_id, 62)
    due_soon = registered(container, station_id, 48)
    fresh = registered(container, station_id, 10)
    container.clock._now = START
    assert container.cases.fire_due() == 4 + 2  # the overdue one: 30, 45, 55 days and breach; the other: 30, 45

    sign_in_page(page, container, "officer", "/cases")
    rows = page.get_by_test_id("case-row")
    expect(rows).to_have_count(3)
    for i, (number, state) in enumerate(((overdue, "late"), (due_soon, "soon"), (fresh, "ok"))):
        expect(rows.nth(i)).to_have_attribute("data-fir", number)
        expect(rows.nth(i)).to_have_attribute("data-state", state)
    expect(rows.nth(0).get_by_test_id("clock")).to_have_text("2 days over the deadline")
    expect(rows.nth(1).get_by_test_id("clock")).to_have_text("12 days left")
    expect(page.get_by_test_id("alerts")).to_contain_text(overdue)
    assert NAME not in page.content()
    assert serious(page) == []

    # the overdue case: its clock in red and its timeline with every alert
    rows.nth(0).get_by_role("link", name=overdue).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(overdue)
    clock = page.locator(".case-clock-big").get_by_test_id("clock")
    expect(clock).to_have_attribute("data-state", "late")
    kinds = page.get_by_test_id("timeline-entry")
    expect(kinds).to_have_count(6)
    assert [kinds.nth(i).get_attribute("data-kind") for i in range(6)] == [
        "registered", "io_assigned", "deadline_alert", "deadline_alert", "deadline_alert", "deadline_breached"]
    expect(kinds.nth(5)).to_contain_text("The deadline has passed")
    expect(page.get_by_test_id("victim")).to_contain_text(f"Survivor {overdue}-A")
    assert NAME not in page.content()
    assert serious(page) == []

    # the charge-sheet, from the keyboard's point of view a form like any other: the clock stops
    page.get_by_text("Record the charge-sheet", exact=True).click()
    page.locator("#charge_sheet-reference").fill("CS 12/2027")
    page.locator("#charge_sheet-note").fill("medical and forensic reports attached")
    page.get_by_role("button", name="Record the charge-sheet: stop the clock").click()
    expect(page.get_by_test_id("done")).to_contain_text("the clock has stopped")
    expect(clock).to_have_attribute("data-state", "stopped")
    expect(clock).to_contain_text("after the deadline")
    expect(page.get_by_test_id("status")).to_have_text("charge-sheeted")
    expect(kinds.last).to_have_attribute("data-kind", "charge_sheet")
    expect(kinds.last).to_contain_text("Charge-sheet CS 12/2027 filed on")
    expect(page.get_by_test_id("actions")).to_have_count(0)

    # back to the list: what is left, the soonest deadline first
    page.get_by_role("link", name="All cases").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-fir", due_soon)
    page.goto("/cases/new")
    assert serious(page) == []
    page.goto("/cases")
    expect(page.get_by_test_id("live")).to_have_text("live")

    # a week on, the due-soon case passes its 55-day point: the alert comes to her list live, without a reload
    page.evaluate("window.__sameDocument = true")
    container.clock._now = START + timedelta(days=7, minutes=1)
    assert container.cases.fire_due() == 1
    notice = page.get_by_test_id("live-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(f"Alert: FIR {due_soon} has 5 days left.")
    assert page.evaluate("window.__sameDocument") is True


def test_registering_an_fir_in_the_browser_keeps_what_was_typed(page, container, station_id):
    sign_in_page(page, container, "officer", "/cases/new")
    page.locator("input[name=sections][value='BNS 64']").check()
    page.locator("#f-occurred").fill("2026-11-21T21:30")
    page.locator("#f-place").fill("Lane behind the Colaba bus depot")
    page.locator("#f-summary").fill("She reports that the accused assaulted her in the lane.")
    page.locator("#f-name").fill(NAME)
    page.locator("#f-age").fill("24")
    page.get_by_role("button", name="Register the FIR").click()
    expect(page.get_by_test_id("error")).to_contain_text("woman officer")  # a sexual offence: she is named
    expect(page.locator("#f-name")).to_have_value(NAME)
    expect(page.locator("input[name=sections][value='BNS 64']")).to_be_checked()
    page.locator("#f-woman").fill("PSI Anjali Jadhav")
    page.get_by_role("button", name="Register the FIR").click()
    expect(page.get_by_test_id("done")).to_have_text("The FIR is registered.")
    expect(page.locator(".case-clock-big").get_by_test_id("clock")).to_have_text("60 days left")
    assert datetime.now(UTC) and NAME not in page.content()
