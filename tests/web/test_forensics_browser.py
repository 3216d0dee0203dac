"""Forensics in Chromium (issue 12, point 3): the IO requests an examination from the case page and records that the
sample was sent; weeks later the sample is flagged overdue on the case and listed on /cases/forensics with its days
overdue; the charge-sheet is refused while its result is missing and accepted with a reason. axe-core finds no
serious violation on the forensics page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from suraksha.cases.model import Accused, Fir, Victim
from tests.cases.conftest import NAME, principal
from tests.conftest import START
from tests.web.conftest import sign_in_page
from tests.web.test_accessibility_browser import serious

pytestmark = pytest.mark.browser


def test_a_sample_sent_falls_overdue_and_holds_back_the_charge_sheet(page, container, station_id):
    fir = Fir(station_id, ("BNS 64",), START - timedelta(hours=6), "Lane behind the Colaba bus depot",
              Victim(NAME, "+919820054321", "Colaba", 24, "mr"), (Accused(False),), "PSI Anjali Jadhav",
              f"{NAME} reports that the accused assaulted her in the lane.", io_username="officer")
    number = container.cases.register(principal(container, "officer"), fir)["fir_number"]

    sign_in_page(page, container, "officer", f"/cases/{number}")
    section = page.get_by_test_id("forensics")
    section.get_by_text("Request a forensic examination").click()
    page.select_option("#forensic-kind", "swab")
    page.fill("#forensic-description", "two swabs, sealed")
    page.select_option("#forensic-lab", "MH-FSL-MUM")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_test_id("done")).to_have_text("The forensic request is recorded.")
    row = page.get_by_test_id("forensic-request")
    expect(row).to_have_attribute("data-state", "requested")
    page.get_by_test_id("forensic-steps").get_by_text("Record a step of sample").click()
    page.get_by_role("button", name="Record that it was sent").click()
    expect(row).to_have_attribute("data-state", "sent")
    expect(row).to_have_attribute("data-overdue", "no")

    container.clock._now = START + timedelta(days=35)  # Kalina's 30 days have passed
    sign_in_page(page, container, "officer", "/cases/forensics")
    overdue = page.get_by_test_id("forensic-overdue-row")
    expect(overdue).to_have_count(1)
    expect(overdue).to_have_attribute("data-fir", number)
    expect(overdue.get_by_test_id("forensic-overdue")).to_have_text("5 days overdue")
    expect(page.get_by_test_id("lab-turnaround")).to_have_attribute("data-lab", "MH-FSL-MUM")
    assert NAME not in page.content()
    assert serious(page) == []

    overdue.get_by_role("link", name=number).click()
    expect(page.get_by_test_id("forensic-request")).to_have_attribute("data-overdue", "yes")
    page.get_by_text("Record the charge-sheet", exact=True).click()
    page.fill("#charge_sheet-reference", "CS 4/2026")
    page.get_by_role("button", name="Record the charge-sheet: stop the clock").click()
    expect(page.get_by_test_id("error")).to_contain_text("forensic result is missing")
    page.fill("#charge_sheet-reference", "CS 4/2026")
    page.fill("#charge_sheet-forensic-reason", "the DNA report is awaited; filed within the deadline")
    page.get_by_role("button", name="Record the charge-sheet: stop the clock").click()
    expect(page.locator(".case-clock-big").get_by_test_id("clock")).to_have_attribute("data-state", "stopped")
    expect(page.get_by_test_id("forensic-reason-entry")).to_contain_text("the DNA report is awaited")
