"""A volunteer's page in Chromium, on a phone-sized screen: an SOS nearby shows live (no reload) with a coarse place
and nothing that names her; the volunteer accepts with one tap, and the dispatcher's console shows, live, who is
going to help with their name and phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.volunteers.conftest import HER, HER_PHONE, enrol, north, sos  # noqa: F401  (enrol, sos: fixtures)
from tests.web.conftest import sign_in_page
from tests.web.test_accessibility_browser import serious

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def test_a_volunteer_sees_an_sos_live_accepts_it_and_the_console_sees_who_is_going(
        browser, server_url, container, enrol, sos, console_as):  # noqa: F811  (fixtures imported above)
    asha = enrol("Asha Pawar", north(HER, 150))
    context = browser.new_context(viewport=PHONE, base_url=server_url, is_mobile=True, has_touch=True)
    try:
        screen = sign_in_page(context.new_page(), container, asha["username"], "/volunteer")
        expect(screen.get_by_test_id("live")).to_have_text("live")
        expect(screen.get_by_test_id("no-alerts")).to_be_visible()
        expect(screen.get_by_test_id("duty")).to_have_attribute("data-available", "yes")
        screen.evaluate("window.__sameDocument = true")

        tracking = sos()
        console = console_as("dispatcher")
        console.evaluate(f"location.hash = '{tracking}'")
        expect(console.get_by_test_id("detail-tracking")).to_contain_text(tracking)
        container.volunteers.alert_due()  # the timer step (the suite's server runs none of its own)

        alert = screen.get_by_test_id("alert")
        expect(alert).to_have_count(1)  # live: the stream told this account, the page fetched it
        assert screen.evaluate("window.__sameDocument") is True
        expect(alert).to_have_attribute("data-state", "waiting")
        expect(alert).to_contain_text("domestic violence")
        expect(alert).to_contain_text("less than 250 m")
        text = screen.content()
        for hers in (HER_PHONE, tracking, "husband", f"{HER[0]}", f"{HER[1]}"):
            assert hers not in text
        expect(console.get_by_test_id("volunteers")).to_contain_text("1 alerted")

        alert.get_by_test_id("accept").tap()
        expect(screen.get_by_test_id("done")).to_be_visible()
        expect(screen.get_by_test_id("alert")).to_have_attribute("data-state", "accepted")
        expect(screen.get_by_test_id("accepted-note")).to_contain_text("112")

        going = console.get_by_test_id("volunteer-accepted")
        expect(going).to_contain_text("Asha Pawar")  # live, without a reload
        expect(going.locator("a")).to_have_attribute("href", f"tel:{asha['phone']}")
        expect(console.locator('[data-testid=timeline-entry][data-kind="volunteer_accepted"]')).to_contain_text(
            "Volunteer Asha Pawar accepted")
        assert console.evaluate("window.__sameDocument") is True
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_the_volunteers_pages_have_no_serious_accessibility_violation(browser, server_url, container, enrol, page,  # noqa: F811
                                                                      lang):
    page.goto(f"/{lang}/volunteer/apply")
    problems = {"apply": serious(page)}
    asha = enrol("Asha Pawar", north(HER, 150))
    context = browser.new_context(viewport=PHONE, base_url=server_url, is_mobile=True)
    try:
        screen = sign_in_page(context.new_page(), container, asha["username"], "/volunteer")
        screen.goto(f"/{lang}/volunteer")
        problems["volunteer"] = serious(screen)
    finally:
        context.close()
    assert not any(problems.values()), problems
