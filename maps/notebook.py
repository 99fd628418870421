"""Maps in notebooks: a map shows in Jupyter as the same self-contained page as the file it writes.

folium's own notebook display is its page with links to six CDNs, which draws nothing without a
network; :class:`AtlasMap` shows :func:`~chengyu.maps.offline.render_html`'s page instead (Leaflet
inlined, every value escaped, packed), in an iframe's ``srcdoc``, sandboxed to its own scripts.
"""

from __future__ import annotations

import html
from typing import Any

import folium

from chengyu.maps.offline import render_html

__all__ = ["AtlasMap"]

#: The iframe's height in a notebook's output cell.
HEIGHT_PX = 760


class AtlasMap(folium.Map):
    """A ``folium.Map`` that displays offline in notebooks (everything else is folium's)."""

    def _repr_html_(self, **kwargs: Any) -> str:  # IPython's display hook: the public protocol of notebooks
        page = render_html(self, pack=True)
        return (f'<iframe title="map" srcdoc="{html.escape(page, quote=True)}" '
                f'style="width:100%;height:{HEIGHT_PX}px;border:0" sandbox="allow-scripts allow-popups"></iframe>')
