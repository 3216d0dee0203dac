"""Escalation on the console, in Chromium: a P1 left without a unit alarms (a banner and a tone) on the consoles in
its scope, live; a crew that does not acknowledge is released, the dispatcher is told and the next unit goes."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_an_unassigned_p1_alarms_and_a_silent_crew_is_replaced_live(signed_in, container, make_incident,
                                                                     home_station):
    anchor = home_station.anchor
    first = container.dispatch.create_unit("MUM-NS-301", "nirbhaya_squad", home_station.id, anchor.lon + 0.001,
                                           anchor.lat)
    container.dispatch.create_unit("MUM-NS-302", "nirbhaya_squad", home_station.id, anchor.lon + 0.01, anchor.lat)
    page = signed_in("dispatcher")
    expect(page.get_by_test_id("live")).to_have_text("live")
    page.evaluate("window.__sameDocument = true")
    page.get_by_test_id("map").click()  # a person has used the page: it may sound

    tracking = make_incident()
    container.clock.advance(seconds=31)
    assert container.incidents.alarm_unassigned() == 1
    alarm = page.locator(f'[data-testid=unassigned-alarm][data-tracking="{tracking}"]')
    expect(alarm).to_contain_text("has had no unit for 31 s")
    expect(page.locator("body")).to_have_attribute("data-alarms-sounded", "1")

    container.dispatch.assign(tracking, first["id"])
    container.clock.advance(seconds=61)
    assert container.dispatch.escalate_due() == 1
    notice = page.locator(f'[data-testid=release-notice][data-tracking="{tracking}"]')
    expect(notice).to_contain_text("MUM-NS-301 did not acknowledge")
    alarm.get_by_role("link").click()
    expect(page.get_by_test_id("detail-tracking")).to_contain_text(tracking)
    expect(page.get_by_test_id("detail")).to_contain_text("MUM-NS-302")
    expect(alarm).to_have_count(0)  # opened: the alarm is dealt with
    assert page.evaluate("window.__sameDocument") is True


def test_a_unit_that_cannot_make_the_deadline_is_escalated_on_the_console(signed_in, container, make_incident,
                                                                         home_station):
    a = home_station.anchor
    far = container.dispatch.create_unit("MUM-NS-311", "nirbhaya_squad", home_station.id, a.lon + 0.09, a.lat + 0.09)
    other = next(s for s in container.stations.all("mumbai") if s.id != home_station.id)
    container.dispatch.create_unit("MUM-PV-312", "patrol_van", other.id, a.lon + 0.002, a.lat)
    page = signed_in("dispatcher")
    expect(page.get_by_test_id("live")).to_have_text("live")
    tracking = make_incident(lat=a.lat, lon=a.lon)
    container.dispatch.assign(tracking, far["id"])
    assert container.dispatch.watch_deadlines() == 1
    alarm = page.locator(f'[data-testid=deadline-alarm][data-tracking="{tracking}"]')
    expect(alarm).to_contain_text("MUM-NS-311 cannot reach")
    expect(alarm).to_contain_text(f"MUM-PV-312 ({other.name}")
