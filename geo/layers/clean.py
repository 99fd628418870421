"""Cleaning a layer's geometries, vectorised with shapely 2 (no Python loop over features).

In the order :func:`~geo.layers.finish` runs them: null and empty geometries dropped (counted), a
NaN or infinite coordinate refused, Z (and M) dropped (counted) — :func:`checked_geometries`; then,
once the coordinates are converted, GeometryCollections exploded into one row per kind of part —
:func:`explode_collections` — and invalid polygons repaired, those with no area left dropped —
:func:`repair_polygons`. Each counts what it did in the :class:`~geo.layers.ReadReport`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd
import shapely
from shapely import GeometryType

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers.report import KINDS, Bounds, ReadReport, counted
from chengyu.geo.threads import resolve_threads, run_chunked

# The geometry types of each kind (of the ``kind`` column); a collection has no kind of its own.
_TYPES_OF_KIND: Final = {
    "point": (GeometryType.POINT, GeometryType.MULTIPOINT),
    "line": (GeometryType.LINESTRING, GeometryType.LINEARRING, GeometryType.MULTILINESTRING),
    "polygon": (GeometryType.POLYGON, GeometryType.MULTIPOLYGON),
}
# What one kind's parts are put together as, in the order of KINDS.
_GATHER: Final[tuple[Callable[..., np.ndarray], ...]] = (
    shapely.multipoints, shapely.multilinestrings, shapely.multipolygons,
)
# Types whose parts shapely.get_parts takes apart.
_MULTIPART: Final = (GeometryType.MULTIPOINT, GeometryType.MULTILINESTRING, GeometryType.MULTIPOLYGON,
                     GeometryType.GEOMETRYCOLLECTION)
_POLYGONAL: Final = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)


def _kind_of_type() -> np.ndarray:
    """A table from shapely's type id to the kind's index in KINDS (-1 for a collection)."""
    table = np.full(max(GeometryType) + 1, -1, dtype=np.int8)
    for kind, types in _TYPES_OF_KIND.items():
        table[list(types)] = KINDS.index(kind)
    return table


_KIND_OF_TYPE: Final = _kind_of_type()


def kind_codes(geoms: np.ndarray) -> np.ndarray:
    """Each geometry's kind as its index in :data:`~geo.layers.KINDS` (-1 for a GeometryCollection).

    >>> kind_codes(shapely.from_wkt(["POINT (1 2)", "MULTIPOLYGON EMPTY", "LINESTRING (0 0, 1 1)"])).tolist()
    [0, 2, 1]
    """
    return _KIND_OF_TYPE[shapely.get_type_id(geoms)]


def checked_geometries(source: str, geoms: np.ndarray, attrs: pd.DataFrame, report: ReadReport,
                       ) -> tuple[np.ndarray, pd.DataFrame, Bounds | None]:
    """Null and empty geometries dropped, non-finite coordinates refused, Z dropped; and the extent
    of the coordinates (None when no geometry is left)."""
    missing = shapely.is_missing(geoms)
    missing |= shapely.is_empty(geoms)  # is_empty(None) is False
    if missing.any():
        keep = np.flatnonzero(~missing)
        geoms, attrs = geoms[keep], attrs.iloc[keep]
        report.dropped_empty = int(missing.sum())
    if not len(geoms):
        return geoms, attrs, None

    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():  # (the whole array at once: 3x faster than row by row)
        finite = np.isfinite(coords).all(axis=1)
        counts = shapely.get_num_coordinates(geoms)
        owner = np.repeat(np.arange(len(geoms)), counts)
        n_bad = np.unique(owner[~finite]).size
        raise AtlasError(source, f"has coordinates that are not finite numbers (NaN or Infinity) "
                         f"in {counted(n_bad, 'feature')}")
    bounds = (float(coords[:, 0].min()), float(coords[:, 1].min()),
              float(coords[:, 0].max()), float(coords[:, 1].max()))
    del coords

    has_z = shapely.has_z(geoms) | shapely.has_m(geoms)  # force_2d drops both
    if has_z.any():
        report.z_dropped = int(has_z.sum())
        geoms = geoms.copy()
        geoms[has_z] = shapely.force_2d(geoms[has_z])
    return geoms, attrs, bounds


def _simple_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The non-empty single parts of collections, level by level (nested collections, Multi* inside
    collections), and the index in ``geoms`` of each one's owner."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while True:
        multi = np.isin(shapely.get_type_id(parts), _MULTIPART)
        if not multi.any():
            break
        sub, sub_owner = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        owner = np.concatenate([owner[~multi], owner[multi][sub_owner]])
    keep = ~shapely.is_empty(parts)
    return parts[keep], owner[keep]


def explode_collections(geoms: np.ndarray, attrs: pd.DataFrame, report: ReadReport,
                        ) -> tuple[np.ndarray, pd.DataFrame]:
    """One row per kind of part for each GeometryCollection (its points one MultiPoint row, its
    lines one row, its polygons one row; attributes repeated); other rows untouched."""
    is_gc = shapely.get_type_id(geoms) == GeometryType.GEOMETRYCOLLECTION
    if not is_gc.any():
        return geoms, attrs
    report.collections_exploded = int(is_gc.sum())
    gc_rows = np.flatnonzero(is_gc)
    parts, owner = _simple_parts(geoms[gc_rows])
    kinds = kind_codes(parts)
    order = np.lexsort((kinds, owner))
    parts, owner, kinds = parts[order], owner[order], kinds[order]
    # group = (owner, kind)
    new_group = np.ones(len(parts), dtype=bool)
    new_group[1:] = (owner[1:] != owner[:-1]) | (kinds[1:] != kinds[:-1])
    group = np.cumsum(new_group) - 1
    n_groups = int(group[-1]) + 1 if len(group) else 0
    group_owner = owner[new_group]
    group_kind = kinds[new_group]
    out = np.empty(n_groups, dtype=object)
    for k, gather in enumerate(_GATHER):  # three kinds, not a loop over geometries
        sel = group_kind == k
        if sel.any():
            in_kind = kinds == k
            out[sel] = gather(parts[in_kind], indices=np.searchsorted(np.flatnonzero(sel), group[in_kind]))
    single = np.bincount(group, minlength=n_groups) == 1
    if single.any():
        out[single] = parts[np.flatnonzero(new_group)[single]]
    # Rows: non-collections as they are, each collection replaced by its groups, in input order.
    rows = np.concatenate([np.flatnonzero(~is_gc), gc_rows[group_owner]])
    new_geoms = np.concatenate([geoms[~is_gc], out])
    position = np.argsort(rows, kind="stable")
    return new_geoms[position], attrs.iloc[rows[position]]


def repair_polygons(geoms: np.ndarray, attrs: pd.DataFrame, report: ReadReport, threads: int | None = None,
                    ) -> tuple[np.ndarray, pd.DataFrame]:
    """Invalid polygons made valid (``make_valid(method="structure", keep_collapsed=False)``, its
    polygonal part kept); those with no area left are dropped. Lines and points are not repaired.

    ``threads``: how many threads the validity check may use (default: every core).
    """
    polygonal = np.flatnonzero(np.isin(shapely.get_type_id(geoms), _POLYGONAL))
    if polygonal.size == 0:
        return geoms, attrs
    candidates = geoms[polygonal]
    invalid = polygonal[~run_chunked(lambda part: shapely.is_valid(candidates[part]), len(candidates),
                                     resolve_threads(threads))]
    if invalid.size == 0:
        return geoms, attrs
    fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    fixed = _polygonal_part(fixed)
    gone = shapely.is_empty(fixed) | (shapely.area(fixed) <= 0.0)
    geoms = geoms.copy()
    geoms[invalid] = fixed
    report.repaired = int((~gone).sum())
    if gone.any():
        report.dropped_unrepairable = int(gone.sum())
        keep = np.ones(len(geoms), dtype=bool)
        keep[invalid[gone]] = False
        geoms, attrs = geoms[keep], attrs.iloc[np.flatnonzero(keep)]
    return geoms, attrs


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """The polygons of each repaired geometry as a (Multi)Polygon, empty when there are none."""
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == GeometryType.GEOMETRYCOLLECTION)
    if mixed.size == 0:
        return geoms
    out = geoms.copy()
    parts, owner = shapely.get_parts(geoms[mixed], return_index=True)
    t = shapely.get_type_id(parts)
    single, multi = t == GeometryType.POLYGON, t == GeometryType.MULTIPOLYGON
    if multi.any():
        sub, sub_owner = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[single], sub])
        owner = np.concatenate([owner[single], owner[multi][sub_owner]])
    else:
        parts, owner = parts[single], owner[single]
    result = np.full(mixed.size, shapely.from_wkt("POLYGON EMPTY"), dtype=object)
    if parts.size:
        order = np.argsort(owner, kind="stable")
        parts, owner = parts[order], owner[order]
        uniq, idx = np.unique(owner, return_inverse=True)
        result[uniq] = shapely.multipolygons(parts, indices=idx)
    out[mixed] = result
    return out
