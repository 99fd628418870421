"""A user's table of figures joined to the map's districts and counties, with a report of every row.

A row joins the unit its key means: a 6-digit code, or a Chinese or English name in any of the
forms :mod:`chengyu.geo.district_names` knows. Nothing is guessed: a row whose key means no unit,
several units (市中区: Leshan's or Neijiang's?) or a unit that is not on the map is not joined, and
:meth:`JoinReport.lines` names it; two rows for one unit are an error. Text columns of numbers
("1,234.5", "12.3%") become numbers when the whole column reads so, and the report says it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from chengyu.geo.boundaries import load_districts
from chengyu.geo.district_names import DistrictNames, key_text, normalized
from chengyu.geo.errors import AtlasError, one_line
from chengyu.geo.written_numbers import read_numbers

#: Why a row joined no unit.
Problem = Literal["no key", "no match", "ambiguous", "off the map"]
#: What a joined column whose name the units already use is renamed with.
CLASH_SUFFIX: Final = "_table"
# Names that geometry files keep for themselves (GDAL's geometry and key columns, a CSV's WKT).
_RESERVED: Final = frozenset({"geom", "geometry", "the_geom", "wkt", "wkb", "fid", "ogc_fid"})
# Units without a row named one by one in the report, before "and N more".
_LISTED_UNITS: Final = 10


@dataclass(frozen=True)
class RowIssue:
    """A row that joined no unit: its number (1 for the first row below the header), its key, why, and
    the units it may mean (for ``ambiguous`` and ``off the map``)."""

    row: int
    key: str | None
    problem: Problem
    units: tuple[str, ...] = ()

    def line(self) -> str:
        """The issue in one line, naming the row by its key.

        >>> issue = RowIssue(3, "市中区", "ambiguous", ("511002 市中区 (内江市)", "511102 市中区 (乐山市)"))
        >>> print(issue.line())  # doctest: +NORMALIZE_WHITESPACE
        '市中区' (row 3) may mean 511002 市中区 (内江市) or 511102 市中区 (乐山市): not joined;
        give its code or its city's name before it
        """
        if self.problem == "no key":
            return f"row {self.row} has an empty key: not joined"
        said = {
            "no match": "matches no district or county: not joined",
            "ambiguous": f"may mean {' or '.join(self.units)}: not joined; give its code or its city's name before it",
            "off the map": f"is {''.join(self.units)}, which is not on the map: not joined",
        }[self.problem]
        return one_line(f"{one_line(repr(self.key), 80)} (row {self.row}) {said}")


@dataclass(frozen=True)
class JoinReport:
    """How a table joined: its source, the key column, counts, each row not joined (:class:`RowIssue`),
    the map's units no row joined, and notes (columns read as numbers, columns renamed)."""

    source: str
    read_as: str | None
    on: str
    rows: int
    joined: int
    issues: tuple[RowIssue, ...]
    without_row: tuple[str, ...]
    notes: tuple[str, ...]

    def lines(self) -> list[str]:
        """The report as lines for a person: a summary, then one line per row not joined, then notes.

        >>> report = JoinReport("gdp.csv", "CSV, GBK", "区县", 2, 1, (RowIssue(2, "合计", "no match"),), (), ())
        >>> print(*report.lines(), sep="\\n")
        gdp.csv (CSV, GBK): key column '区县', 1 of 2 rows joined
        '合计' (row 2) matches no district or county: not joined
        """
        read_as = f" ({self.read_as})" if self.read_as else ""
        out = [one_line(f"{self.source}{read_as}: key column {self.on!r}, {self.joined} of {self.rows} rows joined")]
        out += [issue.line() for issue in self.issues]
        out += [one_line(note) for note in self.notes]
        if self.without_row:
            listed = ", ".join(self.without_row[:_LISTED_UNITS])
            more = len(self.without_row) - _LISTED_UNITS
            out.append(one_line(f"{len(self.without_row)} unit(s) on the map have no row: {listed}"
                                + (f" and {more} more" if more > 0 else "")))
        return out


