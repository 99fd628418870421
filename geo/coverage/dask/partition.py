"""One partition of a layer, measured on a worker: read_layer's geometry stage on its geometries, the
partial sums of its points and lines, and its polygons kept (equal-area CRS, repaired) for the tiles."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import covered_area, split_kinds, to_crs, valid_polygons
from chengyu.geo.coverage.dask.worker import Geoms, thread_zones, worker_task
from chengyu.geo.layers import OUTPUT_CRS, Raw, ReadReport, finish
from chengyu.geo.layers.report import Bounds
from chengyu.geo.zones import Zones

__all__ = ["SAMPLE", "PartSums", "measure_partition", "measure_ready", "summary"]

#: Polygon positions each partition sends to the client to place the tile cuts.
SAMPLE: Final = 2048


@dataclass
class PartSums:
    """One partition, measured: point and line sums, and its polygons (Albers, repaired).

    ``report``: what reading did to the partition; ``bounds``: the extent of its coordinates as
    read, before conversion (None when none is left). ``count`` and ``length_km`` per zone,
    ``out_*`` outside every zone, ``layer_*`` of the partition's points and lines; ``kinds``
    present. ``n_polygons`` polygons, and ``polygons`` themselves, which stay on the worker (None in
    the summaries sent to the client); ``poly_bounds`` their extent, ``sample`` positions of some
    of them (bounding-box centres, x and y), each standing for ``weight`` polygons.
    """

    report: ReadReport
    bounds: Bounds | None
    count: np.ndarray
    length_km: np.ndarray
    out_count: int
    out_length_km: float
    layer_count: int
    layer_length_km: float
    kinds: tuple[str, ...]
    n_polygons: int
    polygons: Geoms | None = None
    poly_bounds: Bounds | None = None
    sample: np.ndarray | None = None
    weight: float = 0.0


def measure_partition(part: gpd.GeoDataFrame, *, source: str, fmt: str, user_crs: str | None,
                      zones: Zones) -> PartSums:
    """Read-layer rules on one partition, then its partial sums (on a worker)."""
    with worker_task():
        geoms, report, bounds = _prepare(part, source, fmt, user_crs)
        return _measure(geoms, report, bounds, zones)


def measure_ready(geoms: Geoms, *, zones: Zones) -> PartSums:
    """Partial sums of a partition of a layer read_layer has read already (on a worker)."""
    with worker_task():
        return _measure(geoms.array, ReadReport(""), None, zones)


def summary(part: PartSums) -> PartSums:
    """The partition without its polygons: what the client needs."""
    return replace(part, polygons=None)


def _prepare(part: gpd.GeoDataFrame, source: str, fmt: str, user_crs: str | None,
             ) -> tuple[np.ndarray, ReadReport, Bounds | None]:
    """The partition's geometries after read_layer's geometry stage, its report and the extent of its
    coordinates as read (None when it has none left).

    The stage is run as on a part of a layer (:func:`geo.layers.finish`, ``partial=True``): a
    partition whose geometries are all null, empty or invalid beyond repair is fine, since the
    whole-layer checks are made on the client (:func:`~geo.coverage.dask.assemble.whole_report`).
    """
    declared = CRS.from_user_input(part.crs) if part.crs is not None else None
    geoms = np.asarray(part.geometry.array, dtype=object)
    raw = Raw(pd.DataFrame(index=pd.RangeIndex(len(geoms))), geoms, declared, ReadReport(fmt))
    layer = finish(source, raw, user_crs, threads=1, partial=True)  # the workers are the parallelism
    report = layer.report
    report.hints = []  # the CRS hints are made again for the whole layer's extent
    return np.asarray(layer.gdf.geometry.array, dtype=object), report, report.extent


def _measure(geoms: np.ndarray, report: ReadReport, bounds: Bounds | None, zones: Zones) -> PartSums:
    """Points and lines measured with covered_area itself (additive over features); polygons kept."""
    zones = thread_zones(zones)
    n_zones = len(zones.table)
    points, lines, polygons = split_kinds(geoms)
    part = PartSums(report, bounds, np.zeros(n_zones, dtype=np.int64), np.zeros(n_zones), 0, 0.0, 0, 0.0, (), 0)
    if len(points) or len(lines):
        cov = covered_area(gpd.GeoSeries(np.concatenate([points, lines]), crs=OUTPUT_CRS), zones, threads=1)
        part.count = cov.table["count"].to_numpy(dtype=np.int64)
        part.length_km = cov.table["length_km"].to_numpy(dtype=float)
        part.out_count, part.out_length_km = int(cov.outside["count"]), float(cov.outside["length_km"])
        part.layer_count = int(cov.layer_totals["count"])
        part.layer_length_km = float(cov.layer_totals["length_km"])
        part.kinds = cov.kinds
    if len(polygons):
        part.kinds += ("polygon",)
        # as covered_area does it: to the equal-area CRS, then repaired
        _keep_polygons(part, valid_polygons(to_crs(polygons, CRS.from_user_input(OUTPUT_CRS), ALBERS_CHINA)))
    return part


def _keep_polygons(part: PartSums, polygons: np.ndarray) -> None:
    """``polygons`` kept in ``part``, with their extent and a sample of their positions."""
    part.polygons = Geoms(polygons)
    part.n_polygons = len(polygons)
    if not len(polygons):
        return
    b = shapely.bounds(polygons)
    part.poly_bounds = (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))
    picked = b[::max(1, len(polygons) // SAMPLE)]
    part.sample = np.column_stack([(picked[:, 0] + picked[:, 2]) / 2, (picked[:, 1] + picked[:, 3]) / 2])
    part.weight = len(polygons) / len(picked)
