"""Look and text furniture of the maps: palettes, panel and legend controls, their CSS.

Their HTML comes from the templates in ``maps/templates/``, which escape every value
(:func:`maps.safe.render_template`), and the finished HTML is handed to the browser as a JS string
literal (:func:`maps.safe.js_literal`), so nothing from data is ever parsed as markup or template code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from branca.element import Element, MacroElement
from folium.template import Template
from markupsafe import Markup

from chengyu.maps.controls import after_first_frame
from chengyu.maps.safe import js_literal, render_template

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
HOST_COLOURS = ["#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7"]
# One hue per member "city": Chongqing first, then the 15 Sichuan cities.
CITY_COLOURS = [
    "#b2182b", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
]
CONTEXT = {"color": "#777777", "weight": 0.6, "fillColor": "#bbbbbb", "fillOpacity": 0.12}
PARTIAL = {"color": "#b2182b", "weight": 1.5, "dashArray": "6 4", "fillColor": "#f4a582", "fillOpacity": 0.35}
EXCLUDED = {"color": "#555555", "weight": 1.0, "dashArray": "2 4", "fillColor": "#dddddd", "fillOpacity": 0.5}
OUTSIDE = {"color": "#999999", "weight": 0.4, "fillColor": "#f2f2f2", "fillOpacity": 0.25}
HOST_OUTLINE = {"color": "#000000", "weight": 2.5, "fill": False, "fillOpacity": 0.0}
# Sequential (ColorBrewer YlGnBu) for classed numeric colouring, up to 7 classes.
SEQUENTIAL = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]

CSS = """
.chengyu-box { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 12px/1.45 system-ui, -apple-system, "Segoe UI",
  "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #222; max-width: 330px; }
.chengyu-box h3 { margin: 0 0 4px; font-size: 14px; }
.chengyu-box h4 { margin: 6px 0 2px; font-size: 12px; }
.chengyu-box table { border-collapse: collapse; }
.chengyu-box th { text-align: left; font-weight: 600; padding: 1px 8px 1px 0; vertical-align: top; }
.chengyu-box td { padding: 1px 0; vertical-align: top; }
.chengyu-box td.num { text-align: right; white-space: nowrap; }
.chengyu-cover td.num, .chengyu-cover th + th { padding-left: 10px; text-align: right; }
.chengyu-box summary { cursor: pointer; }
.chengyu-box ul { margin: 2px 0; padding-left: 16px; }
.chengyu-box .note { color: #555; font-size: 11px; margin-top: 4px; }
.chengyu-panel { max-height: 46vh; overflow-y: auto; }
.chengyu-legend { max-height: 38vh; overflow-y: auto; }
.chengyu-layers { max-height: 34vh; overflow-y: auto; }
.chengyu-legend i { display: inline-block; width: 14px; height: 11px; margin-right: 6px;
  vertical-align: -1px; border: 1px solid rgba(0,0,0,0.4); }
.chengyu-legend i.line { height: 0; border-width: 2px 0 0; margin-bottom: 3px; }
table.chengyu-detail th { text-align: left; padding-right: 8px; vertical-align: top; font-weight: 600; }
table.chengyu-detail td { max-width: 260px; white-space: normal; }
.leaflet-tooltip table.chengyu-detail td { white-space: nowrap; }
.chengyu-popup-title { font-weight: 700; margin-bottom: 4px; }
"""


class Stylesheet(MacroElement):
    """Our own CSS, inlined in the page header (no external stylesheet)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
            <style>{{ this.css }}</style>
        {% endmacro %}
    """)

    def __init__(self, css: str = CSS) -> None:
        super().__init__()
        self._name = "Stylesheet"
        self.css = css


class HtmlControl(MacroElement):
    """A Leaflet control whose content is trusted HTML built from escaped values.

    It joins the map one frame after the districts (:func:`maps.controls.after_first_frame`):
    laying out its text, Chinese names included, took 10-20 ms in Chromium, and done in the
    first frame that time delayed the districts too (measured with first-contentful-paint over 41
    loads of the Science City map: 168 → 144 ms). It still shows before anyone can read it.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            (function () {
                var control = L.control({position: {{ this.position_js }}});
                control.onAdd = function () {
                    var div = L.DomUtil.create("div", {{ this.css_class_js }});
                    div.innerHTML = {{ this.html_js }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                {{ this.add_js }}
            })();
        {% endmacro %}
    """)

    def __init__(self, html: str, *, position: str = "topright", css_class: str = "chengyu-box") -> None:
        super().__init__()
        self._name = "HtmlControl"
        self.position_js = js_literal(position)
        self.css_class_js = js_literal(css_class)
        self.html_js = js_literal(html)

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        # _parent: branca 0.8 has no public accessor for the map this control was added to
        assert self._parent is not None  # rendered as a child of its map
        self.add_js = after_first_frame(f"control.addTo({self._parent.get_name()});")
        super().render(**kwargs)


@dataclass(frozen=True)
class LegendItem:
    """A legend's line: ``label`` beside a swatch drawn with ``style``, the layer's Leaflet path options."""

    label: str
    style: dict[str, Any]

    @property
    def is_line(self) -> bool:
        """Whether the layer is an outline only (``fill: False``), drawn as a line."""
        return self.style.get("fill") is False

    @property
    def stroke(self) -> str:
        """The swatch's border: the layer's stroke colour."""
        return str(self.style.get("color", "#000"))

    @property
    def fill(self) -> str:
        """The swatch's background: the layer's fill colour."""
        return str(self.style.get("fillColor", "#fff"))

    @property
    def opacity(self) -> str:
        """The fill's opacity, a quarter stronger on the swatch: a faint fill shows beside its label."""
        return f"{min(1.0, float(self.style.get('fillOpacity', 0.6)) + 0.25):.2f}"

    @property
    def border_style(self) -> str:
        """``dashed`` for a dashed stroke, else ``solid``."""
        return "dashed" if self.style.get("dashArray") else "solid"


def legend_html(title: str, items: Iterable[LegendItem]) -> Markup:
    """Legend markup (template ``legend.html``): a swatch per item drawn with the layer's own fill and stroke."""
    return render_template("legend.html", title=title, items=list(items))


def km2(value: float | None, digits: int = 0) -> str:
    """``1,198 km²``; an en dash for unknown."""
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.{digits}f} km²"


def page_title(title: str) -> Element:
    """A <title> for the page header."""
    return Element(render_template("title.html", title=title))
