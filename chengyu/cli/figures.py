"""What a map shows of a user's table (``--data``) and how it colours its units (``--color-by``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import geopandas as gpd
import pandas as pd

from chengyu.cli.data import joined
from chengyu.geo import economic_circle, science_city
from chengyu.geo.errors import AtlasError

if TYPE_CHECKING:  # the maps import folium: only when the command draws
    from chengyu.maps.choropleth import Colouring

#: The units each map colours, by the map's name.
MAP_UNITS = {"science-city": science_city, "economic-circle": economic_circle}


def map_figures(name: str, data_path: Path | None, sheet: str | None, on: str | None, color_by: str | None,
                per_km2: bool, scheme: str, k: int) -> tuple[pd.DataFrame | None, Colouring | None]:
    """The joined table's columns by unit ``code`` (None without ``--data``) and the colouring, checked."""
    if color_by is None and per_km2:
        raise click.UsageError("--per-km2 applies to --color-by")
    units: gpd.GeoDataFrame = MAP_UNITS[name]()
    with_data = joined(units, data_path, sheet, on)
    own = [c for c in with_data.columns if c not in units.columns]
    figures = pd.DataFrame(with_data[["code", *own]]) if data_path is not None else None
    if color_by is None:
        return figures, None
    numeric = [str(c) for c in with_data.columns if c != "geometry" and pd.api.types.is_numeric_dtype(with_data[c])
               and not pd.api.types.is_bool_dtype(with_data[c])]
    # the table's own columns are its file's problem; the map's are the option's
    source = str(data_path) if color_by in own and data_path is not None else "--color-by"
    listed = ", ".join(numeric)
    if color_by not in with_data.columns:
        raise AtlasError(source, f"no column {color_by!r} to colour by; numeric columns: {listed}")
    if color_by not in numeric:
        raise AtlasError(source, f"column {color_by!r} is not numeric, so it cannot colour the map; "
                                 f"numeric columns: {listed}")
    if with_data[color_by].notna().sum() == 0:
        raise AtlasError(source, f"column {color_by!r} has no value for any unit of the map")
    from chengyu.maps.choropleth import Colouring

    return figures, Colouring(color_by, scheme, k, per_km2)
