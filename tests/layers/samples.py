"""What the layer tests share: the sample files, what they hold, and the checks every layer passes."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from chengyu.geo.layers import KINDS, OUTPUT_CRS, Layer
from tests.data import make_samples

DATA = Path(__file__).parents[1] / "data"
BAD = DATA / "bad"

SITE_NAMES = ["重庆大学虎溪校区", "西部科学城管委会", "金凤实验室", "重庆高新区创新中心", "科学谷"]
SITES_XY = np.array([(s[2], s[3]) for s in make_samples.SITES])

__all__ = ["BAD", "DATA", "SITES_XY", "SITE_NAMES", "check_output", "coordinates", "make_samples"]


def coordinates(layer: Layer) -> np.ndarray:
    """Every coordinate of the layer's geometries, in order."""
    return shapely.get_coordinates(layer.gdf.geometry.to_numpy())


def check_output(layer: Layer) -> None:
    """What every layer read_layer returns is: in OUTPUT_CRS, 'kind' and 'geometry' last, clean, counted."""
    gdf = layer.gdf
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4490 and OUTPUT_CRS == "EPSG:4490"
    assert list(gdf.columns[-2:]) == ["kind", "geometry"]
    assert set(gdf["kind"].astype(str)) <= set(KINDS)
    assert gdf.geometry.notna().all() and not gdf.geometry.is_empty.any()
    assert not gdf.geometry.has_z.any()
    assert gdf.geometry.is_valid.all()
    assert isinstance(gdf.index, pd.RangeIndex)
    assert layer.report.features == len(gdf)
    assert sum(layer.report.kinds.values()) == len(gdf)
    for line in layer.report.lines():
        assert "\n" not in line
