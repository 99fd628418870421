"""``chengyu map``: one interactive map as a self-contained HTML file, with the user's layers on it."""

from __future__ import annotations

from pathlib import Path

import click

from chengyu.cli import options
from chengyu.cli.data import check_data_options
from chengyu.cli.figures import map_figures
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
@options.lang
@options.online
@options.pack
@options.data_options
@options.colour_options
@options.force
def map_command(name: str, output: Path | None, layer_paths: tuple[Path, ...], crs: str | None,
                layer_name: str | None, label: str | None, fields: str | None, lang: str | None, online: bool,
                pack: bool, data_path: Path | None, sheet: str | None, on: str | None, color_by: str | None,
                per_km2: bool, scheme: str, k: int, overwrite: bool) -> None:
    """Write one interactive map as a self-contained HTML file, with your layers and your figures on it."""
    target = output or Path(f"{name}.html")
    RUN.inputs = list(layer_paths)
    check_data_options(data_path, sheet, on)
    check_target(target, overwrite=overwrite, inputs=RUN.inputs)  # before any work, and nothing written
    if not layer_paths and (crs or layer_name or label or fields):
        raise click.UsageError("--crs, --layer-name, --label and --fields apply to --layer")
    field_list = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    for flag, named in (("--label", [label] if label else []), ("--fields", field_list or [])):
        if "geometry" in named:  # read_layer's geometry column: never an attribute to show
            raise AtlasError(flag, "'geometry' is the layer's geometry, not an attribute column; name its columns")
    figures, colouring = map_figures(name, data_path, sheet, on, color_by, per_km2, scheme, k)
    layers = [read(p, crs, layer_name) for p in layer_paths]
    path = write_map(name, target, online=online, pack=pack, overwrite=overwrite, layers=layers, label=label,
                     fields=field_list, figures=figures, colouring=colouring, lang=lang)
    note(f"wrote {escaped(str(path))} ({path.stat().st_size / 1e6:.2f} MB)")
