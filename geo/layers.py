"""Read the user's own layers — any common format, any encoding, offset or broken — into EPSG:4490.

Users bring a park inventory, a planned rail line, company sites, their own digitised Science City
footprint: as GeoJSON, GeoPackage, Shapefile (folder, ``.shp`` or ``.zip``), GeoParquet, KML or CSV,
often with Chinese attributes in GBK and often in the shifted coordinates of Chinese web maps.
:func:`read_layer` turns any of them into one GeoDataFrame in EPSG:4490 (CGCS2000, which matches
WGS-84 to centimetres, like the bundled boundaries) with a ``kind`` column (``point``, ``line`` or
``polygon``), and a :class:`ReadReport` saying what it did: how many features it read, repaired and
dropped, which CRS the file declared and which one was used, which text encoding, and hints.

Anything it cannot read raises :class:`~geo.errors.AtlasError` naming the file, in one line, and
nothing is returned: no partial results.

What happens to the geometries, in order (all vectorised with shapely 2, no Python loop over
features):

1. null and empty geometries are dropped (counted);
2. a coordinate that is NaN or Infinity is an error;
3. Z (and M) values are dropped (counted);
4. the CRS is settled (see below) and the coordinates converted to EPSG:4490;
5. GeometryCollections are exploded into one row per kind of part (the points of a collection
   become one MultiPoint row, its lines one row, its polygons one row; attributes repeated);
6. invalid polygons are repaired with ``shapely.make_valid(method="structure",
   keep_collapsed=False)``, which keeps only the polygonal part of a repair; a polygon whose repair
   has no area left (it collapses to a line or a point) is dropped (counted). Lines and points are
   not repaired.

CRS rules: a declared CRS is respected and reprojected. With no CRS, the layer is taken as
EPSG:4326 only when every coordinate fits longitude/latitude; otherwise it is an error asking for
``--crs``. ``crs="gcj02"``/``"bd09"`` undoes the offsets of Chinese web maps (Amap/Tencent, Baidu)
with :func:`geo.chinacrs.convert_geometries`; any other ``crs`` is given to pyproj and wins over a
declared CRS (the report says so). Coordinates that only make sense as latitude/longitude swapped
(for data in China) are an error naming the swap.

GCJ-02 cannot be detected from a file: a shift of a few hundred metres leaves every coordinate
plausible, and the bundled boundaries are far too coarse (about 1.5 km) to reveal it. So the
"heuristic" is deliberately modest: every layer taken as WGS-84 whose extent is centred inside
China, read without ``crs``, gets a hint giving the size of the GCJ-02 and BD-09 shifts at its
centre and suggesting ``--crs gcj02``/``--crs bd09`` if the data came from those maps.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import sqlite3
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pyogrio
import pyproj
import shapely
from geopandas.array import from_shapely
from pyproj import Geod
from pyproj.exceptions import CRSError

from chengyu.geo import geojson_crs
from chengyu.geo.chinacrs import (
    OFFSET_CRS,
    convert_geometries,
    in_china,
    typical_offset_m,
    wgs84_to_bd09,
)
from chengyu.geo.errors import AtlasError
from chengyu.geo.gcpause import no_cycle_collection
from chengyu.geo.inputs import check_zip, folder_files, plain_paths, require_readable, zip_members
from chengyu.geo.limits import LAYERS, NESTING
from chengyu.geo.nonetwork import forbid_network
from chengyu.geo.threads import resolve_threads, run_chunked

__all__ = ["KINDS", "OUTPUT_CRS", "SUPPORTED_SUFFIXES", "Layer", "ReadReport", "read_layer"]

#: The CRS of every layer returned (CGCS2000; matches WGS-84 to centimetres).
OUTPUT_CRS: Final = "EPSG:4490"

#: The values of the ``kind`` column, in the order rows of one exploded collection come in.
KINDS: Final = ("point", "line", "polygon")

#: File name endings read_layer understands (a folder holding a shapefile is also accepted).
SUPPORTED_SUFFIXES: Final = (
    ".geojson", ".json", ".gpkg", ".shp", ".zip", ".parquet", ".geoparquet", ".kml", ".kmz", ".csv",
)

_FORMAT_BY_SUFFIX: Final = {
    ".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile",
    ".zip": "Shapefile", ".parquet": "GeoParquet", ".geoparquet": "GeoParquet", ".kml": "KML",
    ".kmz": "KML", ".csv": "CSV",
}

# Column names recognised in tables (CSV, plain Parquet), compared case-insensitively, in order of
# preference.
LON_NAMES: Final = ("longitude", "lon", "lng", "long", "经度", "x")
LAT_NAMES: Final = ("latitude", "lat", "纬度", "y")
WKT_NAMES: Final = ("wkt", "geometry", "geom", "the_geom")

# LIBKML adds these housekeeping fields to every KML layer; they are dropped when they carry
# nothing (at most one distinct value).
_KML_HOUSEKEEPING: Final = (
    "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility",
    "drawOrder", "icon", "snippet",
)

# shapely type ids
_POINT, _LINE, _RING, _POLYGON, _MPOINT, _MLINE, _MPOLYGON, _COLLECTION = range(8)
_KIND_OF_TYPE: Final = np.array([0, 1, 1, 2, 0, 1, 2, -1], dtype=np.int8)  # index: type id

# A swapped layer "for China": x within China's latitudes, y within its longitudes (generous).
_CHINA_LAT: Final = (15.0, 56.0)
_CHINA_LON: Final = (70.0, 140.0)

_GEOD: Final = Geod(ellps="WGS84")

forbid_network()  # no file read here may make GDAL or PROJ talk to the network
# GDAL's default error handler prints "ERROR n: …" on stderr where pyogrio has not put its own
# (reading Arrow batches): our one line says what went wrong, so those go nowhere.
pyogrio.set_gdal_config_options({"CPL_LOG": os.devnull})

Progress = Callable[[str], None]

# What the readers (GDAL through pyogrio, pyarrow, geopandas, pandas) raise on a broken file.
_PYOGRIO_ERRORS: Final = (
    pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError, pyogrio.errors.FeatureError, pyogrio.errors.CRSError,
)
_READ_ERRORS: Final = (
    *_PYOGRIO_ERRORS, pa.ArrowException, UnicodeDecodeError, ValueError, TypeError, KeyError,
    OSError, RuntimeError, shapely.errors.ShapelyError,
)


@dataclass
class ReadReport:
    """What :func:`read_layer` did to a layer; ``lines()`` says it in words.

    ``format``: GeoJSON, GeoPackage, Shapefile, GeoParquet, KML, CSV (or "Parquet (no GeoParquet
    metadata)"); ``layer``: the layer or shapefile read, when the file could hold several.
    ``features_read``: features in the file; ``features``: rows returned (after dropping and
    exploding). ``repaired``: invalid polygons made valid; ``dropped_unrepairable``: polygons with
    no area left after repair, dropped; ``dropped_empty``: null or empty geometries (or CSV rows
    with an empty coordinate), dropped; ``z_dropped``: geometries that lost their Z;
    ``collections_exploded``: GeometryCollections split by kind. ``kinds``: rows per kind.
    ``crs_declared``: the file's CRS ("EPSG:32648"; None when it has none); ``crs_used``: what
    the coordinates were taken as ("EPSG:4326", "gcj02", ...); the output is always
    :data:`OUTPUT_CRS`. ``encoding``: how attribute text was decoded, where the reader had to decide
    (Shapefile, CSV). ``hints``: things the user may want to know or fix, one line each.
    """

    format: str
    layer: str | None = None
    features_read: int = 0
    features: int = 0
    repaired: int = 0
    dropped_empty: int = 0
    dropped_unrepairable: int = 0
    z_dropped: int = 0
    collections_exploded: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    crs_declared: str | None = None
    crs_used: str | None = None
    encoding: str | None = None
    hints: list[str] = field(default_factory=list)

    @property
    def crs_output(self) -> str:
        return OUTPUT_CRS

    def lines(self) -> list[str]:
        """Human-readable lines: what was read, what was changed, and the hints.

        >>> ReadReport("GeoJSON", features_read=4, features=3, repaired=1, dropped_empty=1,
        ...            kinds={"point": 0, "line": 0, "polygon": 3},
        ...            crs_declared="EPSG:4326", crs_used="EPSG:4326").lines()[:3]
        ['read 4 features (GeoJSON)', 'kept 3: 3 polygons', 'repaired 1 invalid polygon']
        """
        what = self.format + (f", layer {self.layer!r}" if self.layer else "")
        out = [f"read {_n(self.features_read, 'feature')} ({what})"]
        kinds = ", ".join(_n(n, k) for k, n in self.kinds.items() if n)
        out.append(f"kept {self.features:,}" + (f": {kinds}" if kinds else ""))
        if self.encoding:
            out.append(f"attributes decoded as {self.encoding}")
        if self.repaired:
            out.append(f"repaired {_n(self.repaired, 'invalid polygon')}")
        if self.dropped_unrepairable:
            out.append(f"dropped {_n(self.dropped_unrepairable, 'polygon')} invalid beyond repair "
                       "(no area left)")
        if self.dropped_empty:
            out.append(f"dropped {_n(self.dropped_empty, 'null or empty geometry', 'null or empty geometries')}")
        if self.z_dropped:
            out.append(f"dropped Z from {_n(self.z_dropped, 'geometry', 'geometries')}")
        if self.collections_exploded:
            out.append(f"exploded {_n(self.collections_exploded, 'geometry collection')} into one row "
                       "per kind of part (attributes repeated)")
        declared = self.crs_declared or "none"
        out.append(f"CRS declared: {declared}; used: {self.crs_used}; output: {OUTPUT_CRS}")
        out.extend(f"hint: {h}" for h in self.hints)
        return out


@dataclass
class Layer:
    """A user's layer in :data:`OUTPUT_CRS`, where it came from, and what reading it did."""

    gdf: gpd.GeoDataFrame
    source: str
    report: ReadReport

    @property
    def name(self) -> str:
        """The layer's name: the layer read, else the file's name without its suffix."""
        return self.report.layer or Path(self.source).stem


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


