"""What a layer's coordinates are, settled from what the file declares and what the caller says, and
their conversion to :data:`~geo.layers.OUTPUT_CRS`.

A declared CRS is respected. With none, the layer is taken as EPSG:4326 only when every coordinate
fits longitude/latitude; otherwise it is an error asking for ``crs=``. ``crs='gcj02'``/``'bd09'``
undoes the offsets of Chinese web maps (Amap/Tencent, Baidu) with
:func:`geo.chinacrs.convert_geometries`; any other ``crs`` is given to pyproj and wins over a
declared CRS (the report says so). Coordinates that only make sense as latitude/longitude swapped
(for data in China) are an error naming the swap.

GCJ-02 cannot be detected from a file: a shift of a few hundred metres leaves every coordinate
plausible, and the bundled boundaries are far too coarse (about 1.5 km) to reveal it. So the
"heuristic" is deliberately modest: every layer taken as WGS-84 whose extent is centred inside
China, read without ``crs``, gets a hint giving the size of the GCJ-02 and BD-09 shifts at its
centre and suggesting ``crs='gcj02'``/``crs='bd09'`` if the data came from those maps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj import Geod
from pyproj.exceptions import CRSError

from chengyu.geo.chinacrs import OFFSET_CRS, convert_geometries, in_china, typical_offset_m, wgs84_to_bd09
from chengyu.geo.errors import AtlasError
from chengyu.geo.layers.failures import library_message
from chengyu.geo.layers.report import OUTPUT_CRS, Bounds, ReadReport

# A swapped layer "for China": x within China's latitudes, y within its longitudes (generous).
_CHINA_LAT: Final = (15.0, 56.0)
_CHINA_LON: Final = (70.0, 140.0)

_GEOD: Final = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Settled:
    """What a layer's coordinates were settled to be, by :func:`settle_crs`.

    ``crs``: the 2-D CRS they are in (EPSG:4326 for web-map coordinates); ``offset``: ``"gcj02"`` or
    ``"bd09"`` when they carry that offset of Chinese web maps, else None; ``bounds``: their extent,
    which messages name.
    """

    crs: pyproj.CRS
    offset: str | None
    bounds: Bounds


def crs_label(crs: pyproj.CRS) -> str:
    """How a CRS is named in reports and messages: its EPSG code, else its name.

    >>> crs_label(pyproj.CRS("EPSG:32648")), crs_label(pyproj.CRS("+proj=tmerc +lon_0=105 +ellps=GRS80"))
    ('EPSG:32648', 'unknown')
    """
    epsg = crs.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    return crs.name or crs.to_string()


def settle_crs(source: str, bounds: Bounds, declared: pyproj.CRS | None, crs: str | None,
               report: ReadReport) -> Settled:
    """Decide what coordinates of extent ``bounds`` are, and check they are plausible as that.

    ``declared``: the file's CRS (None: it has none); ``crs``: what the caller says they are
    (``"gcj02"``, ``"bd09"`` or anything pyproj takes; None: nothing said). Sets
    ``report.crs_used`` and adds the hints (the CRS asked for over the declared one, doubtful
    coordinates, the GCJ-02 hint). Raises :class:`AtlasError` for coordinates that cannot be what
    they are taken as.
    """
    offset = _offset(crs)
    if offset is not None:
        used = _offset_lonlat(source, declared, offset, report)
    elif crs is not None:
        used = _given_crs(source, declared, crs, report)
    elif declared is not None:
        used = _as_2d(declared)
        report.crs_used = crs_label(used)
    else:
        used = _assumed_lonlat(source, bounds, report)
    _check_plausible(source, bounds, used, crs, report)
    if offset is None and crs is None and used.is_geographic and _is_wgs84_like(used):
        _gcj_hint(bounds, report)
    return Settled(used, offset, bounds)


def to_output_crs(source: str, geoms: np.ndarray, settled: Settled) -> np.ndarray:
    """``geoms`` converted from what :func:`settle_crs` settled to :data:`OUTPUT_CRS`.

    Raises :class:`AtlasError` when the conversion fails or gives coordinates that are no longitude/latitude.
    """
    if settled.offset is not None:
        return convert_geometries(geoms, settled.offset)
    used, bounds = settled.crs, settled.bounds
    if used.is_geographic and _is_wgs84_like(used):
        return geoms  # WGS-84 and CGCS2000 agree to centimetres: PROJ's transformation is a no-op
    series = gpd.GeoSeries(geoms, crs=used)
    try:
        out = np.asarray(series.to_crs(OUTPUT_CRS).array, dtype=object)
    except (CRSError, pyproj.exceptions.ProjError) as err:
        raise AtlasError(source, f"cannot convert from {crs_label(used)} to {OUTPUT_CRS}: "
                         f"{library_message(err)}") from None
    coords = shapely.get_coordinates(out)
    if not np.isfinite(coords).all():
        raise AtlasError(source, f"coordinates ({_extent(bounds)}) fall outside the area where "
                         f"{crs_label(used)} can be converted; check the CRS (crs=)")
    if coords.size and not _fits_lonlat((coords[:, 0].min(), coords[:, 1].min(),
                                         coords[:, 0].max(), coords[:, 1].max())):
        raise AtlasError(source, f"coordinates ({_extent(bounds)}) do not convert to valid "
                         f"longitude/latitude from {crs_label(used)}; check the CRS (crs=)")
    return out


def _offset(crs: str | None) -> str | None:
    """The web-map offset ``crs`` names ("GCJ-02" -> "gcj02"), else None.

    >>> _offset("GCJ-02"), _offset("bd_09"), _offset("EPSG:4326"), _offset(None)
    ('gcj02', 'bd09', None, None)
    """
    name = crs.lower().replace("-", "").replace("_", "") if crs is not None else None
    return name if name in OFFSET_CRS else None


def _offset_lonlat(source: str, declared: pyproj.CRS | None, offset: str, report: ReadReport) -> pyproj.CRS:
    """Longitude/latitude of a Chinese web map (``offset``): refused over a declared projected CRS."""
    if declared is not None and not declared.is_geographic:
        raise AtlasError(source, f"declares the projected CRS {crs_label(declared)} but crs={offset!r} "
                         "is for longitude/latitude from Chinese web maps; drop crs= or fix the file")
    if declared is not None and not _is_wgs84_like(_as_2d(declared)):
        report.hints.append(f"the file declares {crs_label(declared)}; using crs={offset!r} as asked")
    report.crs_used = offset
    return pyproj.CRS.from_epsg(4326)


def _given_crs(source: str, declared: pyproj.CRS | None, crs: str, report: ReadReport) -> pyproj.CRS:
    """The CRS the caller gave, which wins over the declared one (a hint says so when they differ)."""
    try:
        used = _as_2d(pyproj.CRS.from_user_input(crs))
    except CRSError:
        raise AtlasError(source, f"crs={crs!r} is not a CRS pyproj knows; use e.g. "
                         "EPSG:32648, gcj02 or bd09") from None
    if declared is not None and not _as_2d(declared).equals(used, ignore_axis_order=True):
        report.hints.append(f"the file declares {crs_label(declared)}; using crs={crs_label(used)!r} as asked")
    report.crs_used = crs_label(used)
    return used


def _assumed_lonlat(source: str, bounds: Bounds, report: ReadReport) -> pyproj.CRS:
    """No CRS at all: WGS-84 when every coordinate fits longitude/latitude, else an error."""
    if not _fits_lonlat(bounds):
        if _looks_swapped(bounds):
            raise _swapped_error(source, bounds)
        raise AtlasError(source, f"has no CRS and its coordinates look projected "
                         f"({_extent(bounds)}); pass crs= (e.g. crs='EPSG:32648')")
    report.crs_used = "EPSG:4326"
    report.hints.append("no CRS declared; the coordinates fit longitude/latitude, so they are "
                        "taken as WGS-84 (EPSG:4326)")
    return pyproj.CRS.from_epsg(4326)


def _check_plausible(source: str, bounds: Bounds, used: pyproj.CRS, crs: str | None, report: ReadReport) -> None:
    """Refuse coordinates that cannot be in ``used`` (``crs``: as the caller named it); hint at doubtful ones."""
    what = f"crs={crs!r}" if crs else f"the declared CRS {crs_label(used)}"
    if not (used.is_geographic or used.is_projected):
        kind = "geocentric (x, y, z from the centre of the earth)" if used.is_geocentric else \
            "neither longitude/latitude nor projected"
        raise AtlasError(source, f"{what} is {kind}; give the CRS of the layer's 2-D coordinates "
                         "(e.g. crs='EPSG:4326' or crs='EPSG:32648')")
    if used.is_geographic:
        if _looks_swapped(bounds) and (bounds[3] > 90.0 or not _fits_lonlat(bounds)):
            raise _swapped_error(source, bounds)
        if not _fits_lonlat(bounds):
            raise AtlasError(source, f"coordinates look projected ({_extent(bounds)}) but {what} "
                             "is longitude/latitude; pass the right crs= (e.g. crs='EPSG:32648')")
        if _looks_swapped(bounds):
            report.hints.append(f"the coordinates ({_extent(bounds)}) would lie in China if latitude "
                                "and longitude were swapped; check the columns")
    elif _fits_lonlat(bounds):
        report.hints.append(f"the coordinates ({_extent(bounds)}) look like longitude/latitude but "
                            f"{crs_label(used)} is projected: if they are degrees, pass crs='EPSG:4326'")


def _range(lo: float, hi: float) -> str:
    def fmt(v: float) -> str:
        return f"{v:.0f}" if 1000 <= abs(v) < 1e9 else f"{v:.4g}"  # 1e+308, not 309 digits
    return f"{fmt(lo)}..{fmt(hi)}"


def _extent(bounds: Bounds) -> str:
    """An extent in messages.

    >>> _extent((631000.0, 3275000.0, 640000.0, 3280000.0)), _extent((29.41, 106.3, 29.64, 1e308))
    ('x in 631000..640000, y in 3275000..3280000', 'x in 29.41..29.64, y in 106.3..1e+308')
    """
    xmin, ymin, xmax, ymax = bounds
    return f"x in {_range(xmin, xmax)}, y in {_range(ymin, ymax)}"


def _fits_lonlat(bounds: Bounds) -> bool:
    xmin, ymin, xmax, ymax = bounds
    return -180.0 <= xmin and xmax <= 180.0 and -90.0 <= ymin and ymax <= 90.0


def _looks_swapped(bounds: Bounds) -> bool:
    """x within China's latitudes and y within its longitudes."""
    xmin, ymin, xmax, ymax = bounds
    return (_CHINA_LAT[0] <= xmin and xmax <= _CHINA_LAT[1]
            and _CHINA_LON[0] <= ymin and ymax <= _CHINA_LON[1])


