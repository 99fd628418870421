"""The 中文 / English toggle of every map page: three buttons (中文, English, 中文+English) that show
the page's texts in Chinese, in English or in both, remembered in the address (``#lang=en``).

Every text of a page is there in both languages (:class:`chengyu.maps.i18n.Words`, as ``lang``
spans); which one shows is a class on ``<html>`` (``chengyu-lang-zh``, ``-en`` or ``-both``), set by
``maps/js/language.js`` in the page's header, before its body is drawn: from the address, else the
page's own default (``lang``), else the browser's language.

>>> import folium
>>> m = folium.Map(tiles=None)
>>> _ = LanguageControl("en", title=words("page.economic_circle"), narrow="(max-width: 700px)").add_to(m)
>>> 'ChengyuLanguage.start({"lang": "en"' in m.get_root().render()
True
"""

from __future__ import annotations

import string
from typing import Any, Final

from branca.element import Figure, MacroElement
from folium.template import Template

from chengyu.maps.controls import add_script, after_first_frame, map_name
from chengyu.maps.i18n import LANGS, Choice, Words, words
from chengyu.maps.offline import RawText
from chengyu.maps.safe import js_literal

__all__ = ["CSS", "LanguageControl"]

#: Each language's spans hidden where the page shows the other one; a space between them in both.
#: The toggle: a row of three buttons, the chosen one dark ($narrow: style.NARROW, where buttons
#: get a finger's height).
CSS: Final = string.Template("""
.chengyu-lang-zh [lang="en"], .chengyu-lang-en [lang="zh"] { display: none; }
.chengyu-lang-both [lang="zh"] + [lang="en"]::before { content: " "; }
.chengyu-language { display: flex; background: #fff; overflow: hidden; }
.chengyu-language button { margin: 0; border: 0; padding: 0 8px; min-height: 30px; background: #fff; color: #222;
  font: 12px/1.2 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
  cursor: pointer; white-space: nowrap; }
.chengyu-language button + button { border-left: 1px solid #ccc; }
.chengyu-language button:hover { background: #f0f0f0; }
.chengyu-language button[aria-pressed="true"] { background: #222; color: #fff; font-weight: 600; }
.chengyu-language button:focus-visible { outline: 2px solid #2a6fdb; outline-offset: -3px; }
@media $narrow { .chengyu-language button { min-height: 44px; padding: 0 10px; font-size: 13px; } }
""")
# Each choice's button, by its key in the catalogue's [toggle].
_BUTTONS: Final = {"zh": "chinese", "en": "english", "both": "both"}


class LanguageControl(MacroElement):
    """The toggle, at ``position``; ``lang`` (one of :data:`~chengyu.maps.i18n.LANGS`) is what the page
    shows when its address does not say (None: the reader's browser language decides); ``title``, the
    page's title, follows the choice. ``narrow``: the media query of a phone's screen.

    Its style and the script that chooses the language go in the page's header, so the first frame
    is in one language; the toggle joins the map one frame after the districts, as the other
    controls do (:func:`~chengyu.maps.controls.after_first_frame`).
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            {{ this.add_js }}
        {% endmacro %}
    """)

    def __init__(self, lang: Choice | None, *, title: Words, narrow: str, position: str = "topright") -> None:
        super().__init__()
        if lang is not None and lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)} or None, not {lang!r}")
        self._name = "LanguageControl"
        self.start_js = js_literal({"lang": lang, "titles": title.as_dict()})
        self.css = CSS.substitute(narrow=narrow)
        self.options_js = js_literal({
            "position": position, "label": words("toggle.label").as_dict(),
            "names": {choice: words(f"toggle.{_BUTTONS[choice]}").en for choice in LANGS},
            "zoom": {"in": words("control.zoom_in").as_dict(), "out": words("control.zoom_out").as_dict()},
        })

    # None, as branca's MacroElement.render returns, though its Element.render is declared -> str
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        root = self.get_root()
        assert isinstance(root, Figure)  # as folium's own elements assume: a map's root is its page
        add_script(self, "language")
        root.header.add_child(RawText(f"<style>{self.css}</style>"), name="chengyu_language_css")
        root.header.add_child(RawText(f"<script>ChengyuLanguage.start({self.start_js});</script>"),
                              name="chengyu_language_start")
        self.add_js = after_first_frame(
            f"ChengyuLanguage.control({self.options_js}).addTo({map_name(self)});")
        super().render(**kwargs)