# --------------------------------------------------------------------------- entry point


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
    source = str(path)
    say = progress or (lambda _stage: None)
    user_crs = crs.strip() if isinstance(crs, str) and crs.strip() else None
    p = Path(path)
    require_readable(source, p)  # before any reader opens it: no FIFO, no device
    with no_cycle_collection():  # reading makes up to millions of geometries at a time
        say("reading")
        raw = _read_any(source, p, layer_name)
        say("checking geometries")
        return _finish(source, raw, user_crs, say, threads)


@dataclass
class _Raw:
    """What a format reader hands on: attributes, geometries, declared CRS and report so far.

    ``points_xy``, when a reader sets it, promises that every geometry is a 2-D Point with exactly
    these (finite) coordinates, row for row: :func:`_finish` then skips the checks it would
    otherwise make geometry by geometry.
    """

    attrs: pd.DataFrame
    geoms: np.ndarray
    crs: pyproj.CRS | None
    report: ReadReport
    points_xy: np.ndarray | None = None


def _read_any(source: str, p: Path, layer_name: str | None) -> _Raw:
    if p.is_dir():
        return _read_shapefile(source, p, layer_name)
    suffix = p.suffix.lower()
    fmt = _FORMAT_BY_SUFFIX.get(suffix)
    if fmt is None:
        shown = f"'{p.suffix}'" if p.suffix else "no extension"
        raise AtlasError(source, f"unknown file type ({shown}); expected one of "
                         f"{', '.join(SUPPORTED_SUFFIXES)} or a folder holding a shapefile")
    if require_readable(source, p).st_size == 0:
        raise AtlasError(source, "is empty (0 bytes)")
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError as err:
        raise AtlasError(source, f"cannot be read: {err.strerror or err}") from None
    if fmt == "GeoJSON":
        _sniff_text(source, head, "GeoJSON", b"{[\x1e")
        geojson_crs.declared_names(source, p)
    elif fmt == "KML":
        if suffix == ".kmz":
            check_zip(source, p, zip_members(source, p, "KMZ file"))
        else:
            _sniff_text(source, head, "KML", b"<")
    elif fmt == "GeoPackage":
        if not head.startswith(b"SQLite format 3\x00"):
            raise AtlasError(source, "is not a valid GeoPackage (not an SQLite database)")
    if fmt in ("GeoJSON", "KML", "GeoPackage"):
        with plain_paths({f"layer{suffix}": p}) as names:
            return _read_ogr(source, names[f"layer{suffix}"], fmt, layer_name)
    if fmt in ("GeoParquet", "CSV"):
        raw = _read_parquet(source, p, head) if fmt == "GeoParquet" else _read_csv(source, p, head)
        if layer_name is not None:
            raw.report.hints.append(f"--layer-name {layer_name!r} ignored: a {fmt} file has one layer")
        return raw
    return _read_shapefile(source, p, layer_name)


_CONTROL: Final = frozenset(range(9)) | frozenset(range(14, 30)) | {31}  # not in text files


def _is_binary(head: bytes) -> bool:
    return any(b in _CONTROL for b in head[:1024])


