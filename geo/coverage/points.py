"""Points: how many fall in each zone, by grid cells classified once (first zone wins on a border).

In chunks of 262,144 point geometries (so memory does not grow with the layer), each point falls in a
cell of a 1/32° grid over the zones; a cell is classified once, the first time a point falls in it
(a cell box against the prepared zones): inside one zone's interior, touching no zone, or crossed by
a border. Only points in crossed cells are tested exactly, zone by zone in table order, with
``shapely.intersects_xy`` on the prepared zone after a bounding-box filter on x-sorted coordinates.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

from chengyu.geo.coverage.prepare import GeographicZones, transformer
from chengyu.geo.coverage.progress import Ticker
from chengyu.geo.coverage.result import Tally

__all__ = ["PointClassifier", "count_points", "point_chunks"]

# Points are classified on a grid of cells this size (degrees, about 3 km; measured fastest on a
# million clustered points against the 221 districts) ...
_CELL_DEG = 1 / 32
# ... in chunks of this many point geometries, so that memory does not grow with the layer.
_POINT_CHUNK = 1 << 18
# Cell states besides a zone index: not yet classified, crossed by a border (test points exactly).
_UNKNOWN, _OUTSIDE, _MIXED = -3, -1, -2


def point_chunks(n: int) -> range:
    """Where each chunk of 262,144 of ``n`` point geometries starts (a unit of progress each)."""
    return range(0, n, _POINT_CHUNK)


def count_points(points: np.ndarray, layer_crs: CRS, zone_crs: CRS, zones: GeographicZones,
                 ticker: Ticker) -> Tally:
    """How many points (the parts of MultiPoints each count) fall in each zone, outside them all,
    and in the layer; a tick of ``ticker`` per chunk of 262,144 geometries."""
    classifier = PointClassifier(zones)
    transform = transformer(layer_crs, zone_crs)
    count = np.zeros(len(zones.geoms), dtype=np.int64)
    outside, layer = 0, 0
    for start in point_chunks(len(points)):
        # get_coordinates: every point of Points and MultiPoints, nothing for empty ones
        xy = shapely.get_coordinates(points[start:start + _POINT_CHUNK])
        x, y = xy[:, 0], xy[:, 1]
        if transform is not None:
            x, y = (np.asarray(v, dtype=float) for v in transform.transform(x, y))
        zone_of = classifier.assign(x, y)
        inside = zone_of >= 0
        count += np.bincount(zone_of[inside], minlength=len(count))
        outside += int(len(zone_of) - inside.sum())
        layer += len(zone_of)
        ticker.tick()
    return Tally(count, outside, layer)


class PointClassifier:
    """Which zone each point lies in, by grid cells classified once and kept across chunks.

    The grid covers the zones' bounding box with cells of ``_CELL_DEG``. A cell is classified
    the first time a point falls in it: inside one zone's interior (and touching no other zone), or
    touching no zone, or crossed by a border (``_MIXED``). Only points in crossed cells are tested
    exactly, zone by zone in table order, so the first zone wins on a shared border.
    """

    def __init__(self, zones: GeographicZones) -> None:
        self.zones = zones
        minx, miny, maxx, maxy = shapely.total_bounds(zones.geoms)
        self.bbox = (minx, miny, maxx, maxy)
        cell = _CELL_DEG
        while (maxx - minx) / cell * (maxy - miny) / cell > 4_000_000:  # zones spanning a continent
            cell *= 2
        self.cell = cell
        self.x0, self.y0 = minx, miny
        self.nx = int((maxx - minx) / cell) + 2
        self.ny = int((maxy - miny) / cell) + 2
        self.state = np.full(self.nx * self.ny, _UNKNOWN, dtype=np.int32)

    def assign(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The index of the zone each point lies in, or -1 (outside all, or not finite)."""
        minx, miny, maxx, maxy = self.bbox
        result = np.full(len(x), -1, dtype=np.int32)
        near = np.flatnonzero((x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        if not near.size:
            return result
        xs, ys = x[near], y[near]
        cid = ((xs - self.x0) / self.cell).astype(np.int32) * np.int32(self.ny)
        cid += ((ys - self.y0) / self.cell).astype(np.int32)
        state = self.state[cid]
        new = state == _UNKNOWN
        if new.any():
            self._classify(np.unique(cid[new]))
            state = self.state[cid]
        result[near] = np.where(state >= 0, state, -1)
        mixed = np.flatnonzero(state == _MIXED)
        if mixed.size:
            result[near[mixed]] = self._exactly(xs[mixed], ys[mixed])
        return result

    def _classify(self, cells: np.ndarray) -> None:
        ix, iy = np.divmod(cells.astype(np.int64), self.ny)
        pad = self.cell * 1e-6  # rounding in the cell index must never put a point outside its box
        boxes = shapely.box(self.x0 + ix * self.cell - pad, self.y0 + iy * self.cell - pad,
                            self.x0 + (ix + 1) * self.cell + pad, self.y0 + (iy + 1) * self.cell + pad)
        zones = self.zones
        b, z = zones.tree.query(boxes)
        hit = shapely.intersects(zones.geoms[z], boxes[b])
        b, z = b[hit], z[hit]
        n_hits = np.bincount(b, minlength=len(boxes))
        inside = shapely.contains_properly(zones.geoms[z], boxes[b]) & (n_hits[b] == 1)
        state = np.where(n_hits == 0, _OUTSIDE, _MIXED).astype(np.int32)
        state[b[inside]] = z[inside]
        self.state[cells] = state

    def _exactly(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Point-in-polygon zone by zone (prepared zones, bounding-box filter on x-sorted points)."""
        result = np.full(len(x), -1, dtype=np.int32)
        order = np.argsort(x, kind="stable")
        xs, ys = x[order], y[order]
        taken = np.zeros(len(x), dtype=bool)
        zones = self.zones
        for j, (minx, miny, maxx, maxy) in enumerate(zones.bounds):
            lo = np.searchsorted(xs, minx, side="left")
            hi = np.searchsorted(xs, maxx, side="right")
            if hi <= lo:
                continue
            ysl = ys[lo:hi]
            cand = np.flatnonzero((ysl >= miny) & (ysl <= maxy) & ~taken[lo:hi]) + lo
            if cand.size:
                hit = cand[shapely.intersects_xy(zones.geoms[j], xs[cand], ys[cand])]
                taken[hit] = True
                result[order[hit]] = j
        return result
