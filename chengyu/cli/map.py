"""``chengyu map``: one interactive map as a self-contained HTML file, with the user's layers on it."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from chengyu.cli import options
from chengyu.cli.layers import read
from chengyu.cli.output import note
from chengyu.cli.pages import MAP_NAMES, write_map
from chengyu.cli.state import RUN
from chengyu.geo import AtlasError
from chengyu.geo.errors import escaped
from chengyu.maps.atomic import check_target


@click.command(name="map")
@click.argument("name", type=click.Choice(MAP_NAMES))
@options.output(help="The HTML file to write [default: NAME.html].", dir_okay=False)
@click.option("--layer", "layer_paths", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Draw your own layer (GeoJSON, GeoPackage, Shapefile, GeoParquet, KML, CSV); repeatable.")
@options.layer_options
@click.option("--label", default=None, metavar="COLUMN", help="The column that titles each feature's tooltip.")
@click.option("--fields", default=None, metavar="A,B,…",
              help="The columns listed in tooltips (default: the first 5; the map names those left out).")
@options.online
@options.pack
@click.option("--color-by", default=None, metavar="COLUMN",
              help="economic-circle only: colour member units by a numeric column (e.g. area_km2).")
@click.option("--scheme", type=click.Choice(["quantiles", "equal_interval", "natural_breaks", "fisher_jenks"]),
              default="quantiles", show_default=True, help="Classification for --color-by.")
@click.option("-k", "--classes", "k", type=click.IntRange(2, 7), default=5, show_default=True,
              help="Number of classes for --color-by.")
@options.force
def map_command(name: str, output: Path | None, layer_paths: tuple[Path, ...], crs: str | None,
                layer_name: str | None, label: str | None, fields: str | None, online: bool, pack: bool,
                color_by: str | None, scheme: str, k: int, overwrite: bool) -> None:
    """Write one interactive map as a self-contained HTML file, with your layers on it."""
    target = output or Path(f"{name}.html")
    RUN.inputs = list(layer_paths)
    check_target(target, overwrite=overwrite, inputs=RUN.inputs)  # before any work, and nothing written
    if not layer_paths and (crs or layer_name or label or fields):
        raise click.UsageError("--crs, --layer-name, --label and --fields apply to --layer")
    field_list = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    for flag, named in (("--label", [label] if label else []), ("--fields", field_list or [])):
        if "geometry" in named:  # read_layer's geometry column: never an attribute to show
            raise AtlasError(flag, "'geometry' is the layer's geometry, not an attribute column; name its columns")
    colouring = _colouring(name, color_by, scheme, k) if color_by is not None else {}
    layers = [read(p, crs, layer_name) for p in layer_paths]
    path = write_map(name, target, online=online, pack=pack, overwrite=overwrite, layers=layers, label=label,
                     fields=field_list, **colouring)
    note(f"wrote {escaped(str(path))} ({path.stat().st_size / 1e6:.2f} MB)")


def _colouring(name: str, color_by: str, scheme: str, k: int) -> dict[str, object]:
    """The map's options that colour the Economic Circle's units by ``color_by``, checked."""
    if name != "economic-circle":
        raise click.UsageError("--color-by applies to the economic-circle map")
    from chengyu.geo import economic_circle

    units = economic_circle()
    numeric = [c for c in units.columns if c != "geometry" and pd.api.types.is_numeric_dtype(units[c])
               and not pd.api.types.is_bool_dtype(units[c])]
    if color_by not in numeric:
        raise click.UsageError(f"--color-by {color_by!r} is not a numeric column; try one of {', '.join(numeric)}")
    return {"color_by": color_by, "scheme": scheme, "k": k}
