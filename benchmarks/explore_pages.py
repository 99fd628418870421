"""Baseline for the map benchmarks: the two pages as a plain geopandas user makes them.

``GeoDataFrame.explore()`` of the same units our maps draw, saved with the same inlined Leaflet
(maps.offline.render_html), so both pages draw offline and carry the same library bytes.

Usage: python benchmarks/explore_pages.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from chengyu.geo import economic_circle
from chengyu.maps.offline import render_html


def pages() -> dict[str, str]:
    units = economic_circle()
    chongqing = units[units["province_code"] == "500000"]  # the 38 units of the Science City map
    return {
        "science-city.html": render_html(chongqing.explore()),
        "economic-circle.html": render_html(units.explore()),
    }


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, html in pages().items():
        (out / name).write_text(html, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
