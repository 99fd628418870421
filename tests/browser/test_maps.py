"""The two maps in headless Chromium with every network request blocked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from geo import load_districts
from geo.plan import parse_plan
from maps.offline import write_html
from maps.render import economic_circle_map, science_city_map
from shapes import PLAN_PATH

pytestmark = pytest.mark.browser

HOSTILE = "{{ 7*7 }} {% if 1 %}x{% endif %} <img src=x onerror=alert(1)> <script>alert(2)</script> ` ${x} \\\" '"


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("maps")
    hostile_plan = parse_plan(
        PLAN_PATH.read_text(encoding="utf-8").replace('role = "core zone (直管园): 西永', f'role = "{HOSTILE} 西永', 1),
        "hostile.toml",
    )
    return {
        "science-city": write_html(science_city_map(), folder / "science-city.html"),
        "economic-circle": write_html(economic_circle_map(), folder / "economic-circle.html"),
        "classed": write_html(economic_circle_map(color_by="area_km2", k=5), folder / "classed.html"),
        "hostile": write_html(science_city_map(hostile_plan), folder / "hostile.html", pack=True),
        "science-city-packed": write_html(science_city_map(), folder / "sc-packed.html", pack=True),
        "economic-circle-packed": write_html(economic_circle_map(), folder / "ec-packed.html", pack=True),
    }


def _paths(page: Any) -> Any:
    return page.locator("path.leaflet-interactive")


def _inside(code: str) -> tuple[float, float]:
    """A (lat, lon) surely inside a unit: a polygon's bounding-box centre may lie in its neighbour."""
    unit = load_districts().set_index("code").loc[code, "geometry"]
    point = unit.representative_point()
    return point.y, point.x


