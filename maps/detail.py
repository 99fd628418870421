"""Zoomed out, a district layer is drawn from its overview geometry; zoomed in, from the full one.

Leaflet converts, projects and then simplifies every vertex of every polygon it draws; at the
zoom a map opens at, it throws most of them away (the Economic Circle: 33,000 vertices in, about
13,000 drawn). A layer's GeoJSON carries each feature's overview geometry
(:func:`geo.display.overview_geometry`, made for that zoom); :func:`with_detail` and
:class:`OverviewDetail` put the full coordinates beside it, one string per layer that is split and
parsed only when someone zooms in past that zoom, and make the swap, both ways. One string and no
JSON to parse while the page opens: a megabyte of coordinates as many small strings cost the
garbage collector several milliseconds. The string is a variable of its own, which a packed page
carries as text beside the script (:mod:`maps.pack`), so the script the page compiles while it
opens stays small. The page stays one self-contained file.

At exactly that zoom every layer is drawn with Leaflet's own simplification (``smoothFactor``)
off, whether or not it has full coordinates to swap in: the overview is simplified to a pixel
there already (a feature kept whole was within twice that), and simplifying again took ~10 ms of
the Circle's opening for 12% fewer points in the SVG, and ~3 ms of the Science City's for 4% fewer
(measured: benchmarks/RESULTS.md). At every other zoom Leaflet simplifies as usual.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import shapely
from branca.element import MacroElement
from folium.template import Template

from maps.safe import js_literal

# A GeoJSON foreign member: Leaflet ignores it, and it travels with its feature.
DETAIL_KEY = "detail"


def with_detail(data: dict[str, Any], full: Sequence[shapely.Geometry]) -> list[str]:
    """Mark the features of ``data`` whose full geometry differs from their overview; return it.

    ``data`` is a FeatureCollection of overview geometries, ``full`` the full geometry of each
    feature. A feature that lost vertices gets a member ``detail``: ``[line, depth]``, the index of
    its coordinates (compact JSON) in the returned list and their nesting depth for Leaflet (1 for a
    Polygon, 2 for a MultiPolygon). A feature that lost none is left alone.

    >>> overview = shapely.Polygon([(0, 0), (2, 0), (2, 2), (0, 0)])
    >>> full = shapely.Polygon([(0, 0), (1, 0.01), (2, 0), (2, 2), (0, 0)])
    >>> data = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(overview)}]}
    >>> with_detail(data, [full]), data["features"][0]["detail"]
    (['[[[0.0,0.0],[1.0,0.01],[2.0,0.0],[2.0,2.0],[0.0,0.0]]]'], [0, 1])
    """
    lines: list[str] = []
    for feature, geometry in zip(data["features"], full, strict=True):
        if shapely.get_num_coordinates(geometry) != _vertices(feature["geometry"]["coordinates"]):
            mapping = shapely.geometry.mapping(geometry)
            feature[DETAIL_KEY] = [len(lines), 1 if mapping["type"] == "Polygon" else 2]
            lines.append(json.dumps(mapping["coordinates"], separators=(",", ":")))
    return lines


def _vertices(coordinates: Any) -> int:
    if coordinates and isinstance(coordinates[0], int | float):
        return 1
    return sum(_vertices(c) for c in coordinates)


class OverviewDetail(MacroElement):
    """Child of a ``folium.GeoJson`` marked by :func:`with_detail`: its ``lines`` beyond ``zoom``.

    The choice is made once when the layer is built (a big screen opens zoomed in further and
    draws the full geometry from the start) and again after every zoom. With no ``lines`` (no
    feature lost vertices) it only turns Leaflet's simplification off at ``zoom``.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.text_js }};
        (function (layer, map, zoom, text) {
            var detailed = null, lines = null;
            function show() {
                var at = map.getZoom(), want = at > zoom;
                layer.eachLayer(function (part) {
                    // At its own zoom the overview is simplified to a pixel already (a feature
                    // kept whole was within twice that): Leaflet simplifying it again there only
                    // costs time. The next redraw (the first draw, or the moveend after this
                    // zoomend) takes the setting.
                    if (!("chengyuSmooth" in part)) { part.chengyuSmooth = part.options.smoothFactor; }
                    part.options.smoothFactor = at === zoom ? 0 : part.chengyuSmooth;
                    var feature = part.feature, detail = feature.{{ this.key }};
                    if (!detail || want === detailed) { return; }
                    var kept = feature.chengyuLatLngs || (feature.chengyuLatLngs = {overview: part.getLatLngs()});
                    if (want && !kept.full) {
                        lines = lines || text.split(";");
                        kept.full = L.GeoJSON.coordsToLatLngs(JSON.parse(lines[detail[0]]), detail[1]);
                    }
                    part.setLatLngs(want ? kept.full : kept.overview);
                });
                detailed = want;
            }
            show();
            map.on("zoomend", show);
        })({{ this._parent.get_name() }}, {{ this.map_name }}, {{ this.zoom }}, {{ this.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, zoom: float, lines: Sequence[str]) -> None:
        super().__init__()
        self._name = "overview_detail"
        self.key = DETAIL_KEY
        self.zoom = float(zoom)
        self.text_js = js_literal(";".join(lines))  # digits, brackets, commas: nothing to escape

    def render(self, **kwargs: Any) -> None:
        parent = self._parent
        while parent is not None and not isinstance(parent, folium.Map):
            parent = parent._parent
        if parent is None:
            raise ValueError("OverviewDetail must sit in a folium.Map (under its GeoJson layer)")
        self.map_name = parent.get_name()
        super().render(**kwargs)
