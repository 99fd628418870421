"""HTML and report images: the interactive maps of the Science City and the Economic Circle, drawn for print too.

>>> from chengyu.maps import science_city_map, write_html
>>> m = science_city_map()   # doctest: +SKIP
>>> write_html(m, "sc.html")   # doctest: +SKIP
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Imported on first use: folium costs about a second, and `chengyu area` never draws.
_LAZY = {
    "MAPS": "chengyu.maps.render",
    "economic_circle_map": "chengyu.maps.economic_circle",
    "science_city_map": "chengyu.maps.science_city",
    "render_html": "chengyu.maps.offline",
    "write_html": "chengyu.maps.offline",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'maps' has no attribute {name!r}")
