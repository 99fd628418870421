"""Render folium maps to self-contained, deterministic HTML.

``folium.Map.save`` writes a page that loads Leaflet, jQuery, Bootstrap,
Font-Awesome and Leaflet.awesome-markers from CDNs (``folium/folium.py``,
``_default_js``/``_default_css``), so offline it draws nothing ("L is not
defined"), and it names every element ``<kind>_<32 random hex>`` so two saves
of one map differ.  :func:`render_html` fixes both:

* every ``<script src>``/``<link rel=stylesheet>`` folium emits is looked up in
  :data:`ASSETS` (CDN URL → a file vendored from a pinned npm version under
  ``maps/js/vendor/``, see its SOURCES.md; inlined, images in CSS become
  ``data:`` URIs) or :data:`DROPPED_ASSETS` (left out: our maps use Leaflet
  core only).  Any other URL raises
  :class:`OfflineAssetError`, so a CDN link is never shipped silently.
  ``online=True`` keeps the CDN links but still drops the unused assets.
* random ids are renumbered by first appearance (``map_1``, ``geo_json_2``…).
* branca's second Jinja pass over rendered macro output is switched off while
  rendering (see :func:`_single_jinja_pass`), so data can never run as Jinja.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import branca.element
import folium
from branca.element import CssLink, Element, Figure, JavascriptLink

from chengyu.maps.atomic import write_atomic
from chengyu.maps.pack import pack_html

__all__ = [
    "ASSETS",
    "DROPPED_ASSETS",
    "LEAFLET_CSS",
    "LEAFLET_JS",
    "VENDORED_NPM",
    "VENDOR_DIR",
    "OfflineAssetError",
    "RawText",
    "VendoredAsset",
    "register_asset",
    "render_html",
    "write_html",
]


class OfflineAssetError(RuntimeError):
    """A page would need an asset we cannot ship inline (or would drop one it needs)."""


#: Where the npm files live: ``maps/js/vendor/<package>/`` (shipped in the wheel as package data).
VENDOR_DIR = Path(__file__).resolve().parent / "js" / "vendor"

#: npm packages vendored under :data:`VENDOR_DIR` (name → exact version).  The one place to bump a
#: version: ``maps/js/vendor/refresh.py`` fetches what this says, and tests/test_vendor.py checks that
#: SOURCES.md records the same version and that the CDN URLs in :data:`ASSETS` name it.
VENDORED_NPM: dict[str, str] = {"leaflet": "1.9.3"}


@dataclass(frozen=True)
class VendoredAsset:
    """One JS or CSS file vendored from a pinned npm package under ``maps/js/vendor/<package>/``.

    The files never change at run time: their checksums are in ``maps/js/vendor/SOURCES.md``
    and a test compares them, so nothing needs checking here.
    """

    package: str  # npm package, a key of VENDORED_NPM
    path: str  # file relative to maps/js/vendor/<package>/

    @property
    def version(self) -> str:
        """The npm version vendored (:data:`VENDORED_NPM`)."""
        return VENDORED_NPM[self.package]

    @property
    def kind(self) -> str:
        """"js" or "css", from the file name."""
        return "css" if self.path.endswith(".css") else "js"

    def file(self) -> Path:
        """Absolute path of the asset file."""
        return _inside(VENDOR_DIR / self.package, self.path)


LEAFLET_JS = VendoredAsset("leaflet", "leaflet.js")
LEAFLET_CSS = VendoredAsset("leaflet", "leaflet.css")

#: CDN URL (exactly as folium or a plugin emits it) → local file to inline.
#: Exact URLs on purpose: when folium changes a URL, rendering fails loudly
#: until someone checks the new version and adds it here.
ASSETS: dict[str, VendoredAsset] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": LEAFLET_JS,
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": LEAFLET_CSS,
}

#: folium.Map's default assets that nothing we draw uses (URL → why).
#: :func:`_check_dropped_users` refuses maps with elements that need them.
DROPPED_ASSETS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jQuery",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": "Bootstrap JS",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": "awesome-markers",  # noqa: E501 (a URL)
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": "Bootstrap CSS",
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": "glyphicons",
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": "Font-Awesome",
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": "awesome-markers CSS",  # noqa: E501 (a URL)
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": "awesome-markers rotate CSS",  # noqa: E501 (a URL)
}


def register_asset(url: str, asset: VendoredAsset) -> None:
    """Serve ``url`` (as a folium element emits it) from ``asset`` when offline."""
    if url in DROPPED_ASSETS:
        raise ValueError(f"{url} is in DROPPED_ASSETS; remove it there first")
    ASSETS[url] = asset


# --- reading and inlining files -------------------------------------------

_MIME = {
    ".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")
_SOURCE_MAP = re.compile(r"^\s*(//[#@] sourceMappingURL=\S*|/\*[#@] sourceMappingURL=[^*]*\*/)\s*$", re.MULTILINE)


def _inside(base: Path, relative: str) -> Path:
    """``base/relative`` resolved, refusing paths that escape ``base`` or are missing."""
    target = (base / relative).resolve()
    if base != target and base not in target.parents:
        raise OfflineAssetError(f"{relative!r} points outside {base}")
    if not target.is_file():
        raise OfflineAssetError(f"missing asset file {target}")
    return target


def _data_uri(path: Path) -> str:
    """``data:`` URI of a small binary file (mime from a fixed table: deterministic)."""
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise OfflineAssetError(f"no MIME type known for {path.name}")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _inline_css_urls(css: str, base: Path, name: str) -> str:
    """Replace relative ``url(...)`` in ``css`` by data URIs; refuse remote ones."""
    if "@import" in css:
        raise OfflineAssetError(f"{name} uses @import, which cannot be inlined")

    def repl(match: re.Match[str]) -> str:
        ref = match.group(2).strip()
        if not ref or ref.startswith(("data:", "#")):  # "#default#VML" is an old-IE no-op
            return match.group(0)
        if ref.startswith("//") or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", ref):
            raise OfflineAssetError(f"{name} references remote {ref}")
        local = _inside(base, ref.split("#")[0].split("?")[0])
        return f'url("{_data_uri(local)}")'

    return _CSS_URL.sub(repl, css)


@cache
def _inline_tag(asset: VendoredAsset) -> str:
    """``<script>``/``<style>`` element holding the asset's code."""
    path = asset.file()
    code = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    if asset.kind == "css":
        code = _inline_css_urls(code, path.parent, asset.path)
        if re.search(r"</style", code, re.IGNORECASE):
            raise OfflineAssetError(f"{asset.path} contains '</style'")
        return f"<style>\n{code}\n</style>"
    # "</script" would close the element early; "<\/" means the same in JS
    # strings and regexes, the only places it can occur.
    code = re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)
    return f"<script>\n{code}\n</script>"


