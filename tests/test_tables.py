"""geo.data_table: a user's table of figures read from CSV (UTF-8, GBK), XLSX or Parquet; bad input refused
in one line naming the file."""

import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from chengyu.geo.data_table import read_table
from chengyu.geo.errors import AtlasError
from tests.data import make_tables

DATA = Path(__file__).resolve().parent / "data"
SAMPLE_CSV = DATA / "sample_figures.csv"
SAMPLE_XLSX = DATA / "sample_figures.xlsx"
OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def refused(path, match: str, **kwargs) -> AtlasError:
    """The AtlasError reading ``path`` raises: one line, naming the file, matching ``match``."""
    with pytest.raises(AtlasError, match=match) as caught:
        read_table(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path) + ": ")
    return caught.value


def test_sample_files_are_what_make_tables_writes(tmp_path):
    make_tables.make(tmp_path)
    for name in ("sample_figures.csv", "sample_figures.xlsx"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_sample_csv_reads_as_written():
    table = read_table(SAMPLE_CSV)
    assert list(table.columns) == ["district", "gdp_100m_yuan", "population_10k", "rd_intensity_pct", "note"]
    assert table["district"].tolist() == ["沙坪坝区", "北碚区", "九龙坡区", "江津区", "璧山区"]
    assert table.loc[2, "gdp_100m_yuan"] == "1,500.5"  # as written: numbers are read by the join
    assert table["population_10k"].tolist() == [150.0, 85.0, 155.0, 140.0, 80.0]
    assert set(table["note"]) == {make_tables.NOTE} and "SAMPLE" in make_tables.NOTE
    assert table.attrs == {"source": str(SAMPLE_CSV), "read_as": "CSV, UTF-8"}


@pytest.mark.parametrize("encoding,read_as", [("utf-8-sig", "CSV, UTF-8 with a byte-order mark"),
                                              ("gbk", "CSV, GBK"), ("utf-8", "CSV, UTF-8")])
def test_csv_encodings_are_told_apart_and_said(tmp_path, encoding, read_as):
    path = tmp_path / "figures.csv"
    path.write_bytes(make_tables.csv_text().encode(encoding))
    table = read_table(path)
    assert table.attrs["read_as"] == read_as
    pd.testing.assert_frame_equal(table, read_table(SAMPLE_CSV), check_like=False, check_flags=False)
    assert table.columns[0] == "district"  # no byte-order mark left in the first name


def test_text_neither_utf8_nor_gbk_is_refused(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("区县,GDP\n".encode() + b"\xff\xfe\xfd,1\n")  # 0xFF starts no GBK character
    refused(path, "is neither UTF-8 nor GBK text; save it as CSV UTF-8")


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_and_semicolon_delimiters(tmp_path, delimiter):
    path = tmp_path / "figures.tsv"
    path.write_text(f"区县{delimiter}GDP\n沙坪坝区{delimiter}1000.5\n", encoding="utf-8")
    assert read_table(path).to_dict("list") == {"区县": ["沙坪坝区"], "GDP": [1000.5]}


def test_xlsx_twin_holds_the_same_figures():
    table = read_table(SAMPLE_XLSX)
    assert table.attrs["read_as"] == "XLSX, sheet 'figures'"
    assert table["district"].tolist() == read_table(SAMPLE_CSV)["district"].tolist()
    assert table["gdp_100m_yuan"].tolist() == [1000.5, 600.5, 1500.5, 1200.5, 800.5]  # cells hold numbers
    assert table["rd_intensity_pct"].tolist() == [3.0, 2.5, 2.8, 2.0, 2.2]


@pytest.mark.parametrize("sheet", ["about", 1])
def test_xlsx_sheet_by_name_or_position(sheet):
    table = read_table(SAMPLE_XLSX, sheet=sheet)
    assert table["about"].tolist() == [make_tables.NOTE]
    assert table.attrs["read_as"] == "XLSX, sheet 'about'"


@pytest.mark.parametrize("sheet,said", [("GDP", "has no sheet 'GDP'"), (2, "has no sheet at position 2")])
def test_missing_sheet_lists_the_sheets(sheet, said):
    err = refused(SAMPLE_XLSX, said, sheet=sheet)
    assert "its sheets are 0: 'figures', 1: 'about'; pick one with sheet=" in str(err)
    assert err.worded({"sheet": "--sheet"}).endswith("pick one with --sheet")


def test_sheet_of_a_csv_file_is_refused():
    refused(SAMPLE_CSV, "is a CSV file, which has no sheets; sheet= is for XLSX workbooks", sheet="GDP")


def test_xlsx_layout_blank_rows_unnamed_and_repeated_columns(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])  # a blank row above the header
    sheet.append(["区县", None, "GDP", "GDP"])
    sheet.append(["沙坪坝区", "x", 1, 2])
    sheet.append([])
    sheet.append(["北碚区", None, 3, None])
    sheet["H9"].number_format = "0.0"  # formatting alone does not make a column
    book.save(tmp_path / "layout.xlsx")
    table = read_table(tmp_path / "layout.xlsx")
    assert list(table.columns) == ["区县", "Unnamed: 1", "GDP", "GDP.1"]
    assert table["区县"].tolist() == ["沙坪坝区", "北碚区"]
    assert table["GDP"].tolist() == [1, 3]


def test_empty_sheet_is_refused(tmp_path):
    import openpyxl

    openpyxl.Workbook().save(tmp_path / "empty.xlsx")
    refused(tmp_path / "empty.xlsx", "sheet 'Sheet' is empty")


def _ole(size: int, at: int | None) -> bytes:
    """An OLE compound file's bytes, with the stream name EncryptedPackage (UTF-16) at ``at``."""
    data = bytearray(OLE_MAGIC + b"\0" * (size - len(OLE_MAGIC)))
    if at is not None:
        name = "EncryptedPackage".encode("utf-16-le")
        data[at:at + len(name)] = name
    return bytes(data)


@pytest.mark.parametrize("at", [1024, 2**20 - 10])  # the second: cut across two chunks of the search
def test_password_protected_workbook_is_named_so(tmp_path, at):
    path = tmp_path / "figures.xlsx"
    path.write_bytes(_ole(2**20 + 4096, at))
    refused(path, "is a password-protected workbook; open it in Excel and save it without a password")


def test_old_xls_workbook_is_refused(tmp_path):
    path = tmp_path / "figures.xls"
    path.write_bytes(_ole(8192, None))
    refused(path, r"is an Excel 97-2003 workbook \(.xls\), which is not read; save it as .xlsx")


def test_corrupt_xlsx_is_refused(tmp_path):
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(SAMPLE_XLSX.read_bytes()[:3000])
    refused(cut, r"is not a valid XLSX workbook \(not a zip archive\)")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(SAMPLE_XLSX) as src, zipfile.ZipFile(broken, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, b"<workbook" if info.filename == "xl/workbook.xml" else src.read(info))
    refused(broken, "cannot be read as an XLSX workbook")
    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    refused(other, r"is a zip archive, not an XLSX workbook \(it has no xl/workbook.xml\)")


def test_xlsx_that_unpacks_past_its_budget_is_refused(monkeypatch):
    monkeypatch.setattr("chengyu.geo.inputs.unzip_budget", lambda size: 1_000)
    refused(SAMPLE_XLSX, "refusing a possible zip bomb .*CHENGYU_MAX_UNZIP_RATIO")


@pytest.mark.parametrize("content,said", [
    (b"", r"is empty \(0 bytes\)"),
    (b"\n\n  \n", r"holds no table \(only blank lines\)"),
    ("区县,GDP\n".encode(), r"has a header \(2 columns\) but no rows below it"),
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "is not a table: it is a binary file"),
    (b'{"type": "FeatureCollection"}', "is JSON, not a table"),
    (b"<html><table></table></html>", "is HTML or XML, not a table"),
    ("区县,GDP\n沙坪坝区,1,2\n".encode(), "is not a readable CSV table: a row has more cells than the header"),
    ("区县,GDP\n沙坪坝区,1\n北碚区,1,2,3\n".encode(), "is not a readable CSV table: .*Expected 2 fields in line 3"),
    ("区县,GDP".encode("utf-16"), r"is UTF-16 text \(Excel's 'Unicode Text'\); save it as CSV UTF-8"),
])
def test_bad_text_files_are_refused(tmp_path, content, said):
    path = tmp_path / "figures.csv"
    path.write_bytes(content)
    refused(path, said)


