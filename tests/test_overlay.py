"""Users' layers as saved pages (no browser needed; tests/browser/test_overlay.py opens them)."""

from __future__ import annotations

import base64
import gzip
import json
import re

import geopandas as gpd
import numpy as np
from shapely import points

from maps import packed_layer
from maps.offline import render_html
from maps.overlay import add_layer
from maps.render import science_city_map
from maps.safe import js_literal


def _points(n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(106.3, 106.5, n), rng.uniform(29.5, 29.65, n)
    names = [f"<b>p{i}</b> {{{{ 7*7 }}}}" for i in range(n)]
    return gpd.GeoDataFrame({"name": names}, geometry=points(lon, lat), crs="EPSG:4326")


def _tips(page: str) -> list[str]:
    """The tooltip HTML a packed layer carries (base64 of gzip-compressed JSON)."""
    (text,) = re.findall(r'<script type="application/octet-stream" id="[a-z_0-9]+_tips">([^<]*)</script>', page)
    return json.loads(gzip.decompress(base64.b64decode(text)))


def _page(n: int) -> str:
    m = science_city_map()
    add_layer(m, _points(n), name="pts", label="name")
    return render_html(m)


def test_a_small_layer_travels_in_the_script_with_its_tooltips_escaped():
    page = _page(500)
    assert page.count("= L.chengyuPacked(") == 3  # two district layers and the points
    assert 'type="application/octet-stream"' not in page
    assert "<b>p0" not in page and "7*7" not in page
    assert js_literal("&lt;b&gt;p0&lt;/b&gt; &#123;&#123; 7*7 &#125;&#125;")[1:-1] in page


def test_a_big_layer_travels_as_packed_geometry_with_its_tooltips_escaped(monkeypatch):
    monkeypatch.setattr(packed_layer, "INLINE_BYTES", 1_000)  # 500 points take 4,000 bytes
    page = _page(500)
    assert page.count("= L.chengyuPacked(") == 3
    assert page.count('type="application/octet-stream"') == 2  # the geometry and the tooltips
    assert "markerClusterGroup" not in page
    assert "<b>p0" not in page and "7*7" not in page  # the tooltips travel compressed
    # and hold the values escaped as before: HTML-escaped, braces as entities
    tips = _tips(page)
    assert len(tips) == 500
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


