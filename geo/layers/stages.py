"""The stages of reading a layer, public so that another engine can run them on parts of a layer.

:func:`read_layer` is :func:`open_raw` (a format's reader: attributes, geometries and the declared
CRS, as a :class:`~geo.layers.Raw`) then :func:`finish` (the geometries checked, their CRS settled
and converted, collections exploded, polygons repaired: a :class:`~geo.layers.Layer`). An engine
that reads a layer in parts (:mod:`geo.coverage.dask`) runs ``finish(..., partial=True)`` on each part,
then :func:`check_whole_layer` on the parts' reports added up and
:func:`~geo.layers.crs.settle_crs` on the whole extent, so that the layer is judged as one.
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
from geopandas.array import from_shapely

from chengyu.geo.errors import AtlasError
from chengyu.geo.gcpause import no_cycle_collection
from chengyu.geo.inputs import first_bytes, require_readable
from chengyu.geo.layers.clean import checked_geometries, explode_collections, kind_codes, repair_polygons
from chengyu.geo.layers.crs import crs_label, settle_crs, to_output_crs
from chengyu.geo.layers.ogr import OGR_FORMATS, read_ogr
from chengyu.geo.layers.parquet import read_parquet
from chengyu.geo.layers.raw import Raw
from chengyu.geo.layers.report import KINDS, OUTPUT_CRS, Bounds, Layer, ReadReport, counted, one_layer_hint
from chengyu.geo.layers.shapefile import read_shapefile
from chengyu.geo.layers.sniff import format_of
from chengyu.geo.layers.tables import read_csv

#: Called with a short description of each stage ("reading", "checking geometries", …).
Progress = Callable[[str], None]

_KIND_LABELS: Final = np.array(KINDS, dtype=object)


def read_layer(path: str | PathLike[str], *, layer_name: str | None = None, crs: str | None = None,
               progress: Progress | None = None, threads: int | None = None) -> Layer:
    """Read one layer of a user's file into EPSG:4490, repaired, with a report.

    ``path`` is a GeoJSON (.geojson/.json), GeoPackage (.gpkg), Shapefile (a .shp, a folder
    holding one, or a .zip holding one), GeoParquet (.parquet/.geoparquet), KML (.kml/.kmz) or CSV
    file (longitude/latitude columns or a WKT column). ``layer_name`` picks a layer of a
    GeoPackage or KML file, or a shapefile of a folder/zip holding several. ``crs`` says what the
    coordinates are: ``"gcj02"``, ``"bd09"`` or anything pyproj understands (``"EPSG:32648"``).
    ``progress``, if given, is called with a short description of each stage. ``threads``: how many
    threads the polygon checks may use (default: every core, :func:`geo.threads.available_threads`).

    Raises :class:`AtlasError` (one line, naming ``path``) for anything it cannot read.
    """
    say = progress or _silent
    with no_cycle_collection():  # reading makes up to millions of geometries at a time
        say("reading")
        raw = open_raw(path, layer_name=layer_name)
        say("checking geometries")
        given = crs.strip() if isinstance(crs, str) and crs.strip() else None
        return finish(str(path), raw, given, progress=say, threads=threads)


def open_raw(path: str | PathLike[str], *, layer_name: str | None = None) -> Raw:
    """The first stage of :func:`read_layer`: the file read by its format's reader, nothing checked
    but the file itself (``layer_name`` as for read_layer).

    Raises :class:`AtlasError` (naming ``path``) for a file that cannot be read.
    """
    source, p = str(path), Path(path)
    require_readable(source, p)  # before any reader opens it: no FIFO, no device
    if p.is_dir():
        return read_shapefile(source, p, layer_name)
    fmt = format_of(source, p)
    head = first_bytes(source, p)
    if fmt in OGR_FORMATS:
        return read_ogr(source, p, fmt, head, layer_name)
    if fmt == "Shapefile":
        return read_shapefile(source, p, layer_name)
    raw = read_parquet(source, p, head) if fmt == "GeoParquet" else read_csv(source, p, head)
    if layer_name is not None:
        raw.report.hints.append(one_layer_hint(layer_name, fmt))
    return raw


def finish(source: str, raw: Raw, crs: str | None = None, *, progress: Progress | None = None,
           threads: int | None = None, partial: bool = False) -> Layer:
    """The second stage of :func:`read_layer`: ``raw``'s geometries checked, converted and repaired.

    In order: null and empty geometries dropped, non-finite coordinates refused, Z dropped; the CRS
    settled (``crs``: what the caller says the coordinates are, as for read_layer) and the
    coordinates converted to :data:`OUTPUT_CRS`; collections exploded; polygons repaired. The report
    gets the counts and ``extent``. ``partial``: ``raw`` is one part of a layer, so having no
    features, or none left, is no error here: :func:`check_whole_layer` is then the caller's, on
    the whole layer's counts. ``source`` names the file in messages.
    """
    say = progress or _silent
    report = raw.report
    report.features_read = len(raw.geoms)
    report.crs_declared = crs_label(raw.crs) if raw.crs is not None else None
    geoms, attrs, bounds, points = _checked(source, raw)
    if bounds is not None:
        say("converting coordinates")
        geoms = to_output_crs(source, geoms, settle_crs(source, bounds, raw.crs, crs, report))
        say("repairing polygons")
        if not points:  # (points stay points through any conversion: nothing to explode or repair)
            geoms, attrs = explode_collections(geoms, attrs, report)
            geoms, attrs = repair_polygons(geoms, attrs, report, threads)
    codes = np.zeros(len(geoms), dtype=np.int8) if points else kind_codes(geoms)
    report.kinds = {k: int((codes == i).sum()) for i, k in enumerate(KINDS)}
    report.features = len(geoms)
    if not partial:
        check_whole_layer(source, report)
    return Layer(_frame(geoms, attrs, codes, report), source, report)


def check_whole_layer(source: str, report: ReadReport) -> None:
    """Refuse a layer with nothing to show, from its report's counts: no features, only null or empty
    geometries, or only polygons invalid beyond repair (one :class:`AtlasError`, in read_layer's words)."""
    if report.features_read == 0:
        raise AtlasError(source, "has no features")
    if report.dropped_empty == report.features_read:
        raise AtlasError(source, f"has no geometries (all {counted(report.features_read, 'feature')} have a null "
                         "or empty geometry)")
    if report.features == 0 and report.dropped_unrepairable:
        raise AtlasError(source, f"every geometry is invalid beyond repair "
                         f"({counted(report.dropped_unrepairable, 'polygon')} with no area left after repair: "
                         "they collapse to lines or points)")


def _silent(_stage: str) -> None:
    """A progress callback that says nothing."""


def _checked(source: str, raw: Raw) -> tuple[np.ndarray, pd.DataFrame, Bounds | None, bool]:
    """The geometries and attributes left by :func:`~geo.layers.clean.checked_geometries`, their extent,
    and whether they are all 2-D points (a reader's promise, ``raw.points_xy``, that holds)."""
    xy, geoms = raw.points_xy, raw.geoms
    if xy is not None and len(geoms) and xy.shape == (len(geoms), 2) and bool(np.isfinite(xy).all()):
        # every geometry is a 2-D Point with these finite coordinates: none is null or empty, none
        # has Z; the extent comes from the coordinates the reader already had.
        bounds = (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))
        raw.report.extent = bounds
        return geoms, raw.attrs, bounds, True
    geoms, attrs, extent = checked_geometries(source, geoms, raw.attrs, raw.report)
    raw.report.extent = extent
    return geoms, attrs, extent, False


