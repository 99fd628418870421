"""Users' layers on the maps, in headless Chromium with the network blocked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from maps.cli import main

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[1] / "data"
HOSTILE_VALUES = json.loads((DATA / "hostile.geojson").read_text(encoding="utf-8"))["features"]
DISTRICT_PATHS = 38  # the Science City map's own polygons


def _build(tmp_path: Path, *args: Any) -> Path:
    target = tmp_path / "map.html"
    assert main(["map", "science-city", *map(str, args), "-o", str(target)]) == 0
    return target


def test_hostile_attributes_render_as_text(load_html: Any, assert_clean: Any, tmp_path: Path) -> None:
    page = load_html(_build(tmp_path, "--layer", DATA / "hostile.geojson", "--label", "<b>name</b>"))
    assert page.locator("path.leaflet-interactive").count() == DISTRICT_PATHS + len(HOSTILE_VALUES)
    page.evaluate("void map_1.setView([29.6, 106.335], 13, {animate: false})")  # points ~1 km apart: separate them
    for feature in HOSTILE_VALUES:
        lon, lat = feature["geometry"]["coordinates"]
        x, y = page.evaluate("""([lat, lon]) => {
            const p = map_1.latLngToContainerPoint([lat, lon]);
            const r = map_1.getContainer().getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", [lat, lon])
        page.mouse.move(x, y)
        value = feature["properties"]["plain"]
        page.wait_for_function("""value => [...document.querySelectorAll('.leaflet-tooltip')]
            .some(t => t.textContent.includes('kind_1') && t.textContent.includes(value))""", arg=value)
        tooltip = page.locator(".leaflet-tooltip", has_text="kind_1").filter(has_text=value).first
        text = tooltip.inner_text()
        for column in ["{{ col }}", "${col}", "`tick`", "\"quoted\" 'col'", "kind_1"]:
            assert column in text
        assert page.locator(".leaflet-tooltip img, .leaflet-tooltip script, .leaflet-tooltip a, "
                            ".leaflet-tooltip b").count() == 0
    assert "49" not in page.locator(".leaflet-tooltip-pane").inner_text()
    panel = page.locator("details.chengyu-legend").inner_text()
    assert "hostile: covered area" in panel and "points" in panel
    assert_clean()  # no dialog, no page or console error


def test_layers_toggle_and_many_points_cluster(load_html: Any, assert_clean: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(106.25, 106.45, 600), rng.uniform(29.45, 29.75, 600)
    csv = tmp_path / "many.csv"
    points = enumerate(zip(lon, lat, strict=True))
    csv.write_text("lon,lat,n\n" + "".join(f"{x:.6f},{y:.6f},{i}\n" for i, (x, y) in points))
    page = load_html(_build(tmp_path, "--layer", csv, "--layer", DATA / "parks.geojson", "--label", "name"))
    page.wait_for_selector(".marker-cluster")  # clustered: Leaflet.markercluster inlined, offline
    assert page.locator(".marker-cluster").count() < 600
    assert page.evaluate("typeof L.MarkerClusterGroup") == "function"
    parks = 4
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length >= {DISTRICT_PATHS + parks}")
    before = page.locator("path.leaflet-interactive").count()
    page.locator(".leaflet-control-layers").hover()
    box = page.locator(".leaflet-control-layers-overlays label", has_text="parks").locator("input")
    box.uncheck()
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length === {before - parks}")
    box.check()
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length === {before}")
    assert_clean()
