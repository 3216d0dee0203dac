"""The supervisor's wallboard in Chromium (issue 10, point 7): its charts are drawn with data, and it changes live,
without a reload, when a unit is dispatched and reaches the scene."""

import pytest
from playwright.sync_api import expect

from tests.web.conftest import sign_in_page

pytestmark = pytest.mark.browser

DATASETS = """(id) => { const chart = Chart.getChart(document.getElementById(id));
  return chart ? chart.data.datasets.map((d) => d.data) : null; }"""
UNITS = """() => { const chart = Chart.getChart(document.getElementById("chart-units"));
  if (!chart) return null;
  return Object.fromEntries(chart.data.labels.map((label, i) => [label, chart.data.datasets[0].data[i]])); }"""


def open_wallboard(page, container):
    sign_in_page(page, container, "dispatcher", "/wallboard")
    expect(page.get_by_test_id("live")).to_have_text("live")
    expect(page.locator("main")).to_have_attribute("data-generation", "1")
    page.evaluate("window.__sameDocument = true")
    return page


def test_the_wallboard_changes_live_when_a_unit_is_dispatched_and_arrives(page, container, make_incident,
                                                                          home_station, station_id):
    tracking = make_incident(lat=home_station.anchor.lat, lon=home_station.anchor.lon)
    unit_id = container.dispatch.create_unit("MUM-PV-401", "patrol_van", station_id)["id"]
    open_wallboard(page, container)
    expect(page.get_by_test_id("tile-open")).to_have_text("1")
    expect(page.get_by_test_id("tile-available")).to_have_text("1/1")
    assert page.evaluate(UNITS)["available"] == 1 and page.evaluate(UNITS)["dispatched"] == 0
    assert page.evaluate(DATASETS, "chart-open")[0] == [1, 0, 0, 0]  # P1, under 5 min

    container.clock.advance(minutes=2)
    container.dispatch.assign(tracking, unit_id)
    container.dispatch.set_status(unit_id, "acknowledged")  # at once: the escalation timer releases a silent crew
    expect(page.get_by_test_id("tile-available")).to_have_text("0/1")
    row = page.locator(f'[data-testid=station-row][data-station-id="{station_id}"]')
    expect(row.get_by_test_id("dispatch-median")).to_have_text("2m 00s")
    expect(row.get_by_test_id("arrival-median")).to_have_text("–")
    page.wait_for_function(f"({UNITS})()?.acknowledged === 1")

    container.clock.advance(minutes=3)
    container.dispatch.set_status(unit_id, "on_scene")
    expect(row.get_by_test_id("arrival-median")).to_have_text("5m 00s")
    expect(row.get_by_test_id("share")).to_have_text("100% (1/1)")
    expect(page.get_by_test_id("tile-arrival")).to_have_text("5m 00s")
    page.wait_for_function(f"({UNITS})()?.['on scene'] === 1")
    median, p90, target = page.evaluate(DATASETS, "chart-stations")
    assert (median, p90, target) == ([5], [5], [10])
    assert page.evaluate(DATASETS, "chart-day")[0] == [2, 2, 5]  # answer (the dispatch), dispatch, arrival
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded instead of updating live"


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1366, 768)])
def test_the_charts_are_drawn_and_fit_the_screen(browser, server_url, container, make_incident, width, height):
    make_incident()
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=server_url)
    try:
        page = open_wallboard(context.new_page(), container)
        for chart in ("chart-open", "chart-units", "chart-day", "chart-stations"):
            box = page.get_by_test_id(chart).bounding_box()
            assert box and box["width"] > 250 and box["height"] > 150, (chart, box)
            assert page.evaluate(DATASETS, chart), chart
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
        tile = page.get_by_test_id("tile-open")
        size = float(tile.evaluate("(e) => getComputedStyle(e).fontSize").removesuffix("px"))
        assert size >= (48 if width >= 1800 else 28), size  # read from across the room on a wall screen
        expect(tile).to_have_text("1")
    finally:
        context.close()
