"""The dask engine gives the in-process engine's figures: partitions, tiles, overlaps across both.

Skipped when the ``[dask]`` extra (dask, distributed, dask-geopandas) is not installed.
"""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

pytest.importorskip("dask_geopandas", reason="the [dask] extra is not installed")
distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")

import chengyu.geo.distributed as gd  # noqa: E402
from chengyu.geo.area import ALBERS_CHINA  # noqa: E402
from chengyu.geo.coverage import TABLE_COLUMNS, covered_area  # noqa: E402
from chengyu.geo.errors import AtlasError  # noqa: E402
from chengyu.geo.layers import read_layer  # noqa: E402
from chengyu.geo.zones import zones  # noqa: E402

REL = 1e-9  # the promise: every figure equal to 1e-9 relative
ABS_KM = 1e-12  # ... and figures that are zero (or a sliver) to 1 mm² / 1 nm


@pytest.fixture(scope="module")
def sc():
    return zones("science-city")


@pytest.fixture(scope="module")
def threads():
    """Two workers as threads in this process: starts in a fraction of a second, and runs
    covered_area in two threads at once (the zones must not be shared between them)."""
    with gd.local_client(2, processes=False) as client:
        yield client


@pytest.fixture(scope="module")
def processes():
    """Two worker processes, reached through the scheduler's address (as scheduler= does)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  **gd.NO_DASHBOARD) as cluster:
        yield cluster.scheduler_address


# ---- layers


def border_vertices(zs):
    g = np.asarray(zs.table.geometry.array)
    inner = shapely.intersection(g[0].boundary, shapely.union_all(g[1:]).boundary)
    return shapely.get_coordinates(inner)


def mixed_layer(zs, seed=7):
    """Polygons (overlapping, duplicated, across zone borders, invalid, with holes), lines and
    points (on shared border vertices too), collections, null and empty rows; shuffled, with an
    overlapping pair at the first and the last row, so that overlaps fall in different partitions."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = zs.table.total_bounds
    minx, miny, maxx, maxy = minx - 0.1, miny - 0.1, maxx + 0.1, maxy + 0.1  # some outside every zone
    verts = border_vertices(zs)
    geoms = []
    n = 150
    x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    w, h = rng.uniform(0.002, 0.06, n), rng.uniform(0.002, 0.06, n)
    boxes = list(shapely.box(x, y, x + w, y + h))
    geoms += boxes
    geoms += [shapely.affinity.translate(b, 0.01, 0.005) for b in boxes[:50]]  # overlapping
    geoms += boxes[50:60]  # exact duplicates
    pick = verts[rng.choice(len(verts), 25, replace=False)]
    geoms += list(shapely.box(pick[:, 0] - 0.01, pick[:, 1] - 0.01, pick[:, 0] + 0.012, pick[:, 1] + 0.008))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    geoms.append(shapely.box(cx - 0.15, cy - 0.2, cx + 0.15, cy + 0.2))  # big: many tiles, zones, overlaps
    geoms.append(shapely.Polygon([(cx, cy), (cx + 0.05, cy + 0.05), (cx + 0.05, cy), (cx, cy + 0.05)]))  # bowtie
    geoms.append(shapely.Polygon(shapely.box(cx + 0.2, cy, cx + 0.3, cy + 0.1).exterior.coords,
                                 [shapely.box(cx + 0.22, cy + 0.02, cx + 0.28, cy + 0.08).exterior.coords]))
    geoms.append(shapely.MultiPolygon([shapely.box(cx - 0.3, cy, cx - 0.25, cy + 0.05),
                                       shapely.box(cx - 0.27, cy + 0.02, cx - 0.2, cy + 0.07)]))  # invalid
    for _ in range(40):
        k = rng.integers(2, 6)
        geoms.append(shapely.LineString(np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])))
    for i in rng.choice(len(verts) - 6, 4, replace=False):
        geoms.append(shapely.LineString(verts[i:i + 5]))  # along a shared border
    geoms.append(shapely.LineString([(cx, cy), (cx + 0.3, cy + 0.1), (cx, cy)]))  # there and back
    geoms += list(shapely.points(rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)))
    geoms += list(shapely.points(verts[rng.choice(len(verts), 20, replace=False)]))
    geoms.append(shapely.MultiPoint(verts[:3]))
    geoms.append(shapely.GeometryCollection([shapely.box(cx, cy - 0.1, cx + 0.05, cy - 0.05),
                                             shapely.Point(cx, cy), shapely.LineString([(cx, cy), (cx + 0.1, cy)])]))
    geoms += [None, shapely.Point(), shapely.Polygon()]
    order = rng.permutation(len(geoms))
    first = shapely.box(cx - 0.05, cy - 0.05, cx + 0.05, cy + 0.05)
    rows = [first, *(geoms[i] for i in order), shapely.affinity.translate(first, 0.03, 0.02)]
    return gpd.GeoDataFrame({"id": np.arange(len(rows)), "name": [f"f{i}" for i in range(len(rows))]},
                            geometry=rows, crs=4490)


