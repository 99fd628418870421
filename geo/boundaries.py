"""Load the bundled county-level boundaries of Chongqing and Sichuan."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pyogrio

from chengyu.geo.errors import AtlasError
from chengyu.shapes import DISTRICTS_PATH

COLUMNS = [
    "code", "name_zh", "name_en",
    "city_code", "city_name_zh", "city_name_en",
    "province_code", "province_name_zh", "province_name_en",
]


def load_districts(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Every county-level unit of Chongqing (38) and Sichuan (183), in EPSG:4490.

    Returns a fresh copy each call, indexed 0..n-1 in code order.

    >>> districts = load_districts()
    >>> len(districts), districts.crs.to_epsg()
    (221, 4490)
    >>> districts.set_index("code").loc["500106", "name_en"]
    'Shapingba District'
    """
    return _read(Path(path) if path is not None else DISTRICTS_PATH).copy()


@lru_cache(maxsize=4)
def _read(path: Path) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, OSError) as err:
        raise AtlasError(path, f"cannot read the boundaries: {err}") from None
    missing = [c for c in COLUMNS if c not in gdf.columns]
    if missing:
        raise AtlasError(path, f"missing column(s) {', '.join(missing)}")
    if gdf.crs is None or gdf.crs.to_epsg() != 4490:
        raise AtlasError(path, f"expected CRS EPSG:4490, found {gdf.crs}")
    return gdf[[*COLUMNS, "geometry"]].sort_values("code", ignore_index=True)
