"""Units coloured by classes of a figure: sequential for one sign, diverging around zero for both,
"no data" drawn and counted apart, never guessed.

>>> import pandas as pd
>>> units = pd.DataFrame({"gdp": [10.0, 20.0, None, 40.0], "area_km2": [1.0, 2.0, 3.0, 4.0]})
>>> shades = choropleth(units, Colouring("gdp", k=3))
>>> shades.fills, shades.missing
(['#ffffcc', '#41b6c4', None, '#0c2c84'], 1)
>>> shades.title
Words(zh='gdp（分位数，3 级）', en='gdp (quantiles, 3 classes)')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from chengyu.geo.classify import CLASS_SCHEMES, Classes, classify, per_km2
from chengyu.geo.fields import FIELDS
from chengyu.maps import style
from chengyu.maps.design import UnitLayer
from chengyu.maps.i18n import Words, figure, in_unit, same, words

__all__ = ["DIVERGING", "MAX_FIGURES", "NO_DATA", "SEQUENTIAL", "Colouring", "Shades", "choropleth", "classed_layers"]

#: How many of a user's columns a unit's tooltip lists (its popup lists them all).
MAX_FIGURES = 5

SEQUENTIAL = style.SEQUENTIAL
# ColorBrewer RdBu (11): blues below zero, reds above, the palest nearest to it.
DIVERGING_BELOW = ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0"]
DIVERGING_ABOVE = ["#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"]
DIVERGING = DIVERGING_BELOW + DIVERGING_ABOVE
#: Units without a value: pale grey, a dashed edge (and hatching on paper).
NO_DATA = {"color": "#666666", "weight": 0.7, "dashArray": "3 3", "fillColor": "#d9d9d9", "fillOpacity": 0.7,
           "hatch": "///"}


@dataclass(frozen=True)
class Colouring:
    """Colour units by classes of ``column`` (``scheme`` of :data:`geo.classify.CLASS_SCHEMES`, ``k``
    classes), per km² of their computed area when ``per_km2``."""

    column: str
    scheme: str = "quantiles"
    k: int = 5
    per_km2: bool = False

    def __post_init__(self) -> None:
        if self.scheme not in CLASS_SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}; choose one of {', '.join(CLASS_SCHEMES)}")


@dataclass(frozen=True)
class Shades:
    """Each unit's fill (None: no data), the legend's items and title, and how many units have no value."""

    fills: list[str | None]
    legend: list[style.LegendItem]
    title: Words
    missing: int


def _spread(palette: Sequence[str], k: int) -> list[str]:
    """``k`` colours of ``palette`` spread from its first to its last."""
    if k == 1:
        return [palette[len(palette) // 2]]
    return [palette[round(i * (len(palette) - 1) / (k - 1))] for i in range(k)]


def _colours(classes: Classes) -> list[str]:
    """A colour per class: light to dark for one sign; dark blue to pale below zero, pale to dark red above."""
    if not classes.diverging:
        return _spread(SEQUENTIAL, classes.k)
    return _spread(DIVERGING_BELOW, classes.negative) + _spread(DIVERGING_ABOVE, classes.k - classes.negative)


def _in_unit(classes: Classes, column: str, per_area: bool) -> list[Words]:
    """The legend's ranges of values ("35 – 1,240", "3.5万 – 12万") in ``column``'s unit, per km² if
    ``per_area``, each language writing its numbers its own way."""
    field = FIELDS.get(column)
    unit = field.unit if field is not None else ("%" if column.endswith("_pct") else "")
    ranges = [Words(zh, en) for zh, en in zip(classes.legend_labels(number=lambda v, d: figure(v, "zh", d)),
                                              classes.legend_labels(number=lambda v, d: figure(v, "en", d)),
                                              strict=True)]
    labels = [in_unit(text, unit) for text in ranges]
    return [in_unit(label, "per km²") for label in labels] if per_area else labels


def choropleth(units: pd.DataFrame, colouring: Colouring, *, look: dict[str, object] | None = None) -> Shades:
    """The fills of ``units`` by ``colouring`` and the legend that reads them back; ``look``: the
    coloured layer's path options, for the legend's swatches."""
    values = units[colouring.column]
    if colouring.per_km2:
        values = per_km2(values, units["area_km2"])
    classes = classify(values.rename(colouring.column), scheme=colouring.scheme, k=colouring.k)
    colours = _colours(classes)
    fills = [colours[int(c)] if c >= 0 else None for c in classes.labels]
    swatch = dict(look or {"color": "#ffffff", "weight": 0.7, "fillOpacity": 0.6})
    labels = _in_unit(classes, colouring.column, colouring.per_km2)
    legend = [style.LegendItem(label, {**swatch, "fillColor": colours[i]}) for i, label in enumerate(labels)]
    if classes.missing:
        missing = words("legend.no_data", count=classes.missing) if classes.missing > 1 else words("legend.no_data_one")
        legend.append(style.LegendItem(missing, NO_DATA))
    name = words("legend.per_km2", column=colouring.column) if colouring.per_km2 else same(colouring.column)
    title = words("legend.classed_diverging" if classes.diverging else "legend.classed", column=name,
                  scheme=words(f"scheme.{classes.scheme}"), k=classes.k)
    return Shades(fills, legend, title, classes.missing)


def classed_layers(units: gpd.GeoDataFrame, shades: Shades, name: Words, look: dict[str, object]) -> list[UnitLayer]:
    """``units`` as a layer filled by ``shades``, and those without a value as a "no data" layer above it."""
    known = [fill is not None for fill in shades.fills]
    layers = [UnitLayer(units[known], name, look, fills=[f for f in shades.fills if f is not None])]
    if shades.missing:
        layers.append(UnitLayer(units[[not k for k in known]], words("layer.no_data", name=name), NO_DATA))
    return layers
