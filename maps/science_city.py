"""The map of the Western (Chongqing) Science City: its five host districts among Chongqing's, the
plan's figures beside them.

>>> m = science_city_map()
>>> isinstance(m, folium.Map)   # an AtlasMap: it displays offline in notebooks
True
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import pandas as pd
from markupsafe import Markup

from chengyu.geo import economic_circle, load_plan, science_city, zones
from chengyu.geo.display import display_geometry
from chengyu.geo.plan import Plan
from chengyu.maps import style
from chengyu.maps.basemap import VINTAGE_NOTE, district_name, district_popup, figure_rows, panel_html
from chengyu.maps.choropleth import MAX_FIGURES, Colouring, choropleth, classed_layers
from chengyu.maps.design import MapDesign, UnitLayer, with_figures
from chengyu.maps.palettes import unit_colours

__all__ = ["HOST_LOOK", "science_city_design", "science_city_map"]

# Filled at 0.6 so that neighbouring hosts stay legible over a light map (maps.palettes).
HOST_OPACITY = 0.6
HOST_LOOK = {"color": "#333333", "weight": 1.2, "fillOpacity": HOST_OPACITY}
TITLE = "Western (Chongqing) Science City — host districts"


def science_city_map(plan: Plan | None = None, *, figures: pd.DataFrame | None = None,
                     colouring: Colouring | None = None) -> folium.Map:
    """The five host districts, each in its own colour, over faint neighbouring Chongqing districts.

    Hover: names and areas; click: the district's plan attributes with their sources; a panel with
    the plan's headline figures; legend, layer control, scale bar, fullscreen, two base maps.
    ``figures`` (a ``code`` column and the user's own, e.g. joined by :func:`geo.join.join_table`) show
    in tooltips and popups; ``colouring`` colours the hosts by classes of a figure instead.
    """
    return science_city_design(plan, figures=figures, colouring=colouring).folium_map()


def science_city_design(plan: Plan | None = None, *, figures: pd.DataFrame | None = None,
                        colouring: Colouring | None = None) -> MapDesign:
    """What :func:`science_city_map` shows, for the page and for print."""
    plan = plan or load_plan()
    hosts, own = with_figures(science_city(plan), figures)
    colours = unit_colours(hosts, "code", opacity=HOST_OPACITY)
    units = economic_circle(plan)
    # Simplify Chongqing as one coverage so hosts and their neighbours keep sharing borders.
    shown = display_geometry(units[units["province_code"] == "500000"]).set_index("code")
    host_codes = list(hosts["code"])
    hosts = hosts.set_index("code")
    hosts["geometry"] = shown.loc[host_codes, "geometry"]
    hosts = gpd.GeoDataFrame(hosts.reset_index(), geometry="geometry", crs=shown.crs)
    hosts["tip"] = [_host_tooltip(r, own) for _, r in hosts.iterrows()]
    hosts["pop"] = [_host_popup(r, own) for _, r in hosts.iterrows()]

    context = gpd.GeoDataFrame(shown.drop(index=host_codes).reset_index(), geometry="geometry", crs=shown.crs)
    context["tip"] = [district_name(r) for _, r in context.iterrows()]
    layers = [UnitLayer(context, "Other Chongqing districts", style.CONTEXT, highlight=False)]
    context_item = style.LegendItem("other Chongqing districts", style.CONTEXT)
    if colouring is None:
        layers.append(UnitLayer(hosts, "Science City host districts", HOST_LOOK,
                                fills=[colours[c] for c in hosts["code"]]))
        legend = [style.LegendItem(f"{r['name_zh']} {r['name_en']}", {"color": "#333", "fillColor": colours[r["code"]]})
                  for _, r in hosts.iterrows()]
        legend_title = "Host districts"
    else:
        shades = choropleth(hosts, colouring, look=HOST_LOOK)
        layers += classed_layers(hosts, shades, "Science City host districts", HOST_LOOK)
        legend, legend_title = shades.legend, f"Host districts by {shades.title}"
    return MapDesign(TITLE, hosts.total_bounds, layers, legend_title, [*legend, context_item], _panel(plan),
                     notes=(VINTAGE_NOTE, f"Plan figures: {plan.figure('science_city.area_km2').source}"),
                     name_zh=str(plan.get("science_city.name_zh")))


def _host_tooltip(row: pd.Series, own: Sequence[str]) -> Markup:
    part = row["science_city_part_km2"]
    return district_popup(row, [("area", style.km2(row["area_km2"], 1)),
                                ("official area", style.km2(row["official_area_km2"])),
                                ("Science City part", style.km2(part) if pd.notna(part) else "not published"),
                                *figure_rows(row, own[:MAX_FIGURES])])


def _host_popup(row: pd.Series, own: Sequence[str]) -> Markup:
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
    return district_popup(row, rows + figure_rows(row, own))


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
