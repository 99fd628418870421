"""Coverage of zones by a layer: real values, borders counted once, conservation on random layers."""

from unittest import mock

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod

from chengyu.geo import coverage
from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import (
    MAX_SEGMENT_DEG,
    TABLE_COLUMNS,
    Coverage,
    _assign_points,
    _dissolve,
    _GeographicZones,
    _tile_span,
    _union_halves,
    _union_rows,
    covered_area,
)
from chengyu.geo.zones import zones

GEOD = Geod(ellps="GRS80")
SHAPINGBA, BEIBEI, JIULONGPO, JIANGJIN, BISHAN = range(5)  # rows of zones("science-city")


@pytest.fixture(scope="module")
def sc():
    return zones("science-city")


@pytest.fixture(scope="module")
def circle():
    return zones("economic-circle")


@pytest.fixture(scope="module")
def districts():
    return zones("districts")


def layer(*geoms, crs=4490):
    return gpd.GeoDataFrame(geometry=list(geoms), crs=crs)


def albers(geom):
    return gpd.GeoSeries([geom], crs=4490).to_crs(ALBERS_CHINA).iloc[0]


def geodesic_m(line):
    """Geodesic length of a lon/lat line densified like covered_area does."""
    if line.length == 0:  # GEOS cannot segmentize a line whose points are all equal
        return 0.0
    xy = shapely.get_coordinates(shapely.segmentize(line, MAX_SEGMENT_DEG))
    return float(np.abs(GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2]).sum())


def zone_geom(zs, i):
    return zs.table.geometry.iloc[i]


def assert_conserved(cov: Coverage, rel=1e-6):
    t, out, whole = cov.table, cov.outside, cov.layer_totals
    area = t["covered_km2"].sum() + out["covered_km2"]
    assert area == pytest.approx(whole["area_km2"], rel=rel, abs=1e-9)
    length = t["length_km"].sum() + out["length_km"]
    assert length == pytest.approx(whole["length_km"], rel=rel, abs=1e-9)
    assert int(t["count"].sum()) + out["count"] == whole["count"]
    assert cov.total["covered_km2"] == pytest.approx(t["covered_km2"].sum(), rel=1e-12, abs=1e-12)
    assert cov.total["count"] == t["count"].sum()


# ---- shape of the result


def test_empty_layer_gives_zeros_with_every_column(sc):
    cov = covered_area(gpd.GeoDataFrame(geometry=[], crs=4490), sc)
    assert list(cov.table.columns) == TABLE_COLUMNS
    assert list(cov.table["code"]) == list(sc.table["code"])
    assert (cov.table[["covered_km2", "covered_pct", "length_km", "per_km2"]] == 0.0).all().all()
    assert (cov.table["count"] == 0).all() and cov.table["count"].dtype == np.int64
    assert cov.table["covered_km2"].dtype == np.float64
    assert cov.table["area_km2"].tolist() == sc.table["area_km2"].tolist()
    assert cov.outside == {"covered_km2": 0.0, "length_km": 0.0, "count": 0}
    assert cov.layer_totals == {"area_km2": 0.0, "length_km": 0.0, "count": 0}
    assert cov.total["area_km2"] == pytest.approx(sc.total["area_km2"])
    assert cov.total["covered_km2"] == 0.0 and cov.total["count"] == 0
    assert cov.kinds == ()


def test_null_and_empty_geometries_are_ignored(sc):
    cov = covered_area(layer(None, shapely.Point(), shapely.Polygon(), shapely.LineString()), sc)
    assert cov.layer_totals == {"area_km2": 0.0, "length_km": 0.0, "count": 0}


def test_a_layer_needs_a_crs(sc):
    with pytest.raises(ValueError, match="no CRS"):
        covered_area(gpd.GeoDataFrame(geometry=[shapely.Point(106.4, 29.6)]), sc)


# ---- polygons