@cache
def _leaflet_default_icon() -> str:
    """Script pointing L.Icon.Default at data URIs.

    Leaflet finds marker images by reading the CSS ``background-image`` of
    ``.leaflet-default-icon-path`` and stripping ``marker-icon.png``; with a
    data URI that yields nothing, so set the URLs explicitly.
    """
    base = LEAFLET_JS.file().parent  # leaflet.css's url(images/...) is relative to this folder too
    uris = {key: _data_uri(_inside(base, f"images/{file}")) for key, file in (
        ("iconUrl", "marker-icon.png"), ("iconRetinaUrl", "marker-icon-2x.png"),
        ("shadowUrl", "marker-shadow.png"))}
    options = ",".join(f'{k}:"{v}"' for k, v in uris.items())
    return f"<script>L.Icon.Default.imagePath=\"\";L.Icon.Default.mergeOptions({{{options}}});</script>"


class RawText(Element):
    """An element whose output is fixed text (never parsed as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


# --- rendering -----------------------------------------------------------
#
# Two of branca 0.8's internals are used here because it has no public hook for them:
# ``Element._children``, read and replaced (branca can add a child, but neither list nor remove
# one: render output must be dropped and links swapped for inline copies), and the module-level
# ``branca.element.Template`` that ``MacroElement.render`` compiles its macros' output with (no
# option turns that second pass off). Elsewhere public names do: ``get_name()`` for ids,
# ``Element.render`` for the page's own template.

_RENDER_LOCK = threading.RLock()
_HEX_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_EXTERNAL = re.compile(r"<script\b[^>]*\bsrc\s*=|<link\b[^>]*\brel\s*=\s*['\"]?stylesheet", re.IGNORECASE)


class _VerbatimTemplate:
    """Stands in for ``jinja2.Template`` inside ``branca.element`` while rendering.

    During rendering branca only builds templates from strings that are
    already rendered output (``Element(script(self, kwargs))``), so returning
    the text unchanged is the intended result minus the second evaluation.
    Newline handling copies jinja2's defaults (normalise to ``\\n``, drop one
    trailing newline) so benign pages stay byte-identical to folium's.
    """

    def __init__(self, source: str, *args: Any, **kwargs: Any) -> None:
        lines = re.split(r"\r\n|\r|\n", source)
        if lines and lines[-1] == "":
            lines.pop()
        self._text = "\n".join(lines)

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self._text


@contextlib.contextmanager
def _single_jinja_pass() -> Iterator[None]:
    """Stop branca from re-parsing rendered output as Jinja (caller holds the lock)."""
    original = branca.element.Template
    branca.element.Template = _VerbatimTemplate  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        branca.element.Template = original  # type: ignore[misc]


def _walk(root: Element) -> Iterator[Element]:
    """Every element reachable through children and header/html/script parts."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        yield element
        stack.extend(reversed(list(element._children.values())))
        for part in ("header", "html", "script"):
            sub = getattr(element, part, None)
            if isinstance(sub, Element):
                stack.append(sub)


