"""A frame as one zipped shapefile that QGIS opens: short field names, a UTF-8 .cpg and a fields.csv.

A shapefile is several files, and its .dbf limits it: field names of at most 10 bytes, text of at
most 254 bytes, no distinction between empty text and none. :func:`short_names` makes the names fit
by a fixed rule (so the same columns always get the same fields), and the zip carries
``fields.csv``, which maps every field back to its column.

>>> short_names(["code", "official_area_km2", "science_city_part_confidence", "city_name_zh"])
{'code': 'code', 'official_area_km2': 'off_km2', 'science_city_part_confidence': 'scp_conf', 'city_name_zh': 'city_zh'}
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import geopandas as gpd
import pyogrio

__all__ = ["FIELD_BYTES", "SHORT_WORDS", "TEXT_BYTES", "ShapefileFields", "short_names", "write_shapefile_zip"]

#: Longest field name a .dbf holds, in bytes (names are written in the .cpg's UTF-8).
FIELD_BYTES: Final = 10
#: Longest text a .dbf field holds, in bytes.
TEXT_BYTES: Final = 254
#: The shapefile's files, in the order the zip holds them (fields.csv comes last).
MEMBERS: Final = (".shp", ".shx", ".dbf", ".prj", ".cpg")

#: Words and phrases of the project's column names with a shorter form, tried longest first on a
#: name too long for a field (a phrase matches whole words only: ``official_area_km2`` → ``off_km2``).
SHORT_WORDS: Final = (
    ("science_city_part", "scp"),
    ("science_city", "sc"),
    ("official_area", "off"),
    ("official_diff", "diff"),
    ("province_name", "prov"),
    ("member_city", "mcity"),
    ("known_units", "units"),
    ("city_name", "city"),
    ("core_part", "core"),
    ("confidence", "conf"),
    ("official", "off"),
    ("province", "prov"),
    ("covered", "cov"),
    ("source", "src"),
    ("length", "len"),
)
_WORDS: Final = [(re.compile(rf"(?<![^_]){long}(?![^_])"), short) for long, short in SHORT_WORDS]


@dataclass(frozen=True)
class ShapefileFields:
    """What writing a shapefile changed: ``names`` (column → field, every column) and the columns
    whose text was ``cut`` to :data:`TEXT_BYTES`."""

    names: dict[str, str]
    cut: tuple[str, ...]

    @property
    def renamed(self) -> dict[str, str]:
        """The columns whose field has another name (column → field)."""
        return {column: name for column, name in self.names.items() if column != name}


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _fits(name: str) -> bool:
    return len(name.encode("utf-8")) <= FIELD_BYTES


def _shortened(name: str) -> str:
    """``name`` made to fit by :data:`SHORT_WORDS`, then without underscores, then cut."""
    for pattern, short in _WORDS:
        if _fits(name):
            return name
        name = pattern.sub(short, name)
    if not _fits(name):
        name = name.replace("_", "") or name
    return _cut(name, FIELD_BYTES) or "field"


def short_names(columns: Iterable[str]) -> dict[str, str]:
    """Each column's field name: at most :data:`FIELD_BYTES` bytes and unique, ignoring case as a .dbf does.

    A name that fits is kept. A longer one takes the short forms of :data:`SHORT_WORDS`, then loses
    its underscores, then is cut; a name already taken ends in ``_1``, ``_2``… instead. Names that
    fit are placed first, so a shortened name never takes one that was there.

    >>> short_names(["covered_pct", "cov_pct", "a_long_name_1", "a_long_name_2"])
    {'covered_pct': 'cov_pct_1', 'cov_pct': 'cov_pct', 'a_long_name_1': 'alongname1', 'a_long_name_2': 'alongname2'}
    >>> short_names(["a_very_long_name", "a_very_long_name_too"])
    {'a_very_long_name': 'averylongn', 'a_very_long_name_too': 'averylon_1'}
    """
    columns = [str(c) for c in columns]
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in sorted(columns, key=lambda c: not _fits(c)):  # stable: the order within each group kept
        base = name = column if _fits(column) else _shortened(column)
        number = 0
        while name.lower() in taken:
            number += 1
            suffix = f"_{number}"
            name = _cut(base, FIELD_BYTES - len(suffix)) + suffix
        taken.add(name.lower())
        names[column] = name
    return {column: names[column] for column in columns}


def _cut_texts(frame: gpd.GeoDataFrame) -> tuple[str, ...]:
    """Cut, in place, every text longer than a .dbf holds; the columns where that happened."""
    cut = []
    for column in frame.columns:
        values = frame[column]
        if column == frame.geometry.name or values.dtype.kind not in "OT":
            continue
        long = [isinstance(v, str) and len(v.encode("utf-8")) > TEXT_BYTES for v in values]
        if any(long):
            frame[column] = [_cut(v, TEXT_BYTES) if too_long else v for v, too_long in zip(values, long, strict=True)]
            cut.append(str(column))
    return tuple(cut)


def _fields_csv(names: dict[str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["field", "column"])
    writer.writerows((name, column) for column, name in names.items())
    # with a BOM, like the CSV export: Excel then reads the names as UTF-8, not the system's code page
    return buffer.getvalue().encode("utf-8-sig")


def _zip_date(stamp: dt.datetime | None) -> tuple[int, int, int, int, int, int]:
    when = stamp if stamp is not None else dt.datetime.now()
    return max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0))  # a zip cannot date anything before 1980


def write_shapefile_zip(frame: gpd.GeoDataFrame, path: str | Path, layer: str,
                        stamp: dt.datetime | None = None) -> ShapefileFields:
    """Write ``frame`` to ``path`` as a zip of ``layer``.shp/.shx/.dbf/.prj/.cpg and ``fields.csv``.

    The members are made in a temporary folder; only ``path`` is written. ``stamp`` dates the .dbf
    and the zip's members (now when None), so the same ``stamp`` gives the same bytes.

    >>> import tempfile, zipfile, geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame({"official_area_km2": [1.5]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4490)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     fields = write_shapefile_zip(frame, f"{tmp}/u.zip", "u")
    ...     zipfile.ZipFile(f"{tmp}/u.zip").namelist(), fields.renamed
    (['u.shp', 'u.shx', 'u.dbf', 'u.prj', 'u.cpg', 'fields.csv'], {'official_area_km2': 'off_km2'})
    """
    frame = frame.copy()
    cut = _cut_texts(frame)
    names = short_names(str(c) for c in frame.columns if c != frame.geometry.name)
    frame = frame.rename(columns=names)
    members: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="chengyu-shapefile-") as tmp:
        options = {"DBF_DATE_LAST_UPDATE": stamp.date().isoformat()} if stamp is not None else {}
        # RESIZE: text fields as wide as their longest value, not GDAL's default 80 bytes and more
        pyogrio.write_dataframe(frame, Path(tmp) / f"{layer}.shp", driver="ESRI Shapefile", encoding="UTF-8",
                                RESIZE="YES", **options)
        for suffix in MEMBERS:
            member = Path(tmp) / f"{layer}{suffix}"
            if member.exists():  # no .prj for a frame without a CRS
                members[member.name] = member.read_bytes()
    members["fields.csv"] = _fields_csv(names)
    date = _zip_date(stamp)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # rw-r--r--, not the 0 that unzip would restore as ---------
            zf.writestr(info, data)
    return ShapefileFields(names, cut)