def test_shapingba_covers_all_of_shapingba_and_nothing_else(sc):
    cov = covered_area(layer(zone_geom(sc, SHAPINGBA)), sc)
    row = cov.table.iloc[SHAPINGBA]
    assert row["covered_km2"] == pytest.approx(396.9, abs=0.05)
    assert row["covered_km2"] == pytest.approx(row["area_km2"], rel=1e-9)
    assert row["covered_pct"] == pytest.approx(100.0, rel=1e-9)
    others = cov.table.drop(index=SHAPINGBA)
    assert others["covered_km2"].abs().max() < 1e-6
    assert cov.outside["covered_km2"] < 1e-6
    assert cov.layer_totals["area_km2"] == pytest.approx(396.86, abs=0.01)
    assert cov.kinds == ("polygon",)
    assert cov.total["covered_pct"] == pytest.approx(396.86 / 5709.3 * 100, rel=1e-4)


def test_the_five_host_districts_cover_the_science_city_hosts_entirely(sc):
    cov = covered_area(layer(*sc.table.geometry), sc)
    assert cov.table["covered_pct"].to_numpy() == pytest.approx(np.full(5, 100.0), rel=1e-9)
    assert cov.total["covered_km2"] == pytest.approx(5709.3, abs=0.05)
    assert cov.outside["covered_km2"] == pytest.approx(0.0, abs=1e-6)
    assert_conserved(cov)


