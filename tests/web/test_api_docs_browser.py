"""/docs and /redoc render from the assets shipped with the product, with every request to another host blocked
(as on a control-room network without internet), under their Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
WATCH = """window.__blocked = [];
document.addEventListener("securitypolicyviolation", (e) => window.__blocked.push(`${e.violatedDirective} ${e.blockedURI}`));"""
NEXT_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


@pytest.fixture
def offline(page, server_url):
    outside: list[str] = []

    def only_ours(route):
        if route.request.url.startswith(server_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", only_ours)
    page.add_init_script(WATCH)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, outside, errors
    assert page.evaluate("() => window.__blocked") == []


def scroll_through(page, seen: set[str], summaries: set[str]) -> None:
    """From the top to the bottom of the page, 600 px at a time, noting the operations drawn after each step (the
    next two frames: the ones that draw what the step brought near)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    for _ in range(400):
        page.evaluate(NEXT_FRAMES)
        seen.update(t.replace("\u200b", "") for t in page.locator(".opblock-summary-path").all_inner_texts())
        summaries.update(page.locator(".opblock-summary-description").all_inner_texts())
        if page.evaluate("() => { const before = window.scrollY; window.scrollBy(0, 600); return window.scrollY === before; }"):
            return


def test_swagger_ui_renders_without_internet(offline):
    page, outside, errors = offline
    page.goto("/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
    # Swagger UI draws only the operations near the screen: scroll through them all and see every path the API has
    spec_paths = set(page.evaluate("async () => Object.keys((await (await fetch('/openapi.json')).json()).paths)"))
    seen: set[str] = set()
    summaries: set[str] = set()
    for _ in range(3):  # a loaded machine may draw an operation late, after the pass has scrolled past: pass again
        scroll_through(page, seen, summaries)
        if seen >= spec_paths:
            break
    assert len(spec_paths) > 60 and seen == spec_paths, sorted(spec_paths ^ seen)[:10]
    page.evaluate("() => window.scrollTo(0, 0)")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Suraksha")
    assert "Find a station's women helpline by name (public)" in summaries
    assert outside == [] and errors == []


def test_redoc_renders_without_internet(offline):
    page, outside, errors = offline
    page.goto("/redoc")
    expect(page.locator("h1").first).to_contain_text("Suraksha", timeout=30_000)
    expect(page.locator("h2", has_text="Find a station's women helpline by name (public)")).to_have_count(1)
    assert page.locator("h2").count() > 30  # an operation each
    assert outside == [] and errors == []
