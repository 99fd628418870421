"""The dask engine: :func:`geo.coverage.covered_area` of a layer read in partitions, over a cluster.

``covered_area_dask(path, zones)`` gives the same :class:`~geo.coverage.Coverage` as
``covered_area(read_layer(path).gdf, zones)`` — every figure equal to about 1e-13 relative or
better, far inside the 1e-9 the tests demand; counts exactly — but reads and measures the layer in partitions with
`dask-geopandas <https://dask-geopandas.readthedocs.io>`_ over a `dask.distributed
<https://distributed.dask.org>`_ cluster: a :class:`~distributed.LocalCluster` of ``n_workers``
processes on this machine by default, or the cluster whose scheduler is at ``scheduler``
(``"tcp://10.0.0.5:8786"``). It needs the optional extra: ``pip install 'chengyu-atlas[dask]'``.

When to reach for it
--------------------
- **The layer does not fit in one machine's memory** (or only just): the in-process engine holds the
  whole layer, its repaired copy and the dissolved polygons at once (about 600 MB for a million
  points). Here each task holds one partition of the layer (a GeoParquet row group or a range of
  GeoPackage features) or one tile of the polygons, and a worker only the partitions it was given.
- **A cluster is at hand** (``scheduler=``): partitions are read and measured on many machines at
  once, next to the data if the workers see the same file system.

When not to
-----------
- **Anything that fits in memory on one machine.** On one 2-core machine this engine is *slower*
  than the in-process one — starting the cluster (a second or two), moving partitions and polygons
  between processes and scheduling the tasks cost more than two cores gain on layers that
  ``covered_area`` measures in a second or two (see ``benchmarks/distributed.py``). The in-process
  engine is also the reference: this one is tested against it.
- **GeoJSON, KML, CSV, Shapefile** and Parquet without GeoParquet metadata: they cannot be read in
  partitions here (GDAL parses a whole GeoJSON/KML file for any feature range; CSV and Shapefile
  need whole-file decisions on encoding and columns), so they are read whole on the client with
  :func:`~geo.layers.read_layer` and then scattered to the workers in partitions. The measuring is
  still distributed, but the client needs the memory for the whole layer.

How it works
------------
1. **Read in partitions.** GeoParquet (a file, or a folder of GeoParquet files: a dataset) through
   ``dask_geopandas.read_parquet`` — each partition whole row groups, as many as make about
   :data:`ROWS_PER_PARTITION` rows (one, when a row group is bigger). A row group is the smallest
   unit Parquet is read in, so a file written in one row group (geopandas' default up to a million
   rows or so) is one partition, read by one task; ``npartitions`` then splits it after reading.
   GeoPackage through ``dask_geopandas.read_file``, which reads each partition with pyogrio's
   ``skip_features``/``max_features`` (taken only when GDAL reports ``fast_set_next_by_index`` for
   the layer: its GeoPackage driver seeks to a feature without reading the ones before); default
   ``npartitions``: one per :data:`ROWS_PER_PARTITION` features, at least one per worker thread.
   Only the geometry column is read.
2. **The same reading rules per partition.** Each partition goes through :func:`geo.layers.read_layer`'s
   own geometry stage (:func:`geo.layers.finish`, as a part of a layer: ``partial=True``): null/empty
   geometries dropped, NaN coordinates refused, Z dropped, the CRS settled and converted, collections
   exploded, invalid polygons repaired — on the partition's geometries exactly as on the whole layer's.
   The counts of the :class:`~geo.layers.ReadReport` are added up over the partitions, the whole-layer
   checks made on them (:func:`geo.layers.check_whole_layer`), and the CRS decision and its hints made
   once more on the client for the whole layer's extent (:func:`geo.layers.settle_crs`), so the report
   reads as ``read_layer``'s would.
3. **Zones broadcast once.** The :class:`~geo.zones.Zones` (at most about 0.6 MB) are scattered to
   every worker once (``client.scatter(..., broadcast=True)`` on the cluster we start, where the
   active memory manager's ReduceReplicas policy is turned off because it undoes broadcasts; on a
   cluster you bring, they are scattered once and each worker fetches them when it first needs them).
4. **Points and lines: partial sums.** Each partition's points and lines are measured with
   :func:`~geo.coverage.covered_area` itself against all the zones; counts and lengths are additive
   over features (each point's zone, each line's clipped pieces depend on that feature and the zones
   only; the first-zone-in-table-order border rule is applied per feature), so the partial sums add
   up to exactly the in-process figures (counts exactly, lengths to rounding).
5. **Polygons: a spatial shuffle into tiles.** Polygons are *not* additive: ``covered_km2`` is the
   area of the *union* of the layer's polygons, and two partitions can hold overlapping polygons, so
   adding per-partition figures would count their overlap twice. So each partition converts its
   polygons to the equal-area CRS, repairs them like ``covered_area`` does, and clips them to a
   grid of tiles (rectangles in the equal-area CRS with disjoint interiors that cover the layer; the
   cuts are weighted quantiles of a sample of polygon positions, so tiles hold similar numbers of
   polygons). Each tile's pieces, from every partition, then go to one task, which runs
   ``covered_area`` on them against the zones that reach the tile. Per tile T and zone Z,
   ``(∪ polygons) ∩ Z ∩ T = (∪ (polygon ∩ T)) ∩ Z``, and the tiles' interiors are disjoint, so the
   sums over tiles are the areas of the union: overlaps within a tile are dissolved there (across
   partitions too), and a polygon crossing a tile edge is cut in two pieces whose areas add up.
   The same holds for the area outside every zone and for the layer's own dissolved area.
6. **Combined on the client** into a :class:`~geo.coverage.Coverage` with the same columns, totals
   and ratios as ``covered_area``'s, summed in a fixed order (so a rerun gives the same bits).

Cutting polygons at tile edges adds vertices, so areas differ from the in-process ones by rounding
(measured about 1e-14 relative). Memory: a worker holds its partitions' polygons (in the equal-area
CRS) until the tiles are measured, then only sums; points and lines are reduced to sums straight
away.

Three things learnt the hard way, each explained where it is done: covered_area prepares the zone
geometries in place and GEOS prepared geometries are not safe to use from two threads at once, so
each worker thread measures against its own copy of the zones (:func:`_private`); geometries cross
between processes as one WKB array (:class:`_Geoms`), eight times faster than pickling them one by
one; and tasks pause Python's cyclic garbage collector (:func:`_worker_task`), which otherwise runs
full collections over the whole worker again and again while hundreds of thousands of geometries
are made.

Differences from ``read_layer`` in what is *said* (never in the figures): an error found in one
partition (NaN coordinates, a CRS that cannot convert) names that partition's count or extent, not
the whole layer's; a partitioned read has no column-renaming hint (the attributes are not read:
coverage does not need them).
"""

