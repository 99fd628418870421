"""The ``chengyu`` command: dataset info, zone areas and (in later commands) the maps.

Exit codes follow rio/fio: 0 success, 2 a usage or input problem (said in one line on stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd

from geo import ZONE_KINDS, AtlasError, dataset_info, load_plan, zones
from geo.regions import READINGS
from maps import report
from maps.atomic import write_atomic

ZONE_COLUMNS = ["code", "name_zh", "name_en", "area_km2", "official_area_km2", "official_diff_pct"]
HEADERS = {
    "code": "code", "name_zh": "name_zh", "name_en": "name_en", "area_km2": "area km²",
    "official_area_km2": "official km²", "official_diff_pct": "diff %",
}
TOTAL_LABELS = {
    "area_km2": "total area (sum of rows)",
    "official_area_km2": "official area",
    "plan_area_km2": "Science City, plan figure",
    "plan_share_pct": "Science City share of the hosts",
    "partial_units_km2": "partial units (Kaizhou, Yunyang), whole",
}


def _emit(text: str, output: Path | None, force: bool) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text, overwrite=force)
        click.echo(f"wrote {output}", err=True)


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


@cli.command()
@click.option("--zones", "kind", type=click.Choice(ZONE_KINDS), default="science-city", show_default=True,
              help="Which zones to report.")
@click.option("--reading", type=click.Choice(READINGS), default="sources", show_default=True,
              help="Economic Circle scope: as the sources quote it, or Leshan without four counties.")
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="table", show_default=True)
@output_option
@force_option
def area(kind: str, reading: str, fmt: str, output: Path | None, force: bool) -> None:
    """Area of each zone in km², beside the official figure where one is known."""
    result = zones(kind, reading=reading)
    rows = report.records(result.table, ZONE_COLUMNS)
    if fmt == "json":
        text = report.to_json(rows, result.total)
    elif fmt == "csv":
        text = report.to_csv(rows, ZONE_COLUMNS)
    else:
        text = report.to_table(rows, ZONE_COLUMNS, HEADERS, result.total, TOTAL_LABELS)
    _emit(text, output, force)


MAP_NAMES = ("science-city", "economic-circle")


def _write_map(name: str, path: Path, *, online: bool, overwrite: bool, **options: object) -> Path:
    # folium is imported only by the commands that draw, so `chengyu area` starts fast.
    from maps.offline import render_html
    from maps.render import MAPS

    return write_atomic(path, render_html(MAPS[name](**options), online=online), overwrite=overwrite)


@cli.command()
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=Path("out"),
              show_default=True, help="Folder to write into (created if missing).")
@click.option("--online", is_flag=True, help="Link Leaflet from its CDN instead of inlining it (smaller files).")
def build(out_dir: Path, online: bool) -> None:
    """Build both maps and the zone area tables into a folder.

    Writes science-city.html, economic-circle.html and areas-<zones>.csv. The folder is this
    command's own: files it writes there are replaced.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AtlasError(out_dir, f"cannot create the folder: {err.strerror}") from None
    for name in MAP_NAMES:
        path = _write_map(name, out_dir / f"{name}.html", online=online, overwrite=True)
        click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    for kind in ZONE_KINDS:
        result = zones(kind)
        path = write_atomic(out_dir / f"areas-{kind}.csv",
                            report.to_csv(report.records(result.table, ZONE_COLUMNS), ZONE_COLUMNS),
                            overwrite=True)
        click.echo(f"wrote {path}")


@cli.command(name="map")
@click.argument("name", type=click.Choice(MAP_NAMES))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The HTML file to write [default: NAME.html].")
@click.option("--online", is_flag=True, help="Link Leaflet from its CDN instead of inlining it (smaller file).")
@click.option("--color-by", default=None, metavar="COLUMN",
              help="economic-circle only: colour member units by a numeric column (e.g. area_km2).")
@click.option("--scheme", type=click.Choice(["quantiles", "equal_interval", "natural_breaks", "fisher_jenks"]),
              default="quantiles", show_default=True, help="Classification for --color-by.")
@click.option("-k", "--classes", "k", type=click.IntRange(2, 7), default=5, show_default=True,
              help="Number of classes for --color-by.")
@force_option
def map_command(name: str, output: Path | None, online: bool, color_by: str | None, scheme: str, k: int,
                force: bool) -> None:
    """Write one interactive map as a self-contained HTML file."""
    options: dict[str, object] = {}
    if color_by is not None:
        if name != "economic-circle":
            raise click.UsageError("--color-by applies to the economic-circle map")
        from geo import economic_circle

        units = economic_circle()
        numeric = [c for c in units.columns if c != "geometry" and pd.api.types.is_numeric_dtype(units[c])
                   and not pd.api.types.is_bool_dtype(units[c])]
        if color_by not in numeric:
            raise click.UsageError(f"--color-by {color_by!r} is not a numeric column; try one of {', '.join(numeric)}")
        options = {"color_by": color_by, "scheme": scheme, "k": k}
    path = _write_map(name, output or Path(f"{name}.html"), online=online, overwrite=force, **options)
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; input problems become one line and exit code 2."""
    try:
        cli.main(args=argv, prog_name="chengyu", standalone_mode=False)
    except AtlasError as err:
        click.echo(f"chengyu: {err}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("chengyu: aborted", err=True)
        return 1
    except click.ClickException as err:
        err.show()
        return err.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
