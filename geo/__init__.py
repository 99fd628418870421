"""GeoDataFrames and numbers: boundaries, plan attributes, regions and areas.

>>> from chengyu.geo import science_city, area_km2
>>> sc = science_city()
>>> round(float(sc["area_km2"].sum()))
5709
>>> from chengyu.geo import join_table, read_table   # a user's table of figures, joined to the units
>>> hosts, report = join_table(sc, read_table("tests/data/sample_figures.csv"))
>>> float(hosts.loc[hosts["name_en"] == "Shapingba District", "population_10k"].iloc[0])
150.0

``geo`` never imports folium: rendering lives in ``maps``.
"""

from importlib import import_module
from typing import Any

from chengyu.geo.area import ALBERS_CHINA, area_km2, geodesic_area_km2
from chengyu.geo.boundaries import load_districts
from chengyu.geo.coverage import Coverage, covered_area
from chengyu.geo.errors import AtlasError, PlanError
from chengyu.geo.layers import Layer, read_layer
from chengyu.geo.plan import Figure, Plan, load_plan
from chengyu.geo.provenance import dataset_info
from chengyu.geo.regions import economic_circle, science_city
from chengyu.geo.zones import ZONE_KINDS, Zones, zones

# Imported on first use: reading a table pulls in openpyxl, exporting GDAL's writers; `chengyu area` needs neither.
_LAZY = {
    "JoinReport": "chengyu.geo.join",
    "join_table": "chengyu.geo.join",
    "read_table": "chengyu.geo.data_table",
    "export_frame": "chengyu.geo.export",
    "zones_with_attributes": "chengyu.geo.zone_attributes",
}

__all__ = [
    "ALBERS_CHINA", "ZONE_KINDS", "AtlasError", "Coverage", "Figure", "JoinReport", "Layer", "Plan", "PlanError",
    "Zones", "area_km2", "covered_area", "dataset_info", "economic_circle", "export_frame", "geodesic_area_km2",
    "join_table", "load_districts", "load_plan", "read_layer", "read_table", "science_city", "zones",
    "zones_with_attributes",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'chengyu.geo' has no attribute {name!r}")