def test_a_box_across_a_border_splits_as_an_independent_overlay_says(sc):
    # A 0.1° box centred on a vertex of the Shapingba–Jiulongpo border.
    border = shapely.intersection(zone_geom(sc, SHAPINGBA).boundary, zone_geom(sc, JIULONGPO).boundary)
    x, y = shapely.get_coordinates(border)[len(shapely.get_coordinates(border)) // 2]
    box = shapely.box(x - 0.05, y - 0.05, x + 0.05, y + 0.05)
    cov = covered_area(layer(box), sc)
    box_a = albers(box)
    for i in range(5):
        expected = shapely.intersection(box_a, albers(zone_geom(sc, i))).area / 1e6
        assert cov.table["covered_km2"].iloc[i] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # Both sides get a real share; a 0.1° box here is about 9.7 km × 11.1 km.
    assert cov.table["covered_km2"].iloc[SHAPINGBA] > 5 and cov.table["covered_km2"].iloc[JIULONGPO] > 5
    assert cov.layer_totals["area_km2"] == pytest.approx(107.4, abs=0.2)
    assert_conserved(cov)


def test_a_box_half_inside_shapingba_and_half_outside_the_hosts(sc):
    # A 0.1° box centred on Shapingba's eastern border (with Jiangbei and Yuzhong, not hosts).
    hosts = shapely.union_all(sc.table.geometry.array)
    outer = shapely.intersection(zone_geom(sc, SHAPINGBA).boundary, hosts.boundary)
    coords = shapely.get_coordinates(outer)
    x, y = coords[len(coords) // 2]
    assert x == pytest.approx(106.458, abs=0.01) and y == pytest.approx(29.61, abs=0.01)
    box = shapely.box(x - 0.05, y - 0.05, x + 0.05, y + 0.05)
    cov = covered_area(layer(box), sc)
    box_km2 = albers(box).area / 1e6
    inside = shapely.intersection(albers(box), albers(zone_geom(sc, SHAPINGBA))).area / 1e6
    assert cov.table["covered_km2"].iloc[SHAPINGBA] == pytest.approx(inside, rel=1e-9)
    assert inside / box_km2 == pytest.approx(0.49, abs=0.01)
    assert cov.table["covered_pct"].iloc[SHAPINGBA] == pytest.approx(inside / 396.86 * 100, rel=1e-4)
    in_hosts = cov.table["covered_km2"].sum()
    assert cov.outside["covered_km2"] == pytest.approx(box_km2 - in_hosts, rel=1e-9)
    assert cov.outside["covered_km2"] / box_km2 == pytest.approx(0.505, abs=0.01)
    assert_conserved(cov)


def test_a_box_inside_a_district_is_taken_whole_with_its_true_area(sc):
    box = shapely.box(106.35, 29.62, 106.40, 29.67)  # inside Shapingba
    assert zone_geom(sc, SHAPINGBA).contains(box)
    cov = covered_area(layer(box), sc)
    geodesic = abs(GEOD.geometry_area_perimeter(shapely.segmentize(box, 0.001))[0]) / 1e6
    assert cov.table["covered_km2"].iloc[SHAPINGBA] == pytest.approx(geodesic, rel=1e-5)
    assert cov.table["covered_km2"].iloc[SHAPINGBA] == pytest.approx(26.8, abs=0.1)
    assert cov.table["covered_pct"].iloc[SHAPINGBA] == pytest.approx(26.8 / 396.86 * 100, rel=1e-2)


def test_overlapping_polygons_count_once(sc):
    a = shapely.box(106.35, 29.62, 106.40, 29.67)
    b = shapely.box(106.38, 29.65, 106.43, 29.70)
    cov = covered_area(layer(a, b, a, shapely.MultiPolygon([a, b])), sc)
    union = shapely.union(albers(a), albers(b)).area / 1e6
    assert cov.layer_totals["area_km2"] == pytest.approx(union, rel=1e-9)
    assert cov.table["covered_km2"].sum() + cov.outside["covered_km2"] == pytest.approx(union, rel=1e-9)
    assert union < 2 * albers(a).area / 1e6


def test_touching_polygons_are_not_merged_but_add_up(sc):
    a = shapely.box(106.35, 29.55, 106.40, 29.60)
    b = shapely.box(106.40, 29.55, 106.45, 29.60)
    cov = covered_area(layer(a, b), sc)
    assert cov.layer_totals["area_km2"] == pytest.approx((albers(a).area + albers(b).area) / 1e6, rel=1e-9)


def test_an_invalid_polygon_is_repaired(sc):
    bowtie = shapely.Polygon([(106.35, 29.55), (106.40, 29.60), (106.40, 29.55), (106.35, 29.60)])
    assert not bowtie.is_valid
    cov = covered_area(layer(bowtie), sc)
    expected = shapely.make_valid(albers(bowtie)).area / 1e6
    assert cov.layer_totals["area_km2"] == pytest.approx(expected, rel=1e-9)
    assert cov.layer_totals["area_km2"] > 0


def test_any_input_crs_gives_the_same_figures(sc):
    box = shapely.box(106.2, 29.4, 106.6, 29.8)
    line = shapely.LineString([(106.2, 29.6), (106.6, 29.65)])
    pts = shapely.points(np.column_stack([np.linspace(106.2, 106.6, 50), np.linspace(29.4, 29.8, 50)]))
    base = covered_area(layer(box, line, *pts), sc)
    moved = covered_area(layer(box, line, *pts).to_crs(ALBERS_CHINA), sc)
    # Reprojecting bends the straight edges slightly differently, so compare to 1e-5.
    assert moved.table["covered_km2"].to_numpy() == pytest.approx(base.table["covered_km2"].to_numpy(), rel=1e-5)
    assert moved.table["length_km"].to_numpy() == pytest.approx(base.table["length_km"].to_numpy(), rel=1e-4)
    assert moved.table["count"].tolist() == base.table["count"].tolist()


def test_dissolve_matches_a_plain_union_of_many_overlapping_boxes():
    rng = np.random.default_rng(7)
    lo = rng.uniform(0, 100, size=(3000, 2))
    size = rng.uniform(0.5, 6, size=(3000, 2))
    boxes = shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + size[:, 0], lo[:, 1] + size[:, 1])
    dissolved = _dissolve(boxes)
    assert shapely.area(dissolved).sum() == pytest.approx(shapely.union_all(boxes).area, rel=1e-12)
    # What is left has pairwise disjoint interiors.
    a, b = shapely.STRtree(dissolved).query(dissolved)
    a, b = a[a < b], b[a < b]
    assert not shapely.relate_pattern(dissolved[a], dissolved[b], "T********").any()


def test_threads_change_nothing_but_the_time(districts):
    # Enough overlapping, border-crossing squares that every threaded step really splits its work.
    rng = np.random.default_rng(11)
    n = 40_000
    x, y = rng.normal(106.45, 0.15, n), rng.normal(29.6, 0.12, n)
    half = rng.uniform(0.0002, 0.004, n)
    squares = layer(*shapely.box(x - half, y - half, x + half, y + half))
    one = covered_area(squares, districts, threads=1)
    two = covered_area(squares, districts, threads=2)
    assert (two.table.to_numpy() == one.table.to_numpy()).all()
    assert two.outside == one.outside and two.layer_totals == one.layer_totals
    assert one.table["covered_km2"].gt(0).sum() >= 3  # it did cross borders
    assert_conserved(two)


@pytest.mark.parametrize("width", [1, 2, 3, 4, 7, 8, 16])
def test_rows_unioned_two_by_two_equal_union_all(width):
    rng = np.random.default_rng(width)
    rows = 200
    fill = rng.integers(1, width + 1, rows)  # filled from the left, None after
    grid = np.full((rows, width), None, dtype=object)
    for i, k in enumerate(fill):
        lo = rng.uniform(0, 3, size=(k, 2))
        grid[i, :k] = shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + 1.5, lo[:, 1] + 1.5)
    got, want = _union_rows(grid), shapely.union_all(grid, axis=1)
    assert shapely.area(got) == pytest.approx(shapely.area(want), rel=1e-12)
    assert shapely.equals(got, want).all()


