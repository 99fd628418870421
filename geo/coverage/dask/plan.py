"""How the dask engine reads a layer: in partitions with dask-geopandas (GeoParquet, GeoPackage), or
whole on the client with :func:`~geo.layers.read_layer` when it cannot, and how many partitions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio

from chengyu.geo.inputs import folder_files, is_plain
from chengyu.geo.layers import PYOGRIO_ERRORS, check_parquet_nesting, one_layer_hint
from chengyu.geo.layers.geoparquet_meta import read_geo_metadata

__all__ = ["ROWS_PER_PARTITION", "ReadPlan", "partition_count", "plan_reading", "read_partitioned", "row_ranges"]

#: Rows per partition when the number of partitions is not given (and the format lets us choose).
ROWS_PER_PARTITION: Final = 250_000


@dataclass
class ReadPlan:
    """How to read the layer: in partitions with dask-geopandas, or whole with read_layer.

    ``kind``: "parquet", "ogr" or "whole"; ``source`` and ``layer_name`` as the user gave them;
    ``target``: what dask-geopandas reads (a file or folder), ``layer`` the layer in it and
    ``geometry`` its geometry column; ``features`` and ``row_groups`` of the whole layer;
    ``hints`` for the report; ``declared``: the CRS every partition has (the dask frame's), once read.
    """

    kind: str
    source: str
    layer_name: str | None
    fmt: str = ""
    target: str = ""
    layer: str | None = None
    geometry: str = "geometry"
    features: int = 0
    hints: list[str] = field(default_factory=list)
    row_groups: int = 0
    declared: Any = None


def plan_reading(source: str, p: Path, layer_name: str | None) -> ReadPlan:
    """Partitioned reads for GeoParquet and GeoPackage when nothing is ambiguous; else whole.

    Anything unusual (a broken file or broken GeoParquet metadata, several layers and no
    ``layer_name``, a table without geometry, a Parquet file without GeoParquet metadata) is left to
    read_layer, which reads it or says what is wrong exactly as it does for the in-process engine.
    """
    whole = ReadPlan("whole", source, layer_name)
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


def _parquet_plan(source: str, target: str, files: list[Path], layer_name: str | None) -> ReadPlan | None:
    """Row groups of GeoParquet files: None when one is no GeoParquet (raises ValueError on broken
    'geo' metadata)."""
    rows = groups = 0
    geometry = []
    for f in sorted(files):
        with open(f, "rb") as fh:
            if fh.read(4) != b"PAR1":
                return None
        meta = pq.ParquetFile(f).metadata
        if b"geo" not in (meta.metadata or {}):
            return None
        geometry.append(read_geo_metadata(meta.metadata).primary_column)
        rows += meta.num_rows
        groups += meta.num_row_groups
    if rows == 0:
        return None
    for f in files:  # the workers' GEOS would crash on deeply nested WKB: refused here, streamed
        check_parquet_nesting(source, f)
    hints = []
    if layer_name is not None:  # as read_layer says it
        hints.append(one_layer_hint(layer_name, "GeoParquet"))
    return ReadPlan("parquet", source, layer_name, "GeoParquet", target, geometry=str(geometry[0]), features=rows,
                    hints=hints, row_groups=groups)


def _gpkg_plan(source: str, target: str, layer_name: str | None) -> ReadPlan | None:
    """The one layer (or ``layer_name``) of a GeoPackage, when GDAL can seek to a feature in it."""
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
    return ReadPlan("ogr", source, layer_name, "GeoPackage", target, layer=chosen, features=int(info["features"]))


def partition_count(npartitions: int | None, rows: int, threads: int) -> int:
    """``npartitions`` (at most one per row), or one per :data:`ROWS_PER_PARTITION` rows and at
    least one per worker thread.

    >>> partition_count(None, 1_000_000, 2), partition_count(None, 10, 4), partition_count(8, 3, 2)
    (4, 4, 3)
    """
    if npartitions is not None:
        return max(1, min(npartitions, max(rows, 1)))
    return max(1, min(max(threads, math.ceil(rows / ROWS_PER_PARTITION)), max(rows, 1)))


def row_ranges(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` ranges of rows of about equal length covering 0..n.

    >>> row_ranges(10, 3)
    [(0, 3), (3, 7), (7, 10)]
    """
    edges = np.linspace(0, n, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def read_partitioned(plan: ReadPlan, npartitions: int | None, threads: int) -> Any:
    """The layer's geometry column as a dask-geopandas frame in partitions (nothing read yet)."""
    import dask_geopandas

    if plan.kind == "parquet":
        # Partitions of whole row groups, as many per partition as make about ROWS_PER_PARTITION
        # rows (one when a row group is bigger): reading a partition reads just those row groups.
        per_group = max(1, plan.features // max(1, plan.row_groups))
        frames = dask_geopandas.read_parquet(plan.target, columns=[plan.geometry],
                                             split_row_groups=max(1, ROWS_PER_PARTITION // per_group))
        if npartitions is not None and npartitions != frames.npartitions:
            # Row groups are the smallest unit a Parquet file is read in: more partitions than
            # that split each one after reading it (and move the pieces between workers).
            frames = frames.repartition(npartitions=npartitions)
        return frames
    n = partition_count(npartitions, plan.features, threads)
    # columns=["geometry"]: the geometry only (pyogrio ignores a field name the layer lacks;
    # dask-geopandas reads no geometry when "geometry" is not among the columns).
    return dask_geopandas.read_file(plan.target, npartitions=n, layer=plan.layer, columns=["geometry"])
