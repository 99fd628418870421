"""Baseline for the big-layers benchmark: a layer as a plain geopandas user puts it on a map.

``GeoDataFrame.explore()`` of the layer, saved with the same inlined Leaflet as ours
(maps.offline.render_html), so that the page draws offline.

Usage: python benchmarks/explore_layer.py LAYER.parquet OUT.html
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd

from chengyu.maps.offline import render_html


def main(layer: str, out: str) -> None:
    Path(out).write_text(render_html(gpd.read_parquet(layer).explore()), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
