"""Parquet: GeoParquet through pyarrow and geopandas (points through :mod:`geo.layers.fastpoints`), and a
Parquet file without GeoParquet metadata as a table with coordinate columns (:mod:`geo.layers.tables`)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
from pyproj.exceptions import CRSError

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers.failures import READ_ERRORS, library_message
from chengyu.geo.layers.fastpoints import geoparquet_points
from chengyu.geo.layers.geoparquet_meta import read_geo_metadata
from chengyu.geo.layers.nesting import check_parquet_nesting
from chengyu.geo.layers.raw import Raw
from chengyu.geo.layers.report import ReadReport
from chengyu.geo.layers.tables import from_table


def read_parquet(source: str, p: Path, head: bytes) -> Raw:
    """GeoParquet through pyarrow; a Parquet file without 'geo' metadata is read as a table."""
    if not head.startswith(b"PAR1"):
        raise AtlasError(source, "is not a valid Parquet file")
    try:
        schema = pq.read_schema(p)
        if b"geo" in (schema.metadata or {}):
            read_geo_metadata(schema.metadata)  # checked first: geopandas fails on some with a traceback
            fast = geoparquet_points(source, p, schema)
            if fast is not None:
                return fast
            check_parquet_nesting(source, p)  # GEOS would crash on deeply nested WKB
            gdf = gpd.read_parquet(p)
            return Raw.from_frame(gdf, gdf.crs, ReadReport("GeoParquet"))
        table = pd.read_parquet(p)
    except CRSError as err:
        raise AtlasError(source, f"declares a CRS that is not known: {library_message(err, str(p))}") from None
    except READ_ERRORS as err:  # pyarrow.ArrowInvalid, OSError, ValueError from geopandas
        raise AtlasError(source, f"is not a valid Parquet file: {library_message(err, str(p))}") from None
    return from_table(source, table, ReadReport("Parquet (no GeoParquet metadata)"), first_line=None)
