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
delimiters), build the maps' HTML from templates that escape every value so
(:func:`render_template`, the files in ``maps/templates/``; :func:`html_table`
and :func:`html_tables` for tooltips and popups) and serialise values for
scripts (:func:`js_literal`): the maps carry their tooltips as pre-escaped HTML
in JS literals (:mod:`maps.packed_layer`), never through folium's tooltip
classes.  :func:`maps.offline.render_html` additionally turns the second Jinja
pass off, so both layers must fail before data becomes code.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

__all__ = [
    "escape_column",
    "escape_html",
    "html_table",
    "html_tables",
    "js_literal",
    "render_rows",
    "render_template",
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


def _escaped(value: Any) -> Any:
    """A value a template shows: trusted HTML (``Markup``) as it is, anything else :func:`escape_html`-ed."""
    return value if hasattr(value, "__html__") else Markup(escape_html(value))


# Autoescape, with escape_html as the escape (finalize runs before it, and autoescape leaves Markup alone):
# markupsafe's own escape would leave braces and backticks. So in templates show data with
# {{ value }} only: the `~` operator and the join/format filters fall back to markupsafe's escape.
_TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
                                autoescape=True, finalize=_escaped, undefined=jinja2.StrictUndefined)
_TEMPLATES.tests["missing"] = _is_missing


def render_template(template: str, /, **values: Any) -> Markup:
    """The HTML of the template ``maps/templates/<template>`` with ``values``: every value shown escaped as
    :func:`escape_html` escapes it, unless it is ``Markup`` (HTML a template made).

    >>> render_template("popup.html", title="<b>{{ 7*7 }}</b>", table=Markup("<table></table>"))
    Markup('<div class="chengyu-popup-title">&lt;b&gt;&#123;&#123; 7*7 &#125;&#125;&lt;/b&gt;</div><table></table>')
    """
    return Markup(_TEMPLATES.get_template(template).render(**values))


def slot(index: int) -> Markup:
    """Where :func:`render_rows` puts each row's text of column ``index``."""
    # an escaped value holds no "<": a marker opening with one comes from here
    return Markup(f"<slot {index}>")


_SLOT = re.compile(r"<slot (\d+)>")


def render_rows(template: str, columns: Sequence[Sequence[str] | np.ndarray], /, **values: Any) -> list[str]:
    """:func:`render_template` of each row, vectorised: ``values`` are the same for every row, and
    where they hold :func:`slot` ``(i)`` each row has its text of ``columns[i]`` (HTML: escaped
    already, as :func:`escape_column` does; the columns all of one length; plain ``str``, as
    ``Markup``'s ``+`` would escape the text before it).

    The template is rendered once, and the rows' texts are joined into its pieces by numpy: a
    million rows take seconds, not the minutes of a million renders.

    >>> render_rows("popup.html", [["a", "b"], ["<table></table>", ""]], title=slot(0), table=slot(1))
    ['<div class="chengyu-popup-title">a</div><table></table>', '<div class="chengyu-popup-title">b</div>']
    """
    lengths = {len(c) for c in columns}
    if len(lengths) > 1:
        raise ValueError("the columns differ in length")
    pieces = _SLOT.split(render_template(template, **values))
    out = np.full(lengths.pop() if lengths else 0, pieces[0], dtype=object)
    for index, after in zip(pieces[1::2], pieces[2::2], strict=True):
        out = out + np.asarray(columns[int(index)], dtype=object) + after
    return out.tolist()


def html_table(rows: Mapping[str, Any] | Iterable[tuple[str, Any]], *,
               missing: str = "–", css_class: str = "chengyu-detail") -> str:
    """A ``<table>`` of label/value rows (template ``table.html``), ``missing`` for a missing value.

    Meant for the pre-escaped tooltips and popups of :class:`maps.packed_layer.PackedLayer`. A plain
    ``str``, as its callers join HTML to it: ``Markup``'s ``+`` would escape what is joined (to show
    it in a template, mark it ``Markup`` there).
    """
    items = rows.items() if isinstance(rows, Mapping) else rows
    return str(render_template("table.html", rows=list(items), placeholder=missing, css_class=css_class))


def html_tables(columns: Iterable[tuple[str, Sequence[Any] | pd.Series]], *, missing: str = "–",
                css_class: str = "chengyu-detail") -> list[str]:
    """:func:`html_table` of each row of ``columns`` ((label, values) pairs, values all of one
    length), vectorised (:func:`render_rows`): a million rows in seconds.

    >>> html_tables([("a", [1, None])]) == [html_table([("a", 1)]), html_table([("a", None)])]
    True
    """
    columns = list(columns)
    cells = [escape_column(values, missing=missing) for _, values in columns]
    rows = [(label, slot(index)) for index, (label, _) in enumerate(columns)]
    return render_rows("table.html", cells, rows=rows, placeholder=missing, css_class=css_class)
