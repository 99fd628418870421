"""The maps on a phone (390×844, touch) and on a laptop (1366×768), network blocked (issue 16.1):
at rest nothing the reader needs is covered, the panel and the legend fold into buttons on the
phone, and a tap on a district opens its popup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.screens import LAPTOP, MAPS, PHONE, RECT_JS, ZONES_JS, build_maps, open_map, overlap, screen_xy

pytestmark = pytest.mark.browser

SHAPINGBA = "500106"  # a Science City host, and a member of the Economic Circle


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_maps(tmp_path_factory.mktemp("screens"))


def _controls(page: Any) -> dict[str, dict[str, float]]:
    """Every control on screen by what it is, as its rectangle in the map's container."""
    found = {}
    for name, selector in [("zoom", ".leaflet-control-zoom"), ("fullscreen", ".chengyu-fullscreen"),
                           ("layers", ".leaflet-control-layers"), ("scale", ".leaflet-control-scale"),
                           ("attribution", ".leaflet-control-attribution"),
                           ("panel", ".leaflet-control:has(.chengyu-panel)"), ("language", ".chengyu-language"),
                           ("legend", ".leaflet-control:has(.chengyu-legend)")]:
        control = page.locator(selector)
        assert control.count() == 1, name
        found[name] = control.evaluate(RECT_JS)
    return found


SIDEWAYS = {"width": 844, "height": 390}  # the phone held sideways
SHORT = {"width": 1280, "height": 720}  # a laptop of 720 lines: the Circle's legend and panel met there


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP, SIDEWAYS, SHORT], ids=["phone", "laptop", "sideways", "short"])
@pytest.mark.parametrize("name", MAPS)
def test_at_rest_no_control_covers_the_zones_or_another(browser: Any, pages: dict[str, Path], name: str,
                                                        viewport: dict[str, int]) -> None:
    with open_map(browser, pages[name], viewport) as page:
        zones, controls = page.evaluate(ZONES_JS), _controls(page)
        for control, rect in controls.items():
            assert not overlap(zones, rect), (control, rect, zones)
            for other, other_rect in controls.items():
                assert other == control or not overlap(rect, other_rect), (control, other)
        # the zones fill the room left to them: not drawn small in a corner
        width, height = viewport["width"], viewport["height"]
        assert max((zones["right"] - zones["left"]) / width, (zones["bottom"] - zones["top"]) / height) > 0.5
        assert zones["left"] >= 0 and zones["top"] >= 0 and zones["right"] <= width and zones["bottom"] <= height
        # the zoom buttons answer where they are drawn
        for title in ["Zoom in", "Zoom out"]:
            button = page.get_by_role("button", name=title, exact=True)
            box = button.bounding_box()
            assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('a').title",
                                 [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]) == title


@pytest.mark.parametrize("name", MAPS)
def test_the_phone_folds_the_panel_and_legend_into_buttons_and_the_laptop_does_not(
        browser: Any, pages: dict[str, Path], name: str) -> None:
    with open_map(browser, pages[name], PHONE) as page:
        assert page.locator(".chengyu-panel").is_hidden() and page.locator(".chengyu-legend").is_hidden()
        assert page.get_by_role("button", name="About this map", exact=True).is_visible()
        assert page.get_by_role("button", name="Legend", exact=True).is_visible()
    with open_map(browser, pages[name], LAPTOP) as page:
        assert page.locator(".chengyu-panel").is_visible() and page.locator(".chengyu-legend").is_visible()
        assert page.locator(".chengyu-toggle, .chengyu-close").evaluate_all("bs => bs.map(b => b.offsetParent)") == [
            None] * 4  # hidden


@pytest.mark.parametrize("name", MAPS)
def test_the_panel_button_opens_and_closes_the_panel(browser: Any, pages: dict[str, Path], name: str) -> None:
    with open_map(browser, pages[name], PHONE) as page:
        about = page.get_by_role("button", name="About this map", exact=True)
        legend = page.get_by_role("button", name="Legend", exact=True)
        panel = page.locator(".chengyu-panel")
        about.tap()
        assert panel.is_visible() and about.get_attribute("aria-expanded") == "true"
        assert "km²" in panel.inner_text()
        # a sheet across the bottom of the screen, over the map, its text inside the screen
        sheet = panel.evaluate(RECT_JS)
        assert sheet["left"] == 0 and sheet["right"] == PHONE["width"] and sheet["bottom"] == PHONE["height"]
        assert page.evaluate("document.elementFromPoint(195, 830).closest('.chengyu-panel') !== null")
        page.get_by_role("button", name="Close About this map").tap()
        assert panel.is_hidden() and about.get_attribute("aria-expanded") == "false"
        # the button closes it too; one sheet at a time
        about.tap()
        about.tap()
        assert panel.is_hidden()
        legend.tap()
        assert page.locator(".chengyu-legend").is_visible() and legend.get_attribute("aria-expanded") == "true"
        about.tap()
        assert panel.is_visible() and page.locator(".chengyu-legend").is_hidden()
        assert legend.get_attribute("aria-expanded") == "false"
        page.keyboard.press("Escape")
        assert panel.is_hidden() and about.get_attribute("aria-expanded") == "false"


@pytest.mark.parametrize("name", MAPS)
def test_a_tap_on_shapingba_opens_its_popup(browser: Any, pages: dict[str, Path], name: str) -> None:
    with open_map(browser, pages[name], PHONE, "#lang=both") as page:
        assert page.evaluate("matchMedia('(hover: none)').matches")  # a touch screen, as a phone's
        page.touchscreen.tap(*screen_xy(page, SHAPINGBA))
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        assert "沙坪坝区" in popup.inner_text() and "Shapingba" in popup.inner_text()
        # the district's figures, whatever layer the finger fell on (the hosts' outline lies over them)
        assert "396.9" in popup.inner_text()
        # no tooltip beside it: a tap has no hover
        assert page.locator(".leaflet-tooltip").evaluate_all("ts => ts.filter(t => t.offsetParent).length") == 0
        # the popup fits the screen, once the map has panned to show it
        page.wait_for_function("""([w, h]) => {
            const r = document.querySelector('.leaflet-popup').getBoundingClientRect();
            return r.left >= 0 && r.top >= 0 && r.right <= w && r.bottom <= h;
        }""", arg=[PHONE["width"], PHONE["height"]])


def test_a_user_who_moved_the_map_keeps_their_view_when_the_window_changes(browser: Any,
                                                                           pages: dict[str, Path]) -> None:
    with open_map(browser, pages["science-city"], LAPTOP) as page:
        page.set_viewport_size(PHONE)  # not moved yet: fitted again for the phone
        page.wait_for_function("L.ChengyuFit.of(map_1).padding.paddingBottomRight[0] < 100")
        zones = page.evaluate(ZONES_JS)
        assert zones["right"] <= PHONE["width"] and zones["bottom"] <= PHONE["height"]
        page.evaluate("void map_1.panBy([50, 0], {animate: false})")
        center = page.evaluate("[map_1.getCenter().lat, map_1.getCenter().lng, map_1.getZoom()]")
        page.set_viewport_size(LAPTOP)
        page.wait_for_function("map_1.getSize().x === 1366")
        page.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout(done, 0)))")
        assert page.evaluate("[map_1.getCenter().lat, map_1.getCenter().lng, map_1.getZoom()]") == pytest.approx(
            center, abs=1e-6)
