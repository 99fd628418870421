"""Shapefiles — a ``.shp``, a folder holding shapefiles, or a ``.zip`` holding them — and their encodings.

Encoding: when a ``.cpg`` file or the ``.dbf``'s language-driver byte (LDID) declares one, GDAL
decodes it; if the attributes then turn out not to be valid UTF-8 (a ``.cpg`` saying UTF-8 over
GBK bytes), they are read as GBK. With nothing declared, the attributes are tried as UTF-8, then
GBK, then ISO-8859-1 (which cannot fail), and the report says which one worked.
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyogrio

from chengyu.geo.errors import AtlasError
from chengyu.geo.inputs import check_zip, folder_files, plain_paths, require_readable, zip_members
from chengyu.geo.layers.failures import PYOGRIO_ERRORS, READ_ERRORS, library_message, quiet
from chengyu.geo.layers.raw import Raw
from chengyu.geo.layers.report import ReadReport, listing

_ENCODING_NAMES: Final = {"utf-8": "UTF-8", "gbk": "GBK", "latin-1": "ISO-8859-1"}

# Reads the first n bytes of one of the shapefile's files (b"" when it cannot).
Opener = Callable[[str, int], bytes]


class _NotDecodable(Exception):
    pass


def read_shapefile(source: str, p: Path, layer_name: str | None) -> Raw:
    """A .shp, a folder holding shapefiles, or a .zip holding them; the encoding decided here."""
    where, members, infos = _members(source, p)
    shp = p.name if where is None else _pick(source, where, members, layer_name)
    stem = shp[: -len(".shp")]
    by_lower = {m.lower(): m for m in members}
    if (stem + ".shx").lower() not in by_lower:
        raise AtlasError(source, f"missing .shx index file for {Path(shp).name}; a shapefile needs "
                         "its .shp, .shx and .dbf files side by side")
    cpg_name, dbf_name, prj_name = (by_lower.get((stem + ext).lower()) for ext in (".cpg", ".dbf", ".prj"))
    # The shapefile's own files: every member sharing its stem (.shp, .shx, .dbf, .prj, .cpg, .qix…).
    sidecars = {m: m[len(stem):].lower() for m in members if m.lower().startswith(stem.lower() + ".")}
    opener = _opener(source, p, where, infos, sidecars)
    hints: list[str] = []
    cpg, ldid = _declared_encoding(opener, cpg_name, dbf_name, hints)
    if dbf_name is None:
        hints.append("no .dbf file: geometries read without attributes")
    with _shapefile_dataset(p, where, shp, sidecars) as dataset:
        gdf, encoding = _shp_decoded(source, dataset, cpg, ldid, hints)
    if prj_name is not None and gdf.crs is None and opener(prj_name, 4096).strip():
        raise AtlasError(source, f"its {prj_name} does not describe a CRS that can be read; fix or remove it "
                         "and pass crs=")
    report = ReadReport("Shapefile", layer=Path(shp).stem if where else None, encoding=encoding,
                        hints=hints)
    return Raw.from_frame(gdf, gdf.crs, report)


def _members(source: str, p: Path) -> tuple[str | None, list[str], list[zipfile.ZipInfo]]:
    """Where the shapefile is ("folder", "zip archive", or None for a .shp path), the files there
    (relative names, sorted) and, for a zip, their entries."""
    if p.is_dir():
        return "folder", folder_files(source, p), []
    if p.suffix.lower() == ".zip":
        infos = [i for i in zip_members(source, p, "zip archive") if not i.is_dir()]
        return "zip archive", sorted(i.filename for i in infos), infos
    return None, folder_files(source, p.parent, depth=1), []


def _pick(source: str, where: str, members: list[str], layer_name: str | None) -> str:
    """The .shp of a folder or zip archive: the only one, or the one ``layer_name`` names."""
    visible = [m for m in members if not _hidden(m)]
    shps = [m for m in visible if m.lower().endswith(".shp")]
    if not shps:
        found = f"; it holds: {listing(visible, 5)}" if visible else ""
        raise AtlasError(source, f"{where} contains no shapefile (.shp){found}")
    stems = [Path(m).stem for m in shps]
    if layer_name is not None:
        if layer_name not in stems:
            raise AtlasError(source, f"has no shapefile {layer_name!r}; its shapefiles: {listing(stems)}")
        return shps[stems.index(layer_name)]
    if len(shps) > 1:
        raise AtlasError(source, f"{where} contains {len(shps)} shapefiles ({listing(stems)}); "
                         "pick one with layer_name=")
    return shps[0]


def _hidden(member: str) -> bool:
    return any(part.startswith(".") or part == "__MACOSX" for part in Path(member).parts)


def _opener(source: str, p: Path, where: str | None, infos: list[zipfile.ZipInfo], sidecars: dict[str, str]) -> Opener:
    """How to read the shapefile's files, once they are found safe to read."""
    if where == "zip archive":
        check_zip(source, p, infos, wanted=list(sidecars))
        return _zip_reader(p)
    folder = p if where == "folder" else p.parent
    for member in sidecars:  # a FIFO or a device among them would block or never end
        require_readable(source, folder / member, member=member)
    return _file_reader(folder)


