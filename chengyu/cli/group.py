"""The ``chengyu`` click group: its commands, and how a run of one ends (:mod:`chengyu.cli.main` runs it).

Exit codes follow rio/fio: 0 success, 2 a usage or input problem, said in one line on stderr with
the library's parameters worded as the command's flags (:data:`chengyu.cli.options.FLAGS`).
"""

from __future__ import annotations

import sys

import click

from chengyu.cli.area import area
from chengyu.cli.build import build
from chengyu.cli.export import export
from chengyu.cli.info import info
from chengyu.cli.map import map_command
from chengyu.cli.options import FLAGS
from chengyu.cli.render import render
from chengyu.cli.state import RUN
from chengyu.geo import AtlasError
from chengyu.geo.errors import one_line


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chengyu-atlas")
def cli() -> None:
    """Maps and area figures for the Chengdu–Chongqing Economic Circle and the
    Western (Chongqing) Science City."""


for _command in (info, area, build, map_command, export, render):
    cli.add_command(_command)


def invoke(argv: list[str] | None = None, *, budgets: bool = False) -> int:
    """Run one command (``argv``, default ``sys.argv[1:]``); input problems become one line and exit code 2.

    ``budgets`` arms the read budgets of :mod:`chengyu.cli.budget` (the console script).
    """
    RUN.reset(budgets=budgets)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        # make_context + invoke is click's main without its handler of KeyboardInterrupt (which
        # prints an empty line and raises Abort): Ctrl-C reaches chengyu.cli.main, which says it once.
        with cli.make_context("chengyu", args) as ctx:
            cli.invoke(ctx)
    except AtlasError as err:
        # its file name is escaped and its problem one line already (AtlasError's own guarantee)
        click.echo(f"chengyu: {err.worded(FLAGS)}", err=True)
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
