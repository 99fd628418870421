"""Display geometry: lighter, rounded to about 1 m, and still a seamless coverage."""

import re

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import area_km2, load_districts
from geo.display import GRID_DEG, display_geometry, fit_zoom, leaflet_pixels, overview_geometry, pixel_paths


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


def test_leaflet_pixels_are_leaflets():
    # map.project(latlng, zoom).round() in Chromium with the bundled Leaflet 1.9.3 (EPSG3857)
    lonlat = np.array([[0.0, 0.0], [106.55, 29.56], [-180.0, 89.0], [110.19133, 27.66344]])
    assert leaflet_pixels(lonlat, 9.25).tolist() == [[77936, 77936], [124070, 64528], [0, 0], [125646, 65464]]
    assert leaflet_pixels(lonlat, 0).tolist() == [[128, 128], [204, 106], [0, 0], [206, 108]]


def _decoded(path: tuple[int, int, str]) -> list[list[tuple[int, int]]]:
    """The rings of a pixel path, in absolute pixels: what the SVG renderer draws."""
    x, y, rest = path
    rings, start, ring = [], (x, y), [(x, y)]
    for command, numbers in re.findall(r"([lmz])([^lmz]*)", rest):
        steps = [int(n) for n in numbers.split()]
        if command == "m":
            start = (start[0] + steps[0], start[1] + steps[1])
            ring = [start]
        elif command == "l":
            for dx, dy in zip(steps[::2], steps[1::2], strict=True):
                ring.append((ring[-1][0] + dx, ring[-1][1] + dy))
        else:
            rings.append(ring)
    return rings


_coordinate = st.tuples(st.floats(100, 112), st.floats(26, 34))


@st.composite
def _polygons(draw: st.DrawFn) -> shapely.Geometry:
    """Polygons and multipolygons with holes, anywhere over the Circle."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        (x, y), size = draw(_coordinate), draw(st.floats(0.001, 1))
        shell = shapely.box(x, y, x + size, y + size)
        if draw(st.booleans()):
            shell = shell.difference(shapely.box(x + size / 4, y + size / 4, x + size / 2, y + size / 2))
        shell = shapely.segmentize(shell, size / draw(st.integers(1, 7)))
        parts.append(shell)
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


@settings(max_examples=60, deadline=None)
@given(_polygons(), st.sampled_from([5, 7.25, 9.25, 12.5]))
def test_a_pixel_path_draws_every_vertex_where_leaflet_does(geometry, zoom):
    [path] = pixel_paths(np.array([geometry]), zoom)
    expected = [[tuple(p) for p in leaflet_pixels(shapely.get_coordinates(ring)[:-1], zoom).tolist()]
                for ring in shapely.get_rings(shapely.get_parts(geometry))]
    assert _decoded(path) == expected  # each ring, in order, its closing vertex dropped as L.Polygon does


def test_only_polygons_have_pixel_paths():
    geometries = np.array([shapely.Point(106, 29), shapely.Polygon(), shapely.LineString([(0, 0), (1, 1)]),
                           shapely.box(106, 29, 107, 30)])
    paths = pixel_paths(geometries, 9.25)
    assert paths[:3] == [None, None, None] and paths[3] is not None


def test_a_pixel_path_costs_a_few_bytes_per_vertex(shown):
    overview = overview_geometry(shown, 9.25).to_numpy()
    paths = pixel_paths(overview, 9.25)
    vertices = int(shapely.get_num_coordinates(overview).sum())
    # steps of a few pixels: ~5 characters a vertex, where its GeoJSON coordinates take ~23
    assert sum(len(rest) for _, _, rest in paths) < 6 * vertices
