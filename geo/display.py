"""Display geometry for web maps: lighter, rounded, and still a seamless coverage.

All area figures come from the full-resolution geometry; this is only what a map draws, down to
the pixels Leaflet draws it at (:func:`leaflet_pixels`, :func:`pixel_paths`).
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


# Leaflet's EPSG:3857 (L.Projection.SphericalMercator and L.CRS.EPSG3857), term for term: the same
# double operations in the same order give the same pixel after rounding.
_LEAFLET_R = 6378137.0
_LEAFLET_MAX_LATITUDE = 85.0511287798
_LEAFLET_SCALE = 0.5 / (math.pi * _LEAFLET_R)


def leaflet_pixels(lonlat: np.ndarray, zoom: float) -> np.ndarray:
    """Integer world pixels of ``lonlat`` (n × 2, degrees) at ``zoom``, as Leaflet computes them.

    ``map.project(latlng, zoom).round()``: Web Mercator scaled to 256 × 2^zoom px for the world,
    rounded half up like ``Math.round``.

    >>> leaflet_pixels(np.array([[0.0, 0.0], [106.55, 29.56]]), 9.25).tolist()
    [[77936, 77936], [124070, 64528]]
    """
    rad = math.pi / 180
    lat = np.clip(lonlat[:, 1], -_LEAFLET_MAX_LATITUDE, _LEAFLET_MAX_LATITUDE)
    sin = np.sin(lat * rad)
    x = _LEAFLET_R * lonlat[:, 0] * rad
    y = _LEAFLET_R * np.log((1 + sin) / (1 - sin)) / 2
    scale = 256 * 2.0 ** zoom
    px = np.column_stack([scale * (_LEAFLET_SCALE * x + 0.5), scale * (-_LEAFLET_SCALE * y + 0.5)])
    return np.floor(px + 0.5).astype(np.int64)


def pixel_paths(geometries: np.ndarray, zoom: float) -> list[tuple[int, int, str] | None]:
    """Each polygon as the SVG path Leaflet draws for it at ``zoom``, before clipping to the view.

    ``(x, y, rest)``: the first vertex in world pixels (:func:`leaflet_pixels`) and the rest of the
    path relative to it — ``l`` steps to each next vertex, ``z`` closing each ring, ``m`` from one
    ring's first vertex to the next's. A page subtracts the map's pixel origin from ``x, y`` and
    has Leaflet's path without converting, projecting or rounding a vertex: the same vertices,
    rings (a ring's closing vertex dropped, as ``L.Polygon`` does) and pixels, written relative.
    None for a geometry that is empty or not a (multi)polygon.

    >>> pixel_paths(np.array([shapely.box(106.5, 29.5, 106.6, 29.6)]), 9.25)
    [(124091, 64558, 'l0 -50 -43 0 0 50z')]
    """
    out: list[tuple[int, int, str] | None] = []
    polygonal = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    for geometry in geometries:
        if shapely.is_empty(geometry) or shapely.get_type_id(geometry) not in polygonal:
            out.append(None)
            continue
        first = previous = None
        pieces = []
        for ring in shapely.get_rings(shapely.get_parts(geometry)):
            px = leaflet_pixels(shapely.get_coordinates(ring)[:-1], zoom)  # a ring repeats its first vertex last
            if previous is None:
                first = px[0]
            else:
                pieces.append(f"m{px[0, 0] - previous[0]} {px[0, 1] - previous[1]}")
            if len(px) > 1:
                pieces.append("l" + " ".join(map(str, np.diff(px, axis=0).ravel().tolist())))
            pieces.append("z")  # back to the ring's first vertex, where the next "m" starts from
            previous = px[0]
        out.append((int(first[0]), int(first[1]), "".join(pieces)))
    return out
