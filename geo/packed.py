"""Geometry as typed arrays, for pages that draw big layers: no per-feature JSON.

:func:`pack` turns geometries of one kind (points, lines or polygons, with their Multi* forms) into
GeoArrow-style buffers: the coordinates on a grid of :data:`GRID_DEG` degrees (about 0.1 m) as two
``int32`` columns, and the nesting as counts per level (parts per feature, rings per polygon,
vertices per ring; a level where every count is 1 is left out). Rings are carried without their
closing vertex. Features are put in Z-order of their bounding boxes' centres, so that neighbours
on the map are neighbours in the buffers: the coordinates are then stored as differences from the
previous one (zig-zag coded, so small negative steps stay small), split into byte planes (all
first bytes, then all second bytes...) and compressed with gzip — 4 to 5 bytes a vertex where
per-feature GeoJSON takes 30 to 40.

:meth:`Packed.meta` describes the buffers (JSON for the page), :meth:`Packed.payload` holds them;
:func:`unpack` reads them back, as the page does.

>>> import shapely
>>> packed = pack(np.array([shapely.Point(106.5, 29.6), shapely.Point(106.4, 29.5)]))
>>> packed.kind, packed.count, packed.order.tolist()
('point', 2, [1, 0])
>>> [g.wkt for g in unpack(packed.meta(), packed.payload())]
['POINT (106.4 29.5)', 'POINT (106.5 29.6)']
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import shapely

__all__ = ["GRID_DEG", "KINDS", "Packed", "mercator_px", "pack", "unpack"]

#: Coordinates are rounded to this many degrees (0.11 m of latitude): finer than any screen shows.
GRID_DEG = 1e-6
#: What :func:`pack` takes, by the kind it reports.
_T = shapely.GeometryType
KINDS = {"point": (_T.POINT, _T.MULTIPOINT), "line": (_T.LINESTRING, _T.MULTILINESTRING, _T.LINEARRING),
         "polygon": (_T.POLYGON, _T.MULTIPOLYGON)}
# The count levels of each kind, outermost first: what each count counts.
_LEVELS = {"point": ("parts",), "line": ("parts", "vertices"), "polygon": ("parts", "rings", "vertices")}
_ENCODINGS = ("delta-zigzag-planes4", "planes4")


@dataclass(frozen=True)
class Packed:
    """Geometries of one ``kind`` as buffers (see the module docstring).

    ``order``: the packed features' rows in the input, so that attributes can follow them
    (``values[order]`` lines them up with the packed features). ``x``, ``y``: grid coordinates
    relative to ``origin``. ``counts``: the levels of :data:`_LEVELS` that are not all 1.
    """

    kind: str
    count: int
    origin: tuple[float, float]
    bbox: tuple[float, float, float, float]
    order: np.ndarray
    x: np.ndarray
    y: np.ndarray
    counts: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def vertices(self) -> int:
        return len(self.x)

    def _columns(self) -> list[tuple[str, str, np.ndarray]]:
        columns = [("x", _ENCODINGS[0], self.x), ("y", _ENCODINGS[0], self.y)]
        return columns + [(level, _ENCODINGS[1], self.counts[level])
                          for level in _LEVELS[self.kind] if level in self.counts]

    def meta(self) -> dict[str, Any]:
        """What the page needs to read :meth:`payload`: kind, sizes, grid, and where each array is."""
        arrays, offset = [], 0
        for name, encoding, values in self._columns():
            arrays.append({"name": name, "encoding": encoding, "length": int(len(values)), "offset": offset})
            offset += 4 * len(values)
        return {"kind": self.kind, "count": self.count, "vertices": self.vertices, "grid": GRID_DEG,
                "origin": list(self.origin), "bbox": list(self.bbox), "levels": list(_LEVELS[self.kind]),
                "arrays": arrays}

    def raw(self) -> bytes:
        """The arrays of :meth:`meta`, encoded, uncompressed."""
        return b"".join(_planes(_zigzag_deltas(v) if enc == _ENCODINGS[0] else v.astype(np.uint32))
                        for _, enc, v in self._columns())

    def payload(self) -> bytes:
        """:meth:`raw`, gzip-compressed (the same bytes on every build)."""
        return gzip.compress(self.raw(), compresslevel=6, mtime=0)

    def world(self) -> tuple[dict[str, Any], bytes]:
        """The geometry ready to draw, for small layers: (meta, bytes) the page views without decoding.

        Vertices as Web Mercator pixels at zoom 0 (Leaflet's 256-pixel world) relative to the
        layer's top-left corner (``float32``: a hundredth of a pixel at zoom 14 across a province),
        each feature's bounding-box centre and half size likewise, and every level as ``int32``
        offsets. Twice the bytes of :meth:`raw` (floats do not compress), none of its decoding:
        a page draws a few thousand district vertices sooner from these than from the compact
        form, whose decoding, run once, is not yet compiled code.
        """
        lon, lat = self.origin[0] + self.x * GRID_DEG, self.origin[1] + self.y * GRID_DEG
        wx, wy = mercator_px(lon, lat)
        x0, y0 = (float(wx.min()), float(wy.min())) if len(wx) else (0.0, 0.0)
        offsets, items = {}, self.count
        for level in _LEVELS[self.kind]:
            counts = self.counts.get(level, np.ones(items, dtype=np.int64))
            offsets[level] = np.r_[0, np.cumsum(counts)].astype(np.int32)
            items = int(offsets[level][-1])
        first = np.arange(self.count + 1)
        for level in _LEVELS[self.kind]:
            first = offsets[level][first]
        cx, cy, hs = _boxes(wx - x0, wy - y0, first)
        floats = [("x", wx - x0), ("y", wy - y0), ("cx", cx), ("cy", cy), ("hs", hs)]
        columns = [(name, values, "f32") for name, values in floats]
        columns += [(level, values, "i32") for level, values in offsets.items()]
        arrays, chunks, offset = [], [], 0
        for name, values, kind in columns:
            typed = values.astype("<f4" if kind == "f32" else "<i4")
            arrays.append({"name": name, "type": kind, "offset": offset, "length": int(len(typed))})
            chunks.append(typed.tobytes())
            offset += typed.nbytes
        meta = {"kind": self.kind, "count": self.count, "vertices": self.vertices, "encoding": "world",
                "origin_px": [x0, y0], "levels": list(_LEVELS[self.kind]), "arrays": arrays}
        return meta, b"".join(chunks)


def pack(geoms: np.ndarray) -> Packed:
    """The geometries (all of one kind of :data:`KINDS`, none missing) as a :class:`Packed`.

    A feature with no parts (an empty geometry) keeps its place with a count of 0.

    >>> squares = np.array([shapely.box(106, 29, 106.1, 29.1), shapely.box(106.2, 29, 106.3, 29.1)])
    >>> p = pack(squares)
    >>> p.kind, p.count, p.vertices, sorted(p.counts)
    ('polygon', 2, 8, ['vertices'])
    """
    geoms = np.asarray(geoms, dtype=object)
    kind = _kind(geoms)
    order = _z_order(geoms)
    geoms = geoms[order]
    counts: dict[str, np.ndarray] = {}
    if (shapely.get_type_id(geoms) == int(KINDS[kind][1])).any() or shapely.is_empty(geoms).any():
        parts, owner = shapely.get_parts(geoms, return_index=True)
        counts["parts"] = np.bincount(owner, minlength=len(geoms))
    else:  # all single parts: no new geometries (get_parts takes 1.8 s on a million points)
        parts, counts["parts"] = geoms, np.ones(len(geoms), dtype=np.int64)
    if kind == "polygon":
        rings, owner = shapely.get_rings(parts, return_index=True)
        counts["rings"] = np.bincount(owner, minlength=len(parts))
        parts = rings
    xy, owner = shapely.get_coordinates(parts, return_index=True)
    if kind == "polygon":  # without the closing vertex
        last = np.r_[owner[1:] != owner[:-1], True][:len(owner)]
        xy, owner = xy[~last], owner[~last]
    if kind != "point":
        counts["vertices"] = np.bincount(owner, minlength=len(parts))
    if len(xy):
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        bbox = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
    else:
        bbox = (0.0, 0.0, 0.0, 0.0)
    origin = (float(np.floor(bbox[0])), float(np.floor(bbox[1])))
    q = np.round((xy - origin) / GRID_DEG)
    if len(q) and (np.abs(q).max() >= 2**31):
        raise ValueError("the geometries span more than 2,000 degrees")
    kept = {level: c for level, c in counts.items() if not (c == 1).all()}
    return Packed(kind, len(geoms), origin, bbox, order, q[:, 0].astype(np.int32), q[:, 1].astype(np.int32), kept)


def unpack(meta: dict[str, Any], payload: bytes) -> np.ndarray:
    """The geometries of a packed layer (in its packed order), as the page reads them.

    Single parts come back as Points, LineStrings and Polygons, several as Multi*; a feature with
    no parts as an empty geometry of its kind.
    """
    raw = np.frombuffer(gzip.decompress(payload), dtype=np.uint8)
    arrays = {}
    for a in meta["arrays"]:
        n = a["length"]
        values = _unplanes(raw[a["offset"]:a["offset"] + 4 * n], n)
        arrays[a["name"]] = _undelta(values) if a["encoding"] == _ENCODINGS[0] else values.astype(np.int64)
    x = meta["origin"][0] + arrays["x"] * meta["grid"]
    y = meta["origin"][1] + arrays["y"] * meta["grid"]
    kind, n = meta["kind"], meta["count"]
    levels = meta["levels"]
    sizes = []  # the number of items at each level, outermost first
    items = n
    for level in levels:
        sizes.append(items)
        items = int(arrays[level].sum()) if level in arrays else items
    counts = {level: arrays.get(level, np.ones(size, dtype=np.int64))
              for level, size in zip(levels, sizes, strict=True)}
    xy = np.column_stack([x, y])
    # arrays in, arrays out: the stubs also allow a single geometry, for the constructors' scalar forms
    members: np.ndarray
    if kind == "point":
        members = cast(np.ndarray, shapely.points(xy))
    elif kind == "line":
        members = cast(np.ndarray,
                       shapely.linestrings(xy, indices=np.repeat(np.arange(sizes[1]), counts["vertices"])))
    else:
        closed = _closed(xy, counts["vertices"])
        rings = cast(np.ndarray,
                     shapely.linearrings(closed, indices=np.repeat(np.arange(sizes[2]), counts["vertices"] + 1)))
        members = _collect(rings, counts["rings"], shapely.polygons, "POLYGON EMPTY")
    multi, empty = _MULTI[kind]
    return _collect(members, counts["parts"], multi, empty, singles=True)


# ---------------------------------------------------------------------------------------- helpers

def mercator_px(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes as Web Mercator pixels at zoom 0, as Leaflet projects them.

    >>> [float(v[0]) for v in mercator_px(np.array([0.0, 106.5]), np.array([0.0, 29.5]))]
    [128.0, 128.0]
    """
    s = np.sin(np.radians(lat))
    return 256 * (0.5 + lon / 360), 256 * (0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi))