def _dropped_need(element: Element) -> str | None:
    """Why ``element`` needs an asset from DROPPED_ASSETS, or None."""
    kind = type(element)
    if isinstance(element, folium.Popup):
        return ("folium.Popup builds its content with jQuery; give maps.packed_layer.PackedLayer popups "
                "(HTML escaped with maps.safe)")
    if isinstance(element, folium.Icon):
        return "folium.Icon needs Leaflet.awesome-markers; use the default marker, folium.DivIcon or a CircleMarker"
    if isinstance(element, folium.Map) and element.objects_to_stay_in_front:
        return "Map.keep_in_front() calls $(document).ready (jQuery)"
    if isinstance(element, folium.GeoJson):
        if not element.embed:
            return "GeoJson(embed=False) loads its data with $.ajax (jQuery); embed the data"
        if element.marker is not None and isinstance(getattr(element.marker, "icon", None), folium.Icon):
            return "a GeoJson marker with folium.Icon needs Leaflet.awesome-markers"
    if kind.__module__.startswith("folium.plugins") and kind.__name__ in {"TimeSliderChoropleth", "HeatMapWithTime"}:
        return f"folium.plugins.{kind.__name__} uses jQuery"
    return None


def _check_dropped_users(figure: Figure) -> None:
    """Refuse maps whose elements would break without the dropped assets."""
    for element in _walk(figure):
        reason = _dropped_need(element)
        if reason:
            raise OfflineAssetError(f"{element.get_name()}: {reason}")


def _drop_render_output(part: Element) -> None:
    """Forget what earlier renders left in a figure part, keep what users added.

    folium never clears the figure's header/html/script, and ``Layer.render``
    adds a *new* ``ElementAddToElement`` (new random id) on every render, so
    after ``m.save()`` a second render would carry duplicate ``addTo`` calls,
    in another order.  Render output is recognisable: it is keyed by another
    element's name (``<kind>_<id>``) or is a ``JSCSSMixin`` link or a
    :class:`RawText` an element's ``render`` adds under a fixed name (the
    packed layers' script: kept, it would land before the Leaflet it needs),
    never by its own name, which is how ``add_child(element)`` keys what a
    user adds.
    """
    keep: OrderedDict[str, Element] = OrderedDict()
    for key, child in part._children.items():
        produced = _HEX_ID.search(key) or isinstance(child, (JavascriptLink, CssLink, RawText))
        if produced and key != child.get_name():
            continue
        keep[key] = child
    part._children = keep


