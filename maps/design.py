"""What a map shows, apart from how it is drawn: the same design makes the interactive page (folium,
:meth:`MapDesign.folium_map`) and the report image (matplotlib, :func:`chengyu.maps.report_image.draw`).

A design is its title, the extent it is fitted to, the district layers in drawing order (each with
its Leaflet path options, fills per unit and the HTML its units show on hover and click), the
legend and the panel; every text in both languages (:class:`~chengyu.maps.i18n.Words`), for a page
that shows either and for paper printed in one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from markupsafe import Markup

from chengyu.maps import style
from chengyu.maps.basemap import add_controls, base_map, district_layer
from chengyu.maps.i18n import Choice, Words

__all__ = ["MapDesign", "UnitLayer", "with_figures"]


@dataclass(frozen=True)
class UnitLayer:
    """Units drawn alike: ``frame`` (display geometry in lon/lat, with ``tip``/``pop`` HTML columns for
    the page), the layer's ``name``, its ``look`` (Leaflet path options), ``fills`` per unit, and
    whether the hovered unit is outlined (``highlight``)."""

    frame: gpd.GeoDataFrame
    name: Words
    look: Mapping[str, Any]
    fills: Sequence[str] | None = None
    highlight: bool = True


@dataclass(frozen=True)
class MapDesign:
    """A map's title, the ``bounds`` it is fitted to (lon/lat), its layers bottom to top, its legend
    (title and items) and its panel."""

    title: Words
    bounds: np.ndarray
    layers: Sequence[UnitLayer]
    legend_title: Words
    legend: Sequence[style.LegendItem]
    panel: Markup
    notes: Sequence[Words] = field(default_factory=tuple)  # source and vintage lines, for print

    def folium_map(self, lang: Choice | None = None) -> folium.Map:
        """The interactive map: base maps, the layers, the panel, the legend, the layer control and
        the language toggle, which starts at ``lang`` (None: the reader's browser language)."""
        m = base_map(self.bounds, self.title, lang)
        for layer in self.layers:
            district_layer(layer.frame, layer.name, dict(layer.look), fills=layer.fills,
                           highlight=layer.highlight).add_to(m)
        add_controls(m, self.panel, style.legend_html(self.legend_title, self.legend))
        return m


def with_figures(units: gpd.GeoDataFrame, figures: pd.DataFrame | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """``units`` with the user's ``figures`` (a ``code`` column and theirs) joined, and the names of theirs."""
    if figures is None:
        return units, []
    own = [str(c) for c in figures.columns if c != "code"]
    return units.merge(figures, on="code", how="left", validate="one_to_one"), own