def write(gdf, path, row_groups=4):
    if path.suffix == ".parquet":
        gdf.to_parquet(path, row_group_size=math.ceil(len(gdf) / row_groups))
    elif path.suffix == ".gpkg":
        gdf.to_file(path, driver="GPKG", layer="mixed", engine="pyogrio")
    else:
        gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def files(sc, tmp_path_factory):
    d = tmp_path_factory.mktemp("dask")
    gdf = mixed_layer(sc)
    return {fmt: write(gdf, d / f"mixed.{fmt}") for fmt in ("parquet", "gpkg", "geojson")}


# ---- comparison


def assert_same(cov, ref):
    assert list(cov.table.columns) == TABLE_COLUMNS
    for col in ("code", "name_zh", "name_en"):
        assert cov.table[col].tolist() == ref.table[col].tolist()
    assert cov.table["count"].dtype == ref.table["count"].dtype
    assert cov.table["count"].tolist() == ref.table["count"].tolist()
    for col in ("area_km2", "covered_km2", "covered_pct", "length_km", "per_km2"):
        assert cov.table[col].to_numpy() == pytest.approx(ref.table[col].to_numpy(), rel=REL, abs=ABS_KM), col
    for name in ("total", "outside", "layer_totals"):
        got, want = getattr(cov, name), getattr(ref, name)
        assert set(got) == set(want)
        for key, value in want.items():
            if key == "count":
                assert got[key] == value, (name, key)
            else:
                assert got[key] == pytest.approx(value, rel=REL, abs=ABS_KM), (name, key)
    assert cov.kinds == ref.kinds


def in_process(path, zs, **kwargs):
    layer = read_layer(path, **kwargs)
    return covered_area(layer.gdf, zs), layer.report


# ---- the same figures


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


def test_geoparquet_partitions_are_whole_row_groups(sc, files, threads, monkeypatch):
    ref, _ = in_process(files["parquet"], sc)
    monkeypatch.setattr(gd, "ROWS_PER_PARTITION", 1)  # one row group per partition
    run = gd.cover_layer_dask(files["parquet"], sc, client=threads)
    assert run.partitions == 4  # the file's row groups, read one per task
    assert_same(run.coverage, ref)
    monkeypatch.setattr(gd, "ROWS_PER_PARTITION", 10**9)  # all row groups in one partition
    assert gd.cover_layer_dask(files["parquet"], sc, client=threads).partitions == 1
    monkeypatch.setattr(gd, "ROWS_PER_PARTITION", 200)  # GeoPackage: one per 200 features
    n = len(gpd.read_file(files["gpkg"]))
    assert gd.cover_layer_dask(files["gpkg"], sc, client=threads).partitions == math.ceil(n / 200)


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


