"""Regenerate the sample table of figures: tests/data/sample_figures.csv and its XLSX twin.

    python tests/data/make_tables.py            # rewrite tests/data in place
    python tests/data/make_tables.py OUTDIR     # write the same files under OUTDIR

The figures are SAMPLE numbers made up for tests, not statistics: every row says so in its ``note``
column, and the workbook's second sheet says so again. One row per host district of the Western
(Chongqing) Science City, written as a yearbook export writes them: names with their suffix, GDP
with thousands separators, R&D intensity with a percent sign in the CSV file (a plain number in
the workbook, whose cells hold numbers).

Deterministic: the workbook's timestamps and its zip members' dates are fixed.
"""

from __future__ import annotations

import datetime
import io
import re
import sys
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
FIXED = datetime.datetime(2021, 10, 20)  # the Master Plan's month, as tests/data/make_samples.py uses
NOTE = "SAMPLE numbers for tests; not real statistics"
HEADER = ("district", "gdp_100m_yuan", "population_10k", "rd_intensity_pct", "note")
# district, GDP (100 million yuan), resident population (10,000), R&D spending as % of GDP: all made up
ROWS = [
    ("沙坪坝区", 1000.5, 150.0, 3.0),
    ("北碚区", 600.5, 85.0, 2.5),
    ("九龙坡区", 1500.5, 155.0, 2.8),
    ("江津区", 1200.5, 140.0, 2.0),
    ("璧山区", 800.5, 80.0, 2.2),
]


def csv_text() -> str:
    """The CSV file as a yearbook export writes it (quoted thousands separators, percent signs)."""
    lines = [",".join(HEADER)]
    lines += [f'{name},"{gdp:,.1f}",{people:.1f},{rd:.1f}%,{NOTE}' for name, gdp, people, rd in ROWS]
    return "\n".join(lines) + "\n"


def workbook_bytes() -> bytes:
    """The XLSX twin: sheet "figures" (numbers as numbers) and sheet "about" saying they are samples."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append((*row, NOTE))
    for cell in sheet["B"][1:]:
        cell.number_format = "#,##0.0"
    about = book.create_sheet("about")
    about.append(("about",))
    about.append((NOTE,))
    book.properties.created = FIXED
    raw = io.BytesIO()
    book.save(raw)
    return _fixed_dates(raw.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    """The workbook ``data`` with its members and its "modified" property dated :data:`FIXED` (openpyxl
    dates both at the time of saving)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = src.read(info)
            if info.filename == "docProps/core.xml":
                member = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + FIXED.isoformat().encode() + b"Z",
                                member)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED.timetuple()[:6]), member,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "sample_figures.csv").write_text(csv_text(), encoding="utf-8")
    (out / "sample_figures.xlsx").write_bytes(workbook_bytes())


def main(argv: list[str]) -> int:
    make(Path(argv[1]) if len(argv) > 1 else HERE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
