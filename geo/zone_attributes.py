"""The zones of a kind with every attribute the plan and the boundaries give them: the rows to export."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from chengyu.geo.plan import Plan, load_plan
from chengyu.geo.regions import Reading, economic_circle, science_city
from chengyu.geo.zones import zones


def zones_with_attributes(kind: str, plan: Plan | None = None, reading: Reading = "sources") -> gpd.GeoDataFrame:
    """The rows of :func:`~chengyu.geo.zones.zones` (code, names, areas), then each zone's attributes.

    ``districts`` adds city, province and Economic Circle membership
    (:func:`~chengyu.geo.regions.economic_circle`); ``science-city`` adds the plan's attributes of each
    host (:func:`~chengyu.geo.regions.science_city`: role, parts, sources, confidences);
    ``economic-circle`` has the zone columns only (its Sichuan members are whole cities, which the
    plan gives no attributes of their own). The geometry column comes last.

    >>> frame = zones_with_attributes("science-city")
    >>> list(frame.columns[5:8]), frame.loc[3, "science_city_part_km2"]
    (['official_diff_pct', 'city_code', 'city_name_zh'], np.float64(200.0))
    """
    plan = plan or load_plan()
    table = zones(kind, plan, reading).table
    if kind == "economic-circle":
        return table
    units = economic_circle(plan, reading=reading) if kind == "districts" else science_city(plan)
    extra = ["code", *(c for c in units.columns if c not in table.columns)]
    joined = table.merge(pd.DataFrame(units[extra]), on="code", how="left", validate="one_to_one")
    columns = [c for c in joined.columns if c != "geometry"] + ["geometry"]
    return gpd.GeoDataFrame(joined[columns], geometry="geometry", crs=table.crs)
