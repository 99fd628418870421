"""Lines: geodesic length inside each zone, clipped in longitude/latitude (first zone wins on a border).

Lines inside one zone's interior (or touching none) are taken whole; only those crossing a border
are cut into segments, and only the segments crossing a border are clipped.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Geod

from chengyu.geo.coverage.prepare import GeographicZones, multipart, to_crs
from chengyu.geo.coverage.progress import Ticker
from chengyu.geo.coverage.result import Tally
from chengyu.geo.coverage.sums import by_zone, sum_by

__all__ = ["MAX_SEGMENT_DEG", "measure_lines"]

# the ellipsoid lengths are measured on
_GEOD = Geod(ellps="GRS80")

#: Lines are densified to segments of at most this many degrees before clipping and measuring.
MAX_SEGMENT_DEG = 0.01


def measure_lines(lines: np.ndarray, layer_crs: CRS, zone_crs: CRS, zones: GeographicZones,
                  ticker: Ticker) -> Tally:
    """Length (m) of ``lines`` (single parts, in ``layer_crs``) in each zone, outside them all, and
    in the layer; a tick of ``ticker`` per zone."""
    lines = to_crs(lines, layer_crs, zone_crs)
    layer = float(_geodesic_length_m(lines).sum())
    per_zone, outside = _clip_lines(lines, zones, ticker)
    return Tally(per_zone, outside, layer)


def _geodesic_length_m(geoms: np.ndarray) -> np.ndarray:
    """Geodesic length on GRS80 of each (multi)line or collection in lon/lat; points count 0.

    Each line is densified to segments of at most :data:`MAX_SEGMENT_DEG` first, so the length is
    that of the line drawn straight in longitude/latitude between its vertices, and cutting a line
    anywhere changes the sum of the lengths of its pieces by less than about 1e-9 relative.
    """
    out = np.zeros(len(geoms))
    if not len(geoms):
        return out
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while parts.size:
        multi = multipart(shapely.get_type_id(parts))
        if not multi.any():
            break
        sub, sub_owner = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        owner = np.concatenate([owner[~multi], owner[multi][sub_owner]])
    if not parts.size:
        return out
    long = shapely.length(parts) > MAX_SEGMENT_DEG
    if long.any():
        parts = parts.copy()
        parts[long] = shapely.segmentize(parts[long], MAX_SEGMENT_DEG)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    same = part_of[1:] == part_of[:-1]
    start, end = coords[:-1][same], coords[1:][same]
    if not len(start):
        return out
    _, _, dist = _GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    return sum_by(owner[part_of[:-1][same]], np.abs(dist), len(geoms))


def _clip_lines(lines: np.ndarray, zones: GeographicZones, ticker: Ticker) -> tuple[np.ndarray, float]:
    """Length (m) of the lines inside each zone and outside all (first zone wins on shared borders).

    Lines inside one zone, or touching none, are measured whole. The others are cut into their
    segments first, because an overlay dissolves a line that runs over itself (there and back
    along a road would count once); the segments crossing a border are then clipped zone by zone
    in table order, each zone taking its part and leaving the rest to the next zones.
    """
    n_zones = len(zones.geoms)
    per_zone, outside, crossing, _, _ = _sort_lines(lines, zones)
    segments = _segments(lines[crossing])
    if len(segments):
        in_zones, out, crossing, si, zi = _sort_lines(segments, zones)
        per_zone += in_zones
        outside += out
    else:
        si = zi = np.empty(0, dtype=np.intp)
    rest = segments.copy()
    for j, idx in by_zone(si, zi, n_zones):
        if idx.size:
            zone = zones.geoms[j]
            per_zone[j] += _geodesic_length_m(shapely.intersection(rest[idx], zone)).sum()
            rest[idx] = shapely.difference(rest[idx], zone)
        ticker.tick()
    if len(segments):
        outside += float(_geodesic_length_m(rest[crossing]).sum())
    return per_zone, outside


def _sort_lines(lines: np.ndarray, zones: GeographicZones
                ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray]:
    """Lines inside one zone's interior (length per zone), touching no zone (length), and the rest.

    The rest is returned as the mask of such lines and the (line, zone) pairs that intersect.
    """
    n_zones = len(zones.geoms)
    length = _geodesic_length_m(lines)
    li, zi = zones.tree.query(lines)
    inside = shapely.contains_properly(zones.geoms[zi], lines[li])
    per_zone = sum_by(zi[inside], length[li[inside]], n_zones)
    whole = np.zeros(len(lines), dtype=bool)
    whole[li[inside]] = True
    keep = ~whole[li]
    li, zi = li[keep], zi[keep]
    hit = shapely.intersects(zones.geoms[zi], lines[li])
    li, zi = li[hit], zi[hit]
    crossing = np.zeros(len(lines), dtype=bool)
    crossing[li] = True
    return per_zone, float(length[~whole & ~crossing].sum()), crossing, li, zi


def _segments(lines: np.ndarray) -> np.ndarray:
    """Every segment of non-zero length of the lines, as a two-point line."""
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    same = owner[1:] == owner[:-1]
    pairs = np.stack([coords[:-1][same], coords[1:][same]], axis=1)
    pairs = pairs[(pairs[:, 0] != pairs[:, 1]).any(axis=1)]
    return shapely.linestrings(pairs) if len(pairs) else np.empty(0, dtype=object)
