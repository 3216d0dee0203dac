"""axe-core (vendored: web/static/vendor/axe-core, MPL-2.0) on every public page in every language, in Chromium:
no serious or critical violation. The error page is reached as a person would (a role that has no console)."""

from __future__ import annotations

import pytest

from tests.web.conftest import sign_in_page

pytestmark = pytest.mark.browser

AXE = "/static/vendor/axe-core/axe.min.js"
RUN = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
}"""
PUBLIC = ["/", "/directory", "/directory?q=400005", "/track", "/track?tracking=NOPE", "/login"]


def serious(page) -> list[dict]:
    page.add_script_tag(url=AXE)
    found = page.evaluate(RUN)
    return [v for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_no_serious_or_critical_violation_on_a_public_page(page, make_incident, lang):
    tracking = make_incident()
    problems = {}
    for path in [*PUBLIC, f"/track?tracking={tracking}"]:
        page.goto(f"/{lang}{path}")
        if path.startswith("/directory"):  # wide screen: the map is shown too
            page.wait_for_function("() => document.querySelectorAll('#dir-map .leaflet-overlay-pane path').length > 50")
        found = serious(page)
        if found:
            problems[path] = found
    assert not problems, problems


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_no_serious_or_critical_violation_on_a_phone(browser, server_url, lang):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server_url, is_mobile=True)
    try:
        phone = context.new_page()
        problems = {}
        for path in ("/directory", "/track", "/"):
            phone.goto(f"/{lang}{path}")
            found = serious(phone)
            if found:
                problems[path] = found
        assert not problems, problems
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "hi"])
def test_the_error_page_too(page, container, lang):
    sign_in_page(page, container, "registry", "/registry")
    page.goto(f"/{lang}/console")
    assert page.get_by_test_id("error").is_visible()
    assert serious(page) == []
