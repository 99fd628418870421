"""Users' layers on the maps, in headless Chromium with the network blocked."""

from __future__ import annotations

import csv
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


# The point a user looks for, with values that must show as text; it shares its spot with two more,
# so no zoom separates them and only spiderfying the cluster reaches it.
TARGET = {"name": "target <img src=x onerror=alert(1)>", "kind": "{{ 7*7 }} ${x} `t` \"q\" 'a'"}


def _clustered_csv(tmp_path: Path, n: int = 300) -> Path:
    """``n`` seeded points inside Shapingba (lon 106.3–106.5, lat 29.5–29.65), three on one spot."""
    rng = np.random.default_rng(12)
    lon, lat = rng.uniform(106.3, 106.5, n), rng.uniform(29.5, 29.65, n)
    lon[1:3], lat[1:3] = lon[0], lat[0]
    path = tmp_path / "pts.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        rows = csv.writer(out)
        rows.writerow(["lon", "lat", "name", "kind"])
        rows.writerow([f"{lon[0]:.6f}", f"{lat[0]:.6f}", TARGET["name"], TARGET["kind"]])
        rows.writerows([f"{x:.6f}", f"{y:.6f}", f"point {i}", "ordinary"]
                       for i, (x, y) in enumerate(zip(lon[1:], lat[1:], strict=True), start=1))
    return path


_ON_SCREEN = """el => { const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }"""
_MARKER_AT = """() => {
    const p = map_1.latLngToContainerPoint(window.probe.marker.getLatLng());
    const r = map_1.getContainer().getBoundingClientRect();
    return [r.left + p.x, r.top + p.y];
}"""


def test_clustered_points_have_tooltips_and_popups(load_html: Any, assert_clean: Any, tmp_path: Path) -> None:
    page = load_html(_build(tmp_path, "--layer", _clustered_csv(tmp_path), "--label", "name"))
    page.wait_for_selector(".marker-cluster")
    # Only public Leaflet and Leaflet.markercluster API: the cluster group is a layer of the map.
    page.evaluate("""() => {
        let group = null;
        map_1.eachLayer(layer => { if (layer instanceof L.MarkerClusterGroup) group = layer; });
        const marker = group.getLayers().find(m => m.feature.properties.tip.includes("target"));
        window.probe = {group, marker, settled: 0, spiderfied: false};
        group.on("animationend spiderfied", () => { window.probe.settled += 1; });
        group.on("spiderfied", () => { window.probe.spiderfied = true; });
    }""")

    # A cluster icon: hovering and moving over it shows no tooltip and throws nothing; a click zooms.
    icon = page.locator(".marker-cluster").first
    x, y = icon.evaluate(_ON_SCREEN)
    for dx in (0, 3, -3, 0):
        page.mouse.move(x + dx, y)
    page.wait_for_timeout(100)
    assert page.locator(".leaflet-tooltip").count() == 0
    zoom = page.evaluate("map_1.getZoom()")
    page.mouse.click(x, y)
    page.wait_for_function("window.probe.settled > 0")
    assert page.evaluate("map_1.getZoom()") > zoom
    assert page.locator(".leaflet-popup").count() == 0
    assert page.page_errors == [] and page.console_errors == []

    # Zoom in and spread the target's cluster (it is three points on one spot), then use the mouse.
    page.evaluate("new Promise(done => window.probe.group.zoomToShowLayer(window.probe.marker, done))")
    # zoomToShowLayer answers once the cluster has spread ("spiderfied": its legs have stopped moving)
    assert page.evaluate("map_1.hasLayer(window.probe.marker) && window.probe.spiderfied")
    x, y = page.evaluate(_MARKER_AT)
    page.mouse.move(x - 1, y)
    page.mouse.move(x, y)
    tooltip = page.locator(".leaflet-tooltip", has_text="target")
    tooltip.wait_for()
    shown = {"tooltip": tooltip.inner_text()}
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content", has_text="target")
    popup.wait_for()
    shown["popup"] = popup.inner_text()
    for where, text in shown.items():
        assert TARGET["name"] in text and TARGET["kind"] in text and "kind" in text, (where, text)
        assert "49" not in text and "point " not in text, (where, text)
    assert page.locator(".leaflet-tooltip img, .leaflet-popup img, .leaflet-tooltip script, "
                        ".leaflet-popup script").count() == 0
    assert_clean()  # no page error, console error or dialog, during any of it
