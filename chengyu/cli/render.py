"""``chengyu render``: a map as a print-quality image (PNG, SVG, PDF) for a report or a slide, no browser needed."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chengyu.cli import options
from chengyu.cli.data import check_data_options
from chengyu.cli.figures import map_figures
from chengyu.cli.layers import read
from chengyu.cli.output import note
from chengyu.cli.pages import MAP_NAMES
from chengyu.cli.state import RUN
from chengyu.geo import AtlasError
from chengyu.geo.errors import escaped
from chengyu.maps.atomic import check_target, write_atomic

if TYPE_CHECKING:  # the maps import folium: only when the command draws
    from chengyu.maps.i18n import Choice

#: The most pixels a PNG may have (A1 at 300 dpi is 70 million).
MAX_PIXELS = 150e6
#: Paper sizes by name, in millimetres (portrait).
PAPER = {"a3": (297.0, 420.0), "a4": (210.0, 297.0), "a5": (148.0, 210.0), "letter": (215.9, 279.4)}
_SIZE = re.compile(r"(?P<w>\d+(?:\.\d+)?)x(?P<h>\d+(?:\.\d+)?)(?:mm)?")


def sheet_size(size: str, portrait: bool) -> tuple[float, float]:
    """Width and height in mm of ``size`` (a paper name, or ``WxH`` in mm), landscape unless ``portrait``.

    >>> sheet_size("A4", portrait=False), sheet_size("160x90", portrait=True)
    ((297.0, 210.0), (90.0, 160.0))
    """
    named = PAPER.get(size.lower())
    match = _SIZE.fullmatch(size.lower())
    if named is None and match is None:
        raise AtlasError("--size", f"{size!r} is neither a paper ({', '.join(PAPER)}) nor WIDTHxHEIGHT in mm")
    width, height = named if named is not None else (float(match["w"]), float(match["h"]))  # type: ignore[index]
    if not (20 <= width <= 2000 and 20 <= height <= 2000):
        raise AtlasError("--size", f"{size!r}: each side must be 20 to 2,000 mm")
    short, long = sorted((width, height))
    return (short, long) if portrait else (long, short)


@click.command()
@click.argument("name", type=click.Choice(MAP_NAMES))
@options.output(help="The image to write: .png, .svg or .pdf.", dir_okay=False, required=True)
@options.output_format(["png", "svg", "pdf"], None, help="The format, whatever the file's extension.")
@click.option("--layer", "layer_paths", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Draw your own layer over the map; repeatable.")
@options.layer_options
@options.data_options
@options.colour_options
@click.option("--size", default="A4", show_default=True, metavar="PAPER|WxH",
              help="Paper (A3, A4, A5, letter) or width x height in mm, e.g. 160x90.")
@click.option("--portrait", is_flag=True, help="Portrait instead of landscape.")
@click.option("--dpi", type=click.IntRange(50, 1200), default=300, show_default=True, help="Resolution of a PNG.")
@options.option("--font", type=click.Path(path_type=Path, dir_okay=False), default=None, metavar="FILE",
              help="A font with Chinese characters (default: Noto Sans CJK from fonts-noto-cjk, or "
                   "CHENGYU_CJK_FONT).")
@click.option("--title", default=None, help="The title printed above the map (default: the map's).")
@options.lang
@options.force
def render(name: str, output: Path, fmt: str | None, layer_paths: tuple[Path, ...], crs: str | None,
           layer_name: str | None, data_path: Path | None, sheet: str | None, on: str | None, color_by: str | None,
           per_km2: bool, scheme: str, k: int, size: str, portrait: bool, dpi: int, font: Path | None,
           title: str | None, lang: Choice | None, overwrite: bool) -> None:
    """Draw the map NAME as a print-quality image (PNG, or vector SVG/PDF) with title, legend, scale bar,
    north arrow and sources; with your layers and your figures, as `chengyu map` takes them."""
    from chengyu.maps.render import DESIGNS
    from chengyu.maps.report_image import Sheet, draw
    from chengyu.maps.static import image_format

    if not layer_paths and (crs or layer_name):
        raise click.UsageError("--crs and --layer-name apply to --layer")
    RUN.inputs = list(layer_paths)
    check_data_options(data_path, sheet, on)
    kind = image_format(output, fmt)
    width, height = sheet_size(size, portrait)
    pixels = (width / 25.4 * dpi) * (height / 25.4 * dpi)
    if kind == "png" and pixels > MAX_PIXELS:  # matplotlib would need gigabytes for it
        raise AtlasError("--dpi", f"{width:g}×{height:g} mm at {dpi} dpi is {pixels / 1e6:,.0f} million pixels, "
                                  f"more than {MAX_PIXELS / 1e6:.0f} million; lower --dpi or --size, or write SVG/PDF")
    check_target(output, overwrite=overwrite, inputs=RUN.inputs)  # before any work, and nothing written
    figures, colouring = map_figures(name, data_path, sheet, on, color_by, per_km2, scheme, k)
    layers = [(layer.name, layer.gdf) for layer in (read(p, crs, layer_name) for p in layer_paths)]
    design = DESIGNS[name](figures=figures, colouring=colouring)
    with tempfile.TemporaryDirectory(prefix="chengyu-render-") as folder:
        scratch = Path(folder) / f"map.{kind}"
        draw(design, scratch, layers=layers, lang=lang or "en", title=title, sheet=Sheet(width, height, dpi), fmt=kind,
             font=font)
        write_atomic(output, scratch.read_bytes(), overwrite=overwrite, inputs=RUN.inputs)
    note(f"wrote {escaped(str(output))} ({width:g}×{height:g} mm{f', {dpi} dpi' if kind == 'png' else ''})")

