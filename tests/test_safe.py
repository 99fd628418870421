"""maps.safe: data shown on maps stays literal text (HTML, JS and Jinja)."""

from __future__ import annotations

import copy
import html
import json
import os
import re

import folium
import geopandas as gpd
import jinja2
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import Point, box

from maps.offline import render_html
from maps.safe import (
    PropertyPopup,
    PropertyTooltip,
    TextTooltip,
    escape_column,
    escape_html,
    html_table,
    html_tables,
    js_literal,
    safe_geojson,
)

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "\"double\" 'single'",
    "back`tick`",
    "${x}",
    "{{ 7*7 }}",
    "{% if 1 %}x{% endif %}",
    "{# comment #}",
]
SPECIALS = set("<>\"'`{}")


def _feature(props: dict, lon: float = 105.0) -> dict:
    return {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [lon, 30.0]}}


def _collection(*props: dict) -> dict:
    return {"type": "FeatureCollection", "features": [_feature(p, 100.0 + i) for i, p in enumerate(props)]}


_KEEP_NEWLINES = jinja2.Environment(keep_trailing_newline=True)


def _jinja(text: str) -> str:
    """What branca's second pass does to a rendered string (bar newline normalising)."""
    return _KEEP_NEWLINES.from_string(text).render()


def _newlines(text: str) -> str:
    return re.sub(r"\r\n|\r", "\n", text)


# --- escape_html ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<b>", "&lt;b&gt;"),
        ("a & b", "a &amp; b"),
        ("\"'", "&quot;&#x27;"),
        ("`${x}`", "&#96;$&#123;x&#125;&#96;"),
        ("{{ 7*7 }}", "&#123;&#123; 7*7 &#125;&#125;"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        (pd.NaT, ""),
        (42, "42"),
        (2.5, "2.5"),
        ("成渝", "成渝"),
    ],
)
def test_escape_html(value: object, expected: str) -> None:
    assert escape_html(value) == expected


def test_escape_html_missing_placeholder_is_escaped_too() -> None:
    assert escape_html(None, missing="<n/a>") == "&lt;n/a&gt;"
    assert escape_html(0, missing="–") == "0"  # falsy is not missing


@given(st.text())
def test_escape_html_round_trips_and_is_inert(text: str) -> None:
    escaped = escape_html(text)
    assert html.unescape(escaped) == text
    assert not SPECIALS.intersection(escaped)
    assert _jinja(escaped) == _newlines(escaped)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_escape_html_survives_jinja(payload: str) -> None:
    escaped = escape_html(payload)
    assert _jinja(escaped) == escaped
    assert html.unescape(escaped) == payload


# --- js_literal ------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_js_literal_round_trips_and_hides_delimiters(value: object) -> None:
    literal = js_literal(value)
    assert json.loads(literal) == value
    assert not set("<>&'").intersection(literal)
    for delimiter in ("{{", "{%", "{#"):
        assert delimiter not in literal
    assert _jinja(literal) == literal


def test_js_literal_escapes_inside_strings_only() -> None:
    assert js_literal({"a": "{{x}}"}) == '{"a": "\\u007b\\u007bx\\u007d\\u007d"}'
    assert js_literal(["</script>"]) == '["\\u003c/script\\u003e"]'
    assert js_literal("\u2028") == '"\\u2028"'


def test_js_literal_refuses_nan() -> None:
    with pytest.raises(ValueError):
        js_literal(float("nan"))


# --- html_table ----------------------------------------------------------------------


def test_html_table_escapes_labels_and_values() -> None:
    table = html_table({"<Name>": "{{ 7*7 }}", "Area": None}, missing="–")
    assert table == (
        '<table class="chengyu-detail"><tr><th>&lt;Name&gt;</th><td>&#123;&#123; 7*7 &#125;&#125;</td></tr>'
        "<tr><th>Area</th><td>–</td></tr></table>"
    )
    assert html_table([("a", 1)]).count("<tr>") == 1


# --- safe_geojson -------------------------------------------------------------------


def test_safe_geojson_escapes_strings_keeps_numbers_and_input() -> None:
    raw = _collection({"name": "<b>{{ 7*7 }}</b>", "n": 3, "f": 1.5, "ok": True, "none": None,
                       "tags": ["<i>", {"deep": "{%x%}"}]})
    before = copy.deepcopy(raw)
    safe = safe_geojson(raw)
    assert raw == before  # input untouched
    props = safe["features"][0]["properties"]
    assert props["name"] == "&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;&lt;/b&gt;"
    assert (props["n"], props["f"], props["ok"], props["none"]) == (3, 1.5, True, None)
    assert props["tags"] == ["&lt;i&gt;", {"deep": "&#123;%x%&#125;"}]


def test_safe_geojson_html_fields_stay_markup_without_braces() -> None:
    card = html_table({"Name": "<x>"}) + "<span>{{ raw }}</span>"
    safe = safe_geojson(_collection({"card": card, "name": "<x>"}), html_fields=["card"])
    props = safe["features"][0]["properties"]
    assert props["card"].startswith("<table")
    assert "{" not in props["card"] and "&#123;&#123; raw &#125;&#125;" in props["card"]
    assert props["name"] == "&lt;x&gt;"


