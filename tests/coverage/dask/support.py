"""What the dask engine's tests share: a mixed layer written in every format, and the comparison with
the in-process engine (every figure equal to 1e-9 relative, counts exactly)."""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from chengyu.geo.coverage import TABLE_COLUMNS, covered_area
from chengyu.geo.layers import read_layer

REL = 1e-9  # the promise: every figure equal to 1e-9 relative
ABS_KM = 1e-12  # ... and figures that are zero (or a sliver) to 1 mm² / 1 nm


def border_vertices(zs):
    g = np.asarray(zs.table.geometry.array)
    inner = shapely.intersection(g[0].boundary, shapely.union_all(g[1:]).boundary)
    return shapely.get_coordinates(inner)


def mixed_layer(zs, seed=7):
    """Polygons (overlapping, duplicated, across zone borders, invalid, with holes), lines and
    points (on shared border vertices too), collections, null and empty rows; shuffled, with an
    overlapping pair at the first and the last row, so that overlaps fall in different partitions."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = zs.table.total_bounds
    minx, miny, maxx, maxy = minx - 0.1, miny - 0.1, maxx + 0.1, maxy + 0.1  # some outside every zone
    verts = border_vertices(zs)
    geoms = []
    n = 150
    x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    w, h = rng.uniform(0.002, 0.06, n), rng.uniform(0.002, 0.06, n)
    boxes = list(shapely.box(x, y, x + w, y + h))
    geoms += boxes
    geoms += [shapely.affinity.translate(b, 0.01, 0.005) for b in boxes[:50]]  # overlapping
    geoms += boxes[50:60]  # exact duplicates
    pick = verts[rng.choice(len(verts), 25, replace=False)]
    geoms += list(shapely.box(pick[:, 0] - 0.01, pick[:, 1] - 0.01, pick[:, 0] + 0.012, pick[:, 1] + 0.008))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    geoms.append(shapely.box(cx - 0.15, cy - 0.2, cx + 0.15, cy + 0.2))  # big: many tiles, zones, overlaps
    geoms.append(shapely.Polygon([(cx, cy), (cx + 0.05, cy + 0.05), (cx + 0.05, cy), (cx, cy + 0.05)]))  # bowtie
    geoms.append(shapely.Polygon(shapely.box(cx + 0.2, cy, cx + 0.3, cy + 0.1).exterior.coords,
                                 [shapely.box(cx + 0.22, cy + 0.02, cx + 0.28, cy + 0.08).exterior.coords]))
    geoms.append(shapely.MultiPolygon([shapely.box(cx - 0.3, cy, cx - 0.25, cy + 0.05),
                                       shapely.box(cx - 0.27, cy + 0.02, cx - 0.2, cy + 0.07)]))  # invalid
    for _ in range(40):
        k = rng.integers(2, 6)
        geoms.append(shapely.LineString(np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])))
    for i in rng.choice(len(verts) - 6, 4, replace=False):
        geoms.append(shapely.LineString(verts[i:i + 5]))  # along a shared border
    geoms.append(shapely.LineString([(cx, cy), (cx + 0.3, cy + 0.1), (cx, cy)]))  # there and back
    geoms += list(shapely.points(rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)))
    geoms += list(shapely.points(verts[rng.choice(len(verts), 20, replace=False)]))
    geoms.append(shapely.MultiPoint(verts[:3]))
    geoms.append(shapely.GeometryCollection([shapely.box(cx, cy - 0.1, cx + 0.05, cy - 0.05),
                                             shapely.Point(cx, cy), shapely.LineString([(cx, cy), (cx + 0.1, cy)])]))
    geoms += [None, shapely.Point(), shapely.Polygon()]
    order = rng.permutation(len(geoms))
    first = shapely.box(cx - 0.05, cy - 0.05, cx + 0.05, cy + 0.05)
    rows = [first, *(geoms[i] for i in order), shapely.affinity.translate(first, 0.03, 0.02)]
    return gpd.GeoDataFrame({"id": np.arange(len(rows)), "name": [f"f{i}" for i in range(len(rows))]},
                            geometry=rows, crs=4490)


def write(gdf, path, row_groups=4):
    if path.suffix == ".parquet":
        gdf.to_parquet(path, row_group_size=math.ceil(len(gdf) / row_groups))
    elif path.suffix == ".gpkg":
        gdf.to_file(path, driver="GPKG", layer="mixed", engine="pyogrio")
    else:
        gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def assert_same(cov, ref):
    assert list(cov.table.columns) == TABLE_COLUMNS
    for col in ("code", "name_zh", "name_en"):
        assert cov.table[col].tolist() == ref.table[col].tolist()
    assert cov.table["count"].dtype == ref.table["count"].dtype
    assert cov.table["count"].tolist() == ref.table["count"].tolist()
    for col in ("area_km2", "covered_km2", "covered_pct", "length_km", "per_km2"):
        assert cov.table[col].to_numpy() == pytest.approx(ref.table[col].to_numpy(), rel=REL, abs=ABS_KM), col
    for name in ("total", "outside", "layer_totals"):
        got, want = getattr(cov, name), getattr(ref, name)
        assert set(got) == set(want)
        for key, value in want.items():
            if key == "count":
                assert got[key] == value, (name, key)
            else:
                assert got[key] == pytest.approx(value, rel=REL, abs=ABS_KM), (name, key)
    assert cov.kinds == ref.kinds


def in_process(path, zs, **kwargs):
    layer = read_layer(path, **kwargs)
    return covered_area(layer.gdf, zs), layer.report
