"""WGS-84 <-> GCJ-02 <-> BD-09: published reference values, round trips, geometries."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)

from chengyu.geo.chinacrs import (
    CHINA_BOUNDS,
    OFFSET_CRS,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert_geometries,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    typical_offset_m,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")
FORWARD = [wgs84_to_gcj02, gcj02_to_bd09, wgs84_to_bd09]
ALL = [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84]
PAIRS = [(wgs84_to_gcj02, gcj02_to_wgs84), (gcj02_to_bd09, bd09_to_gcj02),
         (wgs84_to_bd09, bd09_to_wgs84)]
CHONGQING = (106.5, 29.5)


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(*np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in
                                           (lon1, lat1, lon2, lat2))))[2]


# --------------------------------------------------------------------------- reference values

# wandergis/coordtransform README.md (npm "coordtransform"; the same numbers are asserted in
# hutool's CoordinateUtilTest and coordtransform-rs): every function applied to (116.404, 39.915).
WANDERGIS_IN = (116.404, 39.915)
WANDERGIS_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
WANDERGIS_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
WANDERGIS_BD09_TO_GCJ02 = (116.39762729119315, 39.90865673957631)     # closed-form approximation
WANDERGIS_GCJ02_TO_WGS84 = (116.39775550083061, 39.91359571849836)    # one-step approximation

# googollee/eviltransform python/test.py and go/transform_test.go: (wgsLat, wgsLng, gcjLat, gcjLng).
EVILTRANSFORM = {
    "shanghai": (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    "shenzhen": (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    "beijing": (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
}
# (eviltransform's TESTS_bd pairs are not used: they are 10-41 m away from what the published
# BD-09 formulas give, even with eviltransform's own one-step gcj2wgs.)

# hujiulong/gcoord test/fixtures/china-cities.json, rounded to 7 decimals: (WGS84, GCJ02, BD09).
# Ziyang and Luzhou are in the Chengdu-Chongqing Economic Circle.  gcoord's own tests check
# GCJ02->BD09 to 6 decimals and WGS84 to 4-5; its WGS84 column sits a systematic ~5e-6 deg
# (~0.5 m) from the published algorithm, so only the BD09 column is checked tightly.
GCOORD = {
    "ziyang": ((104.6252411, 30.1317508), (104.6276449, 30.1289052), (104.6340814, 30.1351581)),
    "luzhou": ((105.4386655, 28.8748404), (105.4422659, 28.871815), (105.4487888, 28.8776874)),
    "zhumadian": ((114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),
}


def test_wandergis_forward_values_exact():
    assert np.allclose(wgs84_to_gcj02(*WANDERGIS_IN), WANDERGIS_WGS84_TO_GCJ02, rtol=0, atol=1e-12)
    assert np.allclose(gcj02_to_bd09(*WANDERGIS_IN), WANDERGIS_GCJ02_TO_BD09, rtol=0, atol=1e-12)


def test_wandergis_inverse_values_close_to_their_approximations():
    # Our inverses are iterated to an exact inverse; the published ones are one-step approximations.
    lon, lat = bd09_to_gcj02(*WANDERGIS_IN)
    assert np.allclose((lon, lat), WANDERGIS_BD09_TO_GCJ02, rtol=0, atol=3e-6)
    assert np.allclose(gcj02_to_bd09(lon, lat), WANDERGIS_IN, rtol=0, atol=1e-10)
    lon, lat = gcj02_to_wgs84(*WANDERGIS_IN)
    assert metres(lon, lat, *WANDERGIS_GCJ02_TO_WGS84) < 5
    assert np.allclose(wgs84_to_gcj02(lon, lat), WANDERGIS_IN, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", EVILTRANSFORM)
def test_eviltransform_pairs(name):
    wgs_lat, wgs_lon, gcj_lat, gcj_lon = EVILTRANSFORM[name]
    assert np.allclose(wgs84_to_gcj02(wgs_lon, wgs_lat), (gcj_lon, gcj_lat), rtol=0, atol=1e-9)
    back = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert metres(*back, wgs_lon, wgs_lat) < 0.01   # eviltransform's own bound for _exact is 0.5 m


@pytest.mark.parametrize("name", GCOORD)
def test_gcoord_city_fixture(name):
    wgs, gcj, bd = GCOORD[name]
    assert np.allclose(gcj02_to_bd09(*gcj), bd, rtol=0, atol=2e-7)
    assert np.allclose(bd09_to_gcj02(*bd), gcj, rtol=0, atol=2e-7)
    assert np.allclose(wgs84_to_gcj02(*wgs), gcj, rtol=0, atol=1e-5)
    assert metres(*gcj02_to_wgs84(*gcj), *wgs) < 1
    assert metres(*bd09_to_wgs84(*bd), *wgs) < 1


def test_chongqing_known_value():
    # Computed with the published algorithm above; pins the value quoted in the module docstring.
    lon, lat = wgs84_to_gcj02(*CHONGQING)
    assert (round(float(lon), 6), round(float(lat), 6)) == (106.503846, 29.497264)


# --------------------------------------------------------------------------- round trips

china_lon = st.floats(73, 135, allow_nan=False)
china_lat = st.floats(18, 53, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_round_trips(lon, lat):
    f_lon, f_lat = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert abs(f_lon - lon) < 1e-7 and abs(f_lat - lat) < 1e-7
    w_lon, w_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(w_lon - lon) < 1e-6 and abs(w_lat - lat) < 1e-6
    assert metres(w_lon, w_lat, lon, lat) < 1


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trips(lon, lat):
    for forward, inverse in PAIRS[1:]:
        f_lon, f_lat = forward(*inverse(lon, lat))
        assert abs(f_lon - lon) < 1e-7 and abs(f_lat - lat) < 1e-7
        i_lon, i_lat = inverse(*forward(lon, lat))
        assert abs(i_lon - lon) < 1e-6 and abs(i_lat - lat) < 1e-6
        assert metres(i_lon, i_lat, lon, lat) < 1


def test_inverse_accuracy_on_dense_grid():
    lon, lat = np.meshgrid(np.arange(73, 135.001, 0.05), np.arange(18, 53.001, 0.05))
    for forward, inverse in PAIRS:
        back_lon, back_lat = inverse(*forward(lon, lat))
        assert metres(back_lon, back_lat, lon, lat).max() < 0.001   # measured ~1e-5 m
        again_lon, again_lat = forward(*inverse(lon, lat))
        assert np.abs(again_lon - lon).max() < 1e-8
        assert np.abs(again_lat - lat).max() < 1e-8


def test_offsets_are_not_trivial():
    lon, lat = np.meshgrid(np.arange(75, 135, 1.0), np.arange(20, 53, 1.0))
    for forward in FORWARD:
        assert metres(*forward(lon, lat), lon, lat).min() > 10


# --------------------------------------------------------------------------- outside China

OUTSIDE = [(2.35, 48.85), (-74.0, 40.7), (151.2, -33.9), (139.69, 35.69), (0.0, 0.0),
           (72.0, 30.0), (138.0, 40.0), (110.0, 0.8), (110.0, 56.0), (-106.5, 29.5)]


@pytest.mark.parametrize("func", ALL, ids=lambda f: f.__name__)
def test_identity_outside_china(func):
    lon, lat = np.array(OUTSIDE).T
    out_lon, out_lat = func(lon, lat)
    assert np.array_equal(out_lon, lon) and np.array_equal(out_lat, lat)


@settings(max_examples=200, deadline=None)
@given(st.floats(-180, 180), st.floats(-90, 90))
def test_identity_anywhere_outside_the_rectangle(lon, lat):
    west, south, east, north = CHINA_BOUNDS
    if west <= lon <= east and south <= lat <= north:
        return
    for func in ALL:
        assert tuple(map(float, func(lon, lat))) == (lon, lat)


def test_bounds_are_inclusive_and_nan_passes_through():
    west, south, east, north = CHINA_BOUNDS
    assert in_china([west, east, west, 105], [south, north, north, np.nan]).tolist() == [
        True, True, True, False]
    assert not in_china(np.nextafter(west, 0), 30)
    for func in ALL:
        lon, lat = func([np.nan, 106.5, np.inf], [29.5, np.nan, 29.5])
        assert np.isnan(lon[0]) and np.isnan(lat[1]) and np.isinf(lon[2])


def test_mixed_array_only_moves_points_inside():
    lon = np.array([106.5, 2.35, 104.07])
    lat = np.array([29.5, 48.85, 30.67])
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    assert (g_lon[1], g_lat[1]) == (2.35, 48.85)
    assert g_lon[0] != 106.5 and g_lon[2] != 104.07


# --------------------------------------------------------------------------- vectorisation

@pytest.fixture(scope="module")
def million_points():
    rng = np.random.default_rng(20240501)
    lon = rng.uniform(70, 140, 1_000_000)
    lat = rng.uniform(0, 57, 1_000_000)
    return lon, lat


@pytest.mark.parametrize("func", ALL, ids=lambda f: f.__name__)
def test_million_points_match_scalar_calls(func, million_points):
    lon, lat = million_points
    out_lon, out_lat = func(lon, lat)
    assert out_lon.shape == out_lat.shape == (1_000_000,)
    assert out_lon.dtype == out_lat.dtype == np.float64
    assert np.isfinite(out_lon).all() and np.isfinite(out_lat).all()
    sample = np.random.default_rng(7).choice(lon.size, 200, replace=False)
    for i in sample:
        s_lon, s_lat = func(float(lon[i]), float(lat[i]))
        # Each point iterates independently of its batch; only SIMD vs scalar libm
        # rounding can differ.
        assert abs(float(s_lon) - out_lon[i]) < 1e-10
        assert abs(float(s_lat) - out_lat[i]) < 1e-10


@pytest.mark.parametrize("func", ALL, ids=lambda f: f.__name__)
def test_shapes_scalars_and_broadcasting(func):
    lon, lat = func(106.5, 29.5)
    assert lon.shape == lat.shape == () and lon.dtype == np.float64
    grid_lon, grid_lat = np.meshgrid([104.0, 106.5, 2.0], [29.5, 30.0])
    out_lon, out_lat = func(grid_lon, grid_lat)
    assert out_lon.shape == (2, 3)
    flat_lon, flat_lat = func(grid_lon.ravel(), grid_lat.ravel())
    assert np.array_equal(out_lon.ravel(), flat_lon) and np.array_equal(out_lat.ravel(), flat_lat)
    b_lon, b_lat = func([104.0, 106.5], 29.5)            # lists and broadcasting
    assert b_lon.shape == (2,)
    assert float(b_lon[1]) == float(lon) and float(b_lat[1]) == float(lat)
    i_lon, _ = func(106, 29)                             # integers
    assert i_lon.dtype == np.float64


def test_inputs_are_not_modified():
    lon = np.array([106.5, 104.07])
    lat = np.array([29.5, 30.67])
    for func in ALL:
        func(lon, lat)
    assert lon.tolist() == [106.5, 104.07] and lat.tolist() == [29.5, 30.67]


# --------------------------------------------------------------------------- geometries

def to_offset(geoms, forward):
    """Test helper: WGS-84 geometries pushed into GCJ-02/BD-09 (keeps Z)."""
    def xy(coords):
        out = coords.copy()
        out[:, 0], out[:, 1] = forward(coords[:, 0], coords[:, 1])
        return out
    arr = np.asarray(geoms, dtype=object)
    return np.array([None if g is None else shapely.transform(g, xy, include_z=shapely.has_z(g))
                     for g in arr], dtype=object)


def square(lon, lat, half):
    return [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half),
            (lon - half, lat + half)]


@pytest.fixture
def holed_polygon():
    poly = Polygon(square(*CHONGQING, 0.02), holes=[square(*CHONGQING, 0.005)])
    assert poly.is_valid
    return poly


@pytest.mark.parametrize("source, forward", [("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)])
def test_polygon_with_hole_round_trips_and_stays_valid(holed_polygon, source, forward):
    offset = to_offset([holed_polygon], forward)[0]
    (back,) = convert_geometries(np.array([offset]), source)
    assert back.is_valid
    assert len(back.interiors) == 1
    assert shapely.equals_exact(back, holed_polygon, tolerance=1e-8)
    assert back.area == pytest.approx(holed_polygon.area, rel=1e-4)


def test_gcj02_polygon_shifts_about_500_m_near_chongqing(holed_polygon):
    offset = to_offset([holed_polygon], wgs84_to_gcj02)[0]
    (back,) = convert_geometries(np.array([offset]), "gcj02")
    shift = metres(offset.centroid.x, offset.centroid.y, back.centroid.x, back.centroid.y)
    assert 400 < shift < 600
    # Every vertex moves by its own offset, the exterior and the hole alike.
    assert np.allclose(shapely.get_coordinates(back),
                       np.column_stack(gcj02_to_wgs84(*shapely.get_coordinates(offset).T)),
                       rtol=0, atol=1e-12)


def test_all_geometry_types_none_and_empty():
    poly = Polygon(square(*CHONGQING, 0.01), holes=[square(*CHONGQING, 0.002)])
    line = LineString([(104.0, 30.6), (104.1, 30.7), (104.2, 30.6)])
    originals = [
        Point(*CHONGQING), line, poly,
        MultiPoint([(104.0, 30.6), (106.5, 29.5)]), MultiLineString([line, [(105, 29), (105.1, 29)]]),
        MultiPolygon([poly, Polygon(square(104.0, 30.6, 0.01))]),
        GeometryCollection([Point(105, 29), line, poly]),
        None, Point(), Polygon(), GeometryCollection(),
    ]
    offset = to_offset(originals, wgs84_to_gcj02)
    back = convert_geometries(offset, "gcj02")
    assert back.shape == (len(originals),) and back.dtype == object
    for got, want in zip(back, originals, strict=True):
        if want is None:
            assert got is None
            continue
        assert got.geom_type == want.geom_type
        assert got.is_empty == want.is_empty
        assert shapely.equals_exact(got, want, tolerance=1e-8)


def test_z_is_kept_untouched_and_2d_stays_2d():
    geoms = np.array([Point(106.5, 29.5, 251.0), LineString([(106.5, 29.5, 1.0), (106.6, 29.6, 2.0)]),
                      Point(106.5, 29.5)], dtype=object)
    out = convert_geometries(geoms, "bd09")
    assert shapely.has_z(out).tolist() == [True, True, False]
    assert shapely.get_coordinates(out[1], include_z=True)[:, 2].tolist() == [1.0, 2.0]
    assert out[0].z == 251.0
    xy = shapely.get_coordinates(out[:2])
    assert np.allclose(xy, np.column_stack(bd09_to_wgs84(*shapely.get_coordinates(geoms[:2]).T)),
                       rtol=0, atol=1e-12)


def test_geometries_outside_china_unchanged_and_input_untouched():
    paris = Polygon(square(2.35, 48.85, 0.01))
    cq = Point(*CHONGQING)
    geoms = np.array([paris, cq], dtype=object)
    out = convert_geometries(geoms, "gcj02")
    assert shapely.equals_exact(out[0], paris, tolerance=0)
    assert not shapely.equals_exact(out[1], cq, tolerance=1e-6)
    assert geoms[1].equals_exact(Point(*CHONGQING), tolerance=0)


def test_accepts_geoseries_lists_2d_arrays_and_spellings():
    gs = gpd.GeoSeries([Point(*CHONGQING), None], crs=4326)
    out = convert_geometries(gs, "GCJ-02")
    assert isinstance(out, np.ndarray) and out[1] is None
    assert np.allclose((out[0].x, out[0].y), gcj02_to_wgs84(*CHONGQING), rtol=0, atol=1e-12)
    grid = np.array([[Point(*CHONGQING), None], [Point(104, 30), Point(1, 1)]], dtype=object)
    assert convert_geometries(grid, "BD_09").shape == (2, 2)
    assert convert_geometries([], "bd09").shape == (0,)


@pytest.mark.parametrize("source", ["wgs84", "epsg:4326", "gcj", ""])
def test_unknown_source_raises(source):
    with pytest.raises(ValueError, match="gcj02"):
        convert_geometries([Point(*CHONGQING)], source)


def test_non_geometries_raise():
    with pytest.raises(TypeError):
        convert_geometries(np.array([Point(1, 1), "POINT (1 1)"], dtype=object), "gcj02")


def test_offset_crs_constant():
    assert OFFSET_CRS == ("gcj02", "bd09")


# --------------------------------------------------------------------------- offset size

def test_typical_offset_near_chongqing_and_chengdu():
    lon, lat = np.meshgrid(np.linspace(103.5, 107.5, 41), np.linspace(28.5, 31.5, 31))
    offset = typical_offset_m(lon, lat)
    assert offset.shape == lon.shape and offset.dtype == np.float64
    assert 100 < offset.min() and offset.max() < 1000
    assert 100 < float(typical_offset_m(*CHONGQING)) < 1000
    assert float(typical_offset_m(*CHONGQING)) == pytest.approx(
        metres(*CHONGQING, *wgs84_to_gcj02(*CHONGQING)), abs=1e-6)


def test_typical_offset_zero_outside_china():
    assert typical_offset_m([2.35, -74.0], [48.85, 40.7]).tolist() == [0.0, 0.0]
