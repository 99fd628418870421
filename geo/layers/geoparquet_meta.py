"""A GeoParquet file's "geo" metadata, decoded and checked as the readers need it.

GeoParquet (https://geoparquet.org/releases/v1.1.0/) keeps its metadata as a JSON object under the
key ``geo`` of the Parquet file's key-value metadata: ``version``, ``primary_column`` and
``columns``, one entry per geometry column with its ``encoding`` (``WKB``, or one of GeoArrow's
native encodings), ``crs`` (PROJJSON; left out it means OGC:CRS84, null means unknown),
``geometry_types``, ``bbox``, ``edges`` and ``covering``. This module reads that object itself:
geopandas checks it only in private helpers of ``geopandas.io.arrow`` (no public function of
geopandas decodes the metadata or reads a column's CRS from it), and the project does not depend on
a library's private members. The checks are the ones ``geopandas.read_parquet`` makes, in its words,
so that a file the fast readers take is one geopandas would take too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from pyproj import CRS

__all__ = ["ENCODINGS", "GeoMetadata", "column_crs", "read_geo_metadata", "without_member_ids"]

#: The geometry encodings GeoParquet 1.1 names: WKB and GeoArrow's native ones.
ENCODINGS: Final = ("WKB", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon")

# What a column without a "crs" is in, by the spec.
_DEFAULT_CRS: Final = "OGC:CRS84"
_BBOX_KEYS: Final = ("xmin", "ymin", "xmax", "ymax")
_MALFORMED: Final = "Missing or malformed geo metadata in Parquet/Feather file"


@dataclass(frozen=True)
class GeoMetadata:
    """The checked "geo" metadata: its ``version``, the ``primary_column`` and every geometry column's
    own metadata by name (``columns``: dicts as the file gives them, each with a known ``encoding``)."""

    version: str
    primary_column: str
    columns: dict[str, dict[str, Any]]


def read_geo_metadata(metadata: Mapping[bytes, bytes] | None) -> GeoMetadata:
    """The "geo" metadata of a Parquet schema's key-value ``metadata``, decoded and checked.

    Raises ValueError, in ``geopandas.read_parquet``'s words, when it is missing, not JSON, lacks a
    required key, or names an encoding GeoParquet does not define.

    >>> meta = read_geo_metadata({b"geo": b'{"version": "1.1.0", "primary_column": "geometry",'
    ...                                  b' "columns": {"geometry": {"encoding": "WKB"}}}'})
    >>> meta.primary_column, meta.columns["geometry"]["encoding"]
    ('geometry', 'WKB')
    >>> read_geo_metadata({b"geo": b'{"primary_column": "geometry", "columns": {}}'})
    Traceback (most recent call last):
    ValueError: 'geo' metadata in Parquet/Feather file is missing required key: 'version'
    """
    if metadata is None or b"geo" not in metadata:
        raise ValueError("Missing geo metadata in Parquet/Feather file. "
                         "Use pandas.read_parquet/read_feather() instead.")
    text = metadata[b"geo"].decode("utf-8")  # (UnicodeDecodeError is a ValueError, as geopandas lets it be)
    try:
        geo = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(_MALFORMED) from None
    if not geo or not isinstance(geo, dict):
        raise ValueError(_MALFORMED)
    version = geo.get("version", geo.get("schema_version"))  # "schema_version" in GeoParquet 0.1
    missing = [key for key, absent in (("version", not version), ("primary_column", geo.get("primary_column") is None),
                                       ("columns", geo.get("columns") is None)) if absent]
    if missing:
        raise ValueError(f"'geo' metadata in Parquet/Feather file is missing required key: '{missing[0]}'")
    if not isinstance(geo["columns"], dict):
        raise ValueError("'columns' in 'geo' metadata must be a dict")
    for name, column in geo["columns"].items():
        _check_column(name, column)
    return GeoMetadata(str(version), geo["primary_column"], geo["columns"])


def _check_column(name: str, column: Any) -> None:
    """One geometry column's metadata: a known encoding, and a bbox covering with its four keys."""
    if not isinstance(column, dict) or "encoding" not in column:
        raise ValueError(f"'geo' metadata in Parquet/Feather file is missing required key 'encoding' "
                         f"for column '{name}'")
    if column["encoding"] not in ENCODINGS:
        raise ValueError(f"Only WKB geometry encoding or one of the native encodings ({list(ENCODINGS[1:])!r}) "
                         f"are supported, got: {column['encoding']}")
    covering = column.get("covering")
    if isinstance(covering, dict) and "bbox" in covering:
        bbox = covering["bbox"]
        if not isinstance(bbox, dict) or not all(key in bbox for key in _BBOX_KEYS):
            raise ValueError("Metadata for bbox column is malformed.")


def column_crs(column: Mapping[str, Any]) -> CRS | None:
    """The CRS of a geometry column's metadata: its PROJJSON, OGC:CRS84 when it has no ``crs``, None
    when the ``crs`` is null (unknown). A string (GeoParquet 0.1 wrote WKT) is read as pyproj reads one.

    Raises pyproj's CRSError for a CRS PROJ cannot read.

    >>> column_crs({"encoding": "WKB"}).to_string(), column_crs({"encoding": "WKB", "crs": None})
    ('OGC:CRS84', None)
    """
    crs = column.get("crs", _DEFAULT_CRS)
    if not crs:
        return None
    if isinstance(crs, dict):
        return CRS.from_json_dict(without_member_ids(crs))
    return CRS.from_user_input(crs)


def without_member_ids(projjson: dict[str, Any]) -> dict[str, Any]:
    """A copy of PROJJSON without the ``id`` of each member of a datum ensemble.

    Why: PROJ versions from before OSGeo/PROJ#3221 (2022) refuse PROJJSON naming a datum ensemble
    member whose id their database lacks, and newer databases gave members (of the WGS 84 ensemble,
    say) ids that older ones do not have: a file written with a new PROJ would not open with an old
    one (opengeospatial/geoparquet discussion #110). GDAL (OSGeo/gdal#5872) and geopandas
    (geopandas/geopandas#2453) drop those ids before parsing, and so does this, on nested objects
    as they do. A member is known by its name all the same, and the CRS compares equal.

    >>> crs = {"datum_ensemble": {"members": [{"name": "WGS 84 (G730)", "id": {"code": 1152}}]}}
    >>> without_member_ids(crs)
    {'datum_ensemble': {'members': [{'name': 'WGS 84 (G730)'}]}}
    >>> crs["datum_ensemble"]["members"][0]["id"]
    {'code': 1152}
    """
    out: dict[str, Any] = {}
    for key, value in projjson.items():
        if isinstance(value, dict):
            value = without_member_ids(value)
        elif key == "members" and isinstance(value, list):
            value = [{k: v for k, v in m.items() if k != "id"} if isinstance(m, dict) else m for m in value]
        out[key] = value
    return out
