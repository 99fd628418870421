"""Small self-written Leaflet elements that need no external asset (their script, ``maps/js/layout.js``,
is our own and inlined)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.template import Template

from chengyu.maps.i18n import Words, words
from chengyu.maps.offline import RawText
from chengyu.maps.safe import js_literal

__all__ = ["DeferredLayerControl", "DeferredTileLayer", "FitToFree", "FullscreenControl", "add_script",
           "after_first_frame"]

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")

# The elements here name the map they join through ``_parent``, in their templates as folium's own
# do (``{{ this._parent.get_name() }}``): branca 0.8 has no public accessor for an element's parent.

# Two 16px outline icons (expand / collapse), drawn with currentColor so the
# button follows Leaflet's bar styling.
_ICON_ENTER = (
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="currentColor" stroke-width="2"/></svg>'
)
_ICON_EXIT = (
    '<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">'
    '<path d="M6 1v5H1M15 6h-5V1M10 15v-5h5M1 10h5v5" fill="none" stroke="currentColor" stroke-width="2"/></svg>'
)


def _texts(title: str | Words) -> str | dict[str, str]:
    """A title as the page's scripts take it: a text, or one in each language."""
    return title.as_dict() if isinstance(title, Words) else title


class FullscreenControl(MacroElement):
    """A button that puts the map container in fullscreen and back.

    Uses the browser Fullscreen API (``element.requestFullscreen`` /
    ``document.exitFullscreen``, with the ``webkit`` prefixed names for older
    Safari) instead of ``folium.plugins.Fullscreen``, whose leaflet.fullscreen
    script only exists on a CDN.  Where the API is unavailable (e.g. iPhone
    Safari) the button is hidden rather than left doing nothing.  Its titles
    (text, or :class:`~chengyu.maps.i18n.Words`) follow the page's language.
    Add it to a ``folium.Map``.
    """

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            .chengyu-fullscreen a { display: flex; align-items: center; justify-content: center; cursor: pointer; color: #333; }
            .chengyu-fullscreen a:focus-visible { outline: 2px solid #2a6fdb; outline-offset: 1px; }
            .chengyu-fullscreen.is-unsupported { display: none; }
        </style>
        {% endmacro %}

        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (map, opts) {
            var doc = document;
            function current() { return doc.fullscreenElement || doc.webkitFullscreenElement || null; }
            function enabled() { return !!(doc.fullscreenEnabled || doc.webkitFullscreenEnabled); }
            var Control = L.Control.extend({
                options: { position: opts.position },
                onAdd: function (map) {
                    var container = L.DomUtil.create("div", "chengyu-fullscreen leaflet-bar leaflet-control");
                    var button = L.DomUtil.create("a", "chengyu-fullscreen-button", container);
                    button.href = "#";
                    button.setAttribute("role", "button");
                    var target = map.getContainer();
                    function update() {
                        var on = current() === target;
                        button.innerHTML = on ? opts.iconExit : opts.iconEnter;
                        button.title = ChengyuLanguage.say(on ? opts.titleExit : opts.titleEnter);
                        button.setAttribute("aria-label", button.title);
                        button.setAttribute("aria-pressed", on ? "true" : "false");
                        L.DomUtil[on ? "addClass" : "removeClass"](container, "is-fullscreen");
                    }
                    function toggle() {
                        if (current() === target) {
                            (doc.exitFullscreen || doc.webkitExitFullscreen).call(doc);
                        } else {
                            var request = target.requestFullscreen || target.webkitRequestFullscreen;
                            var result = request.call(target);
                            if (result && result.catch) { result.catch(function () {}); }
                        }
                    }
                    function changed() { update(); map.invalidateSize(); }
                    if (!enabled()) { L.DomUtil.addClass(container, "is-unsupported"); }
                    L.DomEvent.disableClickPropagation(container);
                    L.DomEvent.on(button, "click", function (e) { L.DomEvent.preventDefault(e); toggle(); });
                    doc.addEventListener("fullscreenchange", changed);
                    doc.addEventListener("webkitfullscreenchange", changed);
                    doc.addEventListener("chengyu:language", update);
                    this._cleanup = function () {
                        doc.removeEventListener("fullscreenchange", changed);
                        doc.removeEventListener("webkitfullscreenchange", changed);
                        doc.removeEventListener("chengyu:language", update);
                    };
                    update();
                    return container;
                },
                onRemove: function () { if (this._cleanup) { this._cleanup(); } }
            });
            return new Control().addTo(map);
        })({{ this._parent.get_name() }}, {{ this.options_js }});
        {% endmacro %}
        """  # noqa: E501 (the page's CSS, kept on one line)
    )

    def __init__(self, position: str = "topleft", *, title: str | Words | None = None,
                 title_exit: str | Words | None = None) -> None:
        super().__init__()
        if position not in _POSITIONS:
            raise ValueError(f"position must be one of {_POSITIONS}, not {position!r}")
        self._name = "FullscreenControl"
        self.position = position
        # Titles go through textContent-like attributes, icons are our own
        # constants; js_literal keeps all of it inert for Jinja and <script>.
        options: dict[str, Any] = {
            "position": position,
            "titleEnter": _texts(title or words("control.full_screen")),
            "titleExit": _texts(title_exit or words("control.exit_full_screen")),
            "iconEnter": _ICON_ENTER,
            "iconExit": _ICON_EXIT,
        }
        self.options_js = js_literal(options)

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        add_script(self, "language")  # its titles in the page's language
        super().render(**kwargs)


@cache
def _script(name: str) -> str:
    """Our script ``maps/js/<name>.js`` as a ``<script>`` element."""
    return "<script>\n" + files(__package__).joinpath(f"js/{name}.js").read_text(encoding="utf-8") + "</script>"


def map_name(element: Element) -> str:
    """The JavaScript name of the map ``element`` was added to, for the statements it renders.

    The one place our Python reads branca's ``_parent``: branca 0.8 has no public accessor for the
    element an element was added to (folium's own templates read ``this._parent`` too).
    """
    parent = element._parent
    assert parent is not None, "rendered as a child of its map"
    return parent.get_name()


def add_script(element: Element, name: str) -> None:
    """Put our script ``maps/js/<name>.js`` in the header of ``element``'s page, once however many
    elements need it: ``layout`` (folding boxes, the fit to what the controls leave free; it needs
    ``language``) or ``language`` (the page's language: :mod:`chengyu.maps.language`)."""
    root = element.get_root()
    assert isinstance(root, Figure)  # as folium's own elements assume: a map's root is its page
    if name == "layout":
        add_script(element, "language")
    root.header.add_child(RawText(_script(name)), name=f"chengyu_{name}_js")


class FitToFree(MacroElement):
    """Fits its map to ``bounds`` (west, south, east, north) in the part no control covers.

    The controls join after the first frame (:func:`after_first_frame`), so the first fit is a
    guess: ``guess`` (paddings top-left and bottom-right, px) on a wide screen, ``gap`` around on one
    matching the media query ``narrow`` (where the panel and legend fold into buttons). Once every
    control is on screen, the page measures them and fits the zones again, ``gap`` px clear of each
    (``L.ChengyuFit`` in ``maps/js/layout.js``); again when the map changes size, until someone
    moves it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.ChengyuFit.fit({{ this._parent.get_name() }}, {{ this.bounds_js }}, {{ this.options_js }});
        {{ this.refit_js }}
        {% endmacro %}
        """
    )

    def __init__(self, bounds: Iterable[float], *, guess: tuple[tuple[int, int], tuple[int, int]],
                 narrow: str, gap: int = 10) -> None:
        super().__init__()
        self._name = "FitToFree"
        west, south, east, north = (float(v) for v in bounds)
        self.bounds_js = js_literal([[south, west], [north, east]])
        top_left, bottom_right = guess
        guess_js = {"paddingTopLeft": list(top_left), "paddingBottomRight": list(bottom_right)}
        self.options_js = js_literal({"guess": guess_js, "narrow": narrow, "gap": gap})

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        add_script(self, "layout")
        # A task queued from the first frame's: it runs after every statement deferred by
        # after_first_frame, whatever their order in the page, when all the controls are on screen.
        self.refit_js = after_first_frame(f"setTimeout(function () {{ L.ChengyuFit.refit({map_name(self)}); }}, 0);")
        super().render(**kwargs)


def after_first_frame(statement: str) -> str:
    """JavaScript that runs ``statement`` just after the page's next frame has been drawn.

    ``requestAnimationFrame`` runs at the start of a frame, before style, layout and paint; the task
    it queues runs once that frame is on its way to the screen. What is deferred so costs the
    districts nothing, and shows one frame (about 17 ms) after them.

    >>> print(after_first_frame("panel.addTo(map_1);"))
    requestAnimationFrame(function () {
        setTimeout(function () { panel.addTo(map_1); }, 0);
    });
    """
    return ("requestAnimationFrame(function () {\n"
            f"    setTimeout(function () {{ {statement} }}, 0);\n"
            "});")


class _AddAfterFirstFrame(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.script_js }}
        {% endmacro %}
        """
    )

    def __init__(self, layer: str, map_name: str) -> None:
        super().__init__()
        self.script_js = after_first_frame(f"{layer}.addTo({map_name});")


class DeferredTileLayer(folium.TileLayer):
    """A ``folium.TileLayer`` that joins the map just after the page's first frame.

    Creating a tile layer lays out and requests a screenful of tiles (10–20 ms of main-thread
    work before anything else can draw, and with ``fit_bounds`` after it, twice). The districts
    are the content and are inside the page; tiles come from a network, if there is one. So the
    districts are drawn first and the base map is added one frame later (``requestAnimationFrame``
    then a task), which nobody can see but which brings the districts on screen sooner. The layer
    object itself exists from the start, so the layer control lists it as usual.
    """

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        shown, self.show = self.show, False  # folium's own addTo runs in the first frame: replace it
        try:
            if shown:
                self.add_child(_AddAfterFirstFrame(self.get_name(), map_name(self)),
                               name=self.get_name() + "_add_later")
            super().render(**kwargs)
        finally:
            self.show = shown


class DeferredLayerControl(folium.LayerControl):
    """A ``folium.LayerControl`` made and added to the map just after the page's first frame.

    Building its lists of base maps and overlays (inputs, labels, their layout) took ~3 ms of the
    opening before the districts could be drawn; like the panels, it joins a frame later
    (:func:`after_first_frame`). Made then, it lists every layer of the page, whichever was added
    to the map after it. Its button's title follows the page's language.
    """

    # folium's render fills base_layers and overlays, then renders this: the control is made in
    # the callback, when every layer of the page exists
    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }};
            {%- set make %}
                {{ this.get_name() }} = L.control.layers(
                    {
                    {%- for key, val in this.base_layers.items() %}
                        {{ key|tojson }}: {{ val }},
                    {%- endfor %}
                    },
                    {
                    {%- for key, val in this.overlays.items() %}
                        {{ key|tojson }}: {{ val }},
                    {%- endfor %}
                    },
                    {{ this.options|tojavascript }}
                );
                {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
                {#- the toggle has an English title only: named in the page's language, for screen readers too #}
                ChengyuLanguage.label(
                    {{ this.get_name() }}.getContainer().querySelector(".leaflet-control-layers-toggle"),
                    ["title", "aria-label"], {{ this.toggle_js }});
                {%- if this.draggable %}
                new L.Draggable({{ this.get_name() }}.getContainer()).enable();
                {%- endif %}
            {%- endset %}
            {{ this.after_first_frame(make) }}
        {% endmacro %}
        """
    )
    after_first_frame = staticmethod(after_first_frame)
    toggle_js = js_literal(words("control.layers").as_dict())

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        add_script(self, "language")
        super().render(**kwargs)

