"""What kind of file a layer is: its format from its name, and a cheap look at its first bytes."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Final

from chengyu.geo.errors import AtlasError

#: File name endings read_layer understands (a folder holding a shapefile is also accepted).
SUPPORTED_SUFFIXES: Final = (
    ".geojson", ".json", ".gpkg", ".shp", ".zip", ".parquet", ".geoparquet", ".kml", ".kmz", ".csv",
)

_FORMAT_BY_SUFFIX: Final = {
    ".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile",
    ".zip": "Shapefile", ".parquet": "GeoParquet", ".geoparquet": "GeoParquet", ".kml": "KML",
    ".kmz": "KML", ".csv": "CSV",
}

#: How many bytes of a file :func:`first_bytes` reads.

_CONTROL: Final = frozenset(range(9)) | frozenset(range(14, 30)) | {31}  # not in text files


def format_of(source: str, p: Path) -> str:
    """The format a file's name says ("GeoJSON", "Shapefile", …), or an AtlasError for an unknown one.

    >>> format_of("parks.kmz", Path("parks.kmz")), format_of("x", Path("SITES.CSV"))
    ('KML', 'CSV')
    """
    fmt = _FORMAT_BY_SUFFIX.get(p.suffix.lower())
    if fmt is None:
        shown = f"'{p.suffix}'" if p.suffix else "no extension"
        raise AtlasError(source, f"unknown file type ({shown}); expected one of "
                         f"{', '.join(SUPPORTED_SUFFIXES)} or a folder holding a shapefile")
    return fmt


def is_binary(head: bytes) -> bool:
    """Whether a file's first bytes hold control characters no text file has.

    >>> is_binary(b"name,lon,lat\\r\\n"), is_binary(b"PAR1\\x15\\x04")
    (False, True)
    """
    return any(b in _CONTROL for b in head[:1024])


def is_utf16(head: bytes) -> bool:
    """UTF-16 text: a byte-order mark, or ASCII with a zero byte beside every character.

    >>> is_utf16("name,lon".encode("utf-16-le")), is_utf16(b"name,lon")
    (True, False)
    """
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return True
    pairs = head[:512]
    return len(pairs) >= 8 and (pairs[1::2].count(0) == len(pairs) // 2 or pairs[0::2].count(0) == len(pairs) // 2)


def sniff_text(source: str, head: bytes, fmt: str, starts: bytes) -> None:
    """A cheap check that a text format's file is text and starts with one of the bytes ``starts``."""
    if is_utf16(head):
        raise AtlasError(source, f"is {fmt} written as UTF-16 text; {fmt} files are read as UTF-8: "
                         "save it as UTF-8")
    if is_binary(head.replace(b"\x1e", b"")):
        raise AtlasError(source, f"is not valid {fmt}: it is a binary file")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text or text[:1] not in [bytes([c]) for c in starts]:
        first = "'" + "' or '".join(chr(c) for c in starts if c >= 32) + "'"
        raise AtlasError(source, f"is not valid {fmt}: it does not start with {first}")
