"""What the coverage tests share: layers from geometries, independent measures, the checks they repeat."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import Coverage
from chengyu.geo.coverage.lines import MAX_SEGMENT_DEG

GEOD = Geod(ellps="GRS80")
SHAPINGBA, BEIBEI, JIULONGPO, JIANGJIN, BISHAN = range(5)  # rows of zones("science-city")


def layer(*geoms, crs=4490):
    return gpd.GeoDataFrame(geometry=list(geoms), crs=crs)


def albers(geom):
    return gpd.GeoSeries([geom], crs=4490).to_crs(ALBERS_CHINA).iloc[0]


def geodesic_m(line):
    """Geodesic length of a lon/lat line densified like covered_area does."""
    if line.length == 0:  # GEOS cannot segmentize a line whose points are all equal
        return 0.0
    xy = shapely.get_coordinates(shapely.segmentize(line, MAX_SEGMENT_DEG))
    return float(np.abs(GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2]).sum())


def zone_geom(zs, i):
    return zs.table.geometry.iloc[i]


def assert_conserved(cov: Coverage, rel=1e-6):
    t, out, whole = cov.table, cov.outside, cov.layer_totals
    area = t["covered_km2"].sum() + out["covered_km2"]
    assert area == pytest.approx(whole["area_km2"], rel=rel, abs=1e-9)
    length = t["length_km"].sum() + out["length_km"]
    assert length == pytest.approx(whole["length_km"], rel=rel, abs=1e-9)
    assert int(t["count"].sum()) + out["count"] == whole["count"]
    assert cov.total["covered_km2"] == pytest.approx(t["covered_km2"].sum(), rel=1e-12, abs=1e-12)
    assert cov.total["count"] == t["count"].sum()


def circles(rng, n, extent, r_lo, r_hi, quad_segs=8):
    """``n`` circles (polygons of 4 * quad_segs sides) of radius in [r_lo, r_hi] over a square."""
    x, y = rng.uniform(0, extent, n), rng.uniform(0, extent, n)
    return shapely.buffer(shapely.points(x, y), rng.uniform(r_lo, r_hi, n), quad_segs=quad_segs)


def assert_dissolved(dissolved, polygons, rel=1e-9):
    """``dissolved`` has pairwise disjoint interiors and the area of the union of ``polygons``."""
    assert shapely.area(dissolved).sum() == pytest.approx(shapely.union_all(polygons).area, rel=rel)
    a, b = shapely.STRtree(dissolved).query(dissolved)
    a, b = a[a < b], b[a < b]
    assert not shapely.relate_pattern(dissolved[a], dissolved[b], "T********").any()

