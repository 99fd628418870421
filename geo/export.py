"""Units and their attributes written as a file GIS tools open: GeoPackage, GeoJSON, a zipped
shapefile, GeoParquet, FlatGeobuf or CSV with WKT geometry.

The format comes from the file's extension, or from ``fmt=`` (:func:`format_for`).
:func:`export_frame` writes exactly the path it is given, so a caller can write a temporary file
and rename it, and its :class:`ExportReport` says what the format changed on the way: a CRS,
columns of lists or tables written as JSON text, a shapefile's shortened field names and cut text.

Byte for byte: the same frame gives the same GeoJSON, FlatGeobuf, CSV and GeoParquet (with the same
GDAL and pyarrow). A GeoPackage records when it was written (``gpkg_contents.last_change``), a
shapefile's .dbf and the zip's members their date: with ``stamp=`` (or ``SOURCE_DATE_EPOCH`` set,
the reproducible-builds convention) those dates are fixed and they too come out the same.

>>> format_for("units.gpkg"), format_for("units.shp.zip"), format_for("units.txt", "CSV")
('gpkg', 'shapefile', 'csv')
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyogrio
from shapely.geometry import MultiPolygon, Polygon

from chengyu.geo.errors import AtlasError
from chengyu.geo.shapefile_zip import FIELD_BYTES, TEXT_BYTES, write_shapefile_zip

__all__ = ["FORMATS", "ExportFormat", "ExportReport", "export_frame", "format_for"]


@dataclass(frozen=True)
class ExportFormat:
    """One output format: its ``title``, file ``extensions``, the GDAL ``driver`` writing it with
    ``options`` (None: pyarrow writes it), the ``crs`` it always has (None: the frame's), whether it
    holds lists and tables as they are (``nested``), and a ``note`` for its reader."""

    title: str
    extensions: tuple[str, ...]
    driver: str | None
    options: Mapping[str, str] = field(default_factory=dict)
    crs: str | None = None
    nested: bool = False
    note: str = ""


#: Every format by the name ``fmt=`` takes; extensions are matched ignoring case.
FORMATS: Final[Mapping[str, ExportFormat]] = {
    "gpkg": ExportFormat("GeoPackage", (".gpkg",), "GPKG"),
    "geojson": ExportFormat(
        "GeoJSON", (".geojson", ".json"), "GeoJSON",
        # 8 decimals (1 mm) keep the boundaries' 6 exactly; at RFC 7946's default of 7, GDAL writes
        # 102.299999 as 102.3. Text stays text: GDAL would write a value such as "[1, 2]" as an array.
        {"RFC7946": "YES", "COORDINATE_PRECISION": "8", "AUTODETECT_JSON_STRINGS": "NO"},
        crs="EPSG:4326", note="GeoJSON is always WGS 84 longitude/latitude (RFC 7946)"),
    "shapefile": ExportFormat(
        "Shapefile", (".shp.zip", ".zip"), "ESRI Shapefile",
        note="a zip of .shp, .shx, .dbf, .prj and .cpg (UTF-8), with fields.csv naming each field's column"),
    "geoparquet": ExportFormat("GeoParquet", (".parquet", ".geoparquet"), None, nested=True),
    # no spatial index: with one, GDAL writes the features in the index's order, not the frame's (and a
    # few hundred units are read whole anyway)
    "flatgeobuf": ExportFormat("FlatGeobuf", (".fgb",), "FlatGeobuf", {"SPATIAL_INDEX": "NO"}),
    "csv": ExportFormat(
        "CSV", (".csv",), "CSV",
        # a byte order mark, or Excel reads the file in the system's code page and garbles the Chinese names
        {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES", "LINEFORMAT": "LF"},
        note="the geometry is WKT text in the first column, named WKT; a CSV does not record its CRS"),
}

_LAYER: Final = re.compile(r"\w[\w-]*")
_NESTED: Final = (list, tuple, dict, np.ndarray)
_GDAL_CONFIG: Final = threading.Lock()  # GDAL's configuration is one per process


def format_for(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The name in :data:`FORMATS` of ``fmt`` (any case), or of the format ``path``'s extension says.

    >>> format_for("Areas.GeoJSON"), format_for("areas.zip")
    ('geojson', 'shapefile')
    >>> format_for("areas.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chengyu.geo.errors.AtlasError: areas.xlsx: unknown extension '.xlsx'; known are .gpkg, ..., or pass fmt= (...)
    """
    names = ", ".join(FORMATS)
    if fmt is not None:
        if fmt.lower() not in FORMATS:
            raise AtlasError(path, f"unknown fmt={fmt!r}; use one of {names}")
        return fmt.lower()
    filename = Path(path).name.lower()
    matches = [(ext, name) for name, spec in FORMATS.items() for ext in spec.extensions if filename.endswith(ext)]
    if matches:
        return max(matches, key=lambda match: len(match[0]))[1]
    known = ", ".join(ext for spec in FORMATS.values() for ext in spec.extensions)
    found = f"unknown extension {Path(filename).suffix!r}" if Path(filename).suffix else "no extension"
    raise AtlasError(path, f"{found}; known are {known}, or pass fmt= ({names})")


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_frame` wrote to ``path``, and what the format changed on the way.

    ``renamed`` maps each column whose field has another name to that field (shapefiles);
    ``flattened`` columns held lists or tables, written as JSON text; ``cut`` columns had text
    longer than the format holds.
    """

    path: Path
    format: str
    layer: str
    rows: int
    crs: str
    source_crs: str
    renamed: dict[str, str] = field(default_factory=dict)
    flattened: tuple[str, ...] = ()
    cut: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The report for a person, one fact a line.

        >>> lines = ExportReport(Path("u.zip"), "shapefile", "units", 5, "EPSG:4490", "EPSG:4490",
        ...                      {"official_area_km2": "off_km2"}).lines()
        >>> lines[0], lines[-1]
        ('5 features, Shapefile layer units, EPSG:4490', 'field off_km2 = column official_area_km2')
        """
        spec = FORMATS[self.format]
        crs = self.crs if self.crs == self.source_crs else f"{self.crs} (reprojected from {self.source_crs})"
        lines = [f"{self.rows} features, {spec.title} layer {self.layer}, {crs}"]
        if spec.note:
            lines.append(spec.note)
        if self.flattened:
            lines.append(f"{spec.title} holds no lists or tables; written as JSON text: {', '.join(self.flattened)}")
        if self.cut:
            lines.append(f"text cut to {TEXT_BYTES} bytes, the most a .dbf field holds: {', '.join(self.cut)}")
        if self.renamed:
            lines.append(f"field names are at most {FIELD_BYTES} bytes; shortened ones:")
            lines += [f"field {name} = column {column}" for column, name in self.renamed.items()]
        return lines


def _source_date() -> dt.datetime | None:
    """The time ``SOURCE_DATE_EPOCH`` fixes for reproducible output, None when it is not set."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        raise AtlasError("SOURCE_DATE_EPOCH", f"is {value!r}, not a count of seconds since 1970") from None


@contextlib.contextmanager
def _gdal_date(stamp: dt.datetime | None) -> Iterator[None]:
    """GDAL's idea of now (a GeoPackage's last_change) set to ``stamp`` while the block runs."""
    if stamp is None:
        yield
        return
    utc = stamp.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with _GDAL_CONFIG:
        before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": utc})
        try:
            yield
        finally:
            pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def _json_text(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, _NESTED) else value


def _arrow_holds(values: list[Any]) -> bool:
    try:
        pa.array(values, from_pandas=True)
    except pa.ArrowException:  # lists of mixed types, say
        return False
    return True


def _flattened(frame: gpd.GeoDataFrame, nested: bool) -> tuple[str, ...]:
    """Write, in place, the lists and tables of ``frame`` as JSON text unless the format holds them
    (``nested``, and pyarrow can type them); the columns written so."""
    flattened = []
    for column in frame.columns:
        values = frame[column]
        if column == frame.geometry.name or values.dtype != object:
            continue
        if any(isinstance(v, _NESTED) for v in values) and not (nested and _arrow_holds(values.tolist())):
            frame[column] = values.map(_json_text)
            flattened.append(str(column))
    return tuple(flattened)


def _multipart(frame: gpd.GeoDataFrame) -> None:
    """Polygons as one-part MultiPolygons, in place: mixed with MultiPolygons, a layer's type would be
    Unknown (GeoPackage, FlatGeobuf), which QGIS asks about on opening."""
    geometry = [MultiPolygon([g]) if isinstance(g, Polygon) else g for g in frame.geometry]
    frame[frame.geometry.name] = gpd.GeoSeries(geometry, index=frame.index, crs=frame.crs)


def _free_name(name: str, columns: Iterable[object]) -> str:
    """``name``, or ``name_1``, ``name_2``… : the first that no column has, ignoring case."""
    taken = {str(c).lower() for c in columns}
    free, number = name, 0
    while free.lower() in taken:
        number += 1
        free = f"{name}_{number}"
    return free


def _write_gdal(frame: gpd.GeoDataFrame, path: Path, spec: ExportFormat, layer: str,
                stamp: dt.datetime | None) -> None:
    # Written in memory, then to `path`: GDAL makes a folder of a FlatGeobuf or CSV whose name does not
    # end in .fgb or .csv, such as a caller's temporary name.
    options = dict(spec.options)
    if spec.driver == "GPKG":
        # GDAL would take a column called fid (one QGIS exported, say) for the table's key and refuse it
        options["FID"] = _free_name("fid", frame.columns)
    buffer = io.BytesIO()
    with _gdal_date(stamp):
        pyogrio.write_dataframe(frame, buffer, layer=layer, driver=spec.driver, **options)
    path.write_bytes(buffer.getvalue())


def export_frame(gdf: gpd.GeoDataFrame, path: str | os.PathLike[str], fmt: str, *, layer: str = "units",
                 stamp: dt.datetime | None = None) -> ExportReport:
    """Write ``gdf`` to exactly ``path`` in the format ``fmt`` (a name of :data:`FORMATS`, any case).

    ``layer`` names the layer (the GeoPackage table, the shapefile's members). ``stamp`` is the time
    recorded by formats that record one; by default ``SOURCE_DATE_EPOCH`` or, unset, now. Polygons
    are written as MultiPolygons, so every feature of a layer has one type. ``path`` may exist (an
    empty temporary file, say) and is replaced; an OSError says it cannot be written.

    >>> import tempfile
    >>> from chengyu.geo.regions import science_city
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     report = export_frame(science_city(), f"{tmp}/science-city.tmp", "geojson", layer="science_city")
    >>> report.lines()[0]
    '5 features, GeoJSON layer science_city, EPSG:4326 (reprojected from EPSG:4490)'
    """
    name = format_for(path, fmt)
    spec = FORMATS[name]
    source_crs = gdf.crs
    if source_crs is None:
        raise ValueError("the frame has no CRS; set one (GeoDataFrame.set_crs) before exporting")
    if not _LAYER.fullmatch(layer):
        raise ValueError(f"layer must be letters, digits, '_' and '-', not {layer!r}")
    stamp = stamp if stamp is not None else _source_date()
    frame = gdf.to_crs(spec.crs) if spec.crs else gdf.copy()
    _multipart(frame)
    flattened = _flattened(frame, spec.nested)
    path = Path(path)
    renamed: dict[str, str] = {}
    cut: tuple[str, ...] = ()
    if spec.driver is None:
        frame.to_parquet(path, index=False)
    elif spec.driver == "ESRI Shapefile":
        fields = write_shapefile_zip(frame, path, layer, stamp)
        renamed, cut = fields.renamed, fields.cut
    else:
        _write_gdal(frame, path, spec, layer, stamp)
    return ExportReport(path, name, layer, len(frame), spec.crs or source_crs.to_string(), source_crs.to_string(),
                        renamed, flattened, cut)
