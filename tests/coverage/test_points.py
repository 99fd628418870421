"""Points: counts and densities per zone, shared borders counted once, the grid classification exact."""


import numpy as np
import pytest
import shapely

from chengyu.geo.coverage import covered_area
from chengyu.geo.coverage.points import PointClassifier
from chengyu.geo.coverage.prepare import GeographicZones
from tests.coverage.helpers import JIULONGPO, SHAPINGBA, assert_conserved, layer, zone_geom


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
    got = PointClassifier(GeographicZones(geoms)).assign(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    # Reference: every zone that covers the point, the first one wins.
    pi, zi = shapely.STRtree(geoms).query(shapely.points(x, y), predicate="intersects")
    expected = np.full(len(x), -1)
    first = np.full(len(x), len(geoms))
    np.minimum.at(first, pi, zi)
    expected[first < len(geoms)] = first[first < len(geoms)]
    assert np.array_equal(got, expected)
    assert (got[-5000:] >= 0).all()  # every vertex of a district lies in a district

