"""Users' layers on the maps, in headless Chromium with the network blocked."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chengyu.cli.main import main

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[1] / "data"
HOSTILE_VALUES = json.loads((DATA / "hostile.geojson").read_text(encoding="utf-8"))["features"]
DISTRICTS = 38  # the Science City map's own polygons, in its first two packed layers
PACKED = "L.ChengyuPacked.layersOf(map_1).slice(2)"  # the users' layers, drawn over the districts
COUNTED = "L.ChengyuPacked.layersOf(map_1).slice(0, 2).reduce((n, l) => n + l.count, 0)"


def _build(tmp_path: Path, *args: Any) -> Path:
    target = tmp_path / "map.html"
    assert main(["map", "science-city", *map(str, args), "-o", str(target)]) == 0
    return target


def test_hostile_attributes_render_as_text(load_html: Any, assert_clean: Any, tmp_path: Path) -> None:
    page = load_html(_build(tmp_path, "--layer", DATA / "hostile.geojson", "--label", "<b>name</b>"))
    # the districts and the user's points are drawn on the map's one canvas
    assert page.evaluate(COUNTED) == DISTRICTS
    assert page.locator("canvas.chengyu-packed").count() == 1
    page.evaluate(f"Promise.all({PACKED}.map(l => l.tipsReady)).then(() => null)")
    # points ~1 km apart: separate them, left of the panel (under the language toggle, top right)
    page.evaluate("void map_1.setView([29.6, 106.35], 13, {animate: false})")
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
    assert "hostile: covered area" in panel
    # the table's headers are the output fields' labels (geo.fields), as in `chengyu area`
    assert page.locator("table.chengyu-cover th").all_inner_texts()[:3] == ["", "count", "per km²"]
    assert_clean()  # no dialog, no page or console error


def test_layers_toggle_and_report_what_they_drew(load_html: Any, assert_clean: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(106.25, 106.45, 600), rng.uniform(29.45, 29.75, 600)
    csv = tmp_path / "many.csv"
    points = enumerate(zip(lon, lat, strict=True))
    csv.write_text("lon,lat,n\n" + "".join(f"{x:.6f},{y:.6f},{i}\n" for i, (x, y) in points))
    page = load_html(_build(tmp_path, "--layer", csv, "--layer", DATA / "parks.geojson", "--label", "name"))
    page.evaluate(f"Promise.all({PACKED}.map(l => l.tipsReady)).then(() => null)")
    assert sorted(page.evaluate(f"{PACKED}.map(l => [l.meta.kind, l.count, l.drawn])")) == [
        ["point", 600, 600], ["polygon", 4, 4]]  # parks.geojson: 4 parks
    page.locator(".leaflet-control-layers").hover()
    box = page.locator(".leaflet-control-layers-overlays label", has_text="parks").locator("input")
    box.uncheck()
    assert page.evaluate(f"{PACKED}.map(l => l.meta.kind)") == ["point"]
    box.check()
    assert sorted(page.evaluate(f"{PACKED}.map(l => l.meta.kind)")) == ["point", "polygon"]
    assert page.evaluate(COUNTED) == DISTRICTS
    assert_clean()


# The point a user looks for, with values that must show as text; it shares its spot with two more,
# so no zoom separates them: the tooltip and the popup list all three.
TARGET = {"name": "target <img src=x onerror=alert(1)>", "kind": "{{ 7*7 }} ${x} `t` \"q\" 'a'"}


def _crowded_csv(tmp_path: Path, n: int = 300) -> tuple[Path, tuple[float, float]]:
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
    return path, (float(lon[0]), float(lat[0]))


def test_points_on_one_spot_all_show_in_the_tooltip_and_popup(load_html: Any, assert_clean: Any,
                                                              tmp_path: Path) -> None:
    path, (lon, lat) = _crowded_csv(tmp_path)
    page = load_html(_build(tmp_path, "--layer", path, "--label", "name"))
    page.evaluate(f"Promise.all({PACKED}.map(l => l.tipsReady)).then(() => null)")
    page.evaluate(f"void map_1.setView([{lat}, {lon}], 15, {{animate: false}})")
    x, y = page.evaluate("""([lat, lon]) => {
        const p = map_1.latLngToContainerPoint([lat, lon]);
        const r = map_1.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [lat, lon])
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
        assert "point 1" in text and "point 2" in text and "49" not in text, (where, text)
    assert page.locator(".leaflet-tooltip img, .leaflet-popup img, .leaflet-tooltip script, "
                        ".leaflet-popup script").count() == 0
    assert_clean()  # no page error, console error or dialog, during any of it
