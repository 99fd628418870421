"""Polygons: the area of the union of a layer's polygons inside each zone, in the equal-area CRS.

The polygons are dissolved first (:func:`geo.coverage.dissolve.dissolve`), so that an area covered
by several overlapping polygons counts once. Each dissolved polygon that lies inside a zone's
interior (``contains_properly`` against the prepared zone) is taken whole; only those crossing a
border are intersected.
"""

from __future__ import annotations

import threading

import numpy as np
import shapely
from pyproj import CRS

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage.dissolve import dissolve
from chengyu.geo.coverage.prepare import to_crs, valid_polygons
from chengyu.geo.coverage.progress import Ticker
from chengyu.geo.coverage.result import Tally
from chengyu.geo.coverage.sums import by_zone, sum_by
from chengyu.geo.gcpause import no_cycle_collection
from chengyu.geo.threads import built_tree, prepared_copy, resolve_threads, run_chunked, thread_map
from chengyu.geo.zones import Zones

__all__ = ["SHORT_EDGE_M", "longest_edge_m", "measure_polygons"]

#: Polygons in longitude/latitude whose edges are all at most this long (metres) are dissolved
#: before they are projected (see "How things are measured" in :mod:`geo.coverage`).
SHORT_EDGE_M = 250.0
_METRES_PER_DEGREE = 111_320.0


def measure_polygons(polygons: np.ndarray, layer_crs: CRS, zones: Zones, ticker: Ticker,
                     threads: int | None) -> Tally:
    """Area (m²) of the union of ``polygons`` (single parts, in ``layer_crs``) in each zone, outside
    them all, and of the layer; a tick of ``ticker`` for the dissolve, then one per zone."""
    threads = resolve_threads(threads)
    with no_cycle_collection():  # millions of new geometries
        dissolved = _dissolved_in_albers(polygons, layer_crs, threads)
        ticker.tick()
        layer = float(shapely.area(dissolved).sum())
        albers_zones = np.asarray(zones.table.geometry.to_crs(ALBERS_CHINA).array, dtype=object)
        per_zone, outside = _cover_polygons(dissolved, albers_zones, ticker, threads)
    return Tally(per_zone, outside, layer)


def _dissolved_in_albers(polygons: np.ndarray, layer_crs: CRS, threads: int) -> np.ndarray:
    """The polygons repaired, dissolved and in :data:`geo.area.ALBERS_CHINA`: dissolved first when
    they are in longitude/latitude with edges of :data:`SHORT_EDGE_M` at most, else projected first."""
    if layer_crs.is_geographic and longest_edge_m(polygons, threads) <= SHORT_EDGE_M:
        # Dissolved where they are, projected after: the union of a dense layer has a
        # hundredth of its vertices (82,000 of 6.5M on 100,000 service areas), so this
        # saves the projection's 0.65 s and 300 MB. See "How things are measured".
        dissolved = dissolve(valid_polygons(polygons, threads), threads)
        # The tiles' long edges are cut to short ones too, so that both sides of an edge
        # bend alike in the projection (a piece of a polygon may meet a whole tile there).
        dissolved = shapely.segmentize(dissolved, SHORT_EDGE_M / _METRES_PER_DEGREE)
        return valid_polygons(to_crs(dissolved, layer_crs, ALBERS_CHINA, threads), threads)
    return dissolve(valid_polygons(to_crs(polygons, layer_crs, ALBERS_CHINA, threads), threads), threads)


def longest_edge_m(polygons: np.ndarray, threads: int = 1) -> float:
    """The longest edge of any ring of ``polygons`` (in degrees of longitude/latitude), in metres
    (a degree of longitude counted as cos(latitude) of one of latitude: within 0.5% of the true length).

    >>> import shapely
    >>> round(longest_edge_m(np.array([shapely.box(105, 29, 105.001, 29.002)])))
    223
    """
    def longest(part: slice) -> np.ndarray:
        geoms = polygons[part]
        rings = shapely.get_rings(geoms) if shapely.get_num_interior_rings(geoms).any() else geoms
        xy = shapely.get_coordinates(rings)
        if len(xy) < 2:
            return np.zeros(1)
        step = np.diff(xy, axis=0)
        step[np.cumsum(shapely.get_num_coordinates(rings))[:-1] - 1] = 0  # from one ring to the next
        east = step[:, 0] * np.cos(np.radians(xy[:-1, 1]))
        return np.array([float(np.sqrt(np.max(east * east + step[:, 1] * step[:, 1])))])

    return float(run_chunked(longest, len(polygons), threads).max()) * _METRES_PER_DEGREE


def _cover_polygons(dissolved: np.ndarray, zones_albers: np.ndarray,
                    ticker: Ticker, threads: int = 1) -> tuple[np.ndarray, float]:
    """Area (m²) of the dissolved polygons inside each zone, and outside all zones."""
    n_zones = len(zones_albers)
    own = threading.local()  # each thread queries its own prepared copy of the zones

    def prepared() -> np.ndarray:
        if not hasattr(own, "zones"):
            own.zones = prepared_copy(zones_albers)
        return own.zones

    area = shapely.area(dissolved)
    tree = built_tree(zones_albers)

    def classify(part: slice) -> np.ndarray:
        """(3, k): polygon, zone, and 1 if the polygon lies in the zone's interior / 0 if it crosses it."""
        di, zi = tree.query(dissolved[part])
        di += part.start
        zones = prepared()
        inside = shapely.contains_properly(zones[zi], dissolved[di])
        hit = inside.copy()
        hit[~inside] = shapely.intersects(zones[zi[~inside]], dissolved[di[~inside]])
        return np.stack([di[hit], zi[hit], inside[hit]]).T

    di, zi, inside = run_chunked(classify, len(dissolved), threads).T
    inside = inside.astype(bool)
    per_zone = sum_by(zi[inside], area[di[inside]], n_zones)
    whole = np.zeros(len(dissolved), dtype=bool)
    whole[di[inside]] = True
    keep = ~inside & ~whole[di]  # a polygon inside one zone may touch another's border
    di, zi = di[keep], zi[keep]
    crossing = np.zeros(len(dissolved), dtype=bool)
    crossing[di] = True
    outside = float(area[~whole & ~crossing].sum())

    def clip(job: tuple[int, np.ndarray]) -> float:  # zone by zone: shared, unprepared, read-only
        j, idx = job
        return float(shapely.area(shapely.intersection(dissolved[idx], zones_albers[j])).sum()) if idx.size else 0.0

    jobs = list(by_zone(di, zi, n_zones))
    for (j, _), clipped in zip(jobs, thread_map(clip, jobs, threads), strict=True):
        per_zone[j] += clipped
        ticker.tick()
    if crossing.any():
        union = _zone_union(zones_albers)
        crossers = dissolved[crossing]
        outside += float(run_chunked(lambda part: shapely.area(shapely.difference(crossers[part], union)),
                                     len(crossers), threads).sum())
    return per_zone, outside


def _zone_union(zones: np.ndarray) -> shapely.Geometry:
    """The union of the zones: the fast coverage union, checked, else the general union."""
    union = shapely.coverage_union_all(zones)
    expected = float(shapely.area(zones).sum())
    if not shapely.is_valid(union) or abs(shapely.area(union) - expected) > 1e-9 * expected:
        union = shapely.union_all(zones)
    return union
