"""geo.coverage.dask.polygon_tiles: polygons cut into tiles that cover them all, with disjoint interiors,
so that overlaps across partitions count once."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import chengyu.geo.coverage.dask as gd
from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import covered_area
from chengyu.geo.coverage.dask.partition import PartSums
from chengyu.geo.coverage.dask.polygon_tiles import tile_boxes
from tests.coverage.dask.support import ABS_KM, assert_same, border_vertices, in_process, write

pytest.importorskip("dask_geopandas", reason="the [dask] extra is not installed")
pytest.importorskip("distributed", reason="the [dask] extra is not installed")


def test_overlaps_between_partitions_count_once(sc, threads, tmp_path):
    """The same polygon in every partition, and shifted copies: the union, not the sum."""
    x, y = border_vertices(sc)[10]
    box = shapely.box(x - 0.02, y - 0.02, x + 0.02, y + 0.02)  # across a zone border
    rows = [box, shapely.affinity.translate(box, 0.01, 0.0), box, shapely.affinity.translate(box, 0.0, 0.015)]
    path = write(gpd.GeoDataFrame(geometry=rows, crs=4490), tmp_path / "overlaps.parquet", row_groups=4)
    ref, _ = in_process(path, sc)
    run = gd.cover_layer_dask(path, sc, client=threads, npartitions=4, tiles=4)
    assert run.partitions == 4
    assert_same(run.coverage, ref)
    # The union's area, by an independent overlay; adding up each partition's own figure instead
    # would count the overlaps again (more than twice the union here).
    union = shapely.union_all(gpd.GeoSeries(rows, crs=4490).to_crs(ALBERS_CHINA).array)
    zones_a = np.asarray(sc.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    assert run.coverage.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=1e-9, abs=ABS_KM)
    assert run.coverage.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-9)
    naive = sum(covered_area(gpd.GeoDataFrame(geometry=[g], crs=4490), sc).total["covered_km2"] for g in rows)
    assert naive > 2 * run.coverage.total["covered_km2"]
    assert run.coverage.table["covered_km2"].gt(0).sum() >= 2  # across a zone border


def test_tiles_cover_every_polygon_with_disjoint_interiors():
    rng = np.random.default_rng(3)
    parts = []
    for _ in range(3):
        xy = rng.normal(0, 1000, (500, 2))
        p = PartSums(None, None, np.zeros(0), np.zeros(0), 0, 0.0, 0, 0.0, (), 500,
                     poly_bounds=(xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()),
                     sample=xy, weight=1.0)
        parts.append(p)
    boxes = tile_boxes(parts, 9)
    tiles = shapely.box(*boxes.T)
    assert len(boxes) == 9
    hull = shapely.box(*np.array([p.poly_bounds for p in parts]).min(axis=0)[:2],
                       *np.array([p.poly_bounds for p in parts]).max(axis=0)[2:])
    assert shapely.union_all(tiles).contains(hull)
    assert sum(shapely.area(tiles)) == pytest.approx(shapely.union_all(tiles).area, rel=1e-12)
    counts = pd.Series([shapely.contains_xy(t, *np.concatenate([p.sample for p in parts]).T).sum() for t in tiles])
    assert counts.min() > 0.5 * counts.mean()  # weighted quantile cuts: similar numbers per tile
