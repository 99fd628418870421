"""The ``chengyu`` commands: dataset info, zone areas and the maps (:mod:`maps.cli` runs them).

Exit codes follow rio/fio: 0 success, 2 a usage or input problem (said in one line on stderr).
Every line that can carry a user's text (file, layer and column names) goes through
:func:`geo.errors.one_line` on its way to the terminal.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import pandas as pd

from chengyu.geo import ZONE_KINDS, AtlasError, Coverage, Layer, Zones, dataset_info, load_plan, zones
from chengyu.geo.errors import escaped, one_line
from chengyu.geo.regions import READINGS, Reading
from chengyu.maps import report
from chengyu.maps.atomic import check_target, write_atomic
from chengyu.maps.budget import budget

if TYPE_CHECKING:
    import geopandas as gpd

ZONE_COLUMNS = ["code", "name_zh", "name_en", "area_km2", "official_area_km2", "official_diff_pct"]
# What a layer adds to each row, by the kinds of geometry it holds.
KIND_COLUMNS = {"polygon": ["covered_km2", "covered_pct"], "line": ["length_km"], "point": ["count", "per_km2"]}
COVER_COLUMNS = [c for cols in KIND_COLUMNS.values() for c in cols]
HEADERS = {
    "code": "code", "name_zh": "name_zh", "name_en": "name_en", "area_km2": "area km²",
    "official_area_km2": "official km²", "official_diff_pct": "diff %", "covered_km2": "covered km²",
    "covered_pct": "covered %", "length_km": "length km", "count": "count", "per_km2": "per km²",
}
ZONE_SUMMARY = [  # (total key, label, unit, digits)
    ("area_km2", "total area (sum of rows)", " km²", 1),
    ("official_area_km2", "official area", " km²", 1),
    ("plan_area_km2", "Science City, plan figure", " km²", 1),
    ("plan_share_pct", "Science City share of the hosts", "%", 2),
    ("partial_units_km2", "partial units (Kaizhou, Yunyang), whole", " km²", 1),
]
COVER_SUMMARY = {  # kind -> (key, label, unit, digits)
    "polygon": [("covered_km2", "covered", " km²", 3), ("covered_pct", "covered share", "%", 3)],
    "line": [("length_km", "length", " km", 3)],
    "point": [("count", "points", "", 0), ("per_km2", "points per km²", "", 4)],
}


class _State:
    """What the running command is doing, for the messages of :mod:`maps.cli`."""

    budgets = False  # arm the read budgets (the console script)
    reading: str | None = None  # the layer last read (and then measured or drawn)
    inputs: list[Path] = []  # the command's input files: never replaced by an output


def reading() -> str | None:
    """The layer the command was working on when it stopped, if any."""
    return _State.reading


def _note(line: str) -> None:
    """One line on stderr, escaped and cut (it may carry names from a user's file)."""
    click.echo(one_line(line), err=True)


def _emit(text: str, output: Path | None, force: bool) -> None:
    if output is None:
        try:
            click.echo(text, nl=False)
            sys.stdout.flush()
        except OSError as err:  # /dev/full, a closed pipe
            raise AtlasError("<stdout>", f"cannot write: {err.strerror or err}") from None
    else:
        write_atomic(output, text, overwrite=force, inputs=_State.inputs)
        _note(f"wrote {escaped(str(output))}")


output_option = click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
                             help="Write to FILE instead of standard output.")
force_option = click.option("--force", is_flag=True, help="Replace the output file if it exists.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chengyu-atlas")
def cli() -> None:
    """Maps and area figures for the Chengdu–Chongqing Economic Circle and the
    Western (Chongqing) Science City."""


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def info(fmt: str) -> None:
    """Dataset, vintage, sources and licence of the bundled data."""
    plan = load_plan()
    doc = {
        "dataset": dataset_info(),
        "plan": {
            "file": plan.path.name,
            "economic_circle": plan.get("economic_circle.plan_en"),
            "science_city": plan.get("science_city.name_en"),
            "attribute_sources": "shared/plan-facts.md (every figure carries its own source and confidence)",
        },
    }
    if fmt == "json":
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    width = max(len(k) for k in doc["dataset"])
    click.echo("Boundaries (shapes/districts.geojson)")
    for key, value in doc["dataset"].items():
        click.echo(f"  {key:<{width}}  {value}")
    click.echo("Plan attributes (shapes/plan.toml)")
    for key, value in doc["plan"].items():
        click.echo(f"  {key:<{width}}  {value}")


