"""geo.coverage.dask.partition and .assemble: read_layer's rules on each partition, its whole-layer checks
and CRS decision made once on the client, so the report and errors read as read_layer's."""

import geopandas as gpd
import pytest
import shapely

import chengyu.geo.coverage.dask as gd
from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import read_layer
from tests.coverage.dask.support import assert_same, in_process, mixed_layer, write

pytest.importorskip("dask_geopandas", reason="the [dask] extra is not installed")
pytest.importorskip("distributed", reason="the [dask] extra is not installed")


def test_a_partition_of_nothing_but_broken_polygons_is_fine(sc, threads, tmp_path):
    bowtie = shapely.Polygon([(106.3, 29.5), (106.4, 29.6), (106.4, 29.5), (106.3, 29.6)])  # repaired
    flat = shapely.Polygon([(106.3, 29.5), (106.4, 29.5), (106.35, 29.5)])  # no area: dropped
    rows = [flat, None, bowtie, shapely.box(106.3, 29.5, 106.35, 29.55)]
    path = write(gpd.GeoDataFrame(geometry=rows, crs=4490), tmp_path / "broken.parquet", row_groups=2)
    ref, ref_report = in_process(path, sc)
    run = gd.cover_layer_dask(path, sc, client=threads, npartitions=2)
    assert_same(run.coverage, ref)
    assert run.report.lines() == ref_report.lines()
    assert ref_report.dropped_unrepairable == 1 and ref_report.repaired == 1 and ref_report.dropped_empty == 1


@pytest.mark.parametrize("rows", [
    [None, shapely.Point(), None, shapely.Polygon()],
    [shapely.Polygon([(106.3, 29.5), (106.4, 29.5), (106.35, 29.5)])] * 2 + [None] * 2,
])
def test_whole_layer_errors_are_read_layers(rows, sc, threads, tmp_path):
    path = write(gpd.GeoDataFrame(geometry=rows, crs=4490), tmp_path / "nothing.parquet", row_groups=2)
    with pytest.raises(AtlasError) as want:
        read_layer(path)
    with pytest.raises(AtlasError) as got:
        gd.cover_layer_dask(path, sc, client=threads, npartitions=2)
    assert str(got.value) == str(want.value)


def test_the_crs_is_decided_for_the_whole_layer(sc, threads, tmp_path):
    gdf = mixed_layer(sc)
    no_crs = write(gdf.set_crs(None, allow_override=True), tmp_path / "nocrs.parquet")
    for path, crs in ((no_crs, None), (no_crs, "gcj02"), (no_crs, "bd09"), ("tests/data/projected.gpkg", None)):
        ref, ref_report = in_process(path, sc, crs=crs)
        run = gd.cover_layer_dask(path, sc, client=threads, npartitions=3, crs=crs)
        assert_same(run.coverage, ref)
        assert run.report.lines() == ref_report.lines()
    assert any("no CRS declared" in line for line in gd.cover_layer_dask(
        no_crs, sc, client=threads, npartitions=3).report.lines())
