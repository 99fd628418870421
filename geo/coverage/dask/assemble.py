"""What the client makes of the dask engine's partial results: the read report of the whole layer, and
the :class:`~geo.coverage.Coverage` from the partitions' and tiles' sums."""

from __future__ import annotations

import numpy as np
from pyproj import CRS

from chengyu.geo.coverage import Coverage, assemble
from chengyu.geo.coverage.dask.partition import PartSums
from chengyu.geo.coverage.dask.plan import ReadPlan
from chengyu.geo.coverage.dask.polygon_tiles import TileSums
from chengyu.geo.layers import KINDS, ReadReport, check_whole_layer, crs_label, settle_crs
from chengyu.geo.zones import Zones

__all__ = ["combine", "whole_report"]

# The counts of a ReadReport that add up over partitions.
_COUNTS = ("features_read", "features", "repaired", "dropped_empty", "dropped_unrepairable", "z_dropped",
           "collections_exploded")


def whole_report(source: str, plan: ReadPlan, parts: list[PartSums], user_crs: str | None) -> ReadReport:
    """The partitions' reports added up, with the CRS decided again for the whole layer's extent.

    read_layer's own whole-layer checks are made on the sums (:func:`geo.layers.check_whole_layer`),
    and its CRS decision and hints (:func:`geo.layers.settle_crs`), so the report reads as its would.
    """
    report = ReadReport(plan.fmt, layer=plan.layer)
    for part in parts:
        for name in _COUNTS:
            setattr(report, name, getattr(report, name) + getattr(part.report, name))
        for k in KINDS:
            report.kinds[k] += part.report.kinds.get(k, 0)
    check_whole_layer(source, report)  # read_layer's own checks and words
    declared = CRS.from_user_input(plan.declared) if plan.declared is not None else None
    report.crs_declared = crs_label(declared) if declared is not None else None
    extents = np.array([p.bounds for p in parts if p.bounds is not None], dtype=float)
    report.extent = (float(extents[:, 0].min()), float(extents[:, 1].min()),
                     float(extents[:, 2].max()), float(extents[:, 3].max()))
    report.hints = list(plan.hints)
    settle_crs(source, report.extent, declared, user_crs, report)
    return report


def combine(zones: Zones, parts: list[PartSums], tiles: list[TileSums]) -> Coverage:
    """The partitions' and tiles' sums as covered_area's Coverage (same columns, totals, ratios),
    added up in partition and tile order: the same bits on every run."""
    n_zones = len(zones.table)
    count = np.zeros(n_zones, dtype=np.int64)
    length_km = np.zeros(n_zones)
    out_count, out_length_km, layer_count, layer_length_km = 0, 0.0, 0, 0.0
    present: set[str] = set()
    for p in parts:
        count += p.count
        length_km += p.length_km
        out_count += p.out_count
        out_length_km += p.out_length_km
        layer_count += p.layer_count
        layer_length_km += p.layer_length_km
        present.update(p.kinds)
    covered_km2 = np.zeros(n_zones)
    out_area_km2 = layer_area_km2 = 0.0
    for zone_idx, covered, tile_outside, tile_area in tiles:
        covered_km2[zone_idx] += covered
        out_area_km2 += tile_outside
        layer_area_km2 += tile_area
    return assemble(
        zones.table, zones.table["area_km2"].to_numpy(dtype=float), covered_km2, length_km, count,
        outside={"covered_km2": out_area_km2, "length_km": out_length_km, "count": out_count},
        layer_totals={"area_km2": layer_area_km2, "length_km": layer_length_km, "count": layer_count},
        kinds=tuple(k for k in KINDS if k in present),
    )
