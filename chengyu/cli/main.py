"""The ``chengyu`` console script: start-up, signals and exit codes around :mod:`chengyu.cli.group`.

This module imports nothing heavy, so that everything that can go wrong — Ctrl-C while geopandas
is still being imported, SIGTERM while a file is being written, an output that cannot be written,
memory running out — ends as one line on stderr and an exit code, never a traceback:

- 0 success; 2 a usage or input problem (rio/fio style); 1 out of memory or an output that
  cannot be written; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from typing import Any


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that ``finally`` blocks (temporary files) run."""


def raise_terminated(_signum: int, _frame: Any) -> None:
    """The SIGTERM handler :func:`run` installs: raises :class:`Terminated`."""
    raise Terminated


def _say(message: str) -> None:
    """One line on stderr, whatever state stderr is in."""
    try:
        from chengyu.geo.errors import one_line

        message = one_line(message)
    except BaseException:  # noqa: BLE001 - even an interrupted import must not stop the message
        message = " ".join(message.split())
    try:
        sys.stderr.write(f"chengyu: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None, *, budgets: bool = False) -> int:
    """Run one command; input problems become one line and exit code 2 (see the module's codes).

    ``budgets``: stop the process when reading a layer exceeds its time or memory budget
    (:mod:`chengyu.cli.budget`), as the console script does; a caller in Python keeps its process.
    """
    try:
        from chengyu.cli import group

        return group.invoke(argv, budgets=budgets)
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Terminated:
        _say("terminated")
        return 143
    except (MemoryError, RuntimeError, OSError) as err:
        # A thread that cannot start (its stack cannot be mapped) is memory running out too.
        if isinstance(err, RuntimeError) and "can't start new thread" not in str(err):
            raise
        if isinstance(err, OSError) and err.errno != errno.ENOMEM:
            raise
        from chengyu.cli.state import RUN

        where = f"{RUN.reading}: " if RUN.reading else ""
        _say(f"{where}ran out of memory; free some memory or use a smaller file "
             "(chengyu area LAYER --engine dask reads in partitions)")
        return 1


def run() -> None:
    """The console script: :func:`main` with signals handled and the read budgets armed, then exit
    without tearing the heap down.

    A command that read a million features would otherwise spend a noticeable fraction of its
    run freeing them one by one at interpreter exit; the outputs are already flushed and, being
    written atomically, complete.
    """
    signal.signal(signal.SIGTERM, raise_terminated)
    code = main(budgets=True)
    try:
        sys.stdout.flush()
    except (OSError, ValueError) as err:  # a full disk or a closed pipe behind stdout
        _say(f"<stdout>: cannot write: {getattr(err, 'strerror', None) or err}")
        code = code or 1
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(code)
