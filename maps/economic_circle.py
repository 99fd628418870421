"""The map of the Chengdu–Chongqing Economic Circle: every unit of Chongqing and Sichuan by
membership, the members by city or by classes of a figure.

>>> m = economic_circle_map(color_by="area_km2", k=4)
>>> type(m).__name__
'Map'
"""

from __future__ import annotations

from typing import cast

import folium
import geopandas as gpd
from markupsafe import Markup

from chengyu.geo import economic_circle, load_plan, zones
from chengyu.geo.classify import classify
from chengyu.geo.display import display_geometry
from chengyu.geo.plan import Plan
from chengyu.maps import style
from chengyu.maps.basemap import add_controls, base_map, district_layer, district_name, district_popup, panel_html

__all__ = ["MEMBERSHIP_LABELS", "economic_circle_map"]

#: How the tooltips word each ``membership`` of :func:`geo.economic_circle`.
MEMBERSHIP_LABELS = {
    "full": "member", "partial": "partial member (which parts unpublished)",
    "excluded": "excluded from its member city", "outside": "outside the Circle",
}
# The legend's lines for the units drawn alike whatever colours the members.
_OTHER_UNITS = [style.LegendItem("partial member (Kaizhou, Yunyang)", style.PARTIAL),
                style.LegendItem("excluded county", style.EXCLUDED),
                style.LegendItem("outside the Circle", style.OUTSIDE),
                style.LegendItem("Science City host district", style.HOST_OUTLINE)]


def economic_circle_map(plan: Plan | None = None, *, color_by: str | None = None,
                        scheme: str = "quantiles", k: int = 5) -> folium.Map:
    """Every unit of Chongqing and Sichuan by membership; members coloured by province/city.

    ``color_by`` names a numeric column of :func:`geo.economic_circle` (e.g. ``"area_km2"``) to colour
    the member units by classes (``scheme`` from mapclassify, ``k`` classes) with a matching legend.
    """
    plan = plan or load_plan()
    shown = display_geometry(economic_circle(plan))
    shown["tip"] = [
        district_popup(r, [("area", style.km2(r["area_km2"], 1)),
                           ("city", "Chongqing" if r["province_code"] == "500000" else r["city_name_en"]),
                           ("membership", MEMBERSHIP_LABELS[r["membership"]])])
        for _, r in shown.iterrows()
    ]
    members = shown[shown["membership"] == "full"]
    if color_by is None:
        fills, legend = _by_city(plan, shown, members)
    else:
        fills, legend = _by_classes(members, color_by, scheme, k)

    m = base_map(shown[shown["membership"] != "outside"].total_bounds, "Chengdu–Chongqing Economic Circle")
    _add_units(m, shown, member_fills=fills)
    add_controls(m, _panel(plan), legend)
    return m


def _by_city(plan: Plan, shown: gpd.GeoDataFrame, members: gpd.GeoDataFrame) -> tuple[list[str], Markup]:
    """The members' fills by province/city (Chongqing, then the Sichuan cities), and their legend."""
    cities: list[str] = ["500000"] + [c["code"] for c in plan.get("economic_circle.scope.sichuan_cities")]
    colours = dict(zip(cities, style.CITY_COLOURS, strict=True))
    names = {str(code): str(name) for code, name in shown.groupby("member_city_code")["city_name_en"].first().items()}
    items = [style.LegendItem("Chongqing" if c == "500000" else names.get(c, c),
                              {"color": "#fff", "fillColor": colours[c]}) for c in cities]
    fills = [colours[c] for c in members["member_city_code"]]
    return fills, style.legend_html("Members by province/city", items + _OTHER_UNITS)


def _by_classes(members: gpd.GeoDataFrame, color_by: str, scheme: str, k: int) -> tuple[list[str], Markup]:
    """The members' fills by classes of their ``color_by`` column, and their legend."""
    classes = classify(members[color_by], scheme=scheme, k=k)
    colours = style.SEQUENTIAL[:: max(1, len(style.SEQUENTIAL) // classes.k)][: classes.k]
    labels = classes.legend_labels(unit="km²" if color_by.endswith("km2") else "")
    items = [style.LegendItem(label, {"color": "#fff", "fillColor": colours[i]}) for i, label in enumerate(labels)]
    fills = [colours[int(c)] for c in classes.labels]
    title = f"Members by {color_by} ({classes.scheme}, {classes.k} classes)"
    return fills, style.legend_html(title, items + _OTHER_UNITS)


def _add_units(m: folium.Map, shown: gpd.GeoDataFrame, *, member_fills: list[str]) -> None:
    """The units as layers, by membership from the outside in, and the host districts' outlines on top."""
    by = shown.groupby("membership", observed=True)

    def group(membership: str) -> gpd.GeoDataFrame:
        # a GeoDataFrame's groups are GeoDataFrames; the geopandas stubs type them as plain DataFrames
        return cast(gpd.GeoDataFrame, by.get_group(membership))

    district_layer(group("outside"), "Outside the Circle", style.OUTSIDE, highlight=False).add_to(m)
    district_layer(group("excluded"), "Counties excluded from member cities", style.EXCLUDED).add_to(m)
    district_layer(group("partial"), "Partial members: Kaizhou, Yunyang", style.PARTIAL).add_to(m)
    district_layer(group("full"), "Members", {"color": "#ffffff", "weight": 0.7, "fillOpacity": 0.6},
                   fills=member_fills).add_to(m)
    hosts = shown[shown["science_city_host"]].copy()
    hosts["tip"] = [district_name(r, "Science City host district") for _, r in hosts.iterrows()]
    district_layer(hosts, "Science City host districts (outline)", style.HOST_OUTLINE, highlight=False).add_to(m)


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
