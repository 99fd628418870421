"""Covered area: real values against independent overlays, overlaps counted once, repairs, projecting."""

from unittest import mock

import geopandas as gpd
import numpy as np
import pytest
import shapely

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import covered_area
from chengyu.geo.coverage.polygons import longest_edge_m
from tests.coverage.helpers import GEOD, JIULONGPO, SHAPINGBA, albers, assert_conserved, layer, zone_geom


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


def test_dissolving_before_projecting_changes_the_figures_by_less_than_2e_8(districts):
    # 4,000 service areas (edges up to 200 m) overlapping around central Chongqing, dissolved in
    # longitude/latitude (the fast way) and after projecting (the way for long edges).
    rng = np.random.default_rng(11)
    n = 4_000
    x, y = rng.normal(106.5, 0.2, n), rng.normal(29.6, 0.15, n)
    centres = gpd.GeoSeries(shapely.points(x, y), crs=4490).to_crs(ALBERS_CHINA)
    lay = gpd.GeoDataFrame(geometry=centres.buffer(rng.uniform(200, 2000, n)).to_crs(4490))
    fast = covered_area(lay, districts)
    with mock.patch("chengyu.geo.coverage.polygons.SHORT_EDGE_M", 0.0):
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
    assert longest_edge_m(np.array([a, b])) > 30_000
    cov = covered_area(layer(a, b), sc)
    union = shapely.union(albers(a), albers(b))
    zones_a = np.asarray(sc.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    assert cov.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert cov.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-12)