layer_options = [
    click.option("--crs", default=None, metavar="CRS",
                 help="What the layer's coordinates are: gcj02 (Amap/Tencent), bd09 (Baidu) or any CRS "
                      "pyproj knows (EPSG:32648). Needed when the file declares none and is not lon/lat."),
    click.option("--layer-name", default=None, metavar="NAME",
                 help="The layer to read from a GeoPackage/KML (or shapefile from a folder/zip) with several."),
]


_Command = TypeVar("_Command", bound=Callable[..., Any])


def _with_layer_options(func: _Command) -> _Command:
    for option in reversed(layer_options):
        func = option(func)
    return func


def _read(path: Path, crs: str | None, layer_name: str | None) -> Layer:
    """Read a user's layer, saying on stderr what reading did to it."""
    from chengyu.geo.layers import read_layer

    _State.reading = str(path)
    with budget(str(path), path, armed=_State.budgets):
        layer = read_layer(path, layer_name=layer_name, crs=crs)
    for line in layer.report.lines():
        _note(f"{escaped(str(path))}: {line}")
    return layer


def _covered(layer_gdf: gpd.GeoDataFrame, zone_set: Zones) -> Coverage:
    """covered_area with a progress bar on stderr when it is a terminal."""
    from chengyu.geo.coverage import covered_area

    if not sys.stderr.isatty():
        return covered_area(layer_gdf, zone_set)
    with click.progressbar(length=1, label="covered area", file=sys.stderr) as bar:
        def tick(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)
        return covered_area(layer_gdf, zone_set, progress=tick)


def _covered_dask(path: Path, zone_set: Zones, crs: str | None, layer_name: str | None,
                  scheduler: str | None) -> Coverage:
    """The dask engine: the same figures, computed in partitions on a cluster."""
    from chengyu.geo.distributed import cover_layer_dask

    run_ = cover_layer_dask(path, zone_set, layer_name=layer_name, crs=crs, scheduler=scheduler)
    for line in run_.report.lines():
        _note(f"{escaped(str(path))}: {line}")
    _note(f"{escaped(str(path))}: dask: {run_.partitions} partition(s) read {run_.reading}, {run_.tiles} polygon "
          f"tile(s), {run_.workers} worker(s)")
    return run_.coverage


@cli.command()
@click.argument("layer", required=False, type=click.Path(path_type=Path))
@click.option("--zones", "kind", type=click.Choice(ZONE_KINDS), default="science-city", show_default=True,
              help="Which zones to report.")
@click.option("--reading", type=click.Choice(READINGS), default="sources", show_default=True,
              help="Economic Circle scope: as the sources quote it, or Leshan without four counties.")
@_with_layer_options
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: read and measure the layer in partitions on a dask cluster (pip install "
                   "'chengyu-atlas[dask]'); for layers too big for one machine's memory.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --engine dask: the scheduler of a running cluster (default: start a local one).")
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="table", show_default=True)
@output_option
@force_option
def area(layer: Path | None, kind: str, reading: Reading, crs: str | None, layer_name: str | None, engine: str,
         scheduler: str | None, fmt: str, output: Path | None, force: bool) -> None:
    """Area of each zone in km², beside the official figure where one is known.

    With LAYER (GeoJSON, GeoPackage, Shapefile, GeoParquet, KML, CSV), also how much of each zone
    the layer covers: polygons give covered km² and %, lines length in km, points a count and a
    density; totals, and what lies outside every zone.
    """
    if layer is None and (crs or layer_name or engine != "local"):
        raise click.UsageError("--crs, --layer-name and --engine apply to a LAYER")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler applies to --engine dask")
    _State.inputs = [layer] if layer is not None else []
    if output is not None:  # before any work, and nothing written
        check_target(output, overwrite=force, inputs=_State.inputs)
    result = zones(kind, reading=reading)
    rows = report.records(result.table, ZONE_COLUMNS)
    columns, extra = list(ZONE_COLUMNS), {}
    summary = [(label, report.number(result.total[key], unit, digits))
               for key, label, unit, digits in ZONE_SUMMARY if key in result.total]
    total = dict(result.total)
    if layer is not None:
        coverage = (_covered(_read(layer, crs, layer_name).gdf, result) if engine == "local"
                    else _covered_dask(layer, result, crs, layer_name, scheduler))
        for row, cover in zip(rows, report.records(coverage.table, COVER_COLUMNS), strict=True):
            row.update(cover)
        kinds = [k for k in KIND_COLUMNS if k in coverage.kinds]
        shown = [c for k in kinds for c in KIND_COLUMNS[k]] if fmt == "table" else COVER_COLUMNS
        columns = ZONE_COLUMNS[:4] + shown + ZONE_COLUMNS[4:]
        total.update({k: v for k, v in coverage.total.items() if k != "area_km2"})
        extra = {"outside": coverage.outside, "layer": coverage.layer_totals}
        for k in kinds:
            summary += [(f"{label} in all zones", report.number(coverage.total[key], unit, digits))
                        for key, label, unit, digits in COVER_SUMMARY[k]]
            summary += [(f"{label} outside every zone", report.number(coverage.outside[key], unit, digits))
                        for key, label, unit, digits in COVER_SUMMARY[k] if key in coverage.outside]
    if fmt == "json":
        text = report.to_json(rows, total, extra)
    elif fmt == "csv":
        text = report.to_csv(rows, columns)
    else:
        text = report.to_table(rows, columns, HEADERS, summary)
    _emit(text, output, force)


