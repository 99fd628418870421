"""geo.coverage.dask.cluster: worker processes through a scheduler's address, a LocalCluster of its own,
and a scheduler that cannot be reached or does not answer said in one line within the limit."""

import socket
import time

import numpy as np
import pytest
import shapely

import chengyu.geo.coverage.dask as gd
from chengyu.geo.errors import AtlasError
from tests.coverage.dask.support import assert_same, in_process, mixed_layer, write

pytest.importorskip("dask_geopandas", reason="the [dask] extra is not installed")
distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")


@pytest.fixture(scope="module")
def processes():
    """Two worker processes, reached through the scheduler's address (as scheduler= does)."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  **gd.NO_DASHBOARD) as cluster:
        yield cluster.scheduler_address


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


def test_an_unreachable_scheduler_is_one_line(sc, files, monkeypatch):
    monkeypatch.setenv("CHENGYU_SCHEDULER_SECONDS", "1")
    with pytest.raises(AtlasError, match="tcp://127.0.0.1:9: cannot connect to the dask scheduler"):
        gd.covered_area_dask(files["gpkg"], sc, scheduler="tcp://127.0.0.1:9")


def test_a_server_that_is_not_a_scheduler_is_one_line_within_the_limit(sc, files, monkeypatch):
    """A server that accepts the connection and never answers (not dask) does not hang the call."""
    monkeypatch.setenv("CHENGYU_SCHEDULER_SECONDS", "2")
    with socket.create_server(("127.0.0.1", 0)) as mute:
        address = f"tcp://127.0.0.1:{mute.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(AtlasError, match="did not answer as a dask scheduler within 2 s .*SCHEDULER_SECONDS"):
            gd.covered_area_dask(files["gpkg"], sc, scheduler=address)
        assert time.monotonic() - start < 10
