"""Tests of the ``chengyu`` command, one file per module of :mod:`chengyu.cli`."""

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
