"""Users' layers as saved pages (no browser needed; tests/browser/test_overlay.py opens them)."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
from folium.plugins import MarkerCluster
from shapely import points

from maps.offline import render_html
from maps.overlay import CLUSTER_ABOVE, add_layer
from maps.render import science_city_map
from maps.safe import PropertyPopup, PropertyTooltip, safe_geojson


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(106.3, 106.5, n), rng.uniform(29.5, 29.65, n)
    names = [f"<b>p{i}</b> {{{{ 7*7 }}}}" for i in range(n)]
    return gpd.GeoDataFrame({"name": names}, geometry=points(lon, lat), crs="EPSG:4326")


def _page(n: int) -> str:
    m = science_city_map()
    add_layer(m, _points(n), name="pts", label="name")
    return render_html(m)


def test_clustered_points_bind_tooltip_and_popup_on_the_cluster_group():
    page = _page(CLUSTER_ABOVE + 1)
    (cluster,) = re.findall(r"var (marker_cluster_\d+) = L\.markerClusterGroup\(", page)
    (points_layer,) = re.findall(rf"(geo_json_\d+)\.addTo\({cluster}\)", page)
    # The cluster group is the layer on the map that hears its markers' events; the GeoJson layer
    # whose markers it took never joins the map, so nothing may be bound to it.
    assert page.count(f"{cluster}.bindTooltip(function (layer)") == 1
    assert page.count(f"{cluster}.bindPopup(function (layer)") == 1
    assert f"{points_layer}.bind" not in page
    # the values stay escaped as before: HTML-escaped (braces as entities), then \u-escaped in JSON
    assert "<b>p0" not in page and "{{ 7*7 }}" not in page
    assert r"\u0026lt;b\u0026gt;p0\u0026lt;/b\u0026gt; \u0026#123;\u0026#123; 7*7 \u0026#125;\u0026#125;" in page


def test_unclustered_points_bind_on_their_own_layer():
    page = _page(CLUSTER_ABOVE)
    assert "markerClusterGroup" not in page
    (points_layer,) = re.findall(r"(geo_json_\d+)\.addTo\(feature_group_\d+\)", page)  # the user's layer
    assert page.count(f"{points_layer}.bindTooltip(") == page.count(f"{points_layer}.bindPopup(") == 1


def test_clustered_page_is_the_same_on_every_build():
    assert _page(CLUSTER_ABOVE + 1) == _page(CLUSTER_ABOVE + 1)


def test_property_binders_of_a_clustered_geojson_bind_on_the_cluster_group():
    # maps.safe, as any caller meets it: Leaflet.markercluster takes a GeoJson layer's markers into
    # itself, so the GeoJson layer never joins the map (its own tooltip would never open, and throw
    # on every mouse move).
    m = folium.Map(tiles=None)
    layer = folium.GeoJson(safe_geojson(_points(3), html_fields=["name"])).add_to(MarkerCluster().add_to(m))
    PropertyTooltip("name").add_to(layer)
    PropertyPopup("name").add_to(layer)
    page = render_html(m)
    (cluster,) = re.findall(r"var (marker_cluster_\d+) = L\.markerClusterGroup\(", page)
    (points_layer,) = re.findall(rf"(geo_json_\d+)\.addTo\({cluster}\)", page)
    assert page.count(f"{cluster}.bindTooltip(function (layer) {{") == 1
    assert page.count(f"{cluster}.bindPopup(function (layer) {{") == 1
    assert f"{points_layer}.bind" not in page