def test_names_that_are_not_tables(tmp_path):
    layer = tmp_path / "parks.geojson"
    layer.write_text("{}")
    refused(layer, r"unknown table type \('.geojson'\); expected one of .csv, .tsv, .txt, .xlsx")
    page = tmp_path / "yearbook.xls"  # a web page saved with an Excel name, as statistics sites serve them
    page.write_text("<html><table><tr><td>沙坪坝区</td></tr></table></html>")
    refused(page, "is not an Excel workbook despite its name")
    refused(tmp_path / "gone.csv", "does not exist")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(fifo, "is a FIFO")


def test_file_names_are_escaped_in_messages(tmp_path):
    path = tmp_path / "a\x1b[2J\nb.csv"
    path.write_bytes(b"")
    with pytest.raises(AtlasError) as caught:
        read_table(path)
    assert "\n" not in str(caught.value) and "\x1b" not in str(caught.value) and "\\x1b[2J\\nb.csv" in str(caught.value)


def test_parquet_reads_and_a_fake_one_is_refused(tmp_path):
    path = tmp_path / "figures.parquet"
    pd.DataFrame({"code": ["500106", "500109"], "gdp": [1000.5, 600.5]}).to_parquet(path)
    table = read_table(path)
    assert table.to_dict("list") == {"code": ["500106", "500109"], "gdp": [1000.5, 600.5]}
    assert table.attrs["read_as"] == "Parquet"
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PAR1 this is not parquet at all")
    refused(fake, "is not a readable Parquet file")


def _workbook(rows: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["区县", "GDP"])
    for i in range(rows):
        book.active.append([f"区{i}", i])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["figures.csv", "figures.xlsx", "figures.parquet"])
def test_row_budget_names_its_limit(tmp_path, monkeypatch, name):
    monkeypatch.setenv("CHENGYU_MAX_TABLE_ROWS", "3")
    path = tmp_path / name
    frame = pd.DataFrame({"区县": [f"区{i}" for i in range(5)], "GDP": range(5)})
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    elif name.endswith(".parquet"):
        frame.to_parquet(path)
    else:
        path.write_bytes(_workbook(5))
    refused(path, "has more than 3 rows, .*limit CHENGYU_MAX_TABLE_ROWS=3; set that environment variable to raise")
    monkeypatch.setenv("CHENGYU_MAX_TABLE_ROWS", "5")
    assert len(read_table(path)) == 5  # at the limit: read
