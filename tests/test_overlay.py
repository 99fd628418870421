"""Users' layers as saved pages (no browser needed; tests/browser/test_overlay.py opens them)."""

from __future__ import annotations

import base64
import gzip
import json
import re

import geopandas as gpd
import numpy as np
from shapely import points
from shapely.geometry import box

from chengyu.geo import covered_area, zones
from chengyu.geo.fields import cover_fields
from chengyu.maps import packed_layer, science_city_map
from chengyu.maps.i18n import words
from chengyu.maps.offline import render_html
from chengyu.maps.overlay import add_layer, coverage_html
from chengyu.maps.safe import js_literal


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(106.3, 106.5, n), rng.uniform(29.5, 29.65, n)
    names = [f"<b>p{i}</b> {{{{ 7*7 }}}}" for i in range(n)]
    return gpd.GeoDataFrame({"name": names}, geometry=points(lon, lat), crs="EPSG:4326")


def _tips(page: str) -> list[list[str]]:
    """The tooltip HTML each big packed layer carries (base64 of gzip-compressed JSON)."""
    blocks = re.findall(r'<script type="application/octet-stream" id="[a-z_0-9]+_tips">([^<]*)</script>', page)
    return [json.loads(gzip.decompress(base64.b64decode(text))) for text in blocks]


def _page(n: int) -> str:
    m = science_city_map()
    add_layer(m, _points(n), name="pts", label="name")
    return render_html(m)


def test_a_small_layer_travels_in_the_script_with_its_tooltips_escaped():
    page = _page(500)
    assert page.count("= L.chengyuPacked(") == 3  # two district layers and the points
    assert 'type="application/octet-stream"' not in page
    assert "<b>p0" not in page and "{{ 7*7 }}" not in page
    assert js_literal("&lt;b&gt;p0&lt;/b&gt; &#123;&#123; 7*7 &#125;&#125;")[1:-1] in page


def test_a_big_layer_travels_as_packed_geometry_with_its_tooltips_escaped(monkeypatch):
    monkeypatch.setattr(packed_layer, "INLINE_BYTES", 1_000)  # 500 points take 4,000 bytes
    page = _page(500)
    assert page.count("= L.chengyuPacked(") == 3
    # the geometry and the tooltips of each layer, and the host districts' popups
    assert page.count('type="application/octet-stream"') == 3 * 2 + 1
    assert "<b>p0" not in page and "7*7" not in page  # the tooltips travel compressed
    # and hold the values escaped as before: HTML-escaped, braces as entities
    (tips,) = [t for t in _tips(page) if len(t) == 500]
    assert sum("&lt;b&gt;p0&lt;/b&gt; &#123;&#123; 7*7 &#125;&#125;" in t for t in tips) == 1
    assert not any("<b>" in t or "{" in t for t in tips)


def test_the_renderer_is_in_the_page_once_for_several_layers():
    m = science_city_map()
    add_layer(m, _points(5), name="a", label="name")
    add_layer(m, _points(7), name="b", label="name", index=1)
    page = render_html(m)
    assert page.count("if (L.ChengyuPacked) { return; }") == 1
    assert page.count("= L.chengyuPacked(") == 4


def test_a_layer_page_is_the_same_on_every_build():
    assert _page(300) == _page(300)


def test_the_covered_area_table_has_the_output_fields_labels_and_digits():
    layer = gpd.GeoDataFrame(geometry=[box(106.40, 29.55, 106.42, 29.57), *points([106.41, 100.0], [29.56, 30.0])],
                             crs="EPSG:4326")
    coverage = covered_area(layer, zones("science-city"))
    fields = cover_fields(coverage.kinds)
    assert [f.name for f in fields] == ["covered_km2", "covered_pct", "count", "per_km2"]
    html = coverage_html("<mine> {{ 7*7 }}", coverage)
    assert '<span lang="en">&lt;mine&gt; &#123;&#123; 7*7 &#125;&#125;: covered area</span>' in html
    assert '<span lang="zh">&lt;mine&gt; &#123;&#123; 7*7 &#125;&#125;：覆盖面积</span>' in html
    header, *rows = re.findall(r"<tr>(.*?)</tr>", html)
    # the columns headed in both languages by the catalogue's field.<name>, in English as geo.fields labels them
    assert re.findall(r"<th>(.*?)</th>", header) == ["", *(words(f"field.{f.name}").__html__() for f in fields)]
    assert [words(f"field.{f.name}").en for f in fields] == [f.label for f in fields]
    cells = {_english(re.match(r"<th>(.*?)</th>", row).group(1)): re.findall(r'<td class="num">(.*?)</td>', row)
             for row in rows}
    assert len(cells) == 5 + 2  # the host districts, all of them, and outside
    total = coverage.total
    assert cells["all zones"] == [f.shown(total[f.name]) for f in fields]
    assert cells["all zones"][2] == "1"  # the one point inside (counts have no decimals)
    assert cells["outside every zone"] == [f.shown(coverage.outside.get(f.name)) for f in fields]
    assert cells["outside every zone"][1] == cells["outside every zone"][3] == "–"  # no share, no density outside


def _english(html: str) -> str:
    """What ``html`` shows in English: without its Chinese spans and its tags."""
    return re.sub(r"<[^>]+>", "", re.sub(r'<span lang="zh">.*?</span>', "", html))


def test_a_wide_layer_carries_a_few_columns_and_says_which_it_left_out():
    n, columns = 1_000, 20
    wide = _points(n)
    for c in range(columns):
        wide[f"c{c}"] = [f"v{c}x{i}" for i in range(n)]
    m = science_city_map()
    add_layer(m, wide.drop(columns="name"), name="firms")
    page = render_html(m)
    shown = [c for c in range(columns) if f"v{c}x{n - 1}" in page]
    assert shown == [0, 1, 2, 3, 4]  # 5,000 values of 20,000
    assert "Tooltips list 5 of 20 columns; left out: c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16 " \
           "and 3 more (choose with chengyu map --fields)." in page
    m = science_city_map()
    add_layer(m, wide, name="firms", fields=["c7"], label="name")
    page = render_html(m)
    assert [c for c in range(columns) if f"v{c}x{n - 1}" in page] == [7]
    assert "Tooltips list 1 of 21 columns" not in page  # the label is not a left-out column
    assert "Tooltips list 1 of 20 columns; left out: c0, c1," in page
    assert "提示框列出 20 列中的 1 列；未列出：c0、c1、" in page
