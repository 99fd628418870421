"""geo.layers.parquet: GeoParquet, and Parquet without GeoParquet metadata read as a table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chengyu.geo.layers import read_layer
from tests.layers.samples import DATA, SITE_NAMES, SITES_XY, check_output, coordinates


def test_geoparquet():
    layer = read_layer(DATA / "points.parquet")
    check_output(layer)
    assert layer.report.format == "GeoParquet"
    assert layer.gdf["name"].tolist() == SITE_NAMES
    assert layer.gdf["rank"].dtype == np.int64
    np.testing.assert_allclose(coordinates(layer), SITES_XY)


def test_plain_parquet_with_coordinate_columns(tmp_path):
    path = tmp_path / "plain.parquet"
    pd.DataFrame({"name": ["a", "b"], "lng": [106.3, 106.4], "lat": [29.6, 29.7]}).to_parquet(path)
    layer = read_layer(path)
    assert layer.report.format == "Parquet (no GeoParquet metadata)"
    assert coordinates(layer).tolist() == [[106.3, 29.6], [106.4, 29.7]]
