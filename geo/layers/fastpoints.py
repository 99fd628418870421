"""Point layers, fast: GeoParquet and GeoPackage points decoded from their WKB with numpy.

A layer of a million points is read in a fraction of the time when its WKB is decoded with numpy
and the points are made with ``shapely.points``, instead of through ``shapely.from_wkb`` and the
readers' pandas conversion (a million bytes objects). These readers take only the plain cases:
whatever they do not take (or fail on) they answer with None, and the general readers
(:mod:`geo.layers.ogr`, :mod:`geo.layers.parquet`) read it and stay the reference. Where they take
a layer, the result is the same GeoDataFrame.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pyproj
import shapely

from chengyu.geo.layers.failures import READ_ERRORS, quiet
from chengyu.geo.layers.geoparquet_meta import column_crs, read_geo_metadata
from chengyu.geo.layers.nesting import check_wkb_nesting
from chengyu.geo.layers.raw import Raw
from chengyu.geo.layers.report import ReadReport

# A 2-D Point in little-endian ISO WKB: byte order 1, geometry type 1 (uint32), x and y (float64).
# (WKB's type code of a Point is 1, where shapely's type id is 0.)
_WKB_POINT: Final = 1
_WKB_POINT_SIZE: Final = 21
_WKB_POINT_HEADER: Final = np.frombuffer(struct.pack("<BI", 1, _WKB_POINT), dtype=np.uint8)

# OGR field types and subtypes that pyogrio's Arrow path hands to pandas unchanged (no datetime
# parsing, no JSON decoding): only layers with these take the fast GeoPackage path.
_PLAIN_OGR_TYPES: Final = frozenset({"OFTInteger", "OFTInteger64", "OFTReal", "OFTString"})
_PLAIN_OGR_SUBTYPES: Final = frozenset({"OFSTNone", "OFSTBoolean", "OFSTInt16", "OFSTFloat32"})


def _version(module: Any) -> tuple[int, ...]:
    return tuple(int(v) for v in module.__version__.split(".")[:2] if v.isdigit())


# pandas >= 3 makes Arrow strings its "str" dtype only through pyarrow >= 19 by itself (pyogrio
# passes a types_mapper to older ones); with older pairs the GeoPackage fast path is not taken.
_ARROW_STRINGS_AS_PYOGRIO: Final = _version(pa) >= (19,) or _version(pd) < (3,)

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
    check_wkb_nesting(source, "geometry", pa.array(values, pa.binary(), from_pandas=True),
                      lambda i: f"row {int(i) + 1}")
    return shapely.from_wkb(values, on_invalid="raise")


def _geoparquet_point_column(schema: pa.Schema) -> tuple[str, dict[str, Any]] | None:
    """The name and 'geo' metadata of the file's one WKB column when it may hold only points, else None.

    Metadata that is broken, or spherical edges (which geopandas warns about), is left to geopandas.
    """
    metadata = schema.metadata or {}
    if b"PANDAS_ATTRS" in metadata:
        return None
    try:
        geo = read_geo_metadata(metadata)
    except ValueError:
        return None
    primary, columns = geo.primary_column, geo.columns
    column = columns.get(primary) if list(columns) == [primary] else None
    if (column is None or column["encoding"] != "WKB" or "covering" in column
            or column.get("edges", "planar") == "spherical"):
        return None
    types = column.get("geometry_types")
    if not isinstance(types, list) or not set(types) <= {"Point"}:
        return None
    index = schema.get_field_index(primary)
    if index < 0 or not (pa.types.is_binary(schema.field(index).type)
                         or pa.types.is_large_binary(schema.field(index).type)):
        return None
    return primary, column


def geoparquet_points(source: str, p: Path, schema: pa.Schema) -> Raw | None:
    """A GeoParquet file of points read as ``geopandas.read_parquet`` would, only faster.

    Taken: one WKB geometry column (no bbox covering column, no pandas ``attrs``) whose declared
    geometry types are unknown or only Point. The attributes are the Arrow table's other columns
    through ``Table.to_pandas()``, and the CRS the column's (OGC:CRS84 when none is given), as in
    geopandas. None (the caller reads the file with geopandas) for anything else, including any
    error, which geopandas then reports in its own words.
    """
    found = _geoparquet_point_column(schema)
    if found is None:
        return None
    name, column = found
    try:
        attrs, xy, values = _split_table(pq.ParquetFile(p).read(), name)
        geoms = _geometries(source, xy, values)
        del values
        declared = column_crs(column)
    except (*READ_ERRORS, shapely.errors.ShapelyError):
        return None
    return Raw(attrs, geoms, declared, ReadReport("GeoParquet"), points_xy=xy)


def gpkg_points(source: str, dataset: str, layer: str) -> Raw | None:
    """A GeoPackage point layer read as ``pyogrio.read_dataframe(use_arrow=True)`` would, faster.

    Taken: a layer declared as 2-D Point whose fields are all plain numbers and text (no date,
    time, JSON or binary fields, none named 'geometry'). The attributes are the Arrow table's other
    columns through ``Table.to_pandas()``, the CRS the layer's, as in pyogrio. None (the caller reads
    the layer with pyogrio's GeoDataFrame path) for anything else, including any error.
    """
    if not _ARROW_STRINGS_AS_PYOGRIO:  # pragma: no cover - old pyarrow with pandas 3
        return None
    try:
        with quiet():
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
    except (*READ_ERRORS, shapely.errors.ShapelyError):
        return None
    return Raw(attrs, geoms, declared, ReadReport("GeoPackage"), points_xy=xy)
