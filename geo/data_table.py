"""Reading a user's table of figures: a CSV file (UTF-8 or GBK), a sheet of an XLSX workbook, or Parquet.

Planners bring figures per district as a table from a statistical yearbook, not as a layer. What a
file is comes from its first bytes before its name: a zip is an XLSX workbook, ``PAR1`` is Parquet,
an OLE compound file is an Excel 97–2003 workbook or a password-protected one (both refused with
what to do). A CSV file is decoded as strict UTF-8 (with or without a byte-order mark) and, failing
that, as GBK; never anything else. The first row is the header.

The frame's ``attrs`` say where it came from: ``attrs["source"]``, the path as given, and
``attrs["read_as"]`` ("CSV, UTF-8", "CSV, GBK", "XLSX, sheet 'GDP'", "Parquet"), which the join's
report repeats (:func:`chengyu.geo.join.join_table`).
"""

from __future__ import annotations

import codecs
import os
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final, Literal
from xml.etree.ElementTree import ParseError

import openpyxl  # type: ignore[import-untyped]
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from chengyu.geo.errors import AtlasError
from chengyu.geo.inputs import check_zip, first_bytes, zip_members
from chengyu.geo.limits import TABLE_ROWS

#: File name endings read as CSV text, XLSX workbooks and Parquet (first bytes decide before a name).
TEXT_SUFFIXES: Final = (".csv", ".tsv", ".txt")
WORKBOOK_SUFFIXES: Final = (".xlsx", ".xlsm")
PARQUET_SUFFIXES: Final = (".parquet", ".pq")

_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")
_OLE_MAGIC: Final = bytes.fromhex("d0cf11e0a1b11ae1")
_PARQUET_MAGIC: Final = b"PAR1"
# An OLE file holding an encrypted OOXML package names its stream so, in UTF-16 (its directory's encoding).
_ENCRYPTED_STREAM: Final = "EncryptedPackage".encode("utf-16-le")
# Bytes no text file holds: C0 controls but tab, line feed, form feed, carriage return and escape (which a
# hostile CSV file may hold, and messages escape).
_NOT_TEXT: Final = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_DELIMITERS: Final = (",", "\t", ";")
# What openpyxl (and the zip and XML modules under it) raises on a workbook it cannot make sense of.
_WORKBOOK_ERRORS: Final = (InvalidFileException, zipfile.BadZipFile, ParseError, KeyError, ValueError, TypeError,
                           IndexError, AttributeError, OSError, EOFError)
_PARQUET_ERRORS: Final = (pa.ArrowException, OSError, ValueError)


def read_table(path: str | os.PathLike[str], sheet: str | int | None = None) -> pd.DataFrame:
    r"""The table in ``path``: a CSV file, a sheet of an XLSX workbook (``sheet``: its name or its
    0-based position; the first by default), or a Parquet file. Bad input is an AtlasError naming it.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "gdp.csv"
    >>> _ = path.write_bytes("区县,GDP\n沙坪坝区,1200.5\n".encode("gbk"))
    >>> table = read_table(path)
    >>> table.loc[0, "区县"], float(table.loc[0, "GDP"]), table.attrs["read_as"]
    ('沙坪坝区', 1200.5, 'CSV, GBK')
    """
    source = os.fspath(path)
    p = Path(source)
    head = first_bytes(source, p)
    kind = _kind(source, p, head)
    if sheet is not None and kind != "XLSX":
        raise AtlasError(source, f"is a {kind} file, which has no sheets; sheet= is for XLSX workbooks")
    if kind == "XLSX":
        table, read_as = _read_xlsx(source, p, sheet)
    elif kind == "Parquet":
        table, read_as = _read_parquet(source, p), "Parquet"
    else:
        table, read_as = _read_csv(source, p, head)
    if len(table) > TABLE_ROWS.value():
        raise _too_many_rows(source)
    if table.empty:
        raise AtlasError(source, f"has a header ({len(table.columns)} columns) but no rows below it")
    table.columns = pd.Index([str(c) for c in table.columns])
    table.attrs.update(source=source, read_as=read_as)
    return table


