"""Users' layers as saved pages (no browser needed; tests/browser/test_overlay.py opens them)."""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
from folium.plugins import MarkerCluster
from shapely import points

from maps.offline import render_html
from maps.safe import PropertyPopup, PropertyTooltip, safe_geojson


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(106.3, 106.5, n), rng.uniform(29.5, 29.65, n)
    names = [f"<b>p{i}</b> {{{{ 7*7 }}}}" for i in range(n)]
    return gpd.GeoDataFrame({"name": names}, geometry=points(lon, lat), crs="EPSG:4326")


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