def test_dissolve_in_threads_matches_one_thread():
    rng = np.random.default_rng(3)
    lo = rng.uniform(0, 300, size=(30_000, 2))
    boxes = shapely.box(lo[:, 0], lo[:, 1], lo[:, 0] + 2.5, lo[:, 1] + 2.5)
    one, two = _dissolve(boxes, threads=1), _dissolve(boxes, threads=2)
    assert len(two) == len(one)
    assert shapely.area(two).sum() == pytest.approx(shapely.area(one).sum(), rel=1e-12)
    assert shapely.area(two).sum() == pytest.approx(shapely.union_all(boxes).area, rel=1e-9)


# ---- dense layers: the union tile by tile


def circles(rng, n, extent, r_lo, r_hi, quad_segs=8):
    """``n`` circles (polygons of 4 * quad_segs sides) of radius in [r_lo, r_hi] over a square."""
    x, y = rng.uniform(0, extent, n), rng.uniform(0, extent, n)
    return shapely.buffer(shapely.points(x, y), rng.uniform(r_lo, r_hi, n), quad_segs=quad_segs)


def assert_dissolved(dissolved, polygons, rel=1e-9):
    """``dissolved`` has pairwise disjoint interiors and the area of the union of ``polygons``."""
    assert shapely.area(dissolved).sum() == pytest.approx(shapely.union_all(polygons).area, rel=rel)
    a, b = shapely.STRtree(dissolved).query(dissolved)
    a, b = a[a < b], b[a < b]
    assert not shapely.relate_pattern(dissolved[a], dissolved[b], "T********").any()


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
    assert_dissolved(_dissolve(polys, threads, side=side * r, dense_depth=dense_depth, tiled_min=0), polys)


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
    assert_dissolved(_dissolve(boxes, side=side, dense_depth=0.0, tiled_min=0), boxes, rel=1e-12)


def test_an_interval_ending_on_a_tile_edge_does_not_reach_the_next_tile():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    first, last = _tile_span(edges, np.array([0.0, 1.0, 0.5, -1.0, 2.5]), np.array([1.0, 1.0, 2.0, 9.0, 3.0]))
    assert first.tolist() == [0, 1, 0, 0, 2]
    assert last.tolist() == [0, 1, 1, 2, 2]


