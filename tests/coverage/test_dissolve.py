"""The dissolve: the union of overlapping polygons, per group of overlapping ones or tile by tile."""

from unittest import mock

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import covered_area
from chengyu.geo.coverage.dissolve import DENSE_DEPTH, dissolve, union_rows
from chengyu.geo.coverage.polygons import SHORT_EDGE_M, longest_edge_m
from chengyu.geo.coverage.tiles import Tiles
from tests.coverage.helpers import albers, assert_conserved, assert_dissolved, circles


def test_dissolve_matches_a_plain_union_of_many_overlapping_boxes():
    rng = np.random.default_rng(7)
    lo = rng.uniform(0, 100, size=(3000, 2))
    size = rng.uniform(0.5, 6, size=(3000, 2))
    boxes = shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + size[:, 0], lo[:, 1] + size[:, 1])
    dissolved = dissolve(boxes)
    assert shapely.area(dissolved).sum() == pytest.approx(shapely.union_all(boxes).area, rel=1e-12)
    # What is left has pairwise disjoint interiors.
    a, b = shapely.STRtree(dissolved).query(dissolved)
    a, b = a[a < b], b[a < b]
    assert not shapely.relate_pattern(dissolved[a], dissolved[b], "T********").any()


@pytest.mark.parametrize("width", [1, 2, 3, 4, 7, 8, 16])
def test_rows_unioned_two_by_two_equal_union_all(width):
    rng = np.random.default_rng(width)
    rows = 200
    fill = rng.integers(1, width + 1, rows)  # filled from the left, None after
    grid = np.full((rows, width), None, dtype=object)
    for i, k in enumerate(fill):
        lo = rng.uniform(0, 3, size=(k, 2))
        grid[i, :k] = shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + 1.5, lo[:, 1] + 1.5)
    got, want = union_rows(grid), shapely.union_all(grid, axis=1)
    assert shapely.area(got) == pytest.approx(shapely.area(want), rel=1e-12)
    assert shapely.equals(got, want).all()


def test_dissolve_in_threads_matches_one_thread():
    rng = np.random.default_rng(3)
    lo = rng.uniform(0, 300, size=(30_000, 2))
    boxes = shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + 2.5, lo[:, 1] + 2.5)
    one, two = dissolve(boxes, threads=1), dissolve(boxes, threads=2)
    assert len(two) == len(one)
    assert shapely.area(two).sum() == pytest.approx(shapely.area(one).sum(), rel=1e-12)
    assert shapely.area(two).sum() == pytest.approx(shapely.union_all(boxes).area, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 150), extent=st.sampled_from([10.0, 40.0, 1e5]),
       side=st.floats(0.3, 1.5), dense_depth=st.sampled_from([0.0, 0.5, 2.0, np.inf]),
       threads=st.sampled_from([1, 2]))
def test_a_tiled_union_has_the_area_of_the_whole_union(seed, n, extent, side, dense_depth, threads):
    # Circles overlapping heavily, cut by tiles a third to one and a half circle across, so that
    # most are cut and some tiles are dense, some not (dense_depth 0: every tile; inf: none).
    rng = np.random.default_rng(seed)
    r = extent / 10
    polys = circles(rng, n, extent, r / 10, r)
    assert_dissolved(dissolve(polys, threads, side=side * r, dense_depth=dense_depth, tiled_min=0), polys)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 80), side=st.sampled_from([1.0, 2.0, 2.5]))
def test_boxes_on_the_tile_edges_are_neither_lost_nor_counted_twice(seed, n, side):
    # Edges and corners lying exactly on tile edges (integer coordinates, tiles from 0 by 1 or 2),
    # boxes touching along an edge, the same box twice.
    rng = np.random.default_rng(seed)
    lo = rng.integers(0, 8, size=(n, 2)).astype(float)
    hi = lo + rng.integers(1, 4, size=(n, 2))
    boxes = shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1])
    boxes = np.concatenate([boxes, boxes[:2], [shapely.box(0, 0, 11, 11)]])  # the last sets the grid
    assert_dissolved(dissolve(boxes, side=side, dense_depth=0.0, tiled_min=0), boxes, rel=1e-12)


def test_a_dense_layer_is_tiled_and_gives_the_figures_of_one_union(districts):
    # Circles of radius 200 m to 2 km, dense enough around the centre of Chongqing that its tiles
    # are dense, sparse at the edges: both ways, in one layer, in one and two threads.
    rng = np.random.default_rng(5)
    n = 6_000
    x, y = rng.normal(106.5, 0.25, n), rng.normal(29.6, 0.2, n)
    centres = gpd.GeoSeries(shapely.points(x, y), crs=4490).to_crs(ALBERS_CHINA)
    polys = gpd.GeoSeries(centres.buffer(rng.uniform(200, 2000, n)), crs=ALBERS_CHINA).to_crs(4490)
    lay = gpd.GeoDataFrame(geometry=polys)
    projected = np.asarray(polys.to_crs(ALBERS_CHINA).array)
    tiles = Tiles.over(projected)
    depth = tiles.depth()
    assert (depth >= DENSE_DEPTH).any() and ((depth > 0) & (depth < DENSE_DEPTH)).any()
    one = covered_area(lay, districts, threads=1)
    two = covered_area(lay, districts, threads=2)
    assert (two.table.to_numpy() == one.table.to_numpy()).all()
    assert two.outside == one.outside and two.layer_totals == one.layer_totals
    assert_conserved(two, rel=1e-9)
    # Its edges are short (under 200 m), so it is dissolved in longitude/latitude, then projected.
    assert longest_edge_m(np.asarray(polys.array)) < SHORT_EDGE_M
    union = albers(shapely.union_all(np.asarray(polys.array)))
    assert two.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-9)
    zones_a = np.asarray(districts.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    # (The tiles' edges, cut into 250 m pieces before projecting, bend a little differently from
    # the straight lines the whole union has where they cross it.)
    assert two.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=2e-8, abs=1e-9)
    with mock.patch("chengyu.geo.coverage.dissolve.DENSE_DEPTH", np.inf):  # the exact overlap test everywhere
        plain = covered_area(lay, districts, threads=2)
    # (No tiles there, so no tile edges to bend: the tiled figures differ from these as from the whole
    # union's, 9.4e-9 at most.)
    assert two.table["covered_km2"].to_numpy() == pytest.approx(plain.table["covered_km2"].to_numpy(),
                                                                rel=2e-8, abs=1e-9)

