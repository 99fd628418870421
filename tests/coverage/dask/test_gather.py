"""geo.coverage.dask.gather: what goes wrong on the workers comes back as one line naming the file."""

import pytest

import chengyu.geo.coverage.dask as gd
from chengyu.geo.coverage.dask import engine
from chengyu.geo.coverage.dask.gather import gather
from chengyu.geo.coverage.dask.worker import RemoteAtlasError
from chengyu.geo.errors import AtlasError

pytest.importorskip("dask_geopandas", reason="the [dask] extra is not installed")
pytest.importorskip("distributed", reason="the [dask] extra is not installed")


def test_a_file_the_workers_cannot_open_is_one_line(sc, files, threads, monkeypatch, tmp_path):
    """As on a cluster whose workers do not see the client's disk: here the file goes away
    between planning the partitions (on the client) and reading them (on the workers)."""
    path = tmp_path / "gone.gpkg"
    path.write_bytes(files["gpkg"].read_bytes())
    read_partitioned = engine.read_partitioned

    def then_gone(*args, **kwargs):
        frames = read_partitioned(*args, **kwargs)
        path.unlink()
        return frames

    monkeypatch.setattr(engine, "read_partitioned", then_gone)
    with pytest.raises(AtlasError, match=r"gone\.gpkg: cannot be opened on the dask workers"):
        gd.covered_area_dask(path, sc, client=threads, npartitions=2)


class _Failing:
    """A client whose results are an error."""

    def __init__(self, err):
        self.err = err

    def gather(self, futures):
        raise self.err


def test_errors_as_distributed_hands_them_over():
    with pytest.raises(AtlasError) as err:
        gather(_Failing(RemoteAtlasError("a.parquet", "has coordinates that are not finite")), [], "a.parquet")
    assert str(err.value) == "a.parquet: has coordinates that are not finite"
    # an exception distributed could not pickle arrives as Exception(repr(err)): a reader's is unwrapped
    wrapped = Exception("DataSourceError('x.gpkg: not recognized as being in a supported file format')")
    with pytest.raises(AtlasError, match=r"^x\.gpkg: is not valid GeoPackage: GDAL does not recognise its content$"):
        gather(_Failing(wrapped), [], "x.gpkg", "GeoPackage")
    with pytest.raises(Exception, match="KeyError") as other:  # not a reader's: left as it is
        gather(_Failing(Exception("KeyError('x')")), [], "x.gpkg")
    assert type(other.value) is Exception