from __future__ import annotations

import gc
import logging
import math
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from os import PathLike
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import shapely
from pyproj import CRS

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import Coverage, assemble, covered_area, single_parts, split_kinds, to_crs, valid_polygons
from chengyu.geo.errors import AtlasError
from chengyu.geo.inputs import folder_files, is_plain
from chengyu.geo.layers import (
    KINDS,
    OUTPUT_CRS,
    PYOGRIO_ERRORS,
    Layer,
    Raw,
    ReadReport,
    check_parquet_nesting,
    check_whole_layer,
    crs_label,
    finish,
    library_message,
    one_layer_hint,
    read_layer,
    settle_crs,
)
from chengyu.geo.limits import SCHEDULER_SECONDS
from chengyu.geo.zones import Zones

__all__ = ["DASK_EXTRA", "DaskRun", "cover_layer_dask", "covered_area_dask", "dask_available", "local_client"]

#: What to install for this engine.
DASK_EXTRA: Final = "pip install 'chengyu-atlas[dask]'"

#: Rows per partition when the number of partitions is not given (and the format lets us choose).
ROWS_PER_PARTITION: Final = 250_000

# Polygon positions each partition sends to the client to place the tile cuts.
_SAMPLE: Final = 2048

Progress = Callable[[int, int], None]

_POLYGON: Final = 3  # shapely type id

#: LocalCluster options for no dashboard, and the scheduler's HTTP server (it always has one) on a
#: free port rather than 8787, which may be taken (a warning) by another cluster on the machine.
NO_DASHBOARD: Final = {"dashboard_address": ":0", "scheduler_kwargs": {"dashboard": False}}

#: gc.set_threshold in the worker processes of local_client. Reading makes hundreds of thousands
#: of shapely geometries at a time (in dask-geopandas' read tasks too, which ours cannot wrap), and
#: with Python's default (700, 10, 10) the cyclic collector then runs full collections over the
#: whole worker again and again: measured 0.5-1 s of 2 s for a million points. It still runs.
WORKER_GC_THRESHOLD: Final = (100_000, 20, 10)

# Clients made by local_client (a WeakSet: they are not kept alive by being listed).
_OWN_CLIENTS: Any = weakref.WeakSet()

# How long to try reaching a scheduler given by its address.

# Each worker thread's own copy of the zones (see _private).
_LOCAL = threading.local()


def dask_available() -> bool:
    """Whether dask, distributed and dask-geopandas can be imported (the ``[dask]`` extra)."""
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class DaskRun:
    """What :func:`cover_layer_dask` measured and how.

    ``coverage``: as :func:`geo.coverage.covered_area` gives it. ``report``: what reading did, as
    :func:`geo.layers.read_layer` says it. ``reading``: how the layer was read (``"partitioned"``
    or ``"whole on the client, then scattered"``). ``partitions``: partitions of the layer;
    ``tiles``: polygon tiles measured (0 without polygons); ``workers``: workers in the cluster.
    """

    coverage: Coverage
    report: ReadReport
    reading: str
    partitions: int
    tiles: int
    workers: int


