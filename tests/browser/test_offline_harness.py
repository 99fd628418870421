"""Offline maps in a real browser with every non-local request blocked."""

from __future__ import annotations

import importlib.util
from typing import Any

import folium
import pytest

from maps.controls import FullscreenControl
from maps.offline import render_html
from maps.safe import PropertyPopup, PropertyTooltip, html_table, safe_geojson

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


def polygon_map(*, collapsed: bool = False) -> folium.Map:
    """Three polygons with a tooltip, layer control, scale bar and fullscreen button."""
    m = folium.Map(location=[29.9, 105.2], zoom_start=6, control_scale=True)
    folium.GeoJson(
        safe_geojson(_collection(NAMES)),
        name="Districts",
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=["District"]),
    ).add_to(m)
    folium.LayerControl(collapsed=collapsed).add_to(m)
    FullscreenControl().add_to(m)
    return m


def _paths(page: Any) -> int:
    return page.locator("path.leaflet-interactive").count()


def test_offline_page_draws_with_network_blocked(load_html: Any, assert_clean: Any) -> None:
    page = load_html(render_html(polygon_map()))
    page.wait_for_selector("path.leaflet-interactive")
    assert _paths(page) == 3
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
    for index, name in enumerate(NAMES):
        page.locator("path.leaflet-interactive").nth(index).hover()
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
    box.uncheck()
    assert _paths(page) == 0
    box.check()
    assert _paths(page) == 3
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
    assert _paths(page) == 0
    assert any("leaflet.js" in url for url in page.blocked_requests)
    assert any("jquery" in url for url in page.blocked_requests)


@pytest.mark.skipif(
    importlib.util.find_spec("xstatic.pkg.leaflet_markercluster") is None,
    reason="XStatic-Leaflet-MarkerCluster not installed",
)
def test_registered_plugin_asset_works_offline(load_html: Any, assert_clean: Any) -> None:
    from folium.plugins import MarkerCluster

    # Keep the tile layer: markercluster needs the maxZoom it provides.
    m = folium.Map(location=[29.9, 105.2], zoom_start=5)
    cluster = MarkerCluster(name="Sites").add_to(m)
    for i in range(5):
        folium.Marker([29.5 + 0.01 * i, 104.0 + 0.01 * i]).add_to(cluster)
    folium.Marker([34.0, 111.0]).add_to(cluster)  # far enough to stay single
    page = load_html(render_html(m))
    page.wait_for_selector(".marker-cluster")
    assert page.locator(".marker-cluster").inner_text().strip() == "5"
    icon = page.locator("img.leaflet-marker-icon")
    assert icon.count() == 1
    assert icon.get_attribute("src").startswith("data:image/png;base64,")
    assert icon.evaluate("img => img.complete && img.naturalWidth") == 25
    assert_clean()


# --- user data shown literally ----------------------------------------------


def _payload_map() -> folium.Map:
    """Payload strings shown by folium's GeoJsonTooltip/Popup and by our property binders."""
    raw = _collection(PAYLOADS[:3])
    for feature, payload in zip(raw["features"], PAYLOADS[:3], strict=True):
        feature["properties"] = {"name": payload, "note": " | ".join(PAYLOADS)}
        feature["properties"]["card"] = html_table({"Name": payload, "Note": " | ".join(PAYLOADS)})
    m = folium.Map(location=[29.9, 105.2], zoom_start=6, tiles=None)
    data = safe_geojson(raw, html_fields=["card"])
    folium.GeoJson(
        data,
        name="folium detail",
        tooltip=folium.GeoJsonTooltip(fields=["name", "note"]),
        popup=folium.GeoJsonPopup(fields=["name", "note"]),
    ).add_to(m)
    shifted = safe_geojson(raw, html_fields=["card"])
    for feature in shifted["features"]:
        feature["geometry"]["coordinates"][0] = [[x, y - 1.5] for x, y in feature["geometry"]["coordinates"][0]]
    layer = folium.GeoJson(shifted, name="property html").add_to(m)
    PropertyTooltip("card").add_to(layer)
    PropertyPopup("card").add_to(layer)
    return m


def _assert_literal(text: str, payload: str) -> None:
    assert payload in text, (payload, text)
    assert "49" not in text


def test_user_data_is_shown_literally(load_html: Any, assert_clean: Any) -> None:
    page = load_html(render_html(_payload_map()))
    paths = page.locator("path.leaflet-interactive")
    assert paths.count() == 6
    everything = " | ".join(PAYLOADS)
    for index in range(6):
        payload = PAYLOADS[index % 3]
        paths.nth(index).hover()
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for()
        _assert_literal(tooltip.inner_text(), payload)
        _assert_literal(tooltip.inner_text(), everything)
        paths.nth(index).click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        _assert_literal(popup.inner_text(), payload)
        _assert_literal(popup.inner_text(), everything)
        assert page.locator(".leaflet-popup-content img, .leaflet-popup-content script, "
                            ".leaflet-tooltip img, .leaflet-tooltip script, .leaflet-tooltip a").count() == 0
        page.locator(".leaflet-popup-close-button").click()
        page.mouse.move(5, 5)
        # Leaflet fades closed popups/tooltips out for 200 ms before removing them.
        page.locator(".leaflet-popup").wait_for(state="detached")
        page.locator(".leaflet-tooltip").wait_for(state="detached")
    assert page.dialogs == []
    assert_clean(allow_blocked=None)


def test_unescaped_folium_tooltip_runs_markup(load_html: Any) -> None:
    """Negative control: without safe_geojson folium's tooltip puts data into innerHTML."""
    m = folium.Map(location=[29.9, 105.2], zoom_start=6, tiles=None)
    folium.GeoJson(_collection([PAYLOADS[0]]), tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(m)
    page = load_html(render_html(m))
    page.locator("path.leaflet-interactive").first.hover()
    page.wait_for_function("document.querySelector('.leaflet-tooltip img') !== null")
    page.wait_for_timeout(200)  # let the broken <img> fire onerror
    assert page.dialogs == ["alert: 1"]
