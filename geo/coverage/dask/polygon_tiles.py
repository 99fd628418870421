"""Polygons in tiles: the dask engine's spatial shuffle, so that overlaps across partitions count once.

The tiles are rectangles in the equal-area CRS with disjoint interiors covering every polygon
(:func:`tile_boxes`); each partition clips its polygons to them (:func:`split_tiles`), and each
tile's pieces, from every partition, are measured in one task (:func:`cover_tile`). See "How it
works" in :mod:`geo.coverage.dask`.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import covered_area
from chengyu.geo.coverage.dask.partition import PartSums
from chengyu.geo.coverage.dask.worker import Geoms, thread_zones, worker_task
from chengyu.geo.coverage.prepare import polygon_parts
from chengyu.geo.zones import Zones

__all__ = ["TileSums", "cover_tile", "split_tiles", "tile_boxes", "tile_pieces", "zones_meeting"]

#: One tile's measure: the zones it reaches (indices), the covered area (km²) of each of them, the
#: area outside every zone and the tile's dissolved area.
TileSums = tuple[np.ndarray, np.ndarray, float, float]


def tile_boxes(parts: list[PartSums], wanted: int) -> np.ndarray:
    """Rectangles (minx, miny, maxx, maxy; Albers) with disjoint interiors covering every polygon.

    ``kx`` slabs cut at weighted quantiles of the sampled x, each cut into ``ky`` at quantiles of
    its own samples' y; the outer edges lie 1 m beyond the polygons' extent.
    """
    with_polys = [p for p in parts if p.n_polygons and p.poly_bounds is not None and p.sample is not None]
    ext = np.array([p.poly_bounds for p in with_polys], dtype=float)
    minx, miny = ext[:, 0].min() - 1.0, ext[:, 1].min() - 1.0
    maxx, maxy = ext[:, 2].max() + 1.0, ext[:, 3].max() + 1.0
    xy = np.concatenate([p.sample for p in with_polys])
    w = np.concatenate([np.full(len(p.sample), p.weight) for p in with_polys if p.sample is not None])
    kx = max(1, int(math.ceil(math.sqrt(wanted))))
    ky = max(1, int(math.ceil(wanted / kx)))
    boxes: list[tuple[float, float, float, float]] = []
    xe = _cuts(xy[:, 0], w, kx, minx, maxx)
    for x0, x1 in zip(xe[:-1], xe[1:], strict=True):
        sel = (xy[:, 0] >= x0) & (xy[:, 0] < x1)
        ye = _cuts(xy[sel, 1], w[sel], ky, miny, maxy)
        boxes.extend((x0, y0, x1, y1) for y0, y1 in zip(ye[:-1], ye[1:], strict=True))
    return np.array(boxes, dtype=float)


def _cuts(values: np.ndarray, weights: np.ndarray, k: int, lo: float, hi: float) -> list[float]:
    """``lo``, the weighted k-quantiles of ``values`` strictly between lo and hi (deduplicated), ``hi``."""
    if k <= 1 or not len(values):
        return [lo, hi]
    order = np.argsort(values, kind="stable")
    v, cw = values[order], np.cumsum(weights[order])
    targets = cw[-1] * np.arange(1, k) / k
    cuts = v[np.minimum(np.searchsorted(cw, targets), len(v) - 1)]
    cuts = np.unique(cuts[(cuts > lo) & (cuts < hi)])
    return [lo, *map(float, cuts), hi]


def zones_meeting(boxes: np.ndarray, zones: Zones) -> list[np.ndarray]:
    """For each box, the indices of the zones whose bounding boxes overlap it (in Albers)."""
    zb = shapely.bounds(np.asarray(zones.table.geometry.to_crs(ALBERS_CHINA).array, dtype=object))
    return [np.flatnonzero((zb[:, 0] < box[2]) & (zb[:, 2] > box[0]) & (zb[:, 1] < box[3]) & (zb[:, 3] > box[1]))
            for box in boxes]


def split_tiles(part: PartSums, *, boxes: np.ndarray) -> list[Geoms | None]:
    """The partition's polygons clipped to each tile (on a worker): whole where they lie inside one."""
    with worker_task():
        return _split(part, boxes)


def _split(part: PartSums, boxes: np.ndarray) -> list[Geoms | None]:
    out: list[Geoms | None] = [None] * len(boxes)
    if part.polygons is None or not len(part.polygons):
        return out
    polys = part.polygons.array
    b = shapely.bounds(polys)
    tiles = shapely.box(boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3])
    pi, ti = shapely.STRtree(tiles).query(polys)  # bounding boxes that meet (touching included)
    bx, tb = b[pi], boxes[ti]
    overlap = (bx[:, 0] < tb[:, 2]) & (bx[:, 2] > tb[:, 0]) & (bx[:, 1] < tb[:, 3]) & (bx[:, 3] > tb[:, 1])
    pi, ti, bx, tb = pi[overlap], ti[overlap], bx[overlap], tb[overlap]
    inside = (bx[:, 0] >= tb[:, 0]) & (bx[:, 2] <= tb[:, 2]) & (bx[:, 1] >= tb[:, 1]) & (bx[:, 3] <= tb[:, 3])
    pieces = polys[pi].copy()
    cut = np.flatnonzero(~inside)
    if cut.size:
        pieces[cut] = shapely.intersection(polys[pi[cut]], tiles[ti[cut]])
    order = np.argsort(ti, kind="stable")
    ti, pieces, inside = ti[order], pieces[order], inside[order]
    edges = np.searchsorted(ti, np.arange(len(boxes) + 1))
    for k in range(len(boxes)):  # over tiles, not geometries
        lo, hi = edges[k], edges[k + 1]
        if hi <= lo:
            continue
        chunk, whole = pieces[lo:hi], inside[lo:hi]
        if not whole.all():  # a cut may give MultiPolygons, or collections with what only touches the tile
            cut_parts = polygon_parts(chunk[~whole])
            chunk = np.concatenate([chunk[whole], cut_parts[shapely.area(cut_parts) > 0.0]])
        if len(chunk):
            out[k] = Geoms(chunk)
    return out


def tile_pieces(split: list[Geoms | None], k: int) -> Geoms | None:
    """Tile ``k``'s pieces of one partition's :func:`split_tiles` (a task of its own, so that each
    tile's task fetches only its pieces)."""
    return split[k]


def cover_tile(zones: Zones, zone_idx: np.ndarray, *pieces: Geoms | None) -> TileSums:
    """covered_area of one tile's pieces (from every partition) against the zones reaching the tile."""
    with worker_task():
        return _cover(zones, zone_idx, pieces)


def _cover(zones: Zones, zone_idx: np.ndarray, pieces: tuple[Geoms | None, ...]) -> TileSums:
    arrays = [p.array for p in pieces if p is not None and len(p)]
    if not arrays:
        return zone_idx, np.zeros(len(zone_idx)), 0.0, 0.0
    polys = np.concatenate(arrays)
    zones = thread_zones(zones)
    table = zones.table.iloc[zone_idx].reset_index(drop=True)
    cov = covered_area(gpd.GeoSeries(polys, crs=ALBERS_CHINA), Zones(zones.kind, table), threads=1)
    return (zone_idx, cov.table["covered_km2"].to_numpy(dtype=float), float(cov.outside["covered_km2"]),
            float(cov.layer_totals["area_km2"]))
