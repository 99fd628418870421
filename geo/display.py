"""Display geometry: lighter, rounded, still a seamless coverage, and projected for printed maps.

All area figures come from the full-resolution geometry; this is only what a map draws.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

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


def print_crs(bounds: Sequence[float] | npt.NDArray[np.float64]) -> CRS:
    """A Transverse Mercator on GRS80 centred on ``bounds`` (lon/lat): the projection of printed maps.

    Conformal, with north up along the central meridian and scale true there: a scale bar is right
    to 0.1% within 3° of longitude of the centre and to 0.4% at 5° (the Economic Circle's edges).

    >>> operation = print_crs([105.0, 28.0, 107.0, 30.0]).coordinate_operation
    >>> operation.method_name, [p.value for p in operation.params][:2]   # latitude, longitude of origin
    ('Transverse Mercator', [29.0, 106.0])
    """
    minx, miny, maxx, maxy = bounds
    return CRS.from_proj4(f"+proj=tmerc +lon_0={(minx + maxx) / 2:.6f} +lat_0={(miny + maxy) / 2:.6f} "
                          "+k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs")


def for_print(frames: Sequence[gpd.GeoDataFrame], focus: gpd.GeoDataFrame) -> list[gpd.GeoDataFrame]:
    """``frames`` projected for a printed map centred on ``focus`` (see :func:`print_crs`)."""
    crs = print_crs(focus.to_crs(4326).total_bounds)
    return [frame.to_crs(crs) for frame in frames]
