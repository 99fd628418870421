"""The map of the Chengdu–Chongqing Economic Circle: every unit of Chongqing and Sichuan by
membership, the members by city or by classes of a figure.

>>> m = economic_circle_map(color_by="area_km2", k=4)
>>> isinstance(m, folium.Map)   # an AtlasMap: it displays offline in notebooks
True
"""

from __future__ import annotations

from typing import cast

import folium
import geopandas as gpd
import pandas as pd
from markupsafe import Markup

from chengyu.geo import economic_circle, load_plan, zones
from chengyu.geo.display import display_geometry
from chengyu.geo.plan import Plan
from chengyu.maps import style
from chengyu.maps.basemap import district_name, district_popup, figure_rows, panel_html
from chengyu.maps.choropleth import MAX_FIGURES, Colouring, choropleth, classed_layers
from chengyu.maps.design import MapDesign, UnitLayer, with_figures
from chengyu.maps.i18n import Choice, Words, amount, names, same, words
from chengyu.maps.palettes import unit_colours

__all__ = ["MEMBER_LOOK", "economic_circle_design", "economic_circle_map"]

MEMBER_OPACITY = 0.6
MEMBER_LOOK = {"color": "#ffffff", "weight": 0.7, "fillOpacity": MEMBER_OPACITY}
CHONGQING = "500000"
# The legend's lines for the units drawn alike whatever colours the members.
_OTHER_UNITS = [style.LegendItem(words("legend.partial"), style.PARTIAL),
                style.LegendItem(words("legend.excluded"), style.EXCLUDED),
                style.LegendItem(words("legend.outside"), style.OUTSIDE),
                style.LegendItem(words("legend.host_outline"), style.HOST_OUTLINE)]


def economic_circle_map(plan: Plan | None = None, *, color_by: str | None = None, scheme: str = "quantiles",
                        k: int = 5, figures: pd.DataFrame | None = None, colouring: Colouring | None = None,
                        lang: Choice | None = None) -> folium.Map:
    """Every unit of Chongqing and Sichuan by membership; members coloured by province/city.

    ``colouring`` (or, for short, ``color_by`` with ``scheme`` and ``k``) colours the member units by
    classes of a numeric column (e.g. ``"area_km2"``, or one of ``figures``: a ``code`` column and the
    user's own, which also show in tooltips) with a matching legend. The page's 中文 / English toggle
    starts at ``lang`` (None: the reader's browser language).
    """
    if colouring is None and color_by is not None:
        colouring = Colouring(color_by, scheme, k)
    return economic_circle_design(plan, figures=figures, colouring=colouring).folium_map(lang)


def economic_circle_design(plan: Plan | None = None, *, figures: pd.DataFrame | None = None,
                           colouring: Colouring | None = None) -> MapDesign:
    """What :func:`economic_circle_map` shows, for the page and for print."""
    plan = plan or load_plan()
    units, own = with_figures(economic_circle(plan), figures)
    shown = display_geometry(units)
    shown["tip"] = [
        district_popup(r, [(words("tip.area"), amount(r["area_km2"], "km²", 1)), (words("tip.city"), _city(r)),
                           (words("tip.membership"), words(f"membership.{r['membership']}")),
                           *figure_rows(r, own[:MAX_FIGURES])])
        for _, r in shown.iterrows()
    ]
    members = shown[shown["membership"] == "full"]
    if colouring is None:
        member_layers, legend_title, legend = _by_city(plan, units, members)
    else:
        shades = choropleth(members, colouring, look=MEMBER_LOOK)
        member_layers = classed_layers(members, shades, words("layer.members"), MEMBER_LOOK)
        legend_title, legend = words("legend.members_by", what=shades.title), shades.legend
    layers = [*_around(shown), *member_layers, _host_outlines(shown)]
    return MapDesign(words("page.economic_circle"), shown[shown["membership"] != "outside"].total_bounds, layers,
                     legend_title, [*legend, *_OTHER_UNITS], _panel(plan),
                     notes=(words("panel.vintage"), words(
                         "print.plan_figures", source=plan.figure("economic_circle.area_km2").source)))


