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
from chengyu.maps.basemap import VINTAGE_NOTE, district_name, district_popup, figure_rows, panel_html
from chengyu.maps.choropleth import MAX_FIGURES, Colouring, choropleth, classed_layers
from chengyu.maps.design import MapDesign, UnitLayer, with_figures
from chengyu.maps.palettes import unit_colours

__all__ = ["MEMBERSHIP_LABELS", "MEMBER_LOOK", "economic_circle_design", "economic_circle_map"]

#: How the tooltips word each ``membership`` of :func:`geo.economic_circle`.
MEMBERSHIP_LABELS = {
    "full": "member", "partial": "partial member (which parts unpublished)",
    "excluded": "excluded from its member city", "outside": "outside the Circle",
}
MEMBER_OPACITY = 0.6
MEMBER_LOOK = {"color": "#ffffff", "weight": 0.7, "fillOpacity": MEMBER_OPACITY}
TITLE = "Chengdu–Chongqing Economic Circle"
# The legend's lines for the units drawn alike whatever colours the members.
_OTHER_UNITS = [style.LegendItem("partial member (Kaizhou, Yunyang)", style.PARTIAL),
                style.LegendItem("excluded county", style.EXCLUDED),
                style.LegendItem("outside the Circle", style.OUTSIDE),
                style.LegendItem("Science City host district", style.HOST_OUTLINE)]


def economic_circle_map(plan: Plan | None = None, *, color_by: str | None = None, scheme: str = "quantiles",
                        k: int = 5, figures: pd.DataFrame | None = None,
                        colouring: Colouring | None = None) -> folium.Map:
    """Every unit of Chongqing and Sichuan by membership; members coloured by province/city.

    ``colouring`` (or, for short, ``color_by`` with ``scheme`` and ``k``) colours the member units by
    classes of a numeric column (e.g. ``"area_km2"``, or one of ``figures``: a ``code`` column and the
    user's own, which also show in tooltips) with a matching legend.
    """
    if colouring is None and color_by is not None:
        colouring = Colouring(color_by, scheme, k)
    return economic_circle_design(plan, figures=figures, colouring=colouring).folium_map()


def economic_circle_design(plan: Plan | None = None, *, figures: pd.DataFrame | None = None,
                           colouring: Colouring | None = None) -> MapDesign:
    """What :func:`economic_circle_map` shows, for the page and for print."""
    plan = plan or load_plan()
    units, own = with_figures(economic_circle(plan), figures)
    shown = display_geometry(units)
    shown["tip"] = [
        district_popup(r, [("area", style.km2(r["area_km2"], 1)),
                           ("city", "Chongqing" if r["province_code"] == "500000" else r["city_name_en"]),
                           ("membership", MEMBERSHIP_LABELS[r["membership"]]), *figure_rows(r, own[:MAX_FIGURES])])
        for _, r in shown.iterrows()
    ]
    members = shown[shown["membership"] == "full"]
    if colouring is None:
        member_layers, legend_title, legend = _by_city(plan, units, members)
    else:
        shades = choropleth(members, colouring, look=MEMBER_LOOK)
        member_layers = classed_layers(members, shades, "Members", MEMBER_LOOK)
        legend_title, legend = f"Members by {shades.title}", shades.legend
    layers = [*_around(shown), *member_layers, _host_outlines(shown)]
    return MapDesign(TITLE, shown[shown["membership"] != "outside"].total_bounds, layers, legend_title,
                     [*legend, *_OTHER_UNITS], _panel(plan),
                     notes=(VINTAGE_NOTE, f"Plan figures: {plan.figure('economic_circle.area_km2').source}"),
                     name_zh=str(plan.get("economic_circle.name_zh")))


def _by_city(plan: Plan, units: gpd.GeoDataFrame,
             members: gpd.GeoDataFrame) -> tuple[list[UnitLayer], str, list[style.LegendItem]]:
    """The members filled by province/city (Chongqing, then the Sichuan cities; neighbouring cities in
    colours every reader tells apart), and their legend."""
    cities: list[str] = ["500000"] + [c["code"] for c in plan.get("economic_circle.scope.sichuan_cities")]
    colours = unit_colours(units[units["membership"] == "full"], "member_city_code",
                           opacity=MEMBER_OPACITY, order=cities)
    names = {str(code): str(name) for code, name in units.groupby("member_city_code")["city_name_en"].first().items()}
    items = [style.LegendItem("Chongqing" if c == "500000" else names.get(c, c),
                              {"color": "#fff", "fillColor": colours[c]}) for c in cities]
    layer = UnitLayer(members, "Members", MEMBER_LOOK, fills=[colours[c] for c in members["member_city_code"]])
    return [layer], "Members by province/city", items


def _around(shown: gpd.GeoDataFrame) -> list[UnitLayer]:
    """The units that are not whole members, by membership from the outside in."""
    by = shown.groupby("membership", observed=True)

    def group(membership: str) -> gpd.GeoDataFrame:
        # a GeoDataFrame's groups are GeoDataFrames; the geopandas stubs type them as plain DataFrames
        return cast(gpd.GeoDataFrame, by.get_group(membership))

    return [UnitLayer(group("outside"), "Outside the Circle", style.OUTSIDE, highlight=False),
            UnitLayer(group("excluded"), "Counties excluded from member cities", style.EXCLUDED),
            UnitLayer(group("partial"), "Partial members: Kaizhou, Yunyang", style.PARTIAL)]


def _host_outlines(shown: gpd.GeoDataFrame) -> UnitLayer:
    """The Science City's host districts as outlines over everything."""
    hosts = shown[shown["science_city_host"]].copy()
    hosts["tip"] = [district_name(r, "Science City host district") for _, r in hosts.iterrows()]
    return UnitLayer(hosts, "Science City host districts (outline)", style.HOST_OUTLINE, highlight=False)


def _panel(plan: Plan) -> Markup:
    """The plan's figures and 2025 targets beside the computed areas (template ``economic_circle_panel.html``)."""
    fig = plan.figure
    total = zones("economic-circle", plan).total
    figures = [
        ("Plan area", style.km2(fig("economic_circle.area_km2").value)),
        ("Computed: members", style.km2(total["area_km2"])),
        ("+ Kaizhou and Yunyang, whole", style.km2(total["partial_units_km2"])),
        ("Population (2019)", f"{fig('economic_circle.population_2019').value / 1e6:,.0f} million"),
        ("GDP (2019)", f"nearly RMB {fig('economic_circle.gdp_2019_cny').value / 1e12:.1f} trillion"),
        ("Issued", fig("economic_circle.release_date").value.isoformat()),
        ("Period", fig("economic_circle.period").value),
    ]
    targets = [t.value for t in plan.get("economic_circle.targets_2025").values() if t.known]
    return panel_html("economic_circle_panel.html", name_en=plan.get("economic_circle.name_en"),
                      name_zh=plan.get("economic_circle.name_zh"), figures=figures, targets=targets,
                      source=fig("economic_circle.area_km2").source)
