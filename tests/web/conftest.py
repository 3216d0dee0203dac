"""Real pages in Debian's Chromium, driven by Playwright for Python."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
# How long an expectation waits for the page to get there (Playwright's default: 5 s). CI runs the SQLite and the
# PostgreSQL suites side by side on two cores, each with its own browser and server, and a console panel that needs
# four API answers once took longer than 5 s there. A page that never gets there still fails, after 15 s. The one
# wait for every expectation: a test names a timeout only when it needs longer (a large upload, the first load).
EXPECT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=server_url)
    pg = context.new_page()
    yield pg
    context.close()


def sign_in_page(pg, container, username: str, next_page: str = "/console"):
    """Sign in through the pages, typing the one-time code when the account needs one."""
    from tests.conftest import TEST_PASSWORD, second_factor_code

    pg.goto(f"/login?next={next_page}")
    pg.fill("input[name=username]", username)
    pg.fill("input[name=password]", TEST_PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_load_state()
    if pg.url.endswith("/login/code"):
        pg.fill("input[name=code]", second_factor_code(container, username))
        pg.click("button[type=submit]")
    pg.wait_for_url(f"**{next_page}")
    return pg


@pytest.fixture
def signed_in(page, container):
    def sign_in(username: str = "dispatcher"):
        return sign_in_page(page, container, username)

    return sign_in


@pytest.fixture
def console_as(browser, server_url, container):
    """Another console in its own browser context (its own session), signed in as `username` and live."""
    from playwright.sync_api import expect

    contexts = []

    def open_console(username: str):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=server_url)
        contexts.append(context)
        pg = sign_in_page(context.new_page(), container, username)
        expect(pg.get_by_test_id("live")).to_have_text("live")
        pg.evaluate("window.__sameDocument = true")
        return pg

    yield open_console
    for context in contexts:
        context.close()


def station_named(container, name: str):
    return next(s for s in container.stations.all("mumbai") if s.name == name)


def queue_item(page, tracking: str):
    """The console's queue row of an incident."""
    return page.locator(f'[data-testid=queue-item][data-tracking="{tracking}"]')


def timeline_entries(page, kind: str):
    """The open incident's timeline entries of one kind."""
    return page.locator(f'[data-testid=timeline] [data-testid=timeline-entry][data-kind="{kind}"]')
