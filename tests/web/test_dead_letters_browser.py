"""A message to her that could not be delivered is shown on its incident in the console, and a dispatcher
settles it there."""

import pytest
from playwright.sync_api import expect

from tests.messaging.test_dead_letters import DownProvider, exhaust

pytestmark = pytest.mark.browser


def test_an_undelivered_message_is_shown_and_settled_in_the_console(signed_in, container, make_incident, home_station):
    container.messages.provider, original = DownProvider(), container.messages.provider
    try:
        tracking = make_incident()
        unit = container.dispatch.create_unit("MUM-NS-961", "nirbhaya_squad", home_station.id)
        container.dispatch.assign(tracking, unit["id"])
        exhaust(container)
        page = signed_in("dispatcher")
        page.goto(f"/console#{tracking}")
        box = page.get_by_test_id("undelivered")
        expect(box).to_contain_text("Not delivered to her")
        expect(box).to_contain_text("MUM-NS-961 has been dispatched")
        page.get_by_test_id("reached-message").click()
        expect(box.locator("form[data-action=reached-message] .form-error")).to_contain_text("Say how she was reached")
        page.get_by_test_id("reached-how").fill("called her from the station landline")
        page.get_by_test_id("reached-message").click()
        expect(page.get_by_test_id("undelivered")).to_have_count(0)
        expect(page.locator('[data-testid=timeline-entry][data-kind="message_settled"]')).to_contain_text(
            "called her from the station landline")
    finally:
        container.messages.provider = original
