"""What a format reader hands on to the geometry stages: a :class:`Raw` layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from chengyu.geo.layers.report import ReadReport


@dataclass
class Raw:
    """A layer as read, before any check: attributes, geometries, declared CRS and report so far.

    ``attrs`` holds a row per geometry of ``geoms`` (an object array of shapely geometries, None
    for a null one); ``crs`` is what the file declares (None when nothing). ``points_xy``, when a
    reader sets it, promises that every geometry is a 2-D Point with exactly these (finite)
    coordinates, row for row: :func:`~geo.layers.finish` then skips the checks it would otherwise
    make geometry by geometry.
    """

    attrs: pd.DataFrame
    geoms: np.ndarray
    crs: pyproj.CRS | None
    report: ReadReport
    points_xy: np.ndarray | None = None

    @classmethod
    def from_frame(cls, gdf: gpd.GeoDataFrame, crs: Any, report: ReadReport) -> Raw:
        """Attributes and a geometry array out of a GeoDataFrame, without copying the columns.

        ``crs``: anything pyproj takes for the declared CRS, or None.
        """
        geoms = np.asarray(gdf.geometry.array, dtype=object) if len(gdf) else np.empty(0, dtype=object)
        attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        return cls(attrs, geoms, pyproj.CRS.from_user_input(crs) if crs is not None else None, report)
