"""The two maps in headless Chromium with every network request blocked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chengyu.geo.plan import parse_plan
from chengyu.maps.offline import write_html
from chengyu.maps.render import economic_circle_map, science_city_map
from chengyu.shapes import PLAN_PATH
from tests.browser.screens import screen_xy

pytestmark = pytest.mark.browser

HOSTILE = "{{ 7*7 }} {% if 1 %}x{% endif %} <img src=x onerror=alert(1)> <script>alert(2)</script> ` ${x} \\\" '"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("maps")
    hostile_plan = parse_plan(
        PLAN_PATH.read_text(encoding="utf-8").replace('role = "core zone (直管园): 西永', f'role = "{HOSTILE} 西永', 1),
        "hostile.toml",
    )
    # the two maps in both languages, Chinese and English names side by side (tests/browser/test_language.py
    # switches between them)
    return {
        "science-city": write_html(science_city_map(lang="both"), folder / "science-city.html"),
        "economic-circle": write_html(economic_circle_map(lang="both"), folder / "economic-circle.html"),
        "classed": write_html(economic_circle_map(color_by="area_km2", k=5), folder / "classed.html"),
        "hostile": write_html(science_city_map(hostile_plan), folder / "hostile.html", pack=True),
        "science-city-packed": write_html(science_city_map(), folder / "sc-packed.html", pack=True),
        "economic-circle-packed": write_html(economic_circle_map(), folder / "ec-packed.html", pack=True),
    }


# [name, features, features drawn] of each packed layer, in drawing order
LAYERS = "L.ChengyuPacked.layersOf(map_1).map(l => [l.options.name || '', l.count, l.drawn])"
COUNT = "L.ChengyuPacked.layersOf(map_1).reduce((n, l) => n + l.count, 0)"


def _mouse_to(page: Any, code: str, *, click: bool = False) -> None:
    xy = screen_xy(page, code)
    if click:
        page.mouse.click(*xy)
    else:
        page.mouse.move(*xy)


@pytest.mark.parametrize("name, polygons", [("science-city", 38), ("economic-circle", 226), ("classed", 226),
                                            ("science-city-packed", 38), ("economic-circle-packed", 226)])
def test_map_draws_every_district_offline(load_html: Any, assert_clean: Any, pages: dict[str, Path],
                                          name: str, polygons: int) -> None:
    page = load_html(pages[name])
    assert page.evaluate(COUNT) == polygons
    layers = page.evaluate(LAYERS)
    assert all(drawn > 0 for _, _, drawn in layers), layers
    # one canvas for every layer of the map, no SVG element per district
    assert page.locator("canvas.chengyu-packed").count() == 1
    assert page.locator("path.leaflet-interactive").count() == 0
    if name.endswith("-packed"):  # the scripts really were packed, and unpacked themselves
        assert page.locator("script:not([type]):not([id])").count() == 1  # the loader only
        assert page.evaluate("window.chengyuReady") is True
    assert page.locator(".chengyu-panel").first.is_visible()
    assert page.locator(".chengyu-legend").is_visible()
    assert page.locator(".leaflet-control-scale").is_visible()
    assert page.locator(".leaflet-control-layers").is_visible()
    assert page.locator(".chengyu-fullscreen, [title='Full screen']").count() >= 1
    # The base map joins after the first frame (maps.controls.DeferredTileLayer), and does join:
    # offline its tiles are requested and fail.
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-pane .leaflet-layer').length === 1")
    page.wait_for_function("document.querySelectorAll('.leaflet-tile-pane img').length > 0")
    # The zoom limits are the map's own, not borrowed from a tile layer.
    assert page.evaluate("[map_1.getMinZoom(), map_1.getMaxZoom()]") == [5, 14]
    assert_clean()


def test_hover_shapingba_shows_names_and_area(load_html: Any, assert_clean: Any, pages: dict[str, Path]) -> None:
    page = load_html(pages["science-city"])
    _mouse_to(page, "500106")
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    text = tooltip.inner_text()
    assert "沙坪坝区" in text and "Shapingba District" in text
    assert "396.9 km²" in text and "396 km²" in text
    assert_clean()


def test_click_opens_the_popup_with_plan_attributes(load_html: Any, assert_clean: Any,
                                                    pages: dict[str, Path]) -> None:
    page = load_html(pages["science-city"])
    _mouse_to(page, "500107", click=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "九龙坡区" in text and "343 km²" in text and "195.05 km²" in text and "xzqh.org" in text
    assert_clean()


def test_layer_control_hides_and_shows_a_layer(load_html: Any, assert_clean: Any, pages: dict[str, Path]) -> None:
    page = load_html(pages["science-city"])
    page.locator(".leaflet-control-layers").hover()
    box = page.locator(".leaflet-control-layers-overlays label", has_text="Other Chongqing districts").locator("input")
    box.uncheck()
    assert page.evaluate(COUNT) == 5
    _mouse_to(page, "500112")  # 渝北: no longer on the map, so no tooltip
    page.wait_for_timeout(100)
    assert page.locator(".leaflet-tooltip").count() == 0
    page.locator(".leaflet-control-layers").hover()
    box.check()
    assert page.evaluate(COUNT) == 38
    _mouse_to(page, "500112")
    page.locator(".leaflet-tooltip", has_text="渝北区").wait_for()
    # it came back under the host districts, where the page put it
    assert [n for n, _, _ in page.evaluate(LAYERS)] == ["Other Chongqing districts", "Science City host districts"]
    assert_clean()


def test_panel_tells_the_story(load_html: Any, pages: dict[str, Path]) -> None:
    page = load_html(pages["science-city"])
    panel = page.locator(".chengyu-panel").inner_text()
    assert "1,198 km²" in panel and "313.5 km²" in panel and "2020-09-11" in panel
    assert "not published as open data" in panel
    page = load_html(pages["economic-circle"])
    panel = page.locator(".chengyu-panel").first.inner_text()
    assert "185,000 km²" in panel and "96 million" in panel and "181,498 km²" in panel


def test_circle_tooltip_names_city_and_membership(load_html: Any, pages: dict[str, Path]) -> None:
    page = load_html(pages["economic-circle"])
    _mouse_to(page, "500154")
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert "开州区" in tooltip.inner_text() and "partial member" in tooltip.inner_text()


def test_hostile_plan_text_is_shown_literally(load_html: Any, assert_clean: Any, pages: dict[str, Path]) -> None:
    page = load_html(pages["hostile"])
    _mouse_to(page, "500106", click=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "{{ 7*7 }}" in text and "{% if 1 %}x{% endif %}" in text
    assert "<img src=x onerror=alert(1)>" in text and "<script>alert(2)</script>" in text and "${x}" in text
    assert "49" not in text
    assert page.locator(".leaflet-popup-content img, .leaflet-popup-content script").count() == 0
    assert_clean()  # no dialog, no error


@pytest.mark.parametrize("window", [(390, 844), (1366, 768), (1280, 800), (1920, 1080), (2560, 1440)])
def test_every_window_draws_the_districts_and_answers_the_pointer(browser: Any, pages: dict[str, Path],
                                                                 window: tuple[int, int]) -> None:
    context = browser.new_context(viewport={"width": window[0], "height": window[1]})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(pages["economic-circle-packed"].as_uri())
    page.wait_for_function("window.chengyuReady === true")
    page.wait_for_function("L.ChengyuFit.of(map_1).refitted")  # fitted to what the controls leave free
    assert page.evaluate(COUNT) == 226
    # the canvas covers the map (and a margin for dragging), in device pixels
    size = page.evaluate("(() => { const c = document.querySelector('canvas.chengyu-packed');"
                         " return [c.width, c.height, map_1.getSize().x, map_1.getSize().y]; })()")
    assert size[0] >= size[2] and size[1] >= size[3]
    _mouse_to(page, "500106")
    page.locator(".leaflet-tooltip", has_text="Shapingba").wait_for()
    assert errors == []
    context.close()


def test_hover_outlines_the_district_and_leaving_clears_it(load_html: Any, assert_clean: Any,
                                                           pages: dict[str, Path]) -> None:
    page = load_html(pages["science-city"])
    _mouse_to(page, "500106")
    page.locator(".leaflet-tooltip").wait_for()
    lit = "(() => { const c = document.querySelector('canvas.chengyu-highlight'); if (!c) return 0;" \
          " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;" \
          " for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()"
    assert page.evaluate(lit) > 100
    assert "chengyu-pointer" in page.evaluate("map_1.getContainer().className")
    assert page.evaluate("getComputedStyle(map_1.getContainer()).cursor") == "pointer"
    page.mouse.move(2, 400)  # off the hosts, over a context district without a highlight
    page.wait_for_function(f"{lit} === 0")
    # a move clears the outline; the next hover of the same district draws it again
    _mouse_to(page, "500106")
    page.wait_for_function(f"{lit} > 100")
    page.evaluate("void map_1.panBy([40, 0], {animate: false})")
    assert page.evaluate(lit) == 0
    _mouse_to(page, "500106")
    page.wait_for_function(f"{lit} > 100")
    assert_clean()


def test_zoomed_in_and_panned_the_districts_still_answer(load_html: Any, assert_clean: Any,
                                                         pages: dict[str, Path]) -> None:
    page = load_html(pages["economic-circle"])
    # `void`: setView returns the map, which Playwright would spend seconds serialising
    page.evaluate("void map_1.setView([29.6, 106.4], 11, {animate: false})")
    layers = page.evaluate(LAYERS)
    assert 0 < sum(d for _, _, d in layers) < 226  # only what is in view is drawn
    _mouse_to(page, "500106")
    page.locator(".leaflet-tooltip", has_text="Shapingba").wait_for()
    page.evaluate("void map_1.panBy([300, 0], {animate: false})")
    _mouse_to(page, "500106", click=True)
    page.locator(".leaflet-popup-content", has_text="Shapingba").wait_for()
    assert_clean()


def test_the_host_outline_answers_on_its_edge_only(load_html: Any, pages: dict[str, Path]) -> None:
    page = load_html(pages["economic-circle"])
    _mouse_to(page, "500106")  # inside Shapingba, away from its edge: the member below answers
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert "membership" in tooltip.inner_text() and "Science City host district" not in tooltip.inner_text()