def join_table(units: gpd.GeoDataFrame, table: pd.DataFrame, on: str | None = None,
               ) -> tuple[gpd.GeoDataFrame, JoinReport]:
    """``units`` (a ``code`` column, as :func:`~chengyu.geo.load_districts` gives) with the columns of
    ``table`` joined by its key column ``on`` (found when None: the column whose values name units best),
    and a report of how each row fared. Units without a row get missing values; the key column itself
    is not joined. Messages name ``table.attrs["source"]`` (set by :func:`~chengyu.geo.data_table.read_table`).

    >>> from chengyu.geo import science_city
    >>> table = pd.DataFrame({"区县": ["沙坪坝", "Beibei District", "合计"], "GDP": ["1,200.5", "800", "2,000.5"]})
    >>> joined, report = join_table(science_city(), table)
    >>> joined.set_index("name_zh").loc[["沙坪坝区", "北碚区", "江津区"], "GDP"].tolist()
    [1200.5, 800.0, nan]
    >>> report.lines()[1]
    "'合计' (row 3) matches no district or county: not joined"
    """
    if "code" not in units.columns:
        raise ValueError("units need a 'code' column of 6-digit division codes, as load_districts() gives")
    source, read_as = str(table.attrs.get("source", "table")), table.attrs.get("read_as")
    table = table.rename(columns=str)  # a frame built in Python may name its columns with numbers
    names = DistrictNames.of(load_districts())
    key = _key_column(source, table, names) if on is None else _given_key(source, table, on, names)
    meanings = [names.codes(value) for value in table[key]]
    _refuse_repeats(source, key, table[key], meanings, names)
    on_map = set(units["code"])
    rows_by_code, issues = _placed(table[key], meanings, on_map, names)
    figures, notes = _figures(table.drop(columns=key))
    joined, renamed = _attached(units, figures.iloc[list(rows_by_code.values())].set_axis(list(rows_by_code)))
    without = tuple(names.labels.get(code, code) for code in units["code"] if code not in rows_by_code)
    report = JoinReport(source, read_as, key, len(table), len(rows_by_code), tuple(issues),
                        without, (*notes, *renamed))
    return joined, report


def _listing(columns: Iterable[object]) -> str:
    return ", ".join(repr(str(c)) for c in columns)


def _unit_rows(values: pd.Series, names: DistrictNames) -> int:
    """How many of ``values`` mean exactly one unit (counted over distinct values: a table may be long)."""
    try:
        counts = values.value_counts(dropna=True)
    except TypeError:  # lists or mappings (a Parquet column can hold them): not keys
        return 0
    return int(sum(count for value, count in counts.items() if len(names.codes(value)) == 1))


def _key_column(source: str, table: pd.DataFrame, names: DistrictNames) -> str:
    """The column whose values name units best; an AtlasError asking for ``on=`` when none or several do."""
    scores = {column: _unit_rows(table[column], names) for column in table.columns}
    best = max(scores.values(), default=0)
    if best == 0:
        raise AtlasError(source, f"no column holds district codes or names (its columns: {_listing(table.columns)}); "
                         "name the key column with on=")
    tied = [column for column, score in scores.items() if score == best]
    if len(tied) > 1:
        raise AtlasError(source, f"columns {_listing(tied)} each name {best} districts; pick the key column with on=")
    return tied[0]


def _given_key(source: str, table: pd.DataFrame, on: str, names: DistrictNames) -> str:
    if on not in table.columns:
        raise AtlasError(source, f"has no column {on!r} (on=); its columns: {_listing(table.columns)}")
    if not any(names.codes(value) for value in table[on]):
        first = next((key_text(v) for v in table[on] if key_text(v) is not None), None)
        raise AtlasError(source, f"column {on!r} (on=) holds no district code or name (its first value: {first!r}); "
                         f"its columns: {_listing(table.columns)}")
    return on


