"""The map of the Western (Chongqing) Science City: its five host districts among Chongqing's, the
plan's figures beside them.

>>> m = science_city_map(lang="zh")
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
from chengyu.maps.basemap import district_name, district_popup, figure_rows, panel_html
from chengyu.maps.choropleth import MAX_FIGURES, Colouring, choropleth, classed_layers
from chengyu.maps.design import MapDesign, UnitLayer, with_figures
from chengyu.maps.i18n import Choice, Words, amount, names, same, words
from chengyu.maps.palettes import unit_colours

__all__ = ["HOST_LOOK", "science_city_design", "science_city_map"]

# Filled at 0.6 so that neighbouring hosts stay legible over a light map (maps.palettes).
HOST_OPACITY = 0.6
HOST_LOOK = {"color": "#333333", "weight": 1.2, "fillOpacity": HOST_OPACITY}


def science_city_map(plan: Plan | None = None, *, figures: pd.DataFrame | None = None,
                     colouring: Colouring | None = None, lang: Choice | None = None) -> folium.Map:
    """The five host districts, each in its own colour, over faint neighbouring Chongqing districts.

    Hover: names and areas; click: the district's plan attributes with their sources; a panel with
    the plan's headline figures; legend, layer control, scale bar, fullscreen, two base maps, and a
    中文 / English toggle that starts at ``lang`` (None: the reader's browser language).
    ``figures`` (a ``code`` column and the user's own, e.g. joined by :func:`geo.join.join_table`) show
    in tooltips and popups; ``colouring`` colours the hosts by classes of a figure instead.
    """
    return science_city_design(plan, figures=figures, colouring=colouring).folium_map(lang)


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
    context["tip"] = [district_name(r).__html__() for _, r in context.iterrows()]
    layers = [UnitLayer(context, words("layer.other_chongqing"), style.CONTEXT, highlight=False)]
    context_item = style.LegendItem(words("legend.other_chongqing"), style.CONTEXT)
    if colouring is None:
        layers.append(UnitLayer(hosts, words("layer.hosts"), HOST_LOOK, fills=[colours[c] for c in hosts["code"]]))
        legend = [style.LegendItem(names(r), {"color": "#333", "fillColor": colours[r["code"]]})
                  for _, r in hosts.iterrows()]
        legend_title = words("legend.hosts")
    else:
        shades = choropleth(hosts, colouring, look=HOST_LOOK)
        layers += classed_layers(hosts, shades, words("layer.hosts"), HOST_LOOK)
        legend, legend_title = shades.legend, words("legend.hosts_by", what=shades.title)
    return MapDesign(words("page.science_city"), hosts.total_bounds, layers, legend_title, [*legend, context_item],
                     _panel(plan), notes=(words("panel.vintage"), words(
                         "print.plan_figures", source=plan.figure("science_city.area_km2").source)))


def _host_tooltip(row: pd.Series, own: Sequence[str]) -> Markup:
    part = row["science_city_part_km2"]
    return district_popup(row, [(words("tip.area"), amount(row["area_km2"], "km²", 1)),
                                (words("tip.official_area"), amount(row["official_area_km2"], "km²", 0)),
                                (words("tip.science_city_part"),
                                 amount(part, "km²", 0) if pd.notna(part) else words("tip.not_published")),
                                *figure_rows(row, own[:MAX_FIGURES])])


def _host_popup(row: pd.Series, own: Sequence[str]) -> Markup:
    part = row["science_city_part_km2"]
    rows: list[tuple[Words | str, Words | str]] = [
        (words("tip.code"), row["code"]),
        (words("tip.computed_area"), amount(row["area_km2"], "km²", 1)),
        (words("tip.official_area"), _sourced(amount(row["official_area_km2"], "km²", 0), row, "official_area")),
        (words("tip.science_city_part"),
         _sourced(amount(part, "km²", 0), row, "science_city_part") if pd.notna(part)
         else words("tip.not_published_because", source=row["science_city_part_source"])),
        (words("tip.role"), row["role"]),
        (words("tip.known_units"), row["known_units"] or "–"),
        (words("tip.listed_by"), row["known_units_source"]),
    ]
    if pd.notna(row["core_part_km2"]):
        rows.insert(4, (words("tip.core_part"), amount(row["core_part_km2"], "km²", 2)))
    return district_popup(row, [*rows, *figure_rows(row, own)])


def _sourced(value: Words, row: pd.Series, figure: str) -> Words:
    """``value`` with the confidence and source of ``row``'s ``figure``."""
    return words("tip.sourced", value=value, confidence=row[f"{figure}_confidence"], source=row[f"{figure}_source"])


def _panel(plan: Plan) -> Markup:
    """The plan's headline figures and goals beside the computed areas (template ``science_city_panel.html``)."""
    area = plan.figure("science_city.area_km2")
    core = plan.figure("science_city.core_zone_km2")
    launch = plan.figure("science_city.launch_date")
    total = zones("science-city", plan).total
    figures = [
        (words("panel.planning_area"), words("panel.in_parts_of", area=amount(area.value, "km²"))),
        (words("panel.launched"), same(launch.value.isoformat())),
        (words("panel.core_zone"), amount(core.value, "km²", 1)),
        (words("panel.hosts_computed"), amount(total["area_km2"], "km²", 0)),
        (words("panel.share"), amount(total["plan_share_pct"], "%", 1)),
    ]
    goals = [g.value for g in plan.get("science_city.goals").values() if g.known]
    name = Words(str(plan.get("science_city.name_zh")), str(plan.get("science_city.name_en")))
    return panel_html("science_city_panel.html", name=name, figures=figures, goals=goals, source=area.source)
