"""Geometry collections nested too deep to read: refused before GEOS parses them (it would crash).

A value's collections are counted — an upper bound of their depth that needs no parse — in WKT
text with a regular expression, in WKB with Arrow's substring count over the values that are
collections (found from their first five bytes with numpy), and the limit is
:data:`geo.limits.NESTING`.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from shapely import GeometryType

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers.report import counted
from chengyu.geo.limits import NESTING

#: Names a row (0-based) of a column in a message: "row 3", "line 4".
Where = Callable[[int], str]

_COLLECTION_WORD: Final = re.compile(r"(?i)GEOMETRYCOLLECTION")

# WKB's type code of a collection is shapely's type id.
_WKB_COLLECTION: Final = int(GeometryType.GEOMETRYCOLLECTION)
# How a GeometryCollection starts in WKB: little-endian ISO (2-D, Z, M, ZM), little-endian EWKB (the
# Z, M, ZM and SRID flags) and big-endian 2-D. Counting them in a value bounds its nesting, as for WKT.
_WKB_COLLECTIONS: Final = (
    *(struct.pack("<BI", 1, _WKB_COLLECTION + iso) for iso in (0, 1000, 2000, 3000)),
    *(struct.pack("<BI", 1, _WKB_COLLECTION | flag) for flag in (0x80000000, 0x40000000, 0xC0000000, 0x20000000)),
    struct.pack(">BI", 0, _WKB_COLLECTION),
)


def _refuse_deep(source: str, column: str, deep: np.ndarray, limit: int, where: Where) -> None:
    """The one error of both nesting checks, naming the first row of ``deep`` (rows too deep), if any."""
    if deep.size:
        raise AtlasError(source, f"column {column!r} has {counted(deep.size, 'geometry', 'geometries')} with more "
                         f"than {limit} geometry collections inside one another ({where(deep[0])}; {NESTING.says()})")


def check_wkt_nesting(source: str, column: str, text: np.ndarray, rows: np.ndarray, where: Where) -> None:
    """Refuse WKT ``text`` (the values of ``rows`` of ``column``) whose collections nest deeper than the limit."""
    limit = int(NESTING.value())
    counts = pd.Series(text, dtype=object).str.count(_COLLECTION_WORD).to_numpy()
    _refuse_deep(source, column, rows[counts > limit], limit, where)


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
    return rows[(kind & 0xFFFF) % 1000 == _WKB_COLLECTION]  # (without the EWKB flags and the ISO Z/M thousands)


def check_wkb_nesting(source: str, column: str, values: pa.Array | pa.ChunkedArray, where: Where,
                      first_row: int = 0) -> None:
    """:func:`check_wkt_nesting` for WKB ``values`` (rows from ``first_row`` on): collection headers
    counted in the values that are collections, with Arrow, no parse."""
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


def _geo_columns(metadata: dict[bytes, bytes]) -> list[str]:
    """The WKB geometry columns a GeoParquet file's 'geo' metadata names (none when it is unreadable)."""
    try:
        columns = json.loads(metadata[b"geo"]).get("columns", {})
        return [str(c) for c, spec in columns.items() if isinstance(spec, dict) and spec.get("encoding") == "WKB"]
    except (ValueError, AttributeError, KeyError):
        return []


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
                check_wkb_nesting(source, column, batch.column(0), lambda i: f"row {int(i) + 1}", row)
                row += batch.num_rows
