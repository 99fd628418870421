"""maps.safe: data shown on maps stays literal text (HTML, JS and Jinja)."""

from __future__ import annotations

import html
import json
import os
import re

import folium
import jinja2
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from shapely.geometry import Point

from chengyu.maps.i18n import Words
from chengyu.maps.offline import render_html
from chengyu.maps.packed_layer import PackedLayer
from chengyu.maps.safe import (
    escape_column,
    escape_html,
    html_table,
    html_tables,
    js_literal,
    render_rows,
    render_template,
    slot,
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


# --- templates ------------------------------------------------------------------------


@given(st.text())
def test_templates_escape_values_as_escape_html_does(text: str) -> None:
    # finalize escapes with escape_html, not markupsafe's escape (which leaves braces and backticks)
    assert render_template("fields_note.html", note=text) == f'<div class="note">{escape_html(text)}</div>'
    # a text in both languages too (maps.i18n.Words: shown as its spans)
    both = f'<span lang="zh">{escape_html(text)}</span><span lang="en">{escape_html(text + "!")}</span>'
    assert render_template("fields_note.html", note=Words(text, text + "!")) == f'<div class="note">{both}</div>'
    assert render_template("title.html", title=text) == f"<title>{escape_html(text)}</title>"


@pytest.mark.parametrize("payload", PAYLOADS)
def test_template_output_survives_jinja(payload: str) -> None:
    html = render_template("popup.html", title=payload, table=Markup(html_table({payload: payload})))
    assert _jinja(html) == html
    assert "<img" not in html and "<script" not in html


def test_markup_is_shown_as_html_and_a_plain_str_as_text() -> None:
    table = html_table({"a": "<b>"})
    shown = render_template("popup.html", title="t", table=Markup(table))
    assert shown == f'<div class="chengyu-popup-title">t</div>{table}'
    assert render_template("popup.html", title="t", table=table).count("&lt;table") == 1
    # html_table stays a plain str, so HTML joined to it stays HTML
    assert type(table) is str and ("<i>" + table).startswith("<i><table")


def test_a_template_refuses_a_value_it_was_not_given() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render_template("popup.html", title="t")


# --- in a folium page --------------------------------------------------------------------


def _payload_map() -> folium.Map:
    m = folium.Map(location=[30, 105], zoom_start=5, tiles=None)
    tips = [html_table({"Name": p}) for p in PAYLOADS]
    points = [Point(100.0 + i, 30.0) for i in range(len(PAYLOADS))]
    PackedLayer(np.array(points), name="{{ 7*7 }} <layer>", tips=tips).add_to(m)
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
        assert js_literal(escape_html(payload))[1:-1] in body
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
    PackedLayer(np.array([Point(105, 30)]), name="x", tips=[escape_html(text)]).add_to(m)
    assert js_literal([escape_html(text)])[1:-1] in m.get_root().render()


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


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(HOSTILE_CELLS), min_size=0, max_size=20))
def test_render_rows_is_render_template_row_by_row(cells: list[object]) -> None:
    titles = escape_column(cells)
    tables = html_tables([("a", cells)])
    want = [render_template("popup.html", title=x, table=Markup(t)) for x, t in zip(cells, tables, strict=True)]
    assert render_rows("popup.html", [titles, tables], title=slot(0), table=slot(1)) == want


def test_render_rows_refuses_columns_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        render_rows("popup.html", [["a"], []], title=slot(0), table=slot(1))
