"""How much of each zone a layer covers: polygon area, line length and point count per zone.

:func:`covered_area` takes any layer (points, lines, polygons, or a mix; any CRS) and a set of
:class:`~geo.zones.Zones` and returns a :class:`Coverage`: one row per zone with the covered area,
the length of line inside it and the number of points in it, the same figures for all zones
together, for the part of the layer outside every zone, and for the layer itself.

How things are measured
-----------------------
- **Polygons**: the layer's polygons are first dissolved, so that an area covered by several
  overlapping polygons counts once. ``covered_km2`` of a zone is the area of (union of the layer's
  polygons) ∩ zone, measured in :data:`geo.area.ALBERS_CHINA` (equal-area, so the areas are true
  areas on the GRS80 ellipsoid to better than 0.001% here) against the zones at full resolution;
  ``covered_pct`` is ``covered_km2 / area_km2 * 100`` with the zone's own ``area_km2``.
  A layer in longitude/latitude whose edges are all 250 m or shorter (service areas, buildings,
  parcels) is dissolved before it is projected: the union keeps the layer's own vertices and adds
  those where edges cross, and these move by less than 1.3 mm (the most a 250 m edge straight in
  longitude/latitude bends in the projection anywhere in China); the long straight edges the
  dissolve itself makes (tile edges, see below) are cut to 250 m first. Measured against projecting
  first, on 100,000 overlapping service areas: a zone's covered area changes by less than 1e-8
  relative. Layers with longer edges are projected first.
- **Lines**: ``length_km`` is geodesic length on the GRS80 ellipsoid (Karney's algorithm through
  :meth:`pyproj.Geod.inv`, accurate to nanometres per segment) of the lines clipped to each zone in
  longitude/latitude (EPSG:4490, the zones' own CRS). Each line (or piece of line) is densified to
  segments of at most 0.01° (about 1 km) before it is measured, so what is measured is the line
  drawn straight in longitude/latitude between its vertices, and cutting a line at a border changes
  the sum of its lengths by less than about 1e-9 relative. A line running over itself counts every
  pass. (Measuring in the equal-area projection instead would be off by up to 1.2% at 30°N and 1.7%
  at 34°N depending on direction: its scale is 1.012 along meridians and 0.988 along parallels at
  30°N.)
- **Points**: ``count`` is the number of points (the parts of MultiPoints each count) and
  ``per_km2`` is ``count / area_km2``.

Borders
-------
Zones are taken to tile without overlaps (the bundled ones share their borders exactly). A point
lying exactly on a border shared by several zones, or a stretch of line running exactly along such
a border, belongs to the **first of those zones in the zones' table order**, so it is counted exactly
once. Polygons have no area on a border, so no rule is needed for them.

Conservation: for every kind, the sum over the zones plus ``outside`` equals ``layer_totals`` (to
about 1e-9 relative for areas and lengths, exactly for counts). ``outside`` is computed on its own
(as the part of the layer not covered by the union of the zones), not as a remainder, so the
property is a real check.

How it is fast
--------------
No Python loop runs over the layer's geometries; the loops are over zones (at most a few hundred)
or size classes, and everything inside them is vectorised shapely 2 / numpy:

- points: in chunks of 262,144 (so memory does not grow with the layer), each point falls in a
  cell of a 1/32° grid over the zones; a cell is classified once, the first time a point falls in
  it (a cell box against the prepared zones): inside one zone's interior, touching no zone, or
  crossed by a border. Only points in crossed cells are tested exactly, zone by zone in table
  order, with ``shapely.intersects_xy`` on the prepared zone after a bounding-box filter on
  x-sorted coordinates;
- polygons: the layer is cut into square tiles (about a thousand polygons each, ten polygons wide at
  least). In *dense* tiles, those the polygons' bounding boxes cover twice over or more (service
  areas, buffers: where finding the overlapping pairs would cost more than the union, their number
  growing as the square of the density), the polygons are clipped to the tile
  (``shapely.clip_by_rect``) and unioned there, biggest first by halves, leaving out those the
  union of the bigger ones already contains; the tiles run in threads. Everywhere else (all of a
  layer of buildings or parcels) overlapping polygons are found with an STRtree self-query and a
  DE-9IM test for overlapping interiors, grouped into connected components and dissolved per
  component (``union_all`` along an axis, one call per size class); the rest are left alone. The
  tiles share their edges exactly, so cutting adds no area and loses none (about 1e-13 relative).
  Each dissolved polygon that lies inside a zone's interior (``contains_properly`` against the
  prepared zone) is taken whole; only those crossing a border are intersected;
- lines: lines inside one zone's interior (or touching none) are taken whole; only those crossing a
  border are cut into segments, and only the segments crossing a border are clipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod, Transformer

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.gcpause import no_cycle_collection
from chengyu.geo.threads import MIN_CHUNK, built_tree, prepared_copy, resolve_threads, run_chunked, thread_map
from chengyu.geo.zones import Zones

__all__ = ["Coverage", "TABLE_COLUMNS", "covered_area"]

#: The columns of :attr:`Coverage.table`, in order.
TABLE_COLUMNS = ["code", "name_zh", "name_en", "area_km2", "covered_km2", "covered_pct",
                 "length_km", "count", "per_km2"]

Progress = Callable[[int, int], None]

GEOD = Geod(ellps="GRS80")

#: Lines are densified to segments of at most this many degrees before clipping and measuring.
MAX_SEGMENT_DEG = 0.01

# Geometries are reprojected in chunks of at most this many: pyproj took 2.7x longer per coordinate
# on chunks of 8M coordinates than on chunks of 1M (measured: 65M coordinates, two threads).
_TRANSFORM_CHUNK = 1 << 14

# Points are classified on a grid of cells this size (degrees, about 3 km; measured fastest on a
# million clustered points against the 221 districts) ...
_CELL_DEG = 1 / 32
# ... in chunks of this many point geometries, so that memory does not grow with the layer.
_POINT_CHUNK = 1 << 18
# Cell states besides a zone index: not yet classified, crossed by a border (test points exactly).
_UNKNOWN, _OUTSIDE, _MIXED = -3, -1, -2

# shapely type ids
_POINT, _LINESTRING, _LINEARRING, _POLYGON, _MULTIPOINT = 0, 1, 2, 3, 4


@dataclass
class Coverage:
    """What a layer covers of each zone (``table``), of all zones (``total``), outside them
    (``outside``), and the layer's own totals (``layer_totals``).

    ``table``: one row per zone in the zones' order, columns :data:`TABLE_COLUMNS`.
    ``total``: ``area_km2``, ``covered_km2``, ``covered_pct``, ``length_km``, ``count``, ``per_km2``
    over all zones. ``outside``: ``covered_km2``, ``length_km``, ``count`` of the layer outside every
    zone. ``layer_totals``: ``area_km2`` (dissolved polygons), ``length_km``, ``count``.
    ``kinds``: the kinds of geometry present in the layer (``point``, ``line``, ``polygon``).
    """

    table: pd.DataFrame
    total: dict[str, Any]
    outside: dict[str, Any]
    layer_totals: dict[str, Any]
    kinds: tuple[str, ...] = field(default=())


def covered_area(layer: gpd.GeoDataFrame | gpd.GeoSeries, zones: Zones, *,
                 progress: Progress | None = None, threads: int | None = None) -> Coverage:
    """Area, length and count of ``layer`` inside each of ``zones`` (see the module docstring).

    ``layer`` may be in any CRS (it must have one) and mix points, lines and polygons (Multi* and
    GeometryCollections are split into their parts; null and empty geometries are ignored). Invalid
    polygons are repaired with ``shapely.make_valid`` (only the polygonal part of a repair is
    kept).

    ``progress(done, total)``, when given, is called with ``done`` = 0 first and ``done`` = ``total``
    last; the units of work are chunks of 262,144 point geometries, one per zone for lines, and one
    per zone plus one (the dissolve) for polygons.

    ``threads``: how many threads the polygon work may use (default: every core this process may
    run on, :func:`geo.threads.available_threads`); ``1`` keeps it in the calling thread, as an
    engine that runs many of these at once (dask) wants.

    >>> import geopandas as gpd, shapely
    >>> from chengyu.geo.zones import zones
    >>> sc = zones("science-city")
    >>> shapingba = sc.table.geometry.iloc[:1]
    >>> cov = covered_area(gpd.GeoDataFrame(geometry=shapingba), sc)
    >>> row = cov.table.iloc[0]
    >>> row["name_en"], round(float(row["covered_km2"]), 1), round(float(row["covered_pct"]), 6)
    ('Shapingba District', 396.9, 100.0)
    """
    if layer.crs is None:
        raise ValueError("the layer has no CRS; set one before measuring coverage")
    zone_table = zones.table
    zone_crs = CRS.from_user_input(zone_table.crs)
    if not zone_crs.is_geographic:
        raise ValueError(f"the zones must be in a geographic CRS, not {zone_crs.name}")
    n_zones = len(zone_table)
    zone_geoms = np.asarray(zone_table.geometry.array, dtype=object)
    zone_area = zone_table["area_km2"].to_numpy(dtype=float)

    points, lines, polygons = _split_kinds(np.asarray(layer.geometry.array, dtype=object))
    layer_crs = CRS.from_user_input(layer.crs)

    kinds = tuple(k for k, present in (("point", len(points) > 0), ("line", len(lines) > 0),
                                       ("polygon", len(polygons) > 0)) if present)
    point_chunks = range(0, len(points), _POINT_CHUNK)
    ticker = _Ticker(progress, len(point_chunks) + (n_zones if len(lines) else 0)
                     + (n_zones + 1 if len(polygons) else 0))

    count = np.zeros(n_zones, dtype=np.int64)
    length_m = np.zeros(n_zones)
    covered_m2 = np.zeros(n_zones)
    out_count, out_length_m, out_area_m2 = 0, 0.0, 0.0
    layer_count, layer_length_m, layer_area_m2 = 0, 0.0, 0.0

    geographic = _GeographicZones(zone_geoms) if (len(points) or len(lines)) else None

    if len(points):
        assert geographic is not None  # built above whenever there are points or lines
        classifier = _PointClassifier(geographic)
        transform = _transformer(layer_crs, zone_crs)
        for start in point_chunks:
            # get_coordinates: every point of Points and MultiPoints, nothing for empty ones
            xy = shapely.get_coordinates(points[start:start + _POINT_CHUNK])
            x, y = xy[:, 0], xy[:, 1]
            if transform is not None:
                x, y = (np.asarray(v, dtype=float) for v in transform.transform(x, y))
            zone_of = classifier.assign(x, y)
            inside = zone_of >= 0
            count += np.bincount(zone_of[inside], minlength=n_zones)
            out_count += int(len(zone_of) - inside.sum())
            layer_count += len(zone_of)
            ticker.tick()

    if len(lines):
        lines = _to_crs(lines, layer_crs, zone_crs)
        layer_length_m = float(_geodesic_length_m(lines).sum())
        assert geographic is not None  # built above whenever there are points or lines
        length_m, out_length_m = _clip_lines(lines, geographic, ticker)

    if len(polygons):
        threads = resolve_threads(threads)
        with no_cycle_collection():  # millions of new geometries
            if layer_crs.is_geographic and _longest_edge_m(polygons, threads) <= _SHORT_EDGE_M:
                # Dissolved where they are, projected after: the union of a dense layer has a
                # hundredth of its vertices (82,000 of 6.5M on 100,000 service areas), so this
                # saves the projection's 0.65 s and 300 MB. See "How things are measured".
                dissolved = _dissolve(_valid_polygons(polygons, threads), threads)
                # The tiles' long edges are cut to short ones too, so that both sides of an edge
                # bend alike in the projection (a piece of a polygon may meet a whole tile there).
                dissolved = shapely.segmentize(dissolved, _SHORT_EDGE_M / _METRES_PER_DEGREE)
                dissolved = _valid_polygons(_to_crs(dissolved, layer_crs, ALBERS_CHINA, threads), threads)
            else:
                polygons = _valid_polygons(_to_crs(polygons, layer_crs, ALBERS_CHINA, threads), threads)
                dissolved = _dissolve(polygons, threads)
            ticker.tick()
            layer_area_m2 = float(shapely.area(dissolved).sum())
            albers_zones = np.asarray(zone_table.geometry.to_crs(ALBERS_CHINA).array, dtype=object)
            covered_m2, out_area_m2 = _cover_polygons(dissolved, albers_zones, ticker, threads)

    ticker.finish()

    return assemble(
        zone_table, zone_area, covered_m2 / 1e6, length_m / 1e3, count,
        outside={"covered_km2": out_area_m2 / 1e6, "length_km": out_length_m / 1e3, "count": out_count},
        layer_totals={"area_km2": layer_area_m2 / 1e6, "length_km": layer_length_m / 1e3, "count": layer_count},
        kinds=kinds,
    )


def assemble(zone_table: pd.DataFrame, zone_area: np.ndarray, covered_km2: np.ndarray, length_km: np.ndarray,
             count: np.ndarray, *, outside: dict[str, Any], layer_totals: dict[str, Any],
             kinds: tuple[str, ...]) -> Coverage:
    """A :class:`Coverage` from per-zone sums (shared by the in-process and the dask engines)."""
    table = pd.DataFrame({
        "code": zone_table["code"].to_numpy(),
        "name_zh": zone_table["name_zh"].to_numpy(),
        "name_en": zone_table["name_en"].to_numpy(),
        "area_km2": zone_area,
        "covered_km2": covered_km2,
        "covered_pct": _ratio(covered_km2, zone_area) * 100.0,
        "length_km": length_km,
        "count": count,
        "per_km2": _ratio(count.astype(float), zone_area),
    }, columns=TABLE_COLUMNS)
    total_area = float(zone_area.sum())
    total_covered = float(covered_km2.sum())
    total_count = int(count.sum())
    total = {
        "area_km2": total_area,
        "covered_km2": total_covered,
        "covered_pct": float(_ratio(total_covered, total_area) * 100.0),
        "length_km": float(length_km.sum()),
        "count": total_count,
        "per_km2": float(_ratio(float(total_count), total_area)),
    }
    return Coverage(table, total, outside, layer_totals, kinds)


# --------------------------------------------------------------------------------------------
# helpers


class _Ticker:
    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback, self.total, self.done = callback, total, 0
        if callback is not None:
            callback(0, total)

    def tick(self, n: int = 1) -> None:
        self.done += n
        if self.callback is not None and n:
            self.callback(min(self.done, self.total), self.total)

    def finish(self) -> None:
        if self.done < self.total:
            self.tick(self.total - self.done)


def _ratio(num: Any, den: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(den) > 0, np.asarray(num) / np.asarray(den), 0.0)


def _by_zone(members: np.ndarray, zone_of: np.ndarray, n_zones: int) -> Iterator[tuple[int, np.ndarray]]:
    """Every zone index in order, with the members paired with it (in their original order)."""
    order = np.argsort(zone_of, kind="stable")
    members, zone_of = members[order], zone_of[order]
    bounds = np.searchsorted(zone_of, np.arange(n_zones + 1))
    for j in range(n_zones):
        yield j, members[bounds[j]:bounds[j + 1]]


def _sum_by(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``weights`` per ``index`` in 0..n-1, always float64 (``np.bincount`` of nothing is int)."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64, copy=False)


def _flatten(geoms: np.ndarray) -> np.ndarray:
    """Single-part geometries only: Multi* and collections (also nested) split, None/empty dropped."""
    geoms = geoms[~shapely.is_missing(geoms)]
    while geoms.size:
        multi = shapely.get_type_id(geoms) > _POLYGON
        if not multi.any():
            break
        geoms = np.concatenate([geoms[~multi], shapely.get_parts(geoms[multi])])
    return geoms[~shapely.is_empty(geoms)] if geoms.size else geoms


def _split_kinds(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The point geometries (Points and MultiPoints), the lines and the polygons (single parts)."""
    types = shapely.get_type_id(geoms)
    pointlike = (types == _POINT) | (types == _MULTIPOINT)
    if pointlike.all():  # the common big case: no new objects, not even a copy
        return geoms, np.empty(0, object), np.empty(0, object)
    if ((types >= 0) & (types <= _POLYGON)).all():  # no None, no Multi*, no collections
        parts = geoms[~shapely.is_empty(geoms)]
    else:
        parts = _flatten(geoms)
    types = shapely.get_type_id(parts)
    lines = parts[(types == _LINESTRING) | (types == _LINEARRING)]
    rings = shapely.get_type_id(lines) == _LINEARRING
    if rings.any():
        lines = lines.copy()
        lines[rings] = shapely.linestrings(shapely.get_coordinates(lines[rings]),
                                           indices=np.repeat(np.arange(rings.sum()),
                                                             shapely.get_num_coordinates(lines[rings])))
    return parts[types == _POINT], lines, parts[types == _POLYGON]


