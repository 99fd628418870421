"""Users' own layers on the maps: one toggleable layer each, tooltips from their attributes, and
the covered-area table (computed by :func:`geo.coverage.covered_area`) in a panel.

Every layer, of ten features or a million, is drawn by :class:`maps.packed_layer.PackedLayer` from
binary geometry on a canvas: no GeoJSON feature and no SVG element per feature. Attribute names
and values are data: they reach the page only as escaped text inside pre-built tooltip HTML
(templates in ``maps/templates/``), never as keys, template code or markup.

>>> from chengyu.geo.layers import read_layer
>>> from chengyu.maps import science_city_map
>>> m = science_city_map()
>>> add_layer(m, read_layer("tests/data/parks.geojson").gdf, name="parks", label="name")  # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from markupsafe import Markup

from chengyu.geo.coverage import Coverage
from chengyu.geo.fields import cover_fields
from chengyu.geo.layers import KINDS
from chengyu.geo.layers.clean import kind_codes
from chengyu.maps import style
from chengyu.maps.i18n import Words, names, text, words
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import escape_column, escape_html, html_tables, js_literal, render_rows, render_template, slot

# Distinct from the district palettes (ColorBrewer Set1, without its yellow).
OVERLAY_COLOURS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf"]
# Attributes a tooltip lists when no fields are chosen: every value shown travels in the page, and a
# layer of a million rows and twenty columns would carry twenty million of them.
MAX_FIELDS = 5


def _tooltips(gdf: gpd.GeoDataFrame, label: str | None, fields: Sequence[str]) -> list[str]:
    """Each feature's tooltip: its ``label`` as a title, then a table of its ``fields`` (escaped)."""
    tables = html_tables([(f, gdf[f]) for f in fields]) if fields else [""] * len(gdf)
    if not label:
        return tables
    return render_rows("popup.html", [escape_column(gdf[label]), tables], title=slot(0), table=slot(1))


