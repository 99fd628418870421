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

At exactly that zoom a feature is not even projected: :func:`with_paths` gives it the SVG path
Leaflet would draw for it there (:func:`geo.display.pixel_paths`, the same pixels), and
:class:`OverviewDetail` hands that to Leaflet's SVG renderer with the map's pixel origin
subtracted. The feature's coordinates travel as text like the full ones and become Leaflet's
LatLngs a frame after the districts are on the screen. Converting, projecting, clipping and
writing out every vertex in Leaflet's JavaScript, still cold while the page opens, took most of
the first frame (the Science City: ~18 ms of ~60 from the loader's start to the districts drawn;
measured, benchmarks/RESULTS.md). Only windows that open at that zoom profit (the one the overview
is made for, and others of about its size); at every other zoom Leaflet draws as usual.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from folium.template import Template

from geo.display import pixel_paths
from maps.controls import after_first_frame
from maps.safe import js_literal

# GeoJSON foreign members: Leaflet ignores them, and they travel with their feature.
DETAIL_KEY = "detail"
OVERVIEW_KEY = "overview"
PATH_KEY = "path"


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
            feature[DETAIL_KEY] = _as_line(shapely.geometry.mapping(geometry), lines)
    return lines


def with_paths(data: dict[str, Any], overview: Sequence[shapely.Geometry], zoom: float) -> list[str]:
    """Give each feature of ``data`` its ``overview`` geometry as drawn at ``zoom``; move its coordinates out.

    A feature gets a member ``path``, ``[x, y, rest]`` from :func:`geo.display.pixel_paths`, which
    draws it at ``zoom`` with no coordinates at all, and a member ``overview``, ``[line, depth]`` as
    in :func:`with_detail`: its coordinates are the returned list's line ``line``, and its GeoJSON
    geometry keeps its type with empty coordinates. The page turns them into Leaflet's LatLngs a
    frame after the districts are drawn. A feature with nothing to draw keeps its coordinates.
    Mark the detail first: :func:`with_detail` counts the vertices of the GeoJSON.

    >>> box = shapely.box(106.5, 29.5, 106.6, 29.6)
    >>> data = {"type": "FeatureCollection", "features": [
    ...     {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(box)}]}
    >>> with_paths(data, [box], 9.25)
    ['[[[106.6,29.5],[106.6,29.6],[106.5,29.6],[106.5,29.5],[106.6,29.5]]]']
    >>> feature = data["features"][0]
    >>> feature["path"], feature["overview"], feature["geometry"]
    ([124091, 64558, 'l0 -50 -43 0 0 50z'], [0, 1], {'type': 'Polygon', 'coordinates': []})
    """
    lines: list[str] = []
    for feature, path in zip(data["features"], pixel_paths(np.asarray(overview), zoom), strict=True):
        if path is None:
            continue
        geometry = feature["geometry"]
        feature[PATH_KEY] = list(path)
        feature[OVERVIEW_KEY] = _as_line(geometry, lines)
        feature["geometry"] = {**geometry, "coordinates": []}
    return lines


def _as_line(geometry: dict[str, Any], lines: list[str]) -> list[int]:
    """Append a (multi)polygon's coordinates to ``lines`` as compact JSON; ``[line, depth]`` for the page."""
    lines.append(json.dumps(geometry["coordinates"], separators=(",", ":")))
    return [len(lines) - 1, 1 if geometry["type"] == "Polygon" else 2]


def _vertices(coordinates: Any) -> int:
    if coordinates and isinstance(coordinates[0], int | float):
        return 1
    return sum(_vertices(c) for c in coordinates)


class OverviewDetail(MacroElement):
    """Child of a ``folium.GeoJson`` marked by :func:`with_detail` and :func:`with_paths`, with their lines.

    Beyond ``zoom`` the layer draws its ``detail``, at or below it the ``overview``: chosen once when
    the layer is built (a big screen opens zoomed in further and draws the full geometry from the
    start) and again after every zoom. At ``zoom`` each feature with a ``path`` is drawn from it,
    and the overview coordinates are read a frame after the districts are on the screen.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = {{ this.detail_js }};
        var {{ this.get_name() }}_overview = {{ this.overview_js }};
        (function (layer, map, zoom, texts) {
            var detailed = null, lines = {};
            // At its own zoom a feature is drawn from the path it carries (geo.display.pixel_paths):
            // Leaflet's own drawing, less converting, projecting, clipping and rounding every
            // vertex, which cost most of the first frame. The pixel origin is the map's at the
            // time; any other zoom (or a renderer without SVG paths) is Leaflet's as usual.
            function drawnFrom(part, path) {
                var own = Object.getPrototypeOf(part);
                part._project = function () {
                    this.chengyuPath = this._map.getZoom() === zoom && this._renderer._setPath ? path : null;
                    if (!this.chengyuPath) { own._project.call(this); }
                };
                part._update = function () {
                    if (!this._map || !this.chengyuPath) { return own._update.call(this); }
                    var origin = this._map.getPixelOrigin();
                    this._renderer._setPath(this, "M" + (path[0] - origin.x) + " " + (path[1] - origin.y) + path[2]);
                };
            }
            function latLngs(which, ref) {
                lines[which] = lines[which] || texts[which].split(";");
                return L.GeoJSON.coordsToLatLngs(JSON.parse(lines[which][ref[0]]), ref[1]);
            }
            function show() {
                var want = map.getZoom() > zoom;
                if (want === detailed) { return; }
                layer.eachLayer(function (part) {
                    var feature = part.feature, detail = feature.{{ this.detail_key }};
                    var overview = feature.{{ this.overview_key }};
                    if (!detail && !overview) { return; }
                    var kept = feature.chengyuLatLngs || (feature.chengyuLatLngs = {});
                    if (!kept.overview) {
                        kept.overview = overview ? latLngs("overview", overview) : part.getLatLngs();
                    }
                    if (want && !kept.full) { kept.full = detail ? latLngs("detail", detail) : kept.overview; }
                    part.setLatLngs(want ? kept.full : kept.overview);
                });
                detailed = want;
            }
            layer.eachLayer(function (part) {
                if (part.feature.{{ this.path_key }}) { drawnFrom(part, part.feature.{{ this.path_key }}); }
            });
            map.on("zoomend", show);
            // Drawn from their paths, the districts need their coordinates only once they are on
            // the screen (for the next zoom): a frame later, unless a zoom came first.
            if (map.getZoom() === zoom && !map.options.preferCanvas) {
                {{ this.later_js }}
            } else {
                show();
            }
        })({{ this._parent.get_name() }}, {{ this.map_name }}, {{ this.zoom }},
           {detail: {{ this.get_name() }}, overview: {{ this.get_name() }}_overview});
        {% endmacro %}
        """
    )

    def __init__(self, zoom: float, detail: Sequence[str], overview: Sequence[str] = ()) -> None:
        super().__init__()
        self._name = "overview_detail"
        self.detail_key, self.overview_key, self.path_key = DETAIL_KEY, OVERVIEW_KEY, PATH_KEY
        self.zoom = float(zoom)
        # digits, brackets, commas: nothing to escape
        self.detail_js, self.overview_js = (js_literal(";".join(lines)) for lines in (detail, overview))
        self.later_js = after_first_frame("show();")

    def render(self, **kwargs: Any) -> None:
        parent = self._parent
        while parent is not None and not isinstance(parent, folium.Map):
            parent = parent._parent
        if parent is None:
            raise ValueError("OverviewDetail must sit in a folium.Map (under its GeoJson layer)")
        self.map_name = parent.get_name()
        super().render(**kwargs)
