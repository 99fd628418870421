"""Tiles: which tiles a polygon reaches, and the union of a dense tile's polygons biggest first."""


import numpy as np
import pytest
import shapely

from chengyu.geo.coverage.tiles import tile_span, union_halves
from tests.coverage.helpers import circles


def test_an_interval_ending_on_a_tile_edge_does_not_reach_the_next_tile():
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    first, last = tile_span(edges, np.array([0.0, 1.0, 0.5, -1.0, 2.5]), np.array([1.0, 1.0, 2.0, 9.0, 3.0]))
    assert first.tolist() == [0, 1, 0, 0, 2]
    assert last.tolist() == [0, 1, 1, 2, 2]


@pytest.mark.parametrize("n", [10, 300, 3000])
def test_unioned_biggest_first_by_halves_equals_union_all(n):
    rng = np.random.default_rng(n)
    polys = circles(rng, n, 100.0, 1.0, 12.0)
    polys = polys[np.argsort(-shapely.area(polys))]
    got, want = union_halves(polys), shapely.union_all(polys)
    assert got.area == pytest.approx(want.area, rel=1e-12)
    # the same shape (intersection points computed in another order may differ in the last bits)
    assert shapely.symmetric_difference(got, want).area < 1e-9 * want.area