def _boxes(x: np.ndarray, y: np.ndarray, first: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each feature's bounding-box centre and half its larger side, from its vertices
    ``first[f]:first[f + 1]``; NaN centres for a feature without any."""
    n = len(first) - 1
    cx, cy, hs = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    has = first[1:] > first[:-1]
    if has.any():
        starts = first[:-1][has]
        lo_x, hi_x = np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts)
        lo_y, hi_y = np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)
        cx[has], cy[has] = (lo_x + hi_x) / 2, (lo_y + hi_y) / 2
        hs[has] = np.maximum(hi_x - lo_x, hi_y - lo_y) / 2
    return cx, cy, hs


def _kind(geoms: np.ndarray) -> str:
    if shapely.is_missing(geoms).any():
        raise ValueError("a geometry is missing (None)")
    types = set(shapely.get_type_id(geoms).tolist())
    for kind, members in KINDS.items():
        if types <= {int(t) for t in members}:
            return kind
    raise ValueError("the geometries are not all points, all lines or all polygons")


_MULTI = {"point": (shapely.multipoints, "MULTIPOINT EMPTY"),
          "line": (shapely.multilinestrings, "MULTILINESTRING EMPTY"),
          "polygon": (shapely.multipolygons, "MULTIPOLYGON EMPTY")}

def _z_order(geoms: np.ndarray) -> np.ndarray:
    """The permutation putting ``geoms`` in Z-order of their bounding boxes' centres (16 bits an axis)."""
    if not len(geoms):
        return np.zeros(0, dtype=np.int64)
    b = shapely.bounds(geoms)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    empty = np.isnan(cx)
    cx[empty], cy[empty] = np.nanmin(cx) if (~empty).any() else 0.0, np.nanmin(cy) if (~empty).any() else 0.0

    def cells(v: np.ndarray) -> np.ndarray:
        lo, span = v.min(), max(float(v.max() - v.min()), 1e-12)
        return np.floor((v - lo) / span * 65535).astype(np.uint32)

    def spread(v: np.ndarray) -> np.ndarray:  # bits of v in every other position
        v = (v | (v << 8)) & 0x00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F
        v = (v | (v << 2)) & 0x33333333
        return (v | (v << 1)) & 0x55555555

    return np.argsort(spread(cells(cx)) | (spread(cells(cy)) << 1), kind="stable")


def _zigzag_deltas(values: np.ndarray) -> np.ndarray:
    d = np.diff(values.astype(np.int64), prepend=0).astype(np.int32)
    return ((d << 1) ^ (d >> 31)).astype(np.uint32)


def _undelta(zigzag: np.ndarray) -> np.ndarray:
    z = zigzag.astype(np.int64)
    return np.cumsum((z >> 1) ^ -(z & 1)).astype(np.int32).astype(np.int64)


def _planes(values: np.ndarray) -> bytes:
    """Little-endian uint32 values as four byte planes: every first byte, then every second..."""
    return values.astype("<u4").view(np.uint8).reshape(-1, 4).T.tobytes()


def _unplanes(planes: np.ndarray, n: int) -> np.ndarray:
    return np.ascontiguousarray(planes.reshape(4, n).T).view("<u4").ravel()


def _closed(xy: np.ndarray, per_ring: np.ndarray) -> np.ndarray:
    """The ring vertices with each ring's first vertex repeated at its end."""
    starts = np.r_[0, np.cumsum(per_ring)[:-1]].astype(np.int64)
    ends = starts + per_ring
    out = np.insert(xy, ends, xy[starts], axis=0) if len(per_ring) else xy
    return out


def _collect(members: np.ndarray, per_owner: np.ndarray, make: Any, empty: str, *,
             singles: bool = False) -> np.ndarray:
    """Consecutive ``members`` grouped into their owners by the ``per_owner`` counts with ``make``
    (a shapely constructor taking ``indices``); an owner of none is an ``empty`` geometry (WKT), and
    with ``singles`` an owner of exactly one member is that member."""
    owners = len(per_owner)
    out = np.empty(owners, dtype=object)
    if owners and len(members):
        make(members, indices=np.repeat(np.arange(owners), per_owner), out=out)
    if singles:
        one = per_owner == 1
        out[one] = members[(np.cumsum(per_owner) - 1)[one]]
    out[per_owner == 0] = shapely.from_wkt(empty)
    return out
