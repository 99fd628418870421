"""A user's layer in the command: read within the budgets and measured, saying on stderr what happened."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chengyu.cli.budget import budget
from chengyu.cli.output import note_about
from chengyu.cli.state import RUN
from chengyu.geo import Coverage, Layer, Zones

if TYPE_CHECKING:
    import geopandas as gpd


def read(path: Path, crs: str | None, layer_name: str | None) -> Layer:
    """Read a user's layer, saying on stderr what reading did to it."""
    from chengyu.geo.layers import read_layer

    RUN.reading = str(path)
    with budget(str(path), path, armed=RUN.budgets):
        layer = read_layer(path, layer_name=layer_name, crs=crs)
    for line in layer.report.lines():
        note_about(path, line)
    return layer


def covered(layer_gdf: gpd.GeoDataFrame, zone_set: Zones) -> Coverage:
    """covered_area with a progress bar on stderr when it is a terminal."""
    from chengyu.geo.coverage import covered_area

    if not sys.stderr.isatty():
        return covered_area(layer_gdf, zone_set)
    with click.progressbar(length=1, label="covered area", file=sys.stderr) as bar:
        def tick(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)
        return covered_area(layer_gdf, zone_set, progress=tick)


def covered_dask(path: Path, zone_set: Zones, crs: str | None, layer_name: str | None,
                 scheduler: str | None) -> Coverage:
    """The dask engine: the same figures, computed in partitions on a cluster."""
    from chengyu.geo.coverage.dask import cover_layer_dask

    run = cover_layer_dask(path, zone_set, layer_name=layer_name, crs=crs, scheduler=scheduler)
    for line in run.report.lines():
        note_about(path, line)
    note_about(path, f"dask: {run.partitions} partition(s) read {run.reading}, {run.tiles} polygon tile(s), "
                     f"{run.workers} worker(s)")
    return run.coverage
