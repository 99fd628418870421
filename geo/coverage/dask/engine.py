"""The dask engine's entry points: :func:`covered_area_dask` and :func:`cover_layer_dask`, and the
order of the work (read and measure the partitions, then the polygon tiles, then combine)."""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa

from chengyu.geo.coverage import Coverage
from chengyu.geo.coverage.dask.assemble import combine, whole_report
from chengyu.geo.coverage.dask.cluster import connect
from chengyu.geo.coverage.dask.gather import TaskTicker, gather, read_error
from chengyu.geo.coverage.dask.partition import measure_partition, measure_ready, summary
from chengyu.geo.coverage.dask.plan import ReadPlan, partition_count, plan_reading, read_partitioned, row_ranges
from chengyu.geo.coverage.dask.polygon_tiles import (
    TileSums,
    cover_tile,
    split_tiles,
    tile_boxes,
    tile_pieces,
    zones_meeting,
)
from chengyu.geo.coverage.dask.worker import Geoms
from chengyu.geo.coverage.progress import Progress
from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import PYOGRIO_ERRORS, Layer, ReadReport, read_layer
from chengyu.geo.zones import Zones

__all__ = ["DASK_EXTRA", "DaskRun", "cover_layer_dask", "covered_area_dask", "dask_available"]

#: What to install for this engine.
DASK_EXTRA: Final = "pip install 'chengyu-atlas[dask]'"


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
    on one small machine the in-process :func:`geo.coverage.covered_area` is faster (see
    :mod:`geo.coverage.dask`). ``layer_name`` and ``crs`` mean what they mean for
    :func:`geo.layers.read_layer`.

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
    plan = plan_reading(source, Path(path), layer_name)
    # A layer that cannot be read in partitions is read now, before any cluster is started for it:
    # a broken file is then said in read_layer's words at once.
    whole = [read_layer(path, layer_name=layer_name, crs=user_crs)] if plan.kind == "whole" else []
    with connect(client, scheduler, n_workers) as (cl, own):
        threads = max(1, sum(cl.nthreads().values()))
        job = _Job(cl, plan, zones, cl.scatter(zones, broadcast=own, hash=False), TaskTicker(progress))
        return _run(job, whole, user_crs, npartitions, tiles, threads)


@dataclass
class _Job:
    """What every step of one run uses: the client, the plan, the zones (and their future on the
    cluster) and the progress."""

    client: Any
    plan: ReadPlan
    zones: Zones
    zones_f: Any
    ticker: TaskTicker


def _run(job: _Job, whole: list[Layer], user_crs: str | None, npartitions: int | None, tiles: int | None,
         threads: int) -> DaskRun:
    """The work; ``whole`` holds the layer read whole on the client (taken out, so it is freed once
    its partitions are on the workers), or nothing for a partitioned read."""
    # 1. read and measure each partition (points and lines to sums; polygons kept, in Albers)
    report: ReadReport | None = None
    if whole:
        source, report, reading = whole[0].source, whole[0].report, "whole on the client, then scattered"
        parts = _scatter_layer(job, whole, npartitions, threads)
    else:
        source, reading = job.plan.source, "partitioned"
        parts = _read_partitions(job, user_crs, npartitions, threads)
    job.ticker.add(len(parts))
    summaries_f = job.client.map(summary, parts, pure=False)
    job.ticker.wait(parts)
    summaries = gather(job.client, summaries_f, source, job.plan.fmt or None)
    del summaries_f
    if report is None:
        report = whole_report(source, job.plan, summaries, user_crs)
    # 2. polygons: clip to tiles in each partition, measure each tile's pieces in one task
    n_polygons = sum(s.n_polygons for s in summaries)
    wanted = tiles if tiles is not None else max(len(parts), 2 * threads)
    boxes = tile_boxes(summaries, wanted) if n_polygons else np.empty((0, 4))
    tile_sums = _measure_tiles(job, parts, summaries, boxes, source)
    # 3. combined on the client
    workers = len(job.client.scheduler_info().get("workers", {}))
    return DaskRun(combine(job.zones, summaries, tile_sums), report, reading, len(summaries), len(boxes), workers)


def _scatter_layer(job: _Job, whole: list[Layer], npartitions: int | None, threads: int) -> list[Any]:
    """The futures of measuring the layer read_layer has read (taken out of ``whole``: nothing holds
    it or its geometries once they are scattered to the workers in partitions)."""
    layer = whole.pop()
    geoms = np.asarray(layer.gdf.geometry.array, dtype=object)
    del layer
    n = partition_count(npartitions, len(geoms), threads)
    chunks = [Geoms(geoms[i:j]) for i, j in row_ranges(len(geoms), n)]
    del geoms
    scattered = job.client.scatter(chunks, hash=False)
    return list(job.client.map(measure_ready, scattered, zones=job.zones_f, pure=False))


def _read_partitions(job: _Job, user_crs: str | None, npartitions: int | None, threads: int) -> list[Any]:
    """The futures of reading and measuring each partition, on the workers."""
    import dask

    plan = job.plan
    try:
        frames = read_partitioned(plan, npartitions, threads)
    except (*PYOGRIO_ERRORS, pa.ArrowException, OSError, ValueError) as err:
        raise read_error(err, plan.source, plan.fmt, "here") from None
    plan.declared = frames.crs
    # Each partition's read and measure in one graph, so that dask runs them one partition
    # after the other (depth first) instead of reading every partition before measuring any:
    # a worker then holds about one partition's geometries at a time, not all of its share.
    measure = dask.delayed(measure_partition, pure=False)
    return list(job.client.compute([measure(d, source=plan.source, fmt=plan.fmt, user_crs=user_crs,
                                            zones=job.zones_f) for d in frames.to_delayed()]))


def _measure_tiles(job: _Job, parts: list[Any], summaries: list[Any], boxes: np.ndarray, source: str,
                   ) -> list[TileSums]:
    """Each partition's polygons cut into the tiles ``boxes``, and each tile's pieces measured.

    ``parts`` (the partitions' futures) is emptied once the cuts are asked for: each partition's
    polygons are then freed on its worker as soon as its tiles are cut.
    """
    if not len(boxes):
        parts.clear()
        return []
    client = job.client
    splits = client.map(split_tiles, [p for p, s in zip(parts, summaries, strict=True) if s.n_polygons],
                        boxes=boxes, pure=False)
    parts.clear()
    job.ticker.add(len(splits) + len(boxes))
    cover = []
    for k, zone_idx in enumerate(zones_meeting(boxes, job.zones)):
        pieces = [client.submit(tile_pieces, s, k, pure=False) for s in splits]
        cover.append(client.submit(cover_tile, job.zones_f, zone_idx, *pieces, pure=False))
    job.ticker.wait([*splits, *cover])
    return gather(client, cover, source)
