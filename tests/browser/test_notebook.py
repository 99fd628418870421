"""16.5: a map displayed in a notebook is the self-contained page, and draws with no network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chengyu.maps import economic_circle_map, science_city_map
from chengyu.maps.notebook import AtlasMap

pytestmark = pytest.mark.browser


def notebook_cell(html: str) -> str:
    """An output cell as a notebook page holds it: the map's HTML among the page's own."""
    return f"<!DOCTYPE html><html><body><h1>Out[1]:</h1><div class='output_html'>{html}</div></body></html>"


@pytest.mark.parametrize(("make", "units"), [(science_city_map, 38), (economic_circle_map, 226)])
def test_the_notebook_display_draws_offline(load_html: Any, assert_clean: Any, tmp_path: Path, make: Any,
                                            units: int) -> None:
    m = make()
    assert isinstance(m, AtlasMap)
    shown = m._repr_html_()
    assert "cdn.jsdelivr.net" not in shown and "code.jquery.com" not in shown  # nothing to fetch
    page = load_html(notebook_cell(shown))
    frame = page.frame_locator("iframe").first
    frame.locator("canvas.chengyu-packed").wait_for()
    inner = next(f for f in page.frames if f != page.main_frame)
    inner.wait_for_function("window.L && L.ChengyuPacked && L.ChengyuPacked.drawnFeatures() > 0")
    assert inner.evaluate("L.ChengyuPacked.layersOf(map_1).reduce((n, l) => n + l.count, 0)") == units
    assert frame.locator(".chengyu-panel").first.is_visible()
    assert_clean()


def test_hostile_text_stays_text_in_the_notebook_display(load_html: Any, tmp_path: Path) -> None:
    from chengyu.geo.plan import parse_plan
    from chengyu.shapes import PLAN_PATH

    text = PLAN_PATH.read_text(encoding="utf-8").replace(
        'name_en = "Western (Chongqing) Science City"', 'name_en = "</iframe><script>alert(1)</script> {{ 7*7 }}"')
    page = load_html(notebook_cell(science_city_map(parse_plan(text, "hostile.toml"))._repr_html_()))
    panel = page.frame_locator("iframe").first.locator(".chengyu-panel").first
    panel.wait_for()
    assert "</iframe><script>alert(1)</script> {{ 7*7 }}" in panel.inner_text()
    assert page.dialogs == [] and page.locator("iframe").count() == 1
