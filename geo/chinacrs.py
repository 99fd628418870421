"""WGS-84 <-> GCJ-02 <-> BD-09: undoing the offsets of Chinese web maps.

Chinese law requires published maps of mainland China to use **GCJ-02**
(国测局坐标, "Mars coordinates"): WGS-84 longitude/latitude pushed through a
deliberately obscure, non-linear shift.  Amap/Gaode, Tencent, Apple Maps in
China and Google Maps' China tiles use GCJ-02.  Baidu adds a second,
rotation-like shift on top of GCJ-02 and calls the result **BD-09** (百度坐标).

The shift is not a datum change that PROJ knows about: there is no EPSG code
and ``to_crs`` cannot undo it.  Around Chongqing and Chengdu it moves points
by roughly 300-600 m (GCJ-02) and a further ~900 m (BD-09), so data digitised
on, geocoded by, or exported from those maps lands visibly off OpenStreetMap
and off our CGCS2000 district boundaries (CGCS2000 and WGS-84 agree to a few
centimetres, far below this offset).  Converting such a layer back to WGS-84
with this module puts it on top of everything else.

The forward GCJ-02 transform is the widely published reverse-engineered
algorithm (Krasovsky 1940 ellipsoid ``a = 6378245.0``,
``ee = 0.00669342162296594323`` and the ``transform_lat``/``transform_lon``
polynomials with sine terms, as in wandergis/coordTransform_py and
googollee/eviltransform).  BD-09 is obtained from GCJ-02 with
``x_pi = pi * 3000 / 180`` and the 0.0065/0.006 offsets.  Both are defined
only inside mainland China; this module uses the common rectangle test
(inclusive bounds, as in eviltransform and coordTransform_py)::

    72.004 <= lon <= 137.8347  and  0.8293 <= lat <= 55.8271

and is the identity for every point outside it (for all six conversions, BD-09
included).  The test is applied to the *input* coordinates of each function.
The rectangle is crude (it includes e.g. Seoul and Hanoi); the reference
implementations use it all the same.

The inverse conversions (``gcj02_to_wgs84``, ``bd09_to_wgs84`` and also
``bd09_to_gcj02``) have no closed form.  They start from the usual one-step
approximation and refine it by fixed-point iteration,
``w <- w - (forward(w) - target)``, vectorised over the whole array, until the
step is below 1e-9 degrees (at most 30 iterations).  The result satisfies
``forward(inverse(p)) == p`` to ~1e-9 degrees, i.e. millimetres.

>>> lon, lat = wgs84_to_gcj02(106.5, 29.5)           # near Chongqing
>>> round(float(lon), 6), round(float(lat), 6)
(106.503846, 29.497264)
>>> back = gcj02_to_wgs84(lon, lat)
>>> round(float(back[0]), 9), round(float(back[1]), 9)
(106.5, 29.5)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod

__all__ = [
    "CHINA_BOUNDS",
    "OFFSET_CRS",
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "convert_geometries",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "typical_offset_m",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
_Forward = Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]

#: The offset coordinate systems :func:`convert_geometries` can undo.
OFFSET_CRS: Final = ("gcj02", "bd09")

#: (min lon, min lat, max lon, max lat) of the rectangle inside which the offsets apply.
CHINA_BOUNDS: Final = (72.004, 0.8293, 137.8347, 55.8271)

# Constants of the published GCJ-02 algorithm (Krasovsky 1940 ellipsoid).
_A: Final = 6378245.0
_EE: Final = 0.00669342162296594323
_PI: Final = np.pi
# BD-09.
_X_PI: Final = np.pi * 3000.0 / 180.0
_BD_DLON: Final = 0.0065
_BD_DLAT: Final = 0.006

# Fixed-point inversion.
_TOL_DEG: Final = 1e-9
_MAX_ITER: Final = 30

_GEOD: Final = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- helpers


def _prepare(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Fresh, contiguous float64 copies of ``lon`` and ``lat`` broadcast to one shape."""
    lon_b, lat_b = np.broadcast_arrays(np.asarray(lon, dtype=np.float64),
                                       np.asarray(lat, dtype=np.float64))
    return np.array(lon_b, dtype=np.float64), np.array(lat_b, dtype=np.float64)