def covered_area_dask(path: str | PathLike[str], zones: Zones, *, layer_name: str | None = None,
                      crs: str | None = None, scheduler: str | None = None, npartitions: int | None = None,
                      n_workers: int = 2, client: Any = None, progress: Progress | None = None) -> Coverage:
    """``covered_area(read_layer(path, ...).gdf, zones)``, read and measured in partitions on dask.

    Reach for it when the layer is too big for one machine's memory or a dask cluster is at hand;
    on one small machine the in-process :func:`geo.coverage.covered_area` is faster (see the module
    docstring). ``layer_name`` and ``crs`` mean what they mean for :func:`geo.layers.read_layer`.

    ``scheduler``: the address of a running dask scheduler (``"tcp://host:8786"``); its workers need
    chengyu-atlas installed and must see ``path``. Without it, a :class:`~distributed.LocalCluster`
    of ``n_workers`` single-threaded worker processes is started and closed again. ``client``: an
    existing :class:`distributed.Client` to use instead (neither started nor closed here).
    ``npartitions``: partitions of the layer (default: GeoParquet, whole row groups of about
    250,000 rows together; otherwise one per 250,000 features, at least one per worker thread).
    ``progress(done, total)`` is called as tasks finish (``total`` grows once the polygon tiles
    are known).

    Raises :class:`~geo.errors.AtlasError` (one line) for a layer it cannot read, a scheduler it
    cannot reach, or when dask is not installed.
    """
    return cover_layer_dask(path, zones, layer_name=layer_name, crs=crs, scheduler=scheduler,
                            npartitions=npartitions, n_workers=n_workers, client=client,
                            progress=progress).coverage


def cover_layer_dask(path: str | PathLike[str], zones: Zones, *, layer_name: str | None = None,
                     crs: str | None = None, scheduler: str | None = None, npartitions: int | None = None,
                     n_workers: int = 2, client: Any = None, progress: Progress | None = None,
                     tiles: int | None = None) -> DaskRun:
    """:func:`covered_area_dask` with the read report and how the work was split (a :class:`DaskRun`).

    ``tiles``: how many tiles to cut the polygons into (default: as many as partitions, at least
    two per worker thread).
    """
    if not dask_available():
        raise AtlasError(str(path), f"the dask engine needs dask, distributed and dask-geopandas: {DASK_EXTRA}")
    if npartitions is not None and npartitions < 1:
        raise ValueError("npartitions must be at least 1")
    if tiles is not None and tiles < 1:
        raise ValueError("tiles must be at least 1")
    source = str(path)
    user_crs = crs.strip() if isinstance(crs, str) and crs.strip() else None
    plan = _plan(source, Path(path), layer_name)
    # A layer that cannot be read in partitions is read now, before any cluster is started for it:
    # a broken file is then said in read_layer's words at once.
    whole = [read_layer(path, layer_name=layer_name, crs=user_crs)] if plan.kind == "whole" else []
    with _connect(client, scheduler, n_workers) as (cl, own):
        threads = max(1, sum(cl.nthreads().values()))
        return _run(cl, own, plan, whole, zones, user_crs, npartitions, tiles, threads, _Ticker(progress))


# --------------------------------------------------------------------------- the cluster


@contextmanager
def local_client(n_workers: int = 2, *, processes: bool = True) -> Iterator[Any]:
    """A :class:`distributed.Client` on a LocalCluster set up for this engine, closed on the way out.

    ``n_workers`` single-threaded workers (processes, or threads of this process with
    ``processes=False``); no dashboard; the active memory manager off, because its ReduceReplicas
    policy undoes the broadcast of the zones (and can stall it: dask/dask#11148,
    dask/distributed#8796); and the workers' cyclic garbage collector made to run less often (see
    :data:`WORKER_GC_THRESHOLD`). :func:`covered_area_dask` starts one of these unless it is given a
    scheduler or a client; pass one as ``client=`` to measure several layers on one cluster.
    """
    import dask
    from distributed import Client, LocalCluster

    if n_workers < 1:
        raise ValueError("n_workers must be at least 1")
    level = logging.getLogger("distributed").level
    with dask.config.set({"distributed.scheduler.active-memory-manager.start": False}):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=processes, **NO_DASHBOARD)
    try:
        with Client(cluster) as client:
            if processes:
                client.run(gc.set_threshold, *WORKER_GC_THRESHOLD)
                # A task that fails on a broken file comes back to the client, which says it in one
                # line; the worker would also log it, traceback and all, on our stderr.
                client.run(_quiet_distributed_logs)
            _OWN_CLIENTS.add(client)
            try:
                yield client
            finally:
                # Closing races with the workers' heartbeats, which then log ERRORs ("Failed to
                # communicate with scheduler during heartbeat") on stderr, where our read report
                # goes: quiet the cluster's logs for the shutdown only.
                with suppress(Exception):
                    client.run(_quiet_distributed_logs)
                _quiet_distributed_logs()
    finally:
        cluster.close()
        logging.getLogger("distributed").setLevel(level)


def _quiet_distributed_logs() -> None:
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


