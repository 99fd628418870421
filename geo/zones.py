"""Zones to report areas for: every district, the Science City's hosts, the Economic Circle's members."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from chengyu.geo.plan import Plan, load_plan
from chengyu.geo.regions import Reading, economic_circle, science_city

ZONE_KINDS: tuple[str, ...] = ("districts", "science-city", "economic-circle")
ROW_COLUMNS = ["code", "name_zh", "name_en", "area_km2", "official_area_km2", "official_diff_pct"]


@dataclass
class Zones:
    """One row per zone (``table``, with geometry) and the figures for the whole (``total``)."""

    kind: str
    table: gpd.GeoDataFrame
    total: dict[str, Any] = field(default_factory=dict)


def _with_official(table: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    official = [plan.official_area(code) for code in table["code"]]
    table["official_area_km2"] = [f.value if f is not None and f.known else np.nan for f in official]
    table["official_diff_pct"] = (table["area_km2"] / table["official_area_km2"] - 1.0) * 100.0
    return table


def _frame(table: pd.DataFrame, crs: Any) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(table[[*ROW_COLUMNS, "geometry"]].reset_index(drop=True),
                            geometry="geometry", crs=crs)


def zones(kind: str, plan: Plan | None = None, reading: Reading = "sources") -> Zones:
    """The zones of one kind with their computed and official areas (a fresh copy each call).

    ``districts``: all 221 bundled units. ``science-city``: the five host districts, with the
    plan's 1,198 km² in the total. ``economic-circle``: Chongqing's 27 member districts/counties and
    the 15 Sichuan member cities (each without its excluded counties); Kaizhou and Yunyang, only
    partly inside, are kept out of the rows and reported as ``partial_units_km2``.

    >>> z = zones("science-city")
    >>> len(z.table), z.total["plan_area_km2"]
    (5, 1198)
    """
    if kind not in ZONE_KINDS:
        raise ValueError(f"unknown zones {kind!r}; choose one of {', '.join(ZONE_KINDS)}")
    cached = _zones(kind, plan or load_plan(), reading)
    return Zones(cached.kind, cached.table.copy(), dict(cached.total))


@lru_cache(maxsize=16)  # a map build asks for the same zones several times; the dissolve is not free
def _zones(kind: str, plan: Plan, reading: Reading) -> Zones:
    if kind == "districts":
        units = economic_circle(plan, reading=reading)
        table = _frame(_with_official(units.copy(), plan), units.crs)
        return Zones(kind, table, {"area_km2": float(table["area_km2"].sum())})
    if kind == "science-city":
        hosts = science_city(plan)
        table = _frame(_with_official(hosts.copy(), plan), hosts.crs)
        total = float(table["area_km2"].sum())
        plan_area = plan.figure("science_city.area_km2").value
        return Zones(kind, table, {
            "area_km2": total,
            "official_area_km2": float(table["official_area_km2"].sum()),
            "plan_area_km2": plan_area,
            "plan_share_pct": plan_area / total * 100.0,
        })
    return _circle_zones(plan, reading)


def _circle_zones(plan: Plan, reading: Reading) -> Zones:
    units = economic_circle(plan, reading=reading)
    members = units[units["membership"] == "full"]
    chongqing = members[members["province_code"] == "500000"]
    sichuan = members[members["province_code"] != "500000"]
    # A Sichuan city as a zone is the union of its member counties; its area the sum of theirs.
    cities = sichuan.dissolve(
        by="city_code", aggfunc={"city_name_zh": "first", "city_name_en": "first", "area_km2": "sum"},
    ).reset_index().rename(columns={"city_code": "code", "city_name_zh": "name_zh", "city_name_en": "name_en"})
    table = pd.concat([chongqing, cities], ignore_index=True)
    table = _frame(_with_official(table, plan), units.crs)
    partial = units.loc[units["membership"] == "partial", "area_km2"].sum()
    return Zones("economic-circle", table, {
        "area_km2": float(table["area_km2"].sum()),
        "partial_units_km2": float(partial),
        "official_area_km2": plan.figure("economic_circle.area_km2").value,
    })
