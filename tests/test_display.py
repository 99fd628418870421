"""Display geometry: lighter, rounded to about 1 m, and still a seamless coverage."""

import numpy as np
import pytest
import shapely

from geo import area_km2, load_districts
from geo.display import GRID_DEG, display_geometry, fit_zoom, overview_geometry


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


# --- overview geometry: what Leaflet would draw at the zoom a map opens at ------------------------

def _metres_per_px(zoom: float) -> float:
    return 40075016.685578488 / (256 * 2 ** zoom)  # Web Mercator, as Leaflet draws it


@pytest.mark.parametrize("bounds, zoom", [
    # The two maps' bounds with their panel padding, and the zoom Leaflet picked in Chromium (1280×800).
    ((105.82131, 28.53049, 106.68162, 30.08532), 9.25),
    ((101.9363, 27.66344, 110.19133, 33.04475), 7.25),
])
def test_fit_zoom_is_leaflets_fit_bounds(bounds, zoom):
    assert fit_zoom(bounds, (1280, 800), padding=(360, 20)) == zoom


def test_fit_zoom_is_the_largest_snapped_zoom_that_fits():
    bounds = (104.0, 28.0, 108.0, 32.0)
    zoom = fit_zoom(bounds, (800, 600), snap=0.25)
    assert zoom % 0.25 == 0
    assert fit_zoom(bounds, (1600, 1200), snap=0.25) == zoom + 1  # twice the window: one zoom level in


def test_overview_drops_what_leaflet_drops_and_stays_within_a_pixel(shown):
    zoom = 7.25  # the Economic Circle map, opened in a 1280×800 window
    overview = overview_geometry(shown, zoom)
    full = shown.geometry.to_numpy()
    kept = shapely.get_num_coordinates(overview.to_numpy()).sum() / shapely.get_num_coordinates(full).sum()
    assert kept < 0.5
    # Douglas–Peucker at 1 px, ring by ring: every polygon within 1 px of its full geometry
    projected = overview.to_crs(3857).to_numpy(), shown.geometry.to_crs(3857).to_numpy()
    assert shapely.hausdorff_distance(*projected).max() <= _metres_per_px(zoom) * (1 + 1e-6)
    # nothing lost to the eye: the same kinds of geometry, parts and holes
    assert (shapely.get_type_id(overview.to_numpy()) == shapely.get_type_id(full)).all()
    assert (shapely.get_num_geometries(overview.to_numpy()) == shapely.get_num_geometries(full)).all()
    holes = [shapely.get_num_interior_rings(shapely.get_parts(g)).sum() for g in (overview.to_numpy(), full)]
    assert holes[0] == holes[1]
    coords = shapely.get_coordinates(overview.to_numpy())
    assert np.allclose(coords, np.round(coords / GRID_DEG) * GRID_DEG, atol=1e-9)  # still on the grid
    assert _written_on_the_grid(coords)  # 108.0692, not 108.06920000000001
    assert (overview.index == shown.index).all() and overview.crs == shown.crs


def test_overview_keeps_polygons_it_would_barely_lighten(shown):
    # At zoom 12 a pixel is ~30 m: the display geometry (~300 m steps) loses almost nothing, so every
    # polygon stays whole rather than travel twice in the page.
    overview = overview_geometry(shown, 12)
    assert (overview.to_wkb() == shown.geometry.to_wkb()).all()
    lighter = overview_geometry(shown, 7.25, worth=0.5)
    counts = shapely.get_num_coordinates(lighter.to_numpy()), shapely.get_num_coordinates(shown.geometry.to_numpy())
    changed = counts[0] != counts[1]
    assert (counts[0][changed] <= 0.5 * counts[1][changed]).all()
