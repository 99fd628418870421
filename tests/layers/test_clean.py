"""geo.layers.clean: collections exploded by kind, invalid polygons repaired or dropped, counted."""

from __future__ import annotations

import json

import geopandas as gpd
import geopandas.testing
import numpy as np
import shapely

from chengyu.geo.layers import read_layer
from tests.layers.samples import BAD, DATA, check_output


def test_many_bowties_are_found_and_repaired_alike_in_one_thread_or_several(tmp_path):
    # Enough polygons that the validity check really splits over threads (geo.threads.MIN_CHUNK).
    rng = np.random.default_rng(5)
    x, y = rng.uniform(106.0, 106.8, 30_000), rng.uniform(29.2, 29.9, 30_000)
    d = 0.001
    rings = np.stack([np.c_[x, y], np.c_[x + d, y + d], np.c_[x + d, y], np.c_[x, y + d], np.c_[x, y]], axis=1)
    geoms = shapely.polygons(rings)  # every third one a bow-tie (self-intersecting), the rest squares
    square = np.stack([np.c_[x, y], np.c_[x + d, y], np.c_[x + d, y + d], np.c_[x, y + d], np.c_[x, y]], axis=1)
    geoms[1::3] = shapely.polygons(square[1::3])
    geoms[2::3] = shapely.polygons(square[2::3])
    path = tmp_path / "bowties.parquet"
    gpd.GeoDataFrame({"n": np.arange(len(geoms))}, geometry=geoms, crs=4490).to_parquet(path)
    one, all_cores = read_layer(path, threads=1), read_layer(path)
    assert one.report.repaired == all_cores.report.repaired == 10_000
    assert shapely.equals_exact(one.gdf.geometry.array, all_cores.gdf.geometry.array, 0).all()


def test_geometry_collections_exploded_by_kind(tmp_path):
    gc = {"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [106.30, 29.60]},
        {"type": "Polygon", "coordinates": [[[106.3, 29.6], [106.31, 29.6], [106.31, 29.61], [106.3, 29.6]]]},
        {"type": "LineString", "coordinates": [[106.3, 29.6], [106.4, 29.7]]},
        {"type": "MultiPolygon", "coordinates": [[[[106.4, 29.6], [106.41, 29.6], [106.41, 29.61], [106.4, 29.6]]]]},
        {"type": "Point", "coordinates": [106.31, 29.61]},
    ]}
    features = [
        {"type": "Feature", "properties": {"name": "first"},
         "geometry": {"type": "Point", "coordinates": [106.2, 29.5]}},
        {"type": "Feature", "properties": {"name": "mixed"}, "geometry": gc},
        {"type": "Feature", "properties": {"name": "last"},
         "geometry": {"type": "LineString", "coordinates": [[106.2, 29.5], [106.25, 29.55]]}},
    ]
    path = tmp_path / "gc.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    layer = read_layer(path)
    check_output(layer)
    gdf = layer.gdf
    assert gdf["name"].tolist() == ["first", "mixed", "mixed", "mixed", "last"]
    assert gdf["kind"].tolist() == ["point", "point", "line", "polygon", "line"]
    assert gdf.geom_type.tolist() == ["Point", "MultiPoint", "LineString", "MultiPolygon", "LineString"]
    assert len(gdf.geometry.iloc[3].geoms) == 2 and len(gdf.geometry.iloc[1].geoms) == 2
    assert layer.report.collections_exploded == 1
    assert layer.report.kinds == {"point": 2, "line": 2, "polygon": 1}


def test_some_polygons_beyond_repair_are_dropped_and_counted(tmp_path):
    collapsed = json.loads((BAD / "collapsed.geojson").read_text())
    good = json.loads((DATA / "parks.geojson").read_text())["features"][0]
    collapsed["features"].append(good)
    path = tmp_path / "some.geojson"
    path.write_text(json.dumps(collapsed, ensure_ascii=False), encoding="utf-8")
    layer = read_layer(path)
    assert layer.gdf["name"].tolist() == ["歌乐山森林公园"]
    assert layer.report.dropped_unrepairable == 2
    assert "dropped 2 polygons invalid beyond repair (no area left)" in layer.report.lines()
