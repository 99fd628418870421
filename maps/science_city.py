"""The map of the Western (Chongqing) Science City: its five host districts among Chongqing's, the
plan's figures beside them.

>>> m = science_city_map()
>>> type(m).__name__
'Map'
"""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from markupsafe import Markup

from chengyu.geo import economic_circle, load_plan, science_city, zones
from chengyu.geo.display import display_geometry
from chengyu.geo.plan import Plan
from chengyu.maps import style
from chengyu.maps.basemap import add_controls, base_map, district_layer, district_name, district_popup, panel_html

__all__ = ["science_city_map"]


def science_city_map(plan: Plan | None = None) -> folium.Map:
    """The five host districts, each in its own colour, over faint neighbouring Chongqing districts.

    Hover: names and areas; click: the district's plan attributes with their sources; a panel with
    the plan's headline figures; legend, layer control, scale bar, fullscreen, two base maps.
    """
    plan = plan or load_plan()
    hosts = science_city(plan)
    units = economic_circle(plan)
    chongqing = units[units["province_code"] == "500000"]
    # Simplify Chongqing as one coverage so hosts and their neighbours keep sharing borders.
    shown = display_geometry(chongqing).set_index("code")
    host_codes = list(hosts["code"])
    colours = dict(zip(host_codes, style.HOST_COLOURS, strict=True))

    hosts = hosts.set_index("code")
    hosts["geometry"] = shown.loc[host_codes, "geometry"]
    hosts = gpd.GeoDataFrame(hosts.reset_index(), geometry="geometry", crs=shown.crs)
    hosts["tip"] = [_host_tooltip(r) for _, r in hosts.iterrows()]
    hosts["pop"] = [_host_popup(r) for _, r in hosts.iterrows()]

    context = shown.drop(index=host_codes).reset_index()
    context = gpd.GeoDataFrame(context, geometry="geometry", crs=shown.crs)
    context["tip"] = [district_name(r) for _, r in context.iterrows()]

    m = base_map(hosts.total_bounds, "Western (Chongqing) Science City — host districts")
    district_layer(context, "Other Chongqing districts", style.CONTEXT, highlight=False).add_to(m)
    district_layer(hosts, "Science City host districts", {"color": "#333333", "weight": 1.2, "fillOpacity": 0.45},
                   fills=[colours[c] for c in hosts["code"]]).add_to(m)

    legend = [style.LegendItem(f"{r['name_zh']} {r['name_en']}",
                               {"color": "#333", "fillColor": colours[r["code"]]}) for _, r in hosts.iterrows()]
    legend.append(style.LegendItem("other Chongqing districts", style.CONTEXT))
    add_controls(m, _panel(plan), style.legend_html("Host districts", legend))
    return m


def _host_tooltip(row: pd.Series) -> Markup:
    part = row["science_city_part_km2"]
    return district_popup(row, [("area", style.km2(row["area_km2"], 1)),
                                ("official area", style.km2(row["official_area_km2"])),
                                ("Science City part", style.km2(part) if pd.notna(part) else "not published")])


def _host_popup(row: pd.Series) -> Markup:
    part = row["science_city_part_km2"]
    rows = [
        ("code", row["code"]),
        ("computed area", style.km2(row["area_km2"], 1)),
        ("official area", f"{style.km2(row['official_area_km2'])} ({row['official_area_confidence']}; "
                          f"{row['official_area_source']})"),
        ("Science City part", f"{style.km2(part)} ({row['science_city_part_confidence']}; "
                              f"{row['science_city_part_source']})"
         if pd.notna(part) else f"not published ({row['science_city_part_source']})"),
        ("role", row["role"]),
        ("known streets/towns", row["known_units"] or "–"),
        ("listed by", row["known_units_source"]),
    ]
    if pd.notna(row["core_part_km2"]):
        rows.insert(4, ("core zone part", style.km2(row["core_part_km2"], 2)))
    return district_popup(row, rows)


def _panel(plan: Plan) -> Markup:
    """The plan's headline figures and goals beside the computed areas (template ``science_city_panel.html``)."""
    area = plan.figure("science_city.area_km2")
    core = plan.figure("science_city.core_zone_km2")
    launch = plan.figure("science_city.launch_date")
    total = zones("science-city", plan).total
    figures = [
        ("Planning area", f"{style.km2(area.value)} in parts of 5 districts"),
        ("Launched", launch.value.isoformat()),
        ("Core zone (高新区直管园)", style.km2(core.value, 1)),
        ("Host districts, computed", style.km2(total["area_km2"])),
        ("Science City share of them", f"{total['plan_share_pct']:.1f}%"),
    ]
    goals = [g.value for g in plan.get("science_city.goals").values() if g.known]
    return panel_html("science_city_panel.html", name_en=plan.get("science_city.name_en"),
                      name_zh=plan.get("science_city.name_zh"), figures=figures, goals=goals, source=area.source)
