"""Zone tables as text for people (an aligned table) and for scripts (CSV, JSON).

Columns are the output fields of :mod:`chengyu.geo.fields`: their names head CSV and JSON, their
labels and digits the text table.

>>> from chengyu.geo.fields import FIELDS
>>> rows = [{"code": "500106", "area_km2": 396.87, "covered_pct": 0.596}]
>>> print(to_table(rows, [FIELDS["code"], FIELDS["area_km2"], FIELDS["covered_pct"]], [("official area", "396 km²")]))
code    area km²  covered %
------  --------  ---------
500106     396.9       0.60
<BLANKLINE>
official area  396 km²
<BLANKLINE>
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from chengyu.geo.fields import Field

FORMATS = ("table", "csv", "json")


def _plain(value: Any) -> Any:
    """JSON-ready scalars: NaN becomes None, numpy numbers become Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def shown(field: Field, value: Any) -> str:
    """``value`` as people read it: whole numbers whole (a count, an official figure), other numbers
    to ``field``'s digits, "–" for unknown.

    >>> from chengyu.geo.fields import FIELDS
    >>> shown(FIELDS["area_km2"], 1198), shown(FIELDS["area_km2"], 1198.04), shown(FIELDS["area_km2"], None)
    ('1,198', '1,198.0', '–')
    """
    value = _plain(value)
    if isinstance(value, int):
        return f"{value:,}"
    if value is None or isinstance(value, float):
        return field.shown(value)
    return str(value)


def records(table: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """The ``columns`` of each row of ``table``, as plain values."""
    return [{c: _plain(row[c]) for c in columns} for _, row in table.iterrows()]


def to_json(rows: list[dict[str, Any]], total: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
    """``{"zones": rows, "total": total, **extra}`` as indented JSON, NaN as null."""
    doc = {"zones": rows, "total": {k: _plain(v) for k, v in total.items()}}
    for key, value in (extra or {}).items():
        doc[key] = {k: _plain(v) for k, v in value.items()} if isinstance(value, Mapping) else value
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    """The ``columns`` of ``rows`` as CSV, unknown values empty."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row[c] is None else row[c] for c in columns})
    return buf.getvalue()


def _width(text: str) -> int:
    # Wide (CJK) characters take two terminal columns
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_table(rows: list[dict[str, Any]], fields: Sequence[Field], summary: Sequence[tuple[str, str]] = ()) -> str:
    """An aligned plain-text table of ``fields`` (numbers right-aligned), then one ``label  value`` line
    per summary item."""
    grid = [[f.label for f in fields]]
    grid += [["" if r[f.name] is None else shown(f, r[f.name]) for f in fields] for r in rows]
    numeric = [any(isinstance(r[f.name], (int, float)) for r in rows) for f in fields]
    widths = [max(_width(line[i]) for line in grid) for i in range(len(fields))]

    def fmt(line: list[str]) -> str:
        cells = []
        for i, text in enumerate(line):
            pad = " " * (widths[i] - _width(text))
            cells.append(pad + text if numeric[i] else text + pad)
        return "  ".join(cells).rstrip()

    out = [fmt(grid[0]), "  ".join("-" * w for w in widths)]
    out += [fmt(line) for line in grid[1:]]
    if summary:
        label_width = max(_width(label) for label, _ in summary)
        out.append("")
        out += [f"{label}{' ' * (label_width - _width(label))}  {value}" for label, value in summary]
    return "\n".join(out) + "\n"
