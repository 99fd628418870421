"""Display geometry for web maps: lighter, rounded, and still a seamless coverage.

All area figures come from the full-resolution geometry; this is only what a map draws.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

# About 1 m: 1e-5 degrees is 1.1 m of latitude and at most 1.1 m of longitude.
GRID_DEG = 1e-5
# Visvalingam–Whyatt tolerance (square root of the triangle area removed), about 300 m: the source
# itself is simplified to ~1.5 km segments, so this drops only the smallest wiggles.
TOLERANCE_DEG = 0.003


def display_geometry(gdf: gpd.GeoDataFrame, tolerance: float = TOLERANCE_DEG,
                     grid_size: float = GRID_DEG) -> gpd.GeoDataFrame:
    """A copy of ``gdf`` in EPSG:4326 with its polygons simplified as one coverage, then rounded.

    ``shapely.coverage_simplify`` simplifies each shared border once, so neighbours keep
    sharing their borders exactly (no gaps, no slivers at any zoom); rounding to a common grid
    keeps shared vertices shared.

    >>> from geo import load_districts
    >>> shown = display_geometry(load_districts())
    >>> bool(shapely.coverage_is_valid(shown.geometry.to_numpy()))
    True
    """
    out = gdf.to_crs(4326)
    simplified = shapely.coverage_simplify(out.geometry.to_numpy(), tolerance)
    out["geometry"] = shapely.set_precision(simplified, grid_size)
    return out


# Web Mercator as Leaflet draws it: the world is 256 px wide at zoom 0.
_TILE_PX = 256.0
_MERCATOR_HALF_WORLD_M = 20037508.342789244


def fit_zoom(bounds: tuple[float, float, float, float], size: tuple[int, int],
             padding: tuple[int, int] = (0, 0), snap: float = 0.25) -> float:
    """The zoom Leaflet's ``fitBounds`` picks for ``bounds`` (lon/lat) in a ``size`` px map.

    ``padding`` is the total padding in px (left + right, top + bottom); ``snap`` the map's
    ``zoomSnap``. Same arithmetic as ``L.Map.getBoundsZoom``: the largest snapped zoom at which the
    projected bounds fit.

    >>> fit_zoom((105.82, 28.53, 106.68, 30.09), (1280, 800), padding=(360, 20))
    9.25
    """
    minx, miny, maxx, maxy = bounds

    def project(lon: float, lat: float) -> tuple[float, float]:
        y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
        return _TILE_PX * (lon + 180) / 360, _TILE_PX * (0.5 - y / (2 * math.pi))

    (x0, y0), (x1, y1) = project(minx, maxy), project(maxx, miny)
    scale = min((size[0] - padding[0]) / (x1 - x0), (size[1] - padding[1]) / (y1 - y0))
    zoom = math.log2(scale)
    zoom = round(zoom / (snap / 100)) * (snap / 100)  # Leaflet rounds off float noise first
    return math.floor(zoom / snap) * snap


def overview_geometry(shown: gpd.GeoDataFrame, zoom: float, tolerance_px: float = 1.0,
                      worth: float = 0.5) -> gpd.GeoSeries:
    """``shown``'s polygons (EPSG:4326) without the vertices Leaflet would drop anyway at ``zoom``.

    Leaflet simplifies every ring it draws (Douglas–Peucker, ``smoothFactor`` 1 px, in screen
    pixels) after it has converted and projected every vertex. Given this geometry while the map
    is at ``zoom`` or further out, it draws the same picture to within ``tolerance_px`` from a
    fraction of the vertices; zoomed in, a map needs the full ``shown`` geometry again.
    As in Leaflet, each ring is simplified as a line from its first vertex back to it, on its own
    (so the result is for drawing: it is not checked for validity). A polygon whose overview would
    keep more than ``worth`` of its vertices stays whole: a page carrying both versions pays in
    bytes for every overview.

    >>> from geo import load_districts
    >>> shown = display_geometry(load_districts())
    >>> n = lambda geoms: int(shapely.get_num_coordinates(geoms).sum())
    >>> n(overview_geometry(shown, 7.25).values) < 0.5 * n(shown.geometry.values)
    True
    """
    metres_per_px = 2 * _MERCATOR_HALF_WORLD_M / (_TILE_PX * 2 ** zoom)
    full = shown.geometry.to_numpy()
    projected = shown.geometry.to_crs(3857).to_numpy()
    # GEOS simplifies a ring as a ring and may then drop its first vertex, which can leave the
    # vertices removed next to it further away than the tolerance; a closed line keeps the bound.
    parts, part_of = shapely.get_parts(projected, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    coords, vertex_of = shapely.get_coordinates(rings, return_index=True)
    lines = shapely.simplify(shapely.linestrings(coords, indices=vertex_of), tolerance_px * metres_per_px,
                             preserve_topology=False)
    lines = np.where(shapely.get_num_coordinates(lines) >= 4, lines, rings)  # a ring needs 4 points
    coords, vertex_of = shapely.get_coordinates(lines, return_index=True)
    simple_rings = shapely.linearrings(coords, indices=vertex_of)
    polygons = shapely.polygons(simple_rings, indices=ring_of)  # the first ring of each part is its shell
    merged = shapely.multipolygons(polygons, indices=part_of)
    single = shapely.get_type_id(full) == shapely.GeometryType.POLYGON
    overview = np.where(single, shapely.get_geometry(merged, 0), merged)
    back = gpd.GeoSeries(overview, crs=3857).to_crs(shown.crs).to_numpy()
    # Back on the grid the display geometry was rounded to (to_crs leaves ~1e-12 of noise), the same
    # way (nearest doubles: 108.0692, not 108.06920000000001); pointwise, as the rings are not
    # checked for validity.
    back = shapely.set_precision(back, GRID_DEG, mode="pointwise")
    pays = shapely.get_num_coordinates(back) <= worth * shapely.get_num_coordinates(full)
    return gpd.GeoSeries(np.where(pays, back, full), index=shown.index, crs=shown.crs)
