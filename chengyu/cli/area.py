"""``chengyu area``: the area of each zone beside its official figure, and what a user's layer covers of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pandas as pd

from chengyu.cli import options, tables
from chengyu.cli.data import check_data_options, joined
from chengyu.cli.layers import covered, covered_dask, read
from chengyu.cli.output import emit, note
from chengyu.cli.state import RUN
from chengyu.geo import Coverage, Zones, zones
from chengyu.geo.fields import COVER_FIELDS, FIELDS, KINDS, ZONE_FIELDS, Field, cover_fields
from chengyu.geo.join import CLASH_SUFFIX
from chengyu.geo.regions import Reading
from chengyu.maps.atomic import check_target

# The summary lines under the table: figures for all the zones, not columns, so a small table of their own.
ZONE_TOTALS = (
    Field("area_km2", "total area (sum of rows)", "km²", 1),
    Field("official_area_km2", "official area", "km²", 1),
    Field("plan_area_km2", "Science City, plan figure", "km²", 1),
    Field("plan_share_pct", "Science City share of the hosts", "%", 2),
    Field("partial_units_km2", "partial units (Kaizhou, Yunyang), whole", "km²", 1),
)


@click.command()
@click.argument("layer", required=False, type=click.Path(path_type=Path))
@options.zones
@options.reading
@options.layer_options
@options.data_options
@options.engine
@options.scheduler
@options.output_format(tables.FORMATS, "table")
@options.output(help="Write to FILE instead of standard output.")
@options.force
def area(layer: Path | None, kind: str, reading: Reading, crs: str | None, layer_name: str | None,
         data_path: Path | None, sheet: str | None, on: str | None, engine: str, scheduler: str | None, fmt: str,
         output: Path | None, overwrite: bool) -> None:
    """Area of each zone in km², beside the official figure where one is known.

    With LAYER (GeoJSON, GeoPackage, Shapefile, GeoParquet, KML, CSV), also how much of each zone
    the layer covers: polygons give covered km² and %, lines length in km, points a count and a
    density; totals, and what lies outside every zone. With --data, your table's columns too.
    """
    if layer is None and (crs or layer_name or engine != "local"):
        raise click.UsageError("--crs, --layer-name and --engine apply to a LAYER")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler applies to --engine dask")
    RUN.inputs = [layer] if layer is not None else []
    check_data_options(data_path, sheet, on)
    if output is not None:  # before any work, and nothing written
        check_target(output, overwrite=overwrite, inputs=RUN.inputs)
    result = zones(kind, reading=reading)
    figures: pd.DataFrame = joined(result.table, data_path, sheet, on)
    coverage = None
    if layer is not None:
        figures = _beside_the_layers(figures, result.table)
        coverage = (covered(read(layer, crs, layer_name).gdf, result) if engine == "local"
                    else covered_dask(layer, result, crs, layer_name, scheduler))
    emit(_text(result, figures, coverage, fmt), output, overwrite)


def _beside_the_layers(figures: pd.DataFrame, zone_table: pd.DataFrame) -> pd.DataFrame:
    """The table's columns renamed where they share a name with what a layer adds (``count``,
    ``covered_pct``…), so that neither hides the other, with a note each."""
    measured = {f.name for f in cover_fields(KINDS)}
    renamed = {c: f"{c}{CLASH_SUFFIX}" for c in figures.columns if c in measured and c not in zone_table.columns}
    for column, name in renamed.items():
        note(f"column {column!r} of the table is also a figure of the layer: listed as {name!r}")
    return figures.rename(columns=renamed)


def _text(result: Zones, figures: pd.DataFrame, coverage: Coverage | None, fmt: str) -> str:
    """The zones' figures (with a joined table's columns last), and the layer's, in ``fmt``: a table only
    shows the columns of the layer's kinds."""
    own = [c for c in figures.columns if c not in result.table.columns]
    fields = list(ZONE_FIELDS) + [Field(c, c, digits=2) for c in own]
    rows = tables.records(figures, [f.name for f in fields])
    total, extra = dict(result.total), dict[str, Any]()
    if coverage is not None:
        every = cover_fields(KINDS)
        for row, measured in zip(rows, tables.records(coverage.table, [f.name for f in every]), strict=True):
            row.update(measured)
        after_area = fields.index(FIELDS["area_km2"]) + 1  # what the layer covers follows the zone's own area
        fields[after_area:after_area] = cover_fields(coverage.kinds) if fmt == "table" else every
        total.update({k: v for k, v in coverage.total.items() if k != "area_km2"})
        extra = {"outside": coverage.outside, "layer": coverage.layer_totals}
    if fmt == "json":
        return tables.to_json(rows, total, extra)
    if fmt == "csv":
        return tables.to_csv(rows, [f.name for f in fields])
    return tables.to_table(rows, fields, _summary(result, coverage))


def _summary(result: Zones, coverage: Coverage | None) -> list[tuple[str, str]]:
    """The lines under the table: the zones' totals, then the layer's in all zones and outside them."""
    lines = [(f.label, _quantity(f, result.total[f.name])) for f in ZONE_TOTALS if f.name in result.total]
    if coverage is None:
        return lines
    for kind in (k for k in KINDS if k in coverage.kinds):
        # a column's label names its unit already
        lines += [(f"{f.label} in all zones", tables.shown(f, coverage.total[f.name])) for f in COVER_FIELDS[kind]]
        lines += [(f"{f.label} outside every zone", tables.shown(f, coverage.outside[f.name]))
                  for f in COVER_FIELDS[kind] if f.name in coverage.outside]
    return lines


def _quantity(field: Field, value: Any) -> str:
    """``1,198 km²``, ``20.98%``; an unknown value is "–" alone."""
    text = tables.shown(field, value)
    if text == "–" or not field.unit:
        return text
    return f"{text}{field.unit}" if field.unit == "%" else f"{text} {field.unit}"
