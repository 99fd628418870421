"""Map weight: our pages against ``GeoDataFrame.explore()`` of the same units.

Usage: python benchmarks/map_size.py [OUT_DIR]  (default: out, as written by ``chengyu build``)

Prints, per map, the HTML bytes and the geometry payload (the GeoJSON passed to Leaflet, i.e. the
arguments of every ``geo_json_*_add(...)`` call) of our page and of ``explore()`` of the same units
saved with the same offline renderer, so both pages carry the same inlined Leaflet.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from geo import economic_circle
from maps.offline import render_html

_ADD = re.compile(r"geo_json_\w+_add\((.*?)\);\n", re.S)


def geometry_payload(html: str) -> int:
    """Bytes of GeoJSON handed to Leaflet in a folium page."""
    return sum(len(m.group(1).encode()) for m in _ADD.finditer(html))


def explore_html(kind: str) -> str:
    """``explore()`` of the units our map draws, with its defaults (OpenStreetMap, tooltips)."""
    units = economic_circle()
    if kind == "science-city":
        units = units[units["province_code"] == "500000"]  # the same 38 units our map draws
    return render_html(units.explore())


def main(out_dir: str = "out") -> None:
    print(f"{'map':<16} {'ours bytes':>11} {'explore bytes':>14} {'ratio':>6}   "
          f"{'ours geometry':>14} {'explore geometry':>17} {'ratio':>6}")
    for kind in ("science-city", "economic-circle"):
        ours = (Path(out_dir) / f"{kind}.html").read_text(encoding="utf-8")
        base = explore_html(kind)
        ob, bb = len(ours.encode()), len(base.encode())
        og, bg = geometry_payload(ours), geometry_payload(base)
        print(f"{kind:<16} {ob:>11,} {bb:>14,} {ob / bb:>6.2f}   {og:>14,} {bg:>17,} {og / bg:>6.2f}")


if __name__ == "__main__":
    main(*sys.argv[1:])
