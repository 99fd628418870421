"""The plain-geopandas way to get per-zone figures, as the benchmark's baseline.

    python benchmarks/baseline.py LAYER [--zones districts]

Reads LAYER with ``geopandas.read_file`` (GeoParquet with ``geopandas.read_parquet``: the GDAL
in the pyogrio wheels has no Parquet driver), then

One kind of geometry per layer, told by the first feature:

- polygons: ``gpd.overlay(layer, zones, how="intersection")`` in the equal-area CRS, dissolved by
  zone code, area in km²;
- points: ``gpd.sjoin(points, zones, predicate="within")`` and a count per zone code;

and prints ``{"zones": [{"code", "covered_km2", "count"}, ...], "total": {...}}`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chengyu.geo.area import ALBERS_CHINA  # noqa: E402
from chengyu.geo.zones import zones  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("layer")
    parser.add_argument("--zones", default="districts")
    args = parser.parse_args()

    path = args.layer
    layer = gpd.read_parquet(path) if path.endswith((".parquet", ".geoparquet")) else gpd.read_file(path)
    table = zones(args.zones).table[["code", "geometry"]]
    codes = table["code"].tolist()

    covered = dict.fromkeys(codes, 0.0)
    count = dict.fromkeys(codes, 0)
    # One kind per layer (as in the benchmark), told by its first geometry.
    kind = layer.geometry.iloc[0].geom_type if len(layer) else "Point"

    if kind in ("Polygon", "MultiPolygon"):
        polygons = layer
        pieces = gpd.overlay(polygons[["geometry"]].to_crs(ALBERS_CHINA), table.to_crs(ALBERS_CHINA),
                             how="intersection", keep_geom_type=True)
        dissolved = pieces.dissolve(by="code")
        for code, area in (dissolved.geometry.area / 1e6).items():
            covered[code] = float(area)
    if kind in ("Point", "MultiPoint"):
        points = layer
        joined = gpd.sjoin(points[["geometry"]], table, predicate="within", how="inner")
        for code, n in joined.groupby("code").size().items():
            count[code] = int(n)

    rows = [{"code": c, "covered_km2": covered[c], "count": count[c]} for c in codes]
    doc = {"zones": rows, "total": {"covered_km2": sum(covered.values()), "count": sum(count.values())}}
    json.dump(doc, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
