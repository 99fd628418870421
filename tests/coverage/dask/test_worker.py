"""geo.coverage.dask.worker: geometries that travel as WKB bit for bit, AtlasErrors that survive
pickling, the collector paused only while tasks run, and each thread's own copy of the zones."""

import gc
import pickle
import threading

import numpy as np
import pytest
import shapely

from chengyu.geo.coverage.dask.worker import Geoms, RemoteAtlasError, thread_zones, worker_task
from chengyu.geo.errors import AtlasError


def test_geometries_travel_as_wkb_bit_for_bit():
    geoms = np.array([shapely.Point(106.1 + 1e-15, -0.0), shapely.box(0, 0, 1, 1), None, shapely.Polygon()])
    back = pickle.loads(pickle.dumps(Geoms(geoms)))
    assert len(back) == 4
    assert shapely.to_wkb(back.array).tolist() == shapely.to_wkb(geoms).tolist()


def test_a_task_pauses_the_collector_and_makes_atlas_errors_picklable():
    assert gc.isenabled()
    with pytest.raises(RemoteAtlasError) as err, worker_task():
        with worker_task():  # tasks in other threads of the worker: one pause
            assert not gc.isenabled()
        assert not gc.isenabled()
        raise AtlasError("a.parquet", "has coordinates that are not finite")
    assert gc.isenabled()
    again = pickle.loads(pickle.dumps(err.value))
    assert str(AtlasError(*again.args)) == "a.parquet: has coordinates that are not finite"


def test_each_thread_measures_against_its_own_zones(sc):
    mine = thread_zones(sc)
    assert thread_zones(sc) is mine  # made once per thread
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(thread_zones(sc)))
    worker.start()
    worker.join()
    for own in (mine, theirs[0]):
        a, b = np.asarray(own.table.geometry.array), np.asarray(sc.table.geometry.array)
        assert all(x is not y for x, y in zip(a, b, strict=True))  # other geometry objects ...
        assert shapely.to_wkb(a).tolist() == shapely.to_wkb(b).tolist()  # ... with the same coordinates
    assert theirs[0] is not mine
