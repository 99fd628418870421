"""Lines: geodesic length per zone, every pass counted, shared borders counted once."""


import pytest
import shapely

from chengyu.geo.coverage import covered_area
from tests.coverage.helpers import BISHAN, GEOD, JIULONGPO, SHAPINGBA, assert_conserved, geodesic_m, layer, zone_geom


def test_a_line_across_two_districts_splits_its_length(sc):
    # From inside Bishan to inside Shapingba, along a parallel.
    line = shapely.LineString([(106.20, 29.60), (106.40, 29.60)])
    cov = covered_area(layer(line), sc)
    total = geodesic_m(line) / 1e3
    assert total == pytest.approx(19.37, abs=0.01)  # 0.2° of longitude at 29.6°N
    parts = cov.table["length_km"]
    assert parts.iloc[BISHAN] > 1 and parts.iloc[SHAPINGBA] > 1
    assert parts.iloc[BISHAN] + parts.iloc[SHAPINGBA] == pytest.approx(total, rel=1e-9)
    assert cov.layer_totals["length_km"] == pytest.approx(total, rel=1e-12)
    assert cov.outside["length_km"] == pytest.approx(0.0, abs=1e-9)
    # The split point is where the parallel crosses the border.
    cross = shapely.intersection(line, zone_geom(sc, BISHAN))
    assert parts.iloc[BISHAN] * 1e3 == pytest.approx(geodesic_m(cross), rel=1e-9)
    # Geodesic: the same as pyproj's length of the line.
    assert total * 1e3 == pytest.approx(GEOD.geometry_length(shapely.segmentize(line, 0.001)), rel=1e-9)


def test_a_line_running_over_itself_counts_every_pass(sc):
    # Bishan -> Shapingba -> back towards Bishan along the same parallel: 0.3° of travel.
    line = shapely.LineString([(106.20, 29.60), (106.40, 29.60), (106.30, 29.60)])
    cov = covered_area(layer(line), sc)
    assert cov.layer_totals["length_km"] * 1e3 == pytest.approx(geodesic_m(line), rel=1e-12)
    assert cov.layer_totals["length_km"] == pytest.approx(29.06, abs=0.01)
    assert cov.table["length_km"].sum() == pytest.approx(cov.layer_totals["length_km"], rel=1e-9)
    assert_conserved(cov, rel=1e-9)


def test_a_line_leaving_the_zones_is_counted_outside(sc):
    line = shapely.LineString([(106.40, 29.60), (107.40, 29.60)])  # Shapingba eastwards, out of the hosts
    cov = covered_area(layer(line), sc)
    assert cov.outside["length_km"] > 50
    assert_conserved(cov, rel=1e-9)


def test_a_line_along_a_shared_border_counts_once_in_the_first_zone(sc):
    border = shapely.line_merge(
        shapely.intersection(zone_geom(sc, SHAPINGBA).boundary, zone_geom(sc, JIULONGPO).boundary))
    lines = list(shapely.get_parts(border))
    cov = covered_area(layer(*lines), sc)
    expected = sum(geodesic_m(g) for g in lines) / 1e3
    assert cov.layer_totals["length_km"] == pytest.approx(expected, rel=1e-12)
    assert cov.table["length_km"].iloc[SHAPINGBA] == pytest.approx(expected, rel=1e-6)
    assert cov.table["length_km"].iloc[JIULONGPO] == pytest.approx(0.0, abs=1e-6)
    assert_conserved(cov)


def test_multilines_and_collections_are_split(sc):
    a = shapely.LineString([(106.35, 29.55), (106.40, 29.60)])
    b = shapely.LineString([(106.36, 29.55), (106.41, 29.60)])
    coll = shapely.GeometryCollection([shapely.MultiLineString([a, b]), shapely.Point(106.37, 29.57)])
    cov = covered_area(layer(coll), sc)
    assert cov.layer_totals["length_km"] * 1e3 == pytest.approx(geodesic_m(a) + geodesic_m(b), rel=1e-12)
    assert cov.layer_totals["count"] == 1
    assert cov.kinds == ("point", "line")

