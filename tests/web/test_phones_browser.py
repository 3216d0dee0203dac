"""The helpline phones in Chromium: a station officer's console says when a phone's free period ends (also live,
when the reminder falls due), and she records a phone on her station's page with the keyboard."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from suraksha.core.auth import Principal, Role, ScopeKind
from suraksha.handsets.model import HandsetFacts

pytestmark = pytest.mark.browser
TODAY = date(2026, 11, 22)


def officer(station_id: int) -> Principal:
    return Principal(0, "officer", Role.STATION_OFFICER, ScopeKind.STATION, str(station_id))


def test_the_console_shows_phones_whose_free_period_ends_and_the_page_records_one(signed_in, container,
                                                                                  home_station):
    keeper = officer(home_station.id)
    container.handsets.add(keeper, home_station.id, home_station.women_helpline,
                           HandsetFacts("Nokia 105", "8991000012345678", date(2024, 1, 1), TODAY + timedelta(days=20),
                                        "Rotary club"))
    page = signed_in("officer")
    expect(page.get_by_test_id("live")).to_have_text("live")
    notice = page.get_by_test_id("phone-reminder")
    expect(notice).to_contain_text("1 helpline phone")
    page.evaluate("window.__sameDocument = true")

    # a second phone whose reminder falls due while the console is open: the notice follows, without a reload
    container.handsets.add(keeper, home_station.id, home_station.general_number,
                           HandsetFacts("Samsung M14", "8991000012345679", date(2024, 1, 1),
                                        TODAY + timedelta(days=10), "Rotary club"))
    assert container.handsets.remind_due() == 2
    expect(notice).to_contain_text("2 helpline phones")
    assert page.evaluate("window.__sameDocument") is True

    notice.get_by_role("link").click()
    expect(page.get_by_test_id("handset-row")).to_have_count(2)
    page.get_by_test_id("own-station").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(home_station.name)

    # the form, with the keyboard alone
    page.locator("#a-model").focus()
    page.keyboard.type("Redmi A3")
    page.keyboard.press("Tab")
    page.keyboard.type("8991000012345680")
    page.locator("#a-given").fill("2026-11-20")
    page.locator("#a-until").fill("2029-11-19")
    page.locator("#a-donor").focus()
    page.keyboard.type("Mumbai Police Foundation")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("done")).to_contain_text("The phone is recorded.")
    expect(page.get_by_test_id(f"number-{home_station.women_helpline}")).to_contain_text("Redmi A3")
    assert len(container.handsets.overview(keeper)) == 3