def _replace_links(header: Element, *, online: bool) -> None:
    """Drop unused asset links; offline, inline the rest or raise."""
    out: OrderedDict[str, Element] = OrderedDict()
    inlined: set[VendoredAsset] = set()
    for name, child in header._children.items():
        if not isinstance(child, (JavascriptLink, CssLink)):
            out[name] = child
            continue
        url = child.url
        if url in DROPPED_ASSETS:
            continue
        if online:
            out[name] = child
            continue
        asset = ASSETS.get(url)
        if asset is None:
            raise OfflineAssetError(
                f"no offline copy of {url} (asset {name!r}); vendor the file under maps/js/vendor/ "
                "(VENDORED_NPM) and map it with maps.offline.register_asset(url, VendoredAsset(...)), "
                "or render with online=True"
            )
        if asset in inlined:
            continue
        inlined.add(asset)
        out[name] = RawText(_inline_tag(asset))
        if asset == LEAFLET_JS:
            out[f"{name}__default_icon"] = RawText(_leaflet_default_icon())
    header._children = out


def _element_id(element: Element) -> str:
    """The random id in ``element``'s name (``<kind>_<id>``, :meth:`branca.element.Element.get_name`)."""
    return element.get_name().rpartition("_")[2]


def _stable_ids(html: str, ids: set[str]) -> str:
    """Replace each element id by a counter in order of first appearance."""
    numbers: dict[str, str] = {}

    def repl(match: re.Match[str]) -> str:
        value = match.group()
        if value not in ids:
            return value
        return numbers.setdefault(value, str(len(numbers) + 1))

    return _HEX_ID.sub(repl, html)


def render_html(m: folium.Map, *, online: bool = False, pack: bool = False) -> str:
    """Return the full HTML page of ``m``: self-contained unless ``online``, deterministic.

    ``pack=True`` (offline pages only) gzips the page's scripts and styles into one block that
    the browser unpacks itself (:mod:`maps.pack`): about a quarter of the bytes.

    Raises :class:`OfflineAssetError` when an element needs a dropped asset
    (jQuery, awesome-markers…) or, offline, links a URL with no entry in
    :data:`ASSETS`.  The map is left as it was (render output is built on
    copies of the figure's header/html/script) and the result does not
    depend on earlier ``m.save()`` calls.  While it runs, ``branca.element.
    Template`` is swapped process-wide (under a lock); a plain folium render
    in another thread at that moment would also get the single pass.
    """
    figure = m.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("render_html needs an element inside a branca Figure (a folium.Map is)")
    with _RENDER_LOCK:
        _check_dropped_users(figure)
        parts = (figure.header, figure.html, figure.script)
        saved = [part._children for part in parts]
        try:
            for part in parts:
                _drop_render_output(part)  # assigns a new dict: the saved one stays intact
            with _single_jinja_pass():
                for child in list(figure._children.values()):
                    child.render()
                _replace_links(figure.header, online=online)
                # the page's own template only: Figure.render would render its children again
                html = Element.render(figure)
            ids = {_element_id(element) for element in _walk(figure)}
        finally:
            for part, children in zip(parts, saved, strict=True):
                part._children = children
    html = _stable_ids(html, ids)
    if not online:
        match = _EXTERNAL.search(html)
        if match:
            start = max(match.start() - 40, 0)
            raise OfflineAssetError(f"offline page still links an external file near: {html[start:match.end() + 80]!r}")
        if pack:
            html = pack_html(html)
    return html


def write_html(m: folium.Map, path: str | os.PathLike[str], *, online: bool = False, pack: bool = False,
               overwrite: bool = True) -> Path:
    """Render ``m`` and write it to ``path`` atomically (see :func:`maps.atomic.write_atomic`)."""
    return write_atomic(path, render_html(m, online=online, pack=pack), overwrite=overwrite)
