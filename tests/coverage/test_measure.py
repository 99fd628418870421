"""covered_area as a whole: the result's shape, input it ignores or refuses, CRS, threads, progress."""


import geopandas as gpd
import numpy as np
import pytest
import shapely

from chengyu.geo.area import ALBERS_CHINA
from chengyu.geo.coverage import TABLE_COLUMNS, covered_area
from tests.coverage.helpers import assert_conserved, layer


def test_empty_layer_gives_zeros_with_every_column(sc):
    cov = covered_area(gpd.GeoDataFrame(geometry=[], crs=4490), sc)
    assert list(cov.table.columns) == TABLE_COLUMNS
    assert list(cov.table["code"]) == list(sc.table["code"])
    assert (cov.table[["covered_km2", "covered_pct", "length_km", "per_km2"]] == 0.0).all().all()
    assert (cov.table["count"] == 0).all() and cov.table["count"].dtype == np.int64
    assert cov.table["covered_km2"].dtype == np.float64
    assert cov.table["area_km2"].tolist() == sc.table["area_km2"].tolist()
    assert cov.outside == {"covered_km2": 0.0, "length_km": 0.0, "count": 0}
    assert cov.layer_totals == {"area_km2": 0.0, "length_km": 0.0, "count": 0}
    assert cov.total["area_km2"] == pytest.approx(sc.total["area_km2"])
    assert cov.total["covered_km2"] == 0.0 and cov.total["count"] == 0
    assert cov.kinds == ()


def test_null_and_empty_geometries_are_ignored(sc):
    cov = covered_area(layer(None, shapely.Point(), shapely.Polygon(), shapely.LineString()), sc)
    assert cov.layer_totals == {"area_km2": 0.0, "length_km": 0.0, "count": 0}


def test_a_layer_needs_a_crs(sc):
    with pytest.raises(ValueError, match="no CRS"):
        covered_area(gpd.GeoDataFrame(geometry=[shapely.Point(106.4, 29.6)]), sc)


def test_any_input_crs_gives_the_same_figures(sc):
    box = shapely.box(106.2, 29.4, 106.6, 29.8)
    line = shapely.LineString([(106.2, 29.6), (106.6, 29.65)])
    pts = shapely.points(np.column_stack([np.linspace(106.2, 106.6, 50), np.linspace(29.4, 29.8, 50)]))
    base = covered_area(layer(box, line, *pts), sc)
    moved = covered_area(layer(box, line, *pts).to_crs(ALBERS_CHINA), sc)
    # Reprojecting bends the straight edges slightly differently, so compare to 1e-5.
    assert moved.table["covered_km2"].to_numpy() == pytest.approx(base.table["covered_km2"].to_numpy(), rel=1e-5)
    assert moved.table["length_km"].to_numpy() == pytest.approx(base.table["length_km"].to_numpy(), rel=1e-4)
    assert moved.table["count"].tolist() == base.table["count"].tolist()


def test_threads_change_nothing_but_the_time(districts):
    # Enough overlapping, border-crossing squares that every threaded step really splits its work.
    rng = np.random.default_rng(11)
    n = 40_000
    x, y = rng.normal(106.45, 0.15, n), rng.normal(29.6, 0.12, n)
    half = rng.uniform(0.0002, 0.004, n)
    squares = layer(*shapely.box(x - half, y - half, x + half, y + half))
    one = covered_area(squares, districts, threads=1)
    two = covered_area(squares, districts, threads=2)
    assert (two.table.to_numpy() == one.table.to_numpy()).all()
    assert two.outside == one.outside and two.layer_totals == one.layer_totals
    assert one.table["covered_km2"].gt(0).sum() >= 3  # it did cross borders
    assert_conserved(two)


def test_progress_goes_from_zero_to_total(sc):
    calls = []
    covered_area(layer(shapely.box(106.2, 29.4, 106.6, 29.8), shapely.Point(106.3, 29.5)), sc,
                 progress=lambda done, total: calls.append((done, total)))
    # one chunk of points, then one unit per zone and one for the dissolve for the polygons
    assert calls[0] == (0, 1 + 5 + 1) and calls[-1] == (7, 7)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