def _frame(geoms: np.ndarray, attrs: pd.DataFrame, codes: np.ndarray, report: ReadReport) -> gpd.GeoDataFrame:
    """The layer's GeoDataFrame: its attributes, ``kind`` and ``geometry`` (a column of the layer's
    own by either name renamed, and the report says so)."""
    attrs = attrs.reset_index(drop=True)
    if "kind" in attrs.columns or "geometry" in attrs.columns:
        renames = {c: _free_name(c, attrs.columns) for c in ("kind", "geometry") if c in attrs.columns}
        attrs = attrs.rename(columns=renames)
        report.hints.append("renamed the layer's own column(s) " + ", ".join(
            f"{old!r} to {new!r}" for old, new in renames.items()) + " (read_layer adds 'kind' and 'geometry')")
    attrs["kind"] = _kind_column(codes)
    # from_shapely validates the geometries in one vectorised call; GeoSeries(ndarray) would also
    # copy the array and scan it as pandas data.
    geometry = gpd.GeoSeries(from_shapely(geoms, crs=OUTPUT_CRS))
    return gpd.GeoDataFrame(attrs, geometry=geometry, crs=OUTPUT_CRS)


def _kind_column(codes: np.ndarray) -> Any:
    """The ``kind`` column: what pandas makes of ``KINDS[codes]`` as strings, built without them.

    Assigning an object array of a million Python strings makes pandas 3 scan it and convert it to
    its Arrow-backed "str" dtype (0.1 s). Where pandas stores these strings so, the same array is
    built in Arrow from the codes directly; otherwise the object array is returned as before.
    """
    sample = pd.Series(_KIND_LABELS).array  # how pandas stores these strings
    if (len(codes) and isinstance(sample.dtype, pd.StringDtype) and sample.dtype.storage == "pyarrow"
            and codes.min() >= 0):
        built = pd.array(pa.array(KINDS, type=pa.large_string()).take(pa.array(codes)), dtype=sample.dtype)
        if type(built) is type(sample) and pa.array(built).type == pa.array(sample).type:
            return built
    return _KIND_LABELS[codes]


def _free_name(name: str, taken: Any) -> str:
    i = 1
    while f"{name}_{i}" in taken:
        i += 1
    return f"{name}_{i}"
