"""Time and memory budgets for reading a layer in the ``chengyu`` command.

The readers stop by themselves at the limits a format can explode past (:mod:`geo.limits`), but
some inputs give no sign before they are read: an SQLite view that never ends, a GeoJSON whose
features each take far more memory than their bytes. While the command reads a layer, a watchdog
thread looks at the clock and the process's resident memory every 10 ms; past
:data:`geo.limits.READ_SECONDS`, or past :func:`geo.limits.read_memory_budget` of the file's size
beyond what the process held before, it says so in one line and ends the process with exit code
2. Nothing has been written at that point (outputs are written after reading, atomically).

Only the console script arms it (``budget(..., armed=True)``): a Python caller's process is its own.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from chengyu.geo.errors import one_line
from chengyu.geo.limits import READ_MEMORY_FIXED_MB, READ_MEMORY_PER_BYTE, READ_SECONDS, read_memory_budget

_POLL_S: Final = 0.01
# Memory can grow by tens of MB between two looks: the watchdog stops at this share of the budget,
# so that the peak stays under it.
_HEADROOM: Final = 0.9
_PAGE: Final = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_bytes() -> int:
    """This process's resident memory now (Linux ``/proc/self/statm``; elsewhere its peak so far)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def input_bytes(path: Path) -> int:
    """The size a layer's memory budget is counted from: the file's on disk (an archive's own size,
    not what it unpacks to: that is bounded by :func:`geo.limits.unzip_budget`), or a folder's files."""
    try:
        if path.is_dir():
            return sum(q.stat().st_size for q in path.iterdir() if q.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def _stop(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"chengyu: {one_line(message)}\n")
        sys.stderr.flush()
    os._exit(2)


@contextlib.contextmanager
def budget(source: str, path: Path, *, armed: bool) -> Iterator[None]:
    """Read within the time and memory budgets (when ``armed``), else just read."""
    if not armed:
        yield
        return
    seconds = READ_SECONDS.value()
    allowed = read_memory_budget(input_bytes(path))
    start, deadline = resident_bytes(), time.monotonic() + seconds
    done = threading.Event()

    def watch() -> None:
        while not done.wait(_POLL_S):
            if time.monotonic() > deadline:
                _stop(f"{source}: reading took longer than {seconds:g} s, so it was stopped ({READ_SECONDS.says()})")
            used = resident_bytes() - start
            if used > _HEADROOM * allowed:
                _stop(f"{source}: reading would need more than {allowed / 2**20:,.0f} MB of memory "
                      f"({READ_MEMORY_PER_BYTE.value():g} × the file's size + {READ_MEMORY_FIXED_MB.value():g} MB), "
                      f"so it was stopped (limits CHENGYU_READ_MEMORY_RATIO and CHENGYU_READ_MEMORY_MB; "
                      "set those environment variables to raise them)")

    watcher = threading.Thread(target=watch, name="chengyu-read-budget", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
