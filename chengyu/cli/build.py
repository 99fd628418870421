"""``chengyu build``: both maps and the zone area tables, written into one folder."""

from __future__ import annotations

from pathlib import Path

import click

from chengyu.cli import options, tables
from chengyu.cli.pages import MAP_NAMES, write_map
from chengyu.geo import ZONE_KINDS, AtlasError, zones
from chengyu.geo.errors import escaped, one_line
from chengyu.geo.fields import ZONE_FIELDS
from chengyu.maps.atomic import write_atomic


@click.command()
@options.output(help="Folder to write into (created if missing).", file_okay=False, default=Path("out"))
@options.lang
@options.online
@options.pack
def build(output: Path, lang: str | None, online: bool, pack: bool) -> None:
    """Build both maps and the zone area tables into a folder.

    Writes science-city.html, economic-circle.html and areas-<zones>.csv. The folder is this
    command's own: files it writes there are replaced.
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise AtlasError(output, f"cannot create the folder: {err.strerror}") from None
    for name in MAP_NAMES:
        path = write_map(name, output / f"{name}.html", online=online, pack=pack, overwrite=True, lang=lang)
        click.echo(one_line(f"wrote {escaped(str(path))} ({path.stat().st_size / 1e6:.2f} MB)"))
    columns = [f.name for f in ZONE_FIELDS]
    for kind in ZONE_KINDS:
        path = write_atomic(output / f"areas-{kind}.csv", tables.to_csv(tables.records(zones(kind).table, columns),
                                                                        columns), overwrite=True)
        click.echo(one_line(f"wrote {escaped(str(path))}"))
