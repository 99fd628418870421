"""Where the command's words go: results to standard output or a file, notes to standard error.

Every line that can carry a user's text (file, layer and column names) goes through
:func:`chengyu.geo.errors.one_line` on its way to the terminal.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chengyu.cli.options import FLAGS
from chengyu.cli.state import RUN
from chengyu.geo import AtlasError
from chengyu.geo.errors import escaped, one_line
from chengyu.maps.atomic import write_atomic


def note(line: str) -> None:
    """One line on stderr, escaped and cut (it may carry names from a user's file)."""
    click.echo(one_line(line), err=True)


def note_about(source: str | Path, line: str) -> None:
    """``source: line`` on stderr, the library's parameters in ``line`` worded as the command's flags."""
    # AtlasError words a library's line (parameter names → flags) the way it does its own messages.
    note(AtlasError(source, line).worded(FLAGS))


def emit(text: str, output: Path | None, overwrite: bool) -> None:
    """``text`` to stdout, or written atomically to ``output`` (never over one of the command's inputs)."""
    if output is None:
        try:
            click.echo(text, nl=False)
            sys.stdout.flush()
        except OSError as err:  # /dev/full, a closed pipe
            raise AtlasError("<stdout>", f"cannot write: {err.strerror or err}") from None
    else:
        write_atomic(output, text, overwrite=overwrite, inputs=RUN.inputs)
        note(f"wrote {escaped(str(output))}")