MAP_NAMES = ("science-city", "economic-circle")


def _write_map(name: str, path: Path, *, online: bool, pack: bool, overwrite: bool, layers: Sequence[Layer] = (),
               label: str | None = None, fields: Sequence[str] | None = None, **options: object) -> Path:
    # folium is imported only by the commands that draw, so `chengyu area` starts fast.
    from chengyu.maps.offline import render_html
    from chengyu.maps.overlay import add_layer
    from chengyu.maps.render import MAPS

    m = MAPS[name](**options)
    zone_set = zones("science-city" if name == "science-city" else "economic-circle")
    # --label and --fields name columns of any of the layers; each layer uses those it has.
    for column in ([label] if label else []) + list(fields or []):
        if layers and not any(column in _attributes(layer.gdf) for layer in layers):
            own = ", ".join(c for c in _attributes(layers[0].gdf) if c != "kind")
            raise AtlasError(layers[0].source, f"no layer has a column {column!r}; its columns: {own}")
    for index, layer in enumerate(layers):
        columns = set(layer.gdf.columns)
        add_layer(m, layer.gdf, name=layer.name, label=label if label in columns else None,
                  fields=[f for f in fields if f in columns] if fields is not None else None,
                  coverage=_covered(layer.gdf, zone_set), index=index)
    return write_atomic(path, render_html(m, online=online, pack=pack and not online), overwrite=overwrite,
                        inputs=_State.inputs)


def _attributes(gdf: pd.DataFrame) -> list[str]:
    """The columns a tooltip can show: all but the geometry."""
    return [str(c) for c in gdf.columns if c != "geometry"]  # read_layer's geometry column


@cli.command()
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Folder to write into (created if missing).")
@click.option("--online", is_flag=True, help="Link Leaflet from its CDN instead of inlining it (smaller files).")
@click.option("--pack/--no-pack", default=True, show_default=True,
              help="Gzip the page's scripts into one block the browser unpacks (about 4x smaller); "
                   "--no-pack for browsers older than 2023.")