def test_overlaps_between_partitions_count_once(sc, threads, tmp_path):
    """The same polygon in every partition, and shifted copies: the union, not the sum."""
    x, y = border_vertices(sc)[10]
    box = shapely.box(x - 0.02, y - 0.02, x + 0.02, y + 0.02)  # across a zone border
    rows = [box, shapely.affinity.translate(box, 0.01, 0.0), box, shapely.affinity.translate(box, 0.0, 0.015)]
    path = write(gpd.GeoDataFrame(geometry=rows, crs=4490), tmp_path / "overlaps.parquet", row_groups=4)
    ref, _ = in_process(path, sc)
    run = gd.cover_layer_dask(path, sc, client=threads, npartitions=4, tiles=4)
    assert run.partitions == 4
    assert_same(run.coverage, ref)
    # The union's area, by an independent overlay; adding up each partition's own figure instead
    # would count the overlaps again (more than twice the union here).
    union = shapely.union_all(gpd.GeoSeries(rows, crs=4490).to_crs(ALBERS_CHINA).array)
    zones_a = np.asarray(sc.table.geometry.to_crs(ALBERS_CHINA).array)
    expected = shapely.area(shapely.intersection(union, zones_a)) / 1e6
    assert run.coverage.table["covered_km2"].to_numpy() == pytest.approx(expected, rel=1e-9, abs=ABS_KM)
    assert run.coverage.layer_totals["area_km2"] == pytest.approx(union.area / 1e6, rel=1e-9)
    naive = sum(covered_area(gpd.GeoDataFrame(geometry=[g], crs=4490), sc).total["covered_km2"] for g in rows)
    assert naive > 2 * run.coverage.total["covered_km2"]
    assert run.coverage.table["covered_km2"].gt(0).sum() >= 2  # across a zone border


def test_points_and_lines_only(sc, threads, tmp_path):
    gdf = mixed_layer(sc)
    kind = shapely.get_type_id(np.asarray(gdf.geometry.array))
    path = write(gdf[np.isin(kind, [0, 1, 4])], tmp_path / "pl.gpkg")
    ref, ref_report = in_process(path, sc)
    run = gd.cover_layer_dask(path, sc, client=threads, npartitions=3)
    assert run.tiles == 0 and ref.kinds == ("point", "line")
    assert_same(run.coverage, ref)
    assert run.report.lines() == ref_report.lines()


# ---- reading rules per partition, whole-layer checks on the client


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


def test_progress_goes_up_to_the_total(files, sc, threads):
    calls = []
    gd.covered_area_dask(files["gpkg"], sc, client=threads, npartitions=3,
                         progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] > 3
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


# ---- worker processes, the cluster of our own, and what goes wrong


def test_worker_processes_through_a_scheduler_address(files, sc, processes, tmp_path):
    ref, _ = in_process(files["parquet"], sc)
    assert_same(gd.covered_area_dask(files["parquet"], sc, scheduler=processes, npartitions=4), ref)
    # An error found on a worker process reaches the caller as one line naming the file.
    bad = mixed_layer(sc)
    bad.loc[len(bad) - 2, "geometry"] = shapely.Point(np.nan, 29.5)
    path = write(bad, tmp_path / "nan.parquet")
    with pytest.raises(AtlasError, match=r"nan\.parquet: has coordinates that are not finite"):
        gd.covered_area_dask(path, sc, scheduler=processes, npartitions=4)


def test_a_local_cluster_of_its_own(files, sc):
    ref, _ = in_process(files["gpkg"], sc)
    run = gd.cover_layer_dask(files["gpkg"], sc, n_workers=2)
    assert run.workers == 2
    assert_same(run.coverage, ref)


def test_a_broken_file_is_said_before_any_cluster_starts(sc, monkeypatch):
    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was started")

    monkeypatch.setattr(gd, "local_client", no_cluster)
    for bad in ("tests/data/nonexistent.geojson", "tests/data/multi.gpkg", "tests/data/bad/fake.gpkg",
                "tests/data/bad/fake.parquet", "tests/data/bad/truncated.geojson", "tests/data/bad/empty.zip"):
        with pytest.raises(AtlasError) as want:
            read_layer(bad)
        with pytest.raises(AtlasError) as got:
            gd.covered_area_dask(bad, sc)
        assert str(got.value) == str(want.value)