def _too_many_rows(source: str) -> AtlasError:
    limit = int(TABLE_ROWS.value())
    # said as Limit.says() does, with the count written out (says() would write 1e+06)
    return AtlasError(source, f"has more than {limit:,} rows, more than a table of districts needs "
                      f"(limit {TABLE_ROWS.env}={limit}; set that environment variable to raise it)")


def _kind(source: str, p: Path, head: bytes) -> Literal["XLSX", "Parquet", "CSV"]:
    """ "XLSX", "Parquet" or "CSV", from the first bytes, then the name; an AtlasError for anything else."""
    suffix = p.suffix.lower()
    if head.startswith(_OLE_MAGIC):
        _refuse_ole(source, p)
    if head.startswith(_ZIP_MAGIC) or suffix in WORKBOOK_SUFFIXES:
        return "XLSX"
    if head.startswith(_PARQUET_MAGIC) or suffix in PARQUET_SUFFIXES:
        return "Parquet"
    if suffix == ".xls":
        raise AtlasError(source, "is not an Excel workbook despite its name (an HTML page saved as .xls?); "
                         "open it in Excel and save it as .xlsx or CSV UTF-8")
    if suffix not in TEXT_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "no extension"
        raise AtlasError(source, f"unknown table type ({shown}); expected one of "
                         f"{', '.join((*TEXT_SUFFIXES, *WORKBOOK_SUFFIXES, *PARQUET_SUFFIXES))}")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise AtlasError(source, "is UTF-16 text (Excel's 'Unicode Text'); save it as CSV UTF-8")
    if _NOT_TEXT.search(head):
        raise AtlasError(source, "is not a table: it is a binary file, neither CSV text, XLSX nor Parquet")
    text = head.removeprefix(codecs.BOM_UTF8).lstrip()
    if text[:1] in (b"{", b"["):
        raise AtlasError(source, "is JSON, not a table; give it as CSV, XLSX or Parquet")
    if text[:1] == b"<":
        raise AtlasError(source, "is HTML or XML, not a table; open it in Excel and save it as .xlsx or CSV UTF-8")
    return "CSV"


def _refuse_ole(source: str, p: Path) -> None:
    """An OLE compound file is never read: say whether it is a password-protected workbook or an old one."""
    keep = len(_ENCRYPTED_STREAM) - 1  # a name cut by a chunk's end is found in the next
    tail = b""
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(2**20), b""):
            if _ENCRYPTED_STREAM in tail + chunk:
                raise AtlasError(source, "is a password-protected workbook; open it in Excel and save it "
                                 "without a password (File > Info > Protect Workbook)")
            tail = chunk[-keep:]
    raise AtlasError(source, "is an Excel 97-2003 workbook (.xls), which is not read; save it as .xlsx")


def _delimiter(head: bytes) -> str:
    """The delimiter of a CSV file, the one its header line holds most of (comma on a tie).

    >>> _delimiter(b"a;b;c,d\\n1;2;3,4"), _delimiter("区县\\tGDP".encode("gbk")), _delimiter(b"name")
    (';', '\\t', ',')
    """
    line = head.splitlines()[0] if head else b""
    return max(_DELIMITERS, key=lambda d: line.count(d.encode()))  # ASCII: never inside a GBK character


def _read_csv(source: str, p: Path, head: bytes) -> tuple[pd.DataFrame, str]:
    """The CSV table and how it was decoded: strict UTF-8 first, then GBK, never a guess beyond."""
    utf8 = "UTF-8 with a byte-order mark" if head.startswith(codecs.BOM_UTF8) else "UTF-8"
    for encoding, label in (("utf-8-sig", utf8), ("gbk", "GBK")):
        try:
            with open(p, "rb") as fh, warnings.catch_warnings():
                # a row longer than the header: pandas would make its first cell an index, or drop cells
                warnings.simplefilter("error", pd.errors.ParserWarning)
                table = pd.read_csv(fh, sep=_delimiter(head), encoding=encoding, encoding_errors="strict",
                                    index_col=False, nrows=int(TABLE_ROWS.value()) + 1)
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserWarning:
            raise AtlasError(source, "is not a readable CSV table: a row has more cells than the header") from None
        except pd.errors.EmptyDataError:
            raise AtlasError(source, "holds no table (only blank lines)") from None
        except (pd.errors.ParserError, ValueError, OSError) as err:
            raise AtlasError(source, f"is not a readable CSV table: {err}") from None
        return table, f"CSV, {label}"
    raise AtlasError(source, "is neither UTF-8 nor GBK text; save it as CSV UTF-8")


