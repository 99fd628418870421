"""Vectorised geometry work split over the machine's cores, in threads.

shapely's vectorised functions (GEOS) and pyproj's transforms release the GIL, so the chunks of one
call run in parallel in plain threads: no processes, no pickling, no copies of the data. Measured
on the 2-core benchmark machine with a million building-sized polygons: ``union_all`` per group
1.8x, ``relate_pattern`` 2.0x, ``is_valid`` 1.9x, an STRtree query 2.1x faster in two threads.

GEOS builds some structures lazily, on first use, and threads must not race to build them: an
STRtree is built by its first query (:func:`built_tree` does that first query in the calling
thread), and *prepared* geometries build their indexes as they are queried, so each thread gets
its own prepared copy (:func:`prepared_copy`).

>>> import numpy as np, shapely
>>> squares = shapely.box(np.arange(50_000.0), 0, np.arange(50_000.0) + 2, 1)
>>> areas = run_chunked(lambda part: shapely.area(squares[part]), len(squares), threads=2)
>>> float(areas.sum())
100000.0
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import shapely

T = TypeVar("T")
R = TypeVar("R")

# Below this many items per chunk, starting threads costs more than it saves.
MIN_CHUNK = 5_000
# Chunks per thread: geometries differ in cost, so more chunks than threads balance the load.
CHUNKS_PER_THREAD = 4


def available_threads() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's core count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_threads(threads: int | None) -> int:
    """A ``threads`` argument as a count: None means every available core, at least 1 in any case."""
    return available_threads() if threads is None else max(1, threads)


def thread_map(func: Callable[[T], R], items: Sequence[T], threads: int) -> Iterator[R]:
    """``func(item)`` for each item, in order, as they are done: in ``threads`` threads (in the
    calling thread when 1)."""
    if threads <= 1 or len(items) <= 1:
        yield from map(func, items)
        return
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        yield from pool.map(func, items)


def chunks(n: int, threads: int, min_chunk: int = MIN_CHUNK, max_chunk: int | None = None) -> list[slice]:
    """Contiguous slices covering ``range(n)``: one when ``threads`` is 1 or ``n`` is small, and none
    longer than ``max_chunk`` when it is given.

    >>> chunks(10, threads=4, min_chunk=3)
    [slice(0, 3, None), slice(3, 7, None), slice(7, 10, None)]
    >>> chunks(10, threads=1)
    [slice(0, 10, None)]
    >>> chunks(10, threads=1, max_chunk=4)
    [slice(0, 3, None), slice(3, 7, None), slice(7, 10, None)]
    """
    count = max(1, min(threads * CHUNKS_PER_THREAD, n // max(1, min_chunk))) if threads > 1 else 1
    if max_chunk is not None:
        count = max(count, -(-n // max(1, max_chunk)))
    bounds = np.linspace(0, n, count + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def run_chunked(func: Callable[[slice], np.ndarray], n: int, threads: int,
                min_chunk: int = MIN_CHUNK, max_chunk: int | None = None) -> np.ndarray:
    """``func(part)`` for the :func:`chunks` of ``range(n)``, in ``threads`` threads, concatenated in order.

    ``func`` must return a NumPy array (first axis: one row per item, or any length: the results are
    concatenated as they come, chunk by chunk).
    """
    parts = chunks(n, threads, min_chunk, max_chunk)
    if len(parts) == 1:
        return func(parts[0])
    return np.concatenate(list(thread_map(func, parts, threads)))


def prepared_copy(geoms: np.ndarray) -> np.ndarray:
    """New, prepared geometries equal to ``geoms``: one thread's own, to query with predicates."""
    copy = shapely.from_wkb(shapely.to_wkb(geoms, output_dimension=2, flavor="iso"))
    shapely.prepare(copy)
    return copy


def built_tree(geoms: np.ndarray) -> shapely.STRtree:
    """An STRtree of ``geoms``, already built, so that threads can query it at the same time."""
    tree = shapely.STRtree(geoms)
    tree.query(shapely.Point(0.0, 0.0))  # GEOS builds the tree on its first query
    return tree
