"""The bundled maps opened as a reader would: on a phone (touch) or a laptop, network blocked.

Shared by tests/browser/test_phone.py and test_a11y.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from chengyu.geo import load_districts
from chengyu.maps.offline import write_html
from chengyu.maps.render import economic_circle_map, science_city_map

PHONE = {"width": 390, "height": 844}  # a common phone, portrait
LAPTOP = {"width": 1366, "height": 768}
MAPS = {"science-city": science_city_map, "economic-circle": economic_circle_map}

# A rectangle {left, top, right, bottom} in the map container's pixels, and its element's.
RECT_JS = """(el) => { const r = el.getBoundingClientRect(), c = map_1.getContainer().getBoundingClientRect();
    return {left: r.left - c.left, top: r.top - c.top, right: r.right - c.left, bottom: r.bottom - c.top}; }"""
# The rectangle of the bounds the page fitted the map to (maps/js/layout.js), in container pixels.
ZONES_JS = """() => { const b = L.ChengyuFit.of(map_1).bounds;
    const nw = map_1.latLngToContainerPoint(b.getNorthWest()), se = map_1.latLngToContainerPoint(b.getSouthEast());
    return {left: nw.x, top: nw.y, right: se.x, bottom: se.y}; }"""


def build_maps(folder: Path) -> dict[str, Path]:
    """The two bundled maps written as pages into ``folder``."""
    return {name: write_html(make(), folder / f"{name}.html") for name, make in MAPS.items()}


@contextmanager
def open_map(browser: Any, path: Path, viewport: dict[str, int], fragment: str = "",
             locale: str = "en-US") -> Iterator[Any]:
    """The page at ``path`` (with ``fragment``, e.g. ``#lang=zh``) in a window of ``viewport``, touch and
    mobile below 700 px wide, in a browser set to ``locale``, once it has laid itself out (the controls
    on screen, the zones fitted to what they leave free). Any uncaught error fails the test when the
    page closes."""
    touch = viewport["width"] < 700
    context = browser.new_context(viewport=viewport, is_mobile=touch, has_touch=touch, locale=locale)
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path.as_uri() + fragment)
        page.wait_for_function("window.L && L.ChengyuFit.of(map_1) && L.ChengyuFit.of(map_1).refitted")
        yield page
        assert errors == []
    finally:
        context.close()


def screen_xy(page: Any, code: str) -> tuple[float, float]:
    """Where on the screen (page pixels) a point surely inside the unit ``code`` is drawn on ``map_1``: its
    representative point (a polygon's bounding-box centre may lie in its neighbour)."""
    point = load_districts().set_index("code").loc[code, "geometry"].representative_point()
    x, y = page.evaluate("""([lat, lon]) => {
        const p = map_1.latLngToContainerPoint([lat, lon]);
        const r = map_1.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""", [point.y, point.x])
    return x, y


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether rectangles ``a`` and ``b`` share more than an edge."""
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]
