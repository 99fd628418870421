"""geo.coverage.dask.plan: GeoParquet in whole row groups, GeoPackage in feature ranges, a folder of
GeoParquet files as one layer; anything else read whole by read_layer, said in its words."""

import json
import math

import geopandas as gpd
import pyarrow.parquet as pq
import pytest

import chengyu.geo.coverage.dask as gd
from chengyu.geo.coverage.dask import cluster, plan
from chengyu.geo.errors import AtlasError
from chengyu.geo.layers import read_layer
from tests.coverage.dask.support import assert_same, in_process

pytest.importorskip("dask_geopandas", reason="the [dask] extra is not installed")
pytest.importorskip("distributed", reason="the [dask] extra is not installed")


def test_geoparquet_partitions_are_whole_row_groups(sc, files, threads, monkeypatch):
    ref, _ = in_process(files["parquet"], sc)
    monkeypatch.setattr(plan, "ROWS_PER_PARTITION", 1)  # one row group per partition
    run = gd.cover_layer_dask(files["parquet"], sc, client=threads)
    assert run.partitions == 4  # the file's row groups, read one per task
    assert_same(run.coverage, ref)
    monkeypatch.setattr(plan, "ROWS_PER_PARTITION", 10**9)  # all row groups in one partition
    assert gd.cover_layer_dask(files["parquet"], sc, client=threads).partitions == 1
    monkeypatch.setattr(plan, "ROWS_PER_PARTITION", 200)  # GeoPackage: one per 200 features
    n = len(gpd.read_file(files["gpkg"]))
    assert gd.cover_layer_dask(files["gpkg"], sc, client=threads).partitions == math.ceil(n / 200)


def test_a_folder_of_geoparquet_files_is_one_layer(sc, files, threads, tmp_path):
    gdf = gpd.read_parquet(files["parquet"])
    folder = tmp_path / "dataset"
    folder.mkdir()
    for i, (a, b) in enumerate(((0, 200), (200, 420), (420, len(gdf)))):
        gdf.iloc[a:b].to_parquet(folder / f"part-{i}.parquet")
    ref, ref_report = in_process(files["parquet"], sc)
    run = gd.cover_layer_dask(folder, sc, client=threads)
    assert run.reading == "partitioned" and run.partitions >= 3
    assert_same(run.coverage, ref)
    assert run.report.lines()[1:] == ref_report.lines()[1:]  # the first line names the file


def test_layer_names_as_read_layer(sc, threads):
    multi = "tests/data/multi.gpkg"
    with pytest.raises(AtlasError, match="pick one with layer_name="):
        gd.cover_layer_dask(multi, sc, client=threads)
    with pytest.raises(AtlasError, match="has no layer 'nope'"):
        gd.cover_layer_dask(multi, sc, client=threads, layer_name="nope")
    ref, ref_report = in_process(multi, sc, layer_name="rail")
    run = gd.cover_layer_dask(multi, sc, client=threads, layer_name="rail")
    assert run.reading == "partitioned"
    assert_same(run.coverage, ref)
    assert run.report.lines() == ref_report.lines()


def _no_cluster(*args, **kwargs):
    raise AssertionError("a cluster was started")


def test_a_broken_file_is_said_before_any_cluster_starts(sc, monkeypatch):
    monkeypatch.setattr(cluster, "local_client", _no_cluster)
    for bad in ("tests/data/nonexistent.geojson", "tests/data/multi.gpkg", "tests/data/bad/fake.gpkg",
                "tests/data/bad/fake.parquet", "tests/data/bad/truncated.geojson", "tests/data/bad/empty.zip"):
        with pytest.raises(AtlasError) as want:
            read_layer(bad)
        with pytest.raises(AtlasError) as got:
            gd.covered_area_dask(bad, sc)
        assert str(got.value) == str(want.value)


@pytest.mark.parametrize("geo", [
    b"{not json",
    lambda geo: {k: v for k, v in geo.items() if k != "version"},
    lambda geo: {**geo, "columns": {"geometry": {**geo["columns"]["geometry"], "encoding": "WKT"}}},
])
def test_broken_geoparquet_metadata_is_said_as_read_layer_says_it(sc, files, tmp_path, monkeypatch, geo):
    monkeypatch.setattr(cluster, "local_client", _no_cluster)
    table = pq.read_table(files["parquet"])
    metadata = dict(table.schema.metadata)
    metadata[b"geo"] = geo if isinstance(geo, bytes) else json.dumps(geo(json.loads(metadata[b"geo"]))).encode()
    path = tmp_path / "broken.parquet"
    pq.write_table(table.replace_schema_metadata(metadata), path)
    with pytest.raises(AtlasError) as want:
        read_layer(path)
    with pytest.raises(AtlasError) as got:
        gd.covered_area_dask(path, sc)
    assert str(got.value) == str(want.value)
