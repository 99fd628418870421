"""Areas in km²: equal-area projection for the figures, geodesic area to check them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS, Geod

# Albers equal-area for China on the CGCS2000 ellipsoid (GRS80): areas in m² are true areas.
ALBERS_CHINA = CRS.from_proj4(
    "+proj=aea +lat_0=0 +lat_1=25 +lat_2=47 +lon_0=105 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
)
GEOD = Geod(ellps="GRS80")


def to_equal_area(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoSeries:
    """The geometries reprojected to :data:`ALBERS_CHINA` (metres)."""
    if gdf.crs is None:
        raise ValueError("the geometries have no CRS; set one before measuring areas")
    return gdf.geometry.to_crs(ALBERS_CHINA)


def area_km2(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of each geometry in km², measured in the equal-area projection.

    >>> from chengyu.geo import load_districts
    >>> d = load_districts().set_index("code")
    >>> round(float(area_km2(d).loc["500106"]))
    397
    """
    return pd.Series(to_equal_area(gdf).area.to_numpy() / 1e6, index=gdf.index, name="area_km2")


def geodesic_area_km2(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> pd.Series:
    """Area of each geometry in km² on the GRS80 ellipsoid (an independent check of :func:`area_km2`)."""
    geographic = gdf.geometry.to_crs(4490)
    # Geod works one geometry at a time; this is a check, not a hot path.
    values = np.array([abs(GEOD.geometry_area_perimeter(g)[0]) if g is not None else np.nan
                       for g in geographic]) / 1e6
    return pd.Series(values, index=gdf.index, name="geodesic_area_km2")
