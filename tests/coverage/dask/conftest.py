"""What the dask engine's tests share: a cluster of two worker threads, and the mixed layer in every
format (each test module skips itself when the ``[dask]`` extra is not installed)."""

import pytest

from tests.coverage.dask.support import mixed_layer, write


@pytest.fixture(scope="package")
def threads():
    """Two workers as threads in this process: starts in a fraction of a second, and runs
    covered_area in two threads at once (the zones must not be shared between them)."""
    from chengyu.geo.coverage.dask import local_client

    with local_client(2, processes=False) as client:
        yield client


@pytest.fixture(scope="package")
def files(tmp_path_factory):
    from chengyu.geo.zones import zones

    d = tmp_path_factory.mktemp("dask")
    gdf = mixed_layer(zones("science-city"))
    return {fmt: write(gdf, d / f"mixed.{fmt}") for fmt in ("parquet", "gpkg", "geojson")}
