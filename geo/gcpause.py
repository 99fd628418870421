"""Pausing Python's cyclic garbage collector while millions of geometries are made."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while vectorised calls make many geometries at a time.

    shapely's geometries are objects the collector tracks. Making a million of them in one
    vectorised call sets it off again and again, and each full collection walks every object of
    the process: ``shapely.points`` for a million points took 0.5-0.8 s after ``import chengyu.cli.group``
    instead of 0.15 s with the collector paused. Reference counting goes on as usual (nothing is
    kept alive longer); the collector is switched back on, if it was on, on return or error, and
    then finds the new objects as it would have.

    >>> with no_cycle_collection():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
