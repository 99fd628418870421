"""``chengyu export``: the units of a zone set with their attributes, as a file GIS tools and Excel open."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from chengyu.cli import options
from chengyu.cli.data import check_data_options, joined
from chengyu.cli.output import note
from chengyu.cli.state import RUN
from chengyu.geo import ZONE_KINDS
from chengyu.geo.errors import escaped
from chengyu.geo.export import FORMATS, export_frame, format_for
from chengyu.geo.regions import Reading
from chengyu.geo.zone_attributes import zones_with_attributes
from chengyu.maps.atomic import check_target, write_atomic

_EXTENSIONS = ", ".join(ext for spec in FORMATS.values() for ext in spec.extensions)


@click.command()
@click.argument("name", type=click.Choice(ZONE_KINDS))
@options.output(help=f"The file to write; its extension picks the format ({_EXTENSIONS}).", dir_okay=False,
                required=True)
@options.output_format(list(FORMATS), None, help="The format, whatever the file's extension.")
@options.reading
@options.data_options
@options.force
def export(name: str, output: Path, fmt: str | None, reading: Reading, data_path: Path | None, sheet: str | None,
           on: str | None, overwrite: bool) -> None:
    """Write the units of NAME with their plan attributes (and --data's columns) as GeoPackage, GeoJSON,
    a zipped Shapefile, GeoParquet, FlatGeobuf or CSV with WKT geometry."""
    check_data_options(data_path, sheet, on)
    fmt = format_for(output, fmt)
    check_target(output, overwrite=overwrite, inputs=RUN.inputs)  # before any work, and nothing written
    units = joined(zones_with_attributes(name, reading=reading), data_path, sheet, on)
    # The writers want a path of their own; the file is then moved into place atomically.
    with tempfile.TemporaryDirectory(prefix="chengyu-export-") as folder:
        scratch = Path(folder) / "export"
        report = export_frame(units, scratch, fmt, layer=name.replace("-", "_"))
        write_atomic(output, scratch.read_bytes(), overwrite=overwrite, inputs=RUN.inputs)
    for line in report.lines():
        note(line)
    note(f"wrote {escaped(str(output))}")
