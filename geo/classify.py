"""Classed values for choropleth colouring (mapclassify), with legend labels."""

from __future__ import annotations

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
    """``labels[i]`` is the class (0..k-1) of value i; ``bins`` the upper bounds; ``lower`` the minimum."""

    scheme: str
    labels: np.ndarray
    bins: np.ndarray
    lower: float

    @property
    def k(self) -> int:
        return len(self.bins)

    def legend_labels(self, unit: str = "", digits: int = 0) -> list[str]:
        """``["35 – 1,240 km²", …]``: one label per class, bounds as classified."""
        suffix = f" {unit}" if unit else ""
        edges = [self.lower, *self.bins]
        return [f"{edges[i]:,.{digits}f} – {edges[i + 1]:,.{digits}f}{suffix}" for i in range(self.k)]


def classify(values: pd.Series, scheme: str = "quantiles", k: int = 5) -> Classes:
    """Classify numeric values into ``k`` classes with a mapclassify scheme.

    >>> c = classify(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), "equal_interval", k=2)
    >>> c.labels.tolist(), c.legend_labels()
    ([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], ['1 – 6', '6 – 10'])
    """
    if scheme not in CLASS_SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {', '.join(CLASS_SCHEMES)}")
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(numbers).all():
        raise ValueError(f"column {values.name!r} has missing or non-numeric values")
    k = max(1, min(int(k), len(np.unique(numbers))))
    import mapclassify  # imports scipy: a second and more, paid only when colouring by classes

    classifier = getattr(mapclassify, CLASS_SCHEMES[scheme])(numbers, k=k)
    return Classes(scheme=scheme, labels=np.asarray(classifier.yb), bins=np.asarray(classifier.bins),
                   lower=float(numbers.min()))
