"""What every task of the dask engine stands on, on a worker: geometries shipped as one WKB array,
errors made picklable, the cyclic garbage collector paused, and each thread's own copy of the zones."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from chengyu.geo.errors import AtlasError
from chengyu.geo.zones import Zones

__all__ = ["Geoms", "RemoteAtlasError", "thread_zones", "worker_task"]


class Geoms:
    """An array of shapely geometries that pickles as one WKB array.

    Pickling an object array of geometries goes geometry by geometry through Python (measured
    about 9 s per million polygons and 8 s per million points, there and back);
    ``shapely.to_wkb``/``from_wkb`` on the whole array is five to ten times faster, and WKB keeps
    every coordinate bit for bit. Everything shipped between processes by the engine (partitions
    scattered by the client, polygons and their tile pieces) travels in one of these.
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __reduce__(self) -> tuple[Any, tuple[np.ndarray]]:
        return _geoms_from_wkb, (shapely.to_wkb(self.array),)


def _geoms_from_wkb(wkb: np.ndarray) -> Geoms:
    return Geoms(shapely.from_wkb(wkb))


class RemoteAtlasError(Exception):
    """An AtlasError raised on a worker, in a form that survives pickling (AtlasError's does not):
    ``args`` are its ``source`` and ``problem``, for the client to raise it again."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(source, problem)


_GC_LOCK = threading.Lock()
_GC_PAUSES = [0, False]  # tasks running with the collector paused; whether it was on before


@contextmanager
def worker_task() -> Iterator[None]:
    """What every task of ours runs in: AtlasErrors made picklable, the cyclic GC paused.

    Tasks make hundreds of thousands of shapely geometries at a time; each is an object Python's
    cyclic garbage collector tracks, so it runs again and again, walking every object of the
    worker process (dask's own state included) — measured a third of the time of a task measuring
    250,000 points. Reference counting frees everything as usual; the collector is paused while
    any of our tasks runs in the process (tasks share it across threads, hence the count) and
    switched back on (if it was on) when the last one ends.
    """
    with _GC_LOCK:
        if _GC_PAUSES[0] == 0:
            _GC_PAUSES[1] = gc.isenabled()
            gc.disable()
        _GC_PAUSES[0] += 1
    try:
        yield
    except AtlasError as err:
        raise RemoteAtlasError(err.source, err.problem) from None
    finally:
        with _GC_LOCK:
            _GC_PAUSES[0] -= 1
            if _GC_PAUSES[0] == 0 and _GC_PAUSES[1]:
                gc.enable()


# Each worker thread's own copy of the zones (see thread_zones).
_LOCAL = threading.local()


def thread_zones(zones: Zones) -> Zones:
    """This thread's own copy of the zones, geometries included (made once per thread).

    covered_area prepares the zone geometries in place (``shapely.prepare``), and GEOS prepared
    geometries build their indexes lazily, unsynchronised: two threads measuring against the same
    geometry objects crash the process (seen with a threaded LocalCluster). A worker keeps one
    scattered Zones for all its threads, so each thread copies it (a WKB round trip: the same
    coordinates, bit for bit).
    """
    cached = getattr(_LOCAL, "zones", None)
    if cached is not None and cached[0] is zones:
        return cached[1]
    table = zones.table.copy()
    geoms = np.asarray(table.geometry.array, dtype=object)
    table[table.geometry.name] = gpd.GeoSeries(shapely.from_wkb(shapely.to_wkb(geoms)), index=table.index,
                                               crs=table.crs)
    own = Zones(zones.kind, table, dict(zones.total))
    _LOCAL.zones = (zones, own)
    return own