def _refuse_repeats(source: str, key: str, values: pd.Series, meanings: list[tuple[str, ...]],
                    names: DistrictNames) -> None:
    """Two rows that mean one unit (沙坪坝 twice, or 沙坪坝 and 沙坪坝区) are an error naming them: the join
    would have to pick one. Repeated keys that mean no unit (合计, 小计) only join nothing, and are reported."""
    rows_by_key: defaultdict[str, list[int]] = defaultdict(list)
    keys_by_code: defaultdict[str, list[str]] = defaultdict(list)
    for row, (value, codes) in enumerate(zip(values, meanings, strict=True), start=1):
        text = key_text(value)
        if text is None or not codes:
            continue
        rows_by_key[normalized(text)].append(row)
        if len(codes) == 1 and text not in keys_by_code[codes[0]]:
            keys_by_code[codes[0]].append(text)
    repeated = [(values.iloc[rows[0] - 1], rows) for rows in rows_by_key.values() if len(rows) > 1]
    if repeated:
        said = "; ".join(f"{key_text(v)!r} in rows {', '.join(map(str, rows))}" for v, rows in repeated)
        raise AtlasError(source, f"key column {key!r} repeats {said}; keep one row per district")
    twins = [(keys, code) for code, keys in keys_by_code.items() if len(keys) > 1]
    if twins:
        said = "; ".join(f"{' and '.join(map(repr, keys))} all mean {names.labels[code]}" for keys, code in twins)
        raise AtlasError(source, f"key column {key!r}: {said}; keep one row per district")


def _placed(values: pd.Series, meanings: list[tuple[str, ...]], on_map: set[str], names: DistrictNames,
            ) -> tuple[dict[str, int], list[RowIssue]]:
    """Each joined row's position by its unit's code, and an issue for every other row."""
    rows_by_code: dict[str, int] = {}
    issues: list[RowIssue] = []
    for position, (value, codes) in enumerate(zip(values, meanings, strict=True)):
        key, row = key_text(value), position + 1
        if key is None:
            issues.append(RowIssue(row, None, "no key"))
        elif not codes:
            issues.append(RowIssue(row, key, "no match"))
        elif len(codes) > 1:
            issues.append(RowIssue(row, key, "ambiguous", tuple(names.labels[c] for c in codes)))
        elif codes[0] not in on_map:
            issues.append(RowIssue(row, key, "off the map", (names.labels[codes[0]],)))
        else:
            rows_by_code[codes[0]] = position
    return rows_by_code, issues


def _figures(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The table's text columns that are numbers throughout, as numbers, with a note for each."""
    out = table.copy()
    notes = []
    for column in table.columns:
        if pd.api.types.is_object_dtype(table[column]) or pd.api.types.is_string_dtype(table[column]):
            reading = read_numbers(table[column])
            if reading.numbers is not None:
                out[column] = reading.numbers
            if reading.note:
                notes.append(reading.note)
        if pd.api.types.is_float_dtype(out[column]):
            infinite = np.isinf(out[column].to_numpy(dtype=float))
            if infinite.any():  # a figure no map can class or colour: missing, and said so
                out[column] = out[column].mask(infinite)
                notes.append(f"column {column!r}: {int(infinite.sum())} infinite value(s) read as missing")
    return out, notes


def _attached(units: gpd.GeoDataFrame, figures: pd.DataFrame) -> tuple[gpd.GeoDataFrame, list[str]]:
    """``units`` with ``figures`` (indexed by code) beside them; a column name the units use gets
    :data:`CLASH_SUFFIX`, and a note saying so."""
    # compared ignoring case, as GeoPackage, Shapefile and CSV field names are, with the names their
    # writers keep for the geometry and the key: an export of the joined units must not refuse a column
    taken = {str(c).lower() for c in units.columns} | _RESERVED
    renamed: dict[str, str] = {}
    notes = []
    for column in figures.columns:
        name, n = str(column), 1
        while name.lower() in taken:
            name = f"{column}{CLASH_SUFFIX}" + (str(n) if n > 1 else "")
            n += 1
        if name != column:
            renamed[column] = name
            notes.append(f"column {column!r} is also a column of the map's units or a name files keep for "
                         f"their own use (any case): joined as {name!r}")
        taken.add(name.lower())
    aligned = figures.rename(columns=renamed).reindex(units["code"].tolist())
    # side by side by position, not by index: the units' index need not be unique
    joined = pd.concat([units.reset_index(drop=True), aligned.reset_index(drop=True)], axis=1).set_axis(units.index)
    return gpd.GeoDataFrame(joined, geometry=units.geometry.name, crs=units.crs), notes
