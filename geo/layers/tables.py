"""Tables with coordinates: a CSV (or a Parquet file without GeoParquet metadata) whose geometries are
longitude/latitude columns or a WKT (or WKB) column, found by the columns' names."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers.failures import library_message
from chengyu.geo.layers.nesting import Where, check_wkb_nesting, check_wkt_nesting
from chengyu.geo.layers.raw import Raw
from chengyu.geo.layers.report import ReadReport, counted, listing
from chengyu.geo.layers.sniff import is_binary, is_utf16

# Column names recognised in tables (CSV, plain Parquet), compared case-insensitively, in order of
# preference.
LON_NAMES: Final = ("longitude", "lon", "lng", "long", "经度", "x")
LAT_NAMES: Final = ("latitude", "lat", "纬度", "y")
WKT_NAMES: Final = ("wkt", "geometry", "geom", "the_geom")

# Geometries of a table and the columns they were made of.
_Made = tuple[np.ndarray, list[str]]


def read_csv(source: str, p: Path, head: bytes) -> Raw:
    """A CSV read with pandas as text (``head``: its first bytes); coordinates found by column name,
    built with shapely."""
    utf16 = is_utf16(head)
    if not utf16 and is_binary(head):
        raise AtlasError(source, "is not a text CSV file: it is a binary file")
    sep = _sniff_separator(head.decode("utf-16", "ignore").encode() if utf16 else head)
    codecs_tried = (("utf-16", "UTF-16"),) if utf16 else (("utf-8-sig", "UTF-8"), ("gbk", "GBK"))
    for codec, label in codecs_tried:
        table = _csv_table(source, p, sep, codec)
        if table is not None:
            hints = [] if label == "UTF-8" else [f"the file is not UTF-8: read it as {label}"]
            return from_table(source, table, ReadReport("CSV", encoding=label, hints=hints), first_line=2)
    raise AtlasError(source, "is neither UTF-8 nor GBK text; save it as UTF-8")


def _csv_table(source: str, p: Path, sep: str, codec: str) -> pd.DataFrame | None:
    """The CSV as a table of text, or None when it is not in ``codec``."""
    try:
        with warnings.catch_warnings():
            # More fields than the header: pandas would silently drop them (a ParserWarning).
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                               encoding=codec, index_col=False)
    except UnicodeDecodeError:
        return None
    except pd.errors.EmptyDataError:
        raise AtlasError(source, "is empty (no header row)") from None
    except pd.errors.ParserWarning:
        raise AtlasError(source, "is not a well-formed CSV file: some rows have more fields "
                         "than the header") from None
    except (pd.errors.ParserError, ValueError, OSError) as err:
        detail = library_message(err, str(p)).replace("Error tokenizing data. C error: ", "")
        raise AtlasError(source, f"is not a well-formed CSV file: {detail}") from None


def _sniff_separator(head: bytes) -> str:
    """The separator the first line uses most, of , ; tab and | (a comma when none).

    >>> _sniff_separator(b"name;lon;lat\\na;1,5;2"), _sniff_separator(b"name")
    (';', ',')
    """
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


def from_table(source: str, table: pd.DataFrame, report: ReadReport, first_line: int | None) -> Raw:
    """Geometries from a table's WKT column or its longitude/latitude columns.

    ``first_line``: the line of the file the table's first row is on (a CSV's 2), named in
    messages; None names rows instead.
    """
    columns = [str(c) for c in table.columns]
    table.columns = columns
    lon_col, lat_col = _find_column(columns, LON_NAMES), _find_column(columns, LAT_NAMES)
    wkt_col = _find_column(columns, WKT_NAMES)
    where: Where = (lambda i: f"line {int(i) + first_line}") if first_line else (lambda i: f"row {int(i) + 1}")
    if wkt_col is not None:
        geoms, used = _from_wkt(source, table, wkt_col, where)
        report.hints.append(f"geometries from the WKT column {wkt_col!r}")
    elif lon_col is not None and lat_col is not None and lon_col != lat_col:
        geoms, used = _from_lonlat(source, table, lon_col, lat_col, where)
        report.hints.append(f"points from the columns {lon_col!r} (longitude) and {lat_col!r} (latitude)")
    else:
        # The columns are named only when there are several: a file that is no CSV at all (a
        # password file behind a link) would otherwise have its first line shown as "a column".
        found = f"found: {listing(columns)}" if len(columns) > 1 else \
            "found one column (no , ; tab or | in the first line)"
        raise AtlasError(source, "has no coordinate columns: expected longitude and latitude "
                         f"({'/'.join(LON_NAMES)} and {'/'.join(LAT_NAMES)}) or WKT "
                         f"({'/'.join(WKT_NAMES)}); {found}")
    attrs = table.drop(columns=used)
    if report.format == "CSV":
        attrs = _infer_numbers(attrs)
    return Raw(attrs, geoms, None, report)


def _from_wkt(source: str, table: pd.DataFrame, column: str, where: Where) -> _Made:
    """The geometries of a WKT column (or WKB, in a Parquet file); empty cells give none."""
    values = table[column]
    present = values.notna().to_numpy(dtype=bool)
    raw = values.to_numpy(dtype=object)
    geoms = np.full(len(table), None, dtype=object)
    if present.any():
        if isinstance(raw[present][0], (bytes, bytearray)):
            check_wkb_nesting(source, column, pa.array(raw, pa.binary(), from_pandas=True), where)
            geoms[present] = shapely.from_wkb(raw[present], on_invalid="ignore")
        else:
            text = raw[present].astype(str)
            check_wkt_nesting(source, column, text, np.flatnonzero(present), where)
            geoms[present] = shapely.from_wkt(text, on_invalid="ignore")
    bad = np.flatnonzero(present & shapely.is_missing(geoms))
    if bad.size:
        shown = str(raw[bad[0]])[:60]
        raise AtlasError(source, f"column {column!r} has {counted(bad.size, 'value')} that "
                         f"{'is' if bad.size == 1 else 'are'} not WKT ({where(bad[0])}: {shown!r})")
    return geoms, [column]


def _from_lonlat(source: str, table: pd.DataFrame, lon_col: str, lat_col: str, where: Where) -> _Made:
    """Points from two coordinate columns; a row with an empty cell has none (dropped, counted)."""
    lon, no_lon = _coordinate(source, table[lon_col], lon_col, where)
    lat, no_lat = _coordinate(source, table[lat_col], lat_col, where)
    ok = ~(no_lon | no_lat)
    geoms = np.full(len(table), None, dtype=object)
    geoms[ok] = shapely.points(lon[ok], lat[ok])  # NaN/Infinity spelled out: an error later
    return geoms, [lon_col, lat_col]


def _coordinate(source: str, values: pd.Series, name: str, where: Where) -> tuple[np.ndarray, np.ndarray]:
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
        raise AtlasError(source, f"column {name!r} has {counted(bad.size, 'value')} that "
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
