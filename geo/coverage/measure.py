"""The in-process engine: :func:`covered_area` measures a layer against zones, kind by kind."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from chengyu.geo.coverage.lines import measure_lines
from chengyu.geo.coverage.points import count_points, point_chunks
from chengyu.geo.coverage.polygons import measure_polygons
from chengyu.geo.coverage.prepare import GeographicZones, split_kinds
from chengyu.geo.coverage.progress import Progress, Ticker
from chengyu.geo.coverage.result import Coverage, Tally, assemble
from chengyu.geo.zones import Zones

__all__ = ["covered_area"]


def covered_area(layer: gpd.GeoDataFrame | gpd.GeoSeries, zones: Zones, *,
                 progress: Progress | None = None, threads: int | None = None) -> Coverage:
    """Area, length and count of ``layer`` inside each of ``zones`` (see :mod:`geo.coverage`).

    ``layer`` may be in any CRS (it must have one) and mix points, lines and polygons (Multi* and
    GeometryCollections are split into their parts; null and empty geometries are ignored). Invalid
    polygons are repaired with ``shapely.make_valid`` (only the polygonal part of a repair is
    kept).

    ``progress(done, total)``, when given, is called with ``done`` = 0 first and ``done`` = ``total``
    last; the units of work are chunks of 262,144 point geometries, one per zone for lines, and one
    per zone plus one (the dissolve) for polygons.

    ``threads``: how many threads the polygon work may use (default: every core this process may
    run on, :func:`geo.threads.available_threads`); ``1`` keeps it in the calling thread, as an
    engine that runs many of these at once (dask) wants.

    >>> import geopandas as gpd, shapely
    >>> from chengyu.geo.zones import zones
    >>> sc = zones("science-city")
    >>> shapingba = sc.table.geometry.iloc[:1]
    >>> cov = covered_area(gpd.GeoDataFrame(geometry=shapingba), sc)
    >>> row = cov.table.iloc[0]
    >>> row["name_en"], round(float(row["covered_km2"]), 1), round(float(row["covered_pct"]), 6)
    ('Shapingba District', 396.9, 100.0)
    """
    if layer.crs is None:
        raise ValueError("the layer has no CRS; set one before measuring coverage")
    zone_crs = CRS.from_user_input(zones.table.crs)
    if not zone_crs.is_geographic:
        raise ValueError(f"the zones must be in a geographic CRS, not {zone_crs.name}")
    layer_crs = CRS.from_user_input(layer.crs)
    points, lines, polygons = split_kinds(np.asarray(layer.geometry.array, dtype=object))
    n_zones = len(zones.table)
    ticker = Ticker(progress, len(point_chunks(len(points))) + (n_zones if len(lines) else 0)
                    + (n_zones + 1 if len(polygons) else 0))

    counted, lengths, areas = Tally.none(n_zones, counts=True), Tally.none(n_zones), Tally.none(n_zones)
    if len(points) or len(lines):
        geographic = GeographicZones(np.asarray(zones.table.geometry.array, dtype=object))
        if len(points):
            counted = count_points(points, layer_crs, zone_crs, geographic, ticker)
        if len(lines):
            lengths = measure_lines(lines, layer_crs, zone_crs, geographic, ticker)
    if len(polygons):
        areas = measure_polygons(polygons, layer_crs, zones, ticker, threads)
    ticker.finish()

    kinds = tuple(kind for kind, geoms in (("point", points), ("line", lines), ("polygon", polygons)) if len(geoms))
    return assemble(
        zones.table, zones.table["area_km2"].to_numpy(dtype=float),
        areas.per_zone / 1e6, lengths.per_zone / 1e3, counted.per_zone,
        outside={"covered_km2": areas.outside / 1e6, "length_km": lengths.outside / 1e3, "count": counted.outside},
        layer_totals={"area_km2": areas.layer / 1e6, "length_km": lengths.layer / 1e3, "count": counted.layer},
        kinds=kinds,
    )
