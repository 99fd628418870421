"""Which units share a border: the neighbour graph behind colours a reader can tell apart.

>>> from chengyu.geo import science_city
>>> graph = neighbours(science_city(), "name_en")
>>> sorted(graph["Shapingba District"])
['Beibei District', 'Bishan District', 'Jiulongpo District']
"""

from __future__ import annotations

from collections.abc import Hashable

import geopandas as gpd
import shapely

__all__ = ["MIN_SHARED_M", "neighbours"]

#: Units that meet in a point, or along less than this many metres, do not count as neighbours.
MIN_SHARED_M = 100.0
_METRES_PER_DEGREE = 111_000.0  # enough to turn the threshold into degrees on lon/lat data


def neighbours(units: gpd.GeoDataFrame, by: str) -> dict[Hashable, set[Hashable]]:
    """Every value of column ``by`` (units merged by it, e.g. a city's counties) and the values whose
    units share a border with it of at least :data:`MIN_SHARED_M`."""
    groups = units.dissolve(by=by)
    shapes = groups.geometry.to_numpy()
    keys = list(groups.index)
    threshold = MIN_SHARED_M / _METRES_PER_DEGREE if groups.crs is None or groups.crs.is_geographic else MIN_SHARED_M
    graph: dict[Hashable, set[Hashable]] = {k: set() for k in keys}
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shared = shapely.length(shapely.intersection(shapely.boundary(shapes[left]), shapely.boundary(shapes[right])))
    for i, j in zip(left[shared >= threshold], right[shared >= threshold], strict=True):
        graph[keys[i]].add(keys[j])
        graph[keys[j]].add(keys[i])
    return graph