def test_a_file_the_workers_cannot_open_is_one_line(sc, files, threads, monkeypatch, tmp_path):
    """As on a cluster whose workers do not see the client's disk: here the file goes away
    between planning the partitions (on the client) and reading them (on the workers)."""
    path = tmp_path / "gone.gpkg"
    path.write_bytes(files["gpkg"].read_bytes())
    read_partitioned = gd._read_partitioned

    def then_gone(*args, **kwargs):
        frames = read_partitioned(*args, **kwargs)
        path.unlink()
        return frames

    monkeypatch.setattr(gd, "_read_partitioned", then_gone)
    with pytest.raises(AtlasError, match=r"gone\.gpkg: cannot be opened on the dask workers"):
        gd.covered_area_dask(path, sc, client=threads, npartitions=2)


def test_an_unreachable_scheduler_is_one_line(sc, files, monkeypatch):
    monkeypatch.setenv("CHENGYU_SCHEDULER_SECONDS", "1")
    with pytest.raises(AtlasError, match="tcp://127.0.0.1:9: cannot connect to the dask scheduler"):
        gd.covered_area_dask(files["gpkg"], sc, scheduler="tcp://127.0.0.1:9")


def test_a_server_that_is_not_a_scheduler_is_one_line_within_the_limit(sc, files, monkeypatch):
    """A server that accepts the connection and never answers (not dask) does not hang the call."""
    import socket
    import time

    monkeypatch.setenv("CHENGYU_SCHEDULER_SECONDS", "2")
    with socket.create_server(("127.0.0.1", 0)) as mute:
        address = f"tcp://127.0.0.1:{mute.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(AtlasError, match="did not answer as a dask scheduler within 2 s .*SCHEDULER_SECONDS"):
            gd.covered_area_dask(files["gpkg"], sc, scheduler=address)
        assert time.monotonic() - start < 10


def test_without_dask_it_says_what_to_install(sc, files, monkeypatch):
    monkeypatch.setattr(gd, "dask_available", lambda: False)
    with pytest.raises(AtlasError, match=r"chengyu-atlas\[dask\]"):
        gd.covered_area_dask(files["gpkg"], sc)


def test_the_module_imports_without_dask():
    """geo.distributed imports dask only when it runs, so `chengyu` works without the extra."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
            "sys.modules['dask_geopandas'] = None; import chengyu.geo.distributed as gd; "
            "assert not gd.dask_available(); print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_tiles_cover_every_polygon_with_disjoint_interiors(sc):
    rng = np.random.default_rng(3)
    parts = []
    for _ in range(3):
        xy = rng.normal(0, 1000, (500, 2))
        p = gd._Part(None, None, np.zeros(0), np.zeros(0), 0, 0.0, 0, 0.0, (), 500,
                     poly_bounds=(xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()),
                     sample=xy, weight=1.0)
        parts.append(p)
    boxes = gd._tile_boxes(parts, 9)
    tiles = shapely.box(*boxes.T)
    assert len(boxes) == 9
    hull = shapely.box(*np.array([p.poly_bounds for p in parts]).min(axis=0)[:2],
                       *np.array([p.poly_bounds for p in parts]).max(axis=0)[2:])
    assert shapely.union_all(tiles).contains(hull)
    assert sum(shapely.area(tiles)) == pytest.approx(shapely.union_all(tiles).area, rel=1e-12)
    counts = pd.Series([shapely.contains_xy(t, *np.concatenate([p.sample for p in parts]).T).sum() for t in tiles])
    assert counts.min() > 0.5 * counts.mean()  # weighted quantile cuts: similar numbers per tile