@contextmanager
def _connect(client: Any, scheduler: str | None, n_workers: int) -> Iterator[tuple[Any, bool]]:
    """The client to use, and whether it runs on a cluster of local_client (broadcasts allowed)."""
    from distributed import Client

    if client is not None:
        yield client, client in _OWN_CLIENTS
        return
    if scheduler:
        cl = _client_within(Client, scheduler, SCHEDULER_SECONDS.value())
        try:
            yield cl, False
        finally:
            cl.close()
        return
    with local_client(n_workers) as cl:
        yield cl, True


def _client_within(client_type: Any, scheduler: str, seconds: float) -> Any:
    """``Client(scheduler)``, or an AtlasError when it fails or takes longer than ``seconds``.

    distributed's own ``timeout=`` covers the TCP connection only: a server that accepts it but is
    not a dask scheduler (it never answers the handshake) keeps ``Client()`` waiting forever. So
    the client is made in a thread of its own, given up on after ``seconds`` (the thread is left
    to wait; it holds nothing of ours).
    """
    made: list[Any] = []
    failed: list[BaseException] = []

    def connect() -> None:
        try:
            made.append(client_type(scheduler, timeout=f"{seconds:g}s"))
        except Exception as err:  # noqa: BLE001 - reported below, in the caller's thread
            failed.append(err)

    worker = threading.Thread(target=connect, name="chengyu-dask-connect", daemon=True)
    worker.start()
    worker.join(seconds + 1.0)
    if made:
        return made[0]
    if failed:
        raise AtlasError(scheduler, f"cannot connect to the dask scheduler: {library_message(failed[0])}")
    raise AtlasError(scheduler, f"did not answer as a dask scheduler within {seconds:g} s (is it one?); "
                     f"check the address given to scheduler= ({SCHEDULER_SECONDS.says()})")


class _Geoms:
    """An array of shapely geometries that pickles as one WKB array.

    Pickling an object array of geometries goes geometry by geometry through Python (measured
    about 9 s per million polygons and 8 s per million points, there and back);
    ``shapely.to_wkb``/``from_wkb`` on the whole array is five to ten times faster, and WKB keeps
    every coordinate bit for bit. Everything shipped
    between processes here (partitions scattered by the client, polygons and their tile pieces)
    travels in one of these.
    """

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __len__(self) -> int:
        return len(self.array)

    def __reduce__(self) -> tuple[Any, tuple[np.ndarray]]:
        return _geoms_from_wkb, (shapely.to_wkb(self.array),)


def _geoms_from_wkb(wkb: np.ndarray) -> _Geoms:
    return _Geoms(shapely.from_wkb(wkb))


