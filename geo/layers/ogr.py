"""GeoJSON, GeoPackage and KML, read through GDAL (pyogrio): which layers, and their features.

A file of several layers needs ``layer_name=``, except that KML folders are all read (users make
them casually; a column names each feature's folder) and a GeoPackage of one spatial layer beside
plain tables reads that layer. GeoPackage point layers take the fast path of
:mod:`geo.layers.fastpoints` where they can.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj

from chengyu.geo.errors import AtlasError
from chengyu.geo.inputs import check_zip, plain_paths, zip_members
from chengyu.geo.layers import geojson_crs
from chengyu.geo.layers.failures import PYOGRIO_ERRORS, READ_ERRORS, library_message, quiet
from chengyu.geo.layers.fastpoints import gpkg_points
from chengyu.geo.layers.raw import Raw
from chengyu.geo.layers.report import ReadReport, listing
from chengyu.geo.layers.sniff import sniff_text
from chengyu.geo.limits import LAYERS

#: The formats read here.
OGR_FORMATS: Final = ("GeoJSON", "GeoPackage", "KML")

# LIBKML adds these housekeeping fields to every KML layer; they are dropped when they carry
# nothing (at most one distinct value).
_KML_HOUSEKEEPING: Final = (
    "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility",
    "drawOrder", "icon", "snippet",
)


def read_ogr(source: str, p: Path, fmt: str, head: bytes, layer_name: str | None) -> Raw:
    """A GeoJSON, GeoPackage or KML file (``fmt``; ``head``: its first bytes), checked before GDAL opens it."""
    suffix = p.suffix.lower()
    if fmt == "GeoJSON":
        sniff_text(source, head, "GeoJSON", b"{[\x1e")
        geojson_crs.declared_names(source, p)
    elif fmt == "KML":
        if suffix == ".kmz":
            check_zip(source, p, zip_members(source, p, "KMZ file"))
        else:
            sniff_text(source, head, "KML", b"<")
    elif not head.startswith(b"SQLite format 3\x00"):
        raise AtlasError(source, "is not a valid GeoPackage (not an SQLite database)")
    with plain_paths({f"layer{suffix}": p}) as names:
        return _read_dataset(source, names[f"layer{suffix}"], fmt, layer_name)


def _read_dataset(source: str, dataset: str, fmt: str, layer_name: str | None) -> Raw:
    names, spatial = _layer_names(source, dataset, fmt)
    hints: list[str] = []
    chosen = _chosen(source, fmt, names, spatial, layer_name, hints)
    if fmt == "GeoPackage":
        for name in chosen:
            _check_gpkg_srs(source, dataset, name)
        fast = gpkg_points(source, dataset, chosen[0]) if len(chosen) == 1 else None
        if fast is not None:
            fast.report.layer, fast.report.hints = chosen[0], hints
            return fast
    gdf, declared = _frames(source, dataset, fmt, chosen)
    named = fmt == "GeoPackage" or len(names) > 1
    report = ReadReport(fmt, layer=chosen[0] if len(chosen) == 1 and named else None, hints=hints)
    if fmt == "KML" and len(chosen) > 1:
        report.hints.append(f"read all {len(chosen)} KML folders ({listing(chosen)}); "
                            "the column 'layer' names each feature's folder")
    return Raw.from_frame(gdf, declared, report)


def _layer_names(source: str, dataset: str, fmt: str) -> tuple[list[str], list[str]]:
    """The file's layers, and those of them with geometries."""
    try:
        with quiet():
            layers = pyogrio.list_layers(dataset)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        raise AtlasError(source, f"is not valid {fmt}: {library_message(err, dataset)}") from None
    except UnicodeDecodeError:
        raise AtlasError(source, f"is not valid {fmt}: layer names are not UTF-8") from None
    names = [str(n) for n in layers[:, 0]] if len(layers) else []
    if len(names) > LAYERS.value():
        raise AtlasError(source, f"has {len(names):,} layers, more than can be read ({LAYERS.says()})")
    spatial = [str(n) for n, g in layers if g is not None] if len(layers) else []
    return names, spatial


