"""Display geometry: lighter, rounded to about 1 m, and still a seamless coverage."""


import numpy as np
import pytest
import shapely

from chengyu.geo import area_km2, load_districts
from chengyu.geo.display import GRID_DEG, display_geometry


def _written_on_the_grid(coords: np.ndarray) -> bool:
    """Every coordinate is the double nearest a 5-decimal value: Python (and the page) writes it short."""
    return all(len(repr(float(c)).partition(".")[2]) <= 5 for c in coords.ravel())


@pytest.fixture(scope="module")
def shown():
    return display_geometry(load_districts())


def test_neighbours_still_share_their_borders(shown):
    geoms = shown.geometry.to_numpy()
    assert shapely.coverage_is_valid(geoms)  # no overlaps, edges matched exactly
    assert shapely.is_valid(geoms).all()
    # no gaps: the union of the units has no more holes than the full-resolution union
    full = shapely.union_all(load_districts().geometry.to_numpy())
    union = shapely.union_all(geoms)
    assert shapely.get_num_interior_rings(shapely.get_parts(union)).sum() == \
        shapely.get_num_interior_rings(shapely.get_parts(full)).sum()


def test_coordinates_are_rounded_to_about_a_metre(shown):
    coords = shapely.get_coordinates(shown.geometry.to_numpy())
    assert np.allclose(coords, np.round(coords / GRID_DEG) * GRID_DEG, atol=1e-9)
    assert _written_on_the_grid(coords)
    assert shown.crs.to_epsg() == 4326


def test_lighter_but_faithful(shown):
    full = load_districts()
    assert shapely.get_num_coordinates(shown.geometry.to_numpy()).sum() < \
        shapely.get_num_coordinates(full.geometry.to_numpy()).sum()
    relative = (area_km2(shown) - area_km2(full)).abs() / area_km2(full)
    assert relative.max() < 0.01


def test_input_is_not_modified():
    full = load_districts()
    before = full.geometry.to_wkb()
    display_geometry(full)
    assert (full.geometry.to_wkb() == before).all()
