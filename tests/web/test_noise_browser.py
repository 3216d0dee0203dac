"""Noise in Chromium (issue 9, point 7; docs/adr/0009): on the console, a number calling back after a blank contact
is first with its badge, a call-taker marks an incident as noise and it leaves the queue, the "Noise" view lists
what was marked (the blank rule's too) and marks one genuine again; the wallboard draws the share of contacts that
became incidents."""

import pytest
from playwright.sync_api import expect

from suraksha.core.auth import Principal, Role, ScopeKind
from tests.conftest import tracking_of
from tests.web.test_wallboard_browser import DATASETS, open_wallboard

pytestmark = pytest.mark.browser


def contacts(sms, container):
    earlier = tracking_of(sms.send("a man is following me", sender="+919820011111").text)
    container.clock.advance(minutes=1)
    blank = tracking_of(sms.send(" ", sender="+919820022222").text)
    container.clock.advance(minutes=1)
    callback = tracking_of(sms.send("sorry, he was standing next to me", sender="+919820022222").text)
    return earlier, blank, callback


def test_the_console_shows_a_callback_first_and_marks_noise_and_genuine(signed_in, sms, container):
    earlier, blank, callback = contacts(sms, container)
    page = signed_in("dispatcher")
    expect(page.get_by_test_id("live")).to_have_text("live")
    page.evaluate("window.__sameDocument = true")
    items = page.get_by_test_id("queue-item")
    expect(items).to_have_count(2)
    expect(items.first).to_have_attribute("data-tracking", callback)
    expect(items.first.get_by_test_id("incident-flag")).to_have_attribute("data-flag", "callback_after_blank")

    page.locator(f'[data-testid=queue-item][data-tracking="{earlier}"]').click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(earlier)
    page.get_by_test_id("noise-kind").select_option("prank")
    page.get_by_test_id("noise-note").fill("laughed and hung up")
    page.get_by_test_id("mark-noise").click()
    expect(page.get_by_test_id("noise-info")).to_contain_text("prank")
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{earlier}"]')).to_have_count(0)
    expect(page.locator("[data-testid=timeline-entry][data-kind=marked_noise]")).to_contain_text("laughed and hung up")

    page.get_by_test_id("noise-toggle").click()
    expect(items).to_have_count(2)
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{blank}"]').get_by_test_id("queue-noise")).to_contain_text("blank")
    page.locator(f'[data-testid=queue-item][data-tracking="{blank}"]').click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(blank)
    expect(page.get_by_test_id("noise-info")).to_contain_text("blank-message rule")
    page.get_by_test_id("genuine-reason").fill("she called back: it was her")
    page.get_by_test_id("mark-genuine").click()
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{blank}"]')).to_have_count(0)
    expect(page.locator("[data-testid=timeline-entry][data-kind=marked_genuine]")).to_contain_text("dispatcher")

    page.get_by_test_id("noise-toggle").click()
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{blank}"]')).to_be_visible()
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{earlier}"]')).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    everywhere = Principal(0, "x", Role.DISPATCHER, ScopeKind.NATIONAL, "")
    assert [i["tracking"] for i in container.noise.noise_list(everywhere)] == [earlier]  # kept, as marked


def test_the_wallboard_draws_the_share_of_contacts_that_became_incidents(page, sms, container):
    contacts(sms, container)  # three SMS contacts, one blank: two of three became incidents
    open_wallboard(page, container)
    expect(page.get_by_test_id("share-total")).to_contain_text("67%")
    expect(page.get_by_test_id("share-total")).to_contain_text("3")
    share, contacts_per_hour = page.evaluate(DATASETS, "chart-share")
    assert [v for v in share if v is not None] == [66.7] and sum(contacts_per_hour) == 3
    box = page.get_by_test_id("chart-share").bounding_box()
    assert box and box["width"] > 250 and box["height"] > 150