def in_china(lon: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether each point is inside the rectangle where the offsets apply (:data:`CHINA_BOUNDS`).

    NaN coordinates are outside.

    >>> in_china([106.5, 2.35, 126.98], [29.5, 48.85, 37.57]).tolist()   # Chongqing, Paris, Seoul
    [True, False, True]
    """
    lon_a, lat_a = _prepare(lon, lat)
    west, south, east, north = CHINA_BOUNDS
    return (lon_a >= west) & (lon_a <= east) & (lat_a >= south) & (lat_a <= north)


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * _PI) + 20.0 * np.sin(2.0 * x * _PI)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * _PI) + 40.0 * np.sin(y / 3.0 * _PI)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * _PI) + 320.0 * np.sin(y * _PI / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * _PI) + 20.0 * np.sin(2.0 * x * _PI)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * _PI) + 40.0 * np.sin(x / 3.0 * _PI)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * _PI) + 300.0 * np.sin(x / 30.0 * _PI)) * 2.0 / 3.0
    return ret


def _gcj_delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 shift (dlon, dlat) in degrees at WGS-84 (lon, lat), ignoring the China test."""
    x = lon - 105.0
    y = lat - 35.0
    dlat = _transform_lat(x, y)
    dlon = _transform_lon(x, y)
    radlat = lat / 180.0 * _PI
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * _PI)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * _PI)
    return dlon, dlat