def test_safe_geojson_accepts_feature_and_geodataframe() -> None:
    assert safe_geojson(_feature({"a": "<"}))["features"][0]["properties"] == {"a": "&lt;"}
    gdf = gpd.GeoDataFrame(
        {"name": ["<a>", None], "pop": [1, float("nan")]},
        geometry=[box(0, 0, 1000, 1000), Point(0, 0)],
        crs="EPSG:3857",
    )
    safe = safe_geojson(gdf)
    first, second = (f["properties"] for f in safe["features"])
    assert first == {"name": "&lt;a&gt;", "pop": 1.0}
    assert second["name"] is None and second["pop"] is None
    # reprojected to lon/lat for Leaflet: 1000 m is ~0.009 degrees
    xs = [x for x, _ in safe["features"][0]["geometry"]["coordinates"][0]]
    assert 0.0 <= max(xs) < 0.01


@pytest.mark.parametrize("key", ["{{x}}", "<b>", "a&b", "it's", 'q"', "back`"])
def test_safe_geojson_refuses_unsafe_property_names(key: str) -> None:
    with pytest.raises(ValueError, match="property name"):
        safe_geojson(_collection({key: 1}))


def test_safe_geojson_rejects_other_input() -> None:
    with pytest.raises(TypeError):
        safe_geojson([1, 2])
    with pytest.raises(ValueError):
        safe_geojson({"type": "Point", "coordinates": [0, 0]})
    with pytest.raises(TypeError, match="html field"):
        safe_geojson(_collection({"card": 5}), html_fields=["card"])


# --- in a folium page --------------------------------------------------------------------


def _payload_map() -> folium.Map:
    m = folium.Map(location=[30, 105], zoom_start=5, tiles=None)
    props = [{"name": p, "card": html_table({"Name": p})} for p in PAYLOADS]
    layer = folium.GeoJson(
        safe_geojson(_collection(*props), html_fields=["card"]),
        name=escape_html("{{ 7*7 }} <layer>"),
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
        popup=folium.GeoJsonPopup(fields=["name"]),
    ).add_to(m)
    PropertyTooltip("card").add_to(layer)
    PropertyPopup("card").add_to(layer)
    TextTooltip("{{ 7*7 }} `${alert(1)}` </script>").add_to(layer)
    folium.LayerControl().add_to(m)
    return m


@pytest.mark.parametrize("renderer", ["folium", "render_html"])
def test_payloads_stay_literal_even_through_folium_double_pass(renderer: str) -> None:
    m = _payload_map()
    page = m.get_root().render() if renderer == "folium" else render_html(m)
    body = page[page.index("<body>"):]
    assert not re.search(r"(?<![0-9a-f])49(?![0-9a-f])", body)  # random hex ids may hold "49"
    assert "<img src=x" not in body and "<script>alert" not in body
    for payload in PAYLOADS:
        assert htmlsafe_json_dumps(escape_html(payload)) in body
    assert "`${" not in body


def test_plain_folium_evaluates_data_as_jinja() -> None:
    """Canary for the hole render_html closes: if branca stops re-rendering, revisit."""
    m = folium.Map(tiles=None)
    folium.GeoJson(_collection({"name": "{{ 7*7 }} {% if 1 %}x{% endif %}"})).add_to(m)
    assert '"name": "49 x"' in m.get_root().render()
    assert '"name": "{{ 7*7 }} {% if 1 %}x{% endif %}"' in render_html(m)
    # ...and it is not only arithmetic: any Python reachable from Jinja globals runs.
    m = folium.Map(tiles=None)
    folium.GeoJson(_collection({"name": "{{ cycler.__init__.__globals__.os.getcwd() }}"})).add_to(m)
    assert f'"name": "{os.getcwd()}"' in m.get_root().render()
    assert "os.getcwd() }}" in render_html(m)


@given(st.text(max_size=40))
@settings(max_examples=40, deadline=None)
def test_any_text_survives_folium_render(text: str) -> None:
    m = folium.Map(tiles=None)
    folium.GeoJson(safe_geojson(_collection({"name": text})), tooltip=folium.GeoJsonTooltip(["name"])).add_to(m)
    assert htmlsafe_json_dumps(escape_html(text)) in m.get_root().render()


def test_property_binders_check_their_parent_and_field() -> None:
    m = folium.Map(tiles=None)
    PropertyTooltip("card").add_to(m)
    with pytest.raises(TypeError, match="GeoJson"):
        render_html(m)
    m = folium.Map(tiles=None)
    layer = folium.GeoJson(_collection({"name": "a"})).add_to(m)
    PropertyPopup("card").add_to(layer)
    with pytest.raises(KeyError, match="card"):
        render_html(m)


def test_property_binder_output() -> None:
    m = folium.Map(tiles=None)
    layer = folium.GeoJson(_collection({"card": "<b>x</b>"})).add_to(m)
    PropertyTooltip("card", missing="<none>", direction="top").add_to(layer)
    page = render_html(m)
    assert 'geo_json_2.bindTooltip(function (layer) {' in page
    assert 'props["card"]' in page
    assert '"\\u0026lt;none\\u0026gt;"' in page
    assert '{"sticky": true, "direction": "top"}' in page


HOSTILE_CELLS = [True, 1, 1.0, 0.1, None, float("nan"), pd.NA, pd.NaT, "<b>x</b>", "{{ 7*7 }}", "`t` ${x}", "1", "",
                 "\u2028", "é 沙坪坝"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE_CELLS), min_size=0, max_size=40))
def test_html_tables_are_html_table_row_by_row(cells: list[object]) -> None:
    # the vectorised tooltips of a big layer say exactly what the per-row ones said (True is not 1)
    other = list(reversed(cells))
    want = [html_table([("a <b>", x), ("b", y)]) for x, y in zip(cells, other, strict=True)]
    assert html_tables([("a <b>", cells), ("b", other)]) == want
    assert escape_column(pd.Series(cells, dtype=object), missing="?").tolist() == [
        escape_html(x, missing="?") for x in cells]