def _is_utf16(head: bytes) -> bool:
    """UTF-16 text: a byte-order mark, or ASCII with a zero byte beside every character."""
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return True
    pairs = head[:512]
    return len(pairs) >= 8 and (pairs[1::2].count(0) == len(pairs) // 2 or pairs[0::2].count(0) == len(pairs) // 2)


def _sniff_text(source: str, head: bytes, fmt: str, starts: bytes) -> None:
    """A cheap check that a text format's file is text and starts the right way."""
    if _is_utf16(head):
        raise AtlasError(source, f"is {fmt} written as UTF-16 text; {fmt} files are read as UTF-8: "
                         "save it as UTF-8")
    if _is_binary(head.replace(b"\x1e", b"")):
        raise AtlasError(source, f"is not valid {fmt}: it is a binary file")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text or text[:1] not in [bytes([c]) for c in starts]:
        first = "'" + "' or '".join(chr(c) for c in starts if c >= 32) + "'"
        raise AtlasError(source, f"is not valid {fmt}: it does not start with {first}")


# How the readers say they ran out of memory: C++ (GDAL, GEOS), GDAL's own allocator, Arrow,
# and a failed wrap of a value into a Python object (Arrow, when Python's allocator fails).
_OUT_OF_MEMORY: Final = re.compile(r"bad_alloc|[Cc]annot allocate|[Oo]ut of memory|(re|m|c)alloc of size \d+ failed"
                                   r"|Unknown error: Wrapping")


def _detail(err: BaseException, *paths: str) -> str:
    """A library's error message, shortened: no file path, no GDAL advice, at most 200 chars.

    A library that ran out of memory says so in its own words ("std::bad_alloc", "realloc of
    size … failed"): that is no problem of the file, so MemoryError is raised instead.

    >>> _detail(RuntimeError("std::bad_alloc"))
    Traceback (most recent call last):
    MemoryError: std::bad_alloc
    """
    if isinstance(err, (MemoryError, pa.ArrowMemoryError)) or _OUT_OF_MEMORY.search(str(err)):
        raise MemoryError(str(err)[:200]) from None
    text = str(err).split("; It might help")[0]
    if "not recognized as being in a supported file format" in text:
        return "GDAL does not recognise its content"
    for path in sorted((q for q in paths if q), key=len, reverse=True):
        text = text.replace(f"'{path}'", "the file").replace(path, "the file")
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------- OGR formats


def _read_ogr(source: str, dataset: str, fmt: str, layer_name: str | None) -> _Raw:
    """GeoJSON, GeoPackage and KML through pyogrio (arrow)."""
    try:
        with _quiet():
            layers = pyogrio.list_layers(dataset)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as err:
        raise AtlasError(source, f"is not valid {fmt}: {_detail(err, dataset)}") from None
    except UnicodeDecodeError:
        raise AtlasError(source, f"is not valid {fmt}: layer names are not UTF-8") from None
    names = [str(n) for n in layers[:, 0]] if len(layers) else []
    if len(names) > LAYERS.value():
        raise AtlasError(source, f"has {len(names):,} layers, more than can be read ({LAYERS.says()})")
    spatial = [str(n) for n, g in layers if g is not None] if len(layers) else []
    hints: list[str] = []
    if layer_name is not None:
        if layer_name not in names:
            raise AtlasError(source, f"has no layer {layer_name!r}; its layers: {_listing(names)}")
        chosen = [layer_name]
    elif not names:
        raise AtlasError(source, "has no layers")
    elif len(names) == 1:
        chosen = names
    elif fmt == "KML":
        # KML folders are layers; users make them casually, so read them all, naming each.
        chosen = names
    elif len(spatial) == 1:
        chosen = spatial
        others = [n for n in names if n not in spatial]
        hints.append(f"read the only spatial layer {spatial[0]!r}; "
                     f"table(s) without geometry ignored: {_listing(others)}")
    else:
        raise AtlasError(source, f"has {len(names)} layers ({_listing(names)}); "
                         "pick one with --layer-name")

    if fmt == "GeoPackage":
        for name in chosen:
            _check_gpkg_srs(source, dataset, name)
    if fmt == "GeoPackage" and len(chosen) == 1:
        fast = _read_gpkg_points(source, dataset, chosen[0])
        if fast is not None:
            fast.report.layer, fast.report.hints = chosen[0], hints
            return fast

    frames = []
    declared: pyproj.CRS | None = None
    for name in chosen:  # one per layer, not per feature
        gdf = _ogr_frame(source, dataset, fmt, name)
        if fmt == "KML":
            gdf = _drop_kml_housekeeping(gdf)
            if len(chosen) > 1:
                gdf.insert(0, "layer", name)
        if gdf.crs is not None:
            declared = gdf.crs
        frames.append(gdf)
    gdf = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    named = fmt == "GeoPackage" or len(names) > 1
    report = ReadReport(fmt, layer=chosen[0] if len(chosen) == 1 and named else None, hints=hints)
    if fmt == "KML" and len(chosen) > 1:
        report.hints.append(f"read all {len(chosen)} KML folders ({_listing(chosen)}); "
                            "the column 'layer' names each feature's folder")
    return _split(source, gdf, declared, report)


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
        with _quiet():
            result = pyogrio.read_dataframe(dataset, layer=layer, use_arrow=fmt == "GeoPackage")
    except _PYOGRIO_ERRORS as err:
        raise AtlasError(source, f"is not valid {fmt}: {_detail(err, dataset)}") from None
    except _READ_ERRORS as err:
        raise AtlasError(source, f"cannot be read as {fmt}: {_detail(err, dataset)}") from None
    if not isinstance(result, gpd.GeoDataFrame):
        raise AtlasError(source, f"has no geometries: layer {layer!r} is a table without a "
                         "geometry column")
    return result


def _drop_kml_housekeeping(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    empty = [c for c in _KML_HOUSEKEEPING if c in gdf.columns and gdf[c].nunique(dropna=True) <= 1]
    if "id" in gdf.columns and gdf["id"].isna().all():
        empty.append("id")
    return gdf.drop(columns=empty) if empty else gdf


@contextmanager
def _quiet() -> Iterator[None]:
    """GDAL's warnings (via pyogrio) are not for the user: problems become AtlasError or hints."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


def _listing(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "") if names else "none"


def _split(source: str, gdf: gpd.GeoDataFrame, declared: Any, report: ReadReport) -> _Raw:
    """Attributes and a geometry array out of a GeoDataFrame, without copying the columns."""
    geom_col = gdf.geometry.name
    geoms = np.asarray(gdf.geometry.array, dtype=object) if len(gdf) else np.empty(0, dtype=object)
    attrs = pd.DataFrame(gdf.drop(columns=geom_col))
    crs = pyproj.CRS.from_user_input(declared) if declared is not None else None
    return _Raw(attrs, geoms, crs, report)


# --------------------------------------------------------------------------- Shapefile


def _read_shapefile(source: str, p: Path, layer_name: str | None) -> _Raw:
    """A .shp, a folder holding shapefiles, or a .zip holding them; encoding decided here.

    Encoding: when a .cpg file or the .dbf's language-driver byte (LDID) declares one, GDAL
    decodes it; if the attributes then turn out not to be valid UTF-8 (a .cpg saying UTF-8 over
    GBK bytes), they are read as GBK. With nothing declared, the attributes are tried as UTF-8,
    then GBK, then ISO-8859-1 (which cannot fail), and the report says which one worked.
    """
    infos = []
    if p.is_dir():
        members = folder_files(source, p)
        where = "folder"
    elif p.suffix.lower() == ".zip":
        infos = [i for i in zip_members(source, p, "zip archive") if not i.is_dir()]
        members = sorted(i.filename for i in infos)
        where = "zip archive"
    else:  # a .shp path
        members = folder_files(source, p.parent, depth=1)
        where = None

    visible = [m for m in members if not _hidden(m)]
    if where is None:
        shp = p.name
    else:
        shps = [m for m in visible if m.lower().endswith(".shp")]
        if not shps:
            found = f"; it holds: {_listing(visible, 5)}" if visible else ""
            raise AtlasError(source, f"{where} contains no shapefile (.shp){found}")
        if layer_name is not None:
            picked = [m for m in shps if Path(m).stem == layer_name]
            if not picked:
                raise AtlasError(source, f"has no shapefile {layer_name!r}; its shapefiles: "
                                 f"{_listing([Path(m).stem for m in shps])}")
            shp = picked[0]
        elif len(shps) > 1:
            raise AtlasError(source, f"{where} contains {len(shps)} shapefiles "
                             f"({_listing([Path(m).stem for m in shps])}); pick one with --layer-name")
        else:
            shp = shps[0]

    stem = shp[: -len(".shp")]
    by_lower = {m.lower(): m for m in members}
    if (stem + ".shx").lower() not in by_lower:
        raise AtlasError(source, f"missing .shx index file for {Path(shp).name}; a shapefile needs "
                         "its .shp, .shx and .dbf files side by side")
    cpg_name = by_lower.get((stem + ".cpg").lower())
    dbf_name = by_lower.get((stem + ".dbf").lower())
    prj_name = by_lower.get((stem + ".prj").lower())
    # The shapefile's own files: every member sharing its stem (.shp, .shx, .dbf, .prj, .cpg, .qix…).
    sidecars = {m: m[len(stem):].lower() for m in members if m.lower().startswith(stem.lower() + ".")}

    if where == "zip archive":
        check_zip(source, p, infos, wanted=list(sidecars))
        opener = _zip_reader(p)
    else:
        folder = p if where == "folder" else p.parent
        for member in sidecars:  # a FIFO or a device among them would block or never end
            require_readable(source, folder / member, member=member)
        opener = _file_reader(folder)
    cpg = opener(cpg_name, 200).decode("ascii", "replace").strip() if cpg_name else ""
    ldid = opener(dbf_name, 32)[29:30] if dbf_name else b""
    hints: list[str] = []
    if cpg and _cpg_codec(cpg) is None:
        hints.append(f"the .cpg file names an encoding that is not known ({cpg!r}): ignored")
        cpg = ""
    declared_encoding = bool(cpg) or (ldid not in (b"", b"\x00"))
    if dbf_name is None:
        hints.append("no .dbf file: geometries read without attributes")
    with _shapefile_dataset(p, where, shp, sidecars) as dataset:
        gdf, encoding = _shp_decoded(source, dataset, declared_encoding, cpg, ldid, hints)
    if prj_name is not None and gdf.crs is None and opener(prj_name, 4096).strip():
        raise AtlasError(source, f"its {prj_name} does not describe a CRS that can be read; fix or remove it "
                         "and pass --crs")
    report = ReadReport("Shapefile", layer=Path(shp).stem if where else None, encoding=encoding,
                        hints=hints)
    return _split(source, gdf, gdf.crs, report)


@contextmanager
def _shapefile_dataset(p: Path, where: str | None, shp: str, sidecars: dict[str, str]) -> Iterator[str]:
    """The path GDAL opens for the shapefile ``shp``: inside the zip, or its files by plain names."""
    if where == "zip archive":
        with plain_paths({"layer.zip": p.resolve()}) as names:
            yield f"/vsizip/{names['layer.zip']}/{shp}"
        return
    folder = p if where == "folder" else p.parent
    files = {f"layer{ext}": folder / member for member, ext in sidecars.items()}
    with plain_paths(files) as names:
        yield names["layer.shp"]


def _cpg_codec(cpg: str) -> str | None:
    """The Python codec of a .cpg file's text, read as GDAL reads it, or None when unknown.

    >>> _cpg_codec("UTF-8"), _cpg_codec("936"), _cpg_codec("ANSI 1252"), _cpg_codec("88591"), _cpg_codec("KLINGON")
    ('utf-8', 'gbk', 'cp1252', 'iso8859-1', None)
    """
    text = cpg.strip().upper().replace("ANSI ", "")
    if text.isdigit():
        text = f"ISO-8859-{text[4:]}" if text.startswith("8859") and len(text) > 4 else f"CP{text}"
    elif text.startswith("8859_"):
        text = f"ISO-8859-{text[5:]}"
    try:
        return codecs.lookup(text).name
    except LookupError:
        return None


def _shp_decoded(source: str, dataset: str, declared: bool, cpg: str, ldid: bytes, hints: list[str],
                 ) -> tuple[gpd.GeoDataFrame, str]:
    """The shapefile's frame and the name of the encoding its attributes were decoded with."""
    if declared:
        label = f".cpg: {cpg}" if cpg else f"LDID {ldid[0]} in the .dbf"
        try:
            gdf = _shp_frame(source, dataset, None)
            return gdf, f"{cpg} (from the .cpg file)" if cpg else f"declared by the .dbf (LDID {ldid[0]})"
        except _NotDecodable:
            gdf = _shp_frame_decoded(source, dataset, ("gbk",))[0]  # raises when GBK fails too
            hints.append(f"the shapefile declares its encoding ({label}) but its attributes are "
                         "not in it; read them as GBK")
            return gdf, "GBK"
    gdf, encoding = _shp_frame_decoded(source, dataset, ("utf-8", "gbk", "latin-1"))
    if encoding != "utf-8" and gdf.shape[1] > 1 and _has_text(gdf):
        hints.append(f"no .cpg file and the attributes are not UTF-8: read them as "
                     f"{_ENCODING_NAMES[encoding]}; add a .cpg file naming the encoding if "
                     "this is wrong")
    return gdf, _ENCODING_NAMES[encoding]


_ENCODING_NAMES: Final = {"utf-8": "UTF-8", "gbk": "GBK", "latin-1": "ISO-8859-1"}


class _NotDecodable(Exception):
    pass


def _hidden(member: str) -> bool:
    parts = Path(member).parts
    return any(part.startswith(".") or part == "__MACOSX" for part in parts)


def _zip_reader(p: Path) -> Callable[[str, int], bytes]:
    def read(member: str, n: int) -> bytes:
        try:
            with zipfile.ZipFile(p) as zf, zf.open(member) as fh:
                return fh.read(n)
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
            return b""
    return read


def _file_reader(folder: Path) -> Callable[[str, int], bytes]:
    def read(member: str, n: int) -> bytes:
        try:
            with open(folder / member, "rb") as fh:
                return fh.read(n)
        except OSError:
            return b""
    return read


def _has_text(gdf: gpd.GeoDataFrame) -> bool:
    return any(not pd.api.types.is_numeric_dtype(gdf[c]) for c in gdf.columns
               if c != gdf.geometry.name)


def _shp_frame(source: str, dataset: str, encoding: str | None) -> gpd.GeoDataFrame:
    """Read a shapefile; GDAL decodes declared encodings itself (arrow), explicit ones need numpy."""
    try:
        with _quiet():
            if encoding is None:
                return pyogrio.read_dataframe(dataset, use_arrow=True)
            return pyogrio.read_dataframe(dataset, encoding=encoding, use_arrow=False)
    except UnicodeDecodeError:
        raise _NotDecodable from None
    except pyogrio.errors.CRSError as err:
        raise AtlasError(source, f"its .prj file does not describe a CRS that can be read ({_detail(err, dataset)}); "
                         "fix or remove it and pass --crs") from None
    except _READ_ERRORS as err:
        # Strings that are not what the encoding says: pyogrio's "not encoded in UTF-8" or
        # pyarrow's "Wrapping <bytes> failed".
        if isinstance(err, (pa.ArrowException, *_PYOGRIO_ERRORS)) and (
                "UTF-8" in str(err) or "Wrapping" in str(err)):
            raise _NotDecodable from None
        raise AtlasError(source, f"is not a valid shapefile: {_detail(err, dataset)}") from None


def _shp_frame_decoded(source: str, dataset: str, encodings: tuple[str, ...],
                       ) -> tuple[gpd.GeoDataFrame, str]:
    for encoding in encodings:
        try:
            return _shp_frame(source, dataset, encoding), encoding
        except _NotDecodable:
            continue
    raise AtlasError(source, f"attributes cannot be decoded as {' or '.join(encodings)}; "
                     "add a .cpg file naming their encoding")


# --------------------------------------------------------------------------- point layers, fast

# A layer of a million points is read in a fraction of the time when its WKB is decoded with numpy
# and the points are made with shapely.points, instead of through shapely.from_wkb and the
# readers' pandas conversion (a million bytes objects). These readers take only the plain cases:
# whatever they do not take (or fail on) goes to the general readers above and below, which
# stay the reference. Where they take a layer, the result is the same GeoDataFrame.

# A 2-D Point in little-endian ISO WKB: byte order 1, geometry type 1 (uint32), x and y (float64).
_WKB_POINT_SIZE: Final = 21
_WKB_POINT_HEADER: Final = np.array([1, 1, 0, 0, 0], dtype=np.uint8)

# OGR field types and subtypes that pyogrio's Arrow path hands to pandas unchanged (no datetime
# parsing, no JSON decoding): only layers with these take the fast GeoPackage path.
_PLAIN_OGR_TYPES: Final = frozenset({"OFTInteger", "OFTInteger64", "OFTReal", "OFTString"})
_PLAIN_OGR_SUBTYPES: Final = frozenset({"OFSTNone", "OFSTBoolean", "OFSTInt16", "OFSTFloat32"})


def _version(module: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in module.__version__.split(".")[:2] if v.isdigit())


# pandas >= 3 makes Arrow strings its "str" dtype only through pyarrow >= 19 by itself (pyogrio
# passes a types_mapper to older ones); with older pairs the GeoPackage fast path is not taken.
_ARROW_STRINGS_AS_PYOGRIO: Final = _version(pa) >= (19,) or _version(pd) < (3,)

try:  # what geopandas.read_parquet itself uses to check the 'geo' metadata and read its CRS
    # private helpers, which the geopandas stubs (types-geopandas) do not declare
    from geopandas.io.arrow import (  # type: ignore[attr-defined]
        _remove_id_from_member_of_ensembles as _gpq_crs_fix,
    )
    from geopandas.io.arrow import _validate_and_decode_metadata as _gpq_metadata  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another geopandas: every GeoParquet file goes to it
    _gpq_metadata = _gpq_crs_fix = None


def _wkb_points_xy(wkb: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """The coordinates of a WKB column holding nothing but little-endian 2-D Points, or None.

    Returns an (n, 2) float64 array when every value is a 21-byte little-endian ISO WKB Point with
    finite coordinates and none is null. Anything else (big-endian WKB, EWKB with an SRID, Z or M,
    an empty point — NaN coordinates in WKB —, an infinite coordinate, another geometry type, a
    null, an empty column) gives None, and the caller decodes the column with ``shapely.from_wkb``
    as the libraries do. Vectorised: the offsets and the bytes are checked as numpy arrays.
    """
    if isinstance(wkb, pa.ChunkedArray):
        if wkb.num_chunks == 0:
            return None
        wkb = wkb.chunk(0) if wkb.num_chunks == 1 else wkb.combine_chunks()
    width: np.dtype[Any]
    if pa.types.is_binary(wkb.type):
        width = np.dtype("<i4")
    elif pa.types.is_large_binary(wkb.type):
        width = np.dtype("<i8")
    else:
        return None
    n = len(wkb)
    if n == 0 or wkb.null_count:
        return None
    _, offsets_buffer, data_buffer = wkb.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=width, count=n + 1, offset=wkb.offset * width.itemsize)
    start, size = int(offsets[0]), _WKB_POINT_SIZE
    if int(offsets[-1]) - start != size * n or not (np.diff(offsets) == size).all():
        return None
    records = np.frombuffer(data_buffer, dtype=np.uint8, count=size * n, offset=start).reshape(n, size)
    if not (records[:, :5] == _WKB_POINT_HEADER).all():
        return None
    xy = np.ascontiguousarray(records[:, 5:]).view("<f8").astype(np.float64, copy=False)
    if not np.isfinite(xy).all():
        return None
    return xy


def _split_table(table: pa.Table, geometry: str, **to_pandas: Any,
                 ) -> tuple[pd.DataFrame, np.ndarray | None, np.ndarray | None]:
    """Attributes and geometry data of an Arrow table with a WKB column, as the libraries take them.

    The attributes are the other columns through ``Table.to_pandas``. The geometry data is the
    points' coordinates when the column holds only plain 2-D points, else its values as bytes
    objects (None for nulls) for ``shapely.from_wkb``, as geopandas and pyogrio decode them. The
    caller drops the table before :func:`_geometries` makes the geometries, so that the two never
    take memory at the same time.
    """
    wkb = table.column(geometry)
    xy = _wkb_points_xy(wkb)
    values = np.array(wkb) if xy is None else None
    return table.drop_columns([geometry]).to_pandas(**to_pandas), xy, values


def _geometries(source: str, xy: np.ndarray | None, values: np.ndarray | None) -> np.ndarray:
    """The geometries from :func:`_split_table`'s geometry data."""
    pa.default_memory_pool().release_unused()  # the table's memory back to the system first
    if xy is not None:
        # an (n, 2) array in, an array of n points out (the stubs also allow one point, for 1-D input)
        return cast(np.ndarray, shapely.points(xy))
    assert values is not None  # _split_table gives the values whenever it gives no coordinates
    _check_wkb_nesting(source, "geometry", pa.array(values, pa.binary(), from_pandas=True),
                       lambda i: f"row {int(i) + 1}")
    return shapely.from_wkb(values, on_invalid="raise")


def _read_geoparquet_points(source: str, p: Path, schema: pa.Schema) -> _Raw | None:
    """A GeoParquet file of points read as ``geopandas.read_parquet`` would, only faster.

    Taken: one WKB geometry column (no bbox covering column, no pandas ``attrs``) whose declared
    geometry types are unknown or only Point. The attributes are the Arrow table's other columns
    through ``Table.to_pandas()``, and the CRS the column's (OGC:CRS84 when none is given), as in
    geopandas. None (the caller reads the file with geopandas) for anything else, including any
    error, which geopandas then reports in its own words.
    """
    metadata = schema.metadata or {}
    if _gpq_metadata is None or b"PANDAS_ATTRS" in metadata:
        return None
    try:
        geo = _gpq_metadata(metadata)
    except ValueError:
        return None
    primary, columns = geo["primary_column"], geo["columns"]
    column = columns.get(primary) if list(columns) == [primary] else None
    if not isinstance(column, dict) or column.get("encoding") != "WKB" or "covering" in column:
        return None
    types = column.get("geometry_types")
    if not isinstance(types, list) or not set(types) <= {"Point"}:
        return None
    index = schema.get_field_index(primary)
    if index < 0 or not (pa.types.is_binary(schema.field(index).type)
                         or pa.types.is_large_binary(schema.field(index).type)):
        return None
    try:
        attrs, xy, values = _split_table(pq.ParquetFile(p).read(), primary)
        geoms = _geometries(source, xy, values)
        del values
        crs = column["crs"] if "crs" in column else "OGC:CRS84"
        if isinstance(crs, dict):
            _gpq_crs_fix(crs)
        declared = pyproj.CRS.from_user_input(crs) if crs else None
    except (*_READ_ERRORS, shapely.errors.ShapelyError):
        return None
    return _Raw(attrs, geoms, declared, ReadReport("GeoParquet"), points_xy=xy)


def _read_gpkg_points(source: str, dataset: str, layer: str) -> _Raw | None:
    """A GeoPackage point layer read as ``pyogrio.read_dataframe(use_arrow=True)`` would, faster.

    Taken: a layer declared as 2-D Point whose fields are all plain numbers and text (no date,
    time, JSON or binary fields, none named 'geometry'). The attributes are the Arrow table's other
    columns through ``Table.to_pandas()``, the CRS the layer's, as in pyogrio. None (the caller reads
    the layer with pyogrio's GeoDataFrame path) for anything else, including any error.
    """
    if not _ARROW_STRINGS_AS_PYOGRIO:  # pragma: no cover - old pyarrow with pandas 3
        return None
    try:
        with _quiet():
            info = pyogrio.read_info(dataset, layer=layer)
            fields = [str(f) for f in info["fields"]]
            types = list(info.get("ogr_types", ["?"] * len(fields)))
            subtypes = list(info.get("ogr_subtypes", ["?"] * len(fields)))
            if (info.get("geometry_type") != "Point" or "geometry" in fields
                    or not set(types) <= _PLAIN_OGR_TYPES or not set(subtypes) <= _PLAIN_OGR_SUBTYPES):
                return None
            meta, table = pyogrio.read_arrow(dataset, layer=layer)
        name = meta["geometry_name"] or "wkb_geometry"
        if (name not in table.column_names or table.num_columns != len(fields) + 1
                or not (pa.types.is_binary(table.schema.field(name).type)
                        or pa.types.is_large_binary(table.schema.field(name).type))):
            return None  # (a geoarrow extension type, say: pyogrio has its own ways with those)
        attrs, xy, values = _split_table(table, name, self_destruct=True)
        del table
        geoms = _geometries(source, xy, values)
        del values
        declared = pyproj.CRS.from_user_input(meta["crs"]) if meta["crs"] else None
    except (*_READ_ERRORS, shapely.errors.ShapelyError):
        return None
    return _Raw(attrs, geoms, declared, ReadReport("GeoPackage"), points_xy=xy)


# --------------------------------------------------------------------------- GeoParquet


def _read_parquet(source: str, p: Path, head: bytes) -> _Raw:
    """GeoParquet through pyarrow; a Parquet file without 'geo' metadata is read as a table."""
    if not head.startswith(b"PAR1"):
        raise AtlasError(source, "is not a valid Parquet file")
    try:
        schema = pq.read_schema(p)
        metadata = schema.metadata or {}
        if b"geo" in metadata:
            fast = _read_geoparquet_points(source, p, schema)
            if fast is not None:
                return fast
            check_parquet_nesting(source, p)  # GEOS would crash on deeply nested WKB
            gdf = gpd.read_parquet(p)
            return _split(source, gdf, gdf.crs, ReadReport("GeoParquet"))
        table = pd.read_parquet(p)
    except CRSError as err:
        raise AtlasError(source, f"declares a CRS that is not known: {_detail(err, str(p))}") from None
    except _READ_ERRORS as err:  # pyarrow.ArrowInvalid, OSError, ValueError from geopandas
        raise AtlasError(source, f"is not a valid Parquet file: {_detail(err, str(p))}") from None
    report = ReadReport("Parquet (no GeoParquet metadata)")
    return _from_table(source, table, report, first_line=None)


# --------------------------------------------------------------------------- CSV and tables


def _read_csv(source: str, p: Path, head: bytes) -> _Raw:
    """A CSV read with pandas as text; coordinates found by column name, built with shapely."""
    utf16 = _is_utf16(head)
    if not utf16 and _is_binary(head):
        raise AtlasError(source, "is not a text CSV file: it is a binary file")
    sep = _sniff_separator(head.decode("utf-16", "ignore").encode() if utf16 else head)
    hints: list[str] = []
    table = None
    encoding = "UTF-8"
    codecs_tried = (("utf-16", "UTF-16"),) if utf16 else (("utf-8-sig", "UTF-8"), ("gbk", "GBK"))
    for codec, label in codecs_tried:
        try:
            with warnings.catch_warnings():
                # More fields than the header: pandas would silently drop them (a ParserWarning).
                warnings.simplefilter("error", pd.errors.ParserWarning)
                table = pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                                    encoding=codec, index_col=False)
            encoding = label
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise AtlasError(source, "is empty (no header row)") from None
        except pd.errors.ParserWarning:
            raise AtlasError(source, "is not a well-formed CSV file: some rows have more fields "
                             "than the header") from None
        except (pd.errors.ParserError, ValueError, OSError) as err:
            detail = _detail(err, str(p)).replace("Error tokenizing data. C error: ", "")
            raise AtlasError(source, f"is not a well-formed CSV file: {detail}") from None
    if table is None:
        raise AtlasError(source, "is neither UTF-8 nor GBK text; save it as UTF-8")
    if encoding != "UTF-8":
        hints.append(f"the file is not UTF-8: read it as {encoding}")
    report = ReadReport("CSV", encoding=encoding, hints=hints)
    return _from_table(source, table, report, first_line=2)


def _sniff_separator(head: bytes) -> str:
    line = head.split(b"\n", 1)[0]
    counts = {sep: line.count(sep.encode()) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _find_column(columns: list[str], names: tuple[str, ...]) -> str | None:
    folded: dict[str, str] = {}
    for col in columns:
        folded.setdefault(str(col).strip().lstrip("\ufeff").lower(), col)
    for name in names:
        if name in folded:
            return folded[name]
    return None


def _from_table(source: str, table: pd.DataFrame, report: ReadReport, first_line: int | None) -> _Raw:
    """Geometries from a table's longitude/latitude columns or its WKT column."""
    columns = [str(c) for c in table.columns]
    table.columns = columns
    lon_col = _find_column(columns, LON_NAMES)
    lat_col = _find_column(columns, LAT_NAMES)
    wkt_col = _find_column(columns, WKT_NAMES)
    where = (lambda i: f"line {int(i) + first_line}") if first_line else (lambda i: f"row {int(i) + 1}")

    if wkt_col is not None:
        values = table[wkt_col]
        present = values.notna().to_numpy(dtype=bool)
        raw = values.to_numpy(dtype=object)
        geoms = np.full(len(table), None, dtype=object)
        if present.any():
            if isinstance(raw[present][0], (bytes, bytearray)):
                _check_wkb_nesting(source, wkt_col, pa.array(raw, pa.binary(), from_pandas=True), where)
                geoms[present] = shapely.from_wkb(raw[present], on_invalid="ignore")
            else:
                text = raw[present].astype(str)
                _check_nesting(source, wkt_col, text, np.flatnonzero(present), where)
                geoms[present] = shapely.from_wkt(text, on_invalid="ignore")
        bad = np.flatnonzero(present & shapely.is_missing(geoms))
        if bad.size:
            shown = str(raw[bad[0]])[:60]
            raise AtlasError(source, f"column {wkt_col!r} has {_n(bad.size, 'value')} that "
                             f"{'is' if bad.size == 1 else 'are'} not WKT ({where(bad[0])}: {shown!r})")
        used = [wkt_col]
        report.hints.append(f"geometries from the WKT column {wkt_col!r}")
    elif lon_col is not None and lat_col is not None and lon_col != lat_col:
        lon, no_lon = _coordinate(source, table[lon_col], lon_col, where)
        lat, no_lat = _coordinate(source, table[lat_col], lat_col, where)
        ok = ~(no_lon | no_lat)  # a row with an empty cell has no point (dropped, counted)
        geoms = np.full(len(table), None, dtype=object)
        geoms[ok] = shapely.points(lon[ok], lat[ok])  # NaN/Infinity spelled out: an error later
        used = [lon_col, lat_col]
        report.hints.append(f"points from the columns {lon_col!r} (longitude) and {lat_col!r} (latitude)")
    else:
        # The columns are named only when there are several: a file that is no CSV at all (a
        # password file behind a link) would otherwise have its first line shown as "a column".
        found = f"found: {_listing(columns)}" if len(columns) > 1 else \
            "found one column (no , ; tab or | in the first line)"
        raise AtlasError(source, "has no coordinate columns: expected longitude and latitude "
                         f"({'/'.join(LON_NAMES)} and {'/'.join(LAT_NAMES)}) or WKT "
                         f"({'/'.join(WKT_NAMES)}); {found}")
    attrs = table.drop(columns=used)
    if report.format == "CSV":
        attrs = _infer_numbers(attrs)
    return _Raw(attrs, geoms, None, report)


_COLLECTION_WORD: Final = re.compile(r"(?i)GEOMETRYCOLLECTION")


def _refuse_deep(source: str, column: str, deep: np.ndarray, limit: int, where: Callable[[int], str]) -> None:
    """The one error of both nesting checks, naming the first row of ``deep`` (rows too deep), if any."""
    if deep.size:
        raise AtlasError(source, f"column {column!r} has {_n(deep.size, 'geometry', 'geometries')} with more than "
                         f"{limit} geometry collections inside one another ({where(deep[0])}; {NESTING.says()})")


def _check_nesting(source: str, column: str, text: np.ndarray, rows: np.ndarray,
                   where: Callable[[int], str]) -> None:
    """Refuse WKT whose collections nest deeper than :data:`geo.limits.NESTING` (GEOS would crash).

    A value's collections are counted, an upper bound of their depth that needs no parse.
    """
    limit = int(NESTING.value())
    counts = pd.Series(text, dtype=object).str.count(_COLLECTION_WORD).to_numpy()
    _refuse_deep(source, column, rows[counts > limit], limit, where)


# How a GeometryCollection starts in WKB: little-endian ISO (2-D, Z, M, ZM) and EWKB (Z, M, SRID
# flags), and big-endian 2-D. Counting them in a value bounds its nesting, as for WKT.
_WKB_COLLECTIONS: Final = (
    b"\x01\x07\x00\x00\x00", b"\x01\xef\x03\x00\x00", b"\x01\xd7\x07\x00\x00", b"\x01\xbf\x0b\x00\x00",
    b"\x01\x07\x00\x00\x80", b"\x01\x07\x00\x00\x40", b"\x01\x07\x00\x00\xc0", b"\x01\x07\x00\x00\x20",
    b"\x00\x00\x00\x00\x07",
)


def _geo_columns(metadata: dict[bytes, bytes]) -> list[str]:
    """The WKB geometry columns a GeoParquet file's 'geo' metadata names (none when it is unreadable)."""
    try:
        columns = json.loads(metadata[b"geo"]).get("columns", {})
        return [str(c) for c, spec in columns.items() if isinstance(spec, dict) and spec.get("encoding") == "WKB"]
    except (ValueError, AttributeError, KeyError):
        return []


def _collection_rows(values: pa.Array) -> np.ndarray:
    """Rows of a WKB array whose geometry is a GeometryCollection (ISO or EWKB, either byte order),
    read from the first five bytes of each value with numpy: no value is parsed."""
    width: np.dtype[Any] = np.dtype("<i8") if pa.types.is_large_binary(values.type) else np.dtype("<i4")
    _, offsets_buffer, data_buffer = values.buffers()
    if data_buffer is None or offsets_buffer is None:
        return np.empty(0, dtype=np.int64)
    offsets = np.frombuffer(offsets_buffer, dtype=width, count=len(values) + 1, offset=values.offset * width.itemsize)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    starts = offsets[:-1].astype(np.int64)
    rows = np.flatnonzero(offsets[1:] - offsets[:-1] >= 5)
    head = data[starts[rows, None] + np.arange(5)].astype(np.uint32)
    little = (head[:, 1] | head[:, 2] << 8 | head[:, 3] << 16 | head[:, 4] << 24)
    big = (head[:, 4] | head[:, 3] << 8 | head[:, 2] << 16 | head[:, 1] << 24)
    kind = np.where(head[:, 0] == 1, little, big)
    return rows[(kind & 0xFFFF) % 1000 == 7]


def _check_wkb_nesting(source: str, column: str, values: pa.Array | pa.ChunkedArray,
                       where: Callable[[int], str], first_row: int = 0) -> None:
    """:func:`_check_nesting` for WKB: collection headers counted in the values that are
    collections (found by :func:`_collection_rows`), with Arrow, no parse."""
    if not len(values) or not (pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type)):
        return
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    rows = _collection_rows(values)
    if not rows.size:
        return
    collections = values.take(pa.array(rows))
    counts = np.zeros(len(rows), dtype=np.int64)
    for header in _WKB_COLLECTIONS:
        counts += pc.fill_null(pc.count_substring(collections, header), 0).to_numpy(zero_copy_only=False)
    limit = int(NESTING.value())
    _refuse_deep(source, column, first_row + rows[counts > limit], limit, where)


def check_parquet_nesting(source: str, path: Path) -> None:
    """Refuse a GeoParquet file (or a folder of them) with WKB nested deeper than the limit.

    Its geometry columns are streamed in batches, so this holds little memory for any file size.
    """
    files = sorted(q for q in path.iterdir() if q.suffix == ".parquet") if path.is_dir() else [path]
    for f in files:
        parquet = pq.ParquetFile(f)
        names = set(parquet.schema_arrow.names)
        for column in (c for c in _geo_columns(parquet.schema_arrow.metadata or {}) if c in names):
            row = 0
            for batch in parquet.iter_batches(columns=[column], batch_size=65_536):
                _check_wkb_nesting(source, column, batch.column(0), lambda i: f"row {int(i) + 1}", row)
                row += batch.num_rows


def _coordinate(source: str, values: pd.Series, name: str, where: Callable[[int], str],
                ) -> tuple[np.ndarray, np.ndarray]:
    """A coordinate column as float64 and a mask of its empty cells.

    Text that is not a number is an error; ``nan``/``inf`` spelled out are kept (and rejected with
    every other non-finite coordinate later), empty cells mean "no point".
    """
    if pd.api.types.is_numeric_dtype(values):
        out = values.to_numpy(dtype=np.float64, na_value=np.nan)
        return out, np.isnan(out)
    text = values.astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy(dtype=bool)
    out = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    spelled_nan = text.str.lower().isin(["nan", "-nan", "+nan"]).fillna(False).to_numpy(dtype=bool)
    bad = np.flatnonzero(~empty & np.isnan(out) & ~spelled_nan)
    if bad.size:
        raise AtlasError(source, f"column {name!r} has {_n(bad.size, 'value')} that "
                         f"{'is' if bad.size == 1 else 'are'} not a number "
                         f"({where(bad[0])}: {str(values.iloc[bad[0]])[:40]!r})")
    return out, empty


def _infer_numbers(attrs: pd.DataFrame) -> pd.DataFrame:
    """Columns (read as text) whose every non-empty value is a plain number become numeric.

    Values with a leading zero (codes such as ``007``) keep the whole column as text.
    """
    out = {}
    for col in attrs.columns:  # one pass per column, not per row
        text = attrs[col]
        present = text.notna()
        if not present.any():
            out[col] = text
            continue
        numbers = pd.to_numeric(text, errors="coerce")
        finite = np.isfinite(numbers.to_numpy(dtype=np.float64, na_value=np.nan))
        if (finite | ~present.to_numpy()).all() and not text.str.match(r"^\s*[+-]?0\d").fillna(False).any():
            out[col] = numbers
        else:
            out[col] = text
    return pd.DataFrame(out, index=attrs.index)


# --------------------------------------------------------------------------- the common part


def _finish(source: str, raw: _Raw, user_crs: str | None, say: Progress, threads: int | None = None) -> Layer:
    report = raw.report
    geoms = raw.geoms
    attrs = raw.attrs
    report.features_read = len(geoms)
    report.crs_declared = _crs_label(raw.crs) if raw.crs is not None else None
    if len(geoms) == 0:
        raise AtlasError(source, "has no features")

    xy = raw.points_xy
    points_only = xy is not None and xy.shape == (len(geoms), 2) and bool(np.isfinite(xy).all())
    if xy is not None and points_only:
        # 1.-3. every geometry is a 2-D Point with these finite coordinates: none is null or
        # empty, none has Z; the extent comes from the coordinates the reader already had.
        bounds = (float(xy[:, 0].min()), float(xy[:, 1].min()),
                  float(xy[:, 0].max()), float(xy[:, 1].max()))
    else:  # (also when a reader's promise does not hold: everything is checked)
        geoms, attrs, bounds = _check_geometries(source, geoms, attrs, report)
    del xy

    # 4. CRS
    say("converting coordinates")
    geoms = _to_output_crs(source, geoms, bounds, raw.crs, user_crs, report)

    if points_only:
        # Points stay points through any CRS conversion: no collections, no polygons to repair.
        say("repairing polygons")
        kind_codes = np.zeros(len(geoms), dtype=np.int8)
    else:
        # 5. collections
        geoms, attrs = _explode_collections(geoms, attrs, report)

        # 6. repair polygons
        say("repairing polygons")
        geoms, attrs = _repair_polygons(source, geoms, attrs, report, threads)
        kind_codes = _KIND_OF_TYPE[shapely.get_type_id(geoms)]

    report.kinds = {k: int((kind_codes == i).sum()) for i, k in enumerate(KINDS)}
    report.features = len(geoms)

    attrs = attrs.reset_index(drop=True)
    if "kind" in attrs.columns or "geometry" in attrs.columns:
        renames = {c: _free_name(c, attrs.columns) for c in ("kind", "geometry") if c in attrs.columns}
        attrs = attrs.rename(columns=renames)
        report.hints.append("renamed the layer's own column(s) " + ", ".join(
            f"{old!r} to {new!r}" for old, new in renames.items()) + " (read_layer adds 'kind' and 'geometry')")
    attrs["kind"] = _kind_column(kind_codes)
    # from_shapely validates the geometries in one vectorised call; GeoSeries(ndarray) would also
    # copy the array and scan it as pandas data.
    geometry = gpd.GeoSeries(from_shapely(geoms, crs=OUTPUT_CRS))
    gdf = gpd.GeoDataFrame(attrs, geometry=geometry, crs=OUTPUT_CRS)
    return Layer(gdf, source, report)


def _check_geometries(source: str, geoms: np.ndarray, attrs: pd.DataFrame, report: ReadReport,
                      ) -> tuple[np.ndarray, pd.DataFrame, tuple[float, float, float, float]]:
    """Steps 1-3: drop null and empty geometries, reject non-finite coordinates, drop Z."""
    # 1. null and empty geometries
    missing = shapely.is_missing(geoms)
    missing |= shapely.is_empty(geoms)  # is_empty(None) is False
    if missing.all():
        raise AtlasError(source, f"has no geometries (all {_n(len(geoms), 'feature')} have a null "
                         "or empty geometry)")
    if missing.any():
        keep = np.flatnonzero(~missing)
        geoms, attrs = geoms[keep], attrs.iloc[keep]
        report.dropped_empty = int(missing.sum())

    # 2. finite coordinates; their extent
    coords = shapely.get_coordinates(geoms)
    if not np.isfinite(coords).all():  # (the whole array at once: 3x faster than row by row)
        finite = np.isfinite(coords).all(axis=1)
        counts = shapely.get_num_coordinates(geoms)
        owner = np.repeat(np.arange(len(geoms)), counts)
        n_bad = np.unique(owner[~finite]).size
        raise AtlasError(source, f"has coordinates that are not finite numbers (NaN or Infinity) "
                         f"in {_n(n_bad, 'feature')}")
    bounds = (float(coords[:, 0].min()), float(coords[:, 1].min()),
              float(coords[:, 0].max()), float(coords[:, 1].max()))
    del coords

    # 3. Z
    has_z = shapely.has_z(geoms) | shapely.has_m(geoms)  # force_2d drops both
    if has_z.any():
        report.z_dropped = int(has_z.sum())
        geoms = geoms.copy()
        geoms[has_z] = shapely.force_2d(geoms[has_z])
    return geoms, attrs, bounds


_KIND_LABELS: Final = np.array(KINDS, dtype=object)


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


def _crs_label(crs: pyproj.CRS) -> str:
    epsg = crs.to_epsg()
    if epsg is not None:
        return f"EPSG:{epsg}"
    return crs.name or crs.to_string()


def _range(lo: float, hi: float) -> str:
    def fmt(v: float) -> str:
        return f"{v:.0f}" if 1000 <= abs(v) < 1e9 else f"{v:.4g}"  # 1e+308, not 309 digits
    return f"{fmt(lo)}..{fmt(hi)}"


def _extent(bounds: tuple[float, float, float, float]) -> str:
    xmin, ymin, xmax, ymax = bounds
    return f"x in {_range(xmin, xmax)}, y in {_range(ymin, ymax)}"


def _fits_lonlat(bounds: tuple[float, float, float, float]) -> bool:
    xmin, ymin, xmax, ymax = bounds
    return -180.0 <= xmin and xmax <= 180.0 and -90.0 <= ymin and ymax <= 90.0


def _looks_swapped(bounds: tuple[float, float, float, float]) -> bool:
    """x within China's latitudes and y within its longitudes."""
    xmin, ymin, xmax, ymax = bounds
    return (_CHINA_LAT[0] <= xmin and xmax <= _CHINA_LAT[1]
            and _CHINA_LON[0] <= ymin and ymax <= _CHINA_LON[1])


def _swapped_error(source: str, bounds: tuple[float, float, float, float]) -> AtlasError:
    return AtlasError(source, f"coordinates look like latitude/longitude swapped ({_extent(bounds)}); "
                      "swap the columns or fix the file")


def _is_wgs84_like(crs: pyproj.CRS) -> bool:
    """WGS-84 or CGCS2000 longitude/latitude: the same to centimetres (PROJ's 'ballpark' no-op)."""
    return crs.to_epsg() in (4326, 4490) or crs.equals("OGC:CRS84", ignore_axis_order=True)


def _as_2d(crs: pyproj.CRS) -> pyproj.CRS:
    """The 2-D form of a 3-D CRS (EPSG:4979 -> EPSG:4326): geometries are 2-D once Z is dropped."""
    try:
        return crs.to_2d() if len(crs.axis_info) > 2 else crs
    except CRSError:  # pragma: no cover - exotic compound CRS
        return crs


def _to_output_crs(source: str, geoms: np.ndarray, bounds: tuple[float, float, float, float],
                   declared: pyproj.CRS | None, user_crs: str | None, report: ReadReport) -> np.ndarray:
    """Settle what the coordinates are, check they are plausible, and convert to OUTPUT_CRS."""
    offset = None
    if user_crs is not None and user_crs.lower().replace("-", "").replace("_", "") in OFFSET_CRS:
        offset = user_crs.lower().replace("-", "").replace("_", "")
        if declared is not None and not declared.is_geographic:
            raise AtlasError(source, f"declares the projected CRS {_crs_label(declared)} but --crs "
                             f"{offset} is for longitude/latitude from Chinese web maps; "
                             "drop --crs or fix the file")
        if declared is not None and not _is_wgs84_like(_as_2d(declared)):
            report.hints.append(f"the file declares {_crs_label(declared)}; using --crs {offset} as asked")
        used = pyproj.CRS.from_epsg(4326)
        report.crs_used = offset
    elif user_crs is not None:
        try:
            used = _as_2d(pyproj.CRS.from_user_input(user_crs))
        except CRSError:
            raise AtlasError(source, f"--crs {user_crs!r} is not a CRS pyproj knows; use e.g. "
                             "EPSG:32648, gcj02 or bd09") from None
        if declared is not None and not _as_2d(declared).equals(_as_2d(used), ignore_axis_order=True):
            report.hints.append(f"the file declares {_crs_label(declared)}; "
                                f"using --crs {_crs_label(used)} as asked")
        report.crs_used = _crs_label(used)
    elif declared is not None:
        used = _as_2d(declared)
        report.crs_used = _crs_label(used)
    else:
        if not _fits_lonlat(bounds):
            if _looks_swapped(bounds):
                raise _swapped_error(source, bounds)
            raise AtlasError(source, f"has no CRS and its coordinates look projected "
                             f"({_extent(bounds)}); pass --crs (e.g. --crs EPSG:32648)")
        used = pyproj.CRS.from_epsg(4326)
        report.crs_used = "EPSG:4326"
        report.hints.append("no CRS declared; the coordinates fit longitude/latitude, so they are "
                            "taken as WGS-84 (EPSG:4326)")

    if not (used.is_geographic or used.is_projected):
        what = f"--crs {user_crs}" if user_crs and offset is None else f"the declared CRS {_crs_label(used)}"
        kind = "geocentric (x, y, z from the centre of the earth)" if used.is_geocentric else \
            "neither longitude/latitude nor projected"
        raise AtlasError(source, f"{what} is {kind}; give the CRS of the layer's 2-D coordinates "
                         "(e.g. --crs EPSG:4326 or --crs EPSG:32648)")
    if used.is_geographic:
        if _looks_swapped(bounds) and (bounds[3] > 90.0 or not _fits_lonlat(bounds)):
            raise _swapped_error(source, bounds)
        if not _fits_lonlat(bounds):
            what = f"--crs {user_crs}" if user_crs else f"the declared CRS {_crs_label(used)}"
            raise AtlasError(source, f"coordinates look projected ({_extent(bounds)}) but {what} "
                             "is longitude/latitude; pass the right --crs (e.g. --crs EPSG:32648)")
        if _looks_swapped(bounds):
            report.hints.append(f"the coordinates ({_extent(bounds)}) would lie in China if latitude "
                                "and longitude were swapped; check the columns")
    elif _fits_lonlat(bounds):
        report.hints.append(f"the coordinates ({_extent(bounds)}) look like longitude/latitude but "
                            f"{_crs_label(used)} is projected: if they are degrees, pass --crs EPSG:4326")

    if offset is not None:
        return convert_geometries(geoms, offset)
    if used.is_geographic and _is_wgs84_like(used):
        if user_crs is None:
            _gcj_hint(bounds, report)
        return geoms  # WGS-84 and CGCS2000 agree to centimetres: PROJ's transformation is a no-op
    series = gpd.GeoSeries(geoms, crs=used)
    try:
        out = np.asarray(series.to_crs(OUTPUT_CRS).array, dtype=object)
    except (CRSError, pyproj.exceptions.ProjError) as err:
        raise AtlasError(source, f"cannot convert from {_crs_label(used)} to {OUTPUT_CRS}: "
                         f"{_detail(err)}") from None
    coords = shapely.get_coordinates(out)
    if not np.isfinite(coords).all():
        raise AtlasError(source, f"coordinates ({_extent(bounds)}) fall outside the area where "
                         f"{_crs_label(used)} can be converted; check the CRS (--crs)")
    if coords.size and not _fits_lonlat((coords[:, 0].min(), coords[:, 1].min(),
                                         coords[:, 0].max(), coords[:, 1].max())):
        raise AtlasError(source, f"coordinates ({_extent(bounds)}) do not convert to valid "
                         f"longitude/latitude from {_crs_label(used)}; check the CRS (--crs)")
    return out


def _gcj_hint(bounds: tuple[float, float, float, float], report: ReadReport) -> None:
    """Say how far GCJ-02/BD-09 would be off here; it cannot be detected, only suggested."""
    lon = (bounds[0] + bounds[2]) / 2.0
    lat = (bounds[1] + bounds[3]) / 2.0
    if not bool(in_china(lon, lat)):
        return
    gcj = float(typical_offset_m(lon, lat))
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    bd = float(_GEOD.inv(lon, lat, float(bd_lon), float(bd_lat))[2])
    report.hints.append(
        f"coordinates are taken as WGS-84; data exported from Amap/Tencent maps (GCJ-02) is "
        f"shifted about {_round_m(gcj)} m here and from Baidu maps (BD-09) about {_round_m(bd)} m: "
        "if the layer came from one of them pass --crs gcj02 or --crs bd09 (this cannot be "
        "detected from the file)")


def _round_m(metres: float) -> str:
    return f"{int(round(metres, -1)):,}"


def _explode_collections(geoms: np.ndarray, attrs: pd.DataFrame, report: ReadReport,
                         ) -> tuple[np.ndarray, pd.DataFrame]:
    """One row per kind of part for each GeometryCollection; other rows untouched."""
    type_ids = shapely.get_type_id(geoms)
    is_gc = type_ids == _COLLECTION
    if not is_gc.any():
        return geoms, attrs
    report.collections_exploded = int(is_gc.sum())
    gc_rows = np.flatnonzero(is_gc)
    # Flatten to simple parts, level by level (nested collections, Multi* inside collections).
    parts, owner = shapely.get_parts(geoms[gc_rows], return_index=True)
    while True:
        t = shapely.get_type_id(parts)
        multi = t >= _MPOINT
        if not multi.any():
            break
        sub, sub_owner = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        owner = np.concatenate([owner[~multi], owner[multi][sub_owner]])
    keep = ~shapely.is_empty(parts)
    parts, owner = parts[keep], owner[keep]
    kinds = _KIND_OF_TYPE[shapely.get_type_id(parts)]
    order = np.lexsort((kinds, owner))
    parts, owner, kinds = parts[order], owner[order], kinds[order]
    # group = (owner, kind)
    new_group = np.ones(len(parts), dtype=bool)
    new_group[1:] = (owner[1:] != owner[:-1]) | (kinds[1:] != kinds[:-1])
    group = np.cumsum(new_group) - 1
    n_groups = int(group[-1]) + 1 if len(group) else 0
    group_owner = owner[new_group]
    group_kind = kinds[new_group]
    counts = np.bincount(group, minlength=n_groups)
    out = np.empty(n_groups, dtype=object)
    builders: tuple[Callable[..., np.ndarray], ...] = (shapely.multipoints, shapely.multilinestrings,
                                                       shapely.multipolygons)
    for k, build in enumerate(builders):  # three kinds, not a loop over geometries
        sel = group_kind == k
        if not sel.any():
            continue
        in_kind = kinds == k
        idx = np.searchsorted(np.flatnonzero(sel), group[in_kind])  # 0.. within this kind
        kind_parts = parts[in_kind]
        out[sel] = build(kind_parts, indices=idx)
    single = counts == 1
    if single.any():
        first = np.flatnonzero(new_group)
        out[single] = parts[first[single]]
    # Rows: non-collections as they are, each collection replaced by its groups, in input order.
    rows = np.concatenate([np.flatnonzero(~is_gc), gc_rows[group_owner]])
    new_geoms = np.concatenate([geoms[~is_gc], out])
    position = np.argsort(rows, kind="stable")
    rows = rows[position]
    return new_geoms[position], attrs.iloc[rows]


def _repair_polygons(source: str, geoms: np.ndarray, attrs: pd.DataFrame, report: ReadReport,
                     threads: int | None = None) -> tuple[np.ndarray, pd.DataFrame]:
    type_ids = shapely.get_type_id(geoms)
    polygonal = np.flatnonzero((type_ids == _POLYGON) | (type_ids == _MPOLYGON))
    if polygonal.size == 0:
        return geoms, attrs
    candidates = geoms[polygonal]
    invalid = polygonal[~run_chunked(lambda part: shapely.is_valid(candidates[part]), len(candidates),
                                     resolve_threads(threads))]
    if invalid.size == 0:
        return geoms, attrs
    fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    fixed = _polygonal_part(fixed)
    gone = shapely.is_empty(fixed) | (shapely.area(fixed) <= 0.0)
    geoms = geoms.copy()
    geoms[invalid] = fixed
    report.repaired = int((~gone).sum())
    if gone.any():
        report.dropped_unrepairable = int(gone.sum())
        if report.dropped_unrepairable == len(geoms):
            raise AtlasError(source, f"every geometry is invalid beyond repair "
                             f"({_n(int(gone.sum()), 'polygon')} with no area left after repair: "
                             "they collapse to lines or points)")
        keep = np.ones(len(geoms), dtype=bool)
        keep[invalid[gone]] = False
        geoms, attrs = geoms[keep], attrs.iloc[np.flatnonzero(keep)]
    return geoms, attrs


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """The polygons of each repaired geometry as a (Multi)Polygon, empty when there are none."""
    type_ids = shapely.get_type_id(geoms)
    mixed = np.flatnonzero(type_ids == _COLLECTION)
    if mixed.size == 0:
        return geoms
    out = geoms.copy()
    parts, owner = shapely.get_parts(geoms[mixed], return_index=True)
    t = shapely.get_type_id(parts)
    sub_multi = t == _MPOLYGON
    if sub_multi.any():
        sub, sub_owner = shapely.get_parts(parts[sub_multi], return_index=True)
        parts = np.concatenate([parts[t == _POLYGON], sub])
        owner = np.concatenate([owner[t == _POLYGON], owner[sub_multi][sub_owner]])
    else:
        parts, owner = parts[t == _POLYGON], owner[t == _POLYGON]
    result = np.full(mixed.size, shapely.from_wkt("POLYGON EMPTY"), dtype=object)
    if parts.size:
        order = np.argsort(owner, kind="stable")
        parts, owner = parts[order], owner[order]
        uniq, idx = np.unique(owner, return_inverse=True)
        result[uniq] = shapely.multipolygons(parts, indices=idx)
    out[mixed] = result
    return out