@pytest.mark.parametrize("n", [10, 300, 3000])
def test_unioned_biggest_first_by_halves_equals_union_all(n):
    rng = np.random.default_rng(n)
    polys = circles(rng, n, 100.0, 1.0, 12.0)
    polys = polys[np.argsort(-shapely.area(polys))]
    got, want = _union_halves(polys), shapely.union_all(polys)
    assert got.area == pytest.approx(want.area, rel=1e-12)
    # the same shape (intersection points computed in another order may differ in the last bits)
    assert shapely.symmetric_difference(got, want).area < 1e-9 * want.area


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
    tiles = coverage._Tiles.over(projected)
    depth = tiles.depth()
    assert (depth >= coverage._DENSE_DEPTH).any() and ((depth > 0) & (depth < coverage._DENSE_DEPTH)).any()
    one = covered_area(lay, districts, threads=1)
    two = covered_area(lay, districts, threads=2)
    assert (two.table.to_numpy() == one.table.to_numpy()).all()
    assert two.outside == one.outside and two.layer_totals == one.layer_totals
    assert_conserved(two, rel=1e-9)
    # Its edges are short (under 200 m), so it is dissolved in longitude/latitude, then projected.
    assert coverage._longest_edge_m(np.asarray(polys.array)) < coverage._SHORT_EDGE_M
    union = albers(shapely.union_all(np.asarray(polys.array)))
    assert two.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-9)
    zones_a = np.asarray(districts.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    # (The tiles' edges, cut into 250 m pieces before projecting, bend a little differently from
    # the straight lines the whole union has where they cross it.)
    assert two.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=2e-8, abs=1e-9)
    with mock.patch.object(coverage, "_DENSE_DEPTH", np.inf):  # the exact overlap test everywhere
        plain = covered_area(lay, districts, threads=2)
    assert two.table["covered_km2"].to_numpy() == pytest.approx(plain.table["covered_km2"].to_numpy(),
                                                                rel=1e-9, abs=1e-9)


def test_dissolving_before_projecting_changes_the_figures_by_less_than_2e_8(districts):
    # 4,000 service areas (edges up to 200 m) overlapping around central Chongqing, dissolved in
    # longitude/latitude (the fast way) and after projecting (the way for long edges).
    rng = np.random.default_rng(11)
    n = 4_000
    x, y = rng.normal(106.5, 0.2, n), rng.normal(29.6, 0.15, n)
    centres = gpd.GeoSeries(shapely.points(x, y), crs=4490).to_crs(ALBERS_CHINA)
    lay = gpd.GeoDataFrame(geometry=centres.buffer(rng.uniform(200, 2000, n)).to_crs(4490))
    fast = covered_area(lay, districts)
    with mock.patch.object(coverage, "_SHORT_EDGE_M", 0.0):
        projected = covered_area(lay, districts)
    hit = projected.table["covered_km2"].to_numpy() > 0
    assert hit.sum() >= 5
    assert fast.table["covered_km2"].to_numpy()[hit] == pytest.approx(
        projected.table["covered_km2"].to_numpy()[hit], rel=2e-8)  # measured: 4.6e-9
    assert fast.layer_totals["area_km2"] == pytest.approx(projected.layer_totals["area_km2"], rel=2e-9)
    assert_conserved(fast, rel=1e-9)


def test_polygons_with_long_edges_are_projected_before_they_are_dissolved(sc):
    # Two boxes 40 km wide overlapping by half: their edges bend by metres in the projection, so
    # the union must be taken of the projected boxes (as an overlay in the equal-area CRS would).
    a, b = shapely.box(106.2, 29.4, 106.6, 29.8), shapely.box(106.4, 29.6, 106.8, 30.0)
    assert coverage._longest_edge_m(np.array([a, b])) > 30_000
    cov = covered_area(layer(a, b), sc)
    union = shapely.union(albers(a), albers(b))
    zones_a = np.asarray(sc.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    assert cov.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert cov.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-12)


# ---- lines