def _same_crs(a: CRS, b: CRS) -> bool:
    return a.equals(b, ignore_axis_order=True)  # (to_epsg() would search the database: 70 ms)


def _transformer(src: CRS, dst: CRS) -> Transformer | None:
    return None if _same_crs(src, dst) else Transformer.from_crs(src, dst, always_xy=True)


def _to_crs(geoms: np.ndarray, src: CRS, dst: CRS, threads: int = 1) -> np.ndarray:
    """The geometries in ``dst``, 2-D (as ``GeoSeries.to_crs``, chunk by chunk in ``threads``)."""
    transformer = _transformer(src, dst)
    if transformer is None:
        return geoms

    def move(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return run_chunked(lambda part: shapely.transform(geoms[part], move), len(geoms), threads,
                       max_chunk=_TRANSFORM_CHUNK)


# Polygons whose edges are all at most this long (metres) are dissolved in longitude/latitude.
_SHORT_EDGE_M = 250.0
_METRES_PER_DEGREE = 111_320.0


def _longest_edge_m(polygons: np.ndarray, threads: int = 1) -> float:
    """The longest edge of any ring of ``polygons`` (in degrees of longitude/latitude), in metres
    (a degree of longitude counted as cos(latitude) of one of latitude: within 0.5% of the true length).

    >>> import shapely
    >>> round(_longest_edge_m(np.array([shapely.box(105, 29, 105.001, 29.002)])))
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


def _valid_polygons(polygons: np.ndarray, threads: int = 1) -> np.ndarray:
    bad = ~run_chunked(lambda part: shapely.is_valid(polygons[part]), len(polygons), threads)
    if not bad.any():
        return polygons
    repaired = _flatten(shapely.make_valid(polygons[bad]))
    repaired = repaired[shapely.get_type_id(repaired) == _POLYGON]
    return np.concatenate([polygons[~bad], repaired])


class _GeographicZones:
    """The zones in their own (geographic) CRS, prepared, with an STRtree and bounds."""

    def __init__(self, geoms: np.ndarray) -> None:
        self.geoms = geoms.copy()
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.bounds = shapely.bounds(self.geoms)


# ---- points


class _PointClassifier:
    """Which zone each point lies in, by grid cells classified once and kept across chunks.

    The grid covers the zones' bounding box with cells of :data:`_CELL_DEG`. A cell is classified
    the first time a point falls in it: inside one zone's interior (and touching no other zone), or
    touching no zone, or crossed by a border (``_MIXED``). Only points in crossed cells are tested
    exactly, zone by zone in table order, so the first zone wins on a shared border.
    """

    def __init__(self, zones: _GeographicZones) -> None:
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


def _assign_points(x: np.ndarray, y: np.ndarray, zones: _GeographicZones) -> np.ndarray:
    """The zone index of each point (first zone in table order on shared borders), or -1."""
    return _PointClassifier(zones).assign(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


# ---- lines


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
        multi = shapely.get_type_id(parts) > _POLYGON
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
    _, _, dist = GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    return _sum_by(owner[part_of[:-1][same]], np.abs(dist), len(geoms))


def _sort_lines(lines: np.ndarray, zones: _GeographicZones
                ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray]:
    """Lines inside one zone's interior (length per zone), touching no zone (length), and the rest.

    The rest is returned as the mask of such lines and the (line, zone) pairs that intersect.
    """
    n_zones = len(zones.geoms)
    length = _geodesic_length_m(lines)
    li, zi = zones.tree.query(lines)
    inside = shapely.contains_properly(zones.geoms[zi], lines[li])
    per_zone = _sum_by(zi[inside], length[li[inside]], n_zones)
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


def _clip_lines(lines: np.ndarray, zones: _GeographicZones, ticker: _Ticker) -> tuple[np.ndarray, float]:
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
    for j, idx in _by_zone(si, zi, n_zones):
        if idx.size:
            zone = zones.geoms[j]
            per_zone[j] += _geodesic_length_m(shapely.intersection(rest[idx], zone)).sum()
            rest[idx] = shapely.difference(rest[idx], zone)
        ticker.tick()
    if len(segments):
        outside += float(_geodesic_length_m(rest[crossing]).sum())
    return per_zone, outside


# ---- polygons


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest member index) of the graph with edges (a, b)."""
    labels = np.arange(n)
    while True:
        la, lb = labels[a], labels[b]
        low = np.minimum(la, lb)
        new = labels.copy()
        np.minimum.at(new, la, low)
        np.minimum.at(new, lb, low)
        while True:  # pointer jumping until every label is a root
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels
        labels = new


# Layers of fewer polygons than this are dissolved without tiles.
_TILED_MIN = 2_048
# Tiles hold about this many polygons (on average over the area the polygons occupy) ...
_TILE_POLYGONS = 1_000
# ... and are at least this many times as wide as the polygons' median bounding box, so that few
# polygons are cut. (On 100,000 circles of radius 0.2-2 km over Chongqing the union took the same
# time with tiles of 10 to 25 times their median width, and 1.9-2.0x less in two threads.)
_TILE_WIDTHS = 10
# ... and are at least this many (on the polygons' occupied area), to share among threads.
_MIN_TILES = 16
# A tile is dense when the polygons' bounding boxes cover it this many times over: each polygon then
# has some 4x this many neighbours to test, and the overlapping ones percolate into one group (boxes
# of one size do from about 1.1). The building-sized benchmark layer reaches 1.6 in its densest tiles
# at 1,000,000 polygons, where both ways took the same time; it stays on the exact test.
_DENSE_DEPTH = 2.0


def _dissolve(polygons: np.ndarray, threads: int = 1, *, side: float | None = None,
              dense_depth: float = _DENSE_DEPTH, tiled_min: int = _TILED_MIN) -> np.ndarray:
    """Polygons with pairwise disjoint interiors whose union is the union of ``polygons``.

    The polygons' extent is cut into square tiles of ``side`` (default: :func:`_tile_side`). Where
    the polygons' bounding boxes cover a tile ``dense_depth`` times over or more, finding the pairs
    that overlap would cost more than the union itself (the pairs grow as the square of the density,
    and the overlapping ones percolate into one group anyway): the polygons in such a *dense* tile
    are clipped to it and unioned there, the tiles in ``threads`` threads (:func:`_union_tiles`).
    Everywhere else (every tile of a sparse layer) only polygons whose interiors overlap another's
    are unioned, per connected group of such polygons (:func:`_dissolve_overlapping`); a polygon
    reaching into a dense tile is cut there, and its pieces outside dense tiles go this way.
    Layers of fewer than ``tiled_min`` polygons are not tiled.
    """
    n = len(polygons)
    if n < max(2, tiled_min):
        return _dissolve_overlapping(polygons, threads)
    tiles = _Tiles.over(polygons, side)
    dense = tiles.depth() >= dense_depth
    if not dense.any():
        return _dissolve_overlapping(polygons, threads)
    poly, tile, spans = tiles.reach
    in_dense = dense[tile]
    reaches = np.bincount(poly[in_dense], minlength=n) > 0  # into a dense tile
    cut = spans[poly] > 1
    dissolved = _union_tiles(polygons, tiles, in_dense, cut, threads)
    sparse = ~in_dense & reaches[poly]  # pieces outside dense tiles of polygons reaching into one
    pieces = _clip_tiles(polygons, tiles, sparse, threads)
    rest = np.concatenate([polygons[~reaches], pieces])
    return np.concatenate([dissolved, _dissolve_overlapping(rest, threads)])


@dataclass
class _Tiles:
    """A grid of square tiles over a set of polygons (``bounds``: theirs).

    ``xs``, ``ys``: the tiles' edges; tile ``t`` is ``(xs[t // ny], ys[t % ny], xs[t // ny + 1],
    ys[t % ny + 1])`` with ``ny = len(ys) - 1``.
    """

    xs: np.ndarray
    ys: np.ndarray
    bounds: np.ndarray

    @classmethod
    def over(cls, polygons: np.ndarray, side: float | None = None) -> _Tiles:
        bounds = shapely.bounds(polygons)
        if side is None:
            side = _tile_side(bounds)
        xs = _tile_edges(bounds[:, 0].min(), bounds[:, 2].max(), side)
        ys = _tile_edges(bounds[:, 1].min(), bounds[:, 3].max(), side)
        return cls(xs, ys, bounds)

    @property
    def count(self) -> int:
        return (len(self.xs) - 1) * (len(self.ys) - 1)

    def box(self, t: int) -> tuple[float, float, float, float]:
        i, j = divmod(t, len(self.ys) - 1)
        return float(self.xs[i]), float(self.ys[j]), float(self.xs[i + 1]), float(self.ys[j + 1])

    def depth(self) -> np.ndarray:
        """How many times over the polygons' bounding boxes cover each tile, each box counted in the
        tile of its centre (an estimate, cheap enough to try on every layer: 30 ms a million)."""
        b = self.bounds
        nx, ny = len(self.xs) - 1, len(self.ys) - 1
        side = self.xs[1] - self.xs[0]
        i = np.clip(((b[:, 0] + b[:, 2]) / 2 - self.xs[0]) // side, 0, nx - 1).astype(np.intp)
        j = np.clip(((b[:, 1] + b[:, 3]) / 2 - self.ys[0]) // side, 0, ny - 1).astype(np.intp)
        covered = _sum_by(i * ny + j, (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]), self.count)
        return covered / np.outer(np.diff(self.xs), np.diff(self.ys)).ravel()

    @cached_property
    def reach(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``poly``, ``tile``: one row per (polygon, tile its bounding box meets), sorted by tile;
        ``spans``: how many tiles each polygon's bounding box meets."""
        b = self.bounds
        ix0, ix1 = _tile_span(self.xs, b[:, 0], b[:, 2])
        iy0, iy1 = _tile_span(self.ys, b[:, 1], b[:, 3])
        wide, high = ix1 - ix0 + 1, iy1 - iy0 + 1
        spans = wide * high
        poly = np.repeat(np.arange(len(b)), spans)
        k = np.arange(len(poly)) - np.repeat(np.cumsum(spans) - spans, spans)
        tile = (ix0[poly] + k // high[poly]) * (len(self.ys) - 1) + iy0[poly] + k % high[poly]
        order = np.argsort(tile, kind="stable")
        return poly[order], tile[order], spans

    def runs(self, rows: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """The selected rows of :attr:`reach` (a mask) tile by tile: (tile, row indices), the tiles
        with the most rows first."""
        idx = np.flatnonzero(rows)
        if not idx.size:
            return []
        tile = self.reach[1][idx]
        starts = np.flatnonzero(np.r_[True, tile[1:] != tile[:-1]])
        groups = np.split(idx, starts[1:])
        order = sorted(range(len(groups)), key=lambda g: -len(groups[g]))
        return [(int(tile[starts[g]]), groups[g]) for g in order]


def _union_tiles(polygons: np.ndarray, tiles: _Tiles, rows: np.ndarray, cut: np.ndarray,
                 threads: int) -> np.ndarray:
    """The union of the polygons in each tile of the selected (polygon, tile) ``rows``, those whose
    ``cut`` is set clipped to the tile first: polygons with disjoint interiors, the tiles in threads.

    Tiles share their edges exactly (the edges are one array of coordinates, and a segment cut by an
    edge is cut at the same point on both sides), so the pieces' areas add up to the area of the
    whole union (to about 1e-13 relative).
    """
    def union(job: tuple[int, np.ndarray]) -> np.ndarray:
        t, r = job
        pieces = polygons[tiles.reach[0][r]]
        c = cut[r]
        if c.any():
            pieces[c] = _clip(pieces[c], *tiles.box(t))
        return _polygon_parts(np.array([_union_biggest_first(pieces)], dtype=object))

    parts = list(thread_map(union, tiles.runs(rows), threads))
    return np.concatenate(parts) if parts else np.empty(0, dtype=object)


# Below this many polygons, _union_halves unions them in one call. (On 100,000 circles of radius
# 0.2-2 km over Chongqing, tiles of about 1,200 pieces: 384 took 5% less time than 256 and than 512.)
_HALVES_LEAF = 384


def _union_biggest_first(polygons: np.ndarray) -> shapely.Geometry:
    """The union of heavily overlapping ``polygons``, biggest first (:func:`_union_halves`)."""
    return _union_halves(polygons[np.argsort(-shapely.area(polygons), kind="stable")])


def _union_halves(polygons: np.ndarray) -> shapely.Geometry:
    """The union of ``polygons`` (biggest first): the union of the first half (found the same way),
    then with the union of those of the second half it does not already contain.

    Where polygons overlap many times over, most of the smaller ones lie inside the union of the
    bigger ones, and testing that (against the prepared union) costs far less than unioning them:
    measured on 1,000,000 circles of radius 0.2-2 km over Chongqing, 2.9x less time than one
    ``union_all`` of each tile's polygons; 1.3x less at 100,000.
    """
    if len(polygons) <= _HALVES_LEAF:
        return shapely.union_all(polygons)
    half = len(polygons) // 2
    big = _union_halves(polygons[:half])
    shapely.prepare(big)
    rest = polygons[half:]
    rest = rest[~shapely.contains(big, rest)]
    if not len(rest):
        return big
    # The rest among themselves first, then one union with the big one: 3% less time than one
    # union_all of them all (which meets the big one again at every level of its tree).
    return shapely.union(big, shapely.union_all(rest))


def _clip_tiles(polygons: np.ndarray, tiles: _Tiles, rows: np.ndarray, threads: int) -> np.ndarray:
    """The polygons of the selected (polygon, tile) ``rows``, each clipped to its tile."""
    def clip(job: tuple[int, np.ndarray]) -> np.ndarray:
        t, r = job
        return _polygon_parts(_clip(polygons[tiles.reach[0][r]], *tiles.box(t)))

    parts = list(thread_map(clip, tiles.runs(rows), threads))
    return np.concatenate(parts) if parts else np.empty(0, dtype=object)


def _tile_side(bounds: np.ndarray) -> float:
    """A tile side for :class:`_Tiles`: :data:`_TILE_POLYGONS` a tile, :data:`_TILE_WIDTHS` polygons
    wide at least, and at least :data:`_MIN_TILES` tiles (whatever the threads: they change nothing
    but the time)."""
    width = float(np.median(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])))
    # the area the polygons occupy: cells as wide as their median width holding a polygon's centre
    cell = max(width, 1e-9)
    cx = np.floor((bounds[:, 0] + bounds[:, 2] - 2 * bounds[:, 0].min()) / 2 / cell).astype(np.int64)
    cy = np.floor((bounds[:, 1] + bounds[:, 3] - 2 * bounds[:, 1].min()) / 2 / cell).astype(np.int64)
    cells = np.sort(cx * (int(cy.max()) + 1) + cy)
    occupied = (1 + np.count_nonzero(cells[1:] != cells[:-1])) * cell * cell  # (np.unique: 5x longer)
    tiles = max(len(bounds) / _TILE_POLYGONS, _MIN_TILES)
    return max(float(np.sqrt(occupied / tiles)), _TILE_WIDTHS * cell)


def _tile_edges(lo: float, hi: float, side: float) -> np.ndarray:
    """Tile edges from ``lo`` by ``side``, the last at ``hi`` or beyond."""
    n = max(1, int(np.ceil((hi - lo) / side)))
    edges = lo + side * np.arange(n + 1)
    edges[-1] = max(edges[-1], hi)
    return edges


def _tile_span(edges: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and last tile (between ``edges``) that each interval [lo, hi] reaches into.

    An interval ending exactly on an edge does not reach into the next tile.
    """
    last = len(edges) - 2
    first = np.clip(np.searchsorted(edges, lo, side="right") - 1, 0, last)
    return first, np.clip(np.searchsorted(edges, hi, side="left") - 1, first, last)


def _clip(polygons: np.ndarray, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
    """``polygons`` clipped to a rectangle: fast, then exactly where the fast way comes out invalid."""
    clipped = shapely.clip_by_rect(polygons, xmin, ymin, xmax, ymax)
    bad = ~shapely.is_valid(clipped)
    if bad.any():
        clipped[bad] = shapely.intersection(polygons[bad], shapely.box(xmin, ymin, xmax, ymax))
    return clipped


def _dissolve_overlapping(polygons: np.ndarray, threads: int = 1) -> np.ndarray:
    """:func:`_dissolve` without tiles: only polygons whose interiors overlap another's are unioned,
    per connected group of such polygons; all others are returned unchanged."""
    n = len(polygons)
    if n < 2:
        return polygons
    tree = built_tree(polygons)

    def pairs(part: slice) -> np.ndarray:  # (2, k): candidate pairs a < b of this chunk's polygons
        a, b = tree.query(polygons[part])
        a += part.start
        keep = a < b
        return np.stack([a[keep], b[keep]]).T

    a, b = run_chunked(pairs, n, threads).T
    overlap = run_chunked(lambda part: shapely.relate_pattern(polygons[a[part]], polygons[b[part]], "T********"),
                          len(a), threads)
    a, b = a[overlap], b[overlap]
    if not a.size:
        return polygons
    labels = _components(n, a, b)
    sizes = np.bincount(labels, minlength=n)
    alone = sizes[labels] == 1
    return np.concatenate([polygons[alone], _union_groups(polygons, np.flatnonzero(~alone), labels, threads)])


def _union_groups(polygons: np.ndarray, members: np.ndarray, labels: np.ndarray, threads: int) -> np.ndarray:
    """The polygons of the union of each group (``members`` labelled by ``labels``), by size class."""
    members = members[np.argsort(labels[members], kind="stable")]
    group_labels = labels[members]
    starts = np.flatnonzero(np.r_[True, group_labels[1:] != group_labels[:-1]])
    group_sizes = np.diff(np.r_[starts, len(members)])
    out = []
    width = 2
    low = 1
    while low < group_sizes.max():
        sel = (group_sizes > low) & (group_sizes <= width)
        if sel.any():
            s, k = starts[sel], group_sizes[sel]
            rows = np.repeat(np.arange(len(s)), k)
            cols = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
            grid = np.full((len(s), width), None, dtype=object)
            grid[rows, cols] = polygons[members[np.repeat(s, k) + cols]]

            def union_part(part: slice, grid: np.ndarray = grid) -> np.ndarray:
                return _union_rows(grid[part])

            unions = run_chunked(union_part, len(grid), threads, min_chunk=max(1, MIN_CHUNK // width))
            out.append(_polygon_parts(unions))
        low, width = width, width * 2
    return np.concatenate(out)


def _polygon_parts(geoms: np.ndarray) -> np.ndarray:
    """The single polygons of ``geoms`` (Multi* and collections split; lines, points, empties dropped)."""
    parts = _flatten(geoms)
    return parts[shapely.get_type_id(parts) == _POLYGON]


# Groups of up to this many polygons are unioned two by two, column against column: 13% faster than
# union_all for pairs and fours (measured on the 1M-polygon benchmark layer); larger groups go to
# union_all, whose cascaded union takes the polygons in spatial order.
_PAIRWISE_MAX = 8


def _union_rows(grid: np.ndarray) -> np.ndarray:
    """The union of each row of ``grid``, whose rows are filled from the left and padded with None."""
    if grid.shape[1] > _PAIRWISE_MAX:
        # a 2-D grid reduced along its rows is an array (the stubs also allow a geometry, for 1-D input)
        return cast(np.ndarray, shapely.union_all(grid, axis=1))
    while grid.shape[1] > 1:
        if grid.shape[1] % 2:
            grid = np.column_stack([grid, np.full(len(grid), None, dtype=object)])
        left, right = grid[:, 0::2], grid[:, 1::2].copy()
        both = ~shapely.is_missing(right)  # filled from the left: a None on the left has one on the right
        right[both] = shapely.union(left[both], right[both])
        right[~both] = left[~both]
        grid = right
    return grid[:, 0]


def _cover_polygons(dissolved: np.ndarray, zones_albers: np.ndarray,
                    ticker: _Ticker, threads: int = 1) -> tuple[np.ndarray, float]:
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
    per_zone = _sum_by(zi[inside], area[di[inside]], n_zones)
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

    jobs = list(_by_zone(di, zi, n_zones))
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
