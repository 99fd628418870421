"""GeoDataFrames and numbers: boundaries, plan attributes, regions and areas.

>>> from geo import science_city, area_km2
>>> sc = science_city()
>>> round(float(sc["area_km2"].sum()))
5709

``geo`` never imports folium: rendering lives in ``maps``.
"""

from geo.area import ALBERS_CHINA, area_km2, geodesic_area_km2
from geo.boundaries import load_districts
from geo.coverage import Coverage, covered_area
from geo.errors import AtlasError, PlanError
from geo.layers import Layer, read_layer
from geo.plan import Figure, Plan, load_plan
from geo.provenance import dataset_info
from geo.regions import economic_circle, science_city
from geo.zones import ZONE_KINDS, Zones, zones

__all__ = [
    "ALBERS_CHINA", "ZONE_KINDS", "AtlasError", "Coverage", "Figure", "Layer", "Plan", "PlanError", "Zones",
    "area_km2", "covered_area", "dataset_info", "economic_circle", "geodesic_area_km2", "load_districts",
    "load_plan", "read_layer", "science_city", "zones",
]
