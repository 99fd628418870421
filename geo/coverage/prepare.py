"""A layer's geometries made ready to measure: split by kind into single parts, reprojected, repaired;
the zones prepared in their own CRS.

Geometry kinds are told by :class:`shapely.GeometryType`: the single kinds (POINT to POLYGON) come
first in its numbering, then the Multi* kinds and GEOMETRYCOLLECTION; MISSING (None) is -1.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely import GeometryType

from chengyu.geo.threads import run_chunked

__all__ = ["GeographicZones", "multipart", "polygon_parts", "single_parts", "split_kinds", "to_crs", "transformer",
           "valid_polygons"]

# Geometries are reprojected in chunks of at most this many: pyproj took 2.7x longer per coordinate
# on chunks of 8M coordinates than on chunks of 1M (measured: 65M coordinates, two threads).
_TRANSFORM_CHUNK = 1 << 14


def multipart(types: np.ndarray) -> np.ndarray:
    """Which of these type ids (:func:`shapely.get_type_id`) are Multi* or GeometryCollections."""
    return types > GeometryType.POLYGON  # the multi-part kinds are numbered after the single ones


def single_parts(geoms: np.ndarray) -> np.ndarray:
    """Single-part geometries only: Multi* and collections (also nested) split, None/empty dropped."""
    geoms = geoms[~shapely.is_missing(geoms)]
    while geoms.size:
        multi = multipart(shapely.get_type_id(geoms))
        if not multi.any():
            break
        geoms = np.concatenate([geoms[~multi], shapely.get_parts(geoms[multi])])
    return geoms[~shapely.is_empty(geoms)] if geoms.size else geoms


def polygon_parts(geoms: np.ndarray) -> np.ndarray:
    """The single polygons of ``geoms`` (Multi* and collections split; lines, points, empties dropped)."""
    parts = single_parts(geoms)
    return parts[shapely.get_type_id(parts) == GeometryType.POLYGON]


def split_kinds(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The point geometries (Points and MultiPoints), the lines and the polygons (single parts).

    LinearRings are measured as the closed lines they are.

    >>> points, lines, polygons = split_kinds(np.array([shapely.MultiPoint([(0, 0), (1, 1)]),
    ...     shapely.LinearRing([(0, 0), (1, 0), (1, 1)]), shapely.box(0, 0, 1, 1), None]))
    >>> len(points), lines[0].geom_type, len(polygons)
    (2, 'LineString', 1)
    """
    types = shapely.get_type_id(geoms)
    pointlike = (types == GeometryType.POINT) | (types == GeometryType.MULTIPOINT)
    if pointlike.all():  # the common big case: no new objects, not even a copy
        return geoms, np.empty(0, object), np.empty(0, object)
    if ((types >= GeometryType.POINT) & (types <= GeometryType.POLYGON)).all():  # no None, Multi*, collection
        parts = geoms[~shapely.is_empty(geoms)]
    else:
        parts = single_parts(geoms)
    types = shapely.get_type_id(parts)
    lines = parts[(types == GeometryType.LINESTRING) | (types == GeometryType.LINEARRING)]
    rings = shapely.get_type_id(lines) == GeometryType.LINEARRING
    if rings.any():
        lines = lines.copy()
        lines[rings] = shapely.linestrings(shapely.get_coordinates(lines[rings]),
                                           indices=np.repeat(np.arange(rings.sum()),
                                                             shapely.get_num_coordinates(lines[rings])))
    return parts[types == GeometryType.POINT], lines, parts[types == GeometryType.POLYGON]


def valid_polygons(polygons: np.ndarray, threads: int = 1) -> np.ndarray:
    """``polygons`` with the invalid ones repaired (``shapely.make_valid``, its polygonal parts kept)."""
    bad = ~run_chunked(lambda part: shapely.is_valid(polygons[part]), len(polygons), threads)
    if not bad.any():
        return polygons
    return np.concatenate([polygons[~bad], polygon_parts(shapely.make_valid(polygons[bad]))])


def transformer(src: CRS, dst: CRS) -> Transformer | None:
    """A transformer from ``src`` to ``dst`` (x, y in that order), or None when they are the same CRS."""
    if src.equals(dst, ignore_axis_order=True):  # (to_epsg() would search the database: 70 ms)
        return None
    return Transformer.from_crs(src, dst, always_xy=True)


def to_crs(geoms: np.ndarray, src: CRS, dst: CRS, threads: int = 1) -> np.ndarray:
    """The geometries in ``dst``, 2-D (as ``GeoSeries.to_crs``, chunk by chunk in ``threads``)."""
    move_xy = transformer(src, dst)
    if move_xy is None:
        return geoms

    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(move_xy.transform(xy[:, 0], xy[:, 1]))

    return run_chunked(lambda part: shapely.transform(geoms[part], move), len(geoms), threads,
                       max_chunk=_TRANSFORM_CHUNK)


class GeographicZones:
    """The zones in their own (geographic) CRS, prepared, with an STRtree and bounds."""

    def __init__(self, geoms: np.ndarray) -> None:
        self.geoms = geoms.copy()
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.bounds = shapely.bounds(self.geoms)