def _swapped_error(source: str, bounds: Bounds) -> AtlasError:
    return AtlasError(source, f"coordinates look like latitude/longitude swapped ({_extent(bounds)}); "
                      "swap the columns or fix the file")


def _is_wgs84_like(crs: pyproj.CRS) -> bool:
    """WGS-84 or CGCS2000 longitude/latitude: the same to centimetres (PROJ's 'ballpark' no-op)."""
    return crs.to_epsg() in (4326, 4490) or crs.equals("OGC:CRS84", ignore_axis_order=True)


def _as_2d(crs: pyproj.CRS) -> pyproj.CRS:
    """The 2-D form of a 3-D CRS (EPSG:4979 -> EPSG:4326): geometries are 2-D once Z is dropped."""
    try:
        return crs.to_2d() if len(crs.axis_info) > 2 else crs
    except CRSError:  # pragma: no cover - exotic compound CRS
        return crs


def _gcj_hint(bounds: Bounds, report: ReadReport) -> None:
    """Say how far GCJ-02/BD-09 would be off here; it cannot be detected, only suggested."""
    lon = (bounds[0] + bounds[2]) / 2.0
    lat = (bounds[1] + bounds[3]) / 2.0
    if not bool(in_china(lon, lat)):
        return
    gcj = float(typical_offset_m(lon, lat))
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    bd = float(_GEOD.inv(lon, lat, float(bd_lon), float(bd_lat))[2])
    report.hints.append(
        f"coordinates are taken as WGS-84; data exported from Amap/Tencent maps (GCJ-02) is "
        f"shifted about {_round_m(gcj)} m here and from Baidu maps (BD-09) about {_round_m(bd)} m: "
        "if the layer came from one of them pass crs='gcj02' or crs='bd09' (this cannot be "
        "detected from the file)")


def _round_m(metres: float) -> str:
    return f"{int(round(metres, -1)):,}"
