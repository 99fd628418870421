"""A user's table of figures (``--data``), read and joined to the units, its report on stderr."""

from __future__ import annotations

from pathlib import Path

import click
import geopandas as gpd

from chengyu.cli.output import note
from chengyu.cli.state import RUN


def check_data_options(data_path: Path | None, sheet: str | None, on: str | None) -> None:
    """``--sheet`` and ``--on`` need ``--data``; the table is one of the command's inputs."""
    if data_path is None and (sheet is not None or on is not None):
        raise click.UsageError("--sheet and --on apply to --data")
    if data_path is not None:
        RUN.inputs.append(data_path)


def joined(units: gpd.GeoDataFrame, data_path: Path | None, sheet: str | None, on: str | None) -> gpd.GeoDataFrame:
    """``units`` with the columns of the table ``data_path`` joined (``units`` as they are without one)."""
    if data_path is None:
        return units
    from chengyu.geo.data_table import read_table
    from chengyu.geo.join import join_table

    frame, report = join_table(units, read_table(data_path, sheet=sheet), on=on)
    for line in report.lines():
        note(line)
    return frame
