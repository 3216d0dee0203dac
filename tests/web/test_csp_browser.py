"""The pages work under their Content-Security-Policy in Chromium: no inline script, nothing blocked."""

import pytest
from playwright.sync_api import expect

from tests.registry.registry_data import RAMESH, csv_bytes, operator

pytestmark = pytest.mark.browser
# Playwright polls a bare expression with eval(), which the policy (rightly) blocks: predicates here are functions.
WATCH = """window.__blocked = [];
document.addEventListener("securitypolicyviolation", (e) => window.__blocked.push(`${e.violatedDirective} ${e.blockedURI}`));"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, errors
    assert page.evaluate("window.__blocked") == [] and errors == []


def test_the_console_reads_its_settings_under_the_policy(watched, signed_in, make_incident):
    page, _ = watched
    tracking = make_incident()
    signed_in("dispatcher")
    assert "script-src 'self';" in page.request.get("/console").headers["content-security-policy"]
    expect(page.get_by_test_id("live")).to_have_text("live")
    expect(page.get_by_test_id("queue")).to_contain_text(tracking)
    assert page.evaluate("window.SURAKSHA.canDispatch") is True
    assert page.evaluate("window.SURAKSHA.stations.length") == 91


def test_the_directory_and_a_station_offender_map_work_under_the_policy(watched, signed_in, container, home_station):
    page, _ = watched
    page.goto("/directory")
    page.wait_for_function("() => document.querySelectorAll('#dir-map .leaflet-overlay-pane path').length > 50")
    here = home_station.anchor
    container.registry.import_csv(csv_bytes(RAMESH | {"address_lat": str(here.lat), "address_lon": str(here.lon)}),
                                  operator())
    signed_in("officer")
    page.goto(f"/registry/station/{home_station.id}?purpose=investigation")
    expect(page.get_by_test_id("offenders")).to_contain_text("Ramesh")
    page.wait_for_function("() => document.querySelectorAll('#offender-map .leaflet-overlay-pane path').length >= 2")


def test_two_step_sign_in_is_set_up_in_the_browser_on_a_phone(watched, container):
    """A new administrator's first sign-in on a phone-sized screen: the QR picture shows, the typed key's code is
    taken, the recovery codes are shown once, and the console opens."""
    import pyotp

    from suraksha.core.auth import Role, ScopeKind
    from tests.conftest import TEST_PASSWORD

    page, _ = watched
    page.set_viewport_size({"width": 390, "height": 844})
    container.accounts.create_account("new_admin", TEST_PASSWORD, Role.ADMIN, ScopeKind.NATIONAL)
    page.goto("/login?next=/console")
    page.fill("input[name=username]", "new_admin")
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/login/set-up")
    qr = page.get_by_test_id("qr").locator("svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box and 150 <= box["width"] <= 390  # scannable, and no wider than the phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    secret = page.get_by_test_id("secret").inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).at(container.clock.now()))
    page.click("button[type=submit]")
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url("**/console")
    expect(page.get_by_test_id("who")).to_contain_text("new_admin")
