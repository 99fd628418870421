"""Turn zone tables into text for people (aligned table) and for scripts (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

FORMATS = ("table", "csv", "json")


def _clean(value: Any) -> Any:
    """JSON-ready scalars: NaN becomes None, numpy numbers become Python numbers."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(table: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    return [{c: _clean(row[c]) for c in columns} for _, row in table.iterrows()]


def to_json(rows: list[dict[str, Any]], total: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
    doc = {"zones": rows, "total": {k: _clean(v) for k, v in total.items()}}
    for key, value in (extra or {}).items():
        doc[key] = {k: _clean(v) for k, v in value.items()} if isinstance(value, Mapping) else value
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row[c] is None else row[c] for c in columns})
    return buf.getvalue()


def _cell(value: Any, digits: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _width(text: str) -> int:
    # Wide (CJK) characters take two terminal columns
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def to_table(rows: list[dict[str, Any]], columns: Sequence[str], headers: Mapping[str, str],
             summary: Sequence[tuple[str, str]] = ()) -> str:
    """An aligned plain-text table (numbers right-aligned), then one ``label  value`` line per summary item."""
    precision = {"covered_km2": 3, "length_km": 2, "per_km2": 4}
    digits = {c: precision.get(c, 2 if c.endswith("_pct") else 1) for c in columns}
    grid = [[headers.get(c, c) for c in columns]]
    grid += [[_cell(r[c], digits[c]) for c in columns] for r in rows]
    numeric = [any(isinstance(r[c], (int, float)) for r in rows) for c in columns]
    widths = [max(_width(line[i]) for line in grid) for i in range(len(columns))]

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


def number(value: Any, unit: str = "", digits: int = 1) -> str:
    """``1,198.0 km²`` for the summary lines; an en dash for unknown."""
    value = _clean(value)
    if value is None:
        return "–"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"
    return f"{text}{unit}"
