"""maps.packed_layer in headless Chromium, network blocked: what is drawn, hover, click, cells."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import folium
import numpy as np
import pytest
import shapely

from chengyu.maps.offline import render_html
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import escape_html, html_table

pytestmark = pytest.mark.browser

FIND = ("(() => { let found = null; map_1.eachLayer(l => { if (l instanceof L.ChengyuPacked) found = l; });"
        " return found; })()")

BOUNDS = f"{FIND}.extent()"  # what the layer draws: the view and a margin around it


def _page(load_html: Any, tmp_path: Path, layer: PackedLayer, centre: tuple[float, float], zoom: int) -> Any:
    m = folium.Map(location=[centre[1], centre[0]], zoom_start=zoom, tiles=None)
    layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    page = load_html(render_html(m))
    page.evaluate(f"{FIND}.tipsReady.then(() => null)")
    return page


def _screen(page: Any, lon: float, lat: float) -> tuple[float, float]:
    return page.evaluate("""([lat, lon]) => {
        const p = map_1.latLngToContainerPoint([lat, lon]);
        const r = map_1.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lat, lon])


def test_a_hundred_thousand_polygons_draw_and_answer_hover_and_click(load_html: Any, assert_clean: Any,
                                                                     tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    n = 100_000
    centre = rng.uniform([106.2, 29.3], [106.8, 29.9], (n, 2))
    side = rng.uniform(4e-5, 2.5e-4, n)
    boxes = shapely.box(centre[:, 0], centre[:, 1], centre[:, 0] + side, centre[:, 1] + side)
    # a known building, away from the others, with a hostile name and a courtyard (a hole)
    courtyard = [(106.9004, 29.9504), (106.9008, 29.9504), (106.9008, 29.9508), (106.9004, 29.9508)]
    boxes[7] = shapely.Polygon([(106.9, 29.95), (106.9012, 29.95), (106.9012, 29.9512), (106.9, 29.9512)], [courtyard])
    tips = [html_table([("id", i)]) for i in range(n)]
    title = escape_html("<img src=x onerror=alert(1)>")
    tips[7] = f'<div class="chengyu-popup-title">{title}</div>' + html_table([("id", 7)])
    layer = PackedLayer(boxes, name="buildings", tips=tips)
    page = _page(load_html, tmp_path, layer, (106.5, 29.6), 10)
    assert page.evaluate(f"{FIND}.count") == n
    assert page.evaluate(f"{FIND}.drawn") > 0.9 * n  # nearly all of them in view at zoom 10
    page.evaluate("void map_1.setView([29.9506, 106.9006], 17, {animate: false})")
    x, y = _screen(page, 106.9002, 29.9506)  # on the building, beside its courtyard
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert "<img src=x onerror=alert(1)>" in tooltip.inner_text()
    assert page.locator(".leaflet-tooltip img").count() == 0
    xc, yc = _screen(page, 106.9006, 29.9506)  # in the courtyard: not the building
    page.mouse.move(xc, yc)
    page.wait_for_function("!document.querySelector('.leaflet-tooltip')")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "id7" in popup.inner_text().replace("\n", "").replace("\t", "").replace(" ", "")
    # the layer control hides and shows it
    page.locator(".leaflet-control-layers-overlays input").uncheck()
    assert page.evaluate("L.ChengyuPacked.layersOf(map_1).length") == 0
    assert page.evaluate("L.ChengyuPacked.drawnFeatures()") == 0
    page.locator(".leaflet-control-layers-overlays input").check()
    assert page.evaluate("L.ChengyuPacked.layersOf(map_1).length") == 1
    assert page.evaluate("L.ChengyuPacked.drawnFeatures()") > 0
    assert_clean()


def test_a_million_points_are_drawn_as_cells_whose_counts_add_up_then_one_by_one(
        load_html: Any, assert_clean: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(17)
    n = 1_000_000
    towns = rng.uniform([105.8, 29.0], [107.2, 30.2], (200, 2))
    xy = towns[rng.integers(0, 200, n)] + rng.normal(0, 0.02, (n, 2))
    xy[123] = (107.5, 30.5)  # a known firm, alone
    layer = PackedLayer(shapely.points(xy), name="firms", tips=[f"firm {i}" for i in range(n)])
    page = _page(load_html, tmp_path, layer, (106.5, 29.6), 8)
    assert page.evaluate(f"{FIND}.count") == n
    cells = page.evaluate(f"{FIND}.cells")
    assert cells, "at zoom 8 a million points are drawn as cells"
    in_view = page.evaluate(f"{FIND}.drawn")
    assert sum(c[3] for c in cells) == in_view
    bounds = page.evaluate(BOUNDS)
    inside = ((xy[:, 0] > bounds[0]) & (xy[:, 0] < bounds[2]) & (xy[:, 1] > bounds[1]) & (xy[:, 1] < bounds[3])).sum()
    assert abs(in_view - inside) <= n * 1e-4  # the same points, but for those on the view's edge
    # closer in, between 2,000 and 20,000 points in view: each point drawn as a dot
    def in_view() -> int:
        b = page.evaluate(BOUNDS)
        return int(((xy[:, 0] > b[0]) & (xy[:, 0] < b[2]) & (xy[:, 1] > b[1]) & (xy[:, 1] < b[3])).sum())

    for zoom in range(9, 16):
        page.evaluate(f"void map_1.setView([{towns[0][1]}, {towns[0][0]}], {zoom}, {{animate: false}})")
        if 2_000 < in_view() <= 20_000:
            break
    else:
        raise AssertionError("no zoom shows between 2,000 and 20,000 points")
    assert page.evaluate(f"{FIND}.cells") is None
    assert abs(page.evaluate(f"{FIND}.drawn") - in_view()) <= 20  # but for those on the view's edge
    page.evaluate("void map_1.setView([30.5, 107.5], 15, {animate: false})")
    assert page.evaluate(f"{FIND}.cells") is None
    x, y = _screen(page, 107.5, 30.5)
    hit = page.evaluate(f"{FIND}.pickAt(map_1.mouseEventToContainerPoint({{clientX: {x}, clientY: {y}}}))")
    assert hit == {"features": [int(np.flatnonzero(layer.order == 123)[0])]}
    assert page.evaluate(f"{FIND}.drawn") == 1
    page.mouse.move(x, y)
    page.locator(".leaflet-tooltip", has_text="firm 123").wait_for()
    page.mouse.click(x, y)
    assert page.locator(".leaflet-popup-content").inner_text() == "firm 123"
    assert_clean()


def test_features_in_a_row_draw_and_answer(load_html: Any, assert_clean: Any, tmp_path: Path) -> None:
    # centres on one parallel: a grid of the features' centres has no height (it once had 1e9 cells)
    squares = shapely.box(np.array([103, 104.5, 106]), 29.5, np.array([103.8, 105.3, 106.8]), 30.3)
    layer = PackedLayer(squares, name="row", tips=["a", "b", "c"])
    page = _page(load_html, tmp_path, layer, (105, 29.9), 7)
    assert page.evaluate(f"{FIND}.drawn") == 3
    page.mouse.move(*_screen(page, 104.9, 29.9))
    page.locator(".leaflet-tooltip", has_text="b").wait_for()
    assert_clean()
