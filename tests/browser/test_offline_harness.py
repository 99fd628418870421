"""Offline maps in a real browser with every non-local request blocked."""

from __future__ import annotations

from typing import Any

import folium
import pytest
import shapely

from chengyu.maps.controls import FullscreenControl
from chengyu.maps.offline import render_html
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import escape_html, html_table
from tests.browser.test_packed_layer import _screen  # page coordinates of a place on map_1

pytestmark = pytest.mark.browser

NAMES = ["Chengdu", "Chongqing", "Mianyang"]
PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "\"double\" and 'single' quotes",
    "back`tick`s",
    "${x}",
    "{{ 7*7 }}",
    "{% if 1 %}x{% endif %}",
]


def _square(lon: float, lat: float, size: float = 0.8) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(names: list[str]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": name, "rank": i}, "geometry": _square(103.0 + 1.5 * i, 29.5)}
            for i, name in enumerate(names)
        ],
    }


def _squares(count: int, lat: float = 29.5) -> Any:
    """``count`` squares side by side, the i-th at 103 + 1.5 i degrees east and ``lat`` + 0.2 i north
    (staggered: centres on one parallel hang packed.js's gridOf, see the report of this change)."""
    south = [lat + 0.2 * i for i in range(count)]
    return shapely.box([103.0 + 1.5 * i for i in range(count)], south,
                       [103.8 + 1.5 * i for i in range(count)], [y + 0.8 for y in south])


def _centre(index: int, lat: float = 29.5) -> tuple[float, float]:
    """(lon, lat) of the middle of the ``index``-th of :func:`_squares`."""
    return 103.4 + 1.5 * index, lat + 0.2 * index + 0.4


def polygon_map(*, collapsed: bool = False) -> folium.Map:
    """Three polygons (a packed layer, as the maps draw them) with a tooltip, layer control,
    scale bar and fullscreen button."""
    m = folium.Map(location=[29.9, 105.2], zoom_start=6, control_scale=True)
    PackedLayer(_squares(len(NAMES)), name="Districts",
                tips=[html_table({"District": name}) for name in NAMES]).add_to(m)
    folium.LayerControl(collapsed=collapsed).add_to(m)
    FullscreenControl().add_to(m)
    return m


DRAWN = "(() => { let n = 0; map_1.eachLayer(l => { if (l instanceof L.ChengyuPacked) n += l.drawn; }); return n; })()"


#: Pixels the packed layers' canvas shows (0 without a canvas).
PAINTED = ("(() => { const c = document.querySelector('canvas.chengyu-packed'); if (!c) return 0;"
           " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
           " for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; })()")


def _drawn(page: Any) -> int:
    """Features the packed layers drew in the last frame (0 when no packed layer is on the map)."""
    return page.evaluate(DRAWN)


def _ready(page: Any) -> None:
    """Wait until every packed layer has read its tooltips."""
    page.evaluate("""Promise.all((() => { const all = [];
        map_1.eachLayer(l => { if (l instanceof L.ChengyuPacked) all.push(l.tipsReady); }); return all; })())
        .then(() => null)""")


def test_offline_page_draws_with_network_blocked(load_html: Any, assert_clean: Any) -> None:
    page = load_html(render_html(polygon_map()))
    page.wait_for_selector("canvas.chengyu-packed")
    page.wait_for_function(f"{DRAWN} === 3")
    assert page.locator(".leaflet-control-scale-line").count() >= 1
    # Leaflet is there, none of folium's jQuery/Bootstrap/awesome-markers.
    assert page.evaluate("typeof L") == "object"
    assert page.evaluate("[typeof jQuery, typeof $, typeof L.AwesomeMarkers]") == ["undefined"] * 3
    assert page.locator("script[src], link[rel=stylesheet]").count() == 0
    assert_clean()
    # Tiles are the only thing that tried the network (offline they just stay blank).
    assert page.blocked_requests, "expected the tile layer to try (and fail) to fetch tiles"


def test_tooltip_shows_on_hover(load_html: Any, assert_clean: Any) -> None:
    page = load_html(render_html(polygon_map()))
    _ready(page)
    for index, name in enumerate(NAMES):
        page.mouse.move(*_screen(page, *_centre(index)))
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for()
        assert name in tooltip.inner_text()
        assert "District" in tooltip.inner_text()
    assert_clean()


def test_layer_control_toggles_layer(load_html: Any, assert_clean: Any) -> None:
    page = load_html(render_html(polygon_map()))
    box = page.locator(".leaflet-control-layers-overlays input[type=checkbox]")
    assert box.count() == 1 and box.is_checked()
    assert "Districts" in page.locator(".leaflet-control-layers-overlays").inner_text()
    page.wait_for_function(f"{DRAWN} === 3 && {PAINTED} > 0")
    box.uncheck()
    page.wait_for_function(f"{PAINTED} === 0")  # the canvas is gone or blank
    assert _drawn(page) == 0
    box.check()
    page.wait_for_function(f"{DRAWN} === 3 && {PAINTED} > 0")
    assert_clean()


def test_collapsed_layer_control_icon_is_inline(load_html: Any, assert_clean: Any) -> None:
    page = load_html(render_html(polygon_map(collapsed=True)))
    toggle = page.locator("a.leaflet-control-layers-toggle")
    image = toggle.evaluate("el => getComputedStyle(el).backgroundImage")
    assert image.startswith('url("data:image/png;base64,')
    # The data URI decodes to a real image of layers.png's size (26x26).
    size = page.evaluate(
        """src => new Promise(ok => { const i = new Image(); i.onload = () => ok([i.width, i.height]);
                                       i.onerror = () => ok(null); i.src = src; })""",
        image[5:-2],
    )
    assert size == [26, 26]
    box = toggle.bounding_box()
    # Expanding replaces the icon under the pointer, so move the mouse rather
    # than use hover(), which retries until the (now hidden) icon is hoverable.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".leaflet-control-layers-expanded").wait_for()
    assert_clean()