def _wgs_to_gcj_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def _gcj_to_bd_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd_to_gcj_approx(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The published closed-form BD-09 -> GCJ-02 (off by up to ~2e-6 degrees)."""
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _wgs_to_bd_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    return _gcj_to_bd_raw(*_wgs_to_gcj_raw(lon, lat))


def _refine(forward: _Forward, target_lon: FloatArray, target_lat: FloatArray,
            lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(w) == target`` by fixed-point iteration from the first guess (lon, lat).

    Works on 1-d arrays; only the points that have not converged yet are recomputed.
    The forward offsets vary slowly (their Jacobian is within ~1e-2 of the identity),
    so each step shrinks the error ~100-fold: 3-4 iterations reach 1e-9 degrees.
    NaN/inf first guesses are left alone.
    """
    lon = lon.copy()
    lat = lat.copy()
    active = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    for _ in range(_MAX_ITER):
        if active.size == 0:
            break
        f_lon, f_lat = forward(lon[active], lat[active])
        step_lon = f_lon - target_lon[active]
        step_lat = f_lat - target_lat[active]
        lon[active] -= step_lon
        lat[active] -= step_lat
        moving = (np.abs(step_lon) > _TOL_DEG) | (np.abs(step_lat) > _TOL_DEG)
        active = active[moving]
    return lon, lat


def _apply(lon: ArrayLike, lat: ArrayLike, convert: _Forward) -> tuple[FloatArray, FloatArray]:
    """Apply ``convert`` (on 1-d arrays) to the points inside China; copy the others through."""
    lon_a, lat_a = _prepare(lon, lat)
    shape = lon_a.shape
    flat_lon = lon_a.reshape(-1)
    flat_lat = lat_a.reshape(-1)
    inside = np.flatnonzero(in_china(flat_lon, flat_lat))
    if inside.size:
        new_lon, new_lat = convert(flat_lon[inside], flat_lat[inside])
        flat_lon[inside] = new_lon
        flat_lat[inside] = new_lat
    return flat_lon.reshape(shape), flat_lat.reshape(shape)


def _gcj_to_wgs_1d(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _gcj_delta(lon, lat)
    return _refine(_wgs_to_gcj_raw, lon, lat, lon - dlon, lat - dlat)


def _bd_to_gcj_1d(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    g_lon, g_lat = _bd_to_gcj_approx(lon, lat)
    return _refine(_gcj_to_bd_raw, lon, lat, g_lon, g_lat)


def _bd_to_wgs_1d(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    g_lon, g_lat = _bd_to_gcj_approx(lon, lat)
    dlon, dlat = _gcj_delta(g_lon, g_lat)
    return _refine(_wgs_to_bd_raw, lon, lat, g_lon - dlon, g_lat - dlat)


# --------------------------------------------------------------------------- public API


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 -> GCJ-02 (Amap/Gaode, Tencent, Google China); identity outside China.

    Accepts scalars or arrays (broadcast together); returns float64 arrays of
    the broadcast shape (0-d for scalars).

    >>> lon, lat = wgs84_to_gcj02([116.404, 2.35], [39.915, 48.85])   # Beijing, Paris
    >>> np.round(lon, 8).tolist(), np.round(lat, 8).tolist()
    ([116.4102445, 2.35], [39.91640428, 48.85])
    """
    return _apply(lon, lat, _wgs_to_gcj_raw)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 -> WGS-84 by fixed-point iteration; identity outside China.

    ``wgs84_to_gcj02(*gcj02_to_wgs84(p))`` reproduces ``p`` to ~1e-9 degrees.

    >>> lon, lat = gcj02_to_wgs84(116.41024449916938, 39.91640428150164)
    >>> round(float(lon), 8), round(float(lat), 8)
    (116.404, 39.915)
    """
    return _apply(lon, lat, _gcj_to_wgs_1d)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 -> BD-09 (Baidu); identity outside China.

    >>> lon, lat = gcj02_to_bd09(116.404, 39.915)
    >>> round(float(lon), 8), round(float(lat), 8)
    (116.41036949, 39.92133699)
    """
    return _apply(lon, lat, _gcj_to_bd_raw)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 -> GCJ-02; identity outside China.

    Starts from the published closed form and refines it so that it inverts
    :func:`gcj02_to_bd09` exactly (the closed form alone is off by up to ~2e-6 degrees, ~20 cm).

    >>> lon, lat = bd09_to_gcj02(116.404, 39.915)
    >>> round(float(lon), 7), round(float(lat), 7)
    (116.3976271, 39.9086563)
    >>> np.round(gcj02_to_bd09(lon, lat), 10).tolist()
    [116.404, 39.915]
    """
    return _apply(lon, lat, _bd_to_gcj_1d)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """WGS-84 -> BD-09 (through GCJ-02); identity outside China.

    >>> [round(float(v), 6) for v in wgs84_to_bd09(106.5, 29.5)]
    [106.510415, 29.502946]
    >>> bool(np.allclose(wgs84_to_bd09(106.5, 29.5), gcj02_to_bd09(*wgs84_to_gcj02(106.5, 29.5)), atol=1e-12))
    True
    """
    return _apply(lon, lat, _wgs_to_bd_raw)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """BD-09 -> WGS-84 by fixed-point iteration on :func:`wgs84_to_bd09`; identity outside China.

    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(106.5, 29.5))
    >>> round(float(lon), 9), round(float(lat), 9)
    (106.5, 29.5)
    """
    return _apply(lon, lat, _bd_to_wgs_1d)


_TO_WGS84: Final = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}


def _normalise_source(source: str) -> str:
    key = str(source).lower().replace("-", "").replace("_", "").strip()
    if key not in _TO_WGS84:
        raise ValueError(f"unknown offset coordinate system {source!r}; expected one of {OFFSET_CRS}")
    return key


def convert_geometries(geoms: ArrayLike, source: str) -> npt.NDArray[np.object_]:
    """Every coordinate of ``geoms`` converted from ``source`` ("gcj02" or "bd09") to WGS-84.

    ``geoms`` is an array (or list, or GeoSeries) of shapely geometries; the
    result is a new object array of the same shape.  Points, LineStrings,
    Polygons (holes included), Multi* and GeometryCollections are handled in
    one vectorised :func:`shapely.transform` call; ``None`` stays ``None`` and
    empty geometries stay empty.  Z values are kept untouched: only x/y move,
    and 2-D geometries stay 2-D.  ``"GCJ-02"``/``"BD-09"`` spellings are accepted.

    >>> from shapely import Point
    >>> out = convert_geometries(np.array([Point(106.503846, 29.497264), None]), "gcj02")
    >>> round(out[0].x, 5), round(out[0].y, 5), out[1] is None
    (106.5, 29.5, True)
    """
    inverse = _TO_WGS84[_normalise_source(source)]

    def xy(coords: FloatArray) -> FloatArray:
        out = np.array(coords, dtype=np.float64)
        out[:, 0], out[:, 1] = inverse(coords[:, 0], coords[:, 1])
        return out

    arr = np.asarray(geoms, dtype=object)
    result = np.empty(arr.shape, dtype=object)
    flat_in = arr.reshape(-1)
    flat_out = result.reshape(-1)
    is_geom = shapely.is_geometry(flat_in)
    if not np.all(is_geom | shapely.is_missing(flat_in)):
        raise TypeError("convert_geometries expects shapely geometries or None")
    geometries = flat_in[is_geom]
    if geometries.size:
        has_z = shapely.has_z(geometries)
        converted = np.empty(geometries.shape, dtype=object)
        if (~has_z).any():
            converted[~has_z] = shapely.transform(geometries[~has_z], xy, include_z=False)
        if has_z.any():
            converted[has_z] = shapely.transform(geometries[has_z], xy, include_z=True)
        flat_out[is_geom] = converted
    return result


def typical_offset_m(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Length in metres of the WGS-84 -> GCJ-02 shift at each WGS-84 point (0 outside China).

    Measured on the WGS-84 ellipsoid with :class:`pyproj.Geod`.  A layer whose
    features sit about this far from the matching OpenStreetMap/boundary
    features is probably in GCJ-02.

    >>> np.round(typical_offset_m([106.5, 104.07, 2.35], [29.5, 30.67, 48.85])).tolist()
    [481.0, 360.0, 0.0]
    """
    lon_a, lat_a = _prepare(lon, lat)
    g_lon, g_lat = wgs84_to_gcj02(lon_a, lat_a)
    shape = lon_a.shape
    _, _, dist = _GEOD.inv(lon_a.reshape(-1), lat_a.reshape(-1),
                           g_lon.reshape(-1), g_lat.reshape(-1))
    return np.asarray(dist, dtype=np.float64).reshape(shape)
