"""Conservation on random layers: inside every zone plus outside equals the layer's own plain figures."""

from unittest import mock

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import GeometryType

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import covered_area
from chengyu.geo.coverage.polygons import SHORT_EDGE_M, longest_edge_m
from chengyu.geo.zones import zones
from tests.coverage.helpers import assert_conserved, geodesic_m, layer

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
    polys = geoms[types == GeometryType.POLYGON]
    lines = geoms[types == GeometryType.LINESTRING]
    # The layer's own totals, computed plainly.
    projected = np.asarray(gpd.GeoSeries(polys, crs=4490).to_crs(ALBERS_CHINA).array)
    union = shapely.union_all(shapely.make_valid(projected))
    # Polygons whose edges are all short are dissolved before they are projected: a vertex lying on
    # another polygon's edge there (or one the dissolve adds) is off that edge by up to 1.3 mm once
    # projected (see geo.coverage), so the areas may differ by up to that much times the perimeter.
    # (Two boxes of 200 m and 10 m in one corner: 2e-7 relative; a sliver would give far more.)
    short = len(polys) > 0 and longest_edge_m(polys) <= SHORT_EDGE_M
    slack_km2 = union.length * 1.3e-3 / 1e6 if short else 0.0
    assert cov.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-9, abs=max(1e-12, slack_km2))
    assert cov.layer_totals["length_km"] * 1e3 == pytest.approx(sum(geodesic_m(g) for g in lines),
                                                                rel=1e-12, abs=1e-9)
    assert cov.layer_totals["count"] == int((types == GeometryType.POINT).sum())
    # Areas inside zones agree with an independent overlay of the union.
    zones_a = np.asarray(zs.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    assert cov.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=1e-6, abs=max(1e-9, slack_km2))


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
    with mock.patch("chengyu.geo.coverage.dissolve.TILED_MIN", 0), \
            mock.patch("chengyu.geo.coverage.tiles.TILE_POLYGONS", 2), \
            mock.patch("chengyu.geo.coverage.tiles.TILE_WIDTHS", 0.3), \
            mock.patch("chengyu.geo.coverage.dissolve.DENSE_DEPTH", dense_depth):
        _check_conservation(_SC, lay)

