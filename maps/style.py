"""Look and text furniture of the maps: palettes, panel and legend controls, their CSS.

Their HTML comes from the templates in ``maps/templates/``, which escape every value
(:func:`maps.safe.render_template`), and the finished HTML is handed to the browser as a JS string
literal (:func:`maps.safe.js_literal`), so nothing from data is ever parsed as markup or template code.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from branca.element import Element, MacroElement
from folium.template import Template
from markupsafe import Markup

from chengyu.maps.controls import add_script, after_first_frame, map_name
from chengyu.maps.i18n import Choice, Words, words
from chengyu.maps.safe import js_literal, render_template

CONTEXT = {"color": "#777777", "weight": 0.6, "fillColor": "#bbbbbb", "fillOpacity": 0.12}
PARTIAL = {"color": "#b2182b", "weight": 1.5, "dashArray": "6 4", "fillColor": "#f4a582", "fillOpacity": 0.35}
EXCLUDED = {"color": "#555555", "weight": 1.0, "dashArray": "2 4", "fillColor": "#dddddd", "fillOpacity": 0.5}
OUTSIDE = {"color": "#999999", "weight": 0.4, "fillColor": "#f2f2f2", "fillOpacity": 0.25}
HOST_OUTLINE = {"color": "#000000", "weight": 2.5, "fill": False, "fillOpacity": 0.0}
# Sequential (ColorBrewer YlGnBu) for classed numeric colouring, up to 7 classes.
SEQUENTIAL = ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"]

#: Where the panel and the legend fold into buttons that open them as sheets over the map: phones, and
#: windows too short for both boxes one above the other (a phone held sideways, a notebook's cell).
NARROW = "(max-width: 699.98px), (max-height: 740px)"

# $font: the fonts after the system's, for Chinese names; $narrow: NARROW. At the end, (hover: none):
# touch screens, where a tap opens a unit's popup (maps/js/packed.js), which holds its tooltip's
# text: the tooltip the tap would bring up beside it only stands in its way.
CSS = string.Template("""
.chengyu-box { background: rgba(255,255,255,0.94); padding: 8px 10px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 12px/1.45 system-ui, -apple-system, "Segoe UI",
  $font; color: #222; max-width: 330px; }
.chengyu-box h2 { margin: 0 0 4px; font-size: 14px; }
.chengyu-box h3 { margin: 6px 0 2px; font-size: 12px; }
.chengyu-legend h2 { margin: 6px 0 2px; font-size: 12px; }
.chengyu-box table { border-collapse: collapse; }
.chengyu-box th { text-align: left; font-weight: 600; padding: 1px 8px 1px 0; vertical-align: top; }
.chengyu-box td { padding: 1px 0; vertical-align: top; }
.chengyu-box td.num { text-align: right; white-space: nowrap; }
.chengyu-cover td.num, .chengyu-cover th + th { padding-left: 10px; text-align: right; }
.chengyu-box summary { cursor: pointer; }
.chengyu-box ul { margin: 2px 0; padding-left: 16px; }
.chengyu-box ul.chengyu-keys { list-style: none; margin: 0; padding: 0; }
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
.chengyu-toggle, .chengyu-close { display: none; }
.chengyu-sheet:focus-visible, .chengyu-toggle:focus-visible, .chengyu-close:focus-visible {
  outline: 2px solid #2a6fdb; outline-offset: 1px; }
@media $narrow {
  .chengyu-foldable > .chengyu-sheet { display: none; }
  .chengyu-foldable > .chengyu-toggle { display: block; min-height: 44px; padding: 0 14px; border: 0;
    border-radius: 6px; background: #fff; color: #222; box-shadow: 0 1px 5px rgba(0,0,0,0.35);
    font: 600 14px/1.2 system-ui, -apple-system, "Segoe UI", $font; cursor: pointer; }
  .chengyu-foldable.chengyu-open > .chengyu-sheet { display: block; position: fixed; left: 0; right: 0;
    bottom: 0; max-width: none; max-height: 62vh; overflow-y: auto; overscroll-behavior: contain;
    box-sizing: border-box; padding: 4px 16px 16px; border-radius: 12px 12px 0 0; background: #fff;
    font-size: 14px; }
  .chengyu-open .chengyu-box h2, .chengyu-open .chengyu-box h3 { font-size: 15px; margin-top: 12px; }
  .chengyu-open .chengyu-box .note { font-size: 13px; }
  .chengyu-open > .chengyu-sheet > .chengyu-close { display: block; float: right; width: 44px; height: 44px;
    margin: 0 -12px 0 8px; border: 0; background: none; color: #222; font-size: 26px; line-height: 1;
    cursor: pointer; }
  .leaflet-control.chengyu-open { z-index: 900; }
  .chengyu-raised { z-index: 1001; }
  .leaflet-control-attribution { max-width: calc(100vw - 112px); }  /* wrapped beside the scale bar */
  .leaflet-popup-content { max-width: calc(100vw - 64px); max-height: 55vh; overflow-y: auto; }
  .leaflet-popup-content td { overflow-wrap: anywhere; }
}
@media (hover: none) {
  .leaflet-tooltip-pane { display: none; }
}
""").substitute(font='"Noto Sans CJK SC", "Microsoft YaHei", sans-serif', narrow=NARROW)


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
    """A Leaflet control whose content is trusted HTML built from escaped values, in a ``<section>``
    of class ``css_class``.

    Given a ``label`` (in both languages), it folds into a button of that label on a narrow screen
    (:data:`NARROW`): the button opens it as a sheet over the map (one at a time), closed by its
    close button, by the button again or by Escape (``L.Control.ChengyuBox`` in ``maps/js/layout.js``).

    It joins the map one frame after the districts (:func:`maps.controls.after_first_frame`):
    laying out its text, Chinese names included, took 10-20 ms in Chromium, and done in the
    first frame that time delayed the districts too (measured with first-contentful-paint over 41
    loads of the Science City map: 168 → 144 ms). It still shows before anyone can read it.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this.add_js }}
        {% endmacro %}
    """)

    def __init__(self, html: str, *, position: str = "topright", css_class: str = "chengyu-box",
                 label: Words | None = None) -> None:
        super().__init__()
        self._name = "HtmlControl"
        texts = {"label": label.as_dict(), "close": words("control.close", what=label).as_dict()} if label else {}
        self.options_js = js_literal({"position": position, "className": css_class, **texts})
        self.html_js = js_literal(html)

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        add_script(self, "layout")
        self.add_js = after_first_frame(
            f"L.control.chengyuBox({self.html_js}, {self.options_js}).addTo({map_name(self)});")
        super().render(**kwargs)


@dataclass(frozen=True)
class LegendItem:
    """A legend's line: ``label`` beside a swatch drawn with ``style``, the layer's Leaflet path options."""

    label: Words
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


def legend_html(title: Words, items: Iterable[LegendItem]) -> Markup:
    """Legend markup (template ``legend.html``): a swatch per item drawn with the layer's own fill and stroke."""
    return render_template("legend.html", title=title, items=list(items))


def page_title(title: Words, lang: Choice | None) -> Element:
    """A <title> for the page header: ``title`` in ``lang``, the page's default (None: in both, until
    the page's script has chosen)."""
    return Element(render_template("title.html", title=title.say(lang or "both")))
