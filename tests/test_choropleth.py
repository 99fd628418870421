"""maps.choropleth and the maps' designs: classes, signs, "no data", a user's figures on both maps."""

import numpy as np
import pandas as pd
import pytest

from chengyu.geo import science_city
from chengyu.maps.choropleth import DIVERGING_ABOVE, DIVERGING_BELOW, NO_DATA, Colouring, choropleth
from chengyu.maps.economic_circle import economic_circle_design
from chengyu.maps.offline import render_html
from chengyu.maps.science_city import science_city_design, science_city_map

HOSTS = science_city()
SAMPLE = pd.DataFrame({"code": HOSTS["code"], "change_pct": [-4.0, -1.5, 2.0, 6.5, np.nan],
                       "gdp": [1000.5, 600.5, 1500.5, 1200.5, 800.5]})


def test_values_of_both_signs_diverge_at_zero():
    shades = choropleth(HOSTS.merge(SAMPLE, on="code"), Colouring("change_pct", "equal_interval", k=4))
    below = [f for f, v in zip(shades.fills, SAMPLE["change_pct"], strict=True) if v < 0]
    above = [f for f, v in zip(shades.fills, SAMPLE["change_pct"], strict=True) if v > 0]
    assert set(below) <= set(DIVERGING_BELOW) and set(above) <= set(DIVERGING_ABOVE)
    assert shades.missing == 1 and shades.fills[4] is None
    labels = [item.label.en for item in shades.legend]
    assert labels[-1] == "no data (1 unit)" and shades.legend[-1].style == NO_DATA
    assert shades.legend[-1].label.zh == "无数据（1 个单元）"
    assert any(label.endswith("– 0%") for label in labels)  # zero closes the last class below it
    assert "diverging at 0" in shades.title.en and "以 0 为界" in shades.title.zh


def test_per_km2_divides_by_the_computed_area():
    units = HOSTS.merge(SAMPLE, on="code")
    shades = choropleth(units, Colouring("gdp", "equal_interval", k=2, per_km2=True))
    density = units["gdp"] / units["area_km2"]
    top, bottom = shades.legend[-1].style["fillColor"], shades.legend[0].style["fillColor"]
    assert shades.fills[int(density.argmax())] == top and shades.fills[int(density.argmin())] == bottom
    assert shades.legend[0].label.en.endswith("per km²") and shades.title.en.startswith("gdp per km²")
    assert shades.legend[0].label.zh.endswith("/平方公里") and shades.title.zh.startswith("gdp（每平方公里）")


def test_science_city_coloured_by_a_users_figure_counts_no_data():
    design = science_city_design(figures=SAMPLE, colouring=Colouring("change_pct", k=4))
    names = [layer.name.en for layer in design.layers]
    assert names == ["Other Chongqing districts", "Science City host districts",
                     "Science City host districts: no data"]
    assert design.layers[2].name.zh == "科学城承载区：无数据"
    assert len(design.layers[1].frame) == 4 and len(design.layers[2].frame) == 1
    assert design.legend_title.en.startswith("Host districts by change_pct")
    assert design.legend_title.zh.startswith("承载区：change_pct（以 0 为界，分位数，")
    page = render_html(science_city_map(figures=SAMPLE, colouring=Colouring("gdp")))
    assert "1,000.5" in page and "gdp" in page  # the figures in the hosts' tooltips and popups


def test_economic_circle_members_by_a_figure():
    design = economic_circle_design(figures=SAMPLE, colouring=Colouring("gdp", k=3))
    members = next(layer for layer in design.layers if layer.name.en == "Members")
    no_data = next(layer for layer in design.layers if layer.name.en == "Members: no data")
    assert len(members.frame) == 5 and len(no_data.frame) == 140 - 5
    assert any(item.label.en == "no data (135 units)" and item.label.zh == "无数据（135 个单元）"
               for item in design.legend)


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown scheme 'guess'"):
        Colouring("gdp", "guess")