def _check_columns(gdf: gpd.GeoDataFrame, label: str | None,
                   fields: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """The columns the tooltips list, and the attribute columns they leave out."""
    attributes = [c for c in gdf.columns if c not in (gdf.geometry.name, "kind")]
    wanted = ([label] if label else []) + list(fields or [])
    missing = [c for c in wanted if c not in attributes]
    if missing:
        raise KeyError(f"no column {', '.join(map(repr, missing))}; its columns: {', '.join(attributes) or 'none'}")
    shown = list(fields) if fields is not None else [c for c in attributes if c != label][:MAX_FIELDS]
    return shown, [c for c in attributes if c != label and c not in shown]


def fields_note(shown: Sequence[str], left_out: Sequence[str], most: int = 12) -> Markup:
    """What the tooltips leave out of a layer's columns, as a line of the page (empty if nothing).

    >>> note = fields_note(["a"], ["b", "c"])
    >>> "Tooltips list 1 of 3 columns; left out: b, c (choose with chengyu map --fields)." in note
    True
    >>> "未列出：b、c" in note
    True
    """
    if not left_out:
        return Markup()
    listed = Words(*(text("layers_panel.list_separator", lang).join(left_out[:most]) for lang in ("zh", "en")))
    if len(left_out) > most:
        listed = words("layers_panel.more", names=listed, more=f"{len(left_out) - most:,}")
    note = words("layers_panel.fields_note", shown=len(shown), total=len(shown) + len(left_out), left_out=listed)
    return render_template("fields_note.html", note=note)


def add_layer(m: folium.Map, gdf: gpd.GeoDataFrame, *, name: str, label: str | None = None,
              fields: Sequence[str] | None = None, coverage: Coverage | None = None,
              index: int = 0) -> folium.FeatureGroup:
    """Draw ``gdf`` on ``m`` as one toggleable layer; add ``coverage`` as a panel table.

    ``label`` names the column shown as each tooltip's title; ``fields`` the columns listed under it
    (default: the first five; the panel names the columns left out); a click opens the same table
    in a popup. Points too many to draw
    one by one in view are drawn as cells with their counts. ``index`` picks the colour, so
    several layers stay distinct. ``gdf`` must be in longitude/latitude (as read_layer gives it).
    """
    shown_fields, left_out = _check_columns(gdf, label, fields)
    colour = OVERLAY_COLOURS[index % len(OVERLAY_COLOURS)]
    group = folium.FeatureGroup(name=escape_html(name), show=True)
    tips = _tooltips(gdf, label, shown_fields)
    geoms = gdf.geometry.to_numpy()
    kinds = kind_codes(geoms)
    for kind, look in layer_looks(index).items():
        rows = np.flatnonzero(kinds == KINDS.index(kind))
        if rows.size:
            # The tooltip's table opens as a popup too: to keep open, and on touch screens.
            PackedLayer(geoms[rows], name=f"{name} ({kind}s)", tips=[tips[i] for i in rows], control=False,
                        style=look).add_to(group)
    group.add_to(m)
    note = fields_note(shown_fields, left_out)
    if coverage is not None:
        _layers_panel(m).sections.append(coverage_html(name, coverage, colour, note))
    elif note:
        _layers_panel(m).sections.append(render_template("layer_note.html", name=name, note=note))
    return group


_STYLES = {"polygon": {"weight": 1.5, "fillOpacity": 0.35}, "line": {"weight": 2.5},
           "point": {"radius": 5, "fillOpacity": 0.85}}


def layer_looks(index: int) -> dict[str, dict[str, object]]:
    """The Leaflet path options of the ``index``-th user layer, by kind of geometry (its colour, the
    kind's weight; points edged in near-black), as the page and the report image draw it."""
    colour = OVERLAY_COLOURS[index % len(OVERLAY_COLOURS)]
    return {kind: {**look, "color": colour if kind != "point" else "#222222", "fillColor": colour}
            for kind, look in _STYLES.items()}


class LayersPanel(style.HtmlControl):
    """One bottom-left panel holding every user layer's covered-area table, so tables never
    pile up over the other controls (it scrolls instead)."""

    def __init__(self) -> None:
        super().__init__("", position="bottomleft", css_class="chengyu-box chengyu-layers",
                         label=words("control.your_layers"))
        self._name = "LayersPanel"
        self.sections: list[Markup] = []

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: object) -> None:  # type: ignore[override]
        self.html_js = js_literal("".join(self.sections))
        super().render(**kwargs)


_PANELS: weakref.WeakKeyDictionary[folium.Map, LayersPanel] = weakref.WeakKeyDictionary()


def _layers_panel(m: folium.Map) -> LayersPanel:
    """The map's panel of users' layers, made with its first layer."""
    if m not in _PANELS:
        _PANELS[m] = LayersPanel()
        _PANELS[m].add_to(m)
    return _PANELS[m]


def coverage_html(name: str, coverage: Coverage, colour: str = "#333", note: str = "") -> Markup:
    """The covered-area table of one layer (template ``coverage.html``): a row per zone, the total,
    and what lies outside, in the columns of :func:`geo.fields.cover_fields` (headed by the
    catalogue's ``field.<name>``); ``note`` below it (shown as HTML if it is ``Markup``, as
    :func:`fields_note` makes it, else as text)."""
    rows: list[tuple[Words, Mapping[str, Any] | pd.Series]] = [(names(r), r) for _, r in coverage.table.iterrows()]
    rows += [(words("layers_panel.all_zones"), coverage.total), (words("layers_panel.outside"), coverage.outside)]
    fields = cover_fields(coverage.kinds)
    return render_template("coverage.html", heading=words("layers_panel.covered_area", name=name), colour=colour,
                           fields=fields, labels=[words(f"field.{f.name}") for f in fields], rows=rows, note=note)
