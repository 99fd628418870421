"""A map's design on paper: :func:`draw` turns a :class:`~chengyu.maps.design.MapDesign` (and users'
layers) into a report image through :mod:`chengyu.maps.static`, projected for print by
:func:`geo.display.for_print`, with the design's own looks, legend and notes, in one language (or
both: Chinese, then English).

>>> import tempfile, pathlib
>>> from chengyu.maps.science_city import science_city_design
>>> with tempfile.TemporaryDirectory() as tmp:
...     draw(science_city_design(), pathlib.Path(tmp) / "sc.svg", lang="both", sheet=Sheet(dpi=72))
...     "沙坪坝区 Shapingba District" in (pathlib.Path(tmp) / "sc.svg").read_text(encoding="utf-8")
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import geopandas as gpd
import numpy as np
import shapely

from chengyu.geo.display import for_print
from chengyu.geo.layers import KINDS
from chengyu.geo.layers.clean import kind_codes
from chengyu.maps.design import MapDesign
from chengyu.maps.i18n import Choice, same, words
from chengyu.maps.overlay import layer_looks
from chengyu.maps.static import A4_LANDSCAPE, LegendEntry, Sheet, SheetLayer, draw_sheet

__all__ = ["Sheet", "draw", "source_line"]


def source_line(design: MapDesign, lang: Choice = "en") -> str:
    """What a printed map says of its sources, in ``lang``: the design's notes (boundaries and their
    vintage, the plan's figures), the projection, and the tool that drew it."""
    try:
        made = f"chengyu-atlas {version('chengyu-atlas')}"
    except PackageNotFoundError:  # run from a checkout that is not installed
        made = "chengyu-atlas"
    return " · ".join(note.say(lang) for note in [*design.notes, words("print.projection"),
                                                   words("print.drawn_with", tool=made)])


def draw(design: MapDesign, path: str | os.PathLike[str], *, layers: Sequence[tuple[str, gpd.GeoDataFrame]] = (),
         lang: Choice = "en", title: str | None = None, sheet: Sheet = A4_LANDSCAPE, fmt: str | None = None,
         font: str | os.PathLike[str] | None = None) -> None:
    """Draw ``design`` with the users' ``layers`` (name, frame in lon/lat) over it as a report image, its
    texts in ``lang`` (``"both"``: Chinese, then English); ``title`` instead of the design's."""
    view = gpd.GeoDataFrame(geometry=[shapely.box(*design.bounds)], crs=4326)
    own = [(name, frame) for name, frame in layers if not frame.empty]
    frames = for_print([*(layer.frame for layer in design.layers), *(frame for _, frame in own), view], view)
    drawn = [SheetLayer(frame, layer.look, layer.fills) for frame, layer in zip(frames, design.layers, strict=False)]
    # swatches as the page's legend draws them: a faint fill a quarter stronger, to show beside its label
    legend = [LegendEntry(item.label.say(lang), {**item.style, "fillOpacity": float(item.opacity)})
              for item in design.legend]
    for index, ((name, _), frame) in enumerate(zip(own, frames[len(design.layers):-1], strict=True)):
        kinds = kind_codes(frame.geometry.to_numpy())
        for kind, look in layer_looks(index).items():
            rows = np.flatnonzero(kinds == KINDS.index(kind))
            if rows.size:
                drawn.append(SheetLayer(frame.iloc[rows], look))
                legend.append(LegendEntry(words("print.own_layer", name=same(name), kind=words(f"kind.{kind}"))
                                          .say(lang), look))
    draw_sheet(path, drawn, title=title or design.title.say(lang), legend_title=design.legend_title.say(lang),
               legend=legend, source=source_line(design, lang),
               view=tuple(frames[-1].total_bounds), sheet=sheet, fmt=fmt, font=font)
