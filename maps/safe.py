"""Show data to users as literal text, never as markup or template code.

folium 0.20 has two holes that matter once map content comes from data files:

1. ``GeoJsonTooltip``/``GeoJsonPopup`` build a table with a JS template literal
   and assign it to ``div.innerHTML`` (folium/features.py, ``GeoJsonDetail.
   base_template``), so a property ``<img src=x onerror=...>`` runs script.
   ``folium.Tooltip(text)`` is worse: ``{{ this.text }}`` is pasted raw into a
   backtick literal, so a backtick or ``${...}`` in the text is JavaScript.
2. branca renders every ``MacroElement`` twice: ``MacroElement.render`` wraps the
   *output* of the ``script``/``header``/``html`` macros in ``Element(...)``
   (branca/element.py, ``figure.script.add_child(Element(script(self, kwargs)))``)
   and ``Element.__init__`` compiles that string as a new ``jinja2.Template``.
   Data that reaches a template output unescaped is therefore Jinja code run
   in Python at save time: ``{{ 7*7 }}`` becomes ``49``.  ``tojson`` escapes
   ``<>&'`` but not ``{``/``}``.

This module gives the data-side defences: escape every shown value
(:func:`escape_html`, which also turns braces into entities so Jinja sees no
delimiters; :func:`html_table` and :func:`html_tables` for tooltips and popups)
and serialise values for scripts (:func:`js_literal`): the maps carry their
tooltips as pre-escaped HTML in JS literals (:mod:`maps.packed_layer`), never
through folium's tooltip classes.  :func:`maps.offline.render_html` additionally
turns the second Jinja pass off, so both layers must fail before data becomes code.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "escape_column",
    "escape_html",
    "html_table",
    "html_tables",
    "js_literal",
]

# Escapes applied inside JSON string tokens.  `<>&` stop `</script>` and HTML
# parsing surprises, `'` keeps the literal usable inside single-quoted
# attributes, braces hide Jinja delimiters from a second template pass, and
# U+2028/U+2029 are line terminators in older JavaScript.
_JSON_STRING_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "{": "\\u007b",
    "}": "\\u007d",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_STRING_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"')
_JSON_STRING_SPECIALS = re.compile("[<>&'{}\u2028\u2029]")


def _is_missing(value: Any) -> bool:
    """True for None, NaN and pandas' NA/NaT (missing data, not text)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas comes with geopandas
        return False
    try:
        return bool(pd.isna(value)) if pd.api.types.is_scalar(value) else False
    except (TypeError, ValueError):
        return False


def escape_html(value: Any, *, missing: str = "") -> str:
    """Return ``value`` as HTML text that displays literally.

    Escapes ``& < > " '`` (``html.escape`` with quotes), the backtick (so the
    result is also inert inside a JS template literal) and ``{``/``}`` as
    ``&#123;``/``&#125;`` so no Jinja delimiter survives.  ``None``/NaN/NA
    become ``missing`` (escaped too).
    """
    if _is_missing(value):
        value = missing
    text = html.escape(str(value), quote=True)
    return text.replace("`", "&#96;").replace("{", "&#123;").replace("}", "&#125;")


def _neutralise_braces(markup: str) -> str:
    """Replace braces by entities in trusted markup (HTML renders them alike)."""
    return markup.replace("{", "&#123;").replace("}", "&#125;")


def js_literal(value: Any) -> str:
    """Serialise ``value`` as a JavaScript literal safe inside ``<script>``.

    JSON (NaN refused) in which every string has ``<>&'{}`` and U+2028/2029
    written as ``\\uXXXX``.  Structural braces stay: JSON never emits ``{{``,
    ``{%`` or ``{#`` outside strings, so Jinja finds no delimiter.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)

    def fix(match: re.Match[str]) -> str:
        return _JSON_STRING_SPECIALS.sub(
            lambda m: _JSON_STRING_ESCAPES[m.group()], match.group()
        )

    return _JSON_STRING_TOKEN.sub(fix, text)


def html_table(rows: Mapping[str, Any] | Iterable[tuple[str, Any]], *,
               missing: str = "–", css_class: str = "chengyu-detail") -> str:
    """Build a ``<table>`` of label/value rows with every cell escaped.

    Meant for the pre-escaped tooltips and popups of :class:`maps.packed_layer.PackedLayer`.
    """
    items = rows.items() if isinstance(rows, Mapping) else rows
    body = "".join(
        f"<tr><th>{escape_html(label)}</th><td>{escape_html(value, missing=missing)}</td></tr>"
        for label, value in items
    )
    return f'<table class="{escape_html(css_class)}">{body}</table>'


def escape_column(values: Sequence[Any] | pd.Series, *, missing: str = "") -> np.ndarray:
    """:func:`escape_html` of every value, each distinct value escaped once (an object array).

    >>> escape_column(["<b>", None, "<b>", 2.5]).tolist()
    ['&lt;b&gt;', '', '&lt;b&gt;', '2.5']
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    # by their text: as objects, True and 1 (or 1 and 1.0) would count as one value
    texts = np.array([str(v) for v in series.to_numpy(dtype=object)], dtype=object)
    if pd.api.types.is_numeric_dtype(series.dtype):  # digits, signs, ".", "e", "inf", "nan", "True"
        out = texts
    else:
        codes, uniques = pd.factorize(texts)
        out = np.array([escape_html(u) for u in uniques], dtype=object)[codes] if len(texts) else texts
    out[series.isna().to_numpy()] = escape_html(missing)
    return out


def html_tables(columns: Iterable[tuple[str, Sequence[Any] | pd.Series]], *, missing: str = "–",
                css_class: str = "chengyu-detail") -> list[str]:
    """:func:`html_table` of each row of ``columns`` ((label, values) pairs, values all of one
    length), vectorised: a million rows in seconds.

    >>> html_tables([("a", [1, None])]) == [html_table([("a", 1)]), html_table([("a", None)])]
    True
    """
    columns = list(columns)
    lengths = {len(v) for _, v in columns}
    if len(lengths) > 1:
        raise ValueError("the columns differ in length")
    out = np.full(lengths.pop() if lengths else 0, f'<table class="{escape_html(css_class)}">', dtype=object)
    for label, values in columns:
        out = out + f"<tr><th>{escape_html(label)}</th><td>" + escape_column(values, missing=missing) + "</td></tr>"
    return (out + "</table>").tolist()
