"""Display geometry for web maps: lighter, rounded, and still a seamless coverage.

All area figures come from the full-resolution geometry; this is only what a map draws.
"""

from __future__ import annotations

import geopandas as gpd
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

    >>> from chengyu.geo import load_districts
    >>> shown = display_geometry(load_districts())
    >>> bool(shapely.coverage_is_valid(shown.geometry.to_numpy()))
    True
    """
    out = gdf.to_crs(4326)
    simplified = shapely.coverage_simplify(out.geometry.to_numpy(), tolerance)
    out["geometry"] = shapely.set_precision(simplified, grid_size)
    return out