def _mouse_to(page: Any, code: str, *, click: bool = False) -> None:
    lat, lon = _inside(code)
    xy = page.evaluate("""([lat, lon]) => {
        const p = map_1.latLngToContainerPoint([lat, lon]);
        const r = map_1.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lat, lon])
    if click:
        page.mouse.click(*xy)
    else:
        page.mouse.move(*xy)


@pytest.mark.parametrize("name, polygons", [("science-city", 38), ("economic-circle", 226), ("classed", 226),
                                            ("science-city-packed", 38), ("economic-circle-packed", 226)])
def test_map_draws_every_district_offline(load_html: Any, assert_clean: Any, pages: dict[str, Path],
                                          name: str, polygons: int) -> None:
    page = load_html(pages[name])
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length === {polygons}")
    assert _paths(page).count() == polygons
    assert page.evaluate("typeof L") == "object"
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
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length === 5")
    box.check()
    page.wait_for_function("document.querySelectorAll('path.leaflet-interactive').length === 38")
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


# For every district polygon: [drawn from its pixel path, its SVG path as Leaflet would write it
# from that, the path's rings (absolute layer pixels) equal to Leaflet's own projection (before
# clipping to the view)]. Leaflet's own is computed with its prototype's _project, as it would
# without the path.
_FROM_PATHS = """() => {
    const origin = map_1.getPixelOrigin(), out = [];
    map_1.eachLayer(layer => {
        if (!layer.feature || !layer.getLatLngs) return;
        const path = layer.feature.path, d = layer._path.getAttribute("d");
        if (!layer.chengyuPath) { out.push([false, d.startsWith("M") && !/[lm]/.test(d), null]); return; }
        const first = [path[0] - origin.x, path[1] - origin.y];
        let start = first, ring = [start], rings = [];
        const tokens = path[2].match(/[lmz]|-?\\d+/g);
        for (let i = 0; i < tokens.length; i++) {
            const t = tokens[i];
            if (t === "z") { rings.push(ring); continue; }
            if (t === "l") continue;
            if (t === "m") {
                start = [start[0] + +tokens[i + 1], start[1] + +tokens[i + 2]];
                ring = [start];
                i += 2;
                continue;
            }
            const last = ring[ring.length - 1];
            ring.push([last[0] + +t, last[1] + +tokens[++i]]);
        }
        Object.getPrototypeOf(layer)._project.call(layer);
        const own = layer._rings.map(r => r.map(p => [p.x, p.y]));
        out.push([true, d === "M" + first.join(" ") + path[2], JSON.stringify(rings) === JSON.stringify(own)]);
    });
    return out;
}"""


@pytest.mark.parametrize("name, zoom, polygons", [("science-city-packed", 9.25, 38), ("economic-circle", 7.25, 226)])
def test_districts_open_drawn_from_pixel_paths_that_are_leaflets_own_drawing(
        page: Any, load_html: Any, assert_clean: Any, pages: dict[str, Path], name: str, zoom: float,
        polygons: int) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})  # the window the paths are made for
    load_html(pages[name])
    assert page.evaluate("map_1.getZoom()") == zoom
    drawn = page.evaluate(_FROM_PATHS)
    assert len(drawn) == polygons and drawn == [[True, True, True]] * polygons
    # `void`: setZoom returns the map, which Playwright would spend seconds serialising.
    page.evaluate(f"void map_1.setZoom({zoom - 1}, {{animate: false}})")
    assert page.evaluate(_FROM_PATHS) == [[False, True, None]] * polygons  # Leaflet's drawing: M…L…z
    page.evaluate(f"void map_1.setZoom({zoom}, {{animate: false}})")
    assert page.evaluate(_FROM_PATHS) == [[True, True, True]] * polygons  # and from the paths again
    assert _paths(page).count() == polygons
    assert_clean()


def test_a_window_that_opens_at_another_zoom_is_drawn_by_leaflet(
        page: Any, load_html: Any, assert_clean: Any, pages: dict[str, Path]) -> None:
    page.set_viewport_size({"width": 1700, "height": 1000})
    load_html(pages["science-city-packed"])
    assert page.evaluate("map_1.getZoom()") > 9.25
    assert page.evaluate(_FROM_PATHS) == [[False, True, None]] * 38
    _mouse_to(page, "500106")
    page.locator(".leaflet-tooltip", has_text="Shapingba").wait_for()
    assert_clean()


# At the frame the 38 districts are first in the page: the vertices each has as LatLngs. With
# `zoom`, the page is zoomed there at once, before the coordinates' turn comes.
_AT_FIRST_DRAW = """(function poll() {
    if (document.querySelectorAll("path.leaflet-interactive").length >= 38) {
        window.atFirstDraw = [];
        map_1.eachLayer(l => {
            if (l.feature && l.getLatLngs) window.atFirstDraw.push(l.getLatLngs().flat(3).length);
        });
        if (%s) map_1.setZoom(%s, {animate: false});
        return;
    }
    requestAnimationFrame(poll);
})();"""
_VERTICES = """(() => {
    let n = 0;
    map_1.eachLayer(l => { if (l.feature && l.getLatLngs) n += l.getLatLngs().flat(3).length; });
    return n;
})()"""


def test_the_coordinates_follow_a_frame_after_the_districts(
        page: Any, load_html: Any, assert_clean: Any, pages: dict[str, Path]) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_init_script(_AT_FIRST_DRAW % ("false", "0"))
    load_html(pages["science-city-packed"])
    assert page.evaluate("window.atFirstDraw") == [0] * 38  # drawn from their paths alone
    assert page.evaluate(_VERTICES) == 4_938  # then every vertex (4,976 less each ring's closing one)
    _mouse_to(page, "500106", click=True)  # the host districts' popups open where clicked
    page.locator(".leaflet-popup-content", has_text="Shapingba").wait_for()
    bounds = page.evaluate("geo_json_7.getBounds().toBBoxString()").split(",")
    assert [round(float(b), 2) for b in bounds] == [105.82, 28.53, 106.68, 30.09]  # the five hosts
    assert_clean()


def test_a_zoom_before_the_coordinates_come_draws_them_at_once(
        page: Any, load_html: Any, assert_clean: Any, pages: dict[str, Path]) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_init_script(_AT_FIRST_DRAW % ("true", "10.25"))
    load_html(pages["science-city-packed"])
    assert page.evaluate("window.atFirstDraw") == [0] * 38
    assert page.evaluate("map_1.getZoom()") == 10.25
    assert page.evaluate(_VERTICES) == 4_938
    assert page.evaluate(_FROM_PATHS) == [[False, True, None]] * 38  # Leaflet's drawing, from them
    assert page.evaluate("document.querySelectorAll('path.unit-500106')[0].getAttribute('d').length") > 100
    assert_clean()


@pytest.mark.parametrize("name", ["economic-circle", "economic-circle-packed"])
def test_circle_draws_overview_geometry_zoomed_out_and_full_geometry_zoomed_in(
        page: Any, load_html: Any, assert_clean: Any, pages: dict[str, Path], name: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})  # the window the overview is made for
    load_html(pages[name])
    if not name.endswith("-packed"):
        assert re.search(r"\}\)\(geo_json_\w+, map_1, 7\.25,\s", pages[name].read_text(encoding="utf-8"))
    assert page.evaluate("map_1.getZoom()") == 7.25  # geo.display.fit_zoom agrees with Leaflet
    # [vertices, polygons] with a full version; of those wholly in view (not clipped): [vertices,
    # points in their SVG paths as Leaflet writes them].
    vertices = """() => {
        let vertices = 0, swappable = 0, inView = 0, drawn = 0;
        map_1.eachLayer(layer => {
            if (layer.feature && layer.feature.detail && layer.getLatLngs) {
                vertices += layer.getLatLngs().flat(3).length;
                swappable += 1;
                if (map_1.getBounds().contains(layer.getBounds())) {
                    inView += layer.getLatLngs().flat(3).length;
                    drawn += (layer._path.getAttribute("d").match(/[ML]/g) || []).length;
                }
            }
        });
        return [vertices, swappable, inView, drawn];
    }"""
    opening, swappable, _, _ = page.evaluate(vertices)
    assert swappable > 150  # most of the 226 polygons carry a full version
    # `void`: setZoom returns the map, which Playwright would spend seconds serialising.
    page.evaluate("void map_1.setZoom(8.25, {animate: false})")
    full, _, in_view, drawn = page.evaluate(vertices)
    assert full > 1.8 * opening
    assert 0 < drawn < in_view  # zoomed in, Leaflet simplifies as usual
    page.evaluate("void map_1.setZoom(6.25, {animate: false})")
    back, _, in_view, drawn = page.evaluate(vertices)
    assert back == opening and 0 < drawn < in_view  # zoomed out too, from the overview
    page.evaluate("void map_1.setZoom(7.25, {animate: false})")
    assert page.evaluate(vertices)[0] == opening
    # Zoomed in, the districts still answer: Shapingba's tooltip, from its full geometry.
    page.evaluate("void map_1.setView([29.6, 106.4], 10, {animate: false})")
    _mouse_to(page, "500106")
    page.locator(".leaflet-tooltip", has_text="Shapingba").wait_for()
    assert page.locator("path.leaflet-interactive").count() == 226
    assert_clean()