def test_fullscreen_control_enters_and_leaves(load_html: Any, assert_clean: Any) -> None:
    from playwright.sync_api import expect

    page = load_html(render_html(polygon_map()))
    button = page.locator("a.chengyu-fullscreen-button")
    expect(button).to_have_attribute("title", "Full screen")
    assert page.evaluate("document.fullscreenEnabled") is True
    button.click()
    page.wait_for_function("document.fullscreenElement === document.querySelector('.folium-map')")
    # The button follows the fullscreenchange event, which fires a frame later.
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_have_attribute("title", "Exit full screen")
    button.click()
    page.wait_for_function("document.fullscreenElement === null")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_have_attribute("title", "Full screen")
    assert_clean()


def test_plain_folium_save_fails_offline(page: Any, tmp_path: Any) -> None:
    """Baseline: folium's own page needs CDNs, so offline Leaflet never loads."""
    path = tmp_path / "plain.html"
    polygon_map().save(str(path))
    page.goto(path.as_uri(), wait_until="load")
    assert any("L is not defined" in error for error in page.page_errors), page.page_errors
    assert page.locator("canvas.chengyu-packed, .leaflet-container").count() == 0
    assert any("leaflet.js" in url for url in page.blocked_requests)
    assert any("jquery" in url for url in page.blocked_requests)


def test_default_marker_icon_is_inline(load_html: Any, assert_clean: Any) -> None:
    m = folium.Map(location=[29.9, 105.2], zoom_start=5, tiles=None)
    folium.Marker([29.9, 105.2]).add_to(m)
    page = load_html(render_html(m))
    icon = page.locator("img.leaflet-marker-icon")
    assert icon.count() == 1
    assert icon.get_attribute("src").startswith("data:image/png;base64,")
    page.wait_for_function("document.querySelector('img.leaflet-marker-icon').complete")
    assert icon.evaluate("img => img.naturalWidth") == 25
    shadow = page.locator("img.leaflet-marker-shadow")
    assert shadow.get_attribute("src").startswith("data:image/png;base64,")
    assert_clean()


# --- user data shown literally ----------------------------------------------


def _payload_map() -> folium.Map:
    """Payload strings in a packed layer's tooltips (html_table), popups (escape_html) and name."""
    everything = " | ".join(PAYLOADS)
    m = folium.Map(location=[29.9, 105.2], zoom_start=6, tiles=None)
    PackedLayer(
        _squares(3), name=PAYLOADS[6] + " " + PAYLOADS[0],
        tips=[html_table({"Name": payload, "Note": everything}) for payload in PAYLOADS[:3]],
        popups=[f"<p>{escape_html(payload)}</p><p>{escape_html(everything)}</p>" for payload in PAYLOADS[:3]],
    ).add_to(m)
    # a second layer whose popups show the tooltips' tables (popups=True)
    PackedLayer(_squares(3, lat=28.0), name="tables",
                tips=[html_table({"Name": payload, "Note": everything}) for payload in PAYLOADS[:3]]).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def _assert_literal(text: str, payload: str) -> None:
    assert payload in text, (payload, text)
    assert "49" not in text


def test_user_data_is_shown_literally(load_html: Any, assert_clean: Any) -> None:
    page = load_html(render_html(_payload_map()))
    page.wait_for_function(f"{DRAWN} === 6")
    _ready(page)
    _assert_literal(page.locator(".leaflet-control-layers-overlays").inner_text(), PAYLOADS[6] + " " + PAYLOADS[0])
    everything = " | ".join(PAYLOADS)
    for index in range(6):
        payload = PAYLOADS[index % 3]
        x, y = _screen(page, *_centre(index % 3, lat=29.5 if index < 3 else 28.0))
        page.mouse.move(x, y)
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for()
        _assert_literal(tooltip.inner_text(), payload)
        _assert_literal(tooltip.inner_text(), everything)
        page.mouse.click(x, y)
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        _assert_literal(popup.inner_text(), payload)
        _assert_literal(popup.inner_text(), everything)
        assert page.locator(".leaflet-popup-content img, .leaflet-popup-content script, "
                            ".leaflet-tooltip img, .leaflet-tooltip script, .leaflet-tooltip a, "
                            ".leaflet-control-layers img").count() == 0
        page.locator(".leaflet-popup-close-button").click()
        page.mouse.move(5, 5)
        # Leaflet fades closed popups/tooltips out for 200 ms before removing them.
        page.locator(".leaflet-popup").wait_for(state="detached")
        page.locator(".leaflet-tooltip").wait_for(state="detached")
    assert page.dialogs == []
    assert_clean(allow_blocked=None)


def test_unescaped_folium_tooltip_runs_markup(load_html: Any) -> None:
    """Negative control: folium's GeoJsonTooltip puts data into innerHTML (why the maps don't use it)."""
    m = folium.Map(location=[29.9, 105.2], zoom_start=6, tiles=None)
    folium.GeoJson(_collection([PAYLOADS[0]]), tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    page = load_html(render_html(m))
    page.locator("path.leaflet-interactive").first.hover()
    page.wait_for_function("document.querySelector('.leaflet-tooltip img') !== null")
    page.wait_for_timeout(200)  # let the broken <img> fire onerror
    assert page.dialogs == ["alert: 1"]