def test_a_line_across_two_districts_splits_its_length(sc):
    # From inside Bishan to inside Shapingba, along a parallel.
    line = shapely.LineString([(106.20, 29.60), (106.40, 29.60)])
    cov = covered_area(layer(line), sc)
    total = geodesic_m(line) / 1e3
    assert total == pytest.approx(19.37, abs=0.01)  # 0.2° of longitude at 29.6°N
    parts = cov.table["length_km"]
    assert parts.iloc[BISHAN] > 1 and parts.iloc[SHAPINGBA] > 1
    assert parts.iloc[BISHAN] + parts.iloc[SHAPINGBA] == pytest.approx(total, rel=1e-9)
    assert cov.layer_totals["length_km"] == pytest.approx(total, rel=1e-12)
    assert cov.outside["length_km"] == pytest.approx(0.0, abs=1e-9)
    # The split point is where the parallel crosses the border.
    cross = shapely.intersection(line, zone_geom(sc, BISHAN))
    assert parts.iloc[BISHAN] * 1e3 == pytest.approx(geodesic_m(cross), rel=1e-9)
    # Geodesic: the same as pyproj's length of the line.
    assert total * 1e3 == pytest.approx(GEOD.geometry_length(shapely.segmentize(line, 0.001)), rel=1e-9)


def test_a_line_running_over_itself_counts_every_pass(sc):
    # Bishan -> Shapingba -> back towards Bishan along the same parallel: 0.3° of travel.
    line = shapely.LineString([(106.20, 29.60), (106.40, 29.60), (106.30, 29.60)])
    cov = covered_area(layer(line), sc)
    assert cov.layer_totals["length_km"] * 1e3 == pytest.approx(geodesic_m(line), rel=1e-12)
    assert cov.layer_totals["length_km"] == pytest.approx(29.06, abs=0.01)
    assert cov.table["length_km"].sum() == pytest.approx(cov.layer_totals["length_km"], rel=1e-9)
    assert_conserved(cov, rel=1e-9)


def test_a_line_leaving_the_zones_is_counted_outside(sc):
    line = shapely.LineString([(106.40, 29.60), (107.40, 29.60)])  # Shapingba eastwards, out of the hosts
    cov = covered_area(layer(line), sc)
    assert cov.outside["length_km"] > 50
    assert_conserved(cov, rel=1e-9)


def test_a_line_along_a_shared_border_counts_once_in_the_first_zone(sc):
    border = shapely.line_merge(
        shapely.intersection(zone_geom(sc, SHAPINGBA).boundary, zone_geom(sc, JIULONGPO).boundary))
    lines = list(shapely.get_parts(border))
    cov = covered_area(layer(*lines), sc)
    expected = sum(geodesic_m(g) for g in lines) / 1e3
    assert cov.layer_totals["length_km"] == pytest.approx(expected, rel=1e-12)
    assert cov.table["length_km"].iloc[SHAPINGBA] == pytest.approx(expected, rel=1e-6)
    assert cov.table["length_km"].iloc[JIULONGPO] == pytest.approx(0.0, abs=1e-6)
    assert_conserved(cov)


def test_multilines_and_collections_are_split(sc):
    a = shapely.LineString([(106.35, 29.55), (106.40, 29.60)])
    b = shapely.LineString([(106.36, 29.55), (106.41, 29.60)])
    coll = shapely.GeometryCollection([shapely.MultiLineString([a, b]), shapely.Point(106.37, 29.57)])
    cov = covered_area(layer(coll), sc)
    assert cov.layer_totals["length_km"] * 1e3 == pytest.approx(geodesic_m(a) + geodesic_m(b), rel=1e-12)
    assert cov.layer_totals["count"] == 1
    assert cov.kinds == ("point", "line")


# ---- points


def test_points_on_a_grid_are_counted_and_per_km2_is_the_density(sc):
    step = 0.01
    xs, ys = np.meshgrid(np.arange(105.8, 106.7, step) + step / 3, np.arange(28.5, 30.1, step) + step / 3)
    pts = shapely.points(xs.ravel(), ys.ravel())
    cov = covered_area(layer(*pts), sc)
    for i in range(5):
        expected = int(shapely.covers(zone_geom(sc, i), pts).sum())
        assert cov.table["count"].iloc[i] == expected
    # One point per 0.01° cell (about 0.968 km × 1.109 km at 29.5°N, 1.07 km²).
    row = cov.table.iloc[SHAPINGBA]
    assert row["per_km2"] == row["count"] / row["area_km2"]
    assert row["per_km2"] == pytest.approx(1 / 1.07, rel=0.05)
    assert_conserved(cov)
    assert cov.layer_totals["count"] == len(pts)


