"""The options of the ``chengyu`` commands, each defined once: those more than one command takes, and
those that set a parameter of the library.

The library's messages name its parameters as Python does (``crs=``, ``layer_name='roads'``); the
command shows them with its own flags, :data:`FLAGS`, which records every option defined here under
the name of the parameter it sets (``crs`` → ``--crs``), so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from chengyu.geo import ZONE_KINDS
from chengyu.geo.classify import CLASS_SCHEMES
from chengyu.geo.regions import READINGS
from chengyu.maps.i18n import LANGS

_Command = TypeVar("_Command", bound=Callable[..., Any])

#: Each option's parameter name → its long flag: how the command spells the library's parameters.
FLAGS: dict[str, str] = {}


def option(*decls: str, **attrs: Any) -> Callable[[_Command], _Command]:
    """``click.option``, its parameter's long flag recorded in :data:`FLAGS`: how a command defines an
    option that sets a parameter of the library, so that the library's messages name it."""
    param = click.Option(decls, **attrs)
    assert param.name is not None  # every option here has a flag to take its name from
    FLAGS[param.name] = max(param.opts, key=len)
    return click.option(*decls, **attrs)


def output(*, help: str, file_okay: bool = True, dir_okay: bool = True, default: Path | None = None,
           required: bool = False) -> Callable[[_Command], _Command]:
    """``-o/--output``: where the command writes (a file, or a folder), with the command's own ``help``."""
    return option("-o", "--output", type=click.Path(path_type=Path, file_okay=file_okay, dir_okay=dir_okay),
                   default=default, show_default=default is not None, required=required, help=help)


def output_format(choices: Sequence[str], default: str | None,
                  help: str | None = None) -> Callable[[_Command], _Command]:
    """``--format``: which of ``choices`` the command writes (its parameter: ``fmt``); ``default`` None:
    the output file's extension says."""
    return option("--format", "fmt", type=click.Choice(choices, case_sensitive=False), default=default,
                   show_default=default is not None, help=help)


#: ``--force``: replace an existing output (its parameter is ``overwrite``, as in
#: :func:`chengyu.maps.atomic.write_atomic`).
force = option("--force", "overwrite", is_flag=True, help="Replace the output file if it exists.")

crs = option("--crs", default=None, metavar="CRS",
              help="What the layer's coordinates are: gcj02 (Amap/Tencent), bd09 (Baidu) or any CRS "
                   "pyproj knows (EPSG:32648). Needed when the file declares none and is not lon/lat.")
layer_name = option("--layer-name", default=None, metavar="NAME",
                     help="The layer to read from a GeoPackage/KML (or shapefile from a folder/zip) with several.")

zones = option("--zones", "kind", type=click.Choice(ZONE_KINDS), default="science-city", show_default=True,
                help="Which zones to report.")
reading = option("--reading", type=click.Choice(READINGS), default="sources", show_default=True,
                  help="Economic Circle scope: as the sources quote it, or Leshan without four counties.")
engine = option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                 help="dask: read and measure the layer in partitions on a dask cluster (pip install "
                      "'chengyu-atlas[dask]'); for layers too big for one machine's memory.")
scheduler = option("--scheduler", default=None, metavar="ADDRESS",
                    help="With --engine dask: the scheduler of a running cluster (default: start a local one).")

lang = option("--lang", type=click.Choice(LANGS), default=None,
              help="The language of the map: zh (中文), en or both. A page starts in it (default: the reader's "
                   "browser language; its 中文 / English toggle switches); an image is drawn in it (default: en).")
online = option("--online", is_flag=True, help="Link Leaflet from its CDN instead of inlining it (smaller files).")
pack = option("--pack/--no-pack", default=True, show_default=True,
               help="Gzip the page's scripts into one block the browser unpacks (about 4x smaller); "
                    "--no-pack for browsers older than 2023.")


data = option("--data", "data_path", type=click.Path(path_type=Path), default=None, metavar="FILE",
               help="A table of your figures per district/county (CSV in UTF-8 or GBK, XLSX, Parquet), joined "
                    "to the units by 6-digit code or by name; what does not join is listed on stderr.")
sheet = option("--sheet", default=None, metavar="NAME",
                help="With --data: the XLSX sheet to read, by name or position from 0 (default: the first).")
on = option("--on", default=None, metavar="COLUMN",
             help="With --data: the table's column of codes or names (default: the one that names units best).")


def data_options(command: _Command) -> _Command:
    """``--data``, ``--sheet`` and ``--on``: a user's table of figures joined to the units."""
    return data(sheet(on(command)))


color_by = option("--color-by", default=None, metavar="COLUMN",
                   help="Colour the units (the Science City's hosts, the Circle's members) by classes of a numeric "
                        "column: area_km2, official_area_km2, or one of --data's.")
per_km2 = option("--per-km2", is_flag=True, help="With --color-by: the column per km² of each unit's computed area.")
scheme = option("--scheme", type=click.Choice(list(CLASS_SCHEMES)), default="quantiles", show_default=True,
                 help="Classification for --color-by (values of both signs get classes on each side of 0).")
classes = option("-k", "--classes", "k", type=click.IntRange(2, 7), default=5, show_default=True,
                  help="Number of classes for --color-by.")


def colour_options(command: _Command) -> _Command:
    """``--color-by``, ``--per-km2``, ``--scheme`` and ``-k``: a choropleth of the units."""
    return color_by(per_km2(scheme(classes(command))))


def layer_options(command: _Command) -> _Command:
    """``--crs`` and ``--layer-name``: how to read a user's layer."""
    return crs(layer_name(command))
