"""A map page written by the command: a bundled map, with the user's layers and what they cover."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from chengyu.cli.layers import covered
from chengyu.cli.state import RUN
from chengyu.geo import AtlasError, Layer, zones
from chengyu.maps.atomic import write_atomic

#: The bundled maps, by the name the commands take.
MAP_NAMES = ("science-city", "economic-circle")


def write_map(name: str, path: Path, *, online: bool, pack: bool, overwrite: bool, layers: Sequence[Layer] = (),
              label: str | None = None, fields: Sequence[str] | None = None, **options: object) -> Path:
    """Draw the map ``name`` (``options``: its own, such as ``color_by``, and ``lang``, the language the page
    starts in) with ``layers`` on it, each with a panel of what it covers of the map's zones, and write it
    to ``path``."""
    # folium is imported only by the commands that draw, so `chengyu area` starts fast.
    from chengyu.maps.offline import render_html
    from chengyu.maps.overlay import add_layer
    from chengyu.maps.render import MAPS

    m = MAPS[name](**options)
    zone_set = zones("science-city" if name == "science-city" else "economic-circle")
    # --label and --fields name columns of any of the layers; each layer uses those it has.
    for column in ([label] if label else []) + list(fields or []):
        if layers and not any(column in attributes(layer.gdf) for layer in layers):
            own = ", ".join(c for c in attributes(layers[0].gdf) if c != "kind")
            raise AtlasError(layers[0].source, f"no layer has a column {column!r}; its columns: {own}")
    for index, layer in enumerate(layers):
        columns = set(layer.gdf.columns)
        add_layer(m, layer.gdf, name=layer.name, label=label if label in columns else None,
                  fields=[f for f in fields if f in columns] if fields is not None else None,
                  coverage=covered(layer.gdf, zone_set), index=index)
    return write_atomic(path, render_html(m, online=online, pack=pack and not online), overwrite=overwrite,
                        inputs=RUN.inputs)


def attributes(gdf: pd.DataFrame) -> list[str]:
    """The columns a tooltip can show: all but the geometry."""
    return [str(c) for c in gdf.columns if c != "geometry"]  # read_layer's geometry column