def test_points_on_shared_border_vertices_count_once_in_the_first_zone(sc):
    border = shapely.intersection(zone_geom(sc, SHAPINGBA).boundary, zone_geom(sc, JIULONGPO).boundary)
    vertices = shapely.points(shapely.get_coordinates(border))
    assert len(vertices) > 10
    cov = covered_area(layer(*vertices), sc)
    assert cov.table["count"].iloc[SHAPINGBA] == len(vertices)  # Shapingba comes first
    assert cov.table["count"].drop(index=SHAPINGBA).sum() == 0
    assert cov.outside["count"] == 0


def test_multipoints_count_each_point(sc):
    mp = shapely.MultiPoint([(106.36, 29.63), (106.37, 29.64), (110.0, 20.0)])
    cov = covered_area(layer(mp), sc)
    assert cov.table["count"].iloc[SHAPINGBA] == 2 and cov.outside["count"] == 1


def test_bulk_point_classification_agrees_with_a_plain_point_in_polygon(districts):
    # Clustered and spread points, and many exactly on vertices shared by districts.
    rng = np.random.default_rng(3)
    n = 120_000
    x = np.r_[rng.normal(106.5, 0.4, n // 2), rng.uniform(97, 111, n // 2)]
    y = np.r_[rng.normal(29.6, 0.3, n // 2), rng.uniform(25, 35, n // 2)]
    verts = shapely.get_coordinates(districts.table.geometry.array)
    pick = rng.choice(len(verts), 5000, replace=False)
    x, y = np.r_[x, verts[pick, 0]], np.r_[y, verts[pick, 1]]
    geoms = np.asarray(districts.table.geometry.array)
    got = _assign_points(x, y, _GeographicZones(geoms))
    # Reference: every zone that covers the point, the first one wins.
    pi, zi = shapely.STRtree(geoms).query(shapely.points(x, y), predicate="intersects")
    expected = np.full(len(x), -1)
    first = np.full(len(x), len(geoms))
    np.minimum.at(first, pi, zi)
    expected[first < len(geoms)] = first[first < len(geoms)]
    assert np.array_equal(got, expected)
    assert (got[-5000:] >= 0).all()  # every vertex of a district lies in a district


def test_progress_goes_from_zero_to_total(sc):
    calls = []
    covered_area(layer(shapely.box(106.2, 29.4, 106.6, 29.8), shapely.Point(106.3, 29.5)), sc,
                 progress=lambda done, total: calls.append((done, total)))
    # one chunk of points, then one unit per zone and one for the dissolve for the polygons
    assert calls[0] == (0, 1 + 5 + 1) and calls[-1] == (7, 7)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# ---- conservation on random layers


LON, LAT = (104.0, 108.0), (28.0, 31.0)


@st.composite
def random_layer(draw, border_vertices):
    lon = st.floats(*LON, allow_nan=False)
    lat = st.floats(*LAT, allow_nan=False)
    geoms = []
    # boxes and convex polygons of many sizes, some repeated and shifted so that they overlap
    for _ in range(draw(st.integers(0, 12))):
        x, y = draw(lon), draw(lat)
        w = draw(st.floats(1e-4, 1.0)) * draw(st.sampled_from([1.0, 0.1, 0.01]))
        h = draw(st.floats(1e-4, 1.0)) * draw(st.sampled_from([1.0, 0.1, 0.01]))
        box = shapely.box(x, y, x + w, y + h)
        if draw(st.booleans()):
            box = shapely.convex_hull(shapely.MultiPoint(
                [(draw(st.floats(x, x + w)), draw(st.floats(y, y + h))) for _ in range(6)]))
        geoms.append(box)
        for _ in range(draw(st.integers(0, 2))):
            geoms.append(shapely.affinity.translate(box, w * draw(st.floats(-0.9, 0.9)),
                                                    h * draw(st.floats(-0.9, 0.9))))
    # lines: random, and runs of consecutive border vertices (lines lying on a border)
    for _ in range(draw(st.integers(0, 6))):
        n = draw(st.integers(2, 5))
        geoms.append(shapely.LineString([(draw(lon), draw(lat)) for _ in range(n)]))
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(border_vertices) - 6))
        geoms.append(shapely.LineString(border_vertices[i:i + draw(st.integers(2, 6))]))
    # points: random, and exactly on border vertices
    for _ in range(draw(st.integers(0, 30))):
        geoms.append(shapely.Point(draw(lon), draw(lat)))
    for _ in range(draw(st.integers(0, 10))):
        geoms.append(shapely.Point(border_vertices[draw(st.integers(0, len(border_vertices) - 1))]))
    return layer(*geoms)


def _check_conservation(zs, lay):
    cov = covered_area(lay, zs)
    assert_conserved(cov)
    geoms = np.asarray(lay.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms) if len(geoms) else np.empty(0, int)
    polys = geoms[types == 3]
    lines = geoms[types == 1]
    # The layer's own totals, computed plainly.
    projected = np.asarray(gpd.GeoSeries(polys, crs=4490).to_crs(ALBERS_CHINA).array)
    union = shapely.union_all(shapely.make_valid(projected))
    assert cov.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-9, abs=1e-12)
    assert cov.layer_totals["length_km"] * 1e3 == pytest.approx(sum(geodesic_m(g) for g in lines),
                                                                rel=1e-12, abs=1e-9)
    assert cov.layer_totals["count"] == int((types == 0).sum())
    # Areas inside zones agree with an independent overlay of the union.
    zones_a = np.asarray(zs.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    assert cov.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=1e-6, abs=1e-9)


def _border_vertices(zs):
    g = np.asarray(zs.table.geometry.array)
    inner = shapely.intersection(g[0].boundary, shapely.union_all(g[1:]).boundary)
    return [tuple(c) for c in shapely.get_coordinates(inner)]


_SC = zones("science-city")
_CIRCLE = zones("economic-circle")
_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(random_layer(_border_vertices(_SC)))
def test_conservation_science_city(lay):
    _check_conservation(_SC, lay)


@_SETTINGS
@given(random_layer(_border_vertices(_CIRCLE)))
def test_conservation_economic_circle(lay):
    _check_conservation(_CIRCLE, lay)


@st.composite
def overlapping_buffers(draw):
    """Up to 60 circles of up to 5 km radius crowded around a point near the Science City's borders."""
    n = draw(st.integers(1, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    lon, lat = draw(st.floats(106.2, 106.7)), draw(st.floats(29.3, 29.9))
    spread = draw(st.sampled_from([0.005, 0.02, 0.1]))
    rng = np.random.default_rng(seed)
    x, y = rng.normal(lon, spread, n), rng.normal(lat, spread, n)
    centres = gpd.GeoSeries(shapely.points(x, y), crs=4490).to_crs(ALBERS_CHINA)
    circles = centres.buffer(rng.uniform(50, 5000, n), quad_segs=draw(st.sampled_from([2, 8, 16])))
    return gpd.GeoDataFrame(geometry=circles.to_crs(4490))


@_SETTINGS
@given(overlapping_buffers(), st.sampled_from([0.0, 1.0, 2.0]))
def test_conservation_of_dense_buffers_cut_by_tiles(lay, dense_depth):
    # Tiles a few hundred metres across and no minimum size: most circles are cut, and the tiles
    # are dense, sparse or both. Inside + outside = the layer's own figure = the plain union's.
    with mock.patch.object(coverage, "_TILED_MIN", 0), mock.patch.object(coverage, "_TILE_POLYGONS", 2), \
            mock.patch.object(coverage, "_TILE_WIDTHS", 0.3), mock.patch.object(coverage, "_DENSE_DEPTH", dense_depth):
        _check_conservation(_SC, lay)
