"""What both maps stand on: the map fitted to its districts, with base maps, title, stylesheet,
language toggle and fullscreen button; the district layers with their names and popups; the panel
(with the notes every panel ends with), legend and layer control. Every text in both languages
(:class:`~chengyu.maps.i18n.Words`).

>>> district_name({"name_zh": "璧山区", "name_en": "Bishan <District>"}, words("tip.host_role")).en
'Bishan <District>: Science City host district'
>>> print(district_name({"name_zh": "璧山区", "name_en": "Bishan <District>"}).__html__())
<span lang="zh">璧山区</span><span lang="en">Bishan &lt;District&gt;</span>
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
from chengyu.maps.i18n import Choice, Words, figure, names, same, words
from chengyu.maps.language import LanguageControl
from chengyu.maps.notebook import AtlasMap
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import html_table, render_template

__all__ = ["BASE_MAPS", "MAX_ZOOM", "MIN_ZOOM", "PANEL_PX", "add_controls", "base_map", "district_layer",
           "district_name", "district_popup", "figure_rows", "panel_html"]

# Base maps: (name, tiles, attribution). Tiles need a network; the districts do not.
# No provider that needs an API key: CARTO's basemaps started requiring one in August 2026.
BASE_MAPS = [
    (same("OpenStreetMap"), "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
     '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    (words("base.light_grey"),
     "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
     "Tiles &copy; Esri &mdash; Esri, DeLorme, NAVTEQ"),
]
MIN_ZOOM, MAX_ZOOM = 5, 14
PANEL_PX = 350  # the panel's width (style.CSS: max-width 330px + padding)


def base_map(bounds: Sequence[float] | np.ndarray, title: Words, lang: Choice | None = None) -> folium.Map:
    """The map fitted to ``bounds``, with its base maps, title, stylesheet, fullscreen button and
    language toggle; ``lang``: the language the page shows unless its address says (None: the
    reader's browser's)."""
    # The zoom limits go on the map itself (folium's min_zoom/max_zoom only reach a tile layer it
    # creates): the base maps join after the first frame.
    m = AtlasMap(tiles=None, control_scale=True, zoom_snap=0.25, prefer_canvas=False,
                   minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    for index, (name, url, attribution) in enumerate(BASE_MAPS):
        tiles = DeferredTileLayer(url, name=name.en, attr=attribution, overlay=False, control=True,
                                  show=index == 1, max_zoom=MAX_ZOOM)
        tiles.layer_name = name.__html__()  # folium's Layer attribute: the layer control's label, as HTML
        tiles.add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)  # as folium's own elements assume: a map's root is its page
    root.header.add_child(style.page_title(title, lang))
    style.Stylesheet().add_to(m)
    FullscreenControl(position="topleft").add_to(m)
    # Before the panel: the toggle heads the top right corner.
    LanguageControl(lang, title=title, narrow=style.NARROW).add_to(m)
    # Fitted at once clear of where the panel will be on a wide screen, then, once the controls are
    # on screen, into what they leave free, whatever the screen.
    FitToFree(bounds, guess=((10, 10), (PANEL_PX, 10)), narrow=style.NARROW).add_to(m)
    return m


def district_layer(gdf: gpd.GeoDataFrame, name: Words, look: dict[str, Any], *, fills: Sequence[str] | None = None,
                   show: bool = True, highlight: bool = True) -> PackedLayer:
    """Districts drawn from packed geometry with ``look`` (Leaflet's path options), their ``tip``
    column (HTML) on hover and their ``pop`` column, or else the tip, on click (a tap on a phone,
    which has no hover); listed in the layer control by ``name``, in both languages.

    ``fills``: a fill colour per row, for layers whose units differ in colour.
    """
    tips = list(gdf["tip"]) if "tip" in gdf.columns else None
    popups: bool | list[str] = list(gdf["pop"]) if "pop" in gdf.columns else True
    layer = PackedLayer(gdf.geometry.to_numpy(), name=name.en, tips=tips, popups=popups, fills=fills, show=show,
                        style={**look, "interactive": tips is not None, "highlight": highlight})
    layer.layer_name = name.__html__()  # folium's Layer attribute: the layer control's label, as HTML
    return layer


def district_name(row: Mapping[str, Any] | pd.Series, role: Words | None = None) -> Words:
    """A district's Chinese and English names (``name_zh``, ``name_en`` of ``row``), and its ``role``
    on the map if it needs saying."""
    return names(row) if role is None else words("tip.named", name=names(row), role=role)


def district_popup(row: Mapping[str, Any] | pd.Series, rows: Sequence[tuple[Words | str, Any]]) -> Markup:
    """A district's tooltip or popup: its names as the title above a table of ``rows`` (label, value; a
    label in both languages, or the user's column name: text)."""
    labelled = [(Markup(label.__html__()) if isinstance(label, Words) else label, value) for label, value in rows]
    return render_template("popup.html", title=district_name(row), table=Markup(html_table(labelled)))


def figure_rows(row: Mapping[str, Any] | pd.Series, columns: Sequence[str]) -> list[tuple[str, str | Words]]:
    """``(column, value)`` for a tooltip's table: numbers as each language writes them
    (:func:`~chengyu.maps.i18n.figure`: 1.2万亿 / 1.2 trillion, 0.004, 1,234.5), "–" where the unit has
    no value, text as it is.

    >>> figure_rows({"gdp": 1234.5, "rank": 3, "note": None}, ["gdp", "rank", "note"])
    [('gdp', Words(zh='1234.5', en='1,234.5')), ('rank', Words(zh='3', en='3')), ('note', '–')]
    """
    rows: list[tuple[str, str | Words]] = []
    for column in columns:
        value = row[column]
        text: str | Words
        if value is None or (isinstance(value, float) and math.isnan(value)):
            text = "–"
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            text = Words(figure(float(value), "zh"), figure(float(value), "en"))
        else:
            text = str(value)
        rows.append((str(column), text))
    return rows


def panel_html(template: str, /, **values: Any) -> Markup:
    """A map's panel from ``template`` (in ``maps/templates/``) with ``values``; the template words its
    own headings with ``t`` (:func:`~chengyu.maps.i18n.words`) and ends with ``vintage_note`` and
    ``tiles_note``."""
    return render_template(template, **values, t=words, vintage_note=words("panel.vintage"),
                           tiles_note=words("panel.tiles"))


def add_controls(m: folium.Map, panel: Markup, legend: Markup) -> None:
    """Add the ``panel`` (top right), the ``legend`` (bottom right) and the layer control to ``m``; on a
    phone the panel and the legend fold into buttons."""
    style.HtmlControl(panel, position="topright", css_class="chengyu-box chengyu-panel",
                      label=words("control.about")).add_to(m)
    style.HtmlControl(legend, position="bottomright", css_class="chengyu-box chengyu-legend",
                      label=words("control.legend")).add_to(m)
    DeferredLayerControl(collapsed=True, position="topleft").add_to(m)