class _RemoteAtlasError(Exception):
    """An AtlasError raised on a worker, in a form that survives pickling (AtlasError's does not)."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(source, problem)


_GC_LOCK = threading.Lock()
_GC_PAUSES = [0, False]  # tasks running with the collector paused; whether it was on before


@contextmanager
def _worker_task() -> Iterator[None]:
    """What every task of ours runs in: AtlasErrors made picklable, the cyclic GC paused.

    Tasks make hundreds of thousands of shapely geometries at a time; each is an object Python's
    cyclic garbage collector tracks, so it runs again and again, walking every object of the
    worker process (dask's own state included) — measured a third of the time of a task measuring
    250,000 points. Reference
    counting frees everything as usual; the collector is paused while any of our tasks runs in
    the process and switched back on (if it was on) when the last one ends.
    """
    with _GC_LOCK:
        if _GC_PAUSES[0] == 0:
            _GC_PAUSES[1] = gc.isenabled()
            gc.disable()
        _GC_PAUSES[0] += 1
    try:
        yield
    except AtlasError as err:
        raise _RemoteAtlasError(err.source, err.problem) from None
    finally:
        with _GC_LOCK:
            _GC_PAUSES[0] -= 1
            if _GC_PAUSES[0] == 0 and _GC_PAUSES[1]:
                gc.enable()


class _Ticker:
    def __init__(self, callback: Progress | None) -> None:
        self.callback, self.done, self.total = callback, 0, 0

    def add(self, n: int) -> None:
        self.total += n
        if self.callback is not None:
            self.callback(self.done, self.total)

    def wait(self, futures: Sequence[Any]) -> None:
        if self.callback is None:
            return
        from distributed import as_completed

        for _ in as_completed(futures):
            self.done += 1
            self.callback(self.done, self.total)


def _gather(client: Any, futures: Sequence[Any], source: str, fmt: str | None = None) -> list[Any]:
    """Results in order; errors from reading the file become one-line AtlasErrors.

    The reading tasks are dask-geopandas' own, so their errors are GDAL's and Arrow's, as they
    come; a file the workers cannot open (on a cluster that does not see the client's disk) is
    said as such. Lost connections and workers are not the file's fault and are left as they are.
    """
    from distributed.comm import CommClosedError

    try:
        return list(client.gather(list(futures)))
    except _RemoteAtlasError as err:
        raise AtlasError(*err.args) from None
    except CommClosedError:
        raise
    except (*PYOGRIO_ERRORS, pa.ArrowException, OSError, shapely.errors.ShapelyError) as err:
        raise _read_error(err, source, fmt, "on the dask workers") from None
    except Exception as err:
        # distributed sends an exception it cannot pickle (pyogrio's carry GDAL's unpicklable
        # cause) as Exception(repr(err)) (distributed.core.error_message): unwrap the readers' ones.
        wrapped = _WRAPPED.match(str(err)) if type(err) is Exception else None
        if wrapped is None or wrapped.group(1) not in _READ_ERROR_NAMES:
            raise
        raise _read_error(RuntimeError(wrapped.group(3)), source, fmt, "on the dask workers") from None


_WRAPPED = re.compile(r"^(\w+)\((['\"])(.*)\2\)$", re.S)
_READ_ERROR_NAMES = frozenset({*(e.__name__ for e in PYOGRIO_ERRORS), "ArrowException", "ArrowInvalid",
                               "ArrowIOError", "OSError", "FileNotFoundError", "PermissionError",
                               "GEOSException", "ShapelyError"})


def _read_error(err: BaseException, source: str, fmt: str | None, where: str) -> AtlasError:
    if isinstance(err, (FileNotFoundError, PermissionError)) or "No such file or directory" in str(err):
        return AtlasError(source, f"cannot be opened {where}: {library_message(err, source)}")
    what = f"is not valid {fmt}" if fmt else "cannot be read"
    return AtlasError(source, f"{what}: {library_message(err, source)}")


# --------------------------------------------------------------------------- how to read


@dataclass
class _Plan:
    """How to read the layer: in partitions with dask-geopandas, or whole with read_layer."""

    kind: str  # "parquet", "ogr" or "whole"
    source: str  # the path as the user gave it
    layer_name: str | None  # as the user gave it
    fmt: str = ""
    target: str = ""  # what dask-geopandas reads: a file or folder
    layer: str | None = None
    features: int = 0
    hints: list[str] = field(default_factory=list)
    row_groups: int = 0
    declared: Any = None  # the CRS every partition has (the dask frame's), once read


def _plan(source: str, p: Path, layer_name: str | None) -> _Plan:
    """Partitioned reads for GeoParquet and GeoPackage when nothing is ambiguous; else whole.

    Anything unusual (a broken file, several layers and no ``layer_name``, a table without
    geometry, a Parquet file without GeoParquet metadata) is left to read_layer, which reads it or
    says what is wrong exactly as it does for the in-process engine.
    """
    whole = _Plan("whole", source, layer_name)
    if not is_plain(str(p.resolve())):  # a name GDAL would misread: read_layer gives it a plain one
        return whole
    try:
        if p.is_dir():
            members = folder_files(source, p)
            files = [p / m for m in members if m.endswith(".parquet")]
            if not files or any(m.lower().endswith(".shp") for m in members):
                return whole
            return _parquet_plan(source, str(p), files, layer_name) or whole
        if not p.is_file() or p.stat().st_size == 0:
            return whole
        suffix = p.suffix.lower()
        if suffix in (".parquet", ".geoparquet"):
            return _parquet_plan(source, str(p), [p], layer_name) or whole
        if suffix == ".gpkg":
            return _gpkg_plan(source, str(p), layer_name) or whole
    except (OSError, ValueError, pa.ArrowException, *PYOGRIO_ERRORS):
        return whole
    return whole


def _parquet_plan(source: str, target: str, files: list[Path], layer_name: str | None) -> _Plan | None:
    import pyarrow.parquet as pq

    rows = groups = 0
    for f in files:
        with open(f, "rb") as fh:
            if fh.read(4) != b"PAR1":
                return None
        meta = pq.ParquetFile(f).metadata
        if b"geo" not in (meta.metadata or {}):
            return None
        rows += meta.num_rows
        groups += meta.num_row_groups
    if rows == 0:
        return None
    for f in files:  # the workers' GEOS would crash on deeply nested WKB: refused here, streamed
        check_parquet_nesting(source, f)
    hints = []
    if layer_name is not None:  # as read_layer says it
        hints.append(one_layer_hint(layer_name, "GeoParquet"))
    return _Plan("parquet", source, layer_name, "GeoParquet", target, features=rows, hints=hints, row_groups=groups)


def _gpkg_plan(source: str, target: str, layer_name: str | None) -> _Plan | None:
    with open(target, "rb") as fh:
        if not fh.read(16) == b"SQLite format 3\x00":
            return None
    layers = pyogrio.list_layers(target)
    names = [str(n) for n in layers[:, 0]] if len(layers) else []
    if layer_name is not None:
        chosen = layer_name if layer_name in names else None
    else:
        chosen = names[0] if len(names) == 1 else None
    if chosen is None:
        return None
    info = pyogrio.read_info(target, layer=chosen)
    if info.get("geometry_type") is None or not info["features"] or info["features"] < 0:
        return None
    if not info.get("capabilities", {}).get("fast_set_next_by_index", False):
        return None
    return _Plan("ogr", source, layer_name, "GeoPackage", target, layer=chosen, features=int(info["features"]))


# --------------------------------------------------------------------------- the work


def _run(client: Any, own: bool, plan: _Plan, whole: list[Layer], zones: Zones, user_crs: str | None,
         npartitions: int | None, tiles: int | None, threads: int, ticker: _Ticker) -> DaskRun:
    """The work; ``whole`` holds the layer read whole on the client (taken out, so it is freed once
    its partitions are on the workers), or nothing for a partitioned read."""
    source = plan.source
    zones_f = client.scatter(zones, broadcast=own, hash=False)

    import dask

    # 1. read and measure each partition (points and lines to sums; polygons kept, in Albers)
    report: ReadReport | None = None
    if whole:
        layer = whole.pop()
        source, report = layer.source, layer.report
        geoms = np.asarray(layer.gdf.geometry.array, dtype=object)
        del layer
        n = _partitions(npartitions, len(geoms), threads)
        chunks = [_Geoms(geoms[i:j]) for i, j in _ranges(len(geoms), n)]
        del geoms
        scattered = client.scatter(chunks, hash=False)
        parts = client.map(_measure_ready, scattered, zones=zones_f, pure=False)
        del scattered, chunks
        reading = "whole on the client, then scattered"
    else:
        try:
            frames = _read_partitioned(plan, npartitions, threads)
        except (*PYOGRIO_ERRORS, pa.ArrowException, OSError, ValueError) as err:
            raise _read_error(err, source, plan.fmt, "here") from None
        plan.declared = frames.crs
        # Each partition's read and measure in one graph, so that dask runs them one partition
        # after the other (depth first) instead of reading every partition before measuring any:
        # a worker then holds about one partition's geometries at a time, not all of its share.
        measure = dask.delayed(_measure_partition, pure=False)
        parts = client.compute([measure(d, source=source, fmt=plan.fmt, user_crs=user_crs, zones=zones_f)
                                for d in frames.to_delayed()])
        del frames
        reading = "partitioned"
    ticker.add(len(parts))
    summaries_f = client.map(_summary, parts, pure=False)
    ticker.wait(parts)
    summaries: list[_Part] = _gather(client, summaries_f, source, plan.fmt or None)
    del summaries_f

    if report is None:
        report = _whole_report(source, plan, summaries, user_crs)

    # 2. polygons: clip to tiles in each partition, measure each tile's pieces in one task
    n_polygons = sum(s.n_polygons for s in summaries)
    tile_results: list[tuple[np.ndarray, np.ndarray, float, float]] = []
    boxes = np.empty((0, 4))
    if n_polygons:
        wanted = tiles if tiles is not None else max(len(parts), 2 * threads)
        boxes = _tile_boxes(summaries, wanted)
        zone_bounds = shapely.bounds(np.asarray(zones.table.geometry.to_crs(ALBERS_CHINA).array, dtype=object))
        splits = client.map(_split_tiles, [p for p, s in zip(parts, summaries, strict=True) if s.n_polygons],
                            boxes=boxes, pure=False)
        del parts  # each partition's polygons are freed once its tiles are cut
        ticker.add(len(splits) + len(boxes))
        cover = []
        for k, box in enumerate(boxes):
            zone_idx = np.flatnonzero((zone_bounds[:, 0] < box[2]) & (zone_bounds[:, 2] > box[0])
                                      & (zone_bounds[:, 1] < box[3]) & (zone_bounds[:, 3] > box[1]))
            pieces = [client.submit(_pick, s, k, pure=False) for s in splits]
            cover.append(client.submit(_cover_tile, zones_f, zone_idx, *pieces, pure=False))
        ticker.wait([*splits, *cover])
        tile_results = _gather(client, cover, source)
        del splits, cover
    else:
        del parts

    coverage = _combine(zones, summaries, tile_results)
    workers = len(client.scheduler_info().get("workers", {}))
    return DaskRun(coverage, report, reading, len(summaries), len(boxes), workers)


def _partitions(npartitions: int | None, rows: int, threads: int) -> int:
    if npartitions is not None:
        return max(1, min(npartitions, max(rows, 1)))
    return max(1, min(max(threads, math.ceil(rows / ROWS_PER_PARTITION)), max(rows, 1)))


def _ranges(n: int, parts: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, n, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _read_partitioned(plan: _Plan, npartitions: int | None, threads: int) -> Any:
    import dask_geopandas

    if plan.kind == "parquet":
        # Partitions of whole row groups, as many per partition as make about ROWS_PER_PARTITION
        # rows (one when a row group is bigger): reading a partition reads just those row groups.
        per_group = max(1, plan.features // max(1, plan.row_groups))
        frames = dask_geopandas.read_parquet(plan.target, columns=[_geometry_column(plan.target)],
                                             split_row_groups=max(1, ROWS_PER_PARTITION // per_group))
        if npartitions is not None and npartitions != frames.npartitions:
            # Row groups are the smallest unit a Parquet file is read in: more partitions than
            # that split each one after reading it (and move the pieces between workers).
            frames = frames.repartition(npartitions=npartitions)
        return frames
    n = _partitions(npartitions, plan.features, threads)
    # columns=["geometry"]: the geometry only (pyogrio ignores a field name the layer lacks;
    # dask-geopandas reads no geometry when "geometry" is not among the columns).
    return dask_geopandas.read_file(plan.target, npartitions=n, layer=plan.layer, columns=["geometry"])


def _geometry_column(target: str) -> str:
    import json

    import pyarrow.parquet as pq

    p = Path(target)
    first = p if p.is_file() else sorted(q for q in p.rglob("*.parquet") if q.is_file())[0]
    meta = pq.ParquetFile(first).metadata.metadata or {}
    return str(json.loads(meta[b"geo"]).get("primary_column", "geometry"))


# --------------------------------------------------------------------------- one partition


@dataclass
class _Part:
    """One partition, measured: point and line sums, and its polygons (Albers, repaired).

    ``polygons`` stays on the worker (it is None in the summaries sent to the client).
    """

    report: ReadReport
    bounds: tuple[float, float, float, float] | None  # of the raw coordinates, before conversion
    count: np.ndarray
    length_km: np.ndarray
    out_count: int
    out_length_km: float
    layer_count: int
    layer_length_km: float
    kinds: tuple[str, ...]
    n_polygons: int
    polygons: _Geoms | None = None
    poly_bounds: tuple[float, float, float, float] | None = None
    sample: np.ndarray | None = None  # polygon positions (bounding-box centres), x and y
    weight: float = 0.0  # polygons each sampled position stands for


def _measure_partition(part: gpd.GeoDataFrame, *, source: str, fmt: str, user_crs: str | None,
                       zones: Zones) -> _Part:
    """Read-layer rules on one partition, then its partial sums (on a worker)."""
    with _worker_task():
        geoms, report, bounds = _prepare(part, source, fmt, user_crs)
        return _measure(geoms, report, bounds, zones)


def _measure_ready(geoms: _Geoms, *, zones: Zones) -> _Part:
    """Partial sums of a partition of a layer read_layer has read already (on a worker)."""
    with _worker_task():
        return _measure(geoms.array, ReadReport(""), None, zones)


def _prepare(part: gpd.GeoDataFrame, source: str, fmt: str, user_crs: str | None,
             ) -> tuple[np.ndarray, ReadReport, tuple[float, float, float, float] | None]:
    """The partition's geometries after read_layer's geometry stage, its report and the extent of its
    coordinates as read (None when it has none left).

    The stage is run as on a part of a layer (:func:`geo.layers.finish`, ``partial=True``): a
    partition whose geometries are all null, empty or invalid beyond repair is fine, since the
    whole-layer checks are made on the client (:func:`_whole_report`).
    """
    declared = CRS.from_user_input(part.crs) if part.crs is not None else None
    geoms = np.asarray(part.geometry.array, dtype=object)
    raw = Raw(pd.DataFrame(index=pd.RangeIndex(len(geoms))), geoms, declared, ReadReport(fmt))
    layer = finish(source, raw, user_crs, threads=1, partial=True)  # the workers are the parallelism
    report = layer.report
    report.hints = []  # the CRS hints are made again for the whole layer's extent
    return np.asarray(layer.gdf.geometry.array, dtype=object), report, report.extent


def _private(zones: Zones) -> Zones:
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


def _measure(geoms: np.ndarray, report: ReadReport, bounds: tuple[float, float, float, float] | None,
             zones: Zones) -> _Part:
    zones = _private(zones)
    n_zones = len(zones.table)
    points, lines, polygons = split_kinds(geoms)
    kinds = tuple(k for k, present in (("point", len(points) > 0), ("line", len(lines) > 0),
                                       ("polygon", len(polygons) > 0)) if present)
    part = _Part(report, bounds, np.zeros(n_zones, dtype=np.int64), np.zeros(n_zones), 0, 0.0, 0, 0.0,
                 kinds, 0)
    if len(points) or len(lines):
        cov = covered_area(gpd.GeoSeries(np.concatenate([points, lines]), crs=OUTPUT_CRS), zones, threads=1)
        part.count = cov.table["count"].to_numpy(dtype=np.int64)
        part.length_km = cov.table["length_km"].to_numpy(dtype=float)
        part.out_count, part.out_length_km = int(cov.outside["count"]), float(cov.outside["length_km"])
        part.layer_count = int(cov.layer_totals["count"])
        part.layer_length_km = float(cov.layer_totals["length_km"])
    if len(polygons):
        # as covered_area does it: to the equal-area CRS, then repaired
        polygons = valid_polygons(to_crs(polygons, CRS.from_user_input(OUTPUT_CRS), ALBERS_CHINA))
        part.polygons = _Geoms(polygons)
        part.n_polygons = len(polygons)
        if len(polygons):
            b = shapely.bounds(polygons)
            part.poly_bounds = (float(b[:, 0].min()), float(b[:, 1].min()),
                                float(b[:, 2].max()), float(b[:, 3].max()))
            step = max(1, len(polygons) // _SAMPLE)
            picked = b[::step]
            part.sample = np.column_stack([(picked[:, 0] + picked[:, 2]) / 2, (picked[:, 1] + picked[:, 3]) / 2])
            part.weight = len(polygons) / len(picked)
    return part


def _summary(part: _Part) -> _Part:
    """The partition without its polygons: what the client needs."""
    return replace(part, polygons=None)


# --------------------------------------------------------------------------- the report


def _whole_report(source: str, plan: _Plan, parts: list[_Part], user_crs: str | None) -> ReadReport:
    """The partitions' reports added up, with the CRS decided again for the whole layer's extent."""
    report = ReadReport(plan.fmt, layer=plan.layer)
    for part in parts:
        r = part.report
        report.features_read += r.features_read
        report.features += r.features
        report.repaired += r.repaired
        report.dropped_empty += r.dropped_empty
        report.dropped_unrepairable += r.dropped_unrepairable
        report.z_dropped += r.z_dropped
        report.collections_exploded += r.collections_exploded
        for k in KINDS:
            report.kinds[k] += r.kinds.get(k, 0)
    check_whole_layer(source, report)  # read_layer's own checks and words
    declared = CRS.from_user_input(plan.declared) if plan.declared is not None else None
    report.crs_declared = crs_label(declared) if declared is not None else None
    extents = np.array([p.bounds for p in parts if p.bounds is not None], dtype=float)
    report.extent = (float(extents[:, 0].min()), float(extents[:, 1].min()),
                     float(extents[:, 2].max()), float(extents[:, 3].max()))
    report.hints = list(plan.hints)
    settle_crs(source, report.extent, declared, user_crs, report)
    return report


# --------------------------------------------------------------------------- polygon tiles


def _tile_boxes(parts: list[_Part], wanted: int) -> np.ndarray:
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


def _split_tiles(part: _Part, *, boxes: np.ndarray) -> list[_Geoms | None]:
    """The partition's polygons clipped to each tile (on a worker): whole where they lie inside one."""
    with _worker_task():
        return _split(part, boxes)


def _split(part: _Part, boxes: np.ndarray) -> list[_Geoms | None]:
    out: list[_Geoms | None] = [None] * len(boxes)
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
        if not whole.all():
            parts = single_parts(chunk[~whole])
            parts = parts[(shapely.get_type_id(parts) == _POLYGON) & (shapely.area(parts) > 0.0)]
            chunk = np.concatenate([chunk[whole], parts])
        if len(chunk):
            out[k] = _Geoms(chunk)
    return out


def _pick(split: list[_Geoms | None], k: int) -> _Geoms | None:
    return split[k]


def _cover_tile(zones: Zones, zone_idx: np.ndarray, *pieces: _Geoms | None,
                ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """covered_area of one tile's pieces (from every partition) against the zones reaching the tile."""
    with _worker_task():
        return _cover(zones, zone_idx, pieces)


def _cover(zones: Zones, zone_idx: np.ndarray, pieces: tuple[_Geoms | None, ...],
           ) -> tuple[np.ndarray, np.ndarray, float, float]:
    arrays = [p.array for p in pieces if p is not None and len(p)]
    if not arrays:
        return zone_idx, np.zeros(len(zone_idx)), 0.0, 0.0
    polys = np.concatenate(arrays)
    zones = _private(zones)
    table = zones.table.iloc[zone_idx].reset_index(drop=True)
    cov = covered_area(gpd.GeoSeries(polys, crs=ALBERS_CHINA), Zones(zones.kind, table), threads=1)
    return (zone_idx, cov.table["covered_km2"].to_numpy(dtype=float), float(cov.outside["covered_km2"]),
            float(cov.layer_totals["area_km2"]))


# --------------------------------------------------------------------------- combining


def _combine(zones: Zones, parts: list[_Part], tiles: list[tuple[np.ndarray, np.ndarray, float, float]]) -> Coverage:
    """The partitions' and tiles' sums as covered_area's Coverage (same columns, totals, ratios)."""
    zone_table = zones.table
    n_zones = len(zone_table)
    zone_area = zone_table["area_km2"].to_numpy(dtype=float)
    count = np.zeros(n_zones, dtype=np.int64)
    length_km = np.zeros(n_zones)
    out_count, out_length_km, layer_count, layer_length_km = 0, 0.0, 0, 0.0
    present: set[str] = set()
    for p in parts:  # in partition order: the same sums every run
        count += p.count
        length_km += p.length_km
        out_count += p.out_count
        out_length_km += p.out_length_km
        layer_count += p.layer_count
        layer_length_km += p.layer_length_km
        present.update(p.kinds)
    covered_km2 = np.zeros(n_zones)
    out_area_km2 = layer_area_km2 = 0.0
    for zone_idx, covered, tile_outside, tile_area in tiles:  # in tile order
        covered_km2[zone_idx] += covered
        out_area_km2 += tile_outside
        layer_area_km2 += tile_area
    kinds = tuple(k for k in ("point", "line", "polygon") if k in present)
    return assemble(
        zone_table, zone_area, covered_km2, length_km, count,
        outside={"covered_km2": out_area_km2, "length_km": out_length_km, "count": out_count},
        layer_totals={"area_km2": layer_area_km2, "length_km": layer_length_km, "count": layer_count},
        kinds=kinds,
    )
