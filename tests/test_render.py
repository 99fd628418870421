"""The two maps as folium objects and as saved pages (no browser needed)."""

import re
import subprocess
import sys

import folium
import pytest
from jinja2.utils import htmlsafe_json_dumps

from chengyu.geo.plan import parse_plan
from chengyu.maps import MAPS, economic_circle_map, science_city_map
from chengyu.maps.i18n import same, words
from chengyu.maps.offline import render_html
from chengyu.shapes import PLAN_PATH


@pytest.fixture(scope="module")
def sc_html():
    return render_html(science_city_map())


@pytest.fixture(scope="module")
def ec_html():
    return render_html(economic_circle_map())


def _features(html: str) -> int:
    """Features of the page's packed layers (each layer's meta opens with its kind and count)."""
    assert not re.search(r'"type": ?"Feature"', html), "no per-feature GeoJSON"
    return sum(int(n) for n in re.findall(r'L\.chengyuPacked\(\{"kind": "polygon", "count": (\d+)', html))


def test_maps_are_folium_maps():
    assert isinstance(science_city_map(), folium.Map)
    assert isinstance(economic_circle_map(), folium.Map)
    assert MAPS == {"science-city": science_city_map, "economic-circle": economic_circle_map}


def test_science_city_content(sc_html):
    assert _features(sc_html) == 38  # 5 hosts + 33 other Chongqing districts
    for name in ["沙坪坝区", "北碚区", "九龙坡区", "江津区", "璧山区"]:
        assert name in sc_html
    assert "1,198 km²" in sc_html and "313.5 km²" in sc_html and "2020-09-11" in sc_html
    assert "not published as open data" in sc_html
    assert "5,709 km²" in sc_html and "21.0%" in sc_html
    assert "OpenStreetMap" in sc_html and "Esri" in sc_html
    assert "tile.openstreetmap.org" in sc_html  # the page says where tiles come from
    assert "L.control.scale" in sc_html and "L.control.layers" in sc_html
    assert "requestFullscreen" in sc_html
    assert "fitBounds" in sc_html


def test_economic_circle_content(ec_html):
    assert _features(ec_html) == 221 + 5  # every unit + the hosts' outlines
    assert "185,000 km²" in ec_html and "96 million" in ec_html and "RMB 6.3 trillion" in ec_html
    assert "181,498 km²" in ec_html and "7,628 km²" in ec_html
    assert "about 66% of resident population urbanised" in ec_html
    for layer in ["Members", "Partial members: Kaizhou, Yunyang", "Counties excluded from member cities",
                  "Outside the Circle", "Science City host districts (outline)"]:
        assert layer in ec_html


def test_classed_colouring_has_a_matching_legend():
    html = render_html(economic_circle_map(color_by="area_km2", scheme="quantiles", k=4))
    assert "Members by area_km2 (quantiles, 4 classes)" in html
    assert len(re.findall(r"\d[\d,]* – [\d,]+ km²", html)) == 4
    with pytest.raises(ValueError, match="unknown scheme"):
        economic_circle_map(color_by="area_km2", scheme="guess")


_DEFERRED = (r"var (layer_control_\d+);\s*requestAnimationFrame\(function \(\) \{\s*setTimeout\(function \(\) \{\s*"
             r"\1 = L\.control\.layers\((.*?)\);\s*\1\.addTo\((map_\d+)\);(.*?)\}, 0\);")


def test_layer_control_lists_every_layer_and_joins_after_the_first_frame(sc_html):
    control = re.search(_DEFERRED, sc_html, re.S)
    name, lists, _, _ = control.groups()
    # each name in both languages: HTML spans of escaped text, as tojson writes a string
    for label in (same("OpenStreetMap"), words("base.light_grey"), words("layer.other_chongqing"),
                  words("layer.hosts")):
        assert f"{htmlsafe_json_dumps(label.__html__())}:" in lists
    assert "Light grey (Esri)" in lists
    assert sc_html.count(f"{name}.addTo(") == 1  # nowhere else


def test_the_layer_control_lists_a_layer_added_after_it():
    from chengyu.maps.overlay import add_layer
    from tests.test_overlay import _points

    m = science_city_map()
    add_layer(m, _points(3), name="late <layer>")
    _, lists, _, _ = re.search(_DEFERRED, render_html(m), re.S).groups()
    assert '"late \\u0026lt;layer\\u0026gt;": feature_group_' in lists  # escaped, then tojson


def test_a_draggable_deferred_layer_control_is_made_draggable_when_it_joins():
    from chengyu.maps.controls import DeferredLayerControl
    m = folium.Map(tiles=None)
    DeferredLayerControl(draggable=True).add_to(m)
    name, _, _, rest = re.search(_DEFERRED, render_html(m), re.S).groups()
    assert f"new L.Draggable({name}.getContainer()).enable();" in rest


def test_self_contained_by_default(sc_html):
    assert not re.search(r"<script[^>]+src=|<link[^>]+stylesheet", sc_html)
    assert "L.Map" in sc_html or "L.map" in sc_html  # Leaflet itself is inline
    online = render_html(science_city_map(), online=True)
    assert "leaflet@1.9.3" in online or "leaflet/1.9.3" in online
    assert len(online) < len(sc_html)


def test_hostile_plan_values_reach_the_page_as_text():
    text = PLAN_PATH.read_text(encoding="utf-8")
    hostile = "{{ 7*7 }} {% if 1 %}x{% endif %} <script>alert(1)</script> ` ${x} \\\" '"
    text = text.replace('role = "core zone (直管园): 西永', f'role = "{hostile} 西永', 1)
    html = render_html(science_city_map(parse_plan(text, "hostile.toml")))
    assert "<script>alert(1)" not in html
    assert "{{ 7*7 }}" not in html and "{% if 1 %}" not in html
    # HTML-escaped once (braces as entities), then written into a JS string with & as \u0026
    assert r"\u0026#123;\u0026#123; 7*7 \u0026#125;\u0026#125;" in html
    assert r"\u0026lt;script\u0026gt;alert(1)" in html


@pytest.mark.slow
def test_build_is_byte_identical_across_processes(tmp_path):
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        subprocess.run([sys.executable, "-m", "chengyu", "build", "-o", str(out)], check=True,
                       capture_output=True, env={"PYTHONHASHSEED": run == "a" and "1" or "2", "PATH": "/usr/bin:/bin"})
        outputs.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert outputs[0].keys() == {"science-city.html", "economic-circle.html", "areas-districts.csv",
                                 "areas-science-city.csv", "areas-economic-circle.csv"}
    assert outputs[0] == outputs[1]
    assert not re.search(rb"_[0-9a-f]{32}\b", outputs[0]["science-city.html"])  # folium's random ids are gone
