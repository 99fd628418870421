"""A big layer on a folium map, drawn on a canvas from binary geometry (:mod:`geo.packed`).

The page carries the layer as one base64 text of gzip-compressed typed arrays and, beside it, the
features' pre-escaped tooltip HTML as one gzip-compressed JSON list; ``maps/js/packed.js`` (our own, inlined once
per page) decodes them with the browser's ``DecompressionStream`` and draws every feature in view
on one canvas at each move — no GeoJSON object, no SVG element per feature. Hover shows a feature's
tooltip, a click opens it as a popup; points too many to draw one by one are drawn as cells with
their counts.

>>> import numpy as np, shapely, folium
>>> m = folium.Map()
>>> layer = PackedLayer(np.array([shapely.Point(106.5, 29.5)]), name="one point", tips=["<b>A</b>"])
>>> _ = layer.add_to(m)
>>> layer.count
1
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import folium
import numpy as np
from folium.template import Template

from geo.packed import pack
from maps.offline import RawText
from maps.safe import js_literal

__all__ = ["PackedLayer", "renderer_js"]


@cache
def renderer_js() -> str:
    """The renderer's script (``maps/js/packed.js``) as a ``<script>`` element."""
    return "<script>\n" + files("maps").joinpath("js/packed.js").read_text(encoding="utf-8") + "</script>"


def _compressed_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")


class PackedLayer(folium.map.Layer):
    """``geoms`` (one kind: points, lines or polygons) as a layer the layer control can toggle.

    ``tips``: one pre-escaped HTML string per geometry (built with :func:`maps.safe.html_table` and
    :func:`maps.safe.escape_html`: the page inserts it as HTML), shown on hover and, with
    ``popups``, on click. ``style``: ``color``, ``fillColor``, ``weight``, ``fillOpacity``,
    ``radius`` (points, px).
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        <script type="application/octet-stream" id="{{ this.get_name() }}_data">{{ this.payload_b64 }}</script>
        {%- if this.tips_b64 %}
        <script type="application/octet-stream" id="{{ this.get_name() }}_tips">{{ this.tips_b64 }}</script>
        {%- endif %}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.chengyuPacked({{ this.meta_js }}, {{ this.data_id_js }},
            {{ this.tips_id_js }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, geoms: np.ndarray, *, name: str, tips: Sequence[str] | None = None,
                 popups: bool = True, style: dict[str, Any] | None = None, show: bool = True,
                 control: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "PackedLayer"
        packed = pack(np.asarray(geoms, dtype=object))
        if tips is not None and len(tips) != packed.count:
            raise ValueError(f"{len(tips)} tooltips for {packed.count} geometries")
        self.count = packed.count
        self.order = packed.order  # the geometries' rows in packed order
        self.kind = packed.kind
        self.bbox = packed.bbox
        self.payload_b64 = base64.b64encode(packed.payload()).decode("ascii")
        self.meta_js = js_literal(packed.meta())
        # gzip-compressed JSON too: tooltips repeat their markup, and a million of them is 100 MB
        # as text, 5 MB compressed
        self.tips_b64 = _compressed_json([tips[i] for i in packed.order]) if tips is not None else ""
        self.options_js = js_literal({**(style or {}), "popups": popups})

    def render(self, **kwargs: Any) -> None:
        self.data_id_js = js_literal(self.get_name() + "_data")
        self.tips_id_js = js_literal(self.get_name() + "_tips") if self.tips_b64 else "null"
        self.get_root().header.add_child(RawText(renderer_js()), name="chengyu_packed_js")
        super().render(**kwargs)
