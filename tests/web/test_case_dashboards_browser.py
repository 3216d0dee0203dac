"""The case dashboard in Chromium (issue 12, point 7): the district superintendent's view of Mumbai, its trend chart
drawn, the filters changing the figures (an offence class, a station, a period), the CSV link downloading the
figures shown; axe-core finds no serious violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from suraksha.cases.model import Accused, Fir, Victim
from suraksha.core.auth import Role, ScopeKind
from tests.cases.conftest import NAME, principal
from tests.conftest import START, add_account
from tests.web.conftest import sign_in_page
from tests.web.test_accessibility_browser import serious

pytestmark = pytest.mark.browser


def registered(container, station_id: int, days_ago: int, sections: tuple[str, ...] = ("BNS 64",),
               age: int = 24) -> str:
    container.clock._now = START - timedelta(days=days_ago)
    fir = Fir(station_id, sections, container.clock.now() - timedelta(hours=6), "Lane behind the bus depot",
              Victim(NAME, "+919820054321", "Colaba", age, "mr"), (Accused(True, "Ramesh Kale", 31),),
              "PSI Anjali Jadhav", "She reports that the accused assaulted her in the lane.")
    who = next(p for p in container.accounts.with_role(Role.STATION_OFFICER)
               if p.scope_kind is ScopeKind.STATION and p.scope_value == str(station_id))
    return container.cases.register(who, fir)["fir_number"]


def test_the_district_dashboard_its_chart_filters_and_csv(page, container, station_id):
    other = next(s for s in sorted(container.stations.all("mumbai"), key=lambda s: s.name) if s.id != station_id)
    add_account(container, "sho_b", Role.STATION_OFFICER, ScopeKind.STATION, str(other.id))
    add_account(container, "dcp", Role.STATION_OFFICER, ScopeKind.CITY, "mumbai")
    first = registered(container, station_id, 100)
    for days in (70, 40, 5):
        registered(container, station_id, days)
    registered(container, station_id, 20, ("POCSO 4",), 12)
    registered(container, other.id, 10)
    container.clock._now = START - timedelta(days=35)
    officer = principal(container, "officer")
    container.cases.file_report(officer, first, "charge_sheet", "CS 1/2026")
    container.clock._now = START

    sign_in_page(page, container, "dcp", "/cases/dashboard")
    expect(page.get_by_test_id("registered")).to_have_text("6")
    expect(page.get_by_test_id("trend-chart")).to_be_visible()
    expect(page.get_by_test_id("bar")).to_have_count(12)
    expect(page.get_by_test_id("area")).to_have_count(2)
    assert not serious(page)

    page.get_by_test_id("offence").select_option("pocso")
    page.get_by_test_id("apply").click()
    expect(page.get_by_test_id("registered")).to_have_text("1")
    page.get_by_test_id("offence").select_option("")
    page.get_by_test_id("station").select_option(str(other.id))
    page.get_by_test_id("apply").click()
    expect(page.get_by_test_id("registered")).to_have_text("1")
    page.get_by_test_id("station").select_option("")
    page.get_by_test_id("from-month").fill("2026-10")
    page.get_by_test_id("apply").click()
    expect(page.get_by_test_id("registered")).to_have_text("4")

    with page.expect_download() as waiting:
        page.get_by_test_id("csv-link").click()
    text = open(waiting.value.path(), encoding="utf-8").read()
    assert "2026-10" in text and "Colaba Police Station" in text and NAME not in text and "Ramesh Kale" not in text
