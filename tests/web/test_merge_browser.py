"""One incident per emergency in the console, in Chromium: a second caller's incident near the first is suggested
in the first's panel; "Not the same" hides it; merging it lists both callers on the first, takes the second off
the queue, and the merged one can be unmerged from its own panel."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_call_taker_merges_a_second_caller_and_unmerges_it(signed_in, make_incident, home_station):
    lat, lon = home_station.anchor.lat, home_station.anchor.lon
    first = make_incident("Help, a man is dragging a woman", lat, lon, sender="+919820012345")
    second = make_incident("Someone is screaming for help outside", lat + 0.001, lon, sender="+919820054321")
    other = make_incident("Help me please", lat - 0.001, lon, sender="+919820011111")
    page = signed_in("dispatcher")
    badge = page.locator(f'[data-testid=queue-item][data-tracking="{first}"] [data-testid=merge-badge]')
    expect(badge).to_be_visible()  # the queue says which incidents have a suggestion
    page.locator(f'[data-testid=queue-item][data-tracking="{first}"]').click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(first)
    suggestion = page.locator(f'[data-testid=merge-suggestion][data-tracking="{second}"]')
    expect(suggestion).to_be_visible()
    wrong = page.locator(f'[data-testid=merge-suggestion][data-tracking="{other}"]')
    wrong.get_by_test_id("not-same").click()
    expect(wrong).to_have_count(0)
    expect(page.locator("[data-testid=timeline-entry][data-kind=merge_rejected]")).to_contain_text(other)

    suggestion.get_by_test_id("merge-into").click()
    expect(page.get_by_test_id("contact")).to_have_count(2)
    expect(page.locator("[data-testid=timeline-entry][data-kind=merged_in]")).to_contain_text(second)
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{second}"]')).to_have_count(0)
    expect(page.get_by_test_id("merge-suggestion")).to_have_count(0)
    expect(badge).to_have_count(0)

    page.goto(page.url.split("#")[0] + f"#{second}")
    expect(page.get_by_test_id("detail-status")).to_have_text("merged")
    expect(page.get_by_test_id("merged-into")).to_have_text(first)
    page.get_by_test_id("unmerge-reason").fill("two different women")
    page.get_by_test_id("unmerge").click()
    expect(page.get_by_test_id("detail-status")).to_have_text("new")
    expect(page.get_by_test_id("contact")).to_have_count(1)
    expect(page.locator(f'[data-testid=queue-item][data-tracking="{second}"]')).to_be_visible()


def test_another_console_sees_a_merge_and_an_unmerge_live(console_as, http, auth, make_incident, home_station):
    lat, lon = home_station.anchor.lat, home_station.anchor.lon
    first = make_incident("Help, a man is dragging a woman", lat, lon, sender="+919820012345")
    second = make_incident("Someone is screaming for help outside", lat + 0.001, lon, sender="+919820054321")
    page = console_as("officer")
    row = page.locator(f'[data-testid=queue-item][data-tracking="{second}"]')
    expect(row).to_be_visible()
    assert http.post(f"/api/v1/incidents/{second}/merge", headers=auth("dispatcher"),
                     json={"into": first}).status_code == 200
    expect(row).to_have_count(0)  # no reload: the event took it off the queue
    assert http.post(f"/api/v1/incidents/{second}/unmerge", headers=auth("dispatcher"),
                     json={"reason": "two women"}).status_code == 200
    expect(row).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True
