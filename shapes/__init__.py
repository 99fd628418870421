"""Bundled data files: boundaries, plan attributes and their provenance.

This package holds files and their paths only; loading and logic live in ``geo``.
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
DISTRICTS_PATH = DATA_DIR / "districts.geojson"
PLAN_PATH = DATA_DIR / "plan.toml"
SOURCES_PATH = DATA_DIR / "SOURCES.md"
