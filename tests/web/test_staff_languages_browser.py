"""Staff pages in Hindi and Marathi: the console's script gets its words from the page (a JSON block), the
registry and incident search pages are rendered in the language, and nothing is blocked by the policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import sign_in_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("lang", "live", "timeline", "status"), [
    ("hi", "लाइव", "समयरेखा", "नई"), ("mr", "थेट", "घटनाक्रम", "नवीन"),
])
def test_the_console_speaks_the_pages_language(page, container, make_incident, lang, live, timeline, status):
    tracking = make_incident()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in_page(page, container, "dispatcher", f"/{lang}/console")
    assert page.evaluate("() => document.documentElement.lang") == lang
    expect(page.get_by_test_id("live")).to_have_text(live)
    item = page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]')
    expect(item.get_by_test_id("queue-status")).to_have_text(status)
    item.click()
    expect(page.get_by_test_id("detail")).to_contain_text(timeline)
    assert errors == []


@pytest.mark.parametrize(("lang", "heading", "refusal"), [
    ("hi", "अपराधी रजिस्ट्री", "उद्देश्य चुनें और नाम लिखें।"), ("mr", "गुन्हेगार रजिस्ट्री", "उद्देश निवडा आणि नाव लिहा."),
])
def test_the_registry_search_speaks_the_pages_language(page, container, lang, heading, refusal):
    sign_in_page(page, container, "registry", f"/{lang}/registry")
    expect(page.locator("h1")).to_have_text(heading)
    expect(page.locator("#registry-results")).to_contain_text(refusal)
    expect(page.get_by_test_id("purpose").locator("option[value=investigation]")).to_have_text(
        {"hi": "जाँच", "mr": "तपास"}[lang])