def _zip_reader(p: Path) -> Opener:
    def read(member: str, n: int) -> bytes:
        try:
            with zipfile.ZipFile(p) as zf, zf.open(member) as fh:
                return fh.read(n)
        except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, NotImplementedError):
            return b""
    return read


def _file_reader(folder: Path) -> Opener:
    def read(member: str, n: int) -> bytes:
        try:
            with open(folder / member, "rb") as fh:
                return fh.read(n)
        except OSError:
            return b""
    return read


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


def _declared_encoding(opener: Opener, cpg_name: str | None, dbf_name: str | None,
                       hints: list[str]) -> tuple[str, bytes]:
    """The .cpg file's text ("" when there is none or it names no known encoding) and the .dbf's LDID byte."""
    cpg = opener(cpg_name, 200).decode("ascii", "replace").strip() if cpg_name else ""
    ldid = opener(dbf_name, 32)[29:30] if dbf_name else b""
    if cpg and _cpg_codec(cpg) is None:
        hints.append(f"the .cpg file names an encoding that is not known ({cpg!r}): ignored")
        cpg = ""
    return cpg, ldid


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


def _shp_decoded(source: str, dataset: str, cpg: str, ldid: bytes, hints: list[str],
                 ) -> tuple[gpd.GeoDataFrame, str]:
    """The shapefile's frame and the name of the encoding its attributes were decoded with."""
    if cpg or ldid not in (b"", b"\x00"):  # declared: GDAL decodes it
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


def _has_text(gdf: gpd.GeoDataFrame) -> bool:
    return any(not pd.api.types.is_numeric_dtype(gdf[c]) for c in gdf.columns
               if c != gdf.geometry.name)


def _shp_frame(source: str, dataset: str, encoding: str | None) -> gpd.GeoDataFrame:
    """Read a shapefile; GDAL decodes declared encodings itself (arrow), explicit ones need numpy."""
    try:
        with quiet():
            if encoding is None:
                return pyogrio.read_dataframe(dataset, use_arrow=True)
            return pyogrio.read_dataframe(dataset, encoding=encoding, use_arrow=False)
    except UnicodeDecodeError:
        raise _NotDecodable from None
    except pyogrio.errors.CRSError as err:
        raise AtlasError(source, f"its .prj file does not describe a CRS that can be read "
                         f"({library_message(err, dataset)}); fix or remove it and pass crs=") from None
    except READ_ERRORS as err:
        # Strings that are not what the encoding says: pyogrio's "not encoded in UTF-8" or
        # pyarrow's "Wrapping <bytes> failed".
        if isinstance(err, (pa.ArrowException, *PYOGRIO_ERRORS)) and (
                "UTF-8" in str(err) or "Wrapping" in str(err)):
            raise _NotDecodable from None
        raise AtlasError(source, f"is not a valid shapefile: {library_message(err, dataset)}") from None


def _shp_frame_decoded(source: str, dataset: str, encodings: tuple[str, ...],
                       ) -> tuple[gpd.GeoDataFrame, str]:
    for encoding in encodings:
        try:
            return _shp_frame(source, dataset, encoding), encoding
        except _NotDecodable:
            continue
    raise AtlasError(source, f"attributes cannot be decoded as {' or '.join(encodings)}; "
                     "add a .cpg file naming their encoding")
