"""geo.layers.parquet: GeoParquet, and Parquet without GeoParquet metadata read as a table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from chengyu.geo.errors import AtlasError
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


@pytest.mark.parametrize("geo", [b"[1, 2]", b'"text"', b'{"version": "1.0.0", "primary_column": "geometry", '
                                                        b'"columns": [1]}'])
def test_geo_metadata_of_the_wrong_shape_is_one_line(tmp_path, geo):
    """A 'geo' key that is JSON but not the spec's object used to reach geopandas and end in a traceback."""
    table = pa.table({"geometry": [shapely.to_wkb(shapely.Point(106.3, 29.6))]})
    path = tmp_path / "odd.parquet"
    pq.write_table(table.replace_schema_metadata({b"geo": geo}), path)
    with pytest.raises(AtlasError, match=r"odd\.parquet: is not a valid Parquet file: .*(metadata|dict)"):
        read_layer(path)
