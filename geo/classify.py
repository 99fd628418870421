"""Classed values for choropleth colouring (mapclassify), with legend labels.

Values may be missing (a unit the user's table has no figure for): those get class -1 and are
counted, never guessed. Values on both sides of zero (a change, a balance) are classed on each
side separately, with zero a class boundary, so that a diverging palette can show the sign.

>>> c = classify(pd.Series([-30.0, -10.0, 5.0, 20.0, 40.0, None]), "equal_interval", k=4)
>>> c.labels.tolist(), c.negative, c.missing
([0, 1, 2, 2, 3, -1], 2, 1)
>>> c.legend_labels()
['-30 – -20', '-20 – 0', '0 – 22.5', '22.5 – 40']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

CLASS_SCHEMES: dict[str, str] = {
    "quantiles": "Quantiles",
    "equal_interval": "EqualInterval",
    "natural_breaks": "NaturalBreaks",
    "fisher_jenks": "FisherJenks",
}


@dataclass(frozen=True)
class Classes:
    """``labels[i]`` is the class (0..k-1) of value i, -1 where it is missing; ``bins`` the classes'
    upper bounds; ``lower`` the minimum; the first ``negative`` classes hold the values below zero
    (0 unless the values have both signs)."""

    scheme: str
    labels: np.ndarray
    bins: np.ndarray
    lower: float
    negative: int = 0

    @property
    def k(self) -> int:
        return len(self.bins)

    @property
    def missing(self) -> int:
        """How many values are missing (class -1)."""
        return int((self.labels < 0).sum())

    @property
    def diverging(self) -> bool:
        return self.negative > 0

    def legend_labels(self, unit: str = "", digits: int | None = None,
                      number: Callable[[float, int], str] | None = None) -> list[str]:
        """``["35 – 1,240 km²", …]``: one label per class, bounds as classified, with ``digits``
        decimals (by default three significant digits of the narrowest class, at most 6 decimals;
        trailing zeros dropped), each bound written by ``number(value, digits)`` if given.

        >>> classify(pd.Series([0.0001, 0.0002, 0.0003, 0.0004]), "equal_interval", k=2).legend_labels()
        ['0.0001 – 0.00025', '0.00025 – 0.0004']
        """
        suffix = f" {unit}" if unit else ""
        edges = [self.lower, *self.bins]
        if digits is None:
            widths = [b - a for a, b in zip(edges, edges[1:], strict=False) if b > a]
            digits = min(6, max(0, 2 - math.floor(math.log10(min(widths))))) if widths else 0
        write = number or written
        return [f"{write(edges[i], digits)} – {write(edges[i + 1], digits)}{suffix}" for i in range(self.k)]


def written(value: float, digits: int, separator: str = ",") -> str:
    """``value`` with thousands ``separator`` (none: "") and at most ``digits`` decimals, trailing zeros
    dropped.

    >>> written(1240.50, 2), written(-0.0, 1), written(1240.5, 2, "")
    ('1,240.5', '0', '1240.5')
    """
    text = f"{value:,.{digits}f}".replace(",", separator)
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "-0" else text


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5) -> Classes:
    """Classify numeric values into ``k`` classes with a mapclassify scheme (missing values: class -1).

    >>> c = classify(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "equal_interval", k=2)
    >>> c.labels.tolist(), c.legend_labels()
    ([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], ['1 – 5.5', '5.5 – 10'])
    """
    if scheme not in CLASS_SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(CLASS_SCHEMES)}")
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    known = np.isfinite(numbers)
    if not known.any():
        raise ValueError(f"column {values.name!r} has no numeric values")
    labels = np.full(len(numbers), -1)
    present = numbers[known]
    if present.min() < 0 <= present.max() and present.max() > 0:
        below = present < 0
        k_below = min(max(1, round(k * below.mean())), k - 1) if k > 1 else 1
        neg_labels, neg_bins = _classes(present[below], scheme, k_below)
        pos_labels, pos_bins = _classes(present[~below], scheme, max(1, k - k_below))
        neg_bins[-1] = 0.0  # zero is the boundary between the signs
        part = np.empty(len(present), dtype=int)
        part[below], part[~below] = neg_labels, pos_labels + len(neg_bins)
        labels[known] = part
        return Classes(scheme, labels, np.concatenate([neg_bins, pos_bins]), float(present.min()), len(neg_bins))
    labels[known], bins = _classes(present, scheme, k)
    return Classes(scheme, labels, bins, float(present.min()))


def _classes(numbers: np.ndarray, scheme: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class labels and upper bounds of ``numbers`` (all known) in at most ``k`` classes."""
    k = max(1, min(int(k), len(np.unique(numbers))))
    if k == 1:
        return np.zeros(len(numbers), dtype=int), np.array([numbers.max()])
    import mapclassify  # imports scipy: a second and more, paid only when colouring by classes

    classifier = getattr(mapclassify, CLASS_SCHEMES[scheme])(numbers, k=k)
    return np.asarray(classifier.yb, dtype=int), np.asarray(classifier.bins, dtype=float)


def per_km2(values: pd.Series, area_km2: pd.Series) -> pd.Series:
    """``values`` per km² of ``area_km2`` (the units' computed areas), named ``"<name> per km²"``.

    >>> per_km2(pd.Series([100.0, None], name="gdp"), pd.Series([50.0, 10.0])).tolist()
    [2.0, nan]
    """
    out = pd.to_numeric(values, errors="coerce") / area_km2.to_numpy(dtype=float)
    return out.rename(f"{values.name} per km²")
