"""Overview and full geometry in one page (maps.detail), without a browser."""

import json
import re

import shapely

from maps.detail import DETAIL_KEY, PATH_KEY, with_detail, with_paths
from maps.offline import render_html
from maps.render import economic_circle_map, science_city_map


def _collection(*geoms):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": str(i)}, "geometry": shapely.geometry.mapping(g)}
        for i, g in enumerate(geoms)]}


def test_only_features_that_lost_vertices_carry_their_full_coordinates():
    triangle = shapely.Polygon([(0, 0), (2, 0), (2, 2)])
    fuller = shapely.Polygon([(0, 0), (1, 0.01), (2, 0), (2, 2)])
    islands = shapely.MultiPolygon([fuller, shapely.box(5, 5, 6, 6)])
    overview_islands = shapely.MultiPolygon([triangle, shapely.box(5, 5, 6, 6)])
    data = _collection(triangle, triangle, overview_islands)
    lines = with_detail(data, [triangle, fuller, islands])
    marks = [f.get(DETAIL_KEY) for f in data["features"]]
    assert marks == [None, [0, 1], [1, 2]]  # line, and Leaflet's nesting depth (Polygon 1, MultiPolygon 2)
    assert json.loads(lines[0]) == json.loads(json.dumps(shapely.geometry.mapping(fuller)["coordinates"]))
    assert json.loads(lines[1]) == json.loads(json.dumps(shapely.geometry.mapping(islands)["coordinates"]))
    assert all(set(line) <= set("0123456789.,-[]e") for line in lines)  # joined with ";", nothing to escape


def _vertices(coordinates) -> int:
    return 1 if isinstance(coordinates[0], float | int) else sum(_vertices(c) for c in coordinates)


def _opening_and_full_vertices(html: str) -> tuple[int, int]:
    """Vertices of the GeoJSON the map opens with; of the full geometry it can swap in."""
    layers = [json.loads(m.group(1)) for m in re.finditer(r"^\s*geo_json_\w+_add\((\{.*\})\);$", html, re.M)]
    texts = [m.group(1) for m in re.finditer(r'^\s*var overview_detail_\d+ = "([^"]*)";$', html, re.M)]
    lines = [line for text in texts if text for line in text.split(";")]
    opening = sum(_vertices(f["geometry"]["coordinates"]) for layer in layers for f in layer["features"])
    full = sum(_vertices(f["geometry"]["coordinates"]) for layer in layers for f in layer["features"]
               if DETAIL_KEY not in f) + sum(_vertices(json.loads(line)) for line in lines)
    return opening, full


def test_the_circle_opens_on_overview_geometry_and_carries_the_rest():
    html = render_html(economic_circle_map())
    assert len(re.findall(r"\}\)\(geo_json_\w+, map_\w+, 7\.25, ", html)) == 5  # every district layer
    opening, full = _opening_and_full_vertices(html)
    assert full == 32_909 + 540  # every unit's display geometry, and the five hosts' outlines again
    assert opening < 0.5 * full  # the rest only when zoomed in past 7.25


def test_only_features_with_something_to_draw_get_a_pixel_path():
    data = _collection(shapely.box(106, 29, 107, 30), shapely.Point(106, 29), shapely.Polygon())
    with_paths(data, [shapely.box(106, 29, 107, 30), shapely.Point(106, 29), shapely.Polygon()], 9.25)
    paths = [f.get(PATH_KEY) for f in data["features"]]
    assert paths[1:] == [None, None]
    x, y, rest = paths[0]
    assert isinstance(x, int) and isinstance(y, int) and re.fullmatch(r"l[-0-9 ]+z", rest)


def test_the_science_city_needs_no_overview_and_opens_on_pixel_paths():
    # At its opening zoom (9.25) a pixel is ~250 m: too few vertices to drop to be worth a second copy.
    html = render_html(science_city_map())
    assert re.findall(r'^\s*var overview_detail_\d+ = "(.*)";$', html, re.M) == ["", ""]  # two layers, no copy
    assert len(re.findall(r"\}\)\(geo_json_\w+, map_\w+, 9\.25, overview_detail_\d+\);", html)) == 2
    layers = [json.loads(m.group(1)) for m in re.finditer(r"^\s*geo_json_\w+_add\((\{.*\})\);$", html, re.M)]
    assert [len(layer["features"]) for layer in layers] == [33, 5]
    assert all(PATH_KEY in f for layer in layers for f in layer["features"])  # every district drawn from one
