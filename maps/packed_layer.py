"""A layer on a folium map drawn on a canvas from binary geometry (:mod:`geo.packed`).

Districts and users' layers alike: the page carries the geometry as typed arrays and the features'
pre-escaped tooltip (and popup) HTML as lists; ``maps/js/packed.js`` (our own, inlined once per
page) draws every feature in view into one canvas the map's packed layers share, at each move —
no GeoJSON object, no SVG element per feature. Hover shows a feature's tooltip (the topmost layer
answers), a click opens its popup; points too many to draw one by one are drawn as cells with
their counts.

A small layer (the districts) is carried in the script itself and drawn in the frame the map is
made in; a big one as base64 gzip in a ``<script>`` data block of its own, inflated with the
browser's ``DecompressionStream`` without blocking the page.

>>> import numpy as np, shapely, folium
>>> m = folium.Map()
>>> layer = PackedLayer(np.array([shapely.Point(106.5, 29.5)]), name="one point", tips=["<b>A</b>"])
>>> _ = layer.add_to(m)
>>> layer.count, layer.inline
(1, True)
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
from branca.element import Figure
from folium.template import Template

from chengyu.geo.packed import pack
from chengyu.maps.offline import RawText
from chengyu.maps.safe import escape_html, js_literal

__all__ = ["INLINE_BYTES", "PackedLayer", "renderer_js"]

#: Geometry up to this size (uncompressed) travels inside the script: decoded at once, and packed
#: pages (maps.pack) compress it with the rest. Bigger layers get a compressed block of their own.
INLINE_BYTES = 2_000_000


@cache
def renderer_js() -> str:
    """The renderer's script (``maps/js/packed.js``) as a ``<script>`` element, and its one style:
    the pointer over a feature that answers it."""
    return ("<style>.leaflet-container.chengyu-pointer { cursor: pointer; }</style>\n<script>\n"
            + files(__package__).joinpath("js/packed.js").read_text(encoding="utf-8") + "</script>")


def _compressed_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)).decode("ascii")


class PackedLayer(folium.map.Layer):
    """``geoms`` (one kind: points, lines or polygons) as a layer the layer control can toggle, by
    its ``name`` (text: escaped here).

    ``tips``: one pre-escaped HTML string per geometry (built with :func:`maps.safe.html_table` and
    :func:`maps.safe.escape_html`: the page inserts it as HTML), shown on hover; ``popups``: True
    to open the tooltip's HTML on click too, a list of other pre-escaped HTML per geometry to open
    that, False for none. ``fills``: a fill colour per geometry (else ``style``'s ``fillColor``).
    ``style``: Leaflet's path options ``color``, ``weight``, ``opacity``, ``fill``, ``fillColor``,
    ``fillOpacity``, ``dashArray``, and ``radius`` (points, px), ``interactive`` (answers the
    pointer), ``highlight`` (outlines the hovered feature).
    """

    _template = Template(
        """
        {% macro html(this, kwargs) %}
        {%- for id, text in this.blocks %}
        <script type="application/octet-stream" id="{{ id }}">{{ text }}</script>
        {%- endfor %}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.chengyuPacked({{ this.meta_js }}, {{ this.sources_js }},
            {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, geoms: np.ndarray, *, name: str, tips: Sequence[str] | None = None,
                 popups: bool | Sequence[str] = True, fills: Sequence[str] | None = None,
                 style: dict[str, Any] | None = None, show: bool = True, control: bool = True) -> None:
        # the layer control shows the name as HTML
        super().__init__(name=escape_html(name), overlay=True, control=control, show=show)
        self._name = "PackedLayer"
        packed = pack(np.asarray(geoms, dtype=object))
        for what, values in (("tooltips", tips), ("popups", None if isinstance(popups, bool) else popups),
                             ("fills", fills)):
            if values is not None and len(values) != packed.count:
                raise ValueError(f"{len(values)} {what} for {packed.count} geometries")
        self.count = packed.count
        self.order = packed.order  # the geometries' rows in packed order
        self.kind = packed.kind
        self.bbox = packed.bbox
        raw = packed.raw()
        self.inline = len(raw) <= INLINE_BYTES
        # [(what, value)]: the geometry's bytes as base64, inline in the form drawn without decoding,
        # else compact and gzip-compressed; the texts as lists in packed order (gzip-compressed
        # JSON unless inline: a million tooltips repeat their markup, 100 MB as text, 5 MB compressed)
        meta, data = packed.world() if self.inline else (packed.meta(), gzip.compress(raw, 6, mtime=0))
        self.meta_js = js_literal(meta)
        self._sources: list[tuple[str, Any]] = [("data", base64.b64encode(data).decode("ascii"))]
        if tips is not None:
            self._sources.append(("tips", [tips[i] for i in packed.order]))
        if not isinstance(popups, bool):
            self._sources.append(("pops", [popups[i] for i in packed.order]))
        options = {**(style or {}), "name": name, "popups": bool(popups) if isinstance(popups, bool) else True}
        if fills is not None:
            options["fills"] = [fills[i] for i in packed.order]
        self.options_js = js_literal(options)

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        # ids are given at render time: maps.offline numbers elements in page order
        self.blocks: list[tuple[str, str]] = []
        sources: dict[str, dict[str, Any]] = {}
        for what, value in self._sources:
            if self.inline:
                sources[what] = {"inline": value}
                continue
            block_id = f"{self.get_name()}_{what}"
            self.blocks.append((block_id, value if what == "data" else _compressed_json(value)))
            sources[what] = {"id": block_id}
        self.sources_js = js_literal(sources)
        root = self.get_root()
        assert isinstance(root, Figure)  # as folium's own elements assume: a map's root is its page
        root.header.add_child(RawText(renderer_js()), name="chengyu_packed_js")
        super().render(**kwargs)