def _city(row: pd.Series) -> Words:
    """The unit's city: Chongqing (a province-level city, whose districts are its units), or its Sichuan city."""
    return words("legend.chongqing") if row["province_code"] == CHONGQING else names(row, "city_")


def _by_city(plan: Plan, units: gpd.GeoDataFrame,
             members: gpd.GeoDataFrame) -> tuple[list[UnitLayer], Words, list[style.LegendItem]]:
    """The members filled by province/city (Chongqing, then the Sichuan cities; neighbouring cities in
    colours every reader tells apart), and their legend."""
    cities: list[str] = [CHONGQING] + [c["code"] for c in plan.get("economic_circle.scope.sichuan_cities")]
    colours = unit_colours(units[units["membership"] == "full"], "member_city_code",
                           opacity=MEMBER_OPACITY, order=cities)
    first = units.drop_duplicates("member_city_code")
    named = {str(row["member_city_code"]): _city(row) for _, row in first.iterrows()}
    items = [style.LegendItem(named.get(c, same(c)), {"color": "#fff", "fillColor": colours[c]}) for c in cities]
    layer = UnitLayer(members, words("layer.members"), MEMBER_LOOK,
                      fills=[colours[c] for c in members["member_city_code"]])
    return [layer], words("legend.members_by_city"), items


def _around(shown: gpd.GeoDataFrame) -> list[UnitLayer]:
    """The units that are not whole members, by membership from the outside in."""
    by = shown.groupby("membership", observed=True)

    def group(membership: str) -> gpd.GeoDataFrame:
        # a GeoDataFrame's groups are GeoDataFrames; the geopandas stubs type them as plain DataFrames
        return cast(gpd.GeoDataFrame, by.get_group(membership))

    return [UnitLayer(group("outside"), words("layer.outside"), style.OUTSIDE, highlight=False),
            UnitLayer(group("excluded"), words("layer.excluded"), style.EXCLUDED),
            UnitLayer(group("partial"), words("layer.partial"), style.PARTIAL)]


def _host_outlines(shown: gpd.GeoDataFrame) -> UnitLayer:
    """The Science City's host districts as outlines over everything: hovered, they name their role;
    clicked or tapped (a finger covers the outline's edge over much of a narrow district), they also
    show what the member under them shows, so a phone reader misses none of it."""
    hosts = shown[shown["science_city_host"]].copy()
    roles = [district_name(r, words("tip.host_role")).__html__() for _, r in hosts.iterrows()]
    hosts["pop"] = [role + str(member) for role, member in zip(roles, hosts["tip"], strict=True)]
    hosts["tip"] = roles
    return UnitLayer(hosts, words("layer.hosts_outline"), style.HOST_OUTLINE, highlight=False)


def _panel(plan: Plan) -> Markup:
    """The plan's figures and 2025 targets beside the computed areas (template ``economic_circle_panel.html``)."""
    fig = plan.figure
    total = zones("economic-circle", plan).total
    figures = [
        (words("panel.plan_area"), amount(fig("economic_circle.area_km2").value, "km²")),
        (words("panel.members_computed"), amount(total["area_km2"], "km²", 0)),
        (words("panel.partial_whole"), amount(total["partial_units_km2"], "km²", 0)),
        (words("panel.population"), amount(fig("economic_circle.population_2019").value)),
        (words("panel.gdp"), words("panel.gdp_value", value=amount(fig("economic_circle.gdp_2019_cny").value, "CNY"))),
        (words("panel.issued"), same(fig("economic_circle.release_date").value.isoformat())),
        (words("panel.period"), same(fig("economic_circle.period").value)),
    ]
    targets = [t.value for t in plan.get("economic_circle.targets_2025").values() if t.known]
    name = Words(str(plan.get("economic_circle.name_zh")), str(plan.get("economic_circle.name_en")))
    return panel_html("economic_circle_panel.html", name=name, figures=figures, targets=targets,
                      source=fig("economic_circle.area_km2").source)
