"""geo.layers.stages: read_layer as open_raw then finish; progress, the kind column, the garbage collector."""

from __future__ import annotations

import gc

import geopandas.testing
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely

from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import KINDS, Raw, ReadReport, check_whole_layer, finish, open_raw, read_layer, stages
from tests.layers.samples import BAD, DATA


def test_progress_callback_and_report_lines():
    said = []
    layer = read_layer(DATA / "parks.geojson", progress=said.append)
    assert said[0] == "reading" and "repairing polygons" in said
    lines = layer.report.lines()
    assert lines[0] == "read 4 features (GeoJSON)"
    assert lines[1] == "kept 4: 4 polygons"
    assert "CRS declared: EPSG:4979; used: EPSG:4326; output: EPSG:4490" in lines
    assert isinstance(layer.report, ReadReport)


def test_kind_column_is_what_pandas_makes_of_the_strings():
    codes = np.array([0, 2, 1, 1, 0, 2], dtype=np.int8)
    expected = pd.DataFrame({"a": range(6)})
    expected["kind"] = np.array(KINDS, dtype=object)[codes]
    got = pd.DataFrame({"a": range(6)})
    got["kind"] = stages._kind_column(codes)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert type(got["kind"].array) is type(expected["kind"].array)
    assert pa.array(got["kind"].array).type == pa.array(expected["kind"].array).type


def test_read_layer_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    assert gc.isenabled()
    read_layer(DATA / "points.parquet")
    assert gc.isenabled()
    with pytest.raises(AtlasError):
        read_layer(BAD / "nan.csv")
    assert gc.isenabled()
    gc.disable()
    try:
        read_layer(DATA / "points.parquet")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_read_layer_is_open_raw_then_finish():
    layer = read_layer(DATA / "projected.gpkg", crs="EPSG:32648")
    raw = open_raw(DATA / "projected.gpkg")
    extent = tuple(shapely.total_bounds(raw.geoms).tolist())  # before conversion
    staged = finish(str(DATA / "projected.gpkg"), raw, "EPSG:32648")
    geopandas.testing.assert_geodataframe_equal(staged.gdf, layer.gdf)
    assert staged.report == layer.report
    assert layer.report.extent == extent and extent[0] > 600_000


def _raw(geoms):
    geoms = np.array(geoms, dtype=object)
    return Raw(pd.DataFrame(index=pd.RangeIndex(len(geoms))), geoms, None, ReadReport("GeoParquet"))


COLLAPSED = shapely.Polygon([(106.3, 29.5), (106.4, 29.5), (106.35, 29.5)])  # no area left after repair


@pytest.mark.parametrize("geoms, counts, problem", [
    ([], {"features_read": 0}, "has no features"),
    ([None, shapely.Point()], {"features_read": 2, "dropped_empty": 2},
     "has no geometries (all 2 features have a null or empty geometry)"),
    ([COLLAPSED, None], {"features_read": 2, "dropped_empty": 1, "dropped_unrepairable": 1},
     "every geometry is invalid beyond repair (1 polygon with no area left after repair: they collapse to lines or "
     "points)"),
])
def test_a_part_of_a_layer_may_have_nothing_left_a_whole_layer_may_not(geoms, counts, problem):
    """What the dask engine relies on: finish(partial=True) passes an empty partition through, and
    check_whole_layer then judges the counts added up."""
    part = finish("part", _raw(geoms), partial=True)
    assert len(part.gdf) == part.report.features == 0 and list(part.gdf.columns) == ["kind", "geometry"]
    assert {k: getattr(part.report, k) for k in counts} == counts
    assert part.report.extent is None or geoms[0] is COLLAPSED
    with pytest.raises(AtlasError) as err:
        check_whole_layer("layer.parquet", part.report)
    assert err.value.problem == problem
    with pytest.raises(AtlasError) as whole:
        finish("layer.parquet", _raw(geoms))
    assert str(whole.value) == str(err.value)


def test_a_one_layer_format_says_the_layer_name_is_ignored():
    hints = read_layer(DATA / "sites.csv", layer_name="sites").report.hints
    assert "layer_name='sites' ignored: a CSV file has one layer" in hints
