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
delimiters), prepare GeoJSON whose strings are already escaped
(:func:`safe_geojson`), serialise values for scripts (:func:`js_literal`) and
bind pre-escaped HTML kept in a feature property (:class:`PropertyTooltip`,
:class:`PropertyPopup`).  :func:`maps.offline.render_html` additionally turns
the second Jinja pass off, so both layers must fail before data becomes code.
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

__all__ = [
    "UNSAFE_KEY_CHARS",
    "PropertyPopup",
    "PropertyTooltip",
    "TextTooltip",
    "escape_column",
    "escape_html",
    "html_table",
    "html_tables",
    "js_literal",
    "safe_geojson",
]

# Characters refused in property *names*: names are schema, used as lookup
# keys in JS and shown as table headers, so renaming beats escaping them.
UNSAFE_KEY_CHARS = frozenset('{}<>&"\'`')

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

    Meant for a pre-escaped HTML property shown by :class:`PropertyTooltip`
    or :class:`PropertyPopup`.
    """
    items = rows.items() if isinstance(rows, Mapping) else rows
    body = "".join(
        f"<tr><th>{escape_html(label)}</th><td>{escape_html(value, missing=missing)}</td></tr>"
        for label, value in items
    )
    return f'<table class="{escape_html(css_class)}">{body}</table>'


def escape_column(values: Sequence[Any], *, missing: str = "") -> np.ndarray:
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


def html_tables(columns: Iterable[tuple[str, Sequence[Any]]], *, missing: str = "–",
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


def _escape_value(value: Any) -> Any:
    """Escape strings (recursively in lists/dicts); keep numbers and bools."""
    if isinstance(value, str):
        return escape_html(value)
    if isinstance(value, Mapping):
        return {k: _escape_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_escape_value(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN/inf are not JSON; show as missing
    return value


def _as_feature_collection(data: Any) -> dict[str, Any]:
    """GeoDataFrame/GeoSeries (reprojected to WGS84) or GeoJSON dict → new dict."""
    if hasattr(data, "to_json") and hasattr(data, "crs"):
        # Leaflet draws lon/lat: reproject here rather than ship wrong shapes.
        if data.crs is not None and not data.crs.equals("EPSG:4326"):
            data = data.to_crs("EPSG:4326")
        # to_json turns numpy scalars, NaN and timestamps into plain JSON; a frame of plain
        # strings (what the maps build) goes straight to a dict, without the JSON round trip.
        if all(data[c].map(type).eq(str).all() for c in data.columns if c != data.geometry.name):
            return data.to_geo_dict(drop_id=True)
        return json.loads(data.to_json(drop_id=True))
    if isinstance(data, Mapping):
        data = copy.deepcopy(dict(data))
        if data.get("type") == "Feature":
            return {"type": "FeatureCollection", "features": [data]}
        if data.get("type") == "FeatureCollection":
            return data
        raise ValueError(f"expected a Feature or FeatureCollection, got type={data.get('type')!r}")
    raise TypeError(f"safe_geojson needs a GeoDataFrame or GeoJSON dict, not {type(data).__name__}")


def safe_geojson(data: Any, *, html_fields: Iterable[str] = ()) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection whose properties are safe to show.

    Every string property value (also inside nested lists/dicts) is passed
    through :func:`escape_html`, so folium's ``GeoJsonTooltip``/``GeoJsonPopup``
    (which use ``innerHTML``) show it literally and no brace reaches a Jinja
    pass.  Properties named in ``html_fields`` hold *trusted, pre-escaped*
    markup (e.g. built with :func:`html_table`): they are kept as HTML, only
    their braces become entities.  Property names with any of
    :data:`UNSAFE_KEY_CHARS` raise ``ValueError``; the input is not modified.
    """
    html_keys = set(html_fields)
    collection = _as_feature_collection(data)
    for index, feature in enumerate(collection.get("features", [])):
        props = feature.get("properties") or {}
        clean: dict[str, Any] = {}
        for key, value in props.items():
            key = str(key)
            bad = UNSAFE_KEY_CHARS.intersection(key)
            if bad:
                raise ValueError(
                    f"feature {index}: property name {key!r} contains {''.join(sorted(bad))!r}; "
                    "rename the column (names are used as keys and labels)"
                )
            if key in html_keys:
                if value is not None and not isinstance(value, str):
                    raise TypeError(f"feature {index}: html field {key!r} must be str or None")
                clean[key] = None if value is None else _neutralise_braces(value)
            else:
                clean[key] = _escape_value(value)
        feature["properties"] = clean
    return collection


