"""The plan's regions: boundaries joined with the plan attributes."""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from chengyu.geo.area import area_km2
from chengyu.geo.boundaries import load_districts
from chengyu.geo.plan import Figure, Plan, load_plan

Reading = Literal["sources", "leshan_without_four"]
READINGS: tuple[str, ...] = ("sources", "leshan_without_four")

MEMBERSHIP = ("full", "partial", "excluded", "outside")
CHONGQING = "500000"


def _value(figure: Figure | None) -> float:
    return float(figure.value) if figure is not None and figure.known else np.nan


def science_city(plan: Plan | None = None, districts: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The five host districts of the Western (Chongqing) Science City with their plan attributes.

    Columns: the boundary columns, ``area_km2`` (computed), ``official_area_km2`` and its
    ``…_source``/``…_confidence``, ``science_city_part_km2`` (NaN where unpublished), ``core_part_km2``,
    ``role`` and ``known_units``. Rows are in the plan's order.

    >>> sc = science_city()
    >>> list(sc["name_en"])
    ['Shapingba District', 'Beibei District', 'Jiulongpo District', 'Jiangjin District', 'Bishan District']
    >>> float(sc["science_city_part_km2"].iloc[3])
    200.0
    """
    plan = plan or load_plan()
    districts = load_districts() if districts is None else districts
    attrs = plan.get("science_city.districts")
    codes = list(plan.get("science_city.host_districts"))
    rows = []
    for code in codes:
        a = attrs[code]
        official, part = a["official_area_km2"], a["science_city_part_km2"]
        rows.append({
            "code": code,
            "role": a["role"],
            "official_area_km2": _value(official),
            "official_area_source": official.source,
            "official_area_confidence": official.confidence,
            "official_area_note": official.note or "",
            "science_city_part_km2": _value(part),
            "science_city_part_source": part.source,
            "science_city_part_confidence": part.confidence,
            "core_part_km2": _value(a.get("core_part_km2")),
            "known_units": "; ".join(a["known_units"]),
            "known_units_source": a["known_units_source"].source,
        })
    joined = districts.merge(pd.DataFrame(rows), on="code", how="inner", validate="one_to_one")
    joined = joined.set_index("code").loc[codes].reset_index()
    joined.insert(joined.columns.get_loc("geometry"), "area_km2", area_km2(joined))
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=districts.crs)


def circle_scope(plan: Plan, reading: Reading = "sources") -> tuple[pd.DataFrame, list[str]]:
    """The scope's named codes and its Sichuan member cities.

    Returns a frame of every code the scope names (``code``, ``membership``, ``member_city_code``)
    and the list of member-city codes whose other units are full members.

    ``reading="leshan_without_four"`` applies the alternative (L) reading that drops
    金口河, 沐川, 峨边 and 马边 from Leshan.
    """
    if reading not in READINGS:
        raise ValueError(f"reading must be one of {', '.join(READINGS)}, not {reading!r}")
    scope = plan.get("economic_circle.scope")
    rows = [(c, "full", CHONGQING) for c in scope["chongqing_central"] + scope["chongqing_other"]]
    rows += [(c, "partial", CHONGQING) for c in scope["chongqing_partial"]["codes"]]
    extra = {}
    if reading != "sources":
        alt = scope["alternative_readings"][reading]
        extra = {alt["city"]: alt["exclude"]}
    cities = []
    for city in scope["sichuan_cities"]:
        cities.append(city["code"])
        rows += [(c, "excluded", city["code"]) for c in city["exclude"] + extra.get(city["code"], [])]
    frame = pd.DataFrame(rows, columns=["code", "membership", "member_city_code"])
    return frame, cities


def economic_circle(
    plan: Plan | None = None,
    districts: gpd.GeoDataFrame | None = None,
    reading: Reading = "sources",
) -> gpd.GeoDataFrame:
    """Every bundled unit with its membership in the Chengdu–Chongqing Economic Circle.

    ``membership`` is ``full``, ``partial`` (Kaizhou, Yunyang: "parts of", which parts unpublished),
    ``excluded`` (a county the scope cuts out of a member city) or ``outside``.
    ``member_city_code`` is the Sichuan member city (or 500000 for Chongqing's members), empty when
    outside. ``science_city_host`` marks the five host districts. ``area_km2`` is computed.

    >>> ec = economic_circle()
    >>> ec["membership"].value_counts().to_dict()
    {'full': 140, 'outside': 74, 'excluded': 5, 'partial': 2}
    """
    plan = plan or load_plan()
    districts = load_districts() if districts is None else districts
    named, cities = circle_scope(plan, reading)
    out = districts.merge(named, on="code", how="left", validate="one_to_one")
    in_city = out["city_code"].isin(cities) & out["membership"].isna()
    out.loc[in_city, "membership"] = "full"
    out.loc[in_city, "member_city_code"] = out.loc[in_city, "city_code"]
    out["membership"] = pd.Categorical(out["membership"].fillna("outside"), categories=MEMBERSHIP)
    out["member_city_code"] = out["member_city_code"].fillna("")
    out["science_city_host"] = out["code"].isin(plan.get("science_city.host_districts"))
    out["area_km2"] = area_km2(out)
    columns = [c for c in out.columns if c != "geometry"] + ["geometry"]
    return gpd.GeoDataFrame(out[columns], geometry="geometry", crs=districts.crs)
