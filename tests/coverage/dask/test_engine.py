"""geo.coverage.dask.engine: the dask engine gives the in-process engine's figures and report, for every
format, zone kind and split into partitions and tiles."""

import subprocess
import sys

import numpy as np
import pytest
import shapely

import chengyu.geo.coverage.dask as gd
from chengyu.geo.coverage.dask import engine
from chengyu.geo.errors import AtlasError
from chengyu.geo.zones import zones
from tests.coverage.dask.support import assert_same, in_process, mixed_layer, write

pytest.importorskip("dask_geopandas", reason="the [dask] extra is not installed")
pytest.importorskip("distributed", reason="the [dask] extra is not installed")


@pytest.mark.parametrize("fmt,reading", [("parquet", "partitioned"), ("gpkg", "partitioned"),
                                         ("geojson", "whole on the client, then scattered")])
def test_the_same_figures_and_report_as_the_in_process_engine(fmt, reading, files, sc, threads):
    ref, ref_report = in_process(files[fmt], sc)
    run = gd.cover_layer_dask(files[fmt], sc, client=threads, npartitions=4, tiles=9)
    assert run.reading == reading
    assert run.partitions == 4
    assert run.tiles >= 6  # polygons cut into tiles, so pieces of one polygon go to several tasks
    assert run.workers == 2
    assert_same(run.coverage, ref)
    assert run.report.lines() == ref_report.lines()
    assert ref.kinds == ("point", "line", "polygon")
    assert ref_report.repaired >= 2 and ref_report.dropped_empty == 3 and ref_report.collections_exploded == 1


@pytest.mark.parametrize("kind,splits", [("economic-circle", ((1, 1), (7, 16))), ("districts", ((3, 4),))])
def test_every_zone_kind_and_partitioning(kind, splits, files, threads):
    zs = zones(kind)
    ref, _ = in_process(files["parquet"], zs)
    for npartitions, tiles in splits:
        cov = gd.covered_area_dask(files["parquet"], zs, client=threads, npartitions=npartitions)
        assert_same(cov, ref)
        run = gd.cover_layer_dask(files["gpkg"], zs, client=threads, npartitions=npartitions, tiles=tiles)
        assert_same(run.coverage, ref)
        assert run.partitions == npartitions


def test_points_and_lines_only(sc, threads, tmp_path):
    gdf = mixed_layer(sc)
    kind = shapely.get_type_id(np.asarray(gdf.geometry.array))
    kept = np.isin(kind, [shapely.GeometryType.POINT, shapely.GeometryType.LINESTRING,
                          shapely.GeometryType.MULTIPOINT])
    path = write(gdf[kept], tmp_path / "pl.gpkg")
    ref, ref_report = in_process(path, sc)
    run = gd.cover_layer_dask(path, sc, client=threads, npartitions=3)
    assert run.tiles == 0 and ref.kinds == ("point", "line")
    assert_same(run.coverage, ref)
    assert run.report.lines() == ref_report.lines()


def test_progress_goes_up_to_the_total(files, sc, threads):
    calls = []
    gd.covered_area_dask(files["gpkg"], sc, client=threads, npartitions=3,
                         progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] > 3
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_without_dask_it_says_what_to_install(sc, files, monkeypatch):
    monkeypatch.setattr(engine, "dask_available", lambda: False)
    with pytest.raises(AtlasError, match=r"chengyu-atlas\[dask\]"):
        gd.covered_area_dask(files["gpkg"], sc)


def test_the_package_imports_without_dask():
    """geo.coverage.dask imports dask only when it runs, so `chengyu` works without the extra."""
    code = ("import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
            "sys.modules['dask_geopandas'] = None; import chengyu.geo.coverage.dask as gd; "
            "import chengyu.cli.main; assert not gd.dask_available(); print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"