class _PropertyBinding(MacroElement):
    """Bind a feature's pre-escaped HTML property as a tooltip or popup.

    Added to a ``folium.GeoJson`` layer. When that layer sits in a ``MarkerCluster`` the binding
    goes on the cluster group instead: Leaflet.markercluster takes the GeoJson's markers into
    itself, so the GeoJson layer never joins the map: a tooltip bound to it never opens, and a
    sticky one throws on every mouse move over a marker (it asks the layer's map, and there is
    none, where the mouse is). The cluster group is on the map and hears its markers' events; the
    events of its cluster icons reach it renamed (``clustermouseover``, ``clusterclick``), so a
    cluster icon opens no empty tooltip or popup. One bound GeoJson layer per ``MarkerCluster``: a
    second binding of the same kind would replace the first.
    """

    _method = ""
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.target }}.{{ this._method }}(function (layer) {
                var props = (layer.feature && layer.feature.properties) || {};
                var value = props[{{ this.field_js }}];
                return (value === null || value === undefined) ? {{ this.missing_js }} : String(value);
            }, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, field: str, *, missing: str = "", **options: Any) -> None:
        super().__init__()
        self._name = type(self).__name__
        self.field = field
        self.field_js = js_literal(field)
        self.missing_js = js_literal(escape_html(missing))
        self.options_js = js_literal(options)

    def render(self, **kwargs: Any) -> Any:
        """Check the parent is a GeoJson layer that has the field, then render."""
        parent = self._parent
        if not isinstance(parent, folium.GeoJson):
            raise TypeError(f"{self._name} must be added to a folium.GeoJson layer")
        features = parent.data.get("features", [])
        if features and not any(self.field in (f.get("properties") or {}) for f in features):
            raise KeyError(f"{self._name}: no feature has property {self.field!r}")
        cluster = parent._parent if isinstance(parent._parent, MarkerCluster) else None
        self.target = (cluster or parent).get_name()
        return super().render(**kwargs)


class PropertyTooltip(_PropertyBinding):
    """Tooltip showing the pre-escaped HTML in property ``field`` of each feature.

    Leaflet inserts tooltip strings with ``innerHTML``, so the property must be
    built with :func:`escape_html`/:func:`html_table` and declared in
    ``safe_geojson(..., html_fields=[field])``.
    """

    _method = "bindTooltip"

    def __init__(self, field: str, *, missing: str = "", sticky: bool = True, **options: Any) -> None:
        super().__init__(field, missing=missing, sticky=sticky, **options)


class PropertyPopup(_PropertyBinding):
    """Popup showing the pre-escaped HTML in property ``field`` (no jQuery, unlike ``folium.Popup``)."""

    _method = "bindPopup"

    def __init__(self, field: str, *, missing: str = "", max_width: int = 320, **options: Any) -> None:
        super().__init__(field, missing=missing, maxWidth=max_width, **options)


class TextTooltip(MacroElement):
    """Plain-text tooltip for any layer: ``folium.Tooltip`` pastes text raw into JS."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.bindTooltip({{ this.html_js }}, {{ this.options_js }});
        {% endmacro %}
        """
    )

    def __init__(self, text: Any, *, sticky: bool = True, **options: Any) -> None:
        super().__init__()
        self._name = "TextTooltip"
        self.html_js = js_literal(escape_html(text))
        self.options_js = js_literal({"sticky": sticky, **options})
