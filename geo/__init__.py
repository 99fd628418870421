"""GeoDataFrames and numbers: boundaries, plan attributes, regions and areas.

>>> from chengyu.geo import science_city, area_km2
>>> sc = science_city()
>>> round(float(sc["area_km2"].sum()))
5709

``geo`` never imports folium: rendering lives in ``maps``.
"""

from chengyu.geo.area import ALBERS_CHINA, area_km2, geodesic_area_km2
from chengyu.geo.boundaries import load_districts
from chengyu.geo.coverage import Coverage, covered_area
from chengyu.geo.errors import AtlasError, PlanError
from chengyu.geo.layers import Layer, read_layer
from chengyu.geo.plan import Figure, Plan, load_plan
from chengyu.geo.provenance import dataset_info
from chengyu.geo.regions import economic_circle, science_city
from chengyu.geo.zones import ZONE_KINDS, Zones, zones

__all__ = [
    "ALBERS_CHINA", "ZONE_KINDS", "AtlasError", "Coverage", "Figure", "Layer", "Plan", "PlanError", "Zones",
    "area_km2", "covered_area", "dataset_info", "economic_circle", "geodesic_area_km2", "load_districts",
    "load_plan", "read_layer", "science_city", "zones",
]
