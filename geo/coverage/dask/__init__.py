"""The dask engine: :func:`geo.coverage.covered_area` of a layer read in partitions, over a cluster.

``covered_area_dask(path, zones)`` gives the same :class:`~geo.coverage.Coverage` as
``covered_area(read_layer(path).gdf, zones)`` — every figure equal to about 1e-13 relative or
better, far inside the 1e-9 the tests demand; counts exactly — but reads and measures the layer in partitions with
`dask-geopandas <https://dask-geopandas.readthedocs.io>`_ over a `dask.distributed
<https://distributed.dask.org>`_ cluster: a :class:`~distributed.LocalCluster` of ``n_workers``
processes on this machine by default, or the cluster whose scheduler is at ``scheduler``
(``"tcp://10.0.0.5:8786"``). It needs the optional extra: ``pip install 'chengyu-atlas[dask]'``.

When to reach for it
--------------------
- **The layer does not fit in one machine's memory** (or only just): the in-process engine holds the
  whole layer, its repaired copy and the dissolved polygons at once (about 600 MB for a million
  points). Here each task holds one partition of the layer (a GeoParquet row group or a range of
  GeoPackage features) or one tile of the polygons, and a worker only the partitions it was given.
- **A cluster is at hand** (``scheduler=``): partitions are read and measured on many machines at
  once, next to the data if the workers see the same file system.

When not to
-----------
- **Anything that fits in memory on one machine.** On one 2-core machine this engine is *slower*
  than the in-process one — starting the cluster (a second or two), moving partitions and polygons
  between processes and scheduling the tasks cost more than two cores gain on layers that
  ``covered_area`` measures in a second or two (see ``benchmarks/dask_bench.py``). The in-process
  engine is also the reference: this one is tested against it.
- **GeoJSON, KML, CSV, Shapefile** and Parquet without GeoParquet metadata: they cannot be read in
  partitions here (GDAL parses a whole GeoJSON/KML file for any feature range; CSV and Shapefile
  need whole-file decisions on encoding and columns), so they are read whole on the client with
  :func:`~geo.layers.read_layer` and then scattered to the workers in partitions. The measuring is
  still distributed, but the client needs the memory for the whole layer.

How it works
------------
1. **Read in partitions.** GeoParquet (a file, or a folder of GeoParquet files: a dataset) through
   ``dask_geopandas.read_parquet`` — each partition whole row groups, as many as make about
   :data:`ROWS_PER_PARTITION` rows (one, when a row group is bigger). A row group is the smallest
   unit Parquet is read in, so a file written in one row group (geopandas' default up to a million
   rows or so) is one partition, read by one task; ``npartitions`` then splits it after reading.
   GeoPackage through ``dask_geopandas.read_file``, which reads each partition with pyogrio's
   ``skip_features``/``max_features`` (taken only when GDAL reports ``fast_set_next_by_index`` for
   the layer: its GeoPackage driver seeks to a feature without reading the ones before); default
   ``npartitions``: one per :data:`~geo.coverage.dask.plan.ROWS_PER_PARTITION` features, at least one per worker thread.
   Only the geometry column is read.
2. **The same reading rules per partition.** Each partition goes through :func:`geo.layers.read_layer`'s
   own geometry stage (:func:`geo.layers.finish`, as a part of a layer: ``partial=True``): null/empty
   geometries dropped, NaN coordinates refused, Z dropped, the CRS settled and converted, collections
   exploded, invalid polygons repaired — on the partition's geometries exactly as on the whole layer's.
   The counts of the :class:`~geo.layers.ReadReport` are added up over the partitions, the whole-layer
   checks made on them (:func:`geo.layers.check_whole_layer`), and the CRS decision and its hints made
   once more on the client for the whole layer's extent (:func:`geo.layers.settle_crs`), so the report
   reads as ``read_layer``'s would.
3. **Zones broadcast once.** The :class:`~geo.zones.Zones` (at most about 0.6 MB) are scattered to
   every worker once (``client.scatter(..., broadcast=True)`` on the cluster we start, where the
   active memory manager's ReduceReplicas policy is turned off because it undoes broadcasts; on a
   cluster you bring, they are scattered once and each worker fetches them when it first needs them).
4. **Points and lines: partial sums.** Each partition's points and lines are measured with
   :func:`~geo.coverage.covered_area` itself against all the zones; counts and lengths are additive
   over features (each point's zone, each line's clipped pieces depend on that feature and the zones
   only; the first-zone-in-table-order border rule is applied per feature), so the partial sums add
   up to exactly the in-process figures (counts exactly, lengths to rounding).
5. **Polygons: a spatial shuffle into tiles.** Polygons are *not* additive: ``covered_km2`` is the
   area of the *union* of the layer's polygons, and two partitions can hold overlapping polygons, so
   adding per-partition figures would count their overlap twice. So each partition converts its
   polygons to the equal-area CRS, repairs them like ``covered_area`` does, and clips them to a
   grid of tiles (rectangles in the equal-area CRS with disjoint interiors that cover the layer; the
   cuts are weighted quantiles of a sample of polygon positions, so tiles hold similar numbers of
   polygons). Each tile's pieces, from every partition, then go to one task, which runs
   ``covered_area`` on them against the zones that reach the tile. Per tile T and zone Z,
   ``(∪ polygons) ∩ Z ∩ T = (∪ (polygon ∩ T)) ∩ Z``, and the tiles' interiors are disjoint, so the
   sums over tiles are the areas of the union: overlaps within a tile are dissolved there (across
   partitions too), and a polygon crossing a tile edge is cut in two pieces whose areas add up.
   The same holds for the area outside every zone and for the layer's own dissolved area.
6. **Combined on the client** into a :class:`~geo.coverage.Coverage` with the same columns, totals
   and ratios as ``covered_area``'s, summed in a fixed order (so a rerun gives the same bits).

Cutting polygons at tile edges adds vertices, so areas differ from the in-process ones by rounding
(measured about 1e-14 relative). Memory: a worker holds its partitions' polygons (in the equal-area
CRS) until the tiles are measured, then only sums; points and lines are reduced to sums straight
away.

Three things learnt the hard way, each explained where it is done: covered_area prepares the zone
geometries in place and GEOS prepared geometries are not safe to use from two threads at once, so
each worker thread measures against its own copy of the zones (:func:`~geo.coverage.dask.worker.thread_zones`);
geometries cross between processes as one WKB array (:class:`~geo.coverage.dask.worker.Geoms`),
eight times faster than pickling them one by one; and tasks pause Python's cyclic garbage collector
(:func:`~geo.coverage.dask.worker.worker_task`), which otherwise runs full collections over the whole
worker again and again while hundreds of thousands of geometries are made.

Differences from ``read_layer`` in what is *said* (never in the figures): an error found in one
partition (NaN coordinates, a CRS that cannot convert) names that partition's count or extent, not
the whole layer's; a partitioned read has no column-renaming hint (the attributes are not read:
coverage does not need them).

The modules, one job each: :mod:`~geo.coverage.dask.engine` (the entry points and the order of the
work), :mod:`~geo.coverage.dask.cluster` (the LocalCluster, a scheduler reached within
:data:`geo.limits.SCHEDULER_SECONDS`), :mod:`~geo.coverage.dask.plan` (partitioned or whole, how many
partitions), :mod:`~geo.coverage.dask.partition` (steps 2 and 4, on a worker),
:mod:`~geo.coverage.dask.polygon_tiles` (step 5), :mod:`~geo.coverage.dask.assemble` (the report and
step 6), :mod:`~geo.coverage.dask.gather` (results and errors back on the client) and
:mod:`~geo.coverage.dask.worker` (what every task stands on). dask, distributed and dask-geopandas are
imported only when the engine runs: importing this package works without the extra.
"""

from chengyu.geo.coverage.dask.cluster import NO_DASHBOARD, local_client
from chengyu.geo.coverage.dask.engine import DASK_EXTRA, DaskRun, cover_layer_dask, covered_area_dask, dask_available
from chengyu.geo.coverage.dask.plan import ROWS_PER_PARTITION

__all__ = ["DASK_EXTRA", "NO_DASHBOARD", "ROWS_PER_PARTITION", "DaskRun", "cover_layer_dask", "covered_area_dask",
           "dask_available", "local_client"]