def build(out_dir: Path, online: bool, pack: bool) -> None:
    """Build both maps and the zone area tables into a folder.

    Writes science-city.html, economic-circle.html and areas-<zones>.csv. The folder is this
    command's own: files it writes there are replaced.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AtlasError(out_dir, f"cannot create the folder: {err.strerror}") from None
    for name in MAP_NAMES:
        path = _write_map(name, out_dir / f"{name}.html", online=online, pack=pack, overwrite=True)
        click.echo(one_line(f"wrote {escaped(str(path))} ({path.stat().st_size / 1e6:.2f} MB)"))
    for kind in ZONE_KINDS:
        result = zones(kind)
        path = write_atomic(out_dir / f"areas-{kind}.csv",
                            report.to_csv(report.records(result.table, ZONE_COLUMNS), ZONE_COLUMNS),
                            overwrite=True)
        click.echo(one_line(f"wrote {escaped(str(path))}"))


@cli.command(name="map")
@click.argument("name", type=click.Choice(MAP_NAMES))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The HTML file to write [default: NAME.html].")
@click.option("--layer", "layer_paths", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Draw your own layer (GeoJSON, GeoPackage, Shapefile, GeoParquet, KML, CSV); repeatable.")
@_with_layer_options
@click.option("--label", default=None, metavar="COLUMN", help="The column that titles each feature's tooltip.")
@click.option("--fields", default=None, metavar="A,B,…",
              help="The columns listed in tooltips (default: the first 5; the map names those left out).")
@click.option("--online", is_flag=True, help="Link Leaflet from its CDN instead of inlining it (smaller file).")
@click.option("--pack/--no-pack", default=True, show_default=True,
              help="Gzip the page's scripts into one block the browser unpacks (about 4x smaller); "
                   "--no-pack for browsers older than 2023.")
@click.option("--color-by", default=None, metavar="COLUMN",
              help="economic-circle only: colour member units by a numeric column (e.g. area_km2).")
@click.option("--scheme", type=click.Choice(["quantiles", "equal_interval", "natural_breaks", "fisher_jenks"]),
              default="quantiles", show_default=True, help="Classification for --color-by.")
@click.option("-k", "--classes", "k", type=click.IntRange(2, 7), default=5, show_default=True,
              help="Number of classes for --color-by.")
@force_option
def map_command(name: str, output: Path | None, layer_paths: tuple[Path, ...], crs: str | None,
                layer_name: str | None, label: str | None, fields: str | None, online: bool, pack: bool,
                color_by: str | None, scheme: str, k: int, force: bool) -> None:
    """Write one interactive map as a self-contained HTML file, with your layers on it."""
    target = output or Path(f"{name}.html")
    _State.inputs = list(layer_paths)
    check_target(target, overwrite=force, inputs=_State.inputs)  # before any work, and nothing written
    if not layer_paths and (crs or layer_name or label or fields):
        raise click.UsageError("--crs, --layer-name, --label and --fields apply to --layer")
    field_list = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    for flag, named in (("--label", [label] if label else []), ("--fields", field_list or [])):
        if "geometry" in named:  # read_layer's geometry column: never an attribute to show
            raise AtlasError(flag, "'geometry' is the layer's geometry, not an attribute column; name its columns")
    options: dict[str, object] = {}
    if color_by is not None:
        if name != "economic-circle":
            raise click.UsageError("--color-by applies to the economic-circle map")
        from chengyu.geo import economic_circle

        units = economic_circle()
        numeric = [c for c in units.columns if c != "geometry" and pd.api.types.is_numeric_dtype(units[c])
                   and not pd.api.types.is_bool_dtype(units[c])]
        if color_by not in numeric:
            raise click.UsageError(f"--color-by {color_by!r} is not a numeric column; try one of {', '.join(numeric)}")
        options = {"color_by": color_by, "scheme": scheme, "k": k}
    layers = [_read(p, crs, layer_name) for p in layer_paths]
    path = _write_map(name, target, online=online, pack=pack, overwrite=force, layers=layers, label=label,
                      fields=field_list, **options)
    _note(f"wrote {escaped(str(path))} ({path.stat().st_size / 1e6:.2f} MB)")


def main(argv: list[str] | None = None, *, budgets: bool = False) -> int:
    """Run one command (``argv``, default ``sys.argv[1:]``); input problems become one line and exit code 2.

    ``budgets`` arms the read budgets of :mod:`maps.budget` (the console script, :mod:`maps.cli`).
    """
    _State.budgets, _State.reading, _State.inputs = budgets, None, []
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        # make_context + invoke is click's main without its handler of KeyboardInterrupt (which
        # prints an empty line and raises Abort): Ctrl-C reaches maps.cli, which says it once.
        with cli.make_context("chengyu", args) as ctx:
            cli.invoke(ctx)
    except AtlasError as err:
        click.echo(f"chengyu: {err}", err=True)
        return 2
    except click.exceptions.Exit as done:  # --help, --version
        return done.exit_code
    except click.exceptions.Abort:
        click.echo("chengyu: aborted", err=True)
        return 1
    except click.ClickException as err:
        _show(err)
        return err.exit_code
    return 0


def _show(err: click.ClickException) -> None:
    """click's own report of a usage error, with the user's words escaped."""
    ctx = getattr(err, "ctx", None)
    if ctx is not None:
        click.echo(f"{ctx.get_usage()}\nTry '{ctx.command_path} {ctx.help_option_names[0]}' for help.\n", err=True)
    click.echo(f"Error: {one_line(err.format_message())}", err=True)
