"""Numbers written as text in a table: "1,234.5", "12.3%", full-width "１２３", read as numbers.

A column is read as numbers only when every value in it is one, so that a column of codes or
names is never half converted; what was dropped on the way (thousands separators, percent signs)
is said, and so is the first value that kept a mostly numeric column as text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from numbers import Real
from typing import Final

import pandas as pd

# digits with or without thousands separators, a decimal part, and a percent sign
_WRITTEN: Final = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?%?")


@dataclass(frozen=True)
class Reading:
    """What became of a text column: ``numbers`` (None when it stays text) and a note saying so."""

    numbers: pd.Series | None
    note: str | None


def _cleaned(value: object) -> str | None:
    """A cell's text as a number is written, or None when it is empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def read_numbers(column: pd.Series) -> Reading:
    """``column`` read as numbers when each of its values is one (empty cells become NaN).

    >>> r = read_numbers(pd.Series(["1,234.5", "12", None], name="gdp"))
    >>> r.numbers.tolist(), r.note
    ([1234.5, 12.0, nan], "column 'gdp' read as numbers (thousands separators dropped)")
    >>> read_numbers(pd.Series(["12.3%", "4%"], name="rate")).note
    "column 'rate' read as numbers (percent signs dropped: 12.3% is 12.3)"
    >>> read_numbers(pd.Series(["１２％", "1.5"], name="rate")).note
    "column 'rate' left as text: some values have a percent sign, some not"
    >>> read_numbers(pd.Series(["1.5", "—", "2"], name="gdp")).note
    "column 'gdp' left as text: '—' is not a number"
    >>> read_numbers(pd.Series(["沙坪坝", "北碚"], name="name"))
    Reading(numbers=None, note=None)
    """
    numbers: list[float] = []
    failed: list[str] = []
    separators = percents = 0
    example = ""  # a value written with a percent sign, to show what it became
    for value in column:
        if isinstance(value, Real) and not isinstance(value, bool):  # a cell that holds a number already
            numbers.append(float(value))
            continue
        text = _cleaned(value)
        if text is None:
            numbers.append(float("nan"))
        elif _WRITTEN.fullmatch(text) and any(c.isdigit() for c in text):
            separators += "," in text
            numbers.append(float(text.replace(",", "").removesuffix("%")))
            if text.endswith("%"):
                percents += 1
                example = example or f"{text} is {numbers[-1]:g}"
        else:
            failed.append(text)
    written = sum(n == n for n in numbers)  # not NaN: a number was there
    name = column.name
    if failed:
        # said only where most values are numbers: a column of names is text and needs no word
        return Reading(None, f"column {name!r} left as text: {failed[0]!r} is not a number"
                       if written > len(failed) else None)
    if written == 0:
        return Reading(None, None)
    if 0 < percents < written:
        return Reading(None, f"column {name!r} left as text: some values have a percent sign, some not")
    dropped = [what for count, what in ((separators, "thousands separators dropped"),
                                        (percents, f"percent signs dropped: {example}")) if count]
    note = f"column {name!r} read as numbers" + (f" ({'; '.join(dropped)})" if dropped else "")
    return Reading(pd.Series(numbers, index=column.index, name=name), note)