def _chosen(source: str, fmt: str, names: list[str], spatial: list[str], layer_name: str | None,
            hints: list[str]) -> list[str]:
    """The layers to read (a hint added to ``hints`` when tables were passed over)."""
    if layer_name is not None:
        if layer_name not in names:
            raise AtlasError(source, f"has no layer {layer_name!r}; its layers: {listing(names)}")
        return [layer_name]
    if not names:
        raise AtlasError(source, "has no layers")
    if len(names) == 1 or fmt == "KML":  # KML folders are layers, made casually: all read, each named
        return names
    if len(spatial) == 1:
        others = [n for n in names if n not in spatial]
        hints.append(f"read the only spatial layer {spatial[0]!r}; "
                     f"table(s) without geometry ignored: {listing(others)}")
        return spatial
    raise AtlasError(source, f"has {len(names)} layers ({listing(names)}); pick one with layer_name=")


def _frames(source: str, dataset: str, fmt: str, chosen: list[str]) -> tuple[gpd.GeoDataFrame, pyproj.CRS | None]:
    """The chosen layers in one frame (one read per layer, not per feature), and the CRS declared."""
    frames = []
    declared = None
    for name in chosen:
        gdf = _ogr_frame(source, dataset, fmt, name)
        if fmt == "KML":
            gdf = _drop_kml_housekeeping(gdf)
            if len(chosen) > 1:
                gdf.insert(0, "layer", name)
        if gdf.crs is not None:
            declared = gdf.crs
        frames.append(gdf)
    return (frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)), declared


def _check_gpkg_srs(source: str, dataset: str, layer: str) -> None:
    """Refuse a GeoPackage layer whose srs_id the file does not define: GDAL reads it as "no CRS".

    0 and -1 are the standard's own "undefined" CRSs, and a layer without an entry is a table.
    The query gives up after a second (a hostile file can make gpkg_geometry_columns a view that
    never ends; GDAL then meets it, within the command's time budget).
    """
    deadline = time.monotonic() + 1.0
    try:
        with contextlib.closing(sqlite3.connect(f"{Path(dataset).resolve().as_uri()}?mode=ro", uri=True)) as db:
            db.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            row = db.execute("SELECT g.srs_id, s.srs_id FROM gpkg_geometry_columns g LEFT JOIN gpkg_spatial_ref_sys s "
                             "ON s.srs_id = g.srs_id WHERE g.table_name = ?", (layer,)).fetchone()
    except sqlite3.Error:
        return  # GDAL says what is wrong with the file
    if row is not None and row[0] not in (0, -1) and row[1] is None:
        raise AtlasError(source, f"layer {layer!r} declares the CRS srs_id {row[0]}, which the file does not define "
                         "(no such row in gpkg_spatial_ref_sys); add its definition to the file")


def _ogr_frame(source: str, dataset: str, fmt: str, layer: str) -> gpd.GeoDataFrame:
    # Arrow for GeoPackage (the big ones); GeoJSON and KML through pyogrio's numpy path, which
    # keeps a NaN coordinate of a point as NaN (the arrow path turns POINT (NaN y) into an empty
    # point, which would hide the error).
    try:
        with quiet():
            result = pyogrio.read_dataframe(dataset, layer=layer, use_arrow=fmt == "GeoPackage")
    except PYOGRIO_ERRORS as err:
        raise AtlasError(source, f"is not valid {fmt}: {library_message(err, dataset)}") from None
    except READ_ERRORS as err:
        raise AtlasError(source, f"cannot be read as {fmt}: {library_message(err, dataset)}") from None
    if not isinstance(result, gpd.GeoDataFrame):
        raise AtlasError(source, f"has no geometries: layer {layer!r} is a table without a "
                         "geometry column")
    return result


def _drop_kml_housekeeping(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    empty = [c for c in _KML_HOUSEKEEPING if c in gdf.columns and gdf[c].nunique(dropna=True) <= 1]
    if "id" in gdf.columns and gdf["id"].isna().all():
        empty.append("id")
    return gdf.drop(columns=empty) if empty else gdf
