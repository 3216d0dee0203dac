"""The console counts down to each incident's deadline (issue 10): the time left, amber when little is left, red
once it has passed. The browser's clock is set relative to the server's test clock."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.web.conftest import sign_in_page


@pytest.mark.browser
def test_the_console_counts_down_amber_then_red(page, container, make_incident):
    tracking = make_incident()
    received = container.clock.now()
    page.clock.set_fixed_time(received + timedelta(minutes=1))  # the browser's clock: a minute after her SMS
    sign_in_page(page, container, "dispatcher")
    left = page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"] [data-testid=time-left]')
    expect(left).to_have_text("9 min left")
    expect(left).to_have_attribute("data-state", "ok")
    page.clock.set_fixed_time(received + timedelta(minutes=8, seconds=30))
    page.reload()
    expect(left).to_have_attribute("data-state", "soon")
    page.clock.set_fixed_time(received + timedelta(minutes=12))
    page.reload()
    expect(left).to_have_attribute("data-state", "late")
    expect(left).to_have_text("2 min over target")