def _read_xlsx(source: str, p: Path, sheet: str | int | None) -> tuple[pd.DataFrame, str]:
    """The chosen sheet of an XLSX workbook as a frame, and which sheet it was."""
    infos = zip_members(source, p, "XLSX workbook")
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise AtlasError(source, "is a zip archive, not an XLSX workbook (it has no xl/workbook.xml)")
    check_zip(source, p, infos)  # not encrypted, not a zip bomb
    try:
        with open(p, "rb") as fh:
            book = openpyxl.load_workbook(fh, read_only=True, data_only=True)  # formulas: their saved values
            try:
                name = _sheet_name(source, book.sheetnames, sheet)
                worksheet = book[name]
                if not hasattr(worksheet, "iter_rows"):
                    raise AtlasError(source, f"sheet {name!r} is a chart, not a table; pick another with sheet=")
                table = _frame(source, name, worksheet.iter_rows(values_only=True))
            finally:
                book.close()
    except _WORKBOOK_ERRORS as err:
        raise AtlasError(source, f"cannot be read as an XLSX workbook (corrupt?): {type(err).__name__}: {err}"
                         ) from None
    return table, f"XLSX, sheet {name!r}"


def _sheet_name(source: str, names: list[str], sheet: str | int | None) -> str:
    """The name of the sheet ``sheet`` picks among ``names``, or an AtlasError listing them."""
    if not names:
        raise AtlasError(source, "has no sheets")
    if sheet is None:
        return names[0]
    if isinstance(sheet, str) and sheet not in names and sheet.isdigit():
        sheet = int(sheet)  # as a command line gives it: a number that names no sheet is its position
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return names[sheet]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    wanted = f"no sheet {sheet!r}" if isinstance(sheet, str) else f"no sheet at position {sheet} (counting from 0)"
    listed = ", ".join(f"{i}: {n!r}" for i, n in enumerate(names))
    raise AtlasError(source, f"has {wanted}; its sheets are {listed}; pick one with sheet=")


def _frame(source: str, sheet: str, rows: Iterable[tuple[Any, ...]]) -> pd.DataFrame:
    """A sheet's rows as a frame: the first row with a value is the header; empty rows are skipped."""
    limit = int(TABLE_ROWS.value())
    filled: Iterator[tuple[Any, ...]] = (r for r in rows if any(v is not None and v != "" for v in r))
    header = next(filled, None)
    if header is None:
        raise AtlasError(source, f"sheet {sheet!r} is empty")
    body: list[tuple[Any, ...]] = []
    for row in filled:
        if len(body) == limit:
            raise _too_many_rows(source)
        body.append(row)
    # openpyxl pads rows to the sheet's width, which formatting alone can stretch: keep columns with a value
    width = max((i + 1 for r in (header, *body) for i, v in enumerate(r) if v is not None and v != ""), default=0)
    names = _header_names(header[:width])
    return pd.DataFrame([(*r[:width], *[None] * (width - len(r))) for r in body], columns=names)


def _header_names(cells: tuple[Any, ...]) -> list[str]:
    """Column names from header cells, as pandas names a CSV file's: blanks "Unnamed: i", repeats "x.1".

    >>> _header_names(("区县", None, "GDP", "GDP", 2023))
    ['区县', 'Unnamed: 1', 'GDP', 'GDP.1', '2023']
    """
    names: list[str] = []
    for i, cell in enumerate(cells):
        name = f"Unnamed: {i}" if cell is None or str(cell).strip() == "" else str(cell).strip()
        base, n = name, 0
        while name in names:
            n += 1
            name = f"{base}.{n}"
        names.append(name)
    return names


def _read_parquet(source: str, p: Path) -> pd.DataFrame:
    try:
        with open(p, "rb") as fh:
            parquet = pq.ParquetFile(fh)
            if parquet.metadata.num_rows > TABLE_ROWS.value():
                raise _too_many_rows(source)
            return parquet.read().to_pandas()
    except _PARQUET_ERRORS as err:
        raise AtlasError(source, f"is not a readable Parquet file: {err}") from None
