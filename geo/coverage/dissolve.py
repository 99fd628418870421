"""The dissolve: a layer's polygons as polygons with disjoint interiors and the same union.

The layer is cut into square tiles (:mod:`geo.coverage.tiles`). Dense tiles, those the polygons'
bounding boxes cover :data:`DENSE_DEPTH` times over or more, are unioned tile by tile. Everywhere
else (all of a layer of buildings or parcels) overlapping polygons are found with an STRtree
self-query and a DE-9IM test for overlapping interiors, grouped into connected components and
dissolved per component (``union_all`` along an axis, one call per size class); the rest are left
alone.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import shapely

from chengyu.geo.coverage.prepare import polygon_parts
from chengyu.geo.coverage.tiles import Tiles, clip_tiles, union_tiles
from chengyu.geo.threads import MIN_CHUNK, built_tree, run_chunked

__all__ = ["DENSE_DEPTH", "TILED_MIN", "dissolve", "union_rows"]

#: Layers of fewer polygons than this are dissolved without tiles.
TILED_MIN = 2_048
#: A tile is dense when the polygons' bounding boxes cover it this many times over: each polygon
#: then has some 4x this many neighbours to test, and the overlapping ones percolate into one group
#: (boxes of one size do from about 1.1). The building-sized benchmark layer reaches 1.6 in its
#: densest tiles at 1,000,000 polygons, where both ways took the same time; it stays on the exact test.
DENSE_DEPTH = 2.0

# Groups of up to this many polygons are unioned two by two, column against column: 13% faster than
# union_all for pairs and fours (measured on the 1M-polygon benchmark layer); larger groups go to
# union_all, whose cascaded union takes the polygons in spatial order.
_PAIRWISE_MAX = 8


def dissolve(polygons: np.ndarray, threads: int = 1, *, side: float | None = None,
             dense_depth: float | None = None, tiled_min: int | None = None) -> np.ndarray:
    """Polygons with pairwise disjoint interiors whose union is the union of ``polygons``.

    The polygons' extent is cut into square tiles of ``side`` (default: :meth:`Tiles.over`'s). Where
    the polygons' bounding boxes cover a tile ``dense_depth`` (default :data:`DENSE_DEPTH`) times
    over or more, finding the pairs that overlap would cost more than the union itself (the pairs
    grow as the square of the density, and the overlapping ones percolate into one group anyway):
    the polygons in such a *dense* tile are clipped to it and unioned there, the tiles in
    ``threads`` threads (:func:`geo.coverage.tiles.union_tiles`). Everywhere else (every tile of a
    sparse layer) only polygons whose interiors overlap another's are unioned, per connected group
    of such polygons; a polygon reaching into a dense tile is cut there, and its pieces outside
    dense tiles go this way. Layers of fewer than ``tiled_min`` (default :data:`TILED_MIN`)
    polygons are not tiled.

    >>> squares = shapely.box(np.arange(4.0), 0, np.arange(4.0) + 2, 2)  # each overlaps the next
    >>> float(shapely.area(dissolve(squares)).sum())
    10.0
    """
    # (the defaults are read here, not bound at definition, so that they can be tried other values)
    dense_depth = DENSE_DEPTH if dense_depth is None else dense_depth
    tiled_min = TILED_MIN if tiled_min is None else tiled_min
    n = len(polygons)
    if n < max(2, tiled_min):
        return _dissolve_overlapping(polygons, threads)
    tiles = Tiles.over(polygons, side)
    dense = tiles.depth() >= dense_depth
    if not dense.any():
        return _dissolve_overlapping(polygons, threads)
    poly, tile, spans = tiles.reach
    in_dense = dense[tile]
    reaches = np.bincount(poly[in_dense], minlength=n) > 0  # into a dense tile
    cut = spans[poly] > 1
    dissolved = union_tiles(polygons, tiles, in_dense, cut, threads)
    sparse = ~in_dense & reaches[poly]  # pieces outside dense tiles of polygons reaching into one
    pieces = clip_tiles(polygons, tiles, sparse, threads)
    rest = np.concatenate([polygons[~reaches], pieces])
    return np.concatenate([dissolved, _dissolve_overlapping(rest, threads)])


def _dissolve_overlapping(polygons: np.ndarray, threads: int = 1) -> np.ndarray:
    """:func:`dissolve` without tiles: only polygons whose interiors overlap another's are unioned,
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


def _components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest member index) of the graph with edges (a, b).

    >>> _components(5, np.array([0, 3]), np.array([2, 4])).tolist()
    [0, 1, 0, 3, 3]
    """
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
                return union_rows(grid[part])

            unions = run_chunked(union_part, len(grid), threads, min_chunk=max(1, MIN_CHUNK // width))
            out.append(polygon_parts(unions))
        low, width = width, width * 2
    return np.concatenate(out)


def union_rows(grid: np.ndarray) -> np.ndarray:
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
