"""Each unit of a map its own colour, neighbours told apart by every reader.

The palette is Okabe & Ito's (2008) seven colours for colour-blind readers with Paul Tol's muted
nine (2021); :func:`unit_colours` gives units that share a border colours at least CIEDE2000 20 apart,
and 10 apart for a deuteranope, as they are seen: laid over white at the layer's opacity
(:mod:`chengyu.maps.colours`). Neighbours come from the full-resolution boundaries (:mod:`geo.adjacency`).

>>> from chengyu.geo import science_city
>>> colours = unit_colours(science_city(), "code", opacity=0.6)
>>> len(set(colours.values())), colours["500106"]
(5, '#332288')
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Final

import geopandas as gpd

from chengyu.geo.adjacency import neighbours
from chengyu.maps.colours import Legibility, assign_colours

__all__ = ["QUALITATIVE", "unit_colours"]

OKABE_ITO: Final = ("#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
TOL_MUTED: Final = ("#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
                    "#AA4499")
#: Sixteen colours, the first five the Science City's hosts have always had.
QUALITATIVE: Final = OKABE_ITO + TOL_MUTED


def unit_colours(units: gpd.GeoDataFrame, by: str, *, opacity: float,
                 order: Sequence[Hashable] | None = None) -> dict[Hashable, str]:
    """A colour of :data:`QUALITATIVE` for each value of column ``by`` (units merged by it), every one
    different and neighbours legible when filled at ``opacity`` over a light map; ``order`` (default:
    the units') breaks ties, so the first keys get the palette's first colours."""
    graph = neighbours(units, by)
    ordered = {key: graph[key] for key in (order if order is not None else units[by].drop_duplicates())}
    return assign_colours(ordered, QUALITATIVE, Legibility(opacity=opacity))
