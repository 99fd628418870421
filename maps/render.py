"""The maps by name, as the command offers them; each map is a module of its own
(:mod:`maps.science_city`, :mod:`maps.economic_circle`).

A map is built from ``geo``'s GeoDataFrames (display geometry from :func:`geo.display_geometry`,
figures from full-resolution areas) as a ``folium.Map``, which displays inline in Jupyter;
:func:`maps.offline.write_html` saves it self-contained and deterministic.

>>> sorted(MAPS)
['economic-circle', 'science-city']
"""

from __future__ import annotations

from collections.abc import Callable

import folium

from chengyu.maps.design import MapDesign
from chengyu.maps.economic_circle import economic_circle_design, economic_circle_map
from chengyu.maps.science_city import science_city_design, science_city_map

__all__ = ["DESIGNS", "MAPS"]

MAPS: dict[str, Callable[..., folium.Map]] = {
    "science-city": science_city_map,
    "economic-circle": economic_circle_map,
}
#: What each map shows, for pages and for print (:mod:`chengyu.maps.report_image`).
DESIGNS: dict[str, Callable[..., MapDesign]] = {
    "science-city": science_city_design,
    "economic-circle": economic_circle_design,
}
